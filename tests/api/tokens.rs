//! Tokens other services verify (SPEC 11): the key set, the token's header and claims, the
//! attacks a verifier must refuse, rotation, the upgrade from HS256, the algorithm options and
//! keys from a file.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use roster::auth::TokenIssuer;
use roster::auth::keys::{PUBLISH_AHEAD_SECS, SigningAlg, generate_pem};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both;
use crate::helpers::{Backend, TestApp, code, legacy_token, s, session_of};

const ME: &str = "{ me { email } }";
const REFRESH: &str =
    "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }";

both!(
    the_key_set_holds_public_keys_and_tokens_name_them,
    forged_and_misdirected_tokens_are_refused,
    a_token_signed_before_a_rotation_works_until_it_expires,
    an_upgrade_from_hs256_logs_nobody_out,
    every_signing_algorithm_works,
    keys_can_come_from_a_file,
    roster_keys_lists_rotates_and_retires,
    workspace_tokens_carry_the_role_and_its_permissions,
    a_retired_keys_tokens_stop_working_at_once,
    replicas_starting_together_share_one_first_key,
);

/// GET `path`: status, `Cache-Control`, JSON body.
async fn get(app: &TestApp, path: &str) -> (StatusCode, String, Value) {
    let request = Request::get(path).body(Body::empty()).expect("request");
    let (status, headers, body) = app.send_with_headers(request).await;
    let cache = headers
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        cache,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

async fn jwks(app: &TestApp) -> Vec<Value> {
    let (status, _, body) = get(app, "/.well-known/jwks.json").await;
    assert_eq!(status, StatusCode::OK);
    body["keys"].as_array().cloned().expect("keys")
}

fn kids(keys: &[Value]) -> Vec<String> {
    keys.iter().map(|k| s(&k["kid"])).collect()
}

/// A JWT's decoded header and claims.
fn parts(token: &str) -> (Value, Value) {
    let mut it = token.split('.').map(|p| {
        serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(p).expect("base64")).expect("json")
    });
    (it.next().expect("header"), it.next().expect("claims"))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn the_key_set_holds_public_keys_and_tokens_name_them(backend: Backend) {
    let app = TestApp::new(backend).await;
    let user = app.sign_up("ada@example.com", "Ada").await;
    let (status, cache, set) = get(&app, "/.well-known/jwks.json").await;
    assert_eq!(status, StatusCode::OK);
    let max_age: i64 = cache
        .split("max-age=")
        .nth(1)
        .and_then(|v| v.split(',').next())
        .and_then(|v| v.trim().parse().ok())
        .expect("max-age");
    assert!(
        cache.contains("public") && (1..=300).contains(&max_age),
        "{cache}"
    );
    let keys = set["keys"].as_array().expect("keys");
    assert_eq!(keys.len(), 1, "{set}");
    let key = &keys[0];
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str()),
        (Some("EC"), Some("P-256"))
    );
    assert_eq!(
        (key["alg"].as_str(), key["use"].as_str()),
        (Some("ES256"), Some("sig"))
    );
    for private in ["d", "k", "p", "q"] {
        assert!(key.get(private).is_none(), "{key}");
    }
    let (header, claims) = parts(&user.token);
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["kid"], key["kid"]);
    assert_eq!(claims["iss"], "http://127.0.0.1:8000");
    assert_eq!(claims["aud"], "roster");
    assert_eq!(claims["sub"], user.id.as_str());
    assert_eq!(claims["sid"], session_of(&user.token).to_string().as_str());
    assert!(claims["jti"].is_string());
    let (iat, exp) = (claims["iat"].as_i64(), claims["exp"].as_i64());
    assert_eq!(exp.zip(iat).map(|(e, i)| e - i), Some(900));

    let (status, cache, meta) = get(&app, "/.well-known/oauth-authorization-server").await;
    assert_eq!(status, StatusCode::OK);
    assert!(cache.contains("max-age="), "{cache}");
    assert_eq!(meta["issuer"], "http://127.0.0.1:8000");
    assert_eq!(
        meta["jwks_uri"],
        "http://127.0.0.1:8000/.well-known/jwks.json"
    );

    // Issuer and audience are settings.
    let custom = TestApp::with_config(backend, |c| {
        c.tokens.token_issuer = Some("https://auth.example.com".into());
        c.tokens.token_audience = "my-product".into();
    })
    .await;
    let user = custom.sign_up("bo@example.com", "Bo").await;
    let (_, claims) = parts(&user.token);
    assert_eq!(claims["iss"], "https://auth.example.com");
    assert_eq!(claims["aud"], "my-product");
    custom.ok(Some(&user.token), ME, json!({})).await;
    let (_, _, meta) = get(&custom, "/.well-known/oauth-authorization-server").await;
    assert_eq!(meta["issuer"], "https://auth.example.com");
}

/// The server's signing key as an attacker sees it: its kid and its public key (PEM).
fn public_key_pem(jwk: &Value) -> String {
    use p256::elliptic_curve::sec1::FromEncodedPoint;
    use p256::pkcs8::{EncodePublicKey, LineEnding};
    let coord = |c: &str| URL_SAFE_NO_PAD.decode(s(&jwk[c])).expect("coordinate");
    let (x, y) = (coord("x"), coord("y"));
    let point = p256::EncodedPoint::from_affine_coordinates(
        x.as_slice().into(),
        y.as_slice().into(),
        false,
    );
    let key = Option::<p256::PublicKey>::from(p256::PublicKey::from_encoded_point(&point))
        .expect("a P-256 point");
    key.to_public_key_pem(LineEnding::LF).expect("pem")
}

async fn forged_and_misdirected_tokens_are_refused(backend: Backend) {
    let app = TestApp::new(backend).await;
    let user = app.sign_up("eve@example.com", "Eve").await;
    let id: Uuid = user.id.parse().expect("uuid");
    let sid = session_of(&user.token);
    let keys = jwks(&app).await;
    let kid = s(&keys[0]["kid"]);
    let claims = json!({ "iss": "http://127.0.0.1:8000", "aud": "roster", "sub": id, "sid": sid,
        "iat": now(), "exp": now() + 900, "jti": Uuid::new_v4() });
    let header = |alg: Algorithm, kid: Option<&str>| {
        let mut h = Header::new(alg);
        h.kid = kid.map(str::to_owned);
        h.typ = Some("at+jwt".into());
        h
    };
    let mut attacks: Vec<(&str, String)> = Vec::new();

    // alg: none, with and without the real kid.
    for h in [
        json!({ "alg": "none", "typ": "at+jwt", "kid": kid }),
        json!({ "alg": "none" }),
    ] {
        let token = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(h.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        attacks.push(("alg none", token));
    }
    // Algorithm confusion: HS256 keyed with the public key, as PEM, as the JWK's JSON.
    let pem = public_key_pem(&keys[0]);
    for secret in [pem.as_bytes().to_vec(), keys[0].to_string().into_bytes()] {
        for kid in [Some(kid.as_str()), None] {
            let token = jsonwebtoken::encode(
                &header(Algorithm::HS256, kid),
                &claims,
                &EncodingKey::from_secret(&secret),
            )
            .expect("jwt");
            attacks.push(("HS256 with the public key", token));
        }
    }
    // A foreign key naming the real kid, and one naming its own (unknown) kid.
    let foreign_pem = generate_pem(SigningAlg::Es256).expect("key");
    let foreign = EncodingKey::from_ec_pem(foreign_pem.as_bytes()).expect("key");
    for (what, kid) in [
        ("foreign key, real kid", kid.as_str()),
        ("unknown kid", "k1"),
    ] {
        let token = jsonwebtoken::encode(&header(Algorithm::ES256, Some(kid)), &claims, &foreign)
            .expect("jwt");
        attacks.push((what, token));
    }
    // The foreign key carried in the header itself (`jwk`, RFC 7515 4.1.3), under the real kid.
    let foreign_jwk = roster::auth::keys::SigningKey::from_pem(&foreign_pem)
        .expect("key")
        .public_jwk()
        .clone();
    let mut embedded = header(Algorithm::ES256, Some(&kid));
    embedded.jwk = Some(foreign_jwk);
    let token = jsonwebtoken::encode(&embedded, &claims, &foreign).expect("jwt");
    attacks.push(("key in the header", token));
    // Signed by the server's own key, but for another audience or issuer, or expired.
    let ring = app.roster.keys.ring();
    let real = &app.roster.keys.issuer;
    let other_aud = TokenIssuer {
        audience: "another-service".into(),
        ..real.clone()
    };
    let other_iss = TokenIssuer {
        issuer: "https://evil.example".into(),
        ..real.clone()
    };
    let t = app.roster.now();
    attacks.push((
        "wrong aud",
        other_aud.issue_access(&ring, id, sid, t, 900).expect("jwt"),
    ));
    attacks.push((
        "wrong iss",
        other_iss.issue_access(&ring, id, sid, t, 900).expect("jwt"),
    ));
    let expired = real.issue_access(&ring, id, sid, t, -3600).expect("jwt");
    attacks.push(("expired", expired));
    // A workspace token is not an access token.
    let workspace: Uuid = user.workspace.parse().expect("uuid");
    let org = real
        .issue_workspace(
            &ring,
            roster::auth::jwt::WorkspaceGrant {
                account: id,
                workspace,
                role: "OWNER".into(),
                permissions: vec![],
            },
            t,
            300,
        )
        .expect("jwt");
    attacks.push(("workspace token", org));
    // The real token with its signature cut off or swapped for another's.
    let mut cut = user.token.rsplit_once('.').expect("jwt").0.to_owned();
    cut.push('.');
    attacks.push(("no signature", cut));

    for (what, token) in &attacks {
        let e = app.err(Some(token), ME, json!({})).await;
        assert_eq!(code(&e), "UNAUTHENTICATED", "{what}: {e}");
        let e = app
            .err(
                Some(token),
                "query($id: ID!) { workspace(id: $id) { name } }",
                json!({ "id": user.workspace }),
            )
            .await;
        assert_eq!(code(&e), "UNAUTHENTICATED", "{what}: {e}");
    }
    assert!(attacks.len() >= 12);
    app.ok(Some(&user.token), ME, json!({})).await;
}

async fn a_token_signed_before_a_rotation_works_until_it_expires(backend: Backend) {
    let app = TestApp::new(backend).await;
    let user = app.sign_up("rot@example.com", "Rot").await;
    let old_kid = s(&parts(&user.token).0["kid"]);
    let new_kid = app.roster.rotate_keys().await.expect("rotate");
    assert_ne!(old_kid, new_kid);
    // Published first...
    assert_eq!(kids(&jwks(&app).await), [old_kid.clone(), new_kid.clone()]);
    // ...while the old key keeps signing for the key set's cache lifetime.
    let refreshed = app.ok(None, REFRESH, json!({ "t": user.refresh })).await;
    let second = s(&refreshed["refreshToken"]["accessToken"]);
    assert_eq!(parts(&second).0["kid"], old_kid.as_str());
    app.clock.advance(PUBLISH_AHEAD_SECS);
    let refreshed = app
        .ok(
            None,
            REFRESH,
            json!({ "t": refreshed["refreshToken"]["refreshToken"] }),
        )
        .await;
    let third = s(&refreshed["refreshToken"]["accessToken"]);
    assert_eq!(parts(&third).0["kid"], new_kid.as_str());
    // The token from before the rotation still works, and both keys are published...
    app.ok(Some(&user.token), ME, json!({})).await;
    app.ok(Some(&second), ME, json!({})).await;
    assert_eq!(kids(&jwks(&app).await), [old_kid.clone(), new_kid.clone()]);
    // ...until the last token the old key signed expired: then it retires by itself.
    app.clock.advance(900 + 5);
    let e = app.err(Some(&second), ME, json!({})).await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
    assert_eq!(kids(&jwks(&app).await), std::slice::from_ref(&new_kid));
    // A replica that loads the keys agrees.
    let replica = TestApp::on_db(app.roster.db.clone(), crate::helpers::test_config()).await;
    replica.ok(Some(&third), ME, json!({})).await;
    replica.clock.advance(PUBLISH_AHEAD_SECS + 905);
    assert_eq!(kids(&jwks(&replica).await), [new_kid]);
}

async fn an_upgrade_from_hs256_logs_nobody_out(backend: Backend) {
    // A database as the HS256 version left it: a session (refresh token) and the generated
    // secret in `settings`, no signing keys yet.
    let app = TestApp::with_config(backend, |c| c.jwt_secret = None).await;
    let user = app.sign_up("old@example.com", "Old").await;
    let id: Uuid = user.id.parse().expect("uuid");
    let sid = session_of(&user.token);
    app.sql("DELETE FROM signing_keys", &[]).await;
    app.sql(
        "DELETE FROM settings WHERE key = $1",
        &["asymmetric_tokens_since"],
    )
    .await;
    app.sql(
        "INSERT INTO settings (key, value) VALUES ($1, $2)",
        &["jwt_secret", crate::helpers::JWT_SECRET],
    )
    .await;
    // The last HS256 token the old version issued, a minute before the upgrade.
    let old_token = legacy_token(id, sid, now() - 60, 900);
    let mut config = crate::helpers::test_config();
    config.jwt_secret = None;
    let upgraded = TestApp::on_db(app.roster.db.clone(), config).await;
    // The old access token still works; the refresh token yields an ES256 token.
    upgraded.ok(Some(&old_token), ME, json!({})).await;
    let refreshed = upgraded
        .ok(None, REFRESH, json!({ "t": user.refresh }))
        .await;
    let new_token = s(&refreshed["refreshToken"]["accessToken"]);
    let (header, _) = parts(&new_token);
    assert_eq!(
        (header["alg"].as_str(), header["typ"].as_str()),
        (Some("ES256"), Some("at+jwt"))
    );
    upgraded.ok(Some(&new_token), ME, json!({})).await;
    // An HS256 token minted after the upgrade (by whoever holds the old secret): refused.
    let minted = legacy_token(id, sid, now() + 2, 600);
    let e = upgraded.err(Some(&minted), ME, json!({})).await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
    // The old token lives out its time and no more.
    upgraded.clock.advance(900);
    let e = upgraded.err(Some(&old_token), ME, json!({})).await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
    assert!(s(&e["message"]).contains("refreshToken"), "{e}");
    // The key set never holds the HS256 secret.
    for key in jwks(&upgraded).await {
        assert_ne!(key["kty"], "oct", "{key}");
        assert!(key.get("k").is_none(), "{key}");
    }
}

async fn every_signing_algorithm_works(backend: Backend) {
    for (alg, kty) in [(SigningAlg::Rs256, "RSA"), (SigningAlg::EdDsa, "OKP")] {
        let app = TestApp::with_config(backend, |c| c.tokens.signing_alg = alg).await;
        let user = app.sign_up("alg@example.com", "Alg").await;
        let (header, _) = parts(&user.token);
        assert_eq!(header["alg"], alg.name());
        let keys = jwks(&app).await;
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0]["kty"], kty);
        assert_eq!(keys[0]["alg"], alg.name());
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(keys[0].get(private).is_none(), "{}", keys[0]);
        }
        app.ok(Some(&user.token), ME, json!({})).await;
        // Another algorithm's key under the same kid is refused.
        let foreign =
            EncodingKey::from_ec_pem(generate_pem(SigningAlg::Es256).expect("key").as_bytes())
                .expect("key");
        let mut h = Header::new(Algorithm::ES256);
        h.kid = Some(s(&keys[0]["kid"]));
        h.typ = Some("at+jwt".into());
        let (_, claims) = parts(&user.token);
        let token = jsonwebtoken::encode(&h, &claims, &foreign).expect("jwt");
        let e = app.err(Some(&token), ME, json!({})).await;
        assert_eq!(code(&e), "UNAUTHENTICATED");
    }
}

async fn keys_can_come_from_a_file(backend: Backend) {
    let dir = std::env::temp_dir().join("roster-tests");
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(format!("{}.pem", Uuid::new_v4()));
    let (first, second) = (
        generate_pem(SigningAlg::EdDsa).expect("key"),
        generate_pem(SigningAlg::Es256).expect("key"),
    );
    std::fs::write(&path, format!("{first}{second}")).expect("write");
    let file = path.clone();
    let app = TestApp::with_config(backend, move |c| c.tokens.signing_key_file = Some(file)).await;
    let _ = std::fs::remove_file(&path);
    let user = app.sign_up("file@example.com", "File").await;
    let keys = jwks(&app).await;
    assert_eq!(keys.len(), 2);
    // The first block signs; the database holds no key.
    let (header, _) = parts(&user.token);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(
        header["kid"],
        keys.iter().find(|k| k["kty"] == "OKP").expect("okp")["kid"]
    );
    app.ok(Some(&user.token), ME, json!({})).await;
    assert!(app.roster.rotate_keys().await.is_err());
    let stored: i64 = match app.roster.db.pool() {
        roster::db::Pool::Sqlite(p) => sqlx::query_scalar("SELECT count(*) FROM signing_keys")
            .fetch_one(p)
            .await
            .expect("count"),
        roster::db::Pool::Postgres(p) => sqlx::query_scalar("SELECT count(*) FROM signing_keys")
            .fetch_one(p)
            .await
            .expect("count"),
    };
    assert_eq!(stored, 0);
    // A file that holds no usable key stops the start with a clear message.
    std::fs::write(
        &path,
        "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
    )
    .expect("write");
    let mut config = crate::helpers::test_config();
    config.tokens.signing_key_file = Some(path.clone());
    let db = crate::helpers::fresh_db(backend).await;
    let e = roster::service::Roster::new(db, config, roster::clock::OffsetClock::new())
        .await
        .err()
        .expect("refused");
    let _ = std::fs::remove_file(&path);
    assert!(format!("{e:#}").contains("PKCS#8"), "{e:#}");
}

/// `roster keys ...` on `database_url`: (exit success, stdout + stderr).
fn roster_keys(database_url: &str, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_roster"))
        .arg("keys")
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("ROSTER_SIGNING_KEY_FILE")
        .output()
        .expect("run roster");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn roster_keys_lists_rotates_and_retires(backend: Backend) {
    let (db, url) = crate::helpers::fresh_db_with_url(backend).await;
    let (ok, listed) = roster_keys(&url, &["list"]);
    assert!(ok && listed.contains("no keys yet"), "{listed}");
    // On a database no server has started on, the first key signs at once.
    let (ok, first) = roster_keys(&url, &["rotate"]);
    assert!(ok, "{first}");
    let app = TestApp::on_db(db, crate::helpers::test_config()).await;
    let user = app.sign_up("cli@example.com", "Cli").await;
    let old_kid = s(&parts(&user.token).0["kid"]);
    assert!(first.contains(&old_kid), "{first}");
    let (ok, listed) = roster_keys(&url, &["list"]);
    assert!(ok, "{listed}");
    assert!(
        listed.contains(&old_kid) && listed.contains("signing"),
        "{listed}"
    );

    let (ok, rotated) = roster_keys(&url, &["rotate"]);
    assert!(ok, "{rotated}");
    assert!(rotated.contains("signs from"), "{rotated}");
    let (_, listed) = roster_keys(&url, &["list"]);
    let new_kid = listed
        .lines()
        .find(|l| l.contains("published, signs from"))
        .and_then(|l| l.split_whitespace().next())
        .expect("the new key")
        .to_owned();
    // The running server publishes the new key once it re-reads the keys (every minute).
    app.roster
        .keys
        .reload(&app.roster.db)
        .await
        .expect("reload");
    assert_eq!(kids(&jwks(&app).await), [old_kid.clone(), new_kid.clone()]);

    // The signing key cannot be retired; unknown ids are said so.
    let (ok, refused) = roster_keys(&url, &["retire", &old_kid]);
    assert!(!ok && refused.contains("rotate"), "{refused}");
    let (ok, refused) = roster_keys(&url, &["retire", "no-such-key"]);
    assert!(!ok && refused.contains("no key"), "{refused}");
    // Retiring the new one (say it leaked) stops publishing it.
    let (ok, retired) = roster_keys(&url, &["retire", &new_kid]);
    assert!(ok, "{retired}");
    app.roster
        .keys
        .reload(&app.roster.db)
        .await
        .expect("reload");
    assert_eq!(kids(&jwks(&app).await), [old_kid]);
    app.ok(Some(&user.token), ME, json!({})).await;
}

const WORKSPACE_TOKEN: &str =
    "mutation($w: ID!) { workspaceToken(workspaceId: $w) { token expiresIn } }";

async fn workspace_tokens_carry_the_role_and_its_permissions(backend: Backend) {
    let app = TestApp::new(backend).await;
    let owner = app.sign_up("own@example.com", "Own").await;
    let editor = app
        .member(&owner, &owner.workspace, "ed@example.com", "EDITOR")
        .await;
    let outsider = app.sign_up("out@example.com", "Out").await;
    let vars = json!({ "w": owner.workspace });

    let data = app
        .ok(Some(&owner.token), WORKSPACE_TOKEN, vars.clone())
        .await;
    assert_eq!(data["workspaceToken"]["expiresIn"], 300);
    let token = s(&data["workspaceToken"]["token"]);
    let (header, claims) = parts(&token);
    assert_eq!(header["typ"], "org+jwt");
    assert!(kids(&jwks(&app).await).contains(&s(&header["kid"])));
    assert_eq!(claims["sub"], owner.id.as_str());
    assert_eq!(claims["org_id"], owner.workspace.as_str());
    assert_eq!(claims["org_role"], "OWNER");
    assert_eq!(
        (claims["iss"].as_str(), claims["aud"].as_str()),
        (Some("http://127.0.0.1:8000"), Some("roster"))
    );
    assert!(claims["jti"].is_string() && claims.get("sid").is_none());
    assert_eq!(
        claims["exp"]
            .as_i64()
            .zip(claims["iat"].as_i64())
            .map(|(e, i)| e - i),
        Some(300)
    );
    let permissions: Vec<String> = claims["org_permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(s)
        .collect();
    for p in [
        "members:invite",
        "members:remove",
        "ownership:transfer",
        "audit:view",
    ] {
        assert!(permissions.contains(&p.to_owned()), "{permissions:?}");
    }
    assert!(!permissions.contains(&"workspace:leave".to_owned()));

    let data = app
        .ok(Some(&editor.token), WORKSPACE_TOKEN, vars.clone())
        .await;
    let (_, claims) = parts(&s(&data["workspaceToken"]["token"]));
    assert_eq!(claims["org_role"], "EDITOR");
    assert_eq!(
        claims["org_permissions"],
        json!(["workspace:leave", "workspace:view"])
    );

    // Not a member, not an id, not signed in.
    let e = app
        .err(Some(&outsider.token), WORKSPACE_TOKEN, vars.clone())
        .await;
    assert_eq!(code(&e), "NOT_FOUND");
    let e = app
        .err(Some(&owner.token), WORKSPACE_TOKEN, json!({ "w": "nope" }))
        .await;
    assert_eq!(code(&e), "BAD_USER_INPUT");
    let e = app.err(None, WORKSPACE_TOKEN, vars.clone()).await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
    // It is no access token, not even for itself.
    for query in [ME, WORKSPACE_TOKEN] {
        let e = app.err(Some(&token), query, vars.clone()).await;
        assert_eq!(code(&e), "UNAUTHENTICATED", "{query}");
    }
    // A member removed since gets no token.
    app.ok(
        Some(&owner.token),
        "mutation($w: ID!, $a: ID!) { removeMember(workspaceId: $w, accountId: $a) { removedAccountId } }",
        json!({ "w": owner.workspace, "a": editor.id }),
    )
    .await;
    let e = app.err(Some(&editor.token), WORKSPACE_TOKEN, vars).await;
    assert_eq!(code(&e), "NOT_FOUND");
}

async fn a_retired_keys_tokens_stop_working_at_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    let user = app.sign_up("leak@example.com", "Leak").await;
    let old_kid = s(&parts(&user.token).0["kid"]);
    // Used (and so verified once) before the key is retired.
    app.ok(Some(&user.token), ME, json!({})).await;
    app.roster.rotate_keys().await.expect("rotate");
    app.clock.advance(PUBLISH_AHEAD_SECS);
    let config = &app.roster.config;
    roster::service::keys::retire(&app.roster.db, config, &old_kid, app.roster.now())
        .await
        .expect("retire");
    app.roster
        .keys
        .reload(&app.roster.db)
        .await
        .expect("reload");
    let e = app.err(Some(&user.token), ME, json!({})).await;
    assert_eq!(code(&e), "UNAUTHENTICATED");
    assert!(!kids(&jwks(&app).await).contains(&old_kid));
    // The session goes on with a token of the new key.
    let refreshed = app.ok(None, REFRESH, json!({ "t": user.refresh })).await;
    let token = s(&refreshed["refreshToken"]["accessToken"]);
    app.ok(Some(&token), ME, json!({})).await;
}

async fn replicas_starting_together_share_one_first_key(backend: Backend) {
    let db = crate::helpers::fresh_db(backend).await;
    let start = || TestApp::on_db(db.clone(), crate::helpers::test_config());
    let (a, b, c, d) = tokio::join!(start(), start(), start(), start());
    let signers: Vec<String> = [&a, &b, &c, &d]
        .iter()
        .map(|app| {
            app.roster
                .keys
                .ring()
                .signer(app.roster.now())
                .map(|k| k.kid.clone())
                .expect("a signing key")
        })
        .collect();
    assert!(signers.iter().all(|k| *k == signers[0]), "{signers:?}");
    assert_eq!(db.signing_keys().await.expect("keys").len(), 1);
    // A token from one replica works on the others.
    let user = a.sign_up("rep@example.com", "Rep").await;
    d.ok(Some(&user.token), ME, json!({})).await;
}
