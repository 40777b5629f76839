//! SPEC section 15's input rules: an enum is a name, never a string literal; errors name the
//! input field, never the variable; one invited address with a NUL is that address's
//! `INVALID_EMAIL`.

use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Backend, TestApp, code};

both!(
    an_enum_written_as_a_string_is_refused,
    an_enum_in_variables_is_a_json_string,
    errors_name_the_input_field_not_the_variable,
    a_nul_in_one_address_fails_only_that_address,
);

const ROLE_OF: &str =
    "query($w: ID!) { workspace(id: $w) { members { nodes { role account { email } } } } }";

async fn roles(app: &TestApp, token: &str, ws: &str) -> Vec<Value> {
    let data = app.ok(Some(token), ROLE_OF, json!({ "w": ws })).await;
    data["workspace"]["members"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn an_enum_written_as_a_string_is_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ed = app
        .member(&owner, &owner.workspace, "ed@example.com", "EDITOR")
        .await;
    let before = roles(&app, &owner.token, &owner.workspace).await;
    let ws = &owner.workspace;
    for (query, field) in [
        (
            format!(
                "mutation {{ updateMemberRole(workspaceId: \"{ws}\", accountId: \"{}\", role: \"NORMAL\") {{ role }} }}",
                ed.id
            ),
            "role",
        ),
        (
            format!(
                "mutation {{ inviteMembers(input: {{workspaceId: \"{ws}\", emails: [\"x@example.com\"], role: \"EDITOR\"}}) {{ results {{ status }} }} }}"
            ),
            "role",
        ),
        (
            format!(
                "{{ workspace(id: \"{ws}\") {{ members(roles: [\"ADMIN\"]) {{ totalCount }} }} }}"
            ),
            "roles",
        ),
        (
            format!(
                "{{ workspace(id: \"{ws}\") {{ members(status: \"ACTIVE\") {{ totalCount }} }} }}"
            ),
            "status",
        ),
    ] {
        let e = app.err(Some(&owner.token), &query, json!({})).await;
        assert_eq!(code(&e), "BAD_USER_INPUT", "{query}: {e}");
        assert_eq!(e["extensions"]["field"], field, "{query}: {e}");
        assert!(
            e["message"].as_str().unwrap_or_default().contains("enum"),
            "{e}"
        );
    }
    // A string as a variable's default is written in the document too.
    let e = app
        .err(
            Some(&owner.token),
            "mutation($w: ID!, $a: ID!, $r: Role! = \"NORMAL\") { updateMemberRole(workspaceId: $w, accountId: $a, role: $r) { role } }",
            json!({ "w": ws, "a": ed.id }),
        )
        .await;
    assert_eq!(
        (code(&e), e["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("role"))
    );
    // Nothing changed; nobody was invited.
    assert_eq!(roles(&app, &owner.token, ws).await, before);
}

async fn an_enum_in_variables_is_a_json_string(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ed = app
        .member(&owner, &owner.workspace, "ed@example.com", "EDITOR")
        .await;
    let data = app
        .ok(
            Some(&owner.token),
            "mutation($w: ID!, $a: ID!, $r: Role!) { updateMemberRole(workspaceId: $w, accountId: $a, role: $r) { role } }",
            json!({ "w": owner.workspace, "a": ed.id, "r": "NORMAL" }),
        )
        .await;
    assert_eq!(data["updateMemberRole"]["role"], "NORMAL");
    let data = app
        .ok(
            Some(&owner.token),
            "mutation($w: ID!, $a: ID!) { updateMemberRole(workspaceId: $w, accountId: $a, role: ADMIN) { role } }",
            json!({ "w": owner.workspace, "a": ed.id }),
        )
        .await;
    assert_eq!(data["updateMemberRole"]["role"], "ADMIN");
    // An unknown value is still refused, named by its field.
    let e = app
        .err(
            Some(&owner.token),
            "mutation($w: ID!, $a: ID!, $r: Role!) { updateMemberRole(workspaceId: $w, accountId: $a, role: $r) { role } }",
            json!({ "w": owner.workspace, "a": ed.id, "r": "KING" }),
        )
        .await;
    assert_eq!(
        (code(&e), e["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("role"))
    );
}

async fn errors_name_the_input_field_not_the_variable(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.as_str();
    for (query, variables, field) in [
        (
            "mutation($n: String!) { createWorkspace(name: $n) { id } }",
            json!({ "n": "a\u{0}b" }),
            "name",
        ),
        (
            "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
            json!({ "i": { "email": "n@example.com", "name": "x\u{0}", "password": "correct horse" } }),
            "name",
        ),
        (
            "query($w: ID!, $c: String) { workspace(id: $w) { members(after: $c) { totalCount } } }",
            json!({ "w": ws, "c": "\u{0}" }),
            "after",
        ),
        (
            "query($w: ID!, $c: String) { workspace(id: $w) { auditLog(after: $c) { totalCount } } }",
            json!({ "w": ws, "c": "x\u{0}" }),
            "after",
        ),
        (
            "mutation { signUp(input: {email: \"n@example.com\", name: \"\\u0000\", password: \"correct horse\"}) { accessToken } }",
            json!({}),
            "name",
        ),
        (
            "mutation($i: InviteMembersInput!) { inviteMembers(input: $i) { results { status } } }",
            json!({ "i": { "workspaceId": ws, "emails": ["a@example.com"], "role": "EDITOR", "language": "en\u{0}" } }),
            "language",
        ),
    ] {
        let e = app.err(Some(&owner.token), query, variables).await;
        assert_eq!(code(&e), "BAD_USER_INPUT", "{query}: {e}");
        assert_eq!(e["extensions"]["field"], field, "{query}: {e}");
    }
    let data = app
        .ok(Some(&owner.token), "{ workspaces { name } }", json!({}))
        .await;
    assert_eq!(
        data["workspaces"].as_array().map(Vec::len),
        Some(1),
        "nothing was created"
    );
}

async fn a_nul_in_one_address_fails_only_that_address(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let results = app
        .invite(
            &owner.token,
            &owner.workspace,
            &[
                "good@example.com",
                "bad\u{0}@example.com",
                "also@example.com",
            ],
            "EDITOR",
        )
        .await;
    let statuses: Vec<&str> = results
        .iter()
        .filter_map(|r| r["status"].as_str())
        .collect();
    assert_eq!(
        statuses,
        ["INVITED", "INVALID_EMAIL", "INVITED"],
        "{results:?}"
    );
    assert_eq!(results[0]["email"], "good@example.com");
    assert_eq!(results[2]["email"], "also@example.com");
    let data = app
        .ok(
            Some(&owner.token),
            "query($w: ID!) { workspace(id: $w) { memberCount } }",
            json!({ "w": owner.workspace }),
        )
        .await;
    assert_eq!(data["workspace"]["memberCount"], 3);
}
