//! The read path batches: a query's statement count does not grow with the data it returns.

use chrono::Utc;
use roster::db::accounts::NewAccount;
use roster::domain::{AccountStatus, Actor, AuditAction, Language, NewAuditEvent, Role};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

use crate::both;
use crate::helpers::{Backend, TestApp, User};

both!(
    statements_do_not_grow_with_workspaces,
    every_list_and_count_is_batched,
    the_audit_log_is_batched,
    a_rich_query_is_still_a_few_statements,
    a_members_page_is_two_statements,
    a_keys_members_page_is_two_statements,
    batches_hold_at_concurrency_64,
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
            let event =
                NewAuditEvent::new(*ws, Actor::Account(viewer_id), AuditAction::MemberAdded)
                    .about(account.id, &account.email)
                    .roles(None, Some(role));
            tx.audit(event, now).await.expect("audit");
        }
    }
    tx.commit().await.expect("commit");
}

/// Statements one request sends, after a warm-up request (which may refresh `lastActiveAt`).
async fn statements_for(app: &TestApp, token: &str, query: &str) -> (u64, serde_json::Value) {
    statements_after(app, token, "{ me { id } }", query).await
}

/// As [`statements_for`], after the warm-up `warm_up`.
async fn statements_after(
    app: &TestApp,
    token: &str,
    warm_up: &str,
    query: &str,
) -> (u64, serde_json::Value) {
    app.ok(Some(token), warm_up, json!({})).await;
    let before = app.roster.db.statements();
    let data = app.ok(Some(token), query, json!({})).await;
    (app.roster.db.statements() - before, data)
}

const MEMBERS: &str = "{ workspaces { members(first: 10) { nodes { role account { email } } } } }";

async fn statements_do_not_grow_with_workspaces(backend: Backend) {
    let mut counts = Vec::new();
    for n in [1, 5, 20] {
        let app = TestApp::new(backend).await;
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
    // The viewer's account and session with its workspaces (one statement); one batched page
    // of members for all of them.
    assert_eq!(counts, [2, 2, 2], "statements for 1, 5, 20 workspaces");
}

async fn a_rich_query_is_still_a_few_statements(backend: Backend) {
    let query = "{ workspaces { id name viewerRole memberCount owner { email }
        members(first: 10) { totalCount pageInfo { hasNextPage }
          nodes { role status createdAt invitedBy { email } account { email workspaces { name } } } } } }";
    let mut counts = Vec::new();
    for n in [2, 12] {
        let app = TestApp::new(backend).await;
        let viewer = app.sign_up("viewer@example.com", "Vera").await;
        seed(&app, &viewer, n).await;
        let (count, data) = statements_for(&app, &viewer.token, query).await;
        assert_eq!(data["workspaces"].as_array().map(Vec::len), Some(n));
        assert_eq!(data["workspaces"][0]["memberCount"], 10);
        counts.push(count);
    }
    // Viewer with its workspaces, totals, owners, pages, accounts, members' shared workspaces.
    assert_eq!(counts, [6, 6], "statements for 2 and 12 workspaces");
}

async fn a_members_page_is_two_statements(backend: Backend) {
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
    // The viewer's account and session with the guard's membership (and the workspace), in
    // one statement; the page.
    assert_eq!(count, 2);
}

async fn a_keys_members_page_is_two_statements(backend: Backend) {
    let app = TestApp::new(backend).await;
    let viewer = app.sign_up("viewer@example.com", "Vera").await;
    seed(&app, &viewer, 1).await;
    let created = app
        .ok(
            Some(&viewer.token),
            "mutation($w: ID!) { createApiKey(input: { workspaceId: $w, name: \"bot\", role: NORMAL }) { secret } }",
            json!({ "w": viewer.workspace }),
        )
        .await;
    let secret = created["createApiKey"]["secret"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let query = format!(
        "{{ workspace(id: \"{}\") {{ name viewerRole members(first: 50) {{ nodes {{ role status account {{ email name }} }} }} }} }}",
        viewer.workspace
    );
    // The warm-up records the key's first use.
    let (count, data) = statements_after(&app, &secret, &query, &query).await;
    assert_eq!(data["workspace"]["viewerRole"], "NORMAL");
    assert_eq!(
        data["workspace"]["members"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(10)
    );
    // The key with its workspace (what the guard and `viewerRole` need), in one statement; the
    // page.
    assert_eq!(count, 2);
}

/// Selects every list and every count the schema offers to a reader (checked below against
/// the SDL), with the objects loaded beside them.
const EVERYTHING: &str = "{
  me { workspaces { id name } }
  workspaces {
    id name viewerRole memberCount owner { email }
    members(first: 10) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { role } }
      nodes { role status createdAt invitedBy { email } workspace { name }
              account { email workspaces { name viewerRole } } }
    }
    auditLog(first: 5) {
      totalCount pageInfo { hasNextPage }
      edges { cursor node { action } }
      nodes { action oldRole newRole targetEmail actor { email } actorApiKey { name }
              target { email } }
    }
    apiKeys { id prefix createdBy { email } }
  }
}";

/// List and count fields that only mutations return (not reads).
const MUTATION_ONLY: &[&str] = &["InviteMembersPayload.results"];
/// List fields whose batching has a test of its own (`nodes::nodes_are_batched`).
const BATCHED_ELSEWHERE: &[&str] = &["Query.nodes"];

/// `Type.field` of every list-valued or count field of the schema's object types, with each
/// object field's type, from the SDL.
fn schema_fields() -> (BTreeSet<String>, HashMap<String, String>) {
    let sdl = roster::graphql::sdl();
    let mut lists = BTreeSet::new();
    let mut types = HashMap::new();
    let mut current: Option<String> = None;
    let mut in_description = false;
    for line in sdl.lines() {
        let t = line.trim();
        if t.starts_with("\"\"\"") {
            let closes_here = t.len() > 3 && t.ends_with("\"\"\"");
            if !closes_here {
                in_description = !in_description;
            }
            continue;
        }
        if in_description {
            continue;
        }
        if let Some(rest) = t.strip_prefix("type ") {
            current = rest.split_whitespace().next().map(str::to_owned);
            continue;
        }
        if t == "}" {
            current = None;
            continue;
        }
        let Some(owner) = &current else { continue };
        if ["Mutation", "Subscription"].contains(&owner.as_str()) {
            continue;
        }
        // `name(args): Type`: the type follows the last `): ` or the first `: `.
        let name: String = t
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let ty = match t.rfind("): ") {
            Some(i) => &t[i + 3..],
            None => match t.find(": ") {
                Some(i) => &t[i + 2..],
                None => continue,
            },
        };
        let key = format!("{owner}.{name}");
        if ty.starts_with('[') || name.ends_with("Count") {
            lists.insert(key.clone());
        }
        types.insert(
            key,
            ty.trim_matches(|c| c == '[' || c == ']' || c == '!')
                .to_owned(),
        );
    }
    (lists, types)
}

/// `Type.field` of everything `query` selects, starting at `Query`.
fn selected(query: &str, types: &HashMap<String, String>) -> BTreeSet<String> {
    use async_graphql::parser::types::{Selection, SelectionSet};
    fn walk(
        set: &SelectionSet,
        on: &str,
        types: &HashMap<String, String>,
        out: &mut BTreeSet<String>,
    ) {
        for item in &set.items {
            if let Selection::Field(f) = &item.node {
                let key = format!("{on}.{}", f.node.name.node);
                if let Some(ty) = types.get(&key) {
                    walk(&f.node.selection_set.node, ty, types, out);
                }
                out.insert(key);
            }
        }
    }
    let doc = async_graphql::parser::parse_query(query).expect("query parses");
    let mut out = BTreeSet::new();
    for (_, op) in doc.operations.iter() {
        walk(&op.node.selection_set.node, "Query", types, &mut out);
    }
    out
}

async fn every_list_and_count_is_batched(backend: Backend) {
    // Every list and count field of the schema is in the query (add a new one to EVERYTHING).
    let (lists, types) = schema_fields();
    let covered = selected(EVERYTHING, &types);
    let missing: Vec<_> = lists
        .iter()
        .filter(|f| !covered.contains(*f) && !MUTATION_ONLY.contains(&f.as_str()))
        .filter(|f| !BATCHED_ELSEWHERE.contains(&f.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "list or count fields not in the statement test: {missing:?}"
    );

    let mut counts = Vec::new();
    for n in [1, 5, 20] {
        let app = TestApp::new(backend).await;
        let viewer = app.sign_up("viewer@example.com", "Vera").await;
        seed(&app, &viewer, n).await;
        let (count, data) = statements_for(&app, &viewer.token, EVERYTHING).await;
        let workspaces = data["workspaces"].as_array().cloned().unwrap_or_default();
        assert_eq!(workspaces.len(), n);
        for ws in &workspaces {
            assert_eq!(ws["members"]["totalCount"], 10);
            assert_eq!(ws["auditLog"]["nodes"].as_array().map(Vec::len), Some(5));
            assert!(ws["auditLog"]["totalCount"].as_i64().unwrap_or(0) >= 9);
        }
        counts.push(count);
    }
    // The viewer (account and session) with its workspaces; member totals, owners, member
    // pages, audit pages, audit totals; accounts (inviters, actors, targets), members' shared
    // workspaces, members' workspace rows; API keys.
    assert_eq!(counts, [10, 10, 10], "statements for 1, 5, 20 workspaces");
}

/// Batching under load: 64 requests at once send exactly the statements one request sends
/// alone, 64 times (a batch that split would add one). Batches go out when the operation waits
/// on nothing else (`graphql::batch`), not after a timer that a busy machine can outrun.
async fn batches_hold_at_concurrency_64(backend: Backend) {
    let app = TestApp::new(backend).await;
    let viewer = app.sign_up("viewer@example.com", "Vera").await;
    seed(&app, &viewer, 20).await;
    let (alone, _) = statements_for(&app, &viewer.token, MEMBERS).await;
    let before = app.roster.db.statements();
    let requests = (0..64).map(|_| app.ok(Some(&viewer.token), MEMBERS, json!({})));
    let answers = futures_util::future::join_all(requests).await;
    let sent = app.roster.db.statements() - before;
    assert!(
        answers
            .iter()
            .all(|d| d["workspaces"].as_array().map(Vec::len) == Some(20))
    );
    eprintln!(
        "loader window at concurrency 64 ({backend:?}): {sent} statements for 64 requests, {alone} for one alone"
    );
    assert!(sent >= 64 * alone);
    assert!(
        sent <= 64 * alone + 64 * alone / 20,
        "batches split under load: {sent}"
    );
}

/// The query of issue 11 (21 statements for 5 workspaces and 51 for 20 before the audit log
/// went through the loaders).
async fn the_audit_log_is_batched(backend: Backend) {
    let query =
        "{ workspaces { auditLog(first: 5) { totalCount nodes { action actor { email } } } } }";
    let mut counts = Vec::new();
    for n in [1, 5, 20] {
        let app = TestApp::new(backend).await;
        let viewer = app.sign_up("viewer@example.com", "Vera").await;
        seed(&app, &viewer, n).await;
        let (count, data) = statements_for(&app, &viewer.token, query).await;
        assert_eq!(data["workspaces"].as_array().map(Vec::len), Some(n));
        counts.push(count);
    }
    // The viewer with its workspaces; audit pages and totals; the actors.
    assert_eq!(counts, [4, 4, 4], "statements for 1, 5, 20 workspaces");
}
