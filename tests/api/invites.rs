//! Inviting: every outcome, invitation tokens, activation, limits and bad input.

use serde_json::json;

use crate::both;
use crate::helpers::{Backend, INVITE, PASSWORD, TestApp, code, s};

const PREVIEW: &str =
    "query($t: String!) { invitation(token: $t) { workspaceName inviterName email expiresAt } }";
const PREVIEW_USED: &str = "query($t: String!) { invitation(token: $t) { used language } }";
const ACTIVATE: &str = "mutation($i: ActivateAccountInput!) { activateAccount(input: $i) {
    accessToken account { email name status workspaces { name viewerRole } } } }";
const LOGIN: &str = "mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) { accessToken } }";
const RESEND: &str = "mutation($w: ID!, $a: ID!) { resendInvitation(workspaceId: $w, accountId: $a) { status activationUrl email } }";
const REVOKE: &str =
    "mutation($w: ID!, $a: ID!) { revokeInvitation(workspaceId: $w, accountId: $a) }";

both!(
    every_invite_outcome_in_input_order,
    invitation_links_preview_activate_once_and_expire,
    resending_replaces_the_link_and_revoking_kills_it,
    the_member_limit_refuses_the_whole_call,
    invitations_are_rate_limited_per_workspace,
    bad_invite_input_gets_clear_codes,
);

async fn every_invite_outcome_in_input_order(backend: Backend) {
    let app = TestApp::with_config(backend, |c| {
        c.public_url = Some("https://roster.example/".into())
    })
    .await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    app.sign_up("active@example.com", "Active").await;
    app.sign_up("banned@example.com", "Banned").await;
    app.sql(
        "UPDATE accounts SET status = 'BANNED' WHERE email = $1",
        &["banned@example.com"],
    )
    .await;
    app.member(&owner, &ws, "member@example.com", "EDITOR")
        .await;
    app.settle_emails().await;
    let first = app
        .invite(&owner.token, &ws, &["pending@example.com"], "NORMAL")
        .await;
    assert!(
        first[0]["activationUrl"].is_null(),
        "links go only to the address"
    );
    let old_link = app.link_token("invitation", "pending@example.com").await;

    let results = app
        .invite(
            &owner.token,
            &ws,
            &[
                "  New.Person@Example.com ",
                "not an email",
                "new.person@example.com",
                "ACTIVE@example.com",
                "pending@example.com",
                "member@example.com",
                "banned@example.com",
            ],
            "EDITOR",
        )
        .await;
    let statuses: Vec<String> = results.iter().map(|r| s(&r["status"])).collect();
    assert_eq!(
        statuses,
        [
            "INVITED",
            "INVALID_EMAIL",
            "ADDED",
            "RESENT",
            "ALREADY_MEMBER",
            "FAILED"
        ]
    );
    let emails: Vec<String> = results.iter().map(|r| s(&r["email"])).collect();
    assert_eq!(
        emails,
        [
            "new.person@example.com",
            "not an email",
            "active@example.com",
            "pending@example.com",
            "member@example.com",
            "banned@example.com"
        ]
    );

    let invited = &results[0];
    let url = s(&app.last_email("invitation", "new.person@example.com").await["activation_url"]);
    assert!(invited["activationUrl"].is_null());
    assert!(
        url.starts_with("https://roster.example/activate?token="),
        "{url}"
    );
    assert_eq!(invited["member"]["status"], "PENDING");
    assert_eq!(invited["member"]["role"], "EDITOR");
    assert_eq!(invited["member"]["account"]["name"], "new.person");
    assert!(results[1]["message"].is_string());
    assert!(results[1]["member"].is_null());
    assert_eq!(results[2]["member"]["status"], "ACTIVE");
    assert!(results[2]["activationUrl"].is_null());
    assert_eq!(
        results[3]["member"]["role"], "EDITOR",
        "re-inviting a pending member applies the call's role"
    );
    assert!(
        s(&results[3]["message"]).contains("role changed from Normal member to Editor"),
        "{}",
        results[3]
    );
    assert!(results[3]["activationUrl"].is_null());
    assert_ne!(
        app.link_token("invitation", "pending@example.com").await,
        old_link
    );
    assert_eq!(
        results[4]["member"]["role"], "EDITOR",
        "nothing changes for a member"
    );
    assert_eq!(s(&results[4]["message"]), "already a member, as Editor");
    assert!(
        results[5]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("banned")
    );

    // The outbox holds one email per invitation or addition, with what the email needs.
    let mail = app.last_email("invitation", "new.person@example.com").await;
    assert_eq!(mail["activation_url"], url.as_str());
    assert_eq!(mail["workspace_name"], "Olga's Workspace");
    assert_eq!(mail["inviter_name"], "Olga");
    let added = app
        .last_email("added_to_workspace", "active@example.com")
        .await;
    assert_eq!(added["workspace_name"], "Olga's Workspace");
    let to_banned = app
        .outbox()
        .await
        .into_iter()
        .filter(|(_, to, _)| to == "banned@example.com")
        .count();
    assert_eq!(to_banned, 0);

    // zh-Hans invitations create zh-Hans accounts whose emails are in Chinese.
    let v = app
        .ok(Some(&owner.token), INVITE, json!({ "i": { "workspaceId": ws, "emails": ["li@example.com"], "role": "NORMAL", "language": "zh-Hans" } }))
        .await;
    assert_eq!(v["inviteMembers"]["results"][0]["status"], "INVITED");
    let languages: Vec<String> = app
        .roster
        .db
        .outbox()
        .await
        .expect("outbox")
        .into_iter()
        .filter(|r| r.recipient == "li@example.com")
        .map(|r| r.language)
        .collect();
    assert_eq!(languages, ["zh-Hans"]);
}

async fn invitation_links_preview_activate_once_and_expire(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    app.invite(
        &owner.token,
        &owner.workspace,
        &["neo@example.com", "late@example.com"],
        "NORMAL",
    )
    .await;
    let token = app.link_token("invitation", "neo@example.com").await;
    let late = app.link_token("invitation", "late@example.com").await;

    let preview = app.ok(None, PREVIEW, json!({ "t": token })).await;
    assert_eq!(preview["invitation"]["workspaceName"], "Olga's Workspace");
    assert_eq!(preview["invitation"]["inviterName"], "Olga");
    assert_eq!(preview["invitation"]["email"], "neo@example.com");
    let junk = app.ok(None, PREVIEW, json!({ "t": "junk" })).await;
    assert!(junk["invitation"].is_null());

    // A PENDING account cannot log in.
    let e = app
        .err(
            None,
            LOGIN,
            json!({ "e": "neo@example.com", "p": PASSWORD }),
        )
        .await;
    assert_eq!(code(&e), "UNAUTHENTICATED");

    let e = app
        .err(
            None,
            ACTIVATE,
            json!({ "i": { "token": token, "name": "Neo", "password": "short" } }),
        )
        .await;
    assert_eq!(
        (code(&e), &e["extensions"]["field"]),
        ("BAD_USER_INPUT", &json!("password"))
    );
    let v = app
        .ok(
            None,
            ACTIVATE,
            json!({ "i": { "token": token, "name": " Neo ", "password": PASSWORD } }),
        )
        .await;
    let account = &v["activateAccount"]["account"];
    assert_eq!(account["status"], "ACTIVE");
    assert_eq!(account["name"], "Neo");
    assert_eq!(
        account["workspaces"],
        json!([{ "name": "Olga's Workspace", "viewerRole": "NORMAL" }])
    );
    app.ok(
        Some(&s(&v["activateAccount"]["accessToken"])),
        "{ me { email } }",
        json!({}),
    )
    .await;
    app.ok(
        None,
        LOGIN,
        json!({ "e": "neo@example.com", "p": PASSWORD }),
    )
    .await;

    // Single use.
    let e = app
        .err(
            None,
            ACTIVATE,
            json!({ "i": { "token": token, "name": "Neo", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(
        (code(&e), &e["extensions"]["field"]),
        ("BAD_USER_INPUT", &json!("token"))
    );
    assert!(e["message"].as_str().unwrap_or_default().contains("used"));
    // The preview still answers, so the page can say to sign in.
    let used = app.ok(None, PREVIEW_USED, json!({ "t": token })).await;
    assert_eq!(used["invitation"]["used"], true);

    // Expiry (72 hours by default).
    app.clock.advance(72 * 3600 + 1);
    assert!(app.ok(None, PREVIEW, json!({ "t": late })).await["invitation"].is_null());
    let e = app
        .err(
            None,
            ACTIVATE,
            json!({ "i": { "token": late, "name": "Late", "password": PASSWORD } }),
        )
        .await;
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("expired"),
        "{e}"
    );
}

async fn resending_replaces_the_link_and_revoking_kills_it(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.invite_ttl_hours = 1).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    let admin = app.member(&owner, &ws, "admin@example.com", "ADMIN").await;
    let ed = app.member(&owner, &ws, "ed@example.com", "EDITOR").await;
    let results = app
        .invite(&owner.token, &ws, &["pat@example.com"], "NORMAL")
        .await;
    let pat = s(&results[0]["member"]["account"]["id"]);
    let first = app.link_token("invitation", "pat@example.com").await;

    let e = app
        .err(Some(&ed.token), RESEND, json!({ "w": ws, "a": pat }))
        .await;
    assert_eq!(code(&e), "FORBIDDEN");
    let v = app
        .ok(Some(&admin.token), RESEND, json!({ "w": ws, "a": pat }))
        .await;
    assert_eq!(v["resendInvitation"]["status"], "RESENT");
    assert!(v["resendInvitation"]["activationUrl"].is_null());
    let second = app.link_token("invitation", "pat@example.com").await;
    assert_ne!(first, second);
    assert!(app.ok(None, PREVIEW, json!({ "t": first })).await["invitation"].is_null());
    // The configured TTL applies.
    let expires =
        s(&app.ok(None, PREVIEW, json!({ "t": second })).await["invitation"]["expiresAt"]);
    let expires = chrono::DateTime::parse_from_rfc3339(&expires).expect("RFC 3339");
    let hours = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((55..=60).contains(&hours), "{hours} minutes");

    let v = app
        .ok(Some(&admin.token), REVOKE, json!({ "w": ws, "a": pat }))
        .await;
    assert_eq!(v["revokeInvitation"], true);
    assert!(app.ok(None, PREVIEW, json!({ "t": second })).await["invitation"].is_null());
    let v = app
        .ok(Some(&admin.token), REVOKE, json!({ "w": ws, "a": pat }))
        .await;
    assert_eq!(v["revokeInvitation"], false, "nothing left to revoke");
    let e = app
        .err(
            None,
            ACTIVATE,
            json!({ "i": { "token": second, "name": "Pat", "password": PASSWORD } }),
        )
        .await;
    assert!(
        e["message"]
            .as_str()
            .unwrap_or_default()
            .contains("revoked"),
        "{e}"
    );
    // Still a pending member: a resend gives a working link again.
    let v = app
        .ok(Some(&owner.token), RESEND, json!({ "w": ws, "a": pat }))
        .await;
    assert_eq!(v["resendInvitation"]["status"], "RESENT");
    let third = app.link_token("invitation", "pat@example.com").await;
    app.ok(
        None,
        ACTIVATE,
        json!({ "i": { "token": third, "name": "Pat", "password": PASSWORD } }),
    )
    .await;
    // Active members have no invitation to resend.
    let e = app
        .err(Some(&owner.token), RESEND, json!({ "w": ws, "a": pat }))
        .await;
    assert_eq!(code(&e), "CONFLICT");
}

async fn the_member_limit_refuses_the_whole_call(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.max_members = 3).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    app.sign_up("active@example.com", "Active").await;
    let info = app
        .ok(None, "{ serverInfo { maxMembers } }", json!({}))
        .await;
    assert_eq!(info["serverInfo"]["maxMembers"], 3);

    let e = app
        .err(Some(&owner.token), INVITE, json!({ "i": { "workspaceId": ws, "emails": ["a@example.com", "b@example.com", "active@example.com"], "role": "NORMAL" } }))
        .await;
    assert_eq!(code(&e), "LIMIT_EXCEEDED");
    assert!(
        app.outbox()
            .await
            .iter()
            .all(|(kind, _, _)| kind == "verify_email"),
        "nothing happened"
    );
    let r = app
        .invite(
            &owner.token,
            &ws,
            &["a@example.com", "active@example.com", "bad"],
            "NORMAL",
        )
        .await;
    assert_eq!(r.len(), 3);
    // Full: a re-send or an existing member is not a new member, so it still works.
    let r = app
        .invite(
            &owner.token,
            &ws,
            &["a@example.com", "active@example.com"],
            "NORMAL",
        )
        .await;
    assert_eq!(
        (s(&r[0]["status"]), s(&r[1]["status"])),
        ("RESENT".into(), "ALREADY_MEMBER".into())
    );
    let e = app
        .err(
            Some(&owner.token),
            INVITE,
            json!({ "i": { "workspaceId": ws, "emails": ["c@example.com"], "role": "NORMAL" } }),
        )
        .await;
    assert_eq!(code(&e), "LIMIT_EXCEEDED");
}

async fn invitations_are_rate_limited_per_workspace(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.limits.invites_per_hour = 3).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    app.invite(
        &owner.token,
        &ws,
        &["a@example.com", "b@example.com"],
        "NORMAL",
    )
    .await;
    let e = app
        .err(Some(&owner.token), INVITE, json!({ "i": { "workspaceId": ws, "emails": ["c@example.com", "d@example.com"], "role": "NORMAL" } }))
        .await;
    assert_eq!(code(&e), "RATE_LIMITED");
    assert!(
        e["extensions"]["retryAfter"]
            .as_u64()
            .is_some_and(|s| s > 0 && s <= 3600)
    );
    app.invite(&owner.token, &ws, &["c@example.com"], "NORMAL")
        .await;
    app.clock.advance(3601);
    // An hour on, the access token has expired: the session goes on with a refreshed one.
    let owner = app.refreshed(&owner).await;
    app.invite(
        &owner.token,
        &ws,
        &["d@example.com", "e@example.com"],
        "NORMAL",
    )
    .await;
}

async fn bad_invite_input_gets_clear_codes(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("owner@example.com", "Olga").await;
    let ws = owner.workspace.clone();
    let many: Vec<String> = (0..101).map(|i| format!("u{i}@example.com")).collect();
    let hundred: Vec<String> = (0..100).map(|i| format!("u{i}@example.com")).collect();
    let long_name = "x".repeat(10 * 1024);
    let cases = [
        (
            json!({ "workspaceId": ws, "emails": many, "role": "NORMAL" }),
            Some("emails"),
        ),
        (
            json!({ "workspaceId": ws, "emails": [], "role": "NORMAL" }),
            Some("emails"),
        ),
        (
            json!({ "workspaceId": ws, "emails": ["a@example.com"], "role": "NORMAL", "language": "fr" }),
            Some("language"),
        ),
        (
            json!({ "workspaceId": "not-an-id", "emails": ["a@example.com"], "role": "NORMAL" }),
            Some("workspaceId"),
        ),
        (
            json!({ "workspaceId": ws, "emails": ["a@example.com"], "role": "KING" }),
            None,
        ),
        (
            json!({ "workspaceId": ws, "emails": [null], "role": "NORMAL" }),
            None,
        ),
    ];
    for (input, field) in cases {
        let e = app
            .err(Some(&owner.token), INVITE, json!({ "i": input }))
            .await;
        assert_eq!(code(&e), "BAD_USER_INPUT", "{input}: {e}");
        if let Some(field) = field {
            assert_eq!(e["extensions"]["field"], field, "{e}");
        }
    }
    let e = app
        .err(
            None,
            INVITE,
            json!({ "i": { "workspaceId": ws, "emails": ["a@example.com"], "role": "NORMAL" } }),
        )
        .await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
    // 100 addresses is allowed.
    let r = app
        .invite(
            &owner.token,
            &ws,
            &hundred.iter().map(String::as_str).collect::<Vec<_>>(),
            "NORMAL",
        )
        .await;
    assert_eq!(r.len(), 100);
    // Names: empty and 10 KB are refused on activation.
    let token = app.link_token("invitation", "u0@example.com").await;
    for name in ["   ", long_name.as_str()] {
        let e = app
            .err(
                None,
                ACTIVATE,
                json!({ "i": { "token": token, "name": name, "password": PASSWORD } }),
            )
            .await;
        assert_eq!(
            (code(&e), &e["extensions"]["field"]),
            ("BAD_USER_INPUT", &json!("name"))
        );
    }
}
