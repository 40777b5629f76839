//! Persisted operations: automatic persisted queries over POST and GET, and trusted documents
//! (`ROSTER_TRUSTED_DOCUMENTS`), with the codes of SPEC section 15.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use roster::graphql::manifest::{
    TrustedDocuments, console_manifest, console_operations, sha256_hex,
};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp, code};

both!(
    apq_registers_then_runs_by_hash,
    apq_works_over_get_and_keeps_mutations_off_it,
    trusted_documents_run_only_the_manifest,
    the_console_runs_with_its_own_manifest,
);

const ME: &str = "query Me { me { email } }";

fn apq(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn get(app: &TestApp, token: &str, params: &str) -> (StatusCode, Value) {
    let request = Request::get(format!("/graphql?{params}"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let (status, _, body) = app.send(request).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn apq_registers_then_runs_by_hash(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let token = Some(owner.token.as_str());
    let hash = sha256_hex(ME);

    let v = app
        .post_json(token, json!({ "extensions": apq(&hash) }))
        .await;
    assert_eq!(code(&v["errors"][0]), "PERSISTED_QUERY_NOT_FOUND", "{v}");
    assert_eq!(v["errors"][0]["message"], "PersistedQueryNotFound");

    let v = app
        .post_json(token, json!({ "query": ME, "extensions": apq(&hash) }))
        .await;
    assert_eq!(v["data"]["me"]["email"], "owner@example.com", "{v}");
    let v = app
        .post_json(token, json!({ "extensions": apq(&hash) }))
        .await;
    assert_eq!(v["data"]["me"]["email"], "owner@example.com", "{v}");

    // The hash must be the text's.
    let v = app
        .post_json(
            token,
            json!({ "query": "{ me { id } }", "extensions": apq(&hash) }),
        )
        .await;
    assert_eq!(code(&v["errors"][0]), "BAD_USER_INPUT", "{v}");
    for bad in [
        json!({ "persistedQuery": { "version": 2, "sha256Hash": hash } }),
        json!({ "persistedQuery": { "version": 1, "sha256Hash": "zz" } }),
        json!({ "persistedQuery": "x" }),
    ] {
        let v = app.post_json(token, json!({ "extensions": bad })).await;
        assert_eq!(code(&v["errors"][0]), "BAD_USER_INPUT", "{v}");
    }
    // In a batch, every operation answers.
    let v = app
        .post_json(
            token,
            json!([{ "extensions": apq(&hash) }, { "extensions": apq(&sha256_hex("{ x }")) }]),
        )
        .await;
    assert_eq!(v.as_array().map(Vec::len), Some(2), "{v}");
}

async fn apq_works_over_get_and_keeps_mutations_off_it(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let hash = sha256_hex(ME);
    let ext = encode(&apq(&hash).to_string());
    let (_, v) = get(&app, &owner.token, &format!("extensions={ext}")).await;
    assert_eq!(code(&v["errors"][0]), "PERSISTED_QUERY_NOT_FOUND", "{v}");
    let (_, v) = get(
        &app,
        &owner.token,
        &format!("query={}&extensions={ext}", encode(ME)),
    )
    .await;
    assert_eq!(v["data"]["me"]["email"], "owner@example.com", "{v}");
    let (_, v) = get(&app, &owner.token, &format!("extensions={ext}")).await;
    assert_eq!(v["data"]["me"]["email"], "owner@example.com", "{v}");

    // A mutation registered over POST is still refused over GET by its hash.
    let mutation = "mutation Make { createWorkspace(name: \"By hash\") { id } }";
    let mhash = sha256_hex(mutation);
    app.post_json(
        Some(&owner.token),
        json!({ "query": mutation, "extensions": apq(&mhash) }),
    )
    .await;
    let (status, _) = get(
        &app,
        &owner.token,
        &format!("extensions={}", encode(&apq(&mhash).to_string())),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let data = app
        .ok(Some(&owner.token), "{ workspaces { id } }", json!({}))
        .await;
    assert_eq!(
        data["workspaces"].as_array().map(Vec::len),
        Some(2),
        "made once, over POST"
    );
}

async fn trusted_documents_run_only_the_manifest(backend: Backend) {
    let manifest = json!({ "me-1": ME }).to_string();
    let app = TestApp::with_config(backend, |c| {
        c.trusted_documents = TrustedDocuments::parse(&manifest).ok();
    })
    .await;
    // Sign-up is not in this manifest: seed the user with the console's manifest off.
    let v = app
        .gql(
            None,
            "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
            json!({ "i": { "email": "a@example.com", "name": "A", "password": "correct horse" } }),
        )
        .await;
    assert_eq!(code(&v["errors"][0]), "PERSISTED_QUERY_REQUIRED", "{v}");
    assert!(v.get("data").is_none_or(Value::is_null));

    let other = TestApp::on_db(app.roster.db.clone(), crate::helpers::test_config()).await;
    let owner = other.sign_up("owner@example.com", "Olga").await;
    let token = Some(owner.token.as_str());
    // By documentId, by hash, by its exact text.
    let v = app.post_json(token, json!({ "documentId": "me-1" })).await;
    assert_eq!(v["data"]["me"]["email"], "owner@example.com", "{v}");
    let v = app
        .post_json(
            token,
            json!({ "documentId": format!("sha256:{}", sha256_hex(ME)) }),
        )
        .await;
    assert_eq!(v["data"]["me"]["email"], "owner@example.com", "{v}");
    let v = app
        .post_json(token, json!({ "extensions": apq(&sha256_hex(ME)) }))
        .await;
    assert_eq!(v["data"]["me"]["email"], "owner@example.com", "{v}");
    let v = app.gql(token, ME, json!({})).await;
    assert_eq!(v["data"]["me"]["email"], "owner@example.com", "{v}");
    // Anything else is refused, and APQ cannot register it.
    let v = app.gql(token, "{ me { email } }", json!({})).await;
    assert_eq!(code(&v["errors"][0]), "PERSISTED_QUERY_REQUIRED", "{v}");
    let text = "{ me { id } }";
    let v = app
        .post_json(
            token,
            json!({ "query": text, "extensions": apq(&sha256_hex(text)) }),
        )
        .await;
    assert_eq!(code(&v["errors"][0]), "PERSISTED_QUERY_REQUIRED", "{v}");
    let v = app.post_json(token, json!({ "documentId": "nope" })).await;
    assert_eq!(code(&v["errors"][0]), "PERSISTED_QUERY_NOT_FOUND", "{v}");
}

/// Every operation of the console (and of the emailed-link pages) is in the manifest
/// `roster trusted-documents` prints, so the console runs on a server that trusts only it.
async fn the_console_runs_with_its_own_manifest(backend: Backend) {
    let manifest = console_manifest().to_string();
    let app = TestApp::with_config(backend, |c| {
        c.trusted_documents = TrustedDocuments::parse(&manifest).ok();
    })
    .await;
    let operations = console_operations();
    assert!(operations.len() >= 25);
    for op in &operations {
        let v = app.gql(None, op, json!({})).await;
        let codes: Vec<&str> = v["errors"]
            .as_array()
            .map(|es| es.iter().map(code).collect())
            .unwrap_or_default();
        assert!(!codes.contains(&"PERSISTED_QUERY_REQUIRED"), "{op}: {v}");
    }
    // Sign up and read the viewer, as the console does.
    let sign_up = operations
        .iter()
        .find(|op| op.starts_with("mutation SignUp"))
        .expect("SignUp");
    let v = app
        .gql(
            None,
            sign_up,
            json!({ "i": { "email": "c@example.com", "name": "C", "password": "correct horse" } }),
        )
        .await;
    let token = v["data"]["signUp"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let me = operations
        .iter()
        .find(|op| op.starts_with("query Me"))
        .expect("Me");
    let data = app.ok(Some(&token), me, json!({})).await;
    assert_eq!(data["me"]["email"], "c@example.com");
}
