//! API keys (SPEC 12): a machine's credential in one workspace. Only the secret's hash is kept.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::tx::{Tx, with_tx};
use super::{Db, Pool, json_ids, sqlite_ids, with_pool};
use crate::domain::Role;

/// The columns of a key (table alias `k`).
macro_rules! key_columns {
    () => {
        "k.id, k.workspace_id, k.name, k.role, k.prefix, k.created_by, k.created_at,
         k.last_used_at, k.expires_at, k.revoked_at"
    };
}

/// (PostgreSQL, SQLite) statements selecting the keys whose `$column` is one of the ids in `$1`.
macro_rules! keys_in {
    ($column:literal, $order:literal) => {
        (
            concat!(
                "SELECT ",
                key_columns!(),
                " FROM api_keys k WHERE ",
                $column,
                " = ANY($1)",
                $order
            ),
            concat!(
                "SELECT ",
                key_columns!(),
                " FROM api_keys k WHERE ",
                $column,
                " IN ",
                sqlite_ids!(1),
                $order
            ),
        )
    };
}

/// A key as listed (never its secret, which is not stored).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub prefix: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A live key of a secret, with its workspace: the per-request check of a key.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KeyAccessRow {
    #[sqlx(flatten)]
    pub key: ApiKeyRow,
    pub workspace_name: String,
    pub workspace_created_at: DateTime<Utc>,
}

/// A key to store.
pub struct NewApiKey<'a> {
    pub id: Uuid,
    pub workspace: Uuid,
    pub name: &'a str,
    pub role: Role,
    pub prefix: &'a str,
    pub secret_hash: &'a [u8],
    pub created_by: Uuid,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Db {
    /// The per-request check of a key, in one statement (the shape of the session check,
    /// `Db::access`): the live (unrevoked, unexpired) key of `secret_hash` with its workspace.
    /// No row: unknown, revoked, expired, or its workspace is gone.
    pub async fn key_access(
        &self,
        secret_hash: &[u8],
        now: DateTime<Utc>,
    ) -> sqlx::Result<Option<KeyAccessRow>> {
        with_pool!(self, pool => sqlx::query_as(concat!(
            "SELECT ", key_columns!(), ", w.name AS workspace_name,
                    w.created_at AS workspace_created_at
             FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id
             WHERE k.secret_hash = $1 AND k.revoked_at IS NULL
               AND (k.expires_at IS NULL OR k.expires_at > $2)"))
            .bind(secret_hash)
            .bind(now)
            .fetch_optional(pool)
            .await)
    }

    /// Records a key's use, at most once a minute.
    pub async fn touch_api_key(&self, id: Uuid, now: DateTime<Utc>) -> sqlx::Result<()> {
        let stale = now - chrono::Duration::seconds(60);
        with_pool!(self, pool => sqlx::query(
            "UPDATE api_keys SET last_used_at = $2
             WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)")
            .bind(id)
            .bind(now)
            .bind(stale)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// The keys of `workspaces` (revoked and expired ones too), newest first within each, in
    /// one statement.
    pub async fn api_keys_of(&self, workspaces: &[Uuid]) -> sqlx::Result<Vec<ApiKeyRow>> {
        let order = keys_in!("k.workspace_id", " ORDER BY k.created_at DESC, k.id");
        self.keys_in(order, workspaces).await
    }

    /// Keys by id (the actors of audit events), in one statement.
    pub async fn api_keys(&self, ids: &[Uuid]) -> sqlx::Result<Vec<ApiKeyRow>> {
        self.keys_in(keys_in!("k.id", ""), ids).await
    }

    /// Keys whose column (of [`keys_in!`]) is one of `ids`.
    async fn keys_in(
        &self,
        (pg, sqlite): (&'static str, &'static str),
        ids: &[Uuid],
    ) -> sqlx::Result<Vec<ApiKeyRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        match self.counted_pool() {
            Pool::Postgres(pool) => sqlx::query_as(pg).bind(ids).fetch_all(pool).await,
            Pool::Sqlite(pool) => {
                sqlx::query_as(sqlite)
                    .bind(json_ids(ids))
                    .fetch_all(pool)
                    .await
            }
        }
    }
}

impl Tx {
    pub async fn insert_api_key(
        &mut self,
        key: &NewApiKey<'_>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<ApiKeyRow> {
        with_tx!(self, c => sqlx::query_as(
            "INSERT INTO api_keys (id, workspace_id, name, role, prefix, secret_hash, created_by,
                                   created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             RETURNING id, workspace_id, name, role, prefix, created_by, created_at,
                       last_used_at, expires_at, revoked_at")
            .bind(key.id)
            .bind(key.workspace)
            .bind(key.name)
            .bind(key.role.as_str())
            .bind(key.prefix)
            .bind(key.secret_hash)
            .bind(key.created_by)
            .bind(now)
            .bind(key.expires_at)
            .fetch_one(&mut *c)
            .await)
    }

    /// A key of `workspace` not revoked, read under the workspace lock.
    pub async fn unrevoked_api_key(
        &mut self,
        workspace: Uuid,
        id: Uuid,
    ) -> sqlx::Result<Option<ApiKeyRow>> {
        with_tx!(self, c => sqlx::query_as(concat!(
            "SELECT ", key_columns!(), " FROM api_keys k
             WHERE k.workspace_id = $1 AND k.id = $2 AND k.revoked_at IS NULL"))
            .bind(workspace)
            .bind(id)
            .fetch_optional(&mut *c)
            .await)
    }

    /// A key of `workspace`, whatever its state.
    pub async fn api_key(&mut self, workspace: Uuid, id: Uuid) -> sqlx::Result<Option<ApiKeyRow>> {
        with_tx!(self, c => sqlx::query_as(concat!(
            "SELECT ", key_columns!(), " FROM api_keys k WHERE k.workspace_id = $1 AND k.id = $2"))
            .bind(workspace)
            .bind(id)
            .fetch_optional(&mut *c)
            .await)
    }

    /// Revokes a live key; `None` when it was revoked already.
    pub async fn revoke_api_key(
        &mut self,
        workspace: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Option<ApiKeyRow>> {
        with_tx!(self, c => sqlx::query_as(
            "UPDATE api_keys SET revoked_at = $3
             WHERE workspace_id = $1 AND id = $2 AND revoked_at IS NULL
             RETURNING id, workspace_id, name, role, prefix, created_by, created_at,
                       last_used_at, expires_at, revoked_at")
            .bind(workspace)
            .bind(id)
            .bind(now)
            .fetch_optional(&mut *c)
            .await)
    }
}
