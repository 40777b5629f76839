//! Benchmark helper for `bench/run.sh` (bench-only code, not part of Roster).
//!
//! ```text
//! bench_raw seed  <DATABASE_URL>           seeds the data set, prints one JSON line of ids
//! bench_raw serve <DATABASE_URL> <LISTEN>  the hand-written baseline: axum + sqlx, plain JSON
//! ```
//!
//! Both read the HS256 secret from `ROSTER_JWT_SECRET` (the one Roster is started with): `seed`
//! mints the access tokens the load generator sends, `serve` verifies them like Roster does.
//!
//! The baseline answers the same data as the benchmarked GraphQL queries with the SQL one
//! would write by hand: no GraphQL, no DataLoader, no account re-read. Each request verifies
//! the bearer token and checks membership inside its one statement (two on SQLite for
//! `/workspaces`, which has no LATERAL join).

use anyhow::{Context as _, anyhow, bail};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use axum::{Router, serve};
use chrono::{DateTime, Duration, TimeZone, Utc};
use roster::auth::JwtKeys;
use roster::db::{Db, Pool};
use roster::domain::Role;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashSet;
use uuid::Uuid;

/// Runs `$body` with `$p` bound to the concrete pool of either backend.
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
        }
    };
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let secret = std::env::var("ROSTER_JWT_SECRET")
        .context("set ROSTER_JWT_SECRET (the secret Roster is started with)")?;
    let keys = JwtKeys::new(secret.as_bytes());
    let args: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    match args.as_slice() {
        ["seed", url] => seed(url, &keys).await,
        ["serve", url, listen] => serve_raw(url, listen, keys).await,
        _ => {
            bail!("usage: bench_raw seed <DATABASE_URL> | bench_raw serve <DATABASE_URL> <LISTEN>")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// seed

/// Members of the huge workspace, the viewer (its owner) included.
const HUGE_MEMBERS: usize = 100_000;
/// Members of the small workspace, the viewer (its owner) included.
const SMALL_MEMBERS: usize = 50;
/// Workspaces of the lister, and members of each (the lister included).
const TEAMS: usize = 20;
const TEAM_MEMBERS: usize = 10;
/// The deep page starts at this position (0-based) of the huge workspace's member order.
const DEEP_POSITION: usize = 90_000;
/// Rows per multi-row INSERT.
const CHUNK: usize = 1_000;

const FIRST_NAMES: [&str; 16] = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "John",
    "Margaret",
    "Ken",
    "Radia",
    "Dennis",
    "Hedy",
    "Linus",
    "Katherine",
    "Tim",
];
const LAST_NAMES: [&str; 16] = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "McCarthy",
    "Hamilton",
    "Thompson",
    "Perlman",
    "Ritchie",
    "Lamarr",
    "Torvalds",
    "Johnson",
    "Berners-Lee",
];

/// xorshift64*: reproducible data without another dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// `base` plus `step_secs` seconds plus random microseconds. The microseconds are never a
    /// multiple of 1000, so SQLite's RFC 3339 text always has 6 fraction digits and sorts like
    /// the instant it stands for.
    fn time_after(&mut self, base: DateTime<Utc>, step_secs: i64) -> DateTime<Utc> {
        let mut us = i64::try_from(self.below(1_000_000)).unwrap_or(1);
        if us % 1000 == 0 {
            us += 1;
        }
        base + Duration::seconds(step_secs) + Duration::microseconds(us)
    }
}

struct NewAccount {
    id: Uuid,
    email: String,
    name: String,
    created_at: DateTime<Utc>,
}

struct NewMember {
    workspace: Uuid,
    account: Uuid,
    role: Role,
    invited_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

struct NewWorkspace {
    id: Uuid,
    name: String,
    created_at: DateTime<Utc>,
}

fn account(email: &str, name: &str, created_at: DateTime<Utc>) -> NewAccount {
    NewAccount {
        id: Uuid::new_v4(),
        email: email.to_lowercase(),
        name: name.to_owned(),
        created_at,
    }
}

fn workspace(name: &str, created_at: DateTime<Utc>) -> NewWorkspace {
    NewWorkspace {
        id: Uuid::new_v4(),
        name: name.to_owned(),
        created_at,
    }
}

/// A realistic mix for a big workspace: a few admins, some editors and dataset operators.
fn role_of_filler(i: usize) -> Role {
    if i.is_multiple_of(1000) {
        Role::Admin
    } else if i % 20 == 1 {
        Role::Editor
    } else if i % 50 == 7 {
        Role::DatasetOperator
    } else {
        Role::Normal
    }
}

async fn seed(url: &str, keys: &JwtKeys) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let db = Db::connect(url).await?; // applies Roster's migrations
    let mut rng = Rng(0x5EED_CAFE_F00D_1234);
    let t0 = Utc
        .with_ymd_and_hms(2024, 1, 1, 9, 0, 0)
        .single()
        .ok_or_else(|| anyhow!("bad base time"))?;

    let mut accounts = Vec::with_capacity(HUGE_MEMBERS + 2);
    let mut members = Vec::with_capacity(HUGE_MEMBERS + 400);
    let mut workspaces = Vec::new();

    let viewer = account("viewer@bench.test", "Vera Viewer", t0);
    let lister = account("lister@bench.test", "Lee Lister", t0 + Duration::seconds(1));
    let (viewer_id, lister_id) = (viewer.id, lister.id);
    accounts.push(viewer);
    accounts.push(lister);
    // Everybody else: 99 999 people, who joined over about a year.
    let fillers: Vec<Uuid> = (0..HUGE_MEMBERS - 1)
        .map(|i| {
            let first = FIRST_NAMES[i % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i / FIRST_NAMES.len()) % LAST_NAMES.len()];
            let created = rng.time_after(t0, 60 + 300 * i64::try_from(i).unwrap_or(0));
            let a = account(
                &format!("{first}.{last}.{i}@example.test"),
                &format!("{first} {last}"),
                created,
            );
            let id = a.id;
            accounts.push(a);
            id
        })
        .collect();

    // "huge": the viewer owns it; 99 999 members with a realistic mix of roles.
    let huge = workspace("huge", t0);
    let huge_id = huge.id;
    members.push(NewMember {
        workspace: huge_id,
        account: viewer_id,
        role: Role::Owner,
        invited_by: None,
        created_at: t0,
    });
    for (i, id) in fillers.iter().enumerate() {
        members.push(NewMember {
            workspace: huge_id,
            account: *id,
            role: role_of_filler(i),
            invited_by: Some(viewer_id),
            created_at: rng.time_after(t0, 120 + 300 * i64::try_from(i).unwrap_or(0)),
        });
    }
    workspaces.push(huge);
    // The deep page's cursor, as src/graphql/cursor.rs encodes it: the member just before
    // DEEP_POSITION in the order (role_rank, created_at, account_id).
    let mut order: Vec<(i32, i64, Uuid)> = members
        .iter()
        .map(|m| {
            (
                m.role.sort_rank(),
                m.created_at.timestamp_micros(),
                m.account,
            )
        })
        .collect();
    order.sort();
    let (rank, micros, id) = order[DEEP_POSITION - 1];
    let deep_cursor = {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("m:{rank}:{micros}:{id}"))
    };

    // "small": the viewer owns it; 49 more members.
    let small = workspace("small", t0 + Duration::days(1));
    let small_id = small.id;
    members.push(NewMember {
        workspace: small_id,
        account: viewer_id,
        role: Role::Owner,
        invited_by: None,
        created_at: small.created_at,
    });
    for (i, id) in fillers.iter().take(SMALL_MEMBERS - 1).enumerate() {
        let role = match i {
            0 | 1 => Role::Admin,
            2..=6 => Role::Editor,
            7 | 8 => Role::DatasetOperator,
            _ => Role::Normal,
        };
        members.push(NewMember {
            workspace: small_id,
            account: *id,
            role,
            invited_by: Some(viewer_id),
            created_at: rng.time_after(small.created_at, 3600 * i64::try_from(i + 1)?),
        });
    }
    workspaces.push(small);

    // 20 teams of 10: the lister belongs to all of them (and to nothing else); each is owned by
    // somebody else and has 8 more members.
    let mut team_ids = Vec::with_capacity(TEAMS);
    for t in 0..TEAMS {
        let team = workspace(
            &format!("team-{:02}", t + 1),
            t0 + Duration::days(2 + i64::try_from(t)?),
        );
        let base = 1000 + t * TEAM_MEMBERS;
        let owner = fillers[base];
        members.push(NewMember {
            workspace: team.id,
            account: owner,
            role: Role::Owner,
            invited_by: None,
            created_at: team.created_at,
        });
        members.push(NewMember {
            workspace: team.id,
            account: lister_id,
            role: Role::Normal,
            invited_by: Some(owner),
            created_at: rng.time_after(team.created_at, 60),
        });
        for k in 1..TEAM_MEMBERS - 1 {
            members.push(NewMember {
                workspace: team.id,
                account: fillers[base + k],
                role: if k == 1 { Role::Admin } else { Role::Editor },
                invited_by: Some(owner),
                created_at: rng.time_after(team.created_at, 120 * i64::try_from(k + 1)?),
            });
        }
        team_ids.push(team.id);
        workspaces.push(team);
    }

    // Two empty workspaces of the viewer's for the inviteMembers runs (1 and 100 emails).
    let mut invite_ids = Vec::new();
    for name in ["invites-1", "invites-100"] {
        let ws = workspace(name, t0 + Duration::days(30));
        members.push(NewMember {
            workspace: ws.id,
            account: viewer_id,
            role: Role::Owner,
            invited_by: None,
            created_at: ws.created_at,
        });
        invite_ids.push(ws.id);
        workspaces.push(ws);
    }

    let pairs: HashSet<(Uuid, Uuid)> = members.iter().map(|m| (m.workspace, m.account)).collect();
    if pairs.len() != members.len() {
        bail!("duplicate membership in the generated data");
    }

    insert_all(db.pool(), &accounts, &workspaces, &members).await?;
    // Access tokens name a session (a login): one for each client of the benchmark.
    let (viewer_session, lister_session) = (Uuid::new_v4(), Uuid::new_v4());
    insert_sessions(
        db.pool(),
        &[(viewer_session, viewer_id), (lister_session, lister_id)],
    )
    .await?;

    let now = Utc::now().timestamp();
    let day = 24 * 3600;
    let out = json!({
        "viewer": viewer_id,
        "lister": lister_id,
        "small": small_id,
        "huge": huge_id,
        "teams": team_ids,
        "invite1": invite_ids[0],
        "invite100": invite_ids[1],
        "deep_cursor": deep_cursor,
        "deep_position": DEEP_POSITION,
        "viewer_token": keys.issue(viewer_id, viewer_session, now, day)?,
        "lister_token": keys.issue(lister_id, lister_session, now, day)?,
        "accounts": accounts.len(),
        "members": members.len(),
        "seed_secs": (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
    });
    println!("{out}");
    Ok(())
}

/// Sessions `(id, account)` for the tokens the benchmark's clients use.
async fn insert_sessions(pool: &Pool, sessions: &[(Uuid, Uuid)]) -> anyhow::Result<()> {
    let now = Utc::now();
    on_pool!(pool, p => {
        for (id, account) in sessions {
            sqlx::query("INSERT INTO sessions (id, account_id, created_at) VALUES ($1, $2, $3)")
                .bind(*id)
                .bind(*account)
                .bind(now)
                .execute(p)
                .await
                .context("inserting a session")?;
        }
    });
    Ok(())
}

/// Multi-row INSERTs in one transaction.
async fn insert_all(
    pool: &Pool,
    accounts: &[NewAccount],
    workspaces: &[NewWorkspace],
    members: &[NewMember],
) -> anyhow::Result<()> {
    on_pool!(pool, p => {
        let mut tx = p.begin().await?;
        for chunk in accounts.chunks(CHUNK) {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO accounts (id, email, name, password_hash, status, language, created_at, email_verified_at) ",
            );
            qb.push_values(chunk, |mut row, a| {
                row.push_bind(a.id)
                    .push_bind(a.email.as_str())
                    .push_bind(a.name.as_str())
                    .push_bind(None::<String>)
                    .push_bind("ACTIVE")
                    .push_bind("en-US")
                    .push_bind(a.created_at)
                    .push_bind(a.created_at);
            });
            qb.build().execute(&mut *tx).await.context("inserting accounts")?;
        }
        for chunk in workspaces.chunks(CHUNK) {
            let mut qb = sqlx::QueryBuilder::new("INSERT INTO workspaces (id, name, created_at) ");
            qb.push_values(chunk, |mut row, w| {
                row.push_bind(w.id).push_bind(w.name.as_str()).push_bind(w.created_at);
            });
            qb.build().execute(&mut *tx).await.context("inserting workspaces")?;
        }
        for chunk in members.chunks(CHUNK) {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO members (workspace_id, account_id, role, role_rank, invited_by, created_at) ",
            );
            qb.push_values(chunk, |mut row, m| {
                row.push_bind(m.workspace)
                    .push_bind(m.account)
                    .push_bind(m.role.as_str())
                    .push_bind(m.role.sort_rank())
                    .push_bind(m.invited_by)
                    .push_bind(m.created_at);
            });
            qb.build().execute(&mut *tx).await.context("inserting members")?;
        }
        tx.commit().await?;
    });
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// serve

#[derive(Clone)]
struct RawState {
    pool: Pool,
    keys: JwtKeys,
}

async fn serve_raw(url: &str, listen: &str, keys: JwtKeys) -> anyhow::Result<()> {
    // The same pool settings as Roster's (8 SQLite / 16 PostgreSQL connections, WAL, ...).
    let db = Db::connect(url).await?;
    let state = RawState {
        pool: db.pool().clone(),
        keys,
    };
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/members", get(members_page))
        .route("/workspaces", get(workspaces_with_members))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    serve(listener, app).await?;
    Ok(())
}

enum RawError {
    Unauthorized,
    NotFound,
    Db(sqlx::Error),
}

impl From<sqlx::Error> for RawError {
    fn from(e: sqlx::Error) -> Self {
        RawError::Db(e)
    }
}

impl IntoResponse for RawError {
    fn into_response(self) -> Response {
        match self {
            RawError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized").into_response(),
            RawError::NotFound => (StatusCode::NOT_FOUND, "not found").into_response(),
            RawError::Db(e) => {
                eprintln!("bench_raw: {e}");
                (StatusCode::INTERNAL_SERVER_ERROR, "database error").into_response()
            }
        }
    }
}

/// The account the bearer token names.
fn viewer(st: &RawState, headers: &HeaderMap) -> Result<Uuid, RawError> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| st.keys.verify(t.trim()).ok())
        .map(|claims| claims.sub)
        .ok_or(RawError::Unauthorized)
}

#[derive(Deserialize)]
struct MembersParams {
    workspace: Uuid,
    first: Option<i64>,
}

#[derive(Serialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
struct MemberOut {
    role: String,
    status: String,
    email: String,
    name: String,
    created_at: DateTime<Utc>,
}

/// `GET /members?workspace=<id>&first=50`: one workspace's first members with their accounts.
async fn members_page(
    State(st): State<RawState>,
    headers: HeaderMap,
    Query(q): Query<MembersParams>,
) -> Result<Json<serde_json::Value>, RawError> {
    let viewer = viewer(&st, &headers)?;
    let first = q.first.unwrap_or(50).clamp(0, 100);
    let rows: Vec<MemberOut> = on_pool!(&st.pool, p => sqlx::query_as(
        "SELECT m.role, a.status, a.email, a.name, m.created_at
         FROM members m JOIN accounts a ON a.id = m.account_id
         WHERE m.workspace_id = $1
           AND EXISTS (SELECT 1 FROM members v WHERE v.workspace_id = $1 AND v.account_id = $2)
         ORDER BY m.role_rank, m.created_at, m.account_id
         LIMIT $3")
        .bind(q.workspace)
        .bind(viewer)
        .bind(first)
        .fetch_all(p)
        .await?);
    if rows.is_empty() && first > 0 {
        return Err(RawError::NotFound); // a workspace always has its owner: not a member
    }
    Ok(Json(json!({ "members": rows })))
}

#[derive(Deserialize)]
struct WorkspacesParams {
    per: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct WorkspaceMemberRow {
    workspace_id: Uuid,
    workspace_name: String,
    role: String,
    email: String,
}

#[derive(sqlx::FromRow)]
struct WorkspaceRow {
    id: Uuid,
    name: String,
}

#[derive(Serialize)]
struct WorkspaceOut {
    id: Uuid,
    name: String,
    members: Vec<MemberBrief>,
}

#[derive(Serialize)]
struct MemberBrief {
    role: String,
    email: String,
}

/// `GET /workspaces?per=10`: the viewer's workspaces (oldest membership first), each with its
/// first `per` members.
async fn workspaces_with_members(
    State(st): State<RawState>,
    headers: HeaderMap,
    Query(q): Query<WorkspacesParams>,
) -> Result<Json<Vec<WorkspaceOut>>, RawError> {
    let viewer = viewer(&st, &headers)?;
    let per = q.per.unwrap_or(10).clamp(0, 100);
    let rows: Vec<WorkspaceMemberRow> = match &st.pool {
        Pool::Postgres(p) => {
            sqlx::query_as(
                "SELECT w.id AS workspace_id, w.name AS workspace_name, p.role, p.email
                 FROM members v
                 JOIN workspaces w ON w.id = v.workspace_id
                 CROSS JOIN LATERAL (
                     SELECT m.role, m.role_rank, m.created_at, m.account_id, a.email
                     FROM members m JOIN accounts a ON a.id = m.account_id
                     WHERE m.workspace_id = w.id
                     ORDER BY m.role_rank, m.created_at, m.account_id
                     LIMIT $2) p
                 WHERE v.account_id = $1
                 ORDER BY v.created_at, w.id, p.role_rank, p.created_at, p.account_id",
            )
            .bind(viewer)
            .bind(per)
            .fetch_all(p)
            .await?
        }
        Pool::Sqlite(p) => {
            // No LATERAL: list the workspaces, then one statement of per-workspace pages.
            let mut conn = p.acquire().await?;
            let list: Vec<WorkspaceRow> = sqlx::query_as(
                "SELECT w.id, w.name FROM members v JOIN workspaces w ON w.id = v.workspace_id
                 WHERE v.account_id = $1 ORDER BY v.created_at, w.id",
            )
            .bind(viewer)
            .fetch_all(&mut *conn)
            .await?;
            if list.is_empty() {
                return Ok(Json(Vec::new()));
            }
            let mut qb = sqlx::QueryBuilder::new("");
            for (i, w) in list.iter().enumerate() {
                if i > 0 {
                    qb.push(" UNION ALL ");
                }
                qb.push("SELECT * FROM (SELECT m.workspace_id, ");
                qb.push_bind(w.name.as_str());
                qb.push(
                    " AS workspace_name, m.role, a.email
                     FROM members m JOIN accounts a ON a.id = m.account_id
                     WHERE m.workspace_id = ",
                );
                qb.push_bind(w.id);
                qb.push(" ORDER BY m.role_rank, m.created_at, m.account_id LIMIT ");
                qb.push_bind(per);
                qb.push(")");
            }
            qb.build_query_as().fetch_all(&mut *conn).await?
        }
    };
    // Rows arrive grouped by workspace, in order.
    let mut out: Vec<WorkspaceOut> = Vec::new();
    for r in rows {
        if out.last().is_none_or(|w| w.id != r.workspace_id) {
            out.push(WorkspaceOut {
                id: r.workspace_id,
                name: r.workspace_name,
                members: Vec::new(),
            });
        }
        if let Some(w) = out.last_mut() {
            w.members.push(MemberBrief {
                role: r.role,
                email: r.email,
            });
        }
    }
    Ok(Json(out))
}
