//! Workspaces.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use std::collections::HashMap;
use uuid::Uuid;

use super::tx::{Tx, with_tx};
use super::{AccountRow, Db, Pool, json_ids, new_id, sqlite_ids};
use crate::domain::Role;

#[derive(Clone, Debug, FromRow)]
pub struct WorkspaceRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A workspace with the role of the account it was listed for.
#[derive(Clone, Debug, FromRow)]
pub struct AccountWorkspaceRow {
    pub account_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub role: Role,
}

impl Db {
    /// One statement for any number of ids (the workspace DataLoader).
    pub async fn workspaces(&self, ids: &[Uuid]) -> sqlx::Result<Vec<WorkspaceRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        match self.counted_pool() {
            Pool::Postgres(pool) => {
                sqlx::query_as("SELECT id, name, created_at FROM workspaces WHERE id = ANY($1)")
                    .bind(ids)
                    .fetch_all(pool)
                    .await
            }
            Pool::Sqlite(pool) => {
                sqlx::query_as(concat!(
                    "SELECT id, name, created_at FROM workspaces WHERE id IN ",
                    sqlite_ids!(1)
                ))
                .bind(json_ids(ids))
                .fetch_all(pool)
                .await
            }
        }
    }

    /// For each of `accounts`, the workspaces it shares with `viewer` (all of them when it is the
    /// viewer), oldest membership first, with that account's role. One statement.
    pub async fn shared_workspaces(
        &self,
        viewer: Uuid,
        accounts: &[Uuid],
    ) -> sqlx::Result<Vec<AccountWorkspaceRow>> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        macro_rules! shared {
            ($ids:expr) => {
                concat!(
                    "SELECT m.account_id, w.id, w.name, w.created_at, m.role
                     FROM members m
                     JOIN members v ON v.workspace_id = m.workspace_id AND v.account_id = $1
                     JOIN workspaces w ON w.id = m.workspace_id
                     WHERE m.account_id ", $ids, " ORDER BY m.created_at, w.id")
            };
        }
        match self.counted_pool() {
            Pool::Postgres(pool) => {
                sqlx::query_as(shared!("= ANY($2)"))
                    .bind(viewer)
                    .bind(accounts)
                    .fetch_all(pool)
                    .await
            }
            Pool::Sqlite(pool) => {
                sqlx::query_as(shared!(concat!("IN ", sqlite_ids!(2))))
                    .bind(viewer)
                    .bind(json_ids(accounts))
                    .fetch_all(pool)
                    .await
            }
        }
    }

    /// The owner account of each of many workspaces, in one statement.
    pub async fn owners(&self, ids: &[Uuid]) -> sqlx::Result<HashMap<Uuid, AccountRow>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        macro_rules! owners {
            ($ids:expr) => {
                concat!(
                    "SELECT m.workspace_id, a.id, a.email, a.name, a.status, a.language,
                            a.created_at, a.last_active_at, a.email_verified_at
                     FROM members m JOIN accounts a ON a.id = m.account_id
                     WHERE m.role = 'OWNER' AND m.workspace_id ",
                    $ids
                )
            };
        }
        let rows: Vec<OwnerRow> = match self.counted_pool() {
            Pool::Postgres(pool) => {
                sqlx::query_as(owners!("= ANY($1)"))
                    .bind(ids)
                    .fetch_all(pool)
                    .await
            }
            Pool::Sqlite(pool) => {
                sqlx::query_as(owners!(concat!("IN ", sqlite_ids!(1))))
                    .bind(json_ids(ids))
                    .fetch_all(pool)
                    .await
            }
        }?;
        Ok(rows
            .into_iter()
            .map(|r| (r.workspace_id, r.account))
            .collect())
    }
}

/// A workspace's owner.
#[derive(FromRow)]
struct OwnerRow {
    workspace_id: Uuid,
    #[sqlx(flatten)]
    account: AccountRow,
}

impl Tx {
    pub async fn insert_workspace(
        &mut self,
        name: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<WorkspaceRow> {
        with_tx!(self, c => sqlx::query_as(
            "INSERT INTO workspaces (id, name, created_at) VALUES ($1, $2, $3)
             RETURNING id, name, created_at")
            .bind(new_id())
            .bind(name)
            .bind(now)
            .fetch_one(&mut *c)
            .await)
    }

    pub async fn rename_workspace(
        &mut self,
        id: Uuid,
        name: &str,
    ) -> sqlx::Result<Option<WorkspaceRow>> {
        with_tx!(self, c => sqlx::query_as(
            "UPDATE workspaces SET name = $2 WHERE id = $1 RETURNING id, name, created_at")
            .bind(id)
            .bind(name)
            .fetch_optional(&mut *c)
            .await)
    }
}
