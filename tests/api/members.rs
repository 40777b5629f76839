//! The permission matrix over HTTP, removal, leaving, role changes, the members list, the audit log.

use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp, code, s};

const REMOVE: &str = "mutation($w: ID!, $a: ID!) { removeMember(workspaceId: $w, accountId: $a) { removedAccountId workspace { memberCount } } }";
const ROLE: &str = "mutation($w: ID!, $a: ID!, $r: Role!) { updateMemberRole(workspaceId: $w, accountId: $a, role: $r) { role account { email } } }";
const LEAVE: &str = "mutation($w: ID!) { leaveWorkspace(workspaceId: $w) }";
const RENAME: &str =
    "mutation($w: ID!) { renameWorkspace(workspaceId: $w, name: \"Renamed\") { name } }";
const AUDIT: &str = "query($w: ID!, $after: String) { workspace(id: $w) { auditLog(first: 3, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { action actor { email } targetEmail oldRole newRole } } } }";
const MEMBERS: &str = "query($w: ID!, $first: Int, $after: String, $roles: [Role!], $status: AccountStatus, $search: String) {
    workspace(id: $w) { members(first: $first, after: $after, roles: $roles, status: $status, search: $search) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
      edges { cursor node { role status account { email } } }
      nodes { role account { email } invitedBy { email } workspace { id } } } } }";

both!(
    the_permission_matrix_holds_over_http,
    removal_is_immediate_and_scoped,
    removing_a_pending_member_deletes_an_orphaned_account,
    leaving_and_role_changes,
    the_members_list_pages_filters_and_counts,
    the_audit_log_records_changes_newest_first,
    a_page_reads_what_its_selection_shows,
    plain_pages_answer_as_the_executor_does,
);

const ROLES: [&str; 5] = ["OWNER", "ADMIN", "EDITOR", "NORMAL", "DATASET_OPERATOR"];

fn rank(role: &str) -> u8 {
    match role {
        "OWNER" => 2,
        "ADMIN" => 1,
        _ => 0,
    }
}

/// SPEC section 2, row by row, for an actor acting on someone else.
fn may(actor: &str, action: &str, target: &str, new_role: &str) -> bool {
    let manager = matches!(actor, "OWNER" | "ADMIN");
    match action {
        "rename" | "audit" => manager,
        "invite" => manager && new_role != "OWNER" && rank(actor) > rank(new_role),
        "remove" => manager && rank(actor) > rank(target),
        "role" => {
            manager
                && rank(actor) > rank(target)
                && rank(actor) > rank(new_role)
                && new_role != "OWNER"
        }
        _ => false,
    }
}

fn outcome(v: &Value) -> String {
    match v.get("errors") {
        None => "OK".to_owned(),
        Some(e) => code(&e[0]).to_owned(),
    }
}

async fn the_permission_matrix_holds_over_http(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Owner").await;
    let ws = owner.workspace.clone();
    let mut actors = vec![("OWNER", owner.clone())];
    for role in &ROLES[1..] {
        let user = app
            .member(
                &owner,
                &ws,
                &format!("{}@example.com", role.to_lowercase()),
                role,
            )
            .await;
        actors.push((role, user));
    }
    let outsider = app.sign_up("outsider@example.com", "Out").await;
    let mut n = 0;
    for (actor_role, actor) in &actors {
        let t = Some(actor.token.as_str());
        // Everyone sees the workspace and its members.
        app.ok(t, MEMBERS, json!({ "w": ws })).await;
        for (action, query) in [("rename", RENAME), ("audit", AUDIT)] {
            let v = app.gql(t, query, json!({ "w": ws })).await;
            let want = if may(actor_role, action, "", "") {
                "OK"
            } else {
                "FORBIDDEN"
            };
            assert_eq!(outcome(&v), want, "{actor_role} {action}: {v}");
        }
        for new_role in ROLES {
            n += 1;
            let v = app
                .gql(t, crate::helpers::INVITE, json!({ "i": { "workspaceId": ws, "emails": [format!("new{n}@example.com")], "role": new_role } }))
                .await;
            let want = if may(actor_role, "invite", "", new_role) {
                "OK"
            } else {
                "FORBIDDEN"
            };
            assert_eq!(outcome(&v), want, "{actor_role} invites {new_role}: {v}");
        }
        for target_role in &ROLES[1..] {
            for new_role in ROLES.iter().filter(|r| *r != target_role) {
                n += 1;
                let target = app
                    .member(&owner, &ws, &format!("t{n}@example.com"), target_role)
                    .await;
                let v = app
                    .gql(t, ROLE, json!({ "w": ws, "a": target.id, "r": new_role }))
                    .await;
                let want = if may(actor_role, "role", target_role, new_role) {
                    "OK"
                } else {
                    "FORBIDDEN"
                };
                assert_eq!(
                    outcome(&v),
                    want,
                    "{actor_role} sets {target_role} to {new_role}: {v}"
                );
            }
            n += 1;
            let target = app
                .member(&owner, &ws, &format!("t{n}@example.com"), target_role)
                .await;
            let v = app.gql(t, REMOVE, json!({ "w": ws, "a": target.id })).await;
            let want = if may(actor_role, "remove", target_role, "") {
                "OK"
            } else {
                "FORBIDDEN"
            };
            assert_eq!(outcome(&v), want, "{actor_role} removes {target_role}: {v}");
        }
        // Nobody acts on the owner, nor on themselves except by leaving.
        let v = app.gql(t, REMOVE, json!({ "w": ws, "a": owner.id })).await;
        assert_eq!(outcome(&v), "FORBIDDEN", "{actor_role} removes the owner");
        let v = app
            .gql(t, ROLE, json!({ "w": ws, "a": actor.id, "r": "NORMAL" }))
            .await;
        assert_ne!(outcome(&v), "OK", "{actor_role} changes own role");
    }
    // A non-member gets NOT_FOUND for everything about the workspace.
    for (query, vars) in [
        (MEMBERS, json!({ "w": ws })),
        (RENAME, json!({ "w": ws })),
        (REMOVE, json!({ "w": ws, "a": owner.id })),
        (LEAVE, json!({ "w": ws })),
    ] {
        let v = app.gql(Some(&outsider.token), query, vars).await;
        assert_eq!(outcome(&v), "NOT_FOUND", "{query}: {v}");
    }
    // Acting on someone who is not a member is NOT_FOUND too.
    let v = app
        .gql(
            Some(&owner.token),
            REMOVE,
            json!({ "w": ws, "a": outsider.id }),
        )
        .await;
    assert_eq!(outcome(&v), "NOT_FOUND");
    let v = app
        .gql(Some(&owner.token), REMOVE, json!({ "w": ws, "a": "nope" }))
        .await;
    assert_eq!(outcome(&v), "BAD_USER_INPUT");
    assert_eq!(v["errors"][0]["extensions"]["field"], "accountId");
}

async fn removal_is_immediate_and_scoped(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ann = app.sign_up("ann@example.com", "Ann").await;
    let bob = app.sign_up("bob@example.com", "Bob").await;
    app.member(&ann, &ann.workspace, "carl@example.com", "EDITOR")
        .await;
    // Bob joins Ann's workspace; he also owns his own.
    let added = app
        .invite(&ann.token, &ann.workspace, &["bob@example.com"], "ADMIN")
        .await;
    assert_eq!(added[0]["status"], "ADDED");
    let ws = json!({ "w": ann.workspace });
    app.ok(Some(&bob.token), MEMBERS, ws.clone()).await;

    let removed = app
        .ok(
            Some(&ann.token),
            REMOVE,
            json!({ "w": ann.workspace, "a": bob.id }),
        )
        .await;
    assert_eq!(removed["removeMember"]["removedAccountId"], bob.id.as_str());
    assert_eq!(removed["removeMember"]["workspace"]["memberCount"], 2);
    // Bob's live token no longer reaches Ann's workspace...
    let e = app.err(Some(&bob.token), MEMBERS, ws).await;
    assert_eq!(code(&e), "NOT_FOUND");
    // ...but he keeps his own.
    let mine = app
        .ok(
            Some(&bob.token),
            "{ workspaces { id viewerRole } }",
            json!({}),
        )
        .await;
    assert_eq!(
        mine["workspaces"],
        json!([{ "id": bob.workspace, "viewerRole": "OWNER" }])
    );
    // Removing him again: he is no longer a member.
    let e = app
        .err(
            Some(&ann.token),
            REMOVE,
            json!({ "w": ann.workspace, "a": bob.id }),
        )
        .await;
    assert_eq!(code(&e), "NOT_FOUND");
}

async fn removing_a_pending_member_deletes_an_orphaned_account(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ann = app.sign_up("ann@example.com", "Ann").await;
    let bob = app.sign_up("bob@example.com", "Bob").await;
    let first = app
        .invite(&ann.token, &ann.workspace, &["pat@example.com"], "NORMAL")
        .await;
    let pat = s(&first[0]["member"]["account"]["id"]);
    let link = app.link_token("invitation", "pat@example.com").await;
    // Pat is also invited to Bob's workspace: removal from Ann's keeps the account.
    let other = app
        .invite(&bob.token, &bob.workspace, &["pat@example.com"], "NORMAL")
        .await;
    assert_eq!(other[0]["status"], "INVITED");
    assert_eq!(s(&other[0]["member"]["account"]["id"]), pat);
    app.ok(
        Some(&ann.token),
        REMOVE,
        json!({ "w": ann.workspace, "a": pat }),
    )
    .await;
    // Ann's link stopped working; Bob's still works.
    let preview = "query($t: String!) { invitation(token: $t) { workspaceName } }";
    let v = app.ok(None, preview, json!({ "t": link })).await;
    assert!(v["invitation"].is_null());
    let bobs_link = app.link_token("invitation", "pat@example.com").await;
    let v = app.ok(None, preview, json!({ "t": bobs_link })).await;
    assert_eq!(v["invitation"]["workspaceName"], "Bob's Workspace");
    // Removed from Bob's too, the PENDING account has no workspace left and is deleted:
    app.ok(
        Some(&bob.token),
        REMOVE,
        json!({ "w": bob.workspace, "a": pat }),
    )
    .await;
    let again = app
        .invite(&ann.token, &ann.workspace, &["pat@example.com"], "NORMAL")
        .await;
    assert_eq!(again[0]["status"], "INVITED");
    assert_ne!(
        s(&again[0]["member"]["account"]["id"]),
        pat,
        "a new account was created"
    );
}

async fn leaving_and_role_changes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Owner").await;
    let ws = owner.workspace.clone();
    let admin = app.member(&owner, &ws, "admin@example.com", "ADMIN").await;
    let ed = app.member(&owner, &ws, "ed@example.com", "EDITOR").await;

    let e = app.err(Some(&owner.token), LEAVE, json!({ "w": ws })).await;
    assert_eq!(code(&e), "CONFLICT");

    let v = app
        .ok(
            Some(&admin.token),
            ROLE,
            json!({ "w": ws, "a": ed.id, "r": "DATASET_OPERATOR" }),
        )
        .await;
    assert_eq!(v["updateMemberRole"]["role"], "DATASET_OPERATOR");
    let e = app
        .err(
            Some(&admin.token),
            ROLE,
            json!({ "w": ws, "a": ed.id, "r": "DATASET_OPERATOR" }),
        )
        .await;
    assert_eq!(code(&e), "CONFLICT", "same role again");
    let e = app
        .err(
            Some(&owner.token),
            ROLE,
            json!({ "w": ws, "a": ed.id, "r": "OWNER" }),
        )
        .await;
    assert_eq!(code(&e), "FORBIDDEN", "ownership moves only by transfer");
    let e = app
        .err(
            Some(&owner.token),
            ROLE,
            json!({ "w": ws, "a": ed.id, "r": "KING" }),
        )
        .await;
    assert_eq!(code(&e), "BAD_USER_INPUT");

    // A demotion applies at once to the demoted admin's live token.
    app.ok(
        Some(&owner.token),
        ROLE,
        json!({ "w": ws, "a": admin.id, "r": "NORMAL" }),
    )
    .await;
    let e = app
        .err(Some(&admin.token), RENAME, json!({ "w": ws }))
        .await;
    assert_eq!(code(&e), "FORBIDDEN");

    let v = app.ok(Some(&ed.token), LEAVE, json!({ "w": ws })).await;
    assert_eq!(v["leaveWorkspace"], true);
    let e = app.err(Some(&ed.token), MEMBERS, json!({ "w": ws })).await;
    assert_eq!(code(&e), "NOT_FOUND");
    // Ed keeps the workspace sign-up gave him.
    let mine = app
        .ok(Some(&ed.token), "{ workspaces { viewerRole } }", json!({}))
        .await;
    assert_eq!(mine["workspaces"], json!([{ "viewerRole": "OWNER" }]));
}

async fn the_members_list_pages_filters_and_counts(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Owner").await;
    let ws = owner.workspace.clone();
    for (email, role) in [
        ("n1@example.com", "NORMAL"),
        ("a1@example.com", "ADMIN"),
        ("e1@example.com", "EDITOR"),
        ("n2@example.com", "NORMAL"),
    ] {
        app.member(&owner, &ws, email, role).await;
    }
    app.invite(
        &owner.token,
        &ws,
        &["pending@example.com"],
        "DATASET_OPERATOR",
    )
    .await;

    // Walk the list two at a time.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let v = app
            .ok(
                Some(&owner.token),
                MEMBERS,
                json!({ "w": ws, "first": 2, "after": after }),
            )
            .await;
        let conn = &v["workspace"]["members"];
        assert_eq!(conn["totalCount"], 6);
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], !after.is_null());
        for node in conn["nodes"].as_array().cloned().unwrap_or_default() {
            seen.push((s(&node["account"]["email"]), s(&node["role"])));
            assert_eq!(node["workspace"]["id"], ws.as_str());
        }
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    let emails: Vec<&str> = seen.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        emails,
        [
            "owner@example.com",
            "a1@example.com",
            "e1@example.com",
            "n1@example.com",
            "n2@example.com",
            "pending@example.com"
        ]
    );

    let v = app
        .ok(
            Some(&owner.token),
            MEMBERS,
            json!({ "w": ws, "roles": ["NORMAL", "EDITOR"] }),
        )
        .await;
    assert_eq!(v["workspace"]["members"]["totalCount"], 3);
    let v = app
        .ok(
            Some(&owner.token),
            MEMBERS,
            json!({ "w": ws, "status": "PENDING" }),
        )
        .await;
    let conn = &v["workspace"]["members"];
    assert_eq!(conn["totalCount"], 1);
    assert_eq!(conn["edges"][0]["node"]["status"], "PENDING");
    assert_eq!(conn["nodes"][0]["invitedBy"]["email"], "owner@example.com");
    let v = app
        .ok(
            Some(&owner.token),
            MEMBERS,
            json!({ "w": ws, "search": "N1@" }),
        )
        .await;
    assert_eq!(
        v["workspace"]["members"]["nodes"][0]["account"]["email"],
        "n1@example.com"
    );
    assert_eq!(v["workspace"]["members"]["totalCount"], 1);
    let v = app
        .ok(
            Some(&owner.token),
            MEMBERS,
            json!({ "w": ws, "search": "%" }),
        )
        .await;
    assert_eq!(
        v["workspace"]["members"]["totalCount"], 0,
        "LIKE wildcards are literal"
    );

    let small = "query($w: ID!, $first: Int, $after: String) {
        workspace(id: $w) { members(first: $first, after: $after) { totalCount } } }";
    for (vars, field) in [
        (json!({ "w": ws, "first": 101 }), "first"),
        (json!({ "w": ws, "first": -1 }), "first"),
        (json!({ "w": ws, "after": "garbage" }), "after"),
    ] {
        let e = app.err(Some(&owner.token), small, vars).await;
        assert_eq!(code(&e), "BAD_USER_INPUT");
        assert_eq!(e["extensions"]["field"], field);
    }
}

async fn the_audit_log_records_changes_newest_first(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Owner").await;
    let ws = owner.workspace.clone();
    let ed = app.member(&owner, &ws, "ed@example.com", "EDITOR").await;
    app.ok(
        Some(&owner.token),
        ROLE,
        json!({ "w": ws, "a": ed.id, "r": "NORMAL" }),
    )
    .await;
    app.ok(Some(&owner.token), RENAME, json!({ "w": ws })).await;
    app.ok(Some(&owner.token), REMOVE, json!({ "w": ws, "a": ed.id }))
        .await;

    let mut actions = Vec::new();
    let mut after = Value::Null;
    let mut first_page: Option<Value> = None;
    loop {
        let v = app
            .ok(
                Some(&owner.token),
                AUDIT,
                json!({ "w": ws, "after": after }),
            )
            .await;
        let log = v["workspace"]["auditLog"].clone();
        assert_eq!(log["totalCount"], 5);
        for node in log["nodes"].as_array().cloned().unwrap_or_default() {
            actions.push(s(&node["action"]));
        }
        first_page.get_or_insert(log.clone());
        if log["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = log["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(
        actions,
        [
            "MEMBER_REMOVED",
            "WORKSPACE_RENAMED",
            "ROLE_CHANGED",
            "MEMBER_ADDED",
            "WORKSPACE_CREATED"
        ]
    );
    let newest = first_page.unwrap_or_default()["nodes"].clone();
    assert_eq!(newest[0]["actor"]["email"], "owner@example.com");
    assert_eq!(newest[0]["targetEmail"], "ed@example.com");
    assert_eq!(newest[0]["oldRole"], "NORMAL");
    assert_eq!(newest[2]["oldRole"], "EDITOR");
    assert_eq!(newest[2]["newRole"], "NORMAL");
}

/// A members page reads fewer columns when the query shows only the brief fields: whatever the
/// shape of the selection (fragments, inline fragments, edges beside nodes, aliases), a field
/// outside the brief set gets its real value, never a default.
async fn a_page_reads_what_its_selection_shows(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let zed = app
        .member(&owner, &owner.workspace, "zed@example.com", "EDITOR")
        .await;
    app.sql(
        "UPDATE accounts SET language = 'zh-Hans', last_active_at = created_at WHERE email = $1",
        &["zed@example.com"],
    )
    .await;
    let page = |selection: &str, fragments: &str| {
        format!(
            "query($w: ID!) {{ workspace(id: $w) {{ members(first: 10) {{ {selection} }} }} }} {fragments}"
        )
    };
    let vars = json!({ "w": owner.workspace });
    let zed_of = |data: &Value, list: &str| -> Value {
        let items = data["workspace"]["members"][list]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let node = |v: &Value| {
            if list == "edges" {
                v["node"].clone()
            } else {
                v.clone()
            }
        };
        items
            .iter()
            .map(node)
            .find(|n| n["account"]["id"] == zed.id.as_str())
            .unwrap_or_else(|| panic!("zed in {list}: {data}"))
    };

    // Brief: the same values as when everything is read.
    let brief = "role status createdAt account { id email name status emailVerified }";
    let brief_data = app
        .ok(
            Some(&owner.token),
            &page(&format!("nodes {{ {brief} }}"), ""),
            vars.clone(),
        )
        .await;
    let full_data = app
        .ok(
            Some(&owner.token),
            &page(
                &format!("nodes {{ {brief} invitedBy {{ email }} account {{ language }} }}"),
                "",
            ),
            vars.clone(),
        )
        .await;
    let (b, f) = (zed_of(&brief_data, "nodes"), zed_of(&full_data, "nodes"));
    for field in ["role", "status", "createdAt"] {
        assert_eq!(b[field], f[field], "{field}");
    }
    for field in ["id", "email", "name", "status", "emailVerified"] {
        assert_eq!(b["account"][field], f["account"][field], "account.{field}");
    }
    assert_eq!(b["role"], "EDITOR");
    assert_eq!(b["account"]["name"], "Member");
    assert_eq!(f["invitedBy"]["email"], "owner@example.com");
    assert_eq!(f["account"]["language"], "zh-Hans");

    // The other fields, reached in every way a selection can reach them.
    let shapes = [
        page(
            "nodes { ...M }",
            "fragment M on Member { account { id language createdAt lastActiveAt } invitedBy { email } }",
        ),
        page(
            "nodes { role ... on Member { account { id language createdAt lastActiveAt } invitedBy { email } } }",
            "",
        ),
        page(
            "nodes { role account { id email } } edges { node { account { id language createdAt lastActiveAt } invitedBy { email } } }",
            "",
        ),
        page(
            "...P",
            "fragment P on MemberConnection { nodes { account { id } a: account { language createdAt lastActiveAt } invitedBy { email } } }",
        ),
    ];
    for query in &shapes {
        let data = app.ok(Some(&owner.token), query, vars.clone()).await;
        let list = if query.contains("edges") {
            "edges"
        } else {
            "nodes"
        };
        let z = zed_of(&data, list);
        let account = if z["a"].is_object() {
            &z["a"]
        } else {
            &z["account"]
        };
        assert_eq!(account["language"], "zh-Hans", "{query}: {data}");
        assert!(
            !s(&account["createdAt"]).starts_with("1970"),
            "{query}: {data}"
        );
        assert!(account["lastActiveAt"].is_string(), "{query}: {data}");
        assert_eq!(
            z["invitedBy"]["email"], "owner@example.com",
            "{query}: {data}"
        );
    }
}

/// A members page answered from memory (`graphql::types::plain`) equals the executor's answer
/// for the same selection: each shape is asked once as it is (plain) and once beside a field
/// that needs a loader (`invitedBy`, which sends the whole list to the executor).
async fn plain_pages_answer_as_the_executor_does(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    for (i, role) in ["ADMIN", "EDITOR", "NORMAL"].iter().enumerate() {
        app.member(&owner, &owner.workspace, &format!("m{i}@example.com"), role)
            .await;
    }
    let vars = json!({ "w": owner.workspace });
    let member = "__typename role status createdAt \
                  account { __typename id email name status emailVerified language createdAt lastActiveAt } \
                  who: account { email } r: role";
    let shapes = [
        (format!("nodes {{ {member} }}"), ""),
        (
            format!("edges {{ __typename cursor node {{ {member} }} }}"),
            "",
        ),
        (
            "nodes { ...M }".into(),
            "fragment M on Member { role account { ...A } } fragment A on Account { email name }",
        ),
        (
            "nodes { ... on Member { role } ... { account { email } } }".into(),
            "",
        ),
        (
            "edges { cursor ...E } nodes { role }".into(),
            "fragment E on MemberEdge { node { account { id } } }",
        ),
    ];
    for (selection, fragments) in &shapes {
        let with = |extra: &str| {
            let selection = selection
                .replacen("nodes {", &format!("nodes {{ {extra}"), 1)
                .replacen("node {", &format!("node {{ {extra}"), 1);
            format!(
                "query($w: ID!) {{ workspace(id: $w) {{ members(first: 10) {{ {selection} }} }} }} {fragments}"
            )
        };
        let plain = app.ok(Some(&owner.token), &with(""), vars.clone()).await;
        let executed = app
            .ok(
                Some(&owner.token),
                &with("invitedBy { email } "),
                vars.clone(),
            )
            .await;
        let strip = |mut data: Value| {
            for list in ["nodes", "edges"] {
                let items = data
                    .pointer_mut(&format!("/workspace/members/{list}"))
                    .and_then(Value::as_array_mut);
                if let Some(items) = items {
                    for item in items {
                        let node = if list == "edges" {
                            &mut item["node"]
                        } else {
                            item
                        };
                        if let Some(node) = node.as_object_mut() {
                            node.remove("invitedBy");
                        }
                    }
                }
            }
            data
        };
        let plain_count = plain["workspace"]["members"]["nodes"]
            .as_array()
            .or(plain["workspace"]["members"]["edges"].as_array())
            .map_or(0, Vec::len);
        assert_eq!(plain_count, 4, "{selection}: {plain}");
        assert_eq!(plain, strip(executed), "{selection}");
    }
}
