//! Bounded work: password hashing has a fixed budget (threads and a short queue); beyond it a
//! request is refused at once with `UNAVAILABLE`, before any hashing, and counts against
//! nobody.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use futures_util::future::join_all;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tower::ServiceExt;

use crate::both;
use crate::helpers::{Backend, PASSWORD, TestApp, code};

const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken } }";

both!(
    logins_beyond_the_hashing_budget_are_refused_at_once_and_count_for_nothing,
    every_password_hash_takes_a_place_in_the_budget,
);

/// One login over HTTP: status, `Retry-After`, the response body, and how long it took.
pub async fn login(
    app: &TestApp,
    email: &str,
    password: &str,
) -> (StatusCode, Option<String>, Value, Duration) {
    let body =
        json!({ "query": LOGIN, "variables": { "i": { "email": email, "password": password } } });
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    let started = Instant::now();
    let response = app
        .router
        .clone()
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let took = started.elapsed();
    let value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{status}: not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, retry_after, value, took)
}

fn first_code(v: &Value) -> &str {
    code(&v["errors"][0])
}

async fn logins_beyond_the_hashing_budget_are_refused_at_once_and_count_for_nothing(
    backend: Backend,
) {
    let app = TestApp::with_config(backend, |c| {
        c.limits.hash_threads = 1;
        c.limits.hash_queue = 1;
    })
    .await;
    app.sign_up("eve@example.com", "Eve").await;
    // A flood of wrong passwords for one account and for unknown addresses, all at once.
    let flood = (0..16).map(|i| {
        let email = if i % 2 == 0 {
            "eve@example.com".to_owned()
        } else {
            format!("nobody{i}@example.com")
        };
        let app = &app;
        async move { (email.clone(), login(app, &email, "not the password").await) }
    });
    let answers = join_all(flood).await;
    let mut refused = 0;
    let mut counted_for_eve = 0;
    for (email, (status, retry_after, body, took)) in &answers {
        match first_code(body) {
            "UNAVAILABLE" => {
                refused += 1;
                // Refused at once, as a 503 with a JSON body and when to retry.
                assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
                assert_eq!(retry_after.as_deref(), Some("1"), "{body}");
                assert_eq!(body["errors"][0]["extensions"]["retryAfter"], 1, "{body}");
                assert!(body["data"].is_null(), "{body}");
                assert!(*took < Duration::from_secs(3), "refused after {took:?}");
            }
            "UNAUTHENTICATED" => {
                assert_eq!(*status, StatusCode::OK, "{body}");
                if email == "eve@example.com" {
                    counted_for_eve += 1;
                }
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    // One thread and one place in the queue: most of 16 concurrent logins are refused.
    assert!(refused >= 8, "only {refused} of 16 refused");
    // Only the checks that ran count: Eve has exactly 5 - counted wrong guesses left.
    assert!(counted_for_eve < 5, "{counted_for_eve}");
    for _ in counted_for_eve..5 {
        let (_, _, body, _) = login(&app, "eve@example.com", "still wrong").await;
        assert_eq!(first_code(&body), "UNAUTHENTICATED", "{body}");
    }
    let (_, _, body, _) = login(&app, "eve@example.com", PASSWORD).await;
    assert_eq!(first_code(&body), "RATE_LIMITED", "{body}");
}

/// Sign-up, the password change and activation hash inside the same budget: with no place
/// left they are refused with `UNAVAILABLE` and change nothing.
async fn every_password_hash_takes_a_place_in_the_budget(backend: Backend) {
    let app = TestApp::with_config(backend, |c| {
        c.limits.hash_threads = 1;
        c.limits.hash_queue = 0;
    })
    .await;
    let ada = app.sign_up("ada@example.com", "Ada").await;
    // Hold the only place, as a long-running hash would.
    let held = app.roster.hashing.admit().expect("a place");
    let sign_up = app
        .err(
            None,
            "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
            json!({ "i": { "email": "bob@example.com", "name": "Bob", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(code(&sign_up), "UNAVAILABLE", "{sign_up}");
    let change = app
        .err(
            Some(&ada.token),
            "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }",
            json!({ "c": PASSWORD, "n": "a new long password" }),
        )
        .await;
    assert_eq!(code(&change), "UNAVAILABLE", "{change}");
    let (_, _, body, _) = login(&app, "ada@example.com", PASSWORD).await;
    assert_eq!(first_code(&body), "UNAVAILABLE", "{body}");
    drop(held);
    // Nothing was created, changed or counted.
    let (_, _, body, _) = login(&app, "bob@example.com", PASSWORD).await;
    assert_eq!(first_code(&body), "UNAUTHENTICATED", "{body}");
    let (_, _, body, _) = login(&app, "ada@example.com", PASSWORD).await;
    assert!(body.get("errors").is_none(), "{body}");
}
