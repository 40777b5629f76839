//! The read path batches: a query's statement count does not grow with the data it returns.

use chrono::Utc;
use roster::db::accounts::NewAccount;
use roster::domain::{AccountStatus, Language, Role};
use serde_json::json;
use uuid::Uuid;

use crate::both;
use crate::helpers::{Backend, TestApp, User};

both!(
    statements_do_not_grow_with_workspaces,
    a_rich_query_is_still_a_few_statements,
    a_members_page_is_three_statements,
);

/// Gives `viewer` `count` workspaces (its own from sign-up included) of 10 members each,
/// written straight through the repository layer (no password hashing: fast).
async fn seed(app: &TestApp, viewer: &User, count: usize) {
    let viewer_id: Uuid = viewer.id.parse().expect("uuid");
    let own: Uuid = viewer.workspace.parse().expect("uuid");
    let now = Utc::now();
    let mut tx = app.roster.db.begin().await.expect("begin");
    let mut workspaces = vec![own];
    for i in 1..count {
        let ws = tx
            .insert_workspace(&format!("Workspace {i}"), now)
            .await
            .expect("workspace");
        tx.add_members(ws.id, &[viewer_id], Role::Owner, None, now)
            .await
            .expect("owner");
        workspaces.push(ws.id);
    }
    for (w, ws) in workspaces.iter().enumerate() {
        for m in 0..9 {
            let email = format!("m{m}-w{w}@example.com");
            let account = NewAccount {
                email: &email,
                name: "Member",
                password_hash: None,
                status: AccountStatus::Active,
                language: Language::EnUs,
            };
            let account = tx
                .insert_account(account, now)
                .await
                .expect("insert")
                .expect("new");
            let role = [Role::Admin, Role::Editor, Role::Normal][m % 3];
            tx.add_members(*ws, &[account.id], role, Some(viewer_id), now)
                .await
                .expect("member");
        }
    }
    tx.commit().await.expect("commit");
}

/// Statements one request sends, after a warm-up request (which may refresh `lastActiveAt`).
async fn statements_for(app: &TestApp, token: &str, query: &str) -> (u64, serde_json::Value) {
    app.ok(Some(token), "{ me { id } }", json!({})).await;
    let before = app.roster.db.statements();
    let data = app.ok(Some(token), query, json!({})).await;
    (app.roster.db.statements() - before, data)
}

const MEMBERS: &str = "{ workspaces { members(first: 10) { nodes { role account { email } } } } }";

async fn statements_do_not_grow_with_workspaces(backend: Backend) {
    let mut counts = Vec::new();
    for n in [1, 5, 20] {
        // A wide batch window, so a loaded machine cannot split a batch (see the test below).
        let app = TestApp::with_config(backend, |c| c.loader_delay_us = 50_000).await;
        let viewer = app.sign_up("viewer@example.com", "Vera").await;
        seed(&app, &viewer, n).await;
        let (count, data) = statements_for(&app, &viewer.token, MEMBERS).await;
        let workspaces = data["workspaces"].as_array().cloned().unwrap_or_default();
        assert_eq!(workspaces.len(), n);
        for ws in &workspaces {
            assert_eq!(ws["members"]["nodes"].as_array().map(Vec::len), Some(10));
        }
        counts.push(count);
    }
    // Viewer lookup, the viewer's workspaces, one batched page of members for all of them.
    assert_eq!(counts, [3, 3, 3], "statements for 1, 5, 20 workspaces");
}

async fn a_rich_query_is_still_a_few_statements(backend: Backend) {
    let query = "{ workspaces { id name viewerRole memberCount owner { email }
        members(first: 10) { totalCount pageInfo { hasNextPage }
          nodes { role status createdAt invitedBy { email } account { email workspaces { name } } } } } }";
    let mut counts = Vec::new();
    for n in [2, 12] {
        // Five levels of loaders: give each batch window room on a slow (debug, loaded CI)
        // machine, so the count shows the batching rather than the scheduler's timing.
        let app = TestApp::with_config(backend, |c| c.loader_delay_us = 100_000).await;
        let viewer = app.sign_up("viewer@example.com", "Vera").await;
        seed(&app, &viewer, n).await;
        let (count, data) = statements_for(&app, &viewer.token, query).await;
        assert_eq!(data["workspaces"].as_array().map(Vec::len), Some(n));
        assert_eq!(data["workspaces"][0]["memberCount"], 10);
        counts.push(count);
    }
    // Viewer, workspaces, totals, owners, pages, accounts, members' shared workspaces.
    assert_eq!(counts, [7, 7], "statements for 2 and 12 workspaces");
}

async fn a_members_page_is_three_statements(backend: Backend) {
    let app = TestApp::new(backend).await;
    let viewer = app.sign_up("viewer@example.com", "Vera").await;
    seed(&app, &viewer, 1).await;
    let query = format!(
        "{{ workspace(id: \"{}\") {{ name members(first: 50) {{ nodes {{ role status account {{ email name }} }} }} }} }}",
        viewer.workspace
    );
    let (count, data) = statements_for(&app, &viewer.token, &query).await;
    assert_eq!(
        data["workspace"]["members"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(10)
    );
    // Viewer; the guard's membership lookup (which also yields the workspace); the page.
    assert_eq!(count, 3);
}
