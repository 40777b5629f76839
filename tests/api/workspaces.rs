//! Workspaces: create, list, rename, and who may see or rename them.

use roster::domain::Role;
use serde_json::json;

use crate::both;
use crate::helpers::{Backend, TestApp, code};

const WORKSPACE: &str =
    "query($id: ID!) { workspace(id: $id) { id name viewerRole memberCount owner { email } } }";
const RENAME: &str = "mutation($id: ID!, $name: String!) { renameWorkspace(workspaceId: $id, name: $name) { id name } }";

both!(
    create_list_and_rename,
    non_members_get_not_found,
    only_owners_and_admins_rename,
    removal_of_a_role_applies_to_live_tokens,
);

async fn create_list_and_rename(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ann = app.sign_up("ann@example.com", "Ann").await;
    let created = app
        .ok(
            Some(&ann.token),
            "mutation { createWorkspace(name: \" Research \") { id name viewerRole memberCount } }",
            json!({}),
        )
        .await;
    let ws = &created["createWorkspace"];
    assert_eq!(ws["name"], "Research");
    assert_eq!(ws["viewerRole"], "OWNER");
    assert_eq!(ws["memberCount"], 1);
    let id = ws["id"].as_str().unwrap_or_default().to_owned();

    let list = app
        .ok(
            Some(&ann.token),
            "{ workspaces { name viewerRole } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list["workspaces"],
        json!([{ "name": "Ann's Workspace", "viewerRole": "OWNER" }, { "name": "Research", "viewerRole": "OWNER" }])
    );

    let renamed = app
        .ok(Some(&ann.token), RENAME, json!({ "id": id, "name": "R&D" }))
        .await;
    assert_eq!(renamed["renameWorkspace"]["name"], "R&D");
    let one = app
        .ok(Some(&ann.token), WORKSPACE, json!({ "id": id }))
        .await;
    assert_eq!(one["workspace"]["name"], "R&D");
    assert_eq!(one["workspace"]["owner"]["email"], "ann@example.com");

    let e = app
        .err(Some(&ann.token), RENAME, json!({ "id": id, "name": "  " }))
        .await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
    assert_eq!(e["extensions"]["field"], "name");
    let e = app
        .err(
            Some(&ann.token),
            "mutation { createWorkspace(name: \"\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
    let e = app
        .err(
            None,
            "mutation { createWorkspace(name: \"x\") { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
}

async fn non_members_get_not_found(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ann = app.sign_up("ann@example.com", "Ann").await;
    let bob = app.sign_up("bob@example.com", "Bob").await;
    let e = app
        .err(Some(&bob.token), WORKSPACE, json!({ "id": ann.workspace }))
        .await;
    assert_eq!(code(&e), "NOT_FOUND");
    let e = app
        .err(
            Some(&bob.token),
            RENAME,
            json!({ "id": ann.workspace, "name": "Mine" }),
        )
        .await;
    assert_eq!(code(&e), "NOT_FOUND");
    // A workspace that does not exist looks the same as one that is not yours.
    let e = app
        .err(
            Some(&bob.token),
            WORKSPACE,
            json!({ "id": uuid::Uuid::new_v4().to_string() }),
        )
        .await;
    assert_eq!(code(&e), "NOT_FOUND");
    let e = app
        .err(Some(&bob.token), WORKSPACE, json!({ "id": "not-a-uuid" }))
        .await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
    assert_eq!(e["extensions"]["field"], "id");
    let e = app
        .err(None, WORKSPACE, json!({ "id": ann.workspace }))
        .await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
}

async fn only_owners_and_admins_rename(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Owner").await;
    for (i, role) in Role::ALL.into_iter().enumerate().skip(1) {
        let member = app.sign_up(&format!("m{i}@example.com"), "M").await;
        app.add_member(&owner.workspace, &member.id, role).await;
        let seen = app
            .ok(
                Some(&member.token),
                WORKSPACE,
                json!({ "id": owner.workspace }),
            )
            .await;
        assert_eq!(seen["workspace"]["viewerRole"], role.as_str());
        let result = app
            .gql(
                Some(&member.token),
                RENAME,
                json!({ "id": owner.workspace, "name": format!("by {role}") }),
            )
            .await;
        if role == Role::Admin {
            assert!(result.get("errors").is_none(), "{result}");
        } else {
            assert_eq!(code(&result["errors"][0]), "FORBIDDEN", "{role}: {result}");
        }
    }
    let seen = app
        .ok(
            Some(&owner.token),
            WORKSPACE,
            json!({ "id": owner.workspace }),
        )
        .await;
    assert_eq!(seen["workspace"]["name"], "by ADMIN");
    assert_eq!(seen["workspace"]["memberCount"], 5);
}

async fn removal_of_a_role_applies_to_live_tokens(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Owner").await;
    let admin = app.sign_up("admin@example.com", "Admin").await;
    app.add_member(&owner.workspace, &admin.id, Role::Admin)
        .await;
    app.ok(
        Some(&admin.token),
        RENAME,
        json!({ "id": owner.workspace, "name": "A" }),
    )
    .await;
    app.sql(
        "UPDATE members SET role = 'EDITOR', role_rank = 2 WHERE role = 'ADMIN'",
        &[],
    )
    .await;
    let e = app
        .err(
            Some(&admin.token),
            RENAME,
            json!({ "id": owner.workspace, "name": "B" }),
        )
        .await;
    assert_eq!(code(&e), "FORBIDDEN");
    app.sql("DELETE FROM members WHERE role = 'EDITOR'", &[])
        .await;
    let e = app
        .err(
            Some(&admin.token),
            WORKSPACE,
            json!({ "id": owner.workspace }),
        )
        .await;
    assert_eq!(code(&e), "NOT_FOUND");
}
