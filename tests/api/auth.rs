//! Sign-up, login, refresh rotation, token validation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::both;
use crate::helpers::{Backend, JWT_SECRET, PASSWORD, TestApp, code, legacy_token, s};

const LOGIN: &str = "mutation($i: LoginInput!) { login(input: $i) { accessToken refreshToken expiresIn account { email } } }";
const REFRESH: &str =
    "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }";
const ME: &str = "{ me { id email name status language lastActiveAt } }";

both!(
    sign_up_creates_an_account_that_owns_a_workspace,
    sign_up_validates_its_input,
    sign_up_can_be_disabled,
    login_succeeds_and_failures_look_alike,
    login_is_rate_limited_per_email,
    login_is_rate_limited_per_client_ip,
    refresh_tokens_rotate_and_reuse_revokes_the_family,
    bad_tokens_are_unauthenticated,
    a_banned_accounts_live_token_stops_working,
    last_active_at_is_refreshed_at_most_once_a_minute,
    the_generated_signing_key_survives_a_restart,
);

async fn sign_up_creates_an_account_that_owns_a_workspace(backend: Backend) {
    let app = TestApp::new(backend).await;
    let data = app
        .ok(
            None,
            "mutation { signUp(input: {email: \"  Ada@Example.COM \", name: \" Ada \", password: \"correct horse battery\"}) {
                expiresIn account { email name status language
                  workspaces { name viewerRole memberCount owner { email } } } } }",
            json!({}),
        )
        .await;
    let p = &data["signUp"];
    assert_eq!(p["expiresIn"], 900);
    assert_eq!(p["account"]["email"], "ada@example.com");
    assert_eq!(p["account"]["name"], "Ada");
    assert_eq!(p["account"]["status"], "ACTIVE");
    assert_eq!(p["account"]["language"], "en-US");
    let ws = &p["account"]["workspaces"];
    assert_eq!(ws.as_array().map(Vec::len), Some(1));
    assert_eq!(ws[0]["name"], "Ada's Workspace");
    assert_eq!(ws[0]["viewerRole"], "OWNER");
    assert_eq!(ws[0]["memberCount"], 1);
    assert_eq!(ws[0]["owner"]["email"], "ada@example.com");
}

async fn sign_up_validates_its_input(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.sign_up("taken@example.com", "Taken").await;
    let q = "mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }";
    let long = "x".repeat(10 * 1024);
    let cases = [
        (
            "not-an-email",
            "Bob",
            PASSWORD,
            "BAD_USER_INPUT",
            Some("email"),
        ),
        (
            "bob@example.com",
            "   ",
            PASSWORD,
            "BAD_USER_INPUT",
            Some("name"),
        ),
        (
            "bob@example.com",
            long.as_str(),
            PASSWORD,
            "BAD_USER_INPUT",
            Some("name"),
        ),
        (
            "bob@example.com",
            "Bob",
            "short",
            "BAD_USER_INPUT",
            Some("password"),
        ),
        ("TAKEN@example.com", "Bob", PASSWORD, "CONFLICT", None),
    ];
    for (email, name, password, want, field) in cases {
        let e = app
            .err(
                None,
                q,
                json!({ "i": { "email": email, "name": name, "password": password } }),
            )
            .await;
        assert_eq!(code(&e), want, "{email} {name:.10}: {e}");
        if let Some(field) = field {
            assert_eq!(e["extensions"]["field"], field, "{e}");
        }
    }
}

async fn sign_up_can_be_disabled(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.allow_signup = false).await;
    let e = app
        .err(
            None,
            "mutation { signUp(input: {email: \"a@b.co\", name: \"A\", password: \"password123\"}) { accessToken } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&e), "FORBIDDEN");
    let info = app
        .ok(None, "{ serverInfo { signupEnabled } }", json!({}))
        .await;
    assert_eq!(info["serverInfo"]["signupEnabled"], false);
}

async fn login_succeeds_and_failures_look_alike(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.sign_up("ann@example.com", "Ann").await;
    let data = app
        .ok(
            None,
            LOGIN,
            json!({ "i": { "email": " ANN@example.com", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(data["login"]["account"]["email"], "ann@example.com");
    let token = s(&data["login"]["accessToken"]);
    let me = app.ok(Some(&token), ME, json!({})).await;
    assert_eq!(me["me"]["email"], "ann@example.com");

    let wrong_password = app
        .err(
            None,
            LOGIN,
            json!({ "i": { "email": "ann@example.com", "password": "wrong password" } }),
        )
        .await;
    let unknown_email = app
        .err(
            None,
            LOGIN,
            json!({ "i": { "email": "nobody@example.com", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(code(&wrong_password), "UNAUTHENTICATED");
    assert_eq!(wrong_password["message"], unknown_email["message"]);
    assert_eq!(wrong_password["extensions"], unknown_email["extensions"]);
}

async fn login_is_rate_limited_per_email(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.sign_up("eve@example.com", "Eve").await;
    let bad = json!({ "i": { "email": "eve@example.com", "password": "not the password" } });
    for _ in 0..5 {
        let e = app.err(None, LOGIN, bad.clone()).await;
        assert_eq!(code(&e), "UNAUTHENTICATED");
    }
    // Even the right password is refused while the email is locked.
    let good = json!({ "i": { "email": "eve@example.com", "password": PASSWORD } });
    let e = app.err(None, LOGIN, good.clone()).await;
    assert_eq!(code(&e), "RATE_LIMITED", "{e}");
    let retry = e["extensions"]["retryAfter"].as_u64().unwrap_or(0);
    assert!((1..=900).contains(&retry), "retryAfter {retry}");
    // Another email from the same client is not affected.
    let other = app
        .err(
            None,
            LOGIN,
            json!({ "i": { "email": "other@example.com", "password": "x" } }),
        )
        .await;
    assert_eq!(code(&other), "UNAUTHENTICATED");
    app.clock.advance(15 * 60 + 1);
    app.ok(None, LOGIN, good).await;
}

async fn login_is_rate_limited_per_client_ip(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.limits.login_failures_per_ip = 3).await;
    app.sign_up("ok@example.com", "Ok").await;
    // One client guessing across many accounts: the IP limit stops it, not the email limit.
    for i in 0..3 {
        let e = app
            .err(
                None,
                LOGIN,
                json!({ "i": { "email": format!("guess{i}@example.com"), "password": "x" } }),
            )
            .await;
        assert_eq!(code(&e), "UNAUTHENTICATED");
    }
    let e = app
        .err(
            None,
            LOGIN,
            json!({ "i": { "email": "ok@example.com", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(code(&e), "RATE_LIMITED");
}

async fn refresh_tokens_rotate_and_reuse_revokes_the_family(backend: Backend) {
    let app = TestApp::new(backend).await;
    let user = app.sign_up("rot@example.com", "Rot").await;
    let first = app.ok(None, REFRESH, json!({ "t": user.refresh })).await;
    let access = s(&first["refreshToken"]["accessToken"]);
    let second_refresh = s(&first["refreshToken"]["refreshToken"]);
    assert_ne!(second_refresh, user.refresh);
    app.ok(Some(&access), ME, json!({})).await;

    // The first token was used: presenting it again is a replay.
    let replay = app.err(None, REFRESH, json!({ "t": user.refresh })).await;
    assert_eq!(code(&replay), "UNAUTHENTICATED");
    // ...which revoked the whole family, including the token issued by the rotation.
    let revoked = app.err(None, REFRESH, json!({ "t": second_refresh })).await;
    assert_eq!(code(&revoked), "UNAUTHENTICATED");

    let junk = app.err(None, REFRESH, json!({ "t": "not-a-token" })).await;
    assert_eq!(code(&junk), "UNAUTHENTICATED");

    // Refresh tokens expire (30 days by default).
    let other = app.sign_up("exp@example.com", "Exp").await;
    app.clock.advance(31 * 24 * 3600);
    let expired = app.err(None, REFRESH, json!({ "t": other.refresh })).await;
    assert_eq!(code(&expired), "UNAUTHENTICATED");
}

async fn bad_tokens_are_unauthenticated(backend: Backend) {
    let app = TestApp::new(backend).await;
    let user = app.sign_up("tok@example.com", "Tok").await;
    let id: uuid::Uuid = user.id.parse().expect("uuid");
    let sid = crate::helpers::session_of(&user.token);
    let now = chrono::Utc::now().timestamp();
    // An expired token (an HS256 one from before the upgrade) is told to refresh.
    let expired = legacy_token(id, sid, now - 3600, 900);
    let e = app.err(Some(&expired), ME, json!({})).await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
    assert!(s(&e["message"]).contains("refreshToken"), "{e}");
    let forged = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({ "sub": id, "sid": sid, "iat": now - 60, "exp": now + 900 }),
        &jsonwebtoken::EncodingKey::from_secret(b"some-other-secret-some-other-secret"),
    )
    .expect("jwt");
    // Signed with the right key but naming a session that does not exist.
    let keys = &app.roster.keys;
    let no_session = keys
        .issuer
        .issue_access(
            &keys.ring(),
            id,
            uuid::Uuid::new_v4(),
            app.roster.now(),
            900,
        )
        .expect("jwt");
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD
        .encode(json!({ "sub": id, "sid": sid, "iat": now, "exp": now + 900 }).to_string());
    let alg_none = format!("{header}.{claims}.");
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &json!({ "sub": id, "sid": sid, "iat": now, "exp": now + 900 }),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("jwt");
    for token in [
        expired,
        forged,
        no_session,
        alg_none,
        hs512,
        "garbage".to_owned(),
    ] {
        let e = app.err(Some(&token), ME, json!({})).await;
        assert_eq!(code(&e), "UNAUTHENTICATED", "{token}");
    }
    let e = app.err(None, ME, json!({})).await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
    // The real token still works.
    app.ok(Some(&user.token), ME, json!({})).await;
}

async fn a_banned_accounts_live_token_stops_working(backend: Backend) {
    let app = TestApp::new(backend).await;
    let user = app.sign_up("ban@example.com", "Ban").await;
    app.ok(Some(&user.token), ME, json!({})).await;
    app.sql(
        "UPDATE accounts SET status = 'BANNED' WHERE email = $1",
        &["ban@example.com"],
    )
    .await;
    let e = app.err(Some(&user.token), ME, json!({})).await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
    let e = app.err(None, REFRESH, json!({ "t": user.refresh })).await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
    let e = app
        .err(
            None,
            LOGIN,
            json!({ "i": { "email": "ban@example.com", "password": PASSWORD } }),
        )
        .await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
}

async fn last_active_at_is_refreshed_at_most_once_a_minute(backend: Backend) {
    let app = TestApp::new(backend).await;
    let user = app.sign_up("act@example.com", "Act").await;
    let first = app.ok(Some(&user.token), ME, json!({})).await["me"]["lastActiveAt"].clone();
    assert!(first.is_string(), "{first}");
    app.clock.advance(30);
    let again = app.ok(Some(&user.token), ME, json!({})).await["me"]["lastActiveAt"].clone();
    assert_eq!(first, again);
    app.clock.advance(31);
    let later = app.ok(Some(&user.token), ME, json!({})).await["me"]["lastActiveAt"].clone();
    assert_ne!(first, later);
}

async fn the_generated_signing_key_survives_a_restart(backend: Backend) {
    let app = TestApp::with_config(backend, |c| c.jwt_secret = None).await;
    let user = app.sign_up("rs@example.com", "Rs").await;
    let mut config = crate::helpers::test_config();
    config.jwt_secret = None;
    let restarted = TestApp::on_db(app.roster.db.clone(), config).await;
    let me = restarted.ok(Some(&user.token), ME, json!({})).await;
    assert_eq!(me["me"]["email"], "rs@example.com");
    assert_eq!(
        app.roster
            .keys
            .ring()
            .signer(app.roster.now())
            .map(|k| &k.kid),
        restarted
            .roster
            .keys
            .ring()
            .signer(app.roster.now())
            .map(|k| &k.kid)
    );
    // No HS256 secret exists on a new install: a token signed with one is refused.
    let forged = legacy_token(
        user.id.parse().expect("uuid"),
        crate::helpers::session_of(&user.token),
        chrono::Utc::now().timestamp() - 60,
        900,
    );
    let e = restarted.err(Some(&forged), ME, json!({})).await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
}
