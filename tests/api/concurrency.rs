//! Concurrent changes never lose or double data: constraints and transactions, on both backends.

use futures_util::future::join_all;
use serde_json::{Value, json};
use std::sync::Arc;

use crate::both;
use crate::helpers::{Backend, INVITE, TestApp, s};

both!(
    sixteen_concurrent_invites_of_one_address,
    concurrent_transfer_and_removal_keep_one_owner,
    concurrent_transfers_keep_one_owner,
);

async fn owners(app: &TestApp, token: &str, ws: &str) -> Vec<String> {
    let v = app
        .ok(Some(token), "query($w: ID!) { workspace(id: $w) { members(roles: [OWNER]) { nodes { account { email } } } } }", json!({ "w": ws }))
        .await;
    v["workspace"]["members"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|n| s(&n["account"]["email"]))
        .collect()
}

async fn sixteen_concurrent_invites_of_one_address(backend: Backend) {
    let app = Arc::new(TestApp::new(backend).await);
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    let calls = (0..16).map(|_| {
        let app = app.clone();
        let token = owner.token.clone();
        let ws = ws.clone();
        tokio::spawn(async move {
            app.gql(Some(&token), INVITE, json!({ "i": { "workspaceId": ws, "emails": ["same@example.com"], "role": "NORMAL" } }))
                .await
        })
    });
    let results: Vec<Value> = join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let mut statuses: Vec<String> = results
        .iter()
        .map(|v| {
            assert!(v.get("errors").is_none(), "{v}");
            s(&v["data"]["inviteMembers"]["results"][0]["status"])
        })
        .collect();
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| *s == "INVITED").count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| *s == "RESENT").count(),
        15,
        "{statuses:?}"
    );
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|v| s(&v["data"]["inviteMembers"]["results"][0]["member"]["account"]["id"]))
        .collect();
    assert_eq!(ids.len(), 1, "one account");
    let v = app
        .ok(Some(&owner.token), "query($w: ID!) { workspace(id: $w) { memberCount members(search: \"same@\") { totalCount } } }", json!({ "w": ws }))
        .await;
    assert_eq!(v["workspace"]["memberCount"], 2);
    assert_eq!(v["workspace"]["members"]["totalCount"], 1, "one membership");
    // Exactly one invitation link still works: the last one issued.
    let preview = "query($t: String!) { invitation(token: $t) { email } }";
    let mut live = 0;
    let emailed: Vec<String> = app
        .outbox()
        .await
        .into_iter()
        .filter(|(kind, to, _)| kind == "invitation" && to == "same@example.com")
        .map(|(_, _, payload)| crate::helpers::token_of(&payload["activation_url"]))
        .collect();
    assert_eq!(emailed.len(), 16, "each call emailed a link");
    for token in &emailed {
        if !app.ok(None, preview, json!({ "t": token })).await["invitation"].is_null() {
            live += 1;
        }
    }
    assert_eq!(live, 1);
}

async fn concurrent_transfer_and_removal_keep_one_owner(backend: Backend) {
    let app = Arc::new(TestApp::with_config(backend, |c| c.transfer_code = false).await);
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    for round in 0..4 {
        let heir = app
            .member(&owner, &ws, &format!("heir{round}@example.com"), "ADMIN")
            .await;
        let transfer = {
            let (app, token, ws, heir) = (
                app.clone(),
                owner.token.clone(),
                ws.clone(),
                heir.id.clone(),
            );
            tokio::spawn(async move {
                app.gql(Some(&token), "mutation($w: ID!, $a: ID!) { transferOwnership(workspaceId: $w, accountId: $a) { id } }", json!({ "w": ws, "a": heir }))
                    .await
            })
        };
        let remove = {
            let (app, token, ws, heir) = (
                app.clone(),
                owner.token.clone(),
                ws.clone(),
                heir.id.clone(),
            );
            tokio::spawn(async move {
                app.gql(Some(&token), "mutation($w: ID!, $a: ID!) { removeMember(workspaceId: $w, accountId: $a) { removedAccountId } }", json!({ "w": ws, "a": heir }))
                    .await
            })
        };
        let (t, r) = (transfer.await.expect("task"), remove.await.expect("task"));
        let transferred = t.get("errors").is_none();
        let removed = r.get("errors").is_none();
        assert!(
            !(transferred && removed),
            "round {round}: both succeeded: {t} {r}"
        );
        let now_owner = if transferred { &heir } else { &owner };
        let list = owners(&app, &now_owner.token, &ws).await;
        assert_eq!(list.len(), 1, "round {round}: owners {list:?}");
        if transferred {
            // Hand it back for the next round.
            app.ok(Some(&heir.token), "mutation($w: ID!, $a: ID!) { transferOwnership(workspaceId: $w, accountId: $a) { id } }", json!({ "w": ws, "a": owner.id }))
                .await;
        }
    }
}

async fn concurrent_transfers_keep_one_owner(backend: Backend) {
    let app = Arc::new(TestApp::with_config(backend, |c| c.transfer_code = false).await);
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    let mut heirs = Vec::new();
    for i in 0..4 {
        heirs.push(
            app.member(&owner, &ws, &format!("h{i}@example.com"), "EDITOR")
                .await,
        );
    }
    let calls = heirs.iter().map(|heir| {
        let (app, token, ws, id) = (app.clone(), owner.token.clone(), ws.clone(), heir.id.clone());
        tokio::spawn(async move {
            app.gql(Some(&token), "mutation($w: ID!, $a: ID!) { transferOwnership(workspaceId: $w, accountId: $a) { id } }", json!({ "w": ws, "a": id }))
                .await
        })
    });
    let results: Vec<Value> = join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let wins = results.iter().filter(|v| v.get("errors").is_none()).count();
    assert_eq!(wins, 1, "{results:?}");
    let winner = heirs
        .iter()
        .zip(&results)
        .find(|(_, v)| v.get("errors").is_none())
        .map(|(h, _)| h.clone())
        .expect("a winner");
    assert_eq!(owners(&app, &winner.token, &ws).await.len(), 1);
}
