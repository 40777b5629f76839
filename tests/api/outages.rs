//! Storage failures are `UNAVAILABLE` (SPEC 5), never an answer about the data: not
//! `NOT_FOUND`, `FORBIDDEN`, `UNAUTHENTICATED` or a wrong password; and an attempt that could
//! not complete is given back to the login limits.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use roster::db::Pool;
use serde_json::json;
use std::time::{Duration, Instant};

use crate::both;
use crate::capacity::login;
use crate::helpers::{Backend, PASSWORD, TestApp, close_code_within, code, test_config};
use crate::private_pg::PrivatePostgres;

both!(
    storage_failures_are_unavailable_never_an_answer_about_the_data,
    a_login_that_could_not_complete_leaves_no_failed_attempt,
);

const REMOVE: &str = "mutation($w: ID!, $a: ID!) { removeMember(workspaceId: $w, accountId: $a) { removedAccountId } }";
const ROLE: &str = "mutation($w: ID!, $a: ID!) { updateMemberRole(workspaceId: $w, accountId: $a, role: NORMAL) { role } }";

/// Sends `mutation` with `variables` as `token`: status and body.
async fn post(
    app: &TestApp,
    token: &str,
    mutation: &str,
    variables: &serde_json::Value,
) -> (StatusCode, serde_json::Value) {
    let body = json!({ "query": mutation, "variables": variables });
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from(body.to_string()))
        .expect("request");
    let (status, content_type, bytes) = app.send(request).await;
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    (status, serde_json::from_slice(&bytes).expect("a JSON body"))
}

async fn ready(app: &TestApp) -> (StatusCode, Duration) {
    let started = Instant::now();
    let (status, _, _) = app
        .send(
            Request::get("/readyz")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    (status, started.elapsed())
}

async fn close_pool(app: &TestApp) {
    match app.roster.db.pool() {
        Pool::Sqlite(p) => p.close().await,
        Pool::Postgres(p) => p.close().await,
    }
}

async fn storage_failures_are_unavailable_never_an_answer_about_the_data(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ada = app.sign_up("ada@example.com", "Ada").await;
    let bob = app
        .member(&ada, &ada.workspace, "bob@example.com", "EDITOR")
        .await;
    close_pool(&app).await;

    let ids = json!({ "w": ada.workspace, "a": bob.id });
    for mutation in [REMOVE, ROLE] {
        let (status, v) = post(&app, &ada.token, mutation, &ids).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{v}");
        assert_eq!(code(&v["errors"][0]), "UNAVAILABLE", "{v}");
        assert!(
            v["errors"][0]["extensions"]["retryAfter"].as_u64() >= Some(1),
            "{v}"
        );
    }
    let me = app.err(Some(&bob.token), "{ me { id } }", json!({})).await;
    assert_eq!(code(&me), "UNAVAILABLE", "{me}");
    let ws = app
        .err(
            Some(&bob.token),
            "query($w: ID!) { workspace(id: $w) { members { totalCount } } }",
            json!({ "w": ada.workspace }),
        )
        .await;
    assert_eq!(code(&ws), "UNAVAILABLE", "{ws}");
    // The right password is not "wrong" because the database is away.
    let (status, _, v, _) = login(&app, "ada@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(code(&v["errors"][0]), "UNAVAILABLE", "{v}");

    let (status, took) = ready(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(took < Duration::from_secs(1), "{took:?}");
    // A WebSocket whose session cannot be checked is told to try again later (1013).
    assert_eq!(ws_close_code(&app, &ada.token).await, Some(1013));
}

/// Opens a graphql-transport-ws connection with `token`; the code it is closed with.
async fn ws_close_code(app: &TestApp, token: &str) -> Option<u16> {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let mut socket = crate::helpers::open_socket(app).await;
    let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
    socket
        .send(Message::text(init.to_string()))
        .await
        .expect("send");
    close_code_within(&mut socket, Duration::from_secs(10)).await
}

/// PostgreSQL stopped under a running server (a private instance, never the shared one): the
/// guarded mutations and logins are `UNAVAILABLE`, `/readyz` answers within a second, and once
/// the server is back everything works, with no failed attempt left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_is_unavailable_and_passes() {
    let pg = tokio::task::spawn_blocking(PrivatePostgres::start)
        .await
        .expect("start PostgreSQL");
    let db = roster::db::Db::connect(&pg.url()).await.expect("connect");
    let app = TestApp::on_db(db, test_config()).await;
    let ada = app.sign_up("ada@example.com", "Ada").await;
    let bob = app
        .member(&ada, &ada.workspace, "bob@example.com", "EDITOR")
        .await;
    let pg = tokio::task::spawn_blocking(move || {
        pg.stop();
        pg
    })
    .await
    .expect("stop PostgreSQL");

    let ids = json!({ "w": ada.workspace, "a": bob.id });
    for mutation in [REMOVE, ROLE] {
        let (status, v) = post(&app, &ada.token, mutation, &ids).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{v}");
        assert_eq!(code(&v["errors"][0]), "UNAVAILABLE", "{v}");
    }
    let (_, _, v, _) = login(&app, "ada@example.com", PASSWORD).await;
    assert_eq!(code(&v["errors"][0]), "UNAVAILABLE", "{v}");
    let (status, took) = ready(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(took < Duration::from_millis(1500), "/readyz took {took:?}");

    let pg = tokio::task::spawn_blocking(move || {
        pg.start_again();
        pg
    })
    .await
    .expect("start PostgreSQL again");
    let back = Instant::now();
    while ready(&app).await.0 != StatusCode::OK {
        assert!(back.elapsed() < Duration::from_secs(15), "not ready again");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, _, v, _) = login(&app, "ada@example.com", PASSWORD).await;
    assert!(v.get("errors").is_none(), "{v}");
    let (status, v) = post(&app, &ada.token, ROLE, &ids).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["data"]["updateMemberRole"]["role"], "NORMAL", "{v}");
    drop(pg);
}

async fn a_login_that_could_not_complete_leaves_no_failed_attempt(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.sign_up("eve@example.com", "Eve").await;
    // The accounts table goes away under the server: each login is reserved, then fails.
    app.sql("ALTER TABLE accounts RENAME TO accounts_away", &[])
        .await;
    for _ in 0..7 {
        let (_, _, v, _) = login(&app, "eve@example.com", "not the password").await;
        assert_eq!(code(&v["errors"][0]), "INTERNAL", "{v}");
    }
    app.sql("ALTER TABLE accounts_away RENAME TO accounts", &[])
        .await;
    // None of them counted: all 5 wrong guesses are still there, then the limit holds.
    for _ in 0..5 {
        let (_, _, v, _) = login(&app, "eve@example.com", "not the password").await;
        assert_eq!(code(&v["errors"][0]), "UNAUTHENTICATED", "{v}");
    }
    let (_, _, v, _) = login(&app, "eve@example.com", PASSWORD).await;
    assert_eq!(code(&v["errors"][0]), "RATE_LIMITED", "{v}");
}
