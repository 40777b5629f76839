//! Writing GraphQL responses as GraphQL-over-HTTP says: `application/graphql-response+json`
//! when the client accepts it (then a request error - syntax, validation, variables - is 400
//! with no `data`), else `application/json` (200, the legacy behaviour clients expect).

use async_graphql::{BatchResponse, Response as GqlResponse};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::request::HttpError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Media {
    GraphqlResponseJson,
    Json,
}

impl Media {
    /// The media type a request's `Accept` asks for (`application/json` when unsaid).
    pub fn negotiate(headers: &HeaderMap) -> Media {
        let accepts_new = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|item| {
                let mut parts = item.split(';').map(str::trim);
                let media = parts.next().unwrap_or_default();
                let refused = parts.any(|p| p.replace(' ', "") == "q=0");
                media.eq_ignore_ascii_case("application/graphql-response+json") && !refused
            });
        if accepts_new {
            Media::GraphqlResponseJson
        } else {
            Media::Json
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Media::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Media::Json => "application/json; charset=utf-8",
        }
    }
}

/// A request error: nothing executed (no `data`), every error is about the request itself.
fn is_request_error(response: &GqlResponse) -> bool {
    matches!(response.data, async_graphql::Value::Null)
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// Nothing of the request could run because the server could not (the database is down, the
/// server is at capacity): `data` is null and every error is `UNAVAILABLE`. The answer is
/// then HTTP 503 with `Retry-After` (the longest `retryAfter` of the errors), body as usual.
fn unavailable_for(response: &GqlResponse) -> Option<u64> {
    if !matches!(response.data, async_graphql::Value::Null) || response.errors.is_empty() {
        return None;
    }
    response.errors.iter().try_fold(0, |longest, e| {
        let ext = e.extensions.as_ref()?;
        let unavailable = matches!(
            ext.get("code"),
            Some(async_graphql::Value::String(code)) if code == "UNAVAILABLE"
        );
        let after = match ext.get("retryAfter") {
            Some(async_graphql::Value::Number(n)) => n.as_u64().unwrap_or(1),
            _ => 1,
        };
        unavailable.then_some(longest.max(after))
    })
}

fn to_json(response: &GqlResponse) -> Result<Value, serde_json::Error> {
    let mut value = serde_json::to_value(response)?;
    if is_request_error(response)
        && let Value::Object(map) = &mut value
    {
        map.remove("data");
    }
    Ok(value)
}

pub fn graphql(media: Media, response: &BatchResponse) -> Response {
    let (mut status, body, retry_after) = match response {
        BatchResponse::Single(r) => {
            let status = if media == Media::GraphqlResponseJson && is_request_error(r) {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            (status, to_json(r), unavailable_for(r))
        }
        BatchResponse::Batch(rs) => (
            StatusCode::OK,
            rs.iter()
                .map(to_json)
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            rs.iter()
                .map(unavailable_for)
                .try_fold(0, |longest, after| Some(longest.max(after?))),
        ),
    };
    if retry_after.is_some() {
        status = StatusCode::SERVICE_UNAVAILABLE;
    }
    match body {
        Ok(body) => {
            let mut response = (
                status,
                [(header::CONTENT_TYPE, media.content_type())],
                body.to_string(),
            )
                .into_response();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
            }
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot serialize a response");
            HttpError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            )
            .into_response()
        }
    }
}
