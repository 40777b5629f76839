//! Storage: one SQL text (with `$N` placeholders) for SQLite and PostgreSQL.
//!
//! [`Db`] holds a pool of either backend, [`Tx`] a write transaction of either. Every repository
//! method is written once; the `with_pool!` and `with_tx!` macros expand its body for each
//! backend, so each copy is type-checked against concrete sqlx types (no generic bound soup, no
//! `Any` driver). Use cases that change several rows drive a [`Tx`] statement by statement.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod email_tokens;
pub mod invitations;
pub mod members;
pub mod notify;
pub mod outage;
pub mod outbox;
pub mod sessions;
pub mod settings;
pub mod signing_keys;
pub mod throttles;
pub mod transfer;
pub mod tx;
pub mod workspaces;

use anyhow::Context as _;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use uuid::Uuid;

pub static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
pub static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

pub use accounts::AccountRow;
pub use members::MemberRow;
pub use tx::Tx;
pub use workspaces::WorkspaceRow;

/// A connection pool of one backend.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database handle shared by the whole server.
#[derive(Clone, Debug)]
pub struct Db {
    pool: Pool,
    /// Statements sent so far (see [`Db::statements`]).
    statements: Arc<AtomicU64>,
}

/// Runs `$body` with `$pool` bound to the concrete pool of whichever backend is in use.
/// Convention: `$body` sends exactly one SQL statement (it is counted as one).
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db.counted_pool() {
            $crate::db::Pool::Sqlite($pool) => $body,
            $crate::db::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

impl Db {
    /// Connects to `url` (`sqlite:...` or `postgres:...`) and applies pending migrations.
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        let pool = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .context("invalid DATABASE_URL")?
                .create_if_missing(true)
                .foreign_keys(true)
                .journal_mode(SqliteJournalMode::Wal)
                // In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit can be
                // lost to a power cut (never to a crash of Roster) and the file is never
                // corrupted. FULL made every login a disk flush that held the write lock.
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10));
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let pool = SqlitePoolOptions::new()
                // Each plain in-memory connection is its own database: keep exactly one, forever.
                .max_connections(if in_memory { 1 } else { 8 })
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await
                .context("cannot open the SQLite database")?;
            Pool::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            // Generic plans from the first execution: the batched reads bind their keys as
            // arrays (`= ANY($1)`, LATERAL over `unnest`), whose custom plans PostgreSQL would
            // otherwise keep re-planning on every execution (measured: the 20-workspace page
            // spent more time planning than running; with generic plans it doubled its rate,
            // and the 100 000-member deep page still runs as one index range scan).
            let options =
                postgres_settings(PgConnectOptions::from_str(url).context("invalid DATABASE_URL")?);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(options)
                .await
                .context("cannot connect to PostgreSQL")?;
            Pool::Postgres(pool)
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite: or postgres:");
        };
        Db::from_pool(pool).await
    }

    /// Wraps an existing pool and applies pending migrations.
    pub async fn from_pool(pool: Pool) -> anyhow::Result<Db> {
        match &pool {
            Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
        }
        .context("cannot apply database migrations")?;
        Ok(Db {
            pool,
            statements: Arc::default(),
        })
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The pool, counting one statement about to be sent through it.
    pub(crate) fn counted_pool(&self) -> &Pool {
        self.statements.fetch_add(1, Ordering::Relaxed);
        &self.pool
    }

    pub(crate) fn statement_counter(&self) -> Arc<AtomicU64> {
        self.statements.clone()
    }

    /// SQL statements this handle (and its clones) has sent through the repository layer since
    /// it was opened, transaction control excluded. Tests use it to prove the read path batches.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Readiness: one round trip.
    pub async fn ping(&self) -> sqlx::Result<()> {
        with_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))
    }
}

/// Roster's session settings for a PostgreSQL connection (see [`Db::connect`]).
pub fn postgres_settings(options: PgConnectOptions) -> PgConnectOptions {
    options.options([("plan_cache_mode", "force_generic_plan")])
}

/// The id of a new row: time-ordered (UUIDv7), so a row lands at the right edge of its primary
/// key index and of the indexes that lead with it, instead of on a random page of each. An
/// `inviteMembers` call of 100 addresses then dirties a few index pages where random ids dirtied
/// about one per row and index (SQLite writes each to the WAL, PostgreSQL to its WAL and buffers).
/// Ids are not secrets: links and sessions carry random tokens of their own.
pub(crate) fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// An id list bound as one parameter, so a batched statement has one text whatever the number
/// of ids (prepared once, its plan cached): PostgreSQL takes a `uuid[]` (`= ANY($n)`); SQLite,
/// which has no arrays, a JSON array of hex ids that `sqlite_ids!(n)` unpacks with `json_each`
/// (its planner probes the index once per id, as for a literal `IN` list).
pub(crate) fn json_ids(ids: &[Uuid]) -> String {
    let mut out = String::with_capacity(2 + ids.len() * 35);
    out.push('[');
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(id.simple().encode_lower(&mut Uuid::encode_buffer()));
        out.push('"');
    }
    out.push(']');
    out
}

/// SQLite: the subquery that unpacks parameter `$n` (a [`json_ids`] string) into 16-byte ids.
macro_rules! sqlite_ids {
    ($n:literal) => {
        concat!("(SELECT unhex(value) FROM json_each($", $n, "))")
    };
}
pub(crate) use sqlite_ids;

/// Backends that can append "this column is one of these ids" to a built statement as one
/// parameter (see [`json_ids`]).
pub(crate) trait IdList: sqlx::Database {
    fn push_ids(qb: &mut sqlx::QueryBuilder<Self>, ids: &[Uuid]);
}

impl IdList for sqlx::Postgres {
    fn push_ids(qb: &mut sqlx::QueryBuilder<Self>, ids: &[Uuid]) {
        qb.push(" = ANY(");
        qb.push_bind(ids.to_vec());
        qb.push(")");
    }
}

impl IdList for sqlx::Sqlite {
    fn push_ids(qb: &mut sqlx::QueryBuilder<Self>, ids: &[Uuid]) {
        qb.push(" IN (SELECT unhex(value) FROM json_each(");
        qb.push_bind(json_ids(ids));
        qb.push("))");
    }
}

/// SQLite's stand-in for a LATERAL join over pages: one sub-select per request, joined by
/// `UNION ALL`, each numbered `branch` (`offset` + its index) so that its rows can be told apart.
/// `select` pushes what follows `SELECT <n> AS branch, ` (columns, FROM, WHERE, ORDER BY, LIMIT).
pub(crate) fn push_page_branches<DB: sqlx::Database, R>(
    qb: &mut sqlx::QueryBuilder<DB>,
    offset: usize,
    requests: &[R],
    mut select: impl FnMut(&mut sqlx::QueryBuilder<DB>, &R),
) {
    for (i, request) in requests.iter().enumerate() {
        if i > 0 {
            qb.push(" UNION ALL ");
        }
        qb.push("SELECT * FROM (SELECT ");
        qb.push(i32::try_from(offset + i).unwrap_or(i32::MAX));
        qb.push(" AS branch, ");
        select(qb, request);
        qb.push(") p");
        qb.push(i);
    }
}

/// Appends ` = ANY($n)` (PostgreSQL) or ` IN (...json_each...)` (SQLite) for `ids`.
pub(crate) fn push_ids<DB: IdList>(qb: &mut sqlx::QueryBuilder<DB>, ids: &[Uuid]) {
    DB::push_ids(qb, ids)
}
