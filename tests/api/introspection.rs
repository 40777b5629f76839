//! Introspection for tools: graphql-js's standard introspection query passes every limit, and
//! with introspection off nothing (not even "Did you mean") reveals field names.
//!
//! The fixture is the real query text, generated once with npm `graphql`:
//! `node -e "process.stdout.write(require('graphql').getIntrospectionQuery({descriptions: true,
//! specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true,
//! inputValueDeprecation: true, oneOf: true}))"` (run in tests/browser, which pins graphql).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp, code};

const INTROSPECTION: &str = include_str!("../fixtures/introspection-query.graphql");

both!(
    the_standard_introspection_query_passes_every_limit,
    no_suggestions_without_introspection,
);

async fn the_standard_introspection_query_passes_every_limit(backend: Backend) {
    let app = TestApp::new(backend).await;
    let request = Request::post("/graphql")
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .body(Body::from(
            json!({ "query": INTROSPECTION, "operationName": "IntrospectionQuery" }).to_string(),
        ))
        .expect("request");
    let (status, _, body) = app.send(request).await;
    let v: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v.get("errors").is_none(), "{v}");
    let schema = &v["data"]["__schema"];
    assert_eq!(schema["queryType"]["name"], "Query");
    let query = schema["types"]
        .as_array()
        .and_then(|types| types.iter().find(|t| t["name"] == "Query"))
        .expect("type Query");
    let fields: Vec<&str> = query["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["name"].as_str())
        .collect();
    assert!(fields.contains(&"workspaces"), "{fields:?}");

    // The limits still hold for data: the same depth outside introspection is refused.
    let user = app.sign_up("deep@example.com", "Deep").await;
    let mut q = String::from("name");
    for _ in 0..6 {
        q = format!("workspaces {{ owner {{ {q} }} }}");
    }
    let e = app
        .err(Some(&user.token), &format!("{{ me {{ {q} }} }}"), json!({}))
        .await;
    assert_eq!(code(&e), "QUERY_TOO_COMPLEX", "{e}");
}

async fn no_suggestions_without_introspection(backend: Backend) {
    let on = TestApp::new(backend).await;
    let e = on.err(None, "{ serverInf { version } }", json!({})).await;
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Did you mean"),
        "{e}"
    );

    let off = TestApp::with_config(backend, |c| c.introspection = false).await;
    for query in [
        "{ serverInf { version } }",
        "{ serverInfo { versio } }",
        "mutation { logn(input: {email: \"a@b.co\", password: \"x\"}) { accessToken } }",
    ] {
        let v = off.gql(None, query, json!({})).await;
        let text = v.to_string();
        assert!(!text.contains("Did you mean"), "{query}: {text}");
        assert!(!text.contains("\"types\":["), "{query}: {text}");
        assert_eq!(code(&v["errors"][0]), "BAD_USER_INPUT", "{query}: {v}");
    }
    for (query, field) in [
        ("{ __schema { types { name } } }", "__schema"),
        ("{ __type(name: \"Query\") { fields { name } } }", "__type"),
    ] {
        let v = off.gql(None, query, json!({})).await;
        assert!(v["data"][field].is_null(), "{query}: {v}");
    }
}
