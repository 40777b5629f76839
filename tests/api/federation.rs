//! `ROSTER_FEDERATION=true`: an Apollo Federation v2 subgraph, its entities resolved with the
//! authorization of `node(id:)`.

use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp, code};

both!(
    entities_resolve_with_node_authorization,
    federation_is_off_by_default
);

const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) {
    __typename ... on Account { email } ... on Workspace { name } ... on Member { role } } }";

async fn entities_resolve_with_node_authorization(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.federation = true).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ed = app
        .member(&owner, &owner.workspace, "ed@example.com", "EDITOR")
        .await;
    let mallory = app.sign_up("mallory@example.com", "Mallory").await;
    let data = app
        .ok(Some(&owner.token), "{ _service { sdl } }", json!({}))
        .await;
    let sdl = data["_service"]["sdl"].as_str().unwrap_or_default();
    for ty in ["Account", "Workspace", "Member"] {
        assert!(
            sdl.lines().any(
                |l| l.starts_with(&format!("type {ty} ")) && l.contains("@key(fields: \"id\")")
            ),
            "{ty} has no @key:\n{sdl}"
        );
    }
    let ed_member = app.member_id(&owner.token, &owner.workspace, &ed.id).await;
    let representations = json!([
        { "__typename": "Member", "id": ed_member },
        { "__typename": "Account", "id": ed.id },
        { "__typename": "Workspace", "id": owner.workspace },
        { "__typename": "Workspace", "id": mallory.workspace },
    ]);
    let data = app
        .ok(
            Some(&owner.token),
            ENTITIES,
            json!({ "r": representations }),
        )
        .await;
    let found = data["_entities"].as_array().cloned().unwrap_or_default();
    assert_eq!(found[0]["role"], "EDITOR");
    assert_eq!(found[1]["email"], "ed@example.com");
    assert_eq!(found[2]["__typename"], "Workspace");
    assert_eq!(found[3], Value::Null, "another's workspace is null");

    // The attacker sees none of them; without a token, UNAUTHENTICATED.
    let data = app
        .ok(
            Some(&mallory.token),
            ENTITIES,
            json!({ "r": representations }),
        )
        .await;
    let found = data["_entities"].as_array().cloned().unwrap_or_default();
    assert_eq!(found[..3], [Value::Null, Value::Null, Value::Null]);
    let e = app
        .err(None, ENTITIES, json!({ "r": representations }))
        .await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
}

async fn federation_is_off_by_default(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    for query in [
        "{ _service { sdl } }",
        "{ _entities(representations: []) { __typename } }",
    ] {
        let e = app.err(Some(&owner.token), query, json!({})).await;
        assert_eq!(code(&e), "BAD_USER_INPUT", "{query}: {e}");
    }
}
