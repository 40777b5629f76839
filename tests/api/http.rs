//! The HTTP surface: GET vs POST, GraphiQL, batches, limits, probes, content types.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp, code};

both!(
    probes_answer,
    get_serves_graphiql_to_browsers_and_queries_to_clients,
    mutations_are_refused_over_get,
    batches_are_capped,
    oversized_and_overdeep_requests_are_refused,
    content_type_follows_accept,
    introspection_can_be_switched_off,
);

fn get(uri: &str, accept: &str) -> Request<Body> {
    Request::get(uri)
        .header("accept", accept)
        .body(Body::empty())
        .expect("request")
}

async fn probes_answer(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (status, _, body) = app.send(get("/healthz", "*/*")).await;
    assert_eq!(
        (status, body.as_slice()),
        (StatusCode::OK, b"ok".as_slice())
    );
    let (status, _, _) = app.send(get("/readyz", "*/*")).await;
    assert_eq!(status, StatusCode::OK);
}

async fn get_serves_graphiql_to_browsers_and_queries_to_clients(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (status, content_type, body) = app.send(get("/graphql", "text/html,*/*")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(String::from_utf8_lossy(&body).contains("graphiql"));

    let uri = "/graphql?query=%7BserverInfo%7BsignupEnabled%20inviteLimit%7D%7D";
    let (status, _, body) = app.send(get(uri, "application/json")).await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(
        v["data"]["serverInfo"],
        json!({ "signupEnabled": true, "inviteLimit": 100 })
    );
}

async fn mutations_are_refused_over_get(backend: Backend) {
    let app = TestApp::new(backend).await;
    let uri = "/graphql?query=mutation%7BcreateWorkspace(name:%22x%22)%7Bid%7D%7D";
    let (status, _, body) = app.send(get(uri, "application/json")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let v: Value = serde_json::from_slice(&body).expect("json");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("POST")
    );
    // A named mutation among several operations is caught too.
    let uri = "/graphql?query=query%20A%7BserverInfo%7Bversion%7D%7D%20mutation%20B%7BcreateWorkspace(name:%22x%22)%7Bid%7D%7D&operationName=B";
    let (status, _, _) = app.send(get(uri, "application/json")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

async fn batches_are_capped(backend: Backend) {
    let app = TestApp::new(backend).await;
    let op = json!({ "query": "{ serverInfo { version } }" });
    let ten = app
        .post_json(None, Value::Array(vec![op.clone(); 10]))
        .await;
    assert_eq!(ten.as_array().map(Vec::len), Some(10));
    assert!(ten[9]["data"]["serverInfo"]["version"].is_string());
    let eleven = app.post_json(None, Value::Array(vec![op; 11])).await;
    assert_eq!(code(&eleven["errors"][0]), "QUERY_TOO_COMPLEX");
}

async fn oversized_and_overdeep_requests_are_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    let big =
        json!({ "query": format!("{{ serverInfo {{ version }} }} # {}", "x".repeat(1 << 20)) });
    let big = big.to_string();
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("content-length", big.len())
        .body(Body::from(big))
        .expect("request");
    let (status, _, _) = app.send(request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let user = app.sign_up("deep@example.com", "Deep").await;
    let mut q = String::from("name");
    for _ in 0..7 {
        q = format!("workspaces {{ owner {{ {q} }} }}");
    }
    let e = app
        .err(Some(&user.token), &format!("{{ me {{ {q} }} }}"), json!({}))
        .await;
    assert_eq!(code(&e), "QUERY_TOO_COMPLEX", "{e}");

    let e = app.err(None, "{ serverInfo { version ", json!({})).await;
    assert_eq!(code(&e), "BAD_USER_INPUT", "{e}");
}

async fn content_type_follows_accept(backend: Backend) {
    let app = TestApp::new(backend).await;
    for (accept, want) in [
        (
            "application/graphql-response+json",
            "application/graphql-response+json",
        ),
        ("application/json", "application/json"),
    ] {
        let request = Request::post("/graphql")
            .header("content-type", "application/json")
            .header("accept", accept)
            .body(Body::from(
                json!({ "query": "{ serverInfo { version } }" }).to_string(),
            ))
            .expect("request");
        let (status, content_type, _) = app.send(request).await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.starts_with(want), "{content_type}");
    }
}

async fn introspection_can_be_switched_off(backend: Backend) {
    let on = TestApp::new(backend).await;
    let data = on
        .ok(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
    let off = TestApp::with_config(backend, |c| c.introspection = false).await;
    let v = off
        .gql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert!(v["data"]["__schema"].is_null(), "{v}");
}
