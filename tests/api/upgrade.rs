//! Upgrades: a database written by the previous release (`tests/fixtures/upgrade/<commit>/`,
//! made by `scripts/make-upgrade-fixture.py` with that release's binary) is migrated at start
//! with every row intact and every session still valid.

use serde_json::{Value, json};
use std::process::Command;

use crate::both;
use crate::helpers::{Backend, TestApp, postgres_url, sqlite_path, test_config};

both!(a_database_of_the_previous_release_upgrades_intact);

const RELEASE: &str = "9d94f3c";

fn fixture_file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/upgrade")
        .join(RELEASE)
        .join(name)
}

/// A PostgreSQL database restored from the fixture's dump, dropped when this is dropped.
struct Restored {
    name: String,
}

impl Restored {
    fn new() -> Restored {
        let name = format!("roster_upgrade_{}", uuid::Uuid::new_v4().simple());
        let server = server_url("postgres");
        psql(&server, &["-c", &format!("CREATE DATABASE {name}")]);
        let dump = fixture_file("postgres.sql");
        psql(&server_url(&name), &["-f", &dump.display().to_string()]);
        Restored { name }
    }
}

impl Drop for Restored {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let _ = Command::new("psql")
            .args(["-q", "-d", &server_url("postgres"), "-c", &drop])
            .status();
    }
}

/// The test server's URL with another database.
fn server_url(database: &str) -> String {
    let url = postgres_url();
    let base = url.split('?').next().unwrap_or(&url);
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    format!("{server}/{database}")
}

fn psql(url: &str, args: &[&str]) {
    let out = Command::new("psql")
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-d", url])
        .args(args)
        .output()
        .expect("psql");
    assert!(
        out.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const PAGE: &str = "query($w: ID!) { workspace(id: $w) { name memberCount
    members { nodes { id role status account { email } } } auditLog(first: 100) { totalCount } } }";

async fn a_database_of_the_previous_release_upgrades_intact(backend: Backend) {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_file("fixture.json")).expect("fixture"),
    )
    .expect("fixture JSON");
    let (f, mut restored) = match backend {
        Backend::Sqlite => (&fixture["sqlite"], None),
        Backend::Postgres => (&fixture["postgres"], Some(Restored::new())),
    };
    let url = match &restored {
        None => {
            let path = sqlite_path();
            std::fs::copy(fixture_file("roster.sqlite"), &path).expect("copy the fixture");
            format!("sqlite://{}", path.display())
        }
        Some(db) => server_url(&db.name),
    };
    let db = roster::db::Db::connect(&url)
        .await
        .expect("upgrade the database");
    // The secret the release generated and kept in the database signs its tokens.
    let mut config = test_config();
    config.jwt_secret = None;
    // The upgrade runs a minute after the fixture was made: its access tokens are still live.
    let made = f["created_at"].as_i64().expect("created_at");
    let app = TestApp::on_db_at(db, config, made + 60 - chrono::Utc::now().timestamp()).await;

    let ada = f["ada"]["access_token"].as_str().expect("token");
    let page = app
        .ok(Some(ada), PAGE, json!({ "w": f["workspace"] }))
        .await;
    let ws = &page["workspace"];
    assert_eq!(ws["name"], f["workspace_name"]);
    let members: Vec<Value> = ws["members"]["nodes"]
        .as_array()
        .expect("members")
        .iter()
        .map(|n| json!([n["account"]["email"], n["role"], n["status"]]))
        .collect();
    assert_eq!(Value::Array(members), f["members"]);
    // Memberships made before they had ids of their own got one each (Member.id, Node).
    let ids: std::collections::HashSet<&str> = ws["members"]["nodes"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert_eq!(ids.len(), f["members"].as_array().map_or(0, Vec::len));
    assert_eq!(
        ws["memberCount"],
        f["members"].as_array().map_or(0, Vec::len)
    );
    assert_eq!(ws["auditLog"]["totalCount"], f["audit_events"]);

    // Every session made before the upgrade still works: access tokens until they expire,
    // refresh tokens (rotated or from a login) for new ones.
    let bob = f["bob"]["access_token"].as_str().expect("token");
    let me = app.ok(Some(bob), "{ me { email } }", json!({})).await;
    assert_eq!(me["me"]["email"], "bob@example.com");
    for who in ["ada", "bob"] {
        let refreshed = app
            .ok(
                None,
                "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken account { email } } }",
                json!({ "t": f[who]["refresh_token"] }),
            )
            .await;
        let token = refreshed["refreshToken"]["accessToken"]
            .as_str()
            .expect("token");
        let again = app
            .ok(Some(token), PAGE, json!({ "w": f["workspace"] }))
            .await;
        assert_eq!(again["workspace"]["name"], f["workspace_name"], "{who}");
    }
    // Passwords too.
    app.ok(
        None,
        "mutation($i: LoginInput!) { login(input: $i) { accessToken } }",
        json!({ "i": { "email": "bob@example.com", "password": f["password"] } }),
    )
    .await;
    drop(app);
    restored.take();
}
