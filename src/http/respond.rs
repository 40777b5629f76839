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
    let (status, body) = match response {
        BatchResponse::Single(r) => {
            let status = if media == Media::GraphqlResponseJson && is_request_error(r) {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::OK
            };
            (status, to_json(r))
        }
        BatchResponse::Batch(rs) => (
            StatusCode::OK,
            rs.iter()
                .map(to_json)
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
        ),
    };
    match body {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, media.content_type())],
            body.to_string(),
        )
            .into_response(),
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
