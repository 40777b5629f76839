//! `interface Node`, `node(id:)` and `nodes(ids:)`: every object a normalized cache keeps is
//! found again by its id, with the authorization of the typed fields.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::both;
use crate::helpers::{Backend, TestApp, User, code, s};

both!(
    every_kind_is_found_by_the_id_the_typed_fields_return,
    a_member_of_another_workspace_sees_nothing,
    the_audit_log_permission_guards_audit_events,
    nodes_refuses_more_than_100_ids_and_bad_ids,
    nodes_are_batched,
    a_removed_member_is_named_and_gone,
    member_ids_are_stable_and_distinct,
);

const NODES: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
    ... on Workspace { name } ... on Member { role account { email } } ... on Account { email }
    ... on AuditEvent { action } } }";

/// A workspace's member ids (by email) and audit event ids, as the typed fields show them.
async fn ids_of(
    app: &TestApp,
    user: &User,
    workspace: &str,
) -> (Vec<(String, String)>, Vec<String>) {
    let data = app
        .ok(
            Some(&user.token),
            "query($w: ID!) { workspace(id: $w) { members { nodes { id account { email } } }
                auditLog { nodes { id } } } }",
            json!({ "w": workspace }),
        )
        .await;
    let members = data["workspace"]["members"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|m| (s(&m["account"]["email"]), s(&m["id"])))
        .collect();
    let events = data["workspace"]["auditLog"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| s(&e["id"]))
        .collect();
    (members, events)
}

async fn nodes(app: &TestApp, token: &str, ids: &[&str]) -> Vec<Value> {
    let data = app.ok(Some(token), NODES, json!({ "ids": ids })).await;
    data["nodes"].as_array().cloned().unwrap_or_default()
}

async fn every_kind_is_found_by_the_id_the_typed_fields_return(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ed = app
        .member(&owner, &owner.workspace, "ed@example.com", "EDITOR")
        .await;
    let (_, events) = ids_of(&app, &owner, &owner.workspace).await;
    let ed_member = &app.member_id(&owner.token, &owner.workspace, &ed.id).await;
    let unknown = Uuid::now_v7().to_string();
    let found = nodes(
        &app,
        &owner.token,
        &[
            &owner.workspace,
            ed_member,
            &ed.id,
            &events[0],
            &unknown,
            &owner.id,
        ],
    )
    .await;
    assert_eq!(found.len(), 6);
    assert_eq!(found[0]["__typename"], "Workspace");
    assert_eq!(found[0]["id"], owner.workspace.as_str());
    assert_eq!(found[1]["__typename"], "Member");
    assert_eq!(found[1]["role"], "EDITOR");
    assert_eq!(found[1]["account"]["email"], "ed@example.com");
    assert_eq!(found[2]["__typename"], "Account");
    assert_eq!(found[2]["email"], "ed@example.com");
    assert_eq!(found[3]["__typename"], "AuditEvent");
    assert_eq!(found[4], Value::Null, "an unknown id is null");
    assert_eq!(found[5]["email"], "owner@example.com");

    // `node` answers as `nodes` does, and the ids still work in the typed arguments.
    let data = app
        .ok(
            Some(&ed.token),
            "query($id: ID!) { node(id: $id) { id ... on Member { role } } }",
            json!({ "id": ed_member }),
        )
        .await;
    assert_eq!(data["node"]["role"], "EDITOR");
    let data = app
        .ok(
            Some(&owner.token),
            "query($w: ID!) { workspace(id: $w) { id } }",
            json!({ "w": found[0]["id"] }),
        )
        .await;
    assert_eq!(data["workspace"]["id"], owner.workspace.as_str());
}

/// The attacker: a member of workspace B asks for workspace A's objects by id.
async fn a_member_of_another_workspace_sees_nothing(backend: Backend) {
    let app = TestApp::new(backend).await;
    let alice = app.sign_up("alice@example.com", "Alice").await;
    app.member(&alice, &alice.workspace, "ed@example.com", "EDITOR")
        .await;
    let (members, events) = ids_of(&app, &alice, &alice.workspace).await;
    let mallory = app.sign_up("mallory@example.com", "Mallory").await;
    let ids: Vec<&str> = [
        alice.workspace.as_str(),
        alice.id.as_str(),
        events[0].as_str(),
    ]
    .into_iter()
    .chain(members.iter().map(|(_, id)| id.as_str()))
    .collect();
    let found = nodes(&app, &mallory.token, &ids).await;
    assert_eq!(found.len(), ids.len());
    assert!(found.iter().all(Value::is_null), "{found:?}");
    for id in &ids {
        let data = app
            .ok(
                Some(&mallory.token),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(data["node"], Value::Null);
    }
    // The same ids in a typed field: NOT_FOUND, as before.
    let e = app
        .err(
            Some(&mallory.token),
            "query($w: ID!) { workspace(id: $w) { id } }",
            json!({ "w": alice.workspace }),
        )
        .await;
    assert_eq!(code(&e), "NOT_FOUND");
    // Without a token: UNAUTHENTICATED, as the typed fields say.
    let e = app
        .err(
            None,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": alice.workspace }),
        )
        .await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
}

async fn the_audit_log_permission_guards_audit_events(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ed = app
        .member(&owner, &owner.workspace, "ed@example.com", "EDITOR")
        .await;
    let (members, events) = ids_of(&app, &owner, &owner.workspace).await;
    let member = members[0].1.as_str();
    let found = nodes(&app, &ed.token, &[&events[0], member, &owner.workspace]).await;
    assert_eq!(
        found[0],
        Value::Null,
        "an editor may not read the audit log"
    );
    assert_eq!(found[1]["__typename"], "Member");
    assert_eq!(found[2]["__typename"], "Workspace");
    let e = app
        .err(
            Some(&ed.token),
            "query($w: ID!) { workspace(id: $w) { auditLog { nodes { id } } } }",
            json!({ "w": owner.workspace }),
        )
        .await;
    assert_eq!(code(&e), "FORBIDDEN");
}

async fn nodes_refuses_more_than_100_ids_and_bad_ids(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ids: Vec<String> = (0..101).map(|_| Uuid::now_v7().to_string()).collect();
    let e = app
        .err(Some(&owner.token), NODES, json!({ "ids": ids }))
        .await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
    assert_eq!(e["extensions"]["field"], "ids");
    assert_eq!(
        nodes(
            &app,
            &owner.token,
            &ids[..100].iter().map(String::as_str).collect::<Vec<_>>()
        )
        .await
        .len(),
        100
    );

    let e = app
        .err(Some(&owner.token), NODES, json!({ "ids": ["not-an-id"] }))
        .await;
    assert_eq!(
        (code(&e), e["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("ids"))
    );
    let e = app
        .err(
            Some(&owner.token),
            "{ node(id: \"x\\u0000\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
}

/// `nodes` reads each kind once, whatever the number of ids.
async fn nodes_are_batched(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let mut emails = Vec::new();
    for i in 0..12 {
        emails.push(format!("m{i}@example.com"));
    }
    let list: Vec<&str> = emails.iter().map(String::as_str).collect();
    app.invite(&owner.token, &owner.workspace, &list, "NORMAL")
        .await;
    let (members, events) = ids_of(&app, &owner, &owner.workspace).await;
    let mut counts = Vec::new();
    for n in [2, 12] {
        let ids: Vec<&str> = members
            .iter()
            .map(|(_, id)| id.as_str())
            .take(n)
            .chain(events.iter().map(String::as_str).take(n))
            .collect();
        app.ok(Some(&owner.token), "{ me { id } }", json!({})).await;
        let before = app.roster.db.statements();
        let found = nodes(&app, &owner.token, &ids).await;
        counts.push(app.roster.db.statements() - before);
        assert!(found.iter().all(|n| !n.is_null()), "{found:?}");
    }
    assert_eq!(counts[0], counts[1], "statements for 4 and 24 ids");
}

async fn a_removed_member_is_named_and_gone(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ed = app
        .member(&owner, &owner.workspace, "ed@example.com", "EDITOR")
        .await;
    let ed_member = app.member_id(&owner.token, &owner.workspace, &ed.id).await;
    let data = app
        .ok(
            Some(&owner.token),
            "mutation($w: ID!, $a: ID!) { removeMember(workspaceId: $w, accountId: $a) {
                removedAccountId removedMemberId workspace { id memberCount } } }",
            json!({ "w": owner.workspace, "a": ed.id }),
        )
        .await;
    let payload = &data["removeMember"];
    assert_eq!(payload["removedMemberId"], ed_member.as_str());
    assert_eq!(payload["removedAccountId"], ed.id.as_str());
    assert_eq!(payload["workspace"]["memberCount"], 1);
    assert_eq!(
        nodes(&app, &owner.token, &[&ed_member]).await,
        [Value::Null]
    );
}

/// A role change keeps the id; every membership has its own (also an account in two
/// workspaces); `updateMemberRole` returns the member with it.
async fn member_ids_are_stable_and_distinct(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ed = app
        .member(&owner, &owner.workspace, "ed@example.com", "EDITOR")
        .await;
    app.invite(&ed.token, &ed.workspace, &["owner@example.com"], "NORMAL")
        .await;
    let (before, _) = ids_of(&app, &owner, &owner.workspace).await;
    let data = app
        .ok(
            Some(&owner.token),
            "mutation($w: ID!, $a: ID!) { updateMemberRole(workspaceId: $w, accountId: $a, role: ADMIN) { id role } }",
            json!({ "w": owner.workspace, "a": ed.id }),
        )
        .await;
    let ed_member = &app.member_id(&owner.token, &owner.workspace, &ed.id).await;
    assert_eq!(data["updateMemberRole"]["id"], ed_member.as_str());
    let (after, _) = ids_of(&app, &owner, &owner.workspace).await;
    assert_eq!(before.len(), after.len());
    for pair in &before {
        assert!(after.contains(pair));
    }
    let (theirs, _) = ids_of(&app, &ed, &ed.workspace).await;
    let mut all: Vec<&String> = after.iter().chain(&theirs).map(|(_, id)| id).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 4, "four memberships, four ids");
}
