//! API keys (SPEC 12), played as the attacker: who may make and revoke keys, what a key may
//! not do, revocation and expiry on the very next request, and that the secret is never kept.

use roster::clock::Clock;
use roster::db::Pool;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::both;
use crate::helpers::{Backend, PASSWORD, TestApp, User, code, s};

both!(
    keys_are_made_only_below_the_makers_rank,
    a_key_acts_in_its_own_workspace_only,
    a_key_is_refused_what_needs_a_person,
    a_key_invites_and_the_audit_log_names_it,
    revoked_and_expired_keys_stop_on_the_next_request,
    malformed_and_unknown_keys_are_unauthenticated,
    only_the_secrets_hash_is_stored_and_it_is_never_listed,
    last_use_is_recorded_at_most_once_a_minute,
    node_finds_a_key_for_whom_lists_keys_only,
);

const CREATE: &str = "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) {
    secret apiKey { id name role prefix createdBy { email } createdAt lastUsedAt expiresAt revokedAt } } }";
const REVOKE: &str =
    "mutation($w: ID!, $k: ID!) { revokeApiKey(workspaceId: $w, id: $k) { id revokedAt } }";
const WORKSPACE: &str = "query($w: ID!) { workspace(id: $w) { name viewerRole
    members(first: 10) { nodes { role account { email } } } } }";
const KEYS: &str = "query($w: ID!) { workspace(id: $w) { apiKeys { id name role prefix
    createdBy { email } createdAt lastUsedAt expiresAt revokedAt } } }";

/// `createApiKey` as `by`; the whole answer (data or errors).
async fn create(app: &TestApp, by: &str, workspace: &str, role: &str, expires: Value) -> Value {
    let input =
        json!({ "workspaceId": workspace, "name": "CI bot", "role": role, "expiresAt": expires });
    app.gql(Some(by), CREATE, json!({ "i": input })).await
}

/// A key made by `by`: (id, secret).
async fn key(app: &TestApp, by: &User, role: &str, expires: Value) -> (String, String) {
    let v = create(app, &by.token, &by.workspace, role, expires).await;
    assert!(v.get("errors").is_none(), "{v:#}");
    let p = &v["data"]["createApiKey"];
    (s(&p["apiKey"]["id"]), s(&p["secret"]))
}

fn first_code(v: &Value) -> &str {
    code(&v["errors"][0])
}

async fn keys_are_made_only_below_the_makers_rank(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let admin = app
        .member(&owner, &owner.workspace, "admin@example.com", "ADMIN")
        .await;
    let normal = app
        .member(&owner, &owner.workspace, "normal@example.com", "NORMAL")
        .await;
    let ws = &owner.workspace;
    for role in ["ADMIN", "OWNER"] {
        let v = create(&app, &admin.token, ws, role, Value::Null).await;
        assert_eq!(first_code(&v), "FORBIDDEN", "admin makes {role}: {v}");
    }
    let v = create(&app, &owner.token, ws, "OWNER", Value::Null).await;
    assert_eq!(first_code(&v), "FORBIDDEN", "{v}");
    for role in ["NORMAL", "EDITOR"] {
        let v = create(&app, &normal.token, ws, role, Value::Null).await;
        assert_eq!(first_code(&v), "FORBIDDEN", "normal makes {role}: {v}");
    }
    let v = create(&app, &admin.token, ws, "EDITOR", Value::Null).await;
    assert_eq!(v["data"]["createApiKey"]["apiKey"]["role"], "EDITOR", "{v}");
    let (owners_admin_key, _) = key(&app, &owner, "ADMIN", Value::Null).await;
    // Revoking follows the same rule; members below ADMIN neither list nor revoke keys.
    let revoke = json!({ "w": ws, "k": owners_admin_key });
    assert_eq!(
        code(&app.err(Some(&admin.token), REVOKE, revoke.clone()).await),
        "FORBIDDEN"
    );
    assert_eq!(
        code(&app.err(Some(&normal.token), REVOKE, revoke.clone()).await),
        "FORBIDDEN"
    );
    let list = json!({ "w": ws });
    assert_eq!(
        code(&app.err(Some(&normal.token), KEYS, list.clone()).await),
        "FORBIDDEN"
    );
    let listed = app.ok(Some(&admin.token), KEYS, list).await;
    assert_eq!(
        listed["workspace"]["apiKeys"].as_array().map(Vec::len),
        Some(2)
    );
    // Hostile input changes nothing.
    let bad = [
        (
            json!({ "workspaceId": ws, "name": " ", "role": "EDITOR" }),
            "name",
        ),
        (
            json!({ "workspaceId": ws, "name": "x".repeat(101), "role": "EDITOR" }),
            "name",
        ),
        (
            json!({ "workspaceId": ws, "name": "old", "role": "EDITOR", "expiresAt": "2000-01-01T00:00:00Z" }),
            "expiresAt",
        ),
        (
            json!({ "workspaceId": "nope", "name": "n", "role": "EDITOR" }),
            "workspaceId",
        ),
    ];
    for (input, field) in bad {
        let e = app
            .err(Some(&owner.token), CREATE, json!({ "i": input }))
            .await;
        assert_eq!(code(&e), "BAD_USER_INPUT", "{e}");
        assert_eq!(e["extensions"]["field"], field, "{e}");
    }
    // A NUL byte is refused before anything runs.
    let input = json!({ "workspaceId": ws, "name": "a\u{0}b", "role": "EDITOR" });
    let e = app
        .err(Some(&owner.token), CREATE, json!({ "i": input }))
        .await;
    assert_eq!(code(&e), "BAD_USER_INPUT", "{e}");
    let e = app
        .err(
            Some(&owner.token),
            REVOKE,
            json!({ "w": ws, "k": "not-an-id" }),
        )
        .await;
    assert_eq!(code(&e), "BAD_USER_INPUT", "{e}");
    let e = app
        .err(
            Some(&owner.token),
            REVOKE,
            json!({ "w": ws, "k": uuid::Uuid::new_v4() }),
        )
        .await;
    assert_eq!(code(&e), "NOT_FOUND", "{e}");
    let listed = app.ok(Some(&owner.token), KEYS, json!({ "w": ws })).await;
    assert_eq!(
        listed["workspace"]["apiKeys"].as_array().map(Vec::len),
        Some(2)
    );
}

async fn a_key_acts_in_its_own_workspace_only(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let other = app.sign_up("other@example.com", "Otto").await;
    let (_, secret) = key(&app, &owner, "EDITOR", Value::Null).await;
    let data = app
        .ok(Some(&secret), WORKSPACE, json!({ "w": owner.workspace }))
        .await;
    assert_eq!(data["workspace"]["viewerRole"], "EDITOR");
    assert_eq!(
        data["workspace"]["members"]["nodes"][0]["account"]["email"],
        "owner@example.com"
    );
    // Another workspace, even one its maker owns, does not exist for the key.
    let second = app
        .ok(
            Some(&owner.token),
            "mutation { createWorkspace(name: \"Second\") { id } }",
            json!({}),
        )
        .await;
    for ws in [other.workspace.clone(), s(&second["createWorkspace"]["id"])] {
        let e = app.err(Some(&secret), WORKSPACE, json!({ "w": ws })).await;
        assert_eq!(code(&e), "NOT_FOUND", "{e}");
    }
    // An EDITOR key may not do what an editor may not.
    let rename = "mutation($w: ID!) { renameWorkspace(workspaceId: $w, name: \"X\") { name } }";
    let e = app
        .err(Some(&secret), rename, json!({ "w": owner.workspace }))
        .await;
    assert_eq!(code(&e), "FORBIDDEN", "{e}");
    let e = app
        .err(Some(&secret), KEYS, json!({ "w": owner.workspace }))
        .await;
    assert_eq!(code(&e), "FORBIDDEN", "{e}");
}

async fn a_key_is_refused_what_needs_a_person(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let heir = app
        .member(&owner, &owner.workspace, "heir@example.com", "EDITOR")
        .await;
    // An ADMIN key: whatever it is refused, it is refused for being a key, not for its rank.
    let (key_id, secret) = key(&app, &owner, "ADMIN", Value::Null).await;
    let ws = &owner.workspace;
    let w = json!({ "w": ws });
    let input = json!({ "i": { "workspaceId": ws, "name": "child", "role": "NORMAL" } });
    let refused: Vec<(&str, Value)> = vec![
        ("{ me { id } }", json!({})),
        ("{ workspaces { id } }", json!({})),
        (CREATE, input),
        (REVOKE, json!({ "w": ws, "k": key_id })),
        (
            "mutation($w: ID!) { sendOwnershipTransferCode(workspaceId: $w) }",
            w.clone(),
        ),
        (
            "mutation($w: ID!, $a: ID!) { transferOwnership(workspaceId: $w, accountId: $a, code: \"123456\") { id } }",
            json!({ "w": ws, "a": heir.id }),
        ),
        (
            "mutation($w: ID!) { leaveWorkspace(workspaceId: $w) }",
            w.clone(),
        ),
        (
            "mutation($w: ID!) { workspaceToken(workspaceId: $w) { token } }",
            w.clone(),
        ),
        (
            "mutation($c: String!) { changePassword(currentPassword: $c, newPassword: \"another password\") }",
            json!({ "c": PASSWORD }),
        ),
        (
            "mutation($t: String!) { logout(refreshToken: $t) }",
            json!({ "t": owner.refresh }),
        ),
        (
            "mutation { createWorkspace(name: \"Mine\") { id } }",
            json!({}),
        ),
        ("mutation { sendVerificationEmail }", json!({})),
    ];
    for (query, vars) in refused {
        let e = app.err(Some(&secret), query, vars).await;
        assert_eq!(code(&e), "FORBIDDEN", "{query}: {e}");
    }
    // Nothing changed: the owner still owns, its session still works, one key, one workspace.
    let data = app
        .ok(
            Some(&owner.token),
            "query($w: ID!) { me { workspaces { id } } workspace(id: $w) { viewerRole owner { email } apiKeys { revokedAt } } }",
            w,
        )
        .await;
    assert_eq!(data["workspace"]["owner"]["email"], "owner@example.com");
    assert_eq!(data["workspace"]["apiKeys"], json!([{ "revokedAt": null }]));
    assert_eq!(data["me"]["workspaces"].as_array().map(Vec::len), Some(1));
}

async fn a_key_invites_and_the_audit_log_names_it(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let (key_id, secret) = key(&app, &owner, "ADMIN", Value::Null).await;
    let results = app
        .invite(&secret, &owner.workspace, &["new@example.com"], "NORMAL")
        .await;
    assert_eq!(results[0]["status"], "INVITED", "{results:?}");
    // The key may not invite above its own rank either.
    let e = app
        .err(
            Some(&secret),
            crate::helpers::INVITE,
            json!({ "i": { "workspaceId": owner.workspace, "emails": ["x@example.com"], "role": "ADMIN" } }),
        )
        .await;
    assert_eq!(code(&e), "FORBIDDEN", "{e}");
    let mail = app.last_email("invitation", "new@example.com").await;
    assert_eq!(mail["inviter_name"], "", "{mail}");
    let invitee = s(&results[0]["member"]["account"]["id"]);
    let role = "mutation($w: ID!, $a: ID!) { updateMemberRole(workspaceId: $w, accountId: $a, role: EDITOR) { role } }";
    app.ok(
        Some(&secret),
        role,
        json!({ "w": owner.workspace, "a": invitee }),
    )
    .await;
    let rename =
        "mutation($w: ID!) { renameWorkspace(workspaceId: $w, name: \"Renamed\") { name } }";
    app.ok(Some(&secret), rename, json!({ "w": owner.workspace }))
        .await;
    let data = app
        .ok(
            Some(&owner.token),
            "query($w: ID!) { workspace(id: $w) {
                members(first: 10) { nodes { account { email } invitedBy { email } } }
                auditLog(first: 10) { nodes { action actor { email } actorApiKey { id name role } newRole } } } }",
            json!({ "w": owner.workspace }),
        )
        .await;
    let invited = data["workspace"]["members"]["nodes"]
        .as_array()
        .and_then(|n| {
            n.iter()
                .find(|m| m["account"]["email"] == "new@example.com")
        })
        .cloned()
        .expect("the invitee is a member");
    // A key is no account: invitedBy stays null, the audit log names the key.
    assert_eq!(invited["invitedBy"], Value::Null);
    let log = data["workspace"]["auditLog"]["nodes"].clone();
    let by_key = json!({ "id": key_id, "name": "CI bot", "role": "ADMIN" });
    let actions: Vec<&str> = (0..4).filter_map(|i| log[i]["action"].as_str()).collect();
    assert_eq!(
        actions,
        [
            "WORKSPACE_RENAMED",
            "ROLE_CHANGED",
            "MEMBER_INVITED",
            "API_KEY_CREATED"
        ]
    );
    for event in &log.as_array().cloned().unwrap_or_default()[..3] {
        assert_eq!(event["actor"], Value::Null, "{event}");
        assert_eq!(event["actorApiKey"], by_key, "{event}");
    }
    assert_eq!(log[3]["actor"]["email"], "owner@example.com");
    assert_eq!(log[3]["actorApiKey"], Value::Null);
    assert_eq!(log[3]["newRole"], "ADMIN");
}

async fn revoked_and_expired_keys_stop_on_the_next_request(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let w = json!({ "w": owner.workspace });
    let (id, secret) = key(&app, &owner, "NORMAL", Value::Null).await;
    app.ok(Some(&secret), WORKSPACE, w.clone()).await;
    let revoke = json!({ "w": owner.workspace, "k": id });
    let revoked = app.ok(Some(&owner.token), REVOKE, revoke.clone()).await;
    assert_eq!(revoked["revokeApiKey"]["id"], id.as_str());
    assert!(
        revoked["revokeApiKey"]["revokedAt"].is_string(),
        "{revoked}"
    );
    let e = app.err(Some(&secret), WORKSPACE, w.clone()).await;
    assert_eq!(code(&e), "UNAUTHENTICATED", "{e}");
    let e = app.err(Some(&secret), "{ me { id } }", json!({})).await;
    assert_eq!(code(&e), "UNAUTHENTICATED", "{e}");
    let e = app.err(Some(&owner.token), REVOKE, revoke).await;
    assert_eq!(code(&e), "CONFLICT", "{e}");

    let expires = app.clock.now() + chrono::Duration::seconds(120);
    let (_, secret) = key(&app, &owner, "NORMAL", json!(expires.to_rfc3339())).await;
    app.ok(Some(&secret), WORKSPACE, w.clone()).await;
    app.clock.advance(121);
    let e = app.err(Some(&secret), WORKSPACE, w.clone()).await;
    assert_eq!(code(&e), "UNAUTHENTICATED", "{e}");
    // Listed as they are: one revoked, one expired.
    let listed = app.ok(Some(&owner.token), KEYS, w.clone()).await;
    let keys = listed["workspace"]["apiKeys"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(keys.len(), 2);
    assert!(keys[0]["expiresAt"].is_string() && keys[0]["revokedAt"].is_null());
    assert!(keys[1]["revokedAt"].is_string());

    // The workspace goes (no mutation deletes one yet): its keys go with it, at once.
    let (_, secret) = key(&app, &owner, "NORMAL", Value::Null).await;
    app.ok(Some(&secret), WORKSPACE, w.clone()).await;
    app.sql(
        "DELETE FROM workspaces WHERE name = $1",
        &["Olga's Workspace"],
    )
    .await;
    let e = app.err(Some(&secret), WORKSPACE, w).await;
    assert_eq!(code(&e), "UNAUTHENTICATED", "{e}");
    assert!(stored_keys(&app).await.is_empty());
}

async fn malformed_and_unknown_keys_are_unauthenticated(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let (_, secret) = key(&app, &owner, "NORMAL", Value::Null).await;
    let mut flipped = secret.clone().into_bytes();
    let last = flipped.len() - 2;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    let unknown = format!("rsk_{}", "A".repeat(43));
    for bad in [
        "rsk_",
        "rsk_short",
        &secret[..secret.len() - 1],
        &format!("{secret}x"),
        &format!("rsk_{}", "*".repeat(43)),
        &flipped,
        &unknown,
    ] {
        for query in [WORKSPACE, "{ me { id } }"] {
            let e = app
                .err(Some(bad), query, json!({ "w": owner.workspace }))
                .await;
            assert_eq!(code(&e), "UNAUTHENTICATED", "{bad}: {e}");
        }
    }
}

/// Every stored column of every key, as (secret_hash, name, role, prefix).
async fn stored_keys(app: &TestApp) -> Vec<(Vec<u8>, String, String, String)> {
    let q = "SELECT secret_hash, name, role, prefix FROM api_keys";
    match app.roster.db.pool() {
        Pool::Sqlite(p) => sqlx::query_as(q).fetch_all(p).await,
        Pool::Postgres(p) => sqlx::query_as(q).fetch_all(p).await,
    }
    .expect("keys")
}

async fn only_the_secrets_hash_is_stored_and_it_is_never_listed(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let v = create(&app, &owner.token, &owner.workspace, "EDITOR", Value::Null).await;
    let created = &v["data"]["createApiKey"];
    let secret = s(&created["secret"]);
    let random = secret.strip_prefix("rsk_").expect("rsk_ prefix");
    assert_eq!(random.len(), 43, "32 random bytes, base64url");
    assert!(
        random
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_eq!(created["apiKey"]["prefix"], &secret[..12]);
    assert_eq!(created["apiKey"]["createdBy"]["email"], "owner@example.com");
    let stored = stored_keys(&app).await;
    assert_eq!(stored.len(), 1);
    let (hash, name, role, prefix) = &stored[0];
    assert_eq!(hash[..], Sha256::digest(secret.as_bytes())[..]);
    for column in [name, role, prefix] {
        assert!(!column.contains(random), "{column}");
    }
    // The list and the audit log never show it again.
    let data = app
        .gql(
            Some(&owner.token),
            "query($w: ID!) { workspace(id: $w) { apiKeys { id name prefix }
                auditLog { nodes { action actorApiKey { prefix } } } } }",
            json!({ "w": owner.workspace }),
        )
        .await;
    assert!(data.get("errors").is_none(), "{data}");
    assert!(!data.to_string().contains(random), "{data}");
    // Two keys never share a secret.
    let (_, second) = key(&app, &owner, "EDITOR", Value::Null).await;
    assert_ne!(second, secret);
}

/// `lastUsedAt` of the workspace's newest key, as its owner sees it.
async fn last_used(app: &TestApp, owner: &User) -> Value {
    let data = app
        .ok(Some(&owner.token), KEYS, json!({ "w": owner.workspace }))
        .await;
    data["workspace"]["apiKeys"][0]["lastUsedAt"].clone()
}

async fn last_use_is_recorded_at_most_once_a_minute(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let w = json!({ "w": owner.workspace });
    let (_, secret) = key(&app, &owner, "NORMAL", Value::Null).await;
    assert_eq!(last_used(&app, &owner).await, Value::Null);
    app.ok(Some(&secret), WORKSPACE, w.clone()).await;
    let first = last_used(&app, &owner).await;
    assert!(first.is_string(), "{first}");
    app.clock.advance(30);
    app.ok(Some(&secret), WORKSPACE, w.clone()).await;
    assert_eq!(
        last_used(&app, &owner).await,
        first,
        "not again within a minute"
    );
    app.clock.advance(31);
    app.ok(Some(&secret), WORKSPACE, w.clone()).await;
    let later = last_used(&app, &owner).await;
    assert!(later.is_string() && later != first, "{later} after {first}");
}

/// `node(id:)` finds an API key for the owners and admins of its workspace (who see
/// `Workspace.apiKeys`); a member below them and an outsider get `null`, as for an unknown id.
async fn node_finds_a_key_for_whom_lists_keys_only(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ada = app.sign_up("ada@example.com", "Ada").await;
    let (id, _) = key(&app, &ada, "EDITOR", Value::Null).await;
    let ned = app
        .member(&ada, &ada.workspace, "ned@example.com", "NORMAL")
        .await;
    let eve = app.sign_up("eve@example.com", "Eve").await;
    let q = "query($id: ID!) { node(id: $id) { __typename id ... on ApiKey { name role } } }";
    let seen = app.ok(Some(&ada.token), q, json!({ "id": id })).await;
    assert_eq!(seen["node"]["__typename"], "ApiKey", "{seen}");
    assert_eq!(seen["node"]["id"], id.as_str());
    assert_eq!(seen["node"]["role"], "EDITOR");
    for who in [&ned, &eve] {
        let v = app.ok(Some(&who.token), q, json!({ "id": id })).await;
        assert!(v["node"].is_null(), "{v}");
    }
}
