//! Ownership transfer: the emailed code, its limits, and the one-transaction swap.

use serde_json::json;

use crate::both;
use crate::helpers::{Backend, TestApp, code, s};

const SEND: &str = "mutation($w: ID!) { sendOwnershipTransferCode(workspaceId: $w) }";
const TRANSFER: &str = "mutation($w: ID!, $a: ID!, $c: String) { transferOwnership(workspaceId: $w, accountId: $a, code: $c) {
    viewerRole owner { email } } }";
const ROLES: &str =
    "query($w: ID!) { workspace(id: $w) { members { nodes { role account { email } } } } }";

both!(
    transfer_with_an_emailed_code,
    transfer_codes_expire_and_burn,
    transfer_rules,
    transfer_without_codes_when_switched_off,
);

async fn transfer_with_an_emailed_code(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    let admin = app.member(&owner, &ws, "admin@example.com", "ADMIN").await;
    let heir = app.member(&owner, &ws, "heir@example.com", "EDITOR").await;

    // A stolen session alone cannot give the workspace away.
    let e = app
        .err(
            Some(&owner.token),
            TRANSFER,
            json!({ "w": ws, "a": heir.id }),
        )
        .await;
    assert_eq!(
        (code(&e), &e["extensions"]["field"]),
        ("BAD_USER_INPUT", &json!("code"))
    );
    let e = app.err(Some(&admin.token), SEND, json!({ "w": ws })).await;
    assert_eq!(code(&e), "FORBIDDEN");

    let v = app.ok(Some(&owner.token), SEND, json!({ "w": ws })).await;
    assert_eq!(v["sendOwnershipTransferCode"], true);
    let mail = app.last_email("transfer_code", "owner@example.com").await;
    let code_sent = s(&mail["code"]);
    assert_eq!(code_sent.len(), 6);
    assert_eq!(mail["workspace_name"], "Olga's Workspace");
    // One send per minute.
    let e = app.err(Some(&owner.token), SEND, json!({ "w": ws })).await;
    assert_eq!(code(&e), "RATE_LIMITED");
    assert!(
        e["extensions"]["retryAfter"]
            .as_u64()
            .is_some_and(|s| (1..=60).contains(&s))
    );

    let v = app
        .ok(
            Some(&owner.token),
            TRANSFER,
            json!({ "w": ws, "a": heir.id, "c": code_sent }),
        )
        .await;
    assert_eq!(v["transferOwnership"]["viewerRole"], "ADMIN");
    assert_eq!(v["transferOwnership"]["owner"]["email"], "heir@example.com");
    let roles = app.ok(Some(&heir.token), ROLES, json!({ "w": ws })).await;
    let owners: Vec<String> = roles["workspace"]["members"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|n| n["role"] == "OWNER")
        .map(|n| s(&n["account"]["email"]))
        .collect();
    assert_eq!(owners, ["heir@example.com"]);
    // Both are told.
    let old = app
        .last_email("ownership_transferred_old", "owner@example.com")
        .await;
    let new = app
        .last_email("ownership_transferred_new", "heir@example.com")
        .await;
    assert_eq!(old["new_owner_email"], "heir@example.com");
    assert_eq!(new["old_owner_name"], "Olga");
    // The code was consumed, and the old owner is no longer owner anyway.
    let e = app
        .err(
            Some(&owner.token),
            TRANSFER,
            json!({ "w": ws, "a": admin.id, "c": code_sent }),
        )
        .await;
    assert_eq!(code(&e), "FORBIDDEN");
    let log = app
        .ok(Some(&heir.token), "query($w: ID!) { workspace(id: $w) { auditLog(first: 1) { nodes { action oldRole newRole target { email } } } } }", json!({ "w": ws }))
        .await;
    assert_eq!(
        log["workspace"]["auditLog"]["nodes"][0],
        json!({ "action": "OWNERSHIP_TRANSFERRED", "oldRole": "EDITOR", "newRole": "OWNER", "target": { "email": "heir@example.com" } })
    );
}

async fn transfer_codes_expire_and_burn(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    let heir = app.member(&owner, &ws, "heir@example.com", "ADMIN").await;

    app.ok(Some(&owner.token), SEND, json!({ "w": ws })).await;
    let good = s(&app.last_email("transfer_code", "owner@example.com").await["code"]);
    let wrong = if good == "000000" { "111111" } else { "000000" };
    for left in (1..=4).rev() {
        let e = app
            .err(
                Some(&owner.token),
                TRANSFER,
                json!({ "w": ws, "a": heir.id, "c": wrong }),
            )
            .await;
        assert_eq!(code(&e), "BAD_USER_INPUT");
        assert!(
            e["message"]
                .as_str()
                .unwrap_or_default()
                .contains(&format!("{left} attempts")),
            "{e}"
        );
    }
    let e = app
        .err(
            Some(&owner.token),
            TRANSFER,
            json!({ "w": ws, "a": heir.id, "c": wrong }),
        )
        .await;
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("too many"),
        "{e}"
    );
    // Burnt: even the right code no longer works.
    let e = app
        .err(
            Some(&owner.token),
            TRANSFER,
            json!({ "w": ws, "a": heir.id, "c": good }),
        )
        .await;
    assert_eq!(code(&e), "BAD_USER_INPUT");

    // A code is good for 5 minutes.
    app.clock.advance(61);
    app.ok(Some(&owner.token), SEND, json!({ "w": ws })).await;
    let good = s(&app.last_email("transfer_code", "owner@example.com").await["code"]);
    app.clock.advance(5 * 60 + 1);
    let e = app
        .err(
            Some(&owner.token),
            TRANSFER,
            json!({ "w": ws, "a": heir.id, "c": good }),
        )
        .await;
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("expired"),
        "{e}"
    );

    // A new code replaces the old one.
    app.ok(Some(&owner.token), SEND, json!({ "w": ws })).await;
    let older = s(&app.last_email("transfer_code", "owner@example.com").await["code"]);
    app.clock.advance(61);
    app.ok(Some(&owner.token), SEND, json!({ "w": ws })).await;
    let newer = s(&app.last_email("transfer_code", "owner@example.com").await["code"]);
    if older != newer {
        let e = app
            .err(
                Some(&owner.token),
                TRANSFER,
                json!({ "w": ws, "a": heir.id, "c": older }),
            )
            .await;
        assert_eq!(code(&e), "BAD_USER_INPUT");
    }
    app.ok(
        Some(&owner.token),
        TRANSFER,
        json!({ "w": ws, "a": heir.id, "c": newer }),
    )
    .await;
}

async fn transfer_rules(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.transfer_code = false).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    let admin = app.member(&owner, &ws, "admin@example.com", "ADMIN").await;
    let outsider = app.sign_up("out@example.com", "Out").await;
    let pending = app
        .invite(&owner.token, &ws, &["pending@example.com"], "NORMAL")
        .await;
    let pending_id = s(&pending[0]["member"]["account"]["id"]);

    let e = app
        .err(
            Some(&owner.token),
            TRANSFER,
            json!({ "w": ws, "a": pending_id }),
        )
        .await;
    assert_eq!(code(&e), "CONFLICT", "the new owner must be active");
    let e = app
        .err(
            Some(&owner.token),
            TRANSFER,
            json!({ "w": ws, "a": outsider.id }),
        )
        .await;
    assert_eq!(code(&e), "NOT_FOUND");
    let e = app
        .err(
            Some(&owner.token),
            TRANSFER,
            json!({ "w": ws, "a": owner.id }),
        )
        .await;
    assert_eq!(code(&e), "CONFLICT");
    let e = app
        .err(
            Some(&admin.token),
            TRANSFER,
            json!({ "w": ws, "a": admin.id }),
        )
        .await;
    assert_eq!(code(&e), "FORBIDDEN");
}

async fn transfer_without_codes_when_switched_off(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.transfer_code = false).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    let admin = app.member(&owner, &ws, "admin@example.com", "ADMIN").await;
    let info = app
        .ok(None, "{ serverInfo { transferRequiresCode } }", json!({}))
        .await;
    assert_eq!(info["serverInfo"]["transferRequiresCode"], false);
    let v = app.ok(Some(&owner.token), SEND, json!({ "w": ws })).await;
    assert_eq!(v["sendOwnershipTransferCode"], false);
    let v = app
        .ok(
            Some(&owner.token),
            TRANSFER,
            json!({ "w": ws, "a": admin.id }),
        )
        .await;
    assert_eq!(
        v["transferOwnership"]["owner"]["email"],
        "admin@example.com"
    );
    // The old owner, now an admin, may leave; the new owner may not.
    app.ok(
        Some(&owner.token),
        "mutation($w: ID!) { leaveWorkspace(workspaceId: $w) }",
        json!({ "w": ws }),
    )
    .await;
    let e = app
        .err(
            Some(&admin.token),
            "mutation($w: ID!) { leaveWorkspace(workspaceId: $w) }",
            json!({ "w": ws }),
        )
        .await;
    assert_eq!(code(&e), "CONFLICT");
}
