//! Accounts.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

use super::members::insert_member;
use super::workspaces::insert_workspace;
use super::{Db, WorkspaceRow, with_pool, write_tx};
use crate::domain::{AccountStatus, Language, Role};

#[derive(Clone, Debug, FromRow)]
pub struct AccountRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub password_hash: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: AccountStatus,
    #[sqlx(try_from = "String")]
    pub language: Language,
    pub created_at: DateTime<Utc>,
    pub last_active_at: Option<DateTime<Utc>>,
}

/// A new account's fields.
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: Option<&'a str>,
    pub status: AccountStatus,
    pub language: Language,
}

macro_rules! select_accounts {
    () => {
        "SELECT id, email, name, password_hash, status, language, created_at, last_active_at FROM accounts"
    };
}

/// What sign-up creates: the account and the workspace it owns.
pub enum SignUp {
    Created(AccountRow, WorkspaceRow),
    EmailTaken,
}

impl Db {
    pub async fn account(&self, id: Uuid) -> sqlx::Result<Option<AccountRow>> {
        with_pool!(self, pool => sqlx::query_as(concat!(select_accounts!(), " WHERE id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await)
    }

    pub async fn account_by_email(&self, email: &str) -> sqlx::Result<Option<AccountRow>> {
        with_pool!(self, pool => sqlx::query_as(concat!(select_accounts!(), " WHERE lower(email) = lower($1)"))
            .bind(email)
            .fetch_optional(pool)
            .await)
    }

    /// One statement for any number of ids (the account DataLoader).
    pub async fn accounts(&self, ids: &[Uuid]) -> sqlx::Result<Vec<AccountRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        with_pool!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new(concat!(select_accounts!(), " WHERE id IN ("));
            let mut list = qb.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            qb.push(")");
            qb.build_query_as().fetch_all(pool).await
        })
    }

    /// Records authenticated use, at most once a minute per account.
    pub async fn touch_account(&self, id: Uuid, now: DateTime<Utc>) -> sqlx::Result<()> {
        let stale = now - chrono::Duration::seconds(60);
        with_pool!(self, pool => sqlx::query(
            "UPDATE accounts SET last_active_at = $2
             WHERE id = $1 AND (last_active_at IS NULL OR last_active_at < $3)")
            .bind(id)
            .bind(now)
            .bind(stale)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Creates an ACTIVE account and a workspace it owns, in one transaction.
    pub async fn sign_up(
        &self,
        account: NewAccount<'_>,
        workspace_name: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<SignUp> {
        let account_id = Uuid::new_v4();
        let workspace_id = Uuid::new_v4();
        write_tx!(self, tx => {
            let inserted: Option<AccountRow> = sqlx::query_as(
                "INSERT INTO accounts (id, email, name, password_hash, status, language, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT DO NOTHING
                 RETURNING id, email, name, password_hash, status, language, created_at, last_active_at")
                .bind(account_id)
                .bind(account.email)
                .bind(account.name)
                .bind(account.password_hash)
                .bind(account.status.as_str())
                .bind(account.language.as_str())
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(inserted) = inserted else {
                return Ok(SignUp::EmailTaken);
            };
            let workspace: WorkspaceRow = insert_workspace!(&mut *tx, workspace_id, workspace_name, now)?;
            insert_member!(&mut *tx, workspace_id, account_id, Role::Owner, None::<Uuid>, now)?;
            tx.commit().await?;
            Ok(SignUp::Created(inserted, workspace))
        })
    }
}
