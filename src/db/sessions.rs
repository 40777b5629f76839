//! Sessions (one per login) and their rotating, single-use refresh tokens. Access tokens name
//! their session, so revoking a session ends them at once.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::accounts::AccountRow;
use super::tx::{Tx, with_tx};
use super::{Db, Pool, json_ids, new_id, sqlite_ids};

/// The account of a live session, with its membership of one of the asked workspaces (one row
/// per membership found; a row without one when there is none).
#[derive(sqlx::FromRow)]
pub struct AccessRow {
    #[sqlx(flatten)]
    pub account: AccountRow,
    pub workspace_id: Option<Uuid>,
    pub workspace_name: Option<String>,
    pub workspace_created_at: Option<DateTime<Utc>>,
    pub role: Option<String>,
}

/// `$ids`: how the backend tests "one of the ids in $3"; `$order`: the ORDER BY of the whole
/// list (the one-workspace check needs none, and SQLite would build a sorter for it).
macro_rules! access {
    ($ids:expr, $order:expr) => {
        concat!(
            "SELECT a.id, a.email, a.name, a.status, a.language, a.created_at, a.last_active_at,
                    a.email_verified_at, w.id AS workspace_id, w.name AS workspace_name,
                    w.created_at AS workspace_created_at, m.role
             FROM accounts a
             JOIN sessions s ON s.account_id = a.id AND s.id = $2 AND s.revoked_at IS NULL
             LEFT JOIN members m ON m.account_id = a.id AND (m.workspace_id ",
            $ids,
            " OR $4)
             LEFT JOIN workspaces w ON w.id = m.workspace_id
             WHERE a.id = $1",
            $order
        )
    };
}

/// The order of a viewer's whole workspace list (oldest membership first).
macro_rules! list_order {
    () => {
        " ORDER BY m.created_at, w.id"
    };
}

impl Db {
    /// The per-request check and the guard's lookup in one statement: the account of an access
    /// token if its session is still live, with its memberships among `workspaces` (or all of
    /// them, oldest first, when `all`) and those workspaces. No row: the session ended (or the
    /// account is gone).
    pub async fn access(
        &self,
        account: Uuid,
        session: Uuid,
        workspaces: &[Uuid],
        all: bool,
    ) -> sqlx::Result<Vec<AccessRow>> {
        let (pg, sqlite) = if all {
            (
                access!("= ANY($3)", list_order!()),
                access!(concat!("IN ", sqlite_ids!(3)), list_order!()),
            )
        } else {
            (
                access!("= ANY($3)", ""),
                access!(concat!("IN ", sqlite_ids!(3)), ""),
            )
        };
        match self.counted_pool() {
            Pool::Postgres(pool) => {
                sqlx::query_as(pg)
                    .bind(account)
                    .bind(session)
                    .bind(workspaces)
                    .bind(all)
                    .fetch_all(pool)
                    .await
            }
            Pool::Sqlite(pool) => {
                sqlx::query_as(sqlite)
                    .bind(account)
                    .bind(session)
                    .bind(json_ids(workspaces))
                    .bind(all)
                    .fetch_all(pool)
                    .await
            }
        }
    }
}

impl Tx {
    /// Starts a session (a login) with its first refresh token; returns the session id.
    pub async fn start_session(
        &mut self,
        account: Uuid,
        refresh_hash: &[u8],
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> sqlx::Result<Uuid> {
        let session = new_id();
        with_tx!(self, c => sqlx::query(
            "INSERT INTO sessions (id, account_id, created_at) VALUES ($1, $2, $3)")
            .bind(session)
            .bind(account)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|_| ()))?;
        self.insert_refresh_token(account, session, refresh_hash, now, expires_at)
            .await?;
        Ok(session)
    }

    /// Marks a live refresh token used; returns its account and session, `None` if it was not
    /// live (unknown, used, expired, or its session revoked).
    pub async fn use_refresh_token(
        &mut self,
        hash: &[u8],
        now: DateTime<Utc>,
    ) -> sqlx::Result<Option<(Uuid, Uuid)>> {
        with_tx!(self, c => sqlx::query_as(
            "UPDATE refresh_tokens SET used_at = $2
             WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
               AND family_id IN (SELECT id FROM sessions WHERE revoked_at IS NULL)
             RETURNING account_id, family_id")
            .bind(hash)
            .bind(now)
            .fetch_optional(&mut *c)
            .await)
    }

    /// Adds a token to a session (the successor of a used one).
    pub async fn insert_refresh_token(
        &mut self,
        account: Uuid,
        session: Uuid,
        hash: &[u8],
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        with_tx!(self, c => sqlx::query(
            "INSERT INTO refresh_tokens (id, token_hash, account_id, family_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(new_id())
            .bind(hash)
            .bind(account)
            .bind(session)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *c)
            .await
            .map(|_| ()))
    }

    /// The session of an already-used refresh token, if `hash` is one.
    pub async fn used_token_session(&mut self, hash: &[u8]) -> sqlx::Result<Option<Uuid>> {
        with_tx!(self, c => sqlx::query_scalar(
            "SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND used_at IS NOT NULL")
            .bind(hash)
            .fetch_optional(&mut *c)
            .await)
    }

    pub async fn revoke_session(&mut self, session: Uuid, now: DateTime<Utc>) -> sqlx::Result<()> {
        with_tx!(self, c => sqlx::query(
            "UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(session)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|_| ()))
    }

    /// Ends the session a refresh token (used or not) belongs to; true when it was live.
    pub async fn revoke_session_of_token(
        &mut self,
        hash: &[u8],
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool> {
        with_tx!(self, c => sqlx::query_scalar::<_, Uuid>(
            "UPDATE sessions SET revoked_at = $2
             WHERE revoked_at IS NULL
               AND id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)
             RETURNING id")
            .bind(hash)
            .bind(now)
            .fetch_optional(&mut *c)
            .await
            .map(|r| r.is_some()))
    }

    /// Ends every live session of `account` but `keep`; returns how many ended.
    pub async fn revoke_sessions_of(
        &mut self,
        account: Uuid,
        keep: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<usize> {
        with_tx!(self, c => sqlx::query_scalar::<_, Uuid>(
            "UPDATE sessions SET revoked_at = $2
             WHERE account_id = $1 AND revoked_at IS NULL AND ($3 IS NULL OR id <> $3)
             RETURNING id")
            .bind(account)
            .bind(now)
            .bind(keep)
            .fetch_all(&mut *c)
            .await
            .map(|r| r.len()))
    }
}
