//! The HTTP surface (SPEC section 9): GraphQL over POST and GET, GraphiQL, health probes.

use async_graphql::http::{ALL_WEBSOCKET_PROTOCOLS, GraphiQLSource};
use async_graphql::parser::parse_query;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse, Data, Request, Variables};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLProtocol, GraphQLWebSocket};
use axum::extract::connect_info::ConnectInfo;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::auth::bearer::{self, Credentials};
use crate::graphql::context::ClientIp;
use crate::graphql::{RosterSchema, build_schema, loaders};
use crate::service::{Authenticated, Roster};

#[derive(Clone)]
struct HttpState {
    roster: Roster,
    schema: RosterSchema,
}

/// The whole HTTP application.
pub fn router(roster: Roster) -> Router {
    crate::metrics::handle();
    let body_limit = roster.config.limits.max_body_bytes;
    let state = HttpState {
        schema: build_schema(roster.clone()),
        roster,
    };
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(graphql_ws))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/activate", get(activate_page))
        .route("/verify", get(verify_page))
        .route("/reset", get(reset_page))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

/// Prometheus metrics.
async fn metrics() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::metrics::render(),
    )
}

/// A page an emailed link opens: it holds a secret token and a password form, so it is never
/// cached, framed, or sent on as a referrer.
fn link_page(html: &'static str) -> Response {
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
        ],
        Html(html),
    )
        .into_response()
}

/// The page an invitation link opens: greets the invitee, sets name and password.
async fn activate_page() -> Response {
    link_page(include_str!("../assets/activate.html"))
}

/// The page a verification link opens: confirms the address (`verifyEmail`).
async fn verify_page() -> Response {
    link_page(include_str!("../assets/verify.html"))
}

/// The page a password-reset link opens: sets a new password (`resetPassword`).
async fn reset_page() -> Response {
    link_page(include_str!("../assets/reset.html"))
}

async fn readyz(State(st): State<HttpState>) -> Response {
    match st.roster.db.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

type ClientAddr = Option<Extension<ConnectInfo<SocketAddr>>>;

async fn graphql_post(
    State(st): State<HttpState>,
    headers: HeaderMap,
    addr: ClientAddr,
    request: GraphQLBatchRequest,
) -> Response {
    let batch = request.into_inner();
    let max = st.roster.config.limits.max_batch;
    if let BatchRequest::Batch(requests) = &batch
        && requests.len() > max
    {
        return error_response(
            StatusCode::BAD_REQUEST,
            &format!("a batch may hold at most {max} operations"),
            "QUERY_TOO_COMPLEX",
        );
    }
    execute(&st, &headers, addr, batch).await
}

/// GraphQL-over-HTTP GET parameters (`variables` and `extensions` are JSON-encoded strings).
#[derive(Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName", alias = "operation_name")]
    operation_name: Option<String>,
    variables: Option<String>,
}

impl GetParams {
    fn into_request(self) -> Result<Request, String> {
        let mut request = Request::new(self.query.unwrap_or_default());
        if let Some(name) = self.operation_name {
            request = request.operation_name(name);
        }
        if let Some(variables) = self.variables.filter(|v| !v.is_empty()) {
            let json =
                serde_json::from_str(&variables).map_err(|e| format!("invalid variables: {e}"))?;
            request = request.variables(Variables::from_json(json));
        }
        Ok(request)
    }
}

async fn graphql_get(
    State(st): State<HttpState>,
    headers: HeaderMap,
    addr: ClientAddr,
    params: Result<Query<GetParams>, QueryRejection>,
) -> Response {
    let params = match params {
        Ok(Query(params)) => params,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, &e.body_text(), "BAD_USER_INPUT"),
    };
    let wants_html = header_contains(&headers, header::ACCEPT, "text/html");
    if wants_html && params.query.is_none() {
        return Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .subscription_endpoint("/graphql/ws")
                .title("Roster GraphiQL")
                .finish(),
        )
        .into_response();
    }
    let request = match params.into_request() {
        Ok(request) => request,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, &e, "BAD_USER_INPUT"),
    };
    if is_mutation(&request) {
        let mut resp = error_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations are not allowed over GET; use POST",
            "BAD_USER_INPUT",
        );
        resp.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        return resp;
    }
    execute(&st, &headers, addr, BatchRequest::Single(request)).await
}

/// graphql-transport-ws (and the legacy graphql-ws). The token goes in the `connection_init`
/// payload as `{"Authorization": "Bearer <token>"}`; it is checked (and the account re-read)
/// when the connection opens.
async fn graphql_ws(
    State(st): State<HttpState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| {
            let roster = st.roster.clone();
            GraphQLWebSocket::new(socket, st.schema.clone(), protocol)
                .on_connection_init(move |payload: serde_json::Value| async move {
                    let header = payload
                        .get("Authorization")
                        .or_else(|| payload.get("authorization"))
                        .and_then(|v| v.as_str());
                    let auth = roster.authenticate(bearer::parse(header)).await?;
                    let mut data = Data::default();
                    data.insert(auth);
                    data.insert(loaders::for_request(&roster));
                    Ok(data)
                })
                .serve()
        })
}

/// Authenticates once, gives every operation its own loaders, runs the batch.
async fn execute(
    st: &HttpState,
    headers: &HeaderMap,
    addr: ClientAddr,
    batch: BatchRequest,
) -> Response {
    let credentials = match headers.get(header::AUTHORIZATION).map(|v| v.to_str()) {
        None => Credentials::None,
        Some(Ok(value)) => bearer::parse(Some(value)),
        Some(Err(_)) => Credentials::Malformed,
    };
    let auth = match st.roster.authenticate_lazily(credentials).await {
        Ok(auth) => auth,
        Err(e) => {
            tracing::error!(error = ?e, "authentication lookup failed");
            return error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                "INTERNAL",
            );
        }
    };
    let ip = ClientIp(
        addr.map(|Extension(ConnectInfo(a))| a.ip().to_string())
            .unwrap_or_else(|| "unknown".to_owned()),
    );
    let prepare = |request: Request| prepare_request(st, request, &auth, &ip);
    let batch = match batch {
        BatchRequest::Single(r) => BatchRequest::Single(prepare(r)),
        BatchRequest::Batch(rs) => BatchRequest::Batch(rs.into_iter().map(prepare).collect()),
    };
    let response = st.schema.execute_batch(batch).await;
    graphql_response(headers, &response)
}

fn prepare_request(
    st: &HttpState,
    request: Request,
    auth: &Authenticated,
    ip: &ClientIp,
) -> Request {
    request
        .data(auth.clone())
        .data(ip.clone())
        .data(loaders::for_request(&st.roster))
}

/// Serializes a response as `application/graphql-response+json` when the client accepts it,
/// else as `application/json`.
fn graphql_response(headers: &HeaderMap, response: &BatchResponse) -> Response {
    let content_type =
        if header_contains(headers, header::ACCEPT, "application/graphql-response+json") {
            "application/graphql-response+json"
        } else {
            "application/json"
        };
    match serde_json::to_vec(response) {
        Ok(body) => ([(header::CONTENT_TYPE, content_type)], body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot serialize a response");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error",
                "INTERNAL",
            )
        }
    }
}

fn error_response(status: StatusCode, message: &str, code: &str) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn header_contains(headers: &HeaderMap, name: header::HeaderName, needle: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(needle))
}

/// True when the operation that would run is a mutation (or a subscription, which GET cannot
/// carry either).
fn is_mutation(request: &Request) -> bool {
    let Ok(doc) = parse_query(&request.query) else {
        return false; // execution reports the syntax error
    };
    let ty = match &doc.operations {
        DocumentOperations::Single(op) => Some(op.node.ty),
        DocumentOperations::Multiple(ops) => match &request.operation_name {
            Some(name) => ops.get(name.as_str()).map(|op| op.node.ty),
            None if ops.len() == 1 => ops.values().next().map(|op| op.node.ty),
            None => None,
        },
    };
    matches!(
        ty,
        Some(OperationType::Mutation | OperationType::Subscription)
    )
}
