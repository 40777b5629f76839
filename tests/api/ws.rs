//! `memberEvents` over graphql-transport-ws, end to end on a real socket.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

use crate::both;
use crate::helpers::{Backend, TestApp, code};

both!(
    member_events_stream_live_changes,
    subscriptions_need_a_member,
    events_name_accounts_as_they_are_now,
    events_name_the_member,
    trusted_documents_hold_over_websocket
);

use crate::helpers::Socket;

const EVENTS: &str = "subscription($w: ID!) { memberEvents(workspaceId: $w) {
    workspaceId action actor { email } target { email } targetEmail oldRole newRole createdAt } }";

async fn connect(app: &TestApp, token: Option<&str>) -> Socket {
    let mut socket = crate::helpers::open_socket(app).await;
    let payload = match token {
        Some(t) => json!({ "Authorization": format!("Bearer {t}") }),
        None => json!({}),
    };
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": payload }),
    )
    .await;
    assert_eq!(next(&mut socket).await["type"], "connection_ack");
    socket
}

async fn send(socket: &mut Socket, v: Value) {
    socket
        .send(Message::text(v.to_string()))
        .await
        .expect("send");
}

/// The next GraphQL message (pings answered, 5 s at most).
async fn next(socket: &mut Socket) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a message within 5 s")
            .expect("socket open")
            .expect("frame");
        if let Message::Text(text) = msg {
            let v: Value = serde_json::from_str(&text).expect("json");
            if v["type"] == "ping" {
                send(socket, json!({ "type": "pong" })).await;
                continue;
            }
            return v;
        }
    }
}

async fn member_events_stream_live_changes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    let ed = app.member(&owner, &ws, "ed@example.com", "EDITOR").await;

    let mut socket = connect(&app, Some(&ed.token)).await;
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": EVENTS, "variables": { "w": ws } } })).await;
    // Give the subscription a moment to start before changing things.
    tokio::time::sleep(Duration::from_millis(200)).await;

    app.invite(&owner.token, &ws, &["new@example.com"], "NORMAL")
        .await;
    let v = next(&mut socket).await;
    assert_eq!(v["type"], "next", "{v}");
    let event = &v["payload"]["data"]["memberEvents"];
    assert_eq!(event["action"], "MEMBER_INVITED");
    assert_eq!(event["workspaceId"], ws.as_str());
    assert_eq!(event["actor"]["email"], "owner@example.com");
    assert_eq!(event["target"]["email"], "new@example.com");
    assert_eq!(event["newRole"], "NORMAL");

    // Another workspace's changes are not delivered; this one's role change is.
    app.ok(
        Some(&owner.token),
        "mutation { createWorkspace(name: \"Other\") { id } }",
        json!({}),
    )
    .await;
    app.ok(
        Some(&owner.token),
        "mutation($w: ID!, $a: ID!) { updateMemberRole(workspaceId: $w, accountId: $a, role: DATASET_OPERATOR) { role } }",
        json!({ "w": ws, "a": ed.id }),
    )
    .await;
    let v = next(&mut socket).await;
    let event = &v["payload"]["data"]["memberEvents"];
    assert_eq!(
        (
            event["action"].as_str(),
            event["oldRole"].as_str(),
            event["newRole"].as_str()
        ),
        (
            Some("ROLE_CHANGED"),
            Some("EDITOR"),
            Some("DATASET_OPERATOR")
        )
    );

    // Removing the subscriber delivers that event, then completes the stream.
    app.ok(
        Some(&owner.token),
        "mutation($w: ID!, $a: ID!) { removeMember(workspaceId: $w, accountId: $a) { removedAccountId } }",
        json!({ "w": ws, "a": ed.id }),
    )
    .await;
    let v = next(&mut socket).await;
    assert_eq!(
        v["payload"]["data"]["memberEvents"]["action"],
        "MEMBER_REMOVED"
    );
    let v = next(&mut socket).await;
    assert_eq!(v["type"], "complete", "{v}");
}

/// A connection lives for hours: each event reads accounts afresh, so an invitee who activated
/// under a new name is named by it (the console shows these names as they arrive).
async fn events_name_accounts_as_they_are_now(backend: Backend) {
    const NAMED: &str = "subscription($w: ID!) { memberEvents(workspaceId: $w) {
        action actor { name } target { name } } }";
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    let mut socket = connect(&app, Some(&owner.token)).await;
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": NAMED, "variables": { "w": ws } } })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    app.invite(&owner.token, &ws, &["nina@example.com"], "NORMAL")
        .await;
    let v = next(&mut socket).await;
    let event = &v["payload"]["data"]["memberEvents"];
    assert_eq!(
        (event["action"].as_str(), event["target"]["name"].as_str()),
        (Some("MEMBER_INVITED"), Some("nina")),
        "{v}"
    );

    let token = app.link_token("invitation", "nina@example.com").await;
    app.ok(
        None,
        "mutation($i: ActivateAccountInput!) { activateAccount(input: $i) { accessToken } }",
        json!({ "i": { "token": token, "name": "Nina Novak", "password": crate::helpers::PASSWORD } }),
    )
    .await;
    let v = next(&mut socket).await;
    let event = &v["payload"]["data"]["memberEvents"];
    assert_eq!(
        (event["action"].as_str(), event["actor"]["name"].as_str()),
        (Some("ACCOUNT_ACTIVATED"), Some("Nina Novak")),
        "{v}"
    );
}

async fn subscriptions_need_a_member(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let outsider = app.sign_up("out@example.com", "Out").await;
    // A workspace token is no access token, on a socket either.
    let org = app
        .ok(
            Some(&owner.token),
            "mutation($w: ID!) { workspaceToken(workspaceId: $w) { token } }",
            json!({ "w": owner.workspace }),
        )
        .await;
    let org = org["workspaceToken"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for (token, want) in [
        (None, "UNAUTHENTICATED"),
        (Some(org.as_str()), "UNAUTHENTICATED"),
        (Some(outsider.token.as_str()), "NOT_FOUND"),
    ] {
        let mut socket = connect(&app, token).await;
        send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": EVENTS, "variables": { "w": owner.workspace } } })).await;
        let v = next(&mut socket).await;
        let errors = if v["type"] == "error" {
            v["payload"].clone()
        } else {
            v["payload"]["errors"].clone()
        };
        assert_eq!(code(&errors[0]), want, "{v}");
    }
}

/// Two replicas on one PostgreSQL: a change made through one reaches the other's subscribers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_events_cross_replicas_on_postgres() {
    crate::helpers::cleaned(cross_replicas()).await
}

async fn cross_replicas() {
    let one = TestApp::new(Backend::Postgres).await;
    let two = TestApp::on_db(one.roster.db.clone(), crate::helpers::test_config()).await;
    let owner = one.sign_up("owner@example.com", "Olga").await;
    let mut socket = connect(&two, Some(&owner.token)).await;
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": EVENTS, "variables": { "w": owner.workspace } } })).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    one.invite(
        &owner.token,
        &owner.workspace,
        &["far@example.com"],
        "NORMAL",
    )
    .await;
    let v = next(&mut socket).await;
    assert_eq!(
        v["payload"]["data"]["memberEvents"]["targetEmail"], "far@example.com",
        "{v}"
    );
}

/// `memberEvents` names the membership (`memberId`, kept after a removal) and the member as it
/// is now (`member`, null once removed).
async fn events_name_the_member(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    let ed = app.member(&owner, &ws, "ed@example.com", "EDITOR").await;
    let ed_member = app.member_id(&owner.token, &ws, &ed.id).await;

    let mut socket = connect(&app, Some(&owner.token)).await;
    let query = "subscription($w: ID!) { memberEvents(workspaceId: $w) {
        action memberId member { id role account { email } } } }";
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": { "w": ws } } })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    app.ok(
        Some(&owner.token),
        "mutation($w: ID!, $a: ID!) { updateMemberRole(workspaceId: $w, accountId: $a, role: NORMAL) { id } }",
        json!({ "w": ws, "a": ed.id }),
    )
    .await;
    let v = next(&mut socket).await;
    let event = &v["payload"]["data"]["memberEvents"];
    assert_eq!(event["action"], "ROLE_CHANGED", "{v}");
    assert_eq!(event["memberId"], ed_member);
    assert_eq!(event["member"]["id"], ed_member);
    assert_eq!(event["member"]["role"], "NORMAL");

    app.ok(
        Some(&owner.token),
        "mutation($w: ID!, $a: ID!) { removeMember(workspaceId: $w, accountId: $a) { removedMemberId } }",
        json!({ "w": ws, "a": ed.id }),
    )
    .await;
    let v = next(&mut socket).await;
    let event = &v["payload"]["data"]["memberEvents"];
    assert_eq!(event["action"], "MEMBER_REMOVED", "{v}");
    assert_eq!(event["memberId"], ed_member);
    assert_eq!(event["member"], Value::Null);
    assert!(v["payload"].get("errors").is_none(), "{v}");
}

/// With trusted documents, a subscription outside the manifest is refused over WebSocket too;
/// the console's own subscription runs.
async fn trusted_documents_hold_over_websocket(backend: Backend) {
    let manifest = roster::graphql::manifest::console_manifest().to_string();
    let app = TestApp::with_config(backend, |c| {
        c.trusted_documents = roster::graphql::manifest::TrustedDocuments::parse(&manifest).ok();
    })
    .await;
    let operations = roster::graphql::manifest::console_operations();
    let console = |start: &str| {
        operations
            .iter()
            .find(|op| op.starts_with(start))
            .cloned()
            .expect("a console operation")
    };
    // Signed up and verified with the console's and the verify page's own operations.
    let data = app
        .ok(
            None,
            &console("mutation SignUp"),
            json!({ "i": { "email": "owner@example.com", "name": "Olga", "password": "correct horse" } }),
        )
        .await;
    let token = data["signUp"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let link = app.link_token("verify_email", "owner@example.com").await;
    app.ok(None, &console("mutation VerifyEmail"), json!({ "t": link }))
        .await;
    let me = app.ok(Some(&token), &console("query Me"), json!({})).await;
    let workspace = me["workspaces"][0]["id"].clone();

    let mut socket = connect(&app, Some(&token)).await;
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": EVENTS, "variables": { "w": workspace } } })).await;
    let v = next(&mut socket).await;
    let errors = if v["type"] == "error" {
        &v["payload"]
    } else {
        &v["payload"]["errors"]
    };
    assert_eq!(code(&errors[0]), "PERSISTED_QUERY_REQUIRED", "{v}");

    send(&mut socket, json!({ "id": "2", "type": "subscribe", "payload": { "query": console("subscription MemberEvents"), "variables": { "w": workspace } } })).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let invite = json!({ "i": { "workspaceId": workspace, "emails": ["new@example.com"], "role": "NORMAL" } });
    app.ok(Some(&token), &console("mutation Invite"), invite)
        .await;
    let v = next(&mut socket).await;
    assert_eq!(v["id"], "2", "{v}");
    assert_eq!(
        v["payload"]["data"]["memberEvents"]["action"], "MEMBER_INVITED",
        "{v}"
    );
}
