//! The test harness: a fresh database per test, the real router, and GraphQL helpers.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use roster::clock::OffsetClock;
use roster::config::Config;
use roster::db::{Db, Pool};
use roster::service::Roster;
use serde_json::{Value, json};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::future::Future;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;
use uuid::Uuid;

/// Runs an async test body once on SQLite and once on PostgreSQL:
/// `both!(name, body_fn)` defines `name::sqlite` and `name::postgres`. The schemas and files the
/// body creates are removed when it ends (see [`cleaned`]).
#[macro_export]
macro_rules! both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::helpers::cleaned(super::$name($crate::helpers::Backend::Sqlite)).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::helpers::cleaned(super::$name($crate::helpers::Backend::Postgres)).await
            }
        }
    )+};
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const PASSWORD: &str = "correct horse battery";
pub const INVITE: &str = "mutation($i: InviteMembersInput!) { inviteMembers(input: $i) { results {
    email status activationUrl message member { role status account { id email name status } } } } }";
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret";

/// PostgreSQL database the tests use; each test gets its own schema in it.
pub fn postgres_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/roster_test".to_owned())
}

/// Something a test created outside its process.
enum Created {
    Schema(String),
    File(PathBuf),
}

tokio::task_local! {
    static CREATED: Arc<Mutex<Vec<Created>>>;
}

fn created(thing: Created) {
    let _ = CREATED.try_with(|list| {
        if let Ok(mut list) = list.lock() {
            list.push(thing);
        }
    });
}

/// Runs a test body; when it ends (also by a panic), drops the PostgreSQL schemas and removes
/// the SQLite files that [`fresh_db`] made for it.
pub async fn cleaned(body: impl Future<Output = ()>) {
    let list = Arc::new(Mutex::new(Vec::new()));
    let _guard = Cleanup(list.clone());
    CREATED.scope(list, body).await;
}

struct Cleanup(Arc<Mutex<Vec<Created>>>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let things = self
            .0
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default();
        let mut schemas = Vec::new();
        for thing in things {
            match thing {
                Created::File(path) => {
                    for suffix in ["", "-wal", "-shm"] {
                        let mut name = path.clone().into_os_string();
                        name.push(suffix);
                        let _ = std::fs::remove_file(name);
                    }
                }
                Created::Schema(schema) => schemas.push(schema),
            }
        }
        if schemas.is_empty() {
            return;
        }
        // Drop runs inside the test's runtime: use a thread with a runtime of its own.
        let url = postgres_url();
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                use sqlx::Connection;
                let Ok(mut conn) = sqlx::PgConnection::connect(&url).await else {
                    return;
                };
                let _ = sqlx::query("SET lock_timeout = '5s'")
                    .execute(&mut conn)
                    .await;
                for schema in schemas {
                    let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(drop))
                        .execute(&mut conn)
                        .await;
                }
                let _ = conn.close().await;
            });
        })
        .join();
    }
}

/// A fresh, migrated database of `backend` and a `DATABASE_URL` that reaches it (for tests that
/// start the `roster` binary on it).
pub async fn fresh_db_with_url(backend: Backend) -> (Db, String) {
    match backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", sqlite_path().display());
            (Db::connect(&url).await.expect("open SQLite"), url)
        }
        Backend::Postgres => {
            let db = fresh_db(Backend::Postgres).await;
            let schema: String = match db.pool() {
                Pool::Postgres(p) => sqlx::query_scalar("SELECT current_schema()")
                    .fetch_one(p)
                    .await
                    .expect("schema"),
                Pool::Sqlite(_) => unreachable!("postgres"),
            };
            let sep = if postgres_url().contains('?') {
                '&'
            } else {
                '?'
            };
            let url = format!("{}{sep}options=-c%20search_path%3D{schema}", postgres_url());
            (db, url)
        }
    }
}

/// A fresh, migrated database of `backend`.
pub async fn fresh_db(backend: Backend) -> Db {
    match backend {
        Backend::Sqlite => {
            let path = sqlite_path();
            Db::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("open SQLite")
        }
        Backend::Postgres => {
            let schema = format!("t_{}", Uuid::new_v4().simple());
            let url = postgres_url();
            let admin = match PgPoolOptions::new().max_connections(1).connect(&url).await {
                Ok(pool) => pool,
                Err(_) => {
                    create_test_database(&url).await;
                    PgPoolOptions::new()
                        .max_connections(1)
                        .connect(&url)
                        .await
                        .unwrap_or_else(|e| {
                            panic!("PostgreSQL at {url} is needed for the tests: {e}")
                        })
                }
            };
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&admin)
                .await
                .expect("create schema");
            created(Created::Schema(schema.clone()));
            admin.close().await;
            let options = roster::db::postgres_settings(
                PgConnectOptions::from_str(&url).expect("TEST_DATABASE_URL"),
            )
            .options([("search_path", schema.as_str())]);
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await
                .expect("connect to test schema");
            Db::from_pool(Pool::Postgres(pool)).await.expect("migrate")
        }
    }
}

/// Creates the test database on first use (tests racing to create it is fine).
async fn create_test_database(url: &str) {
    let options = PgConnectOptions::from_str(url).expect("TEST_DATABASE_URL");
    let name = options.get_database().unwrap_or("roster_test").to_owned();
    let server = options.database("postgres");
    if let Ok(pool) = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(server)
        .await
    {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&pool)
            .await;
    }
}

pub fn sqlite_path() -> PathBuf {
    let dir = std::env::temp_dir().join("roster-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{}.db", Uuid::new_v4()));
    created(Created::File(path.clone()));
    path
}

/// The default test configuration (a fixed JWT secret so tests can forge tokens).
pub fn test_config() -> Config {
    let mut config = Config::with_database("unused");
    config.jwt_secret = Some(JWT_SECRET.to_owned());
    config
}

pub struct TestApp {
    pub router: Router,
    pub roster: Roster,
    pub clock: Arc<OffsetClock>,
}

/// A signed-up user: its tokens, account and the workspace sign-up made for it.
#[derive(Clone, Debug)]
pub struct User {
    pub token: String,
    pub refresh: String,
    pub id: String,
    pub workspace: String,
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        TestApp::with_config(backend, |_| {}).await
    }

    pub async fn with_config(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
        init_test_log();
        let mut config = test_config();
        tweak(&mut config);
        let db = fresh_db(backend).await;
        TestApp::on_db(db, config).await
    }

    /// A second server on the same database (a restart, or another replica).
    pub async fn on_db(db: Db, config: Config) -> TestApp {
        TestApp::on_db_at(db, config, 0).await
    }

    /// As [`TestApp::on_db`], started `offset_secs` from now (negative: in the past).
    pub async fn on_db_at(db: Db, config: Config, offset_secs: i64) -> TestApp {
        init_test_log();
        let clock = OffsetClock::new();
        clock.advance(offset_secs);
        let roster = Roster::new(db, config, clock.clone())
            .await
            .expect("build Roster");
        TestApp {
            router: roster::http::router(roster.clone()),
            roster,
            clock,
        }
    }

    /// Sends a raw HTTP request; returns status, content type and body.
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, String, Vec<u8>) {
        let (status, headers, body) = self.send_with_headers(request).await;
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, content_type, body)
    }

    /// Sends a raw HTTP request; returns status, headers and body.
    pub async fn send_with_headers(
        &self,
        request: Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("read body")
            .to_bytes()
            .to_vec();
        (status, headers, body)
    }

    /// POSTs a GraphQL operation; returns the JSON response.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables });
        self.post_json(token, body).await
    }

    pub async fn post_json(&self, token: Option<&str>, body: Value) -> Value {
        let mut request = Request::post("/graphql").header("content-type", "application/json");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let request = request.body(Body::from(body.to_string())).expect("request");
        let (status, _, body) = self.send(request).await;
        serde_json::from_slice(&body).unwrap_or_else(|e| {
            panic!(
                "status {status}, not JSON ({e}): {}",
                String::from_utf8_lossy(&body)
            )
        })
    }

    /// POSTs and asserts success; returns `data`.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let v = self.gql(token, query, variables).await;
        assert!(v.get("errors").is_none(), "unexpected errors: {v:#}");
        v["data"].clone()
    }

    /// POSTs and asserts exactly one error; returns it.
    pub async fn err(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let v = self.gql(token, query, variables).await;
        let errors = v["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("expected an error: {v:#}"));
        assert_eq!(errors.len(), 1, "{v:#}");
        errors[0].clone()
    }

    /// Signs up and proves the address (opens the verification link), as a real user does
    /// before inviting anyone.
    pub async fn sign_up(&self, email: &str, name: &str) -> User {
        let user = self.sign_up_unverified(email, name).await;
        self.verify(email).await;
        user
    }

    /// Opens the newest verification link emailed to `to`.
    pub async fn verify(&self, to: &str) {
        let token = self.link_token("verify_email", to).await;
        self.ok(
            None,
            "mutation($t: String!) { verifyEmail(token: $t) { emailVerified } }",
            json!({ "t": token }),
        )
        .await;
    }

    /// The token of the link in the newest email of `kind` to `to` (what only the address
    /// owner can read).
    pub async fn link_token(&self, kind: &str, to: &str) -> String {
        let mail = self.last_email(kind, to).await;
        let url = ["activation_url", "verify_url", "reset_url"]
            .iter()
            .find_map(|k| mail[*k].as_str())
            .unwrap_or_else(|| panic!("no link in {mail}"));
        token_of(&Value::String(url.to_owned()))
    }

    /// `user` with a new token pair from its refresh token (after the test clock moved past the
    /// access token's lifetime).
    pub async fn refreshed(&self, user: &User) -> User {
        let data = self
            .ok(
                None,
                "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }",
                json!({ "t": user.refresh }),
            )
            .await;
        User {
            token: s(&data["refreshToken"]["accessToken"]),
            refresh: s(&data["refreshToken"]["refreshToken"]),
            ..user.clone()
        }
    }

    /// Signs up without proving the address (anyone can sign up under any address).
    pub async fn sign_up_unverified(&self, email: &str, name: &str) -> User {
        let data = self
            .ok(
                None,
                "mutation($i: SignUpInput!) { signUp(input: $i) {
                    accessToken refreshToken account { id email workspaces { id } } } }",
                json!({ "i": { "email": email, "name": name, "password": PASSWORD } }),
            )
            .await;
        let p = &data["signUp"];
        User {
            token: s(&p["accessToken"]),
            refresh: s(&p["refreshToken"]),
            id: s(&p["account"]["id"]),
            workspace: s(&p["account"]["workspaces"][0]["id"]),
        }
    }

    /// `inviteMembers` as `token`; returns the results array (asserting no error).
    pub async fn invite(
        &self,
        token: &str,
        workspace: &str,
        emails: &[&str],
        role: &str,
    ) -> Vec<Value> {
        let data = self
            .ok(
                Some(token),
                INVITE,
                json!({ "i": { "workspaceId": workspace, "emails": emails, "role": role } }),
            )
            .await;
        data["inviteMembers"]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Signs up a user and makes it a member of `workspace` with `role` (through the API:
    /// the owner `by` invites the already ACTIVE account, which joins at once).
    pub async fn member(&self, by: &User, workspace: &str, email: &str, role: &str) -> User {
        let user = self.sign_up(email, "Member").await;
        let results = self.invite(&by.token, workspace, &[email], role).await;
        assert_eq!(results[0]["status"], "ADDED", "{results:?}");
        user
    }

    /// The id of `account`'s membership of `workspace` (`Member.id`), as `token` sees it.
    pub async fn member_id(&self, token: &str, workspace: &str, account: &str) -> String {
        let data = self
            .ok(
                Some(token),
                "query($w: ID!) { workspace(id: $w) { members { nodes { id account { id } } } } }",
                json!({ "w": workspace }),
            )
            .await;
        data["workspace"]["members"]["nodes"]
            .as_array()
            .and_then(|ms| ms.iter().find(|m| m["account"]["id"] == account))
            .map(|m| s(&m["id"]))
            .unwrap_or_else(|| panic!("{account} is no member of {workspace}"))
    }

    /// Queued emails, oldest first, as (kind, recipient, payload).
    pub async fn outbox(&self) -> Vec<(String, String, Value)> {
        self.roster
            .db
            .outbox()
            .await
            .expect("outbox")
            .into_iter()
            .map(|r| {
                (
                    r.kind,
                    r.recipient,
                    serde_json::from_str(&r.payload).unwrap_or(Value::Null),
                )
            })
            .collect()
    }

    /// The newest queued email of `kind` to `to`.
    pub async fn last_email(&self, kind: &str, to: &str) -> Value {
        self.outbox()
            .await
            .into_iter()
            .rev()
            .find(|(k, r, _)| k == kind && r == to)
            .map(|(_, _, p)| p)
            .unwrap_or_else(|| panic!("no {kind} email to {to}"))
    }

    /// Set-up: forgets every email queued so far (the sign-up verification emails of a test's
    /// users), so a test that counts deliveries sees only the emails of what it does next.
    pub async fn settle_emails(&self) {
        self.sql("DELETE FROM email_outbox", &[]).await;
    }

    /// Waits (up to 5 s) for an email of `kind` to `to` to be queued; returns its payload.
    /// For emails queued after the answer (password resets).
    pub async fn wait_for_email(&self, kind: &str, to: &str) -> Value {
        for _ in 0..100 {
            let found = self
                .outbox()
                .await
                .into_iter()
                .rev()
                .find(|(k, r, _)| k == kind && r == to);
            if let Some((_, _, payload)) = found {
                return payload;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no {kind} email to {to}")
    }

    /// Runs one SQL statement against the test database (set-up that the API cannot do yet).
    pub async fn sql(&self, statement: &str, binds: &[&str]) {
        match self.roster.db.pool() {
            Pool::Sqlite(p) => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()));
                for b in binds {
                    q = q.bind(*b);
                }
                q.execute(p).await.expect("sql");
            }
            Pool::Postgres(p) => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()));
                for b in binds {
                    q = q.bind(*b);
                }
                q.execute(p).await.expect("sql");
            }
        }
    }

    /// Makes `account` a member of `workspace` with `role`, straight in the database.
    pub async fn add_member(&self, workspace: &str, account: &str, role: roster::domain::Role) {
        let ws = Uuid::parse_str(workspace).expect("uuid");
        let acc = Uuid::parse_str(account).expect("uuid");
        let now = chrono::Utc::now();
        match self.roster.db.pool() {
            Pool::Sqlite(p) => insert_member(p, ws, acc, role, now).await,
            Pool::Postgres(p) => insert_member(p, ws, acc, role, now).await,
        }
    }
}

async fn insert_member<'c, E>(
    exec: E,
    ws: Uuid,
    acc: Uuid,
    role: roster::domain::Role,
    now: chrono::DateTime<chrono::Utc>,
) where
    E: sqlx::Executor<'c>,
    for<'q> Uuid: sqlx::Encode<'q, E::Database> + sqlx::Type<E::Database>,
    for<'q> &'q str: sqlx::Encode<'q, E::Database> + sqlx::Type<E::Database>,
    for<'q> i32: sqlx::Encode<'q, E::Database> + sqlx::Type<E::Database>,
    for<'q> chrono::DateTime<chrono::Utc>: sqlx::Encode<'q, E::Database> + sqlx::Type<E::Database>,
    <E::Database as sqlx::Database>::Arguments: sqlx::IntoArguments<E::Database>,
{
    sqlx::query(
        "INSERT INTO members (workspace_id, account_id, role, role_rank, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ws)
    .bind(acc)
    .bind(role.as_str())
    .bind(role.sort_rank())
    .bind(now)
    .execute(exec)
    .await
    .expect("insert member");
}

/// `TEST_LOG=1 cargo test ...` prints the server's logs (errors only otherwise hidden).
fn init_test_log() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new("roster=debug,warn"))
                .with_test_writer()
                .try_init();
        }
    });
}

/// The token in an emailed link (`...?token=...&lang=...`).
pub fn token_of(url: &Value) -> String {
    let url = url
        .as_str()
        .unwrap_or_else(|| panic!("no activation url: {url}"));
    let token = url.split("token=").nth(1).unwrap_or_default();
    token.split('&').next().unwrap_or_default().to_owned()
}

/// The session id (`sid` claim) of an access token.
pub fn session_of(access_token: &str) -> Uuid {
    use base64::Engine;
    let claims = access_token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims)
        .expect("base64");
    let claims: Value = serde_json::from_slice(&bytes).expect("claims");
    Uuid::parse_str(claims["sid"].as_str().expect("sid")).expect("uuid")
}

/// An HS256 access token as Roster issued them before asymmetric keys (no `kid`), signed with
/// the test configuration's `ROSTER_JWT_SECRET`.
pub fn legacy_token(account: Uuid, session: Uuid, iat: i64, ttl: i64) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({ "sub": account, "sid": session, "iat": iat, "exp": iat + ttl }),
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("jwt")
}

/// A JSON string value as an owned String.
pub fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

/// The `extensions.code` of an error object.
pub fn code(error: &Value) -> &str {
    error["extensions"]["code"].as_str().unwrap_or_default()
}

/// A child process killed when dropped (a failing test must not leave servers behind).
pub struct Running(pub std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A client WebSocket to the test server.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Reads until the server closes; returns the close code (None: closed without a frame).
/// Panics when no message comes within `within`.
pub async fn close_code_within(socket: &mut Socket, within: std::time::Duration) -> Option<u16> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        match tokio::time::timeout(within, socket.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => return None,
            Err(_) => panic!("the server did not close the socket within {within:?}"),
        }
    }
}

/// A port nobody listens on now (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Serves `app` on a real socket and opens a graphql-transport-ws connection to it (nothing
/// sent yet).
pub async fn open_socket(app: &TestApp) -> Socket {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(axum::serve(listener, app.router.clone()).into_future());
    let mut request = format!("ws://{addr}/graphql/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().expect("header"),
    );
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    socket
}
