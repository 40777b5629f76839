//! Account trust (SPEC section 3): an account belongs to whoever proves its email address.
//! Each test plays an attacker — a hostile workspace owner, an admin, an anonymous sign-up —
//! and shows the attack fails; then the flows that give the address owner the account.

use serde_json::{Value, json};
use std::sync::Arc;

use crate::both;
use crate::helpers::{Backend, INVITE, PASSWORD, TestApp, code, s};

const ME: &str = "{ me { email name emailVerified workspaces { id name viewerRole } } }";
const ACTIVATE: &str = "mutation($i: ActivateAccountInput!) { activateAccount(input: $i) {
    accessToken refreshToken account { email name emailVerified workspaces { name viewerRole } } } }";
const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken } }";
const REFRESH: &str = "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }";
const RESEND: &str = "mutation($w: ID!, $a: ID!) { resendInvitation(workspaceId: $w, accountId: $a) { status activationUrl } }";
const REVOKE: &str =
    "mutation($w: ID!, $a: ID!) { revokeInvitation(workspaceId: $w, accountId: $a) }";
const VERIFY: &str = "mutation($t: String!) { verifyEmail(token: $t) { email emailVerified } }";
const REQUEST_RESET: &str = "mutation($e: String!) { requestPasswordReset(email: $e) }";
const RESET: &str =
    "mutation($t: String!, $p: String!) { resetPassword(input: {token: $t, password: $p}) {
    accessToken refreshToken account { emailVerified status } } }";
const CHANGE: &str =
    "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }";
const LOGOUT: &str = "mutation($t: String!) { logout(refreshToken: $t) }";
const MEMBERS: &str = "query($w: ID!) { workspace(id: $w) { members { nodes { status role account { email emailVerified } } } } }";

both!(
    an_owner_cannot_take_over_an_account_pending_elsewhere,
    an_admin_cannot_reach_a_pending_admins_link,
    a_squatted_sign_up_gains_nothing_and_the_address_owner_takes_it_back,
    a_password_reset_hands_a_squatted_account_to_the_address_owner,
    shared_links_only_for_accounts_the_call_created,
    every_kind_of_link_works_once,
    email_verification,
    password_reset_answers_alike_and_is_rate_limited,
    changing_the_password_ends_the_other_sessions,
    logout_ends_the_session_at_once,
    the_login_limit_holds_under_a_batch_and_in_parallel,
    the_authorization_scheme_is_case_insensitive,
    addresses_need_a_dot_in_the_domain_unless_configured,
);

fn input(email: &str, password: &str) -> Value {
    json!({ "i": { "email": email, "password": password } })
}

/// Ada invites pat@ as ADMIN; Bob, who owns another workspace, invites pat@ too and tries to
/// activate the pending account himself: he never sees a link, and the real Pat's works.
async fn an_owner_cannot_take_over_an_account_pending_elsewhere(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ada = app.sign_up("ada@example.com", "Ada").await;
    let bob = app.sign_up("bob@example.com", "Bob").await;
    app.invite(&ada.token, &ada.workspace, &["pat@example.com"], "ADMIN")
        .await;
    let adas_link = app.link_token("invitation", "pat@example.com").await;

    let r = app
        .invite(&bob.token, &bob.workspace, &["pat@example.com"], "NORMAL")
        .await;
    assert_eq!(r[0]["status"], "INVITED");
    assert!(r[0]["activationUrl"].is_null(), "{r:?}");
    // Every link went to Pat's address, none anywhere else.
    let invitations: Vec<String> = app
        .outbox()
        .await
        .into_iter()
        .filter(|(kind, _, _)| kind == "invitation")
        .map(|(_, to, _)| to)
        .collect();
    assert_eq!(invitations, ["pat@example.com", "pat@example.com"]);
    // Bob cannot resend to get one either.
    let pat = s(&r[0]["member"]["account"]["id"]);
    let v = app
        .ok(
            Some(&bob.token),
            RESEND,
            json!({ "w": bob.workspace, "a": pat }),
        )
        .await;
    assert!(v["resendInvitation"]["activationUrl"].is_null());
    let e = app
        .err(
            None,
            ACTIVATE,
            json!({ "i": { "token": "guessed", "name": "Bob", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(code(&e), "BAD_USER_INPUT");

    // The real Pat opens Ada's emailed link and is the ADMIN of Ada's workspace.
    let v = app
        .ok(
            None,
            ACTIVATE,
            json!({ "i": { "token": adas_link, "name": "Pat", "password": PASSWORD } }),
        )
        .await;
    let account = &v["activateAccount"]["account"];
    assert_eq!(account["emailVerified"], true);
    let roles: Vec<(String, String)> = account["workspaces"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| (s(&w["name"]), s(&w["viewerRole"])))
        .collect();
    assert!(
        roles.contains(&("Ada's Workspace".into(), "ADMIN".into())),
        "{roles:?}"
    );
}

/// An admin may not re-send, revoke or re-role a pending ADMIN's invitation (it could steer
/// who activates a second admin account); it may for members below it.
async fn an_admin_cannot_reach_a_pending_admins_link(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ada = app.sign_up("ada@example.com", "Ada").await;
    let ws = ada.workspace.clone();
    let al = app.member(&ada, &ws, "al@example.com", "ADMIN").await;
    let r = app
        .invite(
            &ada.token,
            &ws,
            &["pat@example.com", "ed@example.com"],
            "ADMIN",
        )
        .await;
    let pat = s(&r[0]["member"]["account"]["id"]);
    app.ok(
        Some(&ada.token),
        "mutation($w: ID!, $a: ID!) { updateMemberRole(workspaceId: $w, accountId: $a, role: EDITOR) { role } }",
        json!({ "w": ws, "a": s(&r[1]["member"]["account"]["id"]) }),
    )
    .await;
    let before = app.outbox().await.len();

    for q in [RESEND, REVOKE] {
        let e = app
            .err(Some(&al.token), q, json!({ "w": ws, "a": pat }))
            .await;
        assert_eq!(code(&e), "FORBIDDEN", "{e}");
    }
    let again = app
        .invite(&al.token, &ws, &["pat@example.com"], "EDITOR")
        .await;
    assert_eq!(again[0]["status"], "FAILED");
    assert!(
        s(&again[0]["message"]).contains("ranked below you"),
        "{again:?}"
    );
    assert_eq!(app.outbox().await.len(), before, "no email, no link");
    let v = app.ok(Some(&ada.token), MEMBERS, json!({ "w": ws })).await;
    let pat_row = v["workspace"]["members"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|n| n["account"]["email"] == "pat@example.com")
        .cloned()
        .unwrap_or_default();
    assert_eq!(pat_row["role"], "ADMIN", "unchanged");

    // Below its rank it may: the link still goes only to the address.
    let ed = s(&r[1]["member"]["account"]["id"]);
    let v = app
        .ok(Some(&al.token), RESEND, json!({ "w": ws, "a": ed }))
        .await;
    assert_eq!(v["resendInvitation"]["status"], "RESENT");
    assert!(v["resendInvitation"]["activationUrl"].is_null());
    assert_eq!(app.outbox().await.len(), before + 1);
    let v = app
        .ok(Some(&al.token), REVOKE, json!({ "w": ws, "a": ed }))
        .await;
    assert_eq!(v["revokeInvitation"], true);
}

/// Mallory signs up as ceo@ before the real CEO is invited anywhere. She cannot invite, is
/// never ADDED, sees nothing of the workspace that invites the address; the CEO's activation
/// takes the account back and ends Mallory's sessions.
async fn a_squatted_sign_up_gains_nothing_and_the_address_owner_takes_it_back(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ada = app.sign_up("ada@example.com", "Ada").await;
    let mallory = app.sign_up_unverified("ceo@company.com", "Mallory").await;
    let me = app.ok(Some(&mallory.token), ME, json!({})).await;
    assert_eq!(me["me"]["emailVerified"], false);

    // An unverified account cannot invite.
    let e = app
        .err(
            Some(&mallory.token),
            INVITE,
            json!({ "i": { "workspaceId": mallory.workspace, "emails": ["x@example.com"], "role": "NORMAL" } }),
        )
        .await;
    assert_eq!(code(&e), "FORBIDDEN");
    assert!(s(&e["message"]).contains("verify your email"), "{e}");

    // Ada invites the address: INVITED with an emailed link, not ADDED.
    let r = app
        .invite(&ada.token, &ada.workspace, &["ceo@company.com"], "ADMIN")
        .await;
    assert_eq!(r[0]["status"], "INVITED");
    assert_eq!(r[0]["member"]["status"], "PENDING");
    assert!(r[0]["activationUrl"].is_null());
    // Mallory gets nothing from it.
    let me = app.ok(Some(&mallory.token), ME, json!({})).await;
    let names: Vec<String> = me["me"]["workspaces"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| s(&w["name"]))
        .collect();
    assert_eq!(names, ["Mallory's Workspace"]);
    let e = app
        .err(Some(&mallory.token), MEMBERS, json!({ "w": ada.workspace }))
        .await;
    assert_eq!(code(&e), "NOT_FOUND");
    let sub = "subscription($w: ID!) { memberEvents(workspaceId: $w) { action } }";
    let e = app
        .err(Some(&mallory.token), sub, json!({ "w": ada.workspace }))
        .await;
    assert_ne!(code(&e), "", "{e}");
    // Ada's list says the invitation is not accepted yet.
    let v = app
        .ok(Some(&ada.token), MEMBERS, json!({ "w": ada.workspace }))
        .await;
    assert!(
        v["workspace"]["members"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|n| n["account"]["email"] == "ceo@company.com" && n["status"] == "PENDING"),
        "{v}"
    );
    let pending =
        "query($w: ID!) { workspace(id: $w) { members(status: PENDING) { totalCount } } }";
    let v = app
        .ok(Some(&ada.token), pending, json!({ "w": ada.workspace }))
        .await;
    assert_eq!(v["workspace"]["members"]["totalCount"], 1);
    // Nor can ownership go to the squatted account.
    let e = app
        .err(
            Some(&ada.token),
            "mutation($w: ID!, $a: ID!) { transferOwnership(workspaceId: $w, accountId: $a, code: \"000000\") { id } }",
            json!({ "w": ada.workspace, "a": mallory.id }),
        )
        .await;
    assert_eq!(code(&e), "CONFLICT", "{e}");

    // The real CEO opens the emailed link: the account is theirs.
    let link = app.link_token("invitation", "ceo@company.com").await;
    let v = app
        .ok(
            None,
            ACTIVATE,
            json!({ "i": { "token": link, "name": "Chiara", "password": "the real ceo's password" } }),
        )
        .await;
    let account = &v["activateAccount"]["account"];
    assert_eq!(account["name"], "Chiara");
    assert_eq!(account["emailVerified"], true);
    // Mallory's session, refresh token and password are gone.
    let e = app.err(Some(&mallory.token), ME, json!({})).await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
    let e = app
        .err(None, REFRESH, json!({ "t": mallory.refresh }))
        .await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
    let e = app
        .err(None, LOGIN, input("ceo@company.com", PASSWORD))
        .await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
    let ceo = app
        .ok(
            None,
            LOGIN,
            input("ceo@company.com", "the real ceo's password"),
        )
        .await;
    let me = app
        .ok(Some(&s(&ceo["login"]["accessToken"])), ME, json!({}))
        .await;
    assert!(
        me["me"]["workspaces"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|w| w["name"] == "Ada's Workspace" && w["viewerRole"] == "ADMIN"),
        "{me}"
    );
}

/// The same squatting undone by the address owner through "forgot password".
async fn a_password_reset_hands_a_squatted_account_to_the_address_owner(backend: Backend) {
    let app = TestApp::new(backend).await;
    let mallory = app.sign_up_unverified("x@company.com", "Mallory").await;
    app.ok(None, REQUEST_RESET, json!({ "e": "X@Company.com " }))
        .await;
    let mail = app.wait_for_email("password_reset", "x@company.com").await;
    let token = crate::helpers::token_of(&mail["reset_url"]);
    let v = app
        .ok(
            None,
            RESET,
            json!({ "t": token, "p": "owner's new password" }),
        )
        .await;
    assert_eq!(v["resetPassword"]["account"]["emailVerified"], true);
    assert_eq!(
        code(&app.err(Some(&mallory.token), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        code(
            &app.err(None, REFRESH, json!({ "t": mallory.refresh }))
                .await
        ),
        "UNAUTHENTICATED"
    );
    app.ok(Some(&s(&v["resetPassword"]["accessToken"])), ME, json!({}))
        .await;
    app.ok(None, LOGIN, input("x@company.com", "owner's new password"))
        .await;
}

/// `ROSTER_SHARE_INVITE_LINKS=true` (closed deployments without mail): the inviter sees the
/// link of an account its call created, and of nothing else.
async fn shared_links_only_for_accounts_the_call_created(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.share_invite_links = true).await;
    let ada = app.sign_up("ada@example.com", "Ada").await;
    let bob = app.sign_up("bob@example.com", "Bob").await;
    let r = app
        .invite(&ada.token, &ada.workspace, &["new@example.com"], "NORMAL")
        .await;
    let url = s(&r[0]["activationUrl"]);
    assert_eq!(
        crate::helpers::token_of(&json!(url)),
        app.link_token("invitation", "new@example.com").await
    );
    // Pending elsewhere, or pending here: no link.
    let r = app
        .invite(&bob.token, &bob.workspace, &["new@example.com"], "NORMAL")
        .await;
    assert_eq!(r[0]["status"], "INVITED");
    assert!(r[0]["activationUrl"].is_null());
    let r = app
        .invite(&ada.token, &ada.workspace, &["new@example.com"], "NORMAL")
        .await;
    assert_eq!(r[0]["status"], "RESENT");
    assert!(r[0]["activationUrl"].is_null());
    let pending = s(&r[0]["member"]["account"]["id"]);
    let v = app
        .ok(
            Some(&ada.token),
            RESEND,
            json!({ "w": ada.workspace, "a": pending }),
        )
        .await;
    assert!(v["resendInvitation"]["activationUrl"].is_null());
    // An unverified sign-up is an account that existed before: no link either.
    app.sign_up_unverified("squat@example.com", "Squat").await;
    let r = app
        .invite(&ada.token, &ada.workspace, &["squat@example.com"], "NORMAL")
        .await;
    assert_eq!(r[0]["status"], "INVITED");
    assert!(r[0]["activationUrl"].is_null());
}

/// Invitation, verification and reset links work once; a newer link replaces an older one;
/// expired links say so.
async fn every_kind_of_link_works_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ada = app.sign_up_unverified("ada@example.com", "Ada").await;
    let verify = app.link_token("verify_email", "ada@example.com").await;
    app.ok(None, VERIFY, json!({ "t": verify })).await;
    let e = app.err(None, VERIFY, json!({ "t": verify })).await;
    assert_eq!(
        (code(&e), s(&e["extensions"]["field"])),
        ("BAD_USER_INPUT", "token".into())
    );
    assert!(s(&e["message"]).contains("already been used"), "{e}");
    assert_eq!(e["extensions"]["reason"], "USED");

    app.invite(&ada.token, &ada.workspace, &["pat@example.com"], "NORMAL")
        .await;
    let invite = app.link_token("invitation", "pat@example.com").await;
    let activate = json!({ "i": { "token": invite, "name": "Pat", "password": PASSWORD } });
    app.ok(None, ACTIVATE, activate.clone()).await;
    let e = app.err(None, ACTIVATE, activate).await;
    assert!(s(&e["message"]).contains("already been used"), "{e}");

    for _ in 0..2 {
        app.ok(None, REQUEST_RESET, json!({ "e": "pat@example.com" }))
            .await;
        // Each request's email is queued after the answer: wait for this one.
        let want = app
            .outbox()
            .await
            .iter()
            .filter(|(k, _, _)| k == "password_reset")
            .count();
        for _ in 0..100 {
            let n = app
                .outbox()
                .await
                .iter()
                .filter(|(k, _, _)| k == "password_reset")
                .count();
            if n > want || n == 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let resets: Vec<String> = app
        .outbox()
        .await
        .into_iter()
        .filter(|(k, _, _)| k == "password_reset")
        .map(|(_, _, p)| crate::helpers::token_of(&p["reset_url"]))
        .collect();
    assert_eq!(resets.len(), 2);
    let e = app
        .err(
            None,
            RESET,
            json!({ "t": resets[0], "p": "a new password" }),
        )
        .await;
    assert!(s(&e["message"]).contains("replaced"), "the older link: {e}");
    assert_eq!(e["extensions"]["reason"], "REVOKED");
    app.ok(
        None,
        RESET,
        json!({ "t": resets[1], "p": "a new password" }),
    )
    .await;
    let e = app
        .err(
            None,
            RESET,
            json!({ "t": resets[1], "p": "another password" }),
        )
        .await;
    assert!(s(&e["message"]).contains("already been used"), "{e}");

    // Expired: a reset link lives 30 minutes, a verification link 48 hours.
    app.ok(None, REQUEST_RESET, json!({ "e": "ada@example.com" }))
        .await;
    let late = crate::helpers::token_of(
        &app.wait_for_email("password_reset", "ada@example.com")
            .await["reset_url"],
    );
    app.clock.advance(31 * 60);
    let e = app
        .err(None, RESET, json!({ "t": late, "p": "a new password" }))
        .await;
    assert!(s(&e["message"]).contains("expired"), "{e}");
    assert_eq!(e["extensions"]["reason"], "EXPIRED");
    let eve = app.sign_up_unverified("eve@example.com", "Eve").await;
    let _ = eve;
    let token = app.link_token("verify_email", "eve@example.com").await;
    app.clock.advance(48 * 3600 + 1);
    let e = app.err(None, VERIFY, json!({ "t": token })).await;
    assert!(s(&e["message"]).contains("expired"), "{e}");
    let e = app.err(None, VERIFY, json!({ "t": "junk" })).await;
    assert!(s(&e["message"]).contains("not valid"), "{e}");
    assert_eq!(e["extensions"]["reason"], "INVALID");
    assert_eq!(e["extensions"]["field"], "token");
}

async fn email_verification(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.limits.verifications_per_hour = 2).await;
    let vera = app.sign_up_unverified("vera@example.com", "Vera").await;
    let send = "mutation { sendVerificationEmail }";
    // A new link replaces the sign-up one.
    let first = app.link_token("verify_email", "vera@example.com").await;
    assert_eq!(
        app.ok(Some(&vera.token), send, json!({})).await["sendVerificationEmail"],
        true
    );
    let second = app.link_token("verify_email", "vera@example.com").await;
    assert_ne!(first, second);
    let e = app.err(None, VERIFY, json!({ "t": first })).await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
    assert_eq!(
        app.ok(Some(&vera.token), send, json!({})).await["sendVerificationEmail"],
        true
    );
    let e = app.err(Some(&vera.token), send, json!({})).await;
    assert_eq!(code(&e), "RATE_LIMITED");
    let third = app.link_token("verify_email", "vera@example.com").await;
    let v = app.ok(None, VERIFY, json!({ "t": third })).await;
    assert_eq!(
        v["verifyEmail"],
        json!({ "email": "vera@example.com", "emailVerified": true })
    );
    let me = app.ok(Some(&vera.token), ME, json!({})).await;
    assert_eq!(
        me["me"]["emailVerified"], true,
        "the session goes on, verified"
    );
    app.clock.advance(3601);
    // An hour on, the access token has expired: the session goes on with a refreshed one.
    let vera = app.refreshed(&vera).await;
    assert_eq!(
        app.ok(Some(&vera.token), send, json!({})).await["sendVerificationEmail"],
        false,
        "nothing to verify"
    );
    // Verified, Vera invites, and a verified invitee is ADDED at once.
    app.sign_up("friend@example.com", "Friend").await;
    let r = app
        .invite(
            &vera.token,
            &vera.workspace,
            &["friend@example.com"],
            "EDITOR",
        )
        .await;
    assert_eq!(r[0]["status"], "ADDED");
}

/// `requestPasswordReset` answers true whether or not the address has an account, emails only
/// an address that has one, stops emailing an address after 3 requests an hour (still true),
/// and refuses a client after 20 requests an hour.
async fn password_reset_answers_alike_and_is_rate_limited(backend: Backend) {
    let app = TestApp::with_config(backend, |c| {
        c.limits.resets_per_email = 3;
        c.limits.resets_per_ip = 8;
    })
    .await;
    app.sign_up("ada@example.com", "Ada").await;
    app.settle_emails().await;
    for email in [
        "ada@example.com",
        "nobody@example.com",
        "not an address",
        "",
    ] {
        let v = app.ok(None, REQUEST_RESET, json!({ "e": email })).await;
        assert_eq!(v["requestPasswordReset"], true, "{email:?}");
    }
    app.wait_for_email("password_reset", "ada@example.com")
        .await;
    for _ in 0..4 {
        let v = app
            .ok(None, REQUEST_RESET, json!({ "e": "ada@example.com" }))
            .await;
        assert_eq!(v["requestPasswordReset"], true);
    }
    // Give the queued work time to finish, then count.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let outbox = app.outbox().await;
    assert!(
        outbox.iter().all(|(_, to, _)| to == "ada@example.com"),
        "nothing to an address without an account: {outbox:?}"
    );
    assert_eq!(outbox.len(), 3, "at most 3 per address per hour");
    let e = app
        .err(None, REQUEST_RESET, json!({ "e": "ada@example.com" }))
        .await;
    assert_eq!(code(&e), "RATE_LIMITED", "the 9th request of this client");
}

async fn changing_the_password_ends_the_other_sessions(backend: Backend) {
    let app = TestApp::new(backend).await;
    let laptop = app.sign_up("ada@example.com", "Ada").await;
    let phone = app
        .ok(None, LOGIN, input("ada@example.com", PASSWORD))
        .await;
    let phone_token = s(&phone["login"]["accessToken"]);
    let e = app
        .err(
            Some(&laptop.token),
            CHANGE,
            json!({ "c": "wrong", "n": "a brand new password" }),
        )
        .await;
    assert_eq!(
        (code(&e), s(&e["extensions"]["field"])),
        ("BAD_USER_INPUT", "currentPassword".into())
    );
    let e = app
        .err(
            Some(&laptop.token),
            CHANGE,
            json!({ "c": PASSWORD, "n": "short" }),
        )
        .await;
    assert_eq!(s(&e["extensions"]["field"]), "newPassword");
    let e = app
        .err(
            None,
            CHANGE,
            json!({ "c": PASSWORD, "n": "a brand new password" }),
        )
        .await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
    let v = app
        .ok(
            Some(&laptop.token),
            CHANGE,
            json!({ "c": PASSWORD, "n": "a brand new password" }),
        )
        .await;
    assert_eq!(v["changePassword"], true);
    // The phone's session ended; the laptop's goes on.
    assert_eq!(
        code(&app.err(Some(&phone_token), ME, json!({})).await),
        "UNAUTHENTICATED"
    );
    let t = s(&phone["login"]["refreshToken"]);
    assert_eq!(
        code(&app.err(None, REFRESH, json!({ "t": t })).await),
        "UNAUTHENTICATED"
    );
    app.ok(Some(&laptop.token), ME, json!({})).await;
    app.ok(None, REFRESH, json!({ "t": laptop.refresh })).await;
    app.ok(
        None,
        LOGIN,
        input("ada@example.com", "a brand new password"),
    )
    .await;
    let e = app
        .err(None, LOGIN, input("ada@example.com", PASSWORD))
        .await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
}

async fn logout_ends_the_session_at_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ada = app.sign_up("ada@example.com", "Ada").await;
    let other = app
        .ok(None, LOGIN, input("ada@example.com", PASSWORD))
        .await;
    let v = app.ok(None, LOGOUT, json!({ "t": ada.refresh })).await;
    assert_eq!(v["logout"], true);
    assert_eq!(
        code(&app.err(Some(&ada.token), ME, json!({})).await),
        "UNAUTHENTICATED",
        "the access token of the session ends too"
    );
    assert_eq!(
        code(&app.err(None, REFRESH, json!({ "t": ada.refresh })).await),
        "UNAUTHENTICATED"
    );
    let v = app.ok(None, LOGOUT, json!({ "t": ada.refresh })).await;
    assert_eq!(v["logout"], false, "already ended");
    let v = app.ok(None, LOGOUT, json!({ "t": "junk" })).await;
    assert_eq!(v["logout"], false);
    // Another session of the same account is untouched.
    app.ok(Some(&s(&other["login"]["accessToken"])), ME, json!({}))
        .await;
}

/// At most 5 password checks per address per window, whatever arrives at once: a JSON batch
/// of 9 wrong passwords and the right one, then 50 parallel wrong logins.
async fn the_login_limit_holds_under_a_batch_and_in_parallel(backend: Backend) {
    // Room for every request in the hashing queue: this test is about the limit, not about
    // capacity (tests/api/capacity.rs is).
    let app = Arc::new(TestApp::with_config(backend, |c| c.limits.hash_queue = 64).await);
    app.sign_up("eve@example.com", "Eve").await;
    let mut batch: Vec<Value> = (0..9)
        .map(|_| json!({ "query": LOGIN, "variables": input("eve@example.com", "wrong password") }))
        .collect();
    batch.push(json!({ "query": LOGIN, "variables": input("eve@example.com", PASSWORD) }));
    let answers = app.post_json(None, Value::Array(batch)).await;
    let codes: Vec<String> = answers
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| code(&a["errors"][0]).to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    // A batch's operations run concurrently, so which get a password check is not fixed;
    // that at most five wrong passwords do is. A right password that got a check gives its
    // reservation back (only failures count), which may leave room for one more wrong one.
    let wrong = codes.iter().filter(|c| *c == "UNAUTHENTICATED").count();
    let right_was_checked = codes[9].is_empty();
    if right_was_checked {
        assert!((4..=5).contains(&wrong), "{codes:?}");
    } else {
        assert_eq!(codes[9], "RATE_LIMITED", "{codes:?}");
        assert_eq!(wrong, 5, "{codes:?}");
    }
    let after = app
        .gql(None, LOGIN, input("eve@example.com", "wrong password"))
        .await;
    assert_eq!(
        code(&after["errors"][0]),
        if wrong < 5 {
            "UNAUTHENTICATED"
        } else {
            "RATE_LIMITED"
        },
        "{codes:?}"
    );

    app.sign_up("mia@example.com", "Mia").await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                let v = app
                    .gql(None, LOGIN, input("mia@example.com", "wrong password"))
                    .await;
                code(&v["errors"][0]).to_owned()
            })
        })
        .collect();
    let mut checked = 0;
    for task in tasks {
        let c = task.await.expect("task");
        match c.as_str() {
            "UNAUTHENTICATED" => checked += 1,
            "RATE_LIMITED" => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(checked, 5, "password checks for 50 parallel logins");
    let e = app
        .err(None, LOGIN, input("mia@example.com", PASSWORD))
        .await;
    assert_eq!(code(&e), "RATE_LIMITED");
}

async fn the_authorization_scheme_is_case_insensitive(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ada = app.sign_up("ada@example.com", "Ada").await;
    let ask = |header: String| {
        let request = axum::http::Request::post("/graphql")
            .header("content-type", "application/json")
            .header("authorization", header)
            .body(axum::body::Body::from(json!({ "query": ME }).to_string()))
            .expect("request");
        app.send(request)
    };
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let (_, _, body) = ask(format!("{scheme} {}", ada.token)).await;
        let v: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v["data"]["me"]["email"], "ada@example.com", "{scheme}: {v}");
    }
    for header in [ada.token.clone(), format!("Basic {}", ada.token)] {
        let (_, _, body) = ask(header).await;
        let v: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(code(&v["errors"][0]), "UNAUTHENTICATED", "{v}");
        assert!(s(&v["errors"][0]["message"]).contains("Bearer"), "{v}");
    }
}

async fn addresses_need_a_dot_in_the_domain_unless_configured(backend: Backend) {
    let app = TestApp::new(backend).await;
    let ada = app.sign_up("ada@example.com", "Ada").await;
    let r = app
        .invite(
            &ada.token,
            &ada.workspace,
            &["a@b", "bob@localhost"],
            "NORMAL",
        )
        .await;
    for result in &r {
        assert_eq!(result["status"], "INVALID_EMAIL");
        assert!(s(&result["message"]).contains("dot"), "{result}");
    }
    let e = app
        .err(
            None,
            "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }",
            json!({ "i": { "email": "bob@localhost", "name": "Bob", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(s(&e["extensions"]["field"]), "email");

    let intranet = TestApp::with_config(backend, |c| c.allow_dotless_email_domains = true).await;
    let ada = intranet.sign_up("ada@intranet", "Ada").await;
    let r = intranet
        .invite(&ada.token, &ada.workspace, &["bob@intranet"], "NORMAL")
        .await;
    assert_eq!(r[0]["status"], "INVITED");
}

/// The pages emailed links open hold a secret token and a password form: never cached,
/// framed or leaked as a referrer.
#[tokio::test]
async fn link_pages_are_not_cached_framed_or_referred() {
    crate::helpers::cleaned(link_page_headers()).await
}

async fn link_page_headers() {
    use tower::ServiceExt;
    let app = TestApp::new(Backend::Sqlite).await;
    for page in ["/activate?token=x", "/verify?token=x", "/reset?token=x"] {
        let request = axum::http::Request::get(page)
            .body(axum::body::Body::empty())
            .expect("request");
        let response = app.router.clone().oneshot(request).await.expect("response");
        assert_eq!(response.status(), 200, "{page}");
        let h = response.headers();
        for (name, value) in [
            ("cache-control", "no-store"),
            ("x-frame-options", "DENY"),
            ("content-security-policy", "frame-ancestors 'none'"),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
        ] {
            assert_eq!(
                h.get(name).and_then(|v| v.to_str().ok()),
                Some(value),
                "{page} {name}"
            );
        }
        assert!(
            h.get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/html")),
            "{page}"
        );
    }
}

/// The stylesheet and scripts the link pages load are served with their types (never sniffed);
/// nothing else is served under /assets/pages/.
#[tokio::test]
async fn link_page_assets_are_served_with_their_types() {
    crate::helpers::cleaned(link_page_assets()).await
}

async fn link_page_assets() {
    use tower::ServiceExt;
    let app = TestApp::new(Backend::Sqlite).await;
    for (file, content_type) in [
        ("pages.css", "text/css; charset=utf-8"),
        ("pages.js", "text/javascript; charset=utf-8"),
        ("activate.js", "text/javascript; charset=utf-8"),
        ("verify.js", "text/javascript; charset=utf-8"),
        ("reset.js", "text/javascript; charset=utf-8"),
    ] {
        let path = format!("/assets/pages/{file}");
        let request = axum::http::Request::get(&path)
            .body(axum::body::Body::empty())
            .expect("request");
        let response = app.router.clone().oneshot(request).await.expect("response");
        assert_eq!(response.status(), 200, "{path}");
        let h = response.headers();
        for (name, value) in [
            ("content-type", content_type),
            ("x-content-type-options", "nosniff"),
            ("cache-control", "no-cache"),
        ] {
            assert_eq!(
                h.get(name).and_then(|v| v.to_str().ok()),
                Some(value),
                "{path} {name}"
            );
        }
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        assert!(!body.is_empty(), "{path} is empty");
    }
    for path in [
        "/assets/pages/nope.js",
        "/assets/pages/activate.html",
        "/assets/pages/..%2Factivate.html",
        "/assets/pages/",
        "/assets/pages/pages.css/x",
    ] {
        let request = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .expect("request");
        let response = app.router.clone().oneshot(request).await.expect("response");
        assert_eq!(response.status(), 404, "{path}");
    }
}
