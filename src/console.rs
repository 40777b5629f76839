//! The members console (SPEC section 10): a single-page front end built only on the public
//! GraphQL API, compiled into the binary and served at `/`.
//!
//! The page is hand-written ES modules and CSS under `assets/console/` (no framework, no build
//! step, nothing fetched from the internet). `GET /` and the console's deep links
//! (`/workspaces/<id>/members`, `/signin`, ...) answer the same `index.html`; the page's own
//! router picks the view. Assets are served under `/console/` with their content type, a strong
//! `ETag` and `Cache-Control: no-cache`, so a new binary is picked up without stale modules.
//! `ROSTER_CONSOLE=false` leaves all of these routes out; `/` then answers a short 404 that
//! points at `/graphql`.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// One file of the console.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    etag: String,
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

macro_rules! asset {
    ($name:literal, $type:expr) => {
        (
            $name,
            $type,
            include_bytes!(concat!("../assets/console/", $name)) as &[u8],
        )
    };
}

/// Every file under `assets/console/`; `tests/api/console.rs` checks none is left out.
const FILES: &[(&str, &str, &[u8])] = &[
    asset!("index.html", HTML),
    asset!("app.css", CSS),
    asset!("icon.svg", SVG),
    asset!("main.js", JS),
    asset!("api.js", JS),
    asset!("session.js", JS),
    asset!("live.js", JS),
    asset!("i18n.js", JS),
    asset!("dom.js", JS),
    asset!("dialog.js", JS),
    asset!("permissions.js", JS),
    asset!("queries.js", JS),
    asset!("views/auth.js", JS),
    asset!("views/shell.js", JS),
    asset!("views/members.js", JS),
    asset!("views/invite.js", JS),
    asset!("views/member-dialog.js", JS),
    asset!("views/audit.js", JS),
    asset!("views/settings.js", JS),
    asset!("views/transfer.js", JS),
    asset!("views/api-keys.js", JS),
];

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|&(name, content_type, body)| {
            let digest = Sha256::digest(body);
            let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
            Asset {
                name,
                content_type,
                body,
                etag: format!("\"{hex}\""),
            }
        })
        .collect()
});

/// Same-origin only: scripts and styles from `/console/`, API calls (and the WebSocket) to
/// this server. No inline script or style, no third party.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/// The console's routes, or (when it is turned off) a `/` that says where the API is.
pub fn router<S: Clone + Send + Sync + 'static>(enabled: bool) -> Router<S> {
    if !enabled {
        return Router::new().route("/", get(console_off));
    }
    Router::new()
        .route("/", get(index))
        .route("/signin", get(index))
        .route("/signup", get(index))
        .route("/forgot-password", get(index))
        .route("/workspaces", get(index))
        .route("/workspaces/{*rest}", get(index))
        .route("/favicon.ico", get(favicon))
        .route("/console/{*file}", get(asset))
}

async fn index(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

async fn favicon(headers: HeaderMap) -> Response {
    serve("icon.svg", &headers)
}

async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    // index.html is only served through the page routes.
    if file == "index.html" {
        return not_found();
    }
    serve(&file, &headers)
}

fn serve(name: &str, headers: &HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return not_found();
    };
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == asset.etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            )],
            asset.body,
        )
            .into_response()
    };
    let h = response.headers_mut();
    if let Ok(etag) = HeaderValue::from_str(&asset.etag) {
        h.insert(header::ETAG, etag);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if asset.content_type == HTML {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    response
}

fn not_found() -> Response {
    let body =
        json!({ "errors": [{ "message": "not found", "extensions": { "code": "NOT_FOUND" } }] });
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// `/` with the console turned off: a browser gets a line of HTML, anything else JSON.
async fn console_off(headers: HeaderMap) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if !wants_html {
        let body = json!({ "errors": [{
            "message": "the members console is turned off on this server; the GraphQL API is at /graphql",
            "extensions": { "code": "NOT_FOUND" }
        }] });
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
    }
    (
        StatusCode::NOT_FOUND,
        [
            (header::CONTENT_TYPE, HTML),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; base-uri 'none'; form-action 'none'",
            ),
        ],
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Roster</title>\
         <p>Roster is running. Its members console is turned off on this server \
         (<code>ROSTER_CONSOLE=false</code>). The GraphQL API is at \
         <a href=\"/graphql\">/graphql</a>.</p></html>",
    )
        .into_response()
}

/// The names of the embedded files (for tests).
pub fn asset_names() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(name, _, _)| *name)
}
