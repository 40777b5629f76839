//! The members console (SPEC section 10): `/` and its deep links serve the page, the assets
//! come with their content types, every file and module import is embedded, and
//! `ROSTER_CONSOLE=false` turns it all off.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use std::collections::BTreeSet;
use std::path::Path;
use tower::ServiceExt;

use crate::helpers::{Backend, TestApp};

async fn get(app: &TestApp, uri: &str, accept: &str) -> (StatusCode, HeaderMap, String) {
    let request = Request::get(uri)
        .header(header::ACCEPT, accept)
        .body(Body::empty())
        .expect("request");
    get_request(app, request).await
}

async fn get_request(app: &TestApp, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let response = app
        .router
        .clone()
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn content_type(headers: &HeaderMap) -> &str {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn root_and_deep_links_serve_the_console() {
    let app = TestApp::new(Backend::Sqlite).await;
    for uri in [
        "/",
        "/signin",
        "/signup",
        "/forgot-password",
        "/workspaces/3f0c6a52-5f7e-4c55-9d1e-2b0b8a1f1c11/members",
        "/workspaces/3f0c6a52-5f7e-4c55-9d1e-2b0b8a1f1c11/audit?x=1",
    ] {
        let (status, headers, body) = get(&app, uri, "text/html").await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(content_type(&headers), "text/html; charset=utf-8", "{uri}");
        assert!(
            body.contains(r#"<script type="module" src="/console/main.js"></script>"#),
            "{uri}: {body}"
        );
        let csp = headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"),
            "{csp}"
        );
    }
    // The API keeps its own answers.
    let (status, headers, _) = get(&app, "/graphql", "text/html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type(&headers).starts_with("text/html"));
    let (status, _, body) = get(&app, "/healthz", "*/*").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
}

#[tokio::test]
async fn assets_have_their_content_types_and_revalidate() {
    let app = TestApp::new(Backend::Sqlite).await;
    for (uri, expected) in [
        ("/console/main.js", "text/javascript; charset=utf-8"),
        (
            "/console/views/members.js",
            "text/javascript; charset=utf-8",
        ),
        ("/console/app.css", "text/css; charset=utf-8"),
        ("/console/icon.svg", "image/svg+xml"),
        ("/favicon.ico", "image/svg+xml"),
    ] {
        let (status, headers, body) = get(&app, uri, "*/*").await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(content_type(&headers), expected, "{uri}");
        assert!(!body.is_empty(), "{uri}");
        assert_eq!(
            headers
                .get(header::X_CONTENT_TYPE_OPTIONS)
                .map(|v| v.as_bytes()),
            Some(b"nosniff".as_slice())
        );
        assert_eq!(
            headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()),
            Some(b"no-cache".as_slice())
        );
        // A revalidation with the ETag is answered 304 without a body.
        let etag = headers.get(header::ETAG).expect("etag").clone();
        let request = Request::get(uri)
            .header(header::IF_NONE_MATCH, etag)
            .body(Body::empty())
            .expect("request");
        let (status, _, body) = get_request(&app, request).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::NOT_MODIFIED, ""),
            "{uri}"
        );
    }
    for uri in [
        "/console/nope.js",
        "/console/index.html",
        "/console/../Cargo.toml",
        "/nope",
    ] {
        let (status, _, _) = get(&app, uri, "*/*").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
    }
}

/// Every file under assets/console is compiled in, and every module a script imports exists.
#[test]
fn every_file_and_import_is_embedded() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/console");
    let mut on_disk = BTreeSet::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read assets/console") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(&root).expect("under root");
                on_disk.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let embedded: BTreeSet<String> = roster::console::asset_names().map(str::to_owned).collect();
    assert_eq!(
        on_disk, embedded,
        "src/console.rs FILES and assets/console differ"
    );

    for name in embedded.iter().filter(|n| n.ends_with(".js")) {
        let text = std::fs::read_to_string(root.join(name)).expect("read");
        let dir = Path::new(name).parent().unwrap_or(Path::new(""));
        for line in text.lines() {
            let Some(rest) = line.split(" from '").nth(1) else {
                continue;
            };
            let Some(spec) = rest.split('\'').next() else {
                continue;
            };
            let mut parts: Vec<&str> = dir
                .to_str()
                .unwrap_or_default()
                .split('/')
                .filter(|p| !p.is_empty())
                .collect();
            for seg in spec.split('/') {
                match seg {
                    "." => {}
                    ".." => {
                        parts.pop();
                    }
                    s => parts.push(s),
                }
            }
            let target = parts.join("/");
            assert!(
                embedded.contains(&target),
                "{name} imports {spec} ({target}), which is not embedded"
            );
        }
    }
}

#[tokio::test]
async fn the_console_can_be_turned_off() {
    let app = TestApp::with_config(Backend::Sqlite, |c| c.console = false).await;
    let (status, headers, body) = get(&app, "/", "text/html").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(content_type(&headers).starts_with("text/html"));
    assert!(
        body.contains("/graphql") && !body.contains("<script"),
        "{body}"
    );
    let (status, headers, body) = get(&app, "/", "application/json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type(&headers), "application/json");
    assert!(body.contains("NOT_FOUND"), "{body}");
    for uri in [
        "/console/main.js",
        "/workspaces/x/members",
        "/signin",
        "/favicon.ico",
    ] {
        let (status, _, _) = get(&app, uri, "*/*").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
    }
    // The API and the emailed-link pages stay.
    let (status, _, _) = get(&app, "/activate?token=x", "text/html").await;
    assert_eq!(status, StatusCode::OK);
}
