//! Operating Roster: the client IP behind trusted proxies (the per-IP login limit), and the
//! Prometheus metrics.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use serde_json::{Value, json};
use std::net::SocketAddr;

use crate::both;
use crate::helpers::{Backend, TestApp, code};

both!(
    the_per_ip_login_limit_believes_only_trusted_proxies,
    metrics_count_operations_latency_and_the_pool,
);

/// A failed login from `peer`, with an optional X-Forwarded-For; the error code.
async fn failed_login(app: &TestApp, peer: &str, forwarded: Option<&str>, n: usize) -> String {
    let body = json!({ "query": "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        "variables": { "i": { "email": format!("nobody{n}@example.com"), "password": "wrong password" } } });
    let mut request = Request::post("/graphql").header("content-type", "application/json");
    if let Some(xff) = forwarded {
        request = request.header("x-forwarded-for", xff);
    }
    let mut request = request.body(Body::from(body.to_string())).expect("request");
    let peer: SocketAddr = peer.parse().expect("addr");
    request.extensions_mut().insert(ConnectInfo(peer));
    let (_, _, body) = app.send(request).await;
    let v: Value = serde_json::from_slice(&body).expect("json");
    code(&v["errors"][0]).to_owned()
}

async fn the_per_ip_login_limit_believes_only_trusted_proxies(backend: Backend) {
    let app = TestApp::with_config(backend, |c| {
        c.limits.login_failures_per_ip = 3;
        c.trusted_proxies = vec!["10.0.0.0/8".parse().expect("cidr")];
    })
    .await;
    let proxy = "10.0.0.1:40000";
    // Behind the proxy, each client has its own budget.
    for n in 0..3 {
        assert_eq!(
            failed_login(&app, proxy, Some("203.0.113.5"), n).await,
            "UNAUTHENTICATED"
        );
    }
    assert_eq!(
        failed_login(&app, proxy, Some("203.0.113.5"), 3).await,
        "RATE_LIMITED"
    );
    assert_eq!(
        failed_login(&app, proxy, Some("198.51.100.7, 10.0.0.2"), 4).await,
        "UNAUTHENTICATED"
    );
    // A client that is not a trusted proxy cannot choose its address by writing the header.
    let direct = "192.0.2.10:5000";
    for n in 0..3 {
        let spoofed = format!("203.0.113.{}", 100 + n);
        assert_eq!(
            failed_login(&app, direct, Some(&spoofed), 10 + n).await,
            "UNAUTHENTICATED"
        );
    }
    assert_eq!(
        failed_login(&app, direct, Some("203.0.113.200"), 20).await,
        "RATE_LIMITED"
    );
}

async fn metrics_count_operations_latency_and_the_pool(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.ok(None, "{ serverInfo { version } }", json!({})).await;
    app.gql(None, "{ me { id } }", json!({})).await;
    app.gql(None, "{ nope }", json!({})).await;
    let (status, _, body) = app
        .send(
            Request::get("/metrics")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(status, 200);
    let text = String::from_utf8_lossy(&body);
    for wanted in [
        r#"roster_graphql_operations_total{operation="query serverInfo",outcome="ok"}"#,
        r#"roster_graphql_operations_total{operation="query me",outcome="UNAUTHENTICATED"}"#,
        r#"roster_graphql_operations_total{operation="query unknown",outcome="BAD_USER_INPUT"}"#,
        "roster_graphql_operation_duration_seconds_bucket{",
        r#"roster_http_requests_total{route="/graphql",method="POST",status="200"}"#,
        "roster_http_request_duration_seconds_bucket{",
        "roster_db_pool_connections ",
        "roster_db_pool_idle_connections ",
        "roster_db_pool_max_connections ",
    ] {
        assert!(text.contains(wanted), "/metrics lacks {wanted}:\n{text}");
    }
}
