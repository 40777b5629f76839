//! Reading a GraphQL-over-HTTP request: content type, body size, JSON shape, GET parameters.
//! Every refusal is an [`HttpError`]: a status, a code and a sentence, never parser debug text.

use async_graphql::parser::types::OperationType;
use async_graphql::{BatchRequest, Request, Variables};
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::{Map, Value, json};

use crate::config::Limits;
use crate::graphql::Api;
use crate::graphql::limits::selected_operation;

/// A request refused before any GraphQL runs.
#[derive(Debug)]
pub struct HttpError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl HttpError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> HttpError {
        HttpError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", message)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let body =
            json!({ "errors": [{ "message": self.message, "extensions": { "code": self.code } }] });
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

/// POST bodies must be `application/json` (UTF-8). The content types a browser may send
/// cross-site without a CORS preflight (`text/plain`, `multipart/form-data`,
/// `application/x-www-form-urlencoded`) are refused, so a page elsewhere cannot make a
/// signed-in browser run mutations.
pub fn check_content_type(headers: &HeaderMap) -> Result<(), HttpError> {
    let unsupported = |message: String| {
        HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_USER_INPUT",
            message,
        )
    };
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(unsupported(
            "the request has no Content-Type: send the GraphQL request as application/json".into(),
        ));
    };
    let value = value.to_str().unwrap_or_default().to_ascii_lowercase();
    let mut parts = value.split(';').map(str::trim);
    let media = parts.next().unwrap_or_default();
    match media {
        "application/json" => {
            let charset = parts
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim() == "charset")
                .map(|(_, v)| v.trim().trim_matches('"').to_owned());
            match charset.as_deref() {
                None | Some("utf-8" | "utf8") => Ok(()),
                Some(other) => Err(unsupported(format!(
                    "charset {other} is not supported: send UTF-8 JSON"
                ))),
            }
        }
        "text/plain" | "multipart/form-data" | "application/x-www-form-urlencoded" => {
            Err(unsupported(format!(
                "Content-Type {media} is refused (browsers send it cross-site without asking): \
                 send the GraphQL request as application/json"
            )))
        }
        _ => Err(unsupported(format!(
            "Content-Type {media} is not supported: send the GraphQL request as application/json"
        ))),
    }
}

/// Reads at most `max` bytes; a longer body is 413 whether or not it announced its length.
pub async fn read_body(headers: &HeaderMap, body: Body, max: usize) -> Result<Vec<u8>, HttpError> {
    let too_large = || {
        HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "QUERY_TOO_COMPLEX",
            format!("the request body is larger than {max} bytes"),
        )
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    match Limited::new(body, max).collect().await {
        Ok(collected) => Ok(collected.to_bytes().to_vec()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => {
            tracing::debug!(error = %e, "request body could not be read");
            Err(HttpError::bad_request("the request body could not be read"))
        }
    }
}

/// A POST body: one request object, or an array of at most `limits.max_batch` of them.
pub fn parse_post(bytes: &[u8], limits: &Limits) -> Result<BatchRequest, HttpError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(HttpError::bad_request(
            "the request body is empty: send a JSON object with a \"query\"",
        ));
    }
    let json: Value = serde_json::from_slice(bytes)
        .map_err(|e| HttpError::bad_request(format!("the request body is not valid JSON: {e}")))?;
    match json {
        Value::Object(params) => Ok(BatchRequest::Single(from_params(params)?)),
        Value::Array(items) => {
            if items.is_empty() {
                return Err(HttpError::bad_request(
                    "a batch must hold at least one operation",
                ));
            }
            if items.len() > limits.max_batch {
                return Err(HttpError::new(
                    StatusCode::BAD_REQUEST,
                    "QUERY_TOO_COMPLEX",
                    format!("a batch may hold at most {} operations", limits.max_batch),
                ));
            }
            let requests = items
                .into_iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::Object(params) => from_params(params).map_err(|mut e| {
                        e.message = format!("operation {i} of the batch: {}", e.message);
                        e
                    }),
                    _ => Err(HttpError::bad_request(format!(
                        "operation {i} of the batch is not a JSON object"
                    ))),
                })
                .collect::<Result<_, _>>()?;
            Ok(BatchRequest::Batch(requests))
        }
        _ => Err(HttpError::bad_request(
            "the request body must be a JSON object with a \"query\" (or an array of them)",
        )),
    }
}

/// The GraphQL-over-HTTP parameters: `query` (string; may be left out when `documentId` or
/// `extensions.persistedQuery` names a persisted operation), `operationName` (string or null),
/// `variables` and `extensions` (object or null), `documentId` (string; kept in the request's
/// extensions for `graphql::persisted`).
fn from_params(mut params: Map<String, Value>) -> Result<Request, HttpError> {
    let extensions = match params.remove("extensions") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map,
        Some(_) => {
            return Err(HttpError::bad_request(
                "\"extensions\" must be a JSON object",
            ));
        }
    };
    let document_id = params.remove("documentId");
    let persisted = document_id.is_some() || extensions.contains_key("persistedQuery");
    let query = match params.remove("query") {
        Some(Value::String(q)) => q,
        None | Some(Value::Null) if persisted => String::new(),
        None | Some(Value::Null) => {
            return Err(HttpError::bad_request(
                "the request has no \"query\": send {\"query\": \"{ ... }\"}",
            ));
        }
        Some(_) => return Err(HttpError::bad_request("\"query\" must be a string")),
    };
    let mut request = Request::new(query);
    match params.remove("operationName") {
        None | Some(Value::Null) => {}
        Some(Value::String(name)) => request = request.operation_name(name),
        Some(_) => return Err(HttpError::bad_request("\"operationName\" must be a string")),
    }
    match params.remove("variables") {
        None | Some(Value::Null) => {}
        Some(v @ Value::Object(_)) => request = request.variables(Variables::from_json(v)),
        Some(_) => {
            return Err(HttpError::bad_request(
                "\"variables\" must be a JSON object",
            ));
        }
    }
    for (key, value) in extensions
        .into_iter()
        .chain(document_id.map(|id| ("documentId".to_owned(), id)))
    {
        let value = async_graphql::Value::from_json(value)
            .map_err(|_| HttpError::bad_request(format!("\"{key}\" is not valid")))?;
        request.extensions.insert(key, value);
    }
    Ok(request)
}

/// GET parameters, already URL-decoded: the same names as the POST body, with `variables` and
/// `extensions` JSON-encoded.
pub fn parse_get(
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
    document_id: Option<String>,
) -> Result<Request, HttpError> {
    let mut params = Map::new();
    let persisted = extensions
        .as_deref()
        .is_some_and(|e| e.contains("persistedQuery"))
        || document_id.is_some();
    let query = query.filter(|q| !q.is_empty() || !persisted);
    match (query, persisted) {
        (Some(query), _) => {
            params.insert("query".into(), Value::String(query));
        }
        (None, true) => {}
        (None, false) => {
            return Err(HttpError::bad_request(
                "GET /graphql needs a ?query= parameter (a browser asking for HTML gets GraphiQL)",
            ));
        }
    }
    if let Some(id) = document_id {
        params.insert("documentId".into(), Value::String(id));
    }
    if let Some(name) = operation_name {
        params.insert("operationName".into(), Value::String(name));
    }
    for (key, text) in [("variables", variables), ("extensions", extensions)] {
        if let Some(text) = text.filter(|t| !t.is_empty()) {
            let value = serde_json::from_str(&text)
                .map_err(|e| HttpError::bad_request(format!("\"{key}\" is not valid JSON: {e}")))?;
            params.insert(key.into(), value);
        }
    }
    from_params(params)
}

/// What the operation a request selects would do, checked before it runs so that a transport
/// problem gets a 4xx and a sentence: several operations and no `operationName`, an unknown
/// `operationName`, a subscription (only over WebSocket), a mutation over GET.
pub fn check_operation(request: &Request, api: &Api, get: bool) -> Result<(), HttpError> {
    let name = request.operation_name.as_deref();
    let Ok(checked) = api.document(&request.query) else {
        return Ok(()); // execution reports the limit or the syntax error, with its code
    };
    let Some(op) = selected_operation(&checked.doc, name) else {
        return Err(HttpError::bad_request(match name {
            Some(name) => format!("the document has no operation named \"{name}\""),
            None => "the document holds several operations: say which one to run with \
                     \"operationName\""
                .to_owned(),
        }));
    };
    match op.ty {
        OperationType::Subscription => Err(HttpError::bad_request(
            "subscriptions run over WebSocket: connect to /graphql/ws with the \
             graphql-transport-ws protocol",
        )),
        OperationType::Mutation if get => Err(HttpError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_USER_INPUT",
            "mutations are not allowed over GET; use POST",
        )),
        _ => Ok(()),
    }
}
