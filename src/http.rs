//! The HTTP surface (SPEC section 9): GraphQL over POST and GET, GraphiQL, WebSocket, probes.
//!
//! GraphQL requests are read here, not by async-graphql-axum's extractor, so that every refusal
//! (content type, size, JSON, parameters) is a JSON error with a code and a sentence, and the
//! status codes follow the GraphQL-over-HTTP specification.

mod client_ip;
mod graphiql;
mod observe;
pub mod request;
mod respond;
mod well_known;
mod ws;

use async_graphql::{BatchRequest, BatchResponse, Request};
use async_graphql_axum::GraphQLProtocol;
use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Path, Query, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Deserialize;
use std::net::SocketAddr;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::auth::bearer::{self, Credentials};
use crate::db::Pool;
use crate::error::add_codes;
use crate::graphql::context::ClientIp;
use crate::graphql::{Api, build_api, loaders};
use crate::service::{Authenticated, Roster};
use crate::shutdown::Shutdown;
use request::HttpError;
use respond::Media;

pub use graphiql::is_embedded as graphiql_is_embedded;

#[derive(Clone)]
struct HttpState {
    roster: Roster,
    api: Api,
    shutdown: Shutdown,
}

/// The whole HTTP application.
pub fn router(roster: Roster) -> Router {
    router_with_shutdown(roster, Shutdown::new())
}

/// The application; WebSockets close (1001) when `shutdown` is triggered.
pub fn router_with_shutdown(roster: Roster, shutdown: Shutdown) -> Router {
    crate::metrics::handle();
    let console = crate::console::router(roster.config.console);
    let state = HttpState {
        api: build_api(roster.clone()),
        roster,
        shutdown,
    };
    Router::new()
        .route(
            "/graphql",
            get(graphql_get)
                .post(graphql_post)
                .fallback(method_not_allowed),
        )
        .route("/graphql/ws", get(graphql_ws))
        .route("/graphiql/{file}", get(graphiql::asset))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/.well-known/jwks.json", get(well_known::jwks))
        .route(
            "/.well-known/oauth-authorization-server",
            get(well_known::authorization_server),
        )
        .route("/activate", get(activate_page))
        .route("/verify", get(verify_page))
        .route("/reset", get(reset_page))
        .route("/assets/pages/{file}", get(page_asset))
        .merge(console)
        .method_not_allowed_fallback(wrong_method)
        .fallback(not_found)
        .layer(axum::middleware::from_fn(observe::record))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(observe::span)
                // One access-log line per request (with its request id) at info.
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn not_found() -> HttpError {
    HttpError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such page")
}

/// Any other path with a method it does not take (`POST /healthz`).
async fn wrong_method(method: axum::http::Method) -> HttpError {
    HttpError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "BAD_USER_INPUT",
        format!("this path does not take {method}"),
    )
}

async fn method_not_allowed() -> Response {
    let mut response = HttpError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "BAD_USER_INPUT",
        "/graphql takes GET (queries) and POST",
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    response
}

/// Prometheus metrics, with the database pool's use read at scrape time.
async fn metrics(State(st): State<HttpState>) -> impl IntoResponse {
    let (size, idle, max) = match st.roster.db.pool() {
        Pool::Sqlite(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
        Pool::Postgres(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
    };
    metrics::gauge!("roster_db_pool_connections").set(f64::from(size));
    metrics::gauge!("roster_db_pool_idle_connections").set(idle as f64);
    metrics::gauge!("roster_db_pool_max_connections").set(f64::from(max));
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

/// The stylesheet and scripts the link pages load (assets/pages/): a fixed set, built in.
async fn page_asset(Path(file): Path<String>) -> Response {
    const CSS: &str = "text/css; charset=utf-8";
    const JS: &str = "text/javascript; charset=utf-8";
    let (content_type, body) = match file.as_str() {
        "pages.css" => (CSS, include_str!("../assets/pages/pages.css")),
        "pages.js" => (JS, include_str!("../assets/pages/pages.js")),
        "activate.js" => (JS, include_str!("../assets/pages/activate.js")),
        "verify.js" => (JS, include_str!("../assets/pages/verify.js")),
        "reset.js" => (JS, include_str!("../assets/pages/reset.js")),
        _ => {
            return HttpError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such page asset")
                .into_response();
        }
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            // Revalidated on every use: a page from a new release never runs an old script.
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

/// How long `/readyz` waits for the database: a balancer's probe gets an answer within a
/// second in every state (a pool waiting to reconnect would otherwise hold it for seconds).
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(800);

async fn readyz(State(st): State<HttpState>) -> Response {
    let ping = tokio::time::timeout(READY_TIMEOUT, st.roster.db.ping()).await;
    match ping {
        Ok(Ok(())) => "ready".into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            (StatusCode::SERVICE_UNAVAILABLE, "database not answering").into_response()
        }
    }
}

type ClientAddr = Option<Extension<ConnectInfo<SocketAddr>>>;

async fn graphql_post(
    State(st): State<HttpState>,
    headers: HeaderMap,
    addr: ClientAddr,
    body: Body,
) -> Response {
    let limits = &st.roster.config.limits;
    let batch = async {
        request::check_content_type(&headers)?;
        let bytes = request::read_body(&headers, body, limits.max_body_bytes).await?;
        let mut batch = request::parse_post(&bytes, limits)?;
        persisted(&st.api, &mut batch)?;
        for r in batch.iter_mut() {
            request::check_operation(r, &st.api, false)?;
        }
        Ok::<_, Refused>(batch)
    };
    match batch.await {
        Ok(batch) => execute(&st, &headers, addr, batch).await,
        Err(refused) => refused.into_response(&headers),
    }
}

/// A request refused before it ran: a transport problem, or a GraphQL request error (an
/// unknown persisted operation), answered as GraphQL responses are.
enum Refused {
    Http(HttpError),
    Graphql(Box<BatchResponse>),
}

impl From<HttpError> for Refused {
    fn from(e: HttpError) -> Self {
        Refused::Http(e)
    }
}

impl Refused {
    fn into_response(self, headers: &HeaderMap) -> Response {
        match self {
            Refused::Http(e) => e.into_response(),
            Refused::Graphql(response) => respond::graphql(Media::negotiate(headers), &response),
        }
    }
}

/// Gives each operation of the batch that names a persisted operation (APQ hash,
/// `documentId`) its text, before the operation's type is checked (a persisted mutation over
/// GET is still refused). If one cannot be, no operation runs: each answers with that error.
fn persisted(api: &Api, batch: &mut BatchRequest) -> Result<(), Refused> {
    let Some(error) = batch
        .iter_mut()
        .find_map(|r| api.resolve_persisted(r).err())
    else {
        return Ok(());
    };
    let answer = || add_codes(async_graphql::Response::from_errors(vec![error.clone()]));
    Err(Refused::Graphql(Box::new(match batch {
        BatchRequest::Single(_) => BatchResponse::Single(answer()),
        BatchRequest::Batch(requests) => {
            BatchResponse::Batch(requests.iter().map(|_| answer()).collect())
        }
    })))
}

/// GraphQL-over-HTTP GET parameters (`variables` and `extensions` are JSON-encoded strings).
#[derive(Deserialize)]
struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
    #[serde(rename = "documentId")]
    document_id: Option<String>,
}

async fn graphql_get(
    State(st): State<HttpState>,
    headers: HeaderMap,
    addr: ClientAddr,
    params: Result<Query<GetParams>, QueryRejection>,
) -> Response {
    let params = match params {
        Ok(Query(params)) => params,
        Err(_) => {
            return HttpError::bad_request(
                "the query string is not valid: expected query, operationName, variables, extensions",
            )
            .into_response();
        }
    };
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html && params.query.is_none() && params.document_id.is_none() {
        return graphiql::page();
    }
    let request = request::parse_get(
        params.query,
        params.operation_name,
        params.variables,
        params.extensions,
        params.document_id,
    )
    .map_err(Refused::from)
    .and_then(|request| {
        let mut batch = BatchRequest::Single(request);
        persisted(&st.api, &mut batch)?;
        for r in batch.iter_mut() {
            request::check_operation(r, &st.api, true)?;
        }
        Ok(batch)
    });
    match request {
        Ok(batch) => execute(&st, &headers, addr, batch).await,
        Err(refused) => {
            let mut response = refused.into_response(&headers);
            if response.status() == StatusCode::METHOD_NOT_ALLOWED {
                response
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
            }
            response
        }
    }
}

/// graphql-transport-ws (and the legacy graphql-ws). The token goes in the `connection_init`
/// payload as `{"Authorization": "Bearer <token>"}`; it is checked (and the account re-read)
/// when the connection opens.
async fn graphql_ws(
    State(st): State<HttpState>,
    headers: HeaderMap,
    addr: ClientAddr,
    legacy: Result<GraphQLProtocol, StatusCode>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return HttpError::bad_request(format!(
            "/graphql/ws is a WebSocket endpoint ({}); send GraphQL over HTTP to /graphql",
            ws::PROTOCOL
        ))
        .into_response();
    };
    let offered = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(protocol) = ws::choose_protocol(offered) else {
        return HttpError::bad_request(format!(
            "ask for the {} WebSocket subprotocol (Sec-WebSocket-Protocol)",
            ws::PROTOCOL
        ))
        .into_response();
    };
    let max = st.roster.config.limits.max_body_bytes;
    let conn = ws::Connection {
        ip: client_ip(&st, &headers, addr),
        roster: st.roster,
        api: st.api,
        shutdown: st.shutdown,
    };
    upgrade
        .protocols([protocol])
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| {
            let legacy = (protocol != ws::PROTOCOL).then_some(legacy.ok()).flatten();
            conn.serve(socket, legacy)
        })
}

fn client_ip(st: &HttpState, headers: &HeaderMap, addr: ClientAddr) -> ClientIp {
    let peer = addr.map(|Extension(ConnectInfo(a))| a.ip());
    ClientIp(
        client_ip::resolve(peer, headers, &st.roster.config.trusted_proxies)
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
    )
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
            return HttpError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "internal error",
            )
            .into_response();
        }
    };
    let ip = client_ip(st, headers, addr);
    let prepare = |request: Request| prepare_request(st, request, &auth, &ip);
    let batch = match batch {
        BatchRequest::Single(r) => BatchRequest::Single(prepare(r)),
        BatchRequest::Batch(rs) => BatchRequest::Batch(rs.into_iter().map(prepare).collect()),
    };
    let response = st.api.execute_batch(batch).await;
    respond::graphql(Media::negotiate(headers), &response)
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
