//! Accounts.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

use super::tx::{Tx, with_tx};
use super::{Db, with_pool};
use crate::domain::{AccountStatus, Language};

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
}

impl Tx {
    /// Inserts an account; `None` when the email is taken.
    pub async fn insert_account(
        &mut self,
        account: NewAccount<'_>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Option<AccountRow>> {
        with_tx!(self, c => sqlx::query_as(
            "INSERT INTO accounts (id, email, name, password_hash, status, language, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT DO NOTHING
             RETURNING id, email, name, password_hash, status, language, created_at, last_active_at")
            .bind(Uuid::new_v4())
            .bind(account.email)
            .bind(account.name)
            .bind(account.password_hash)
            .bind(account.status.as_str())
            .bind(account.language.as_str())
            .bind(now)
            .fetch_optional(&mut *c)
            .await)
    }

    pub async fn account(&mut self, id: Uuid) -> sqlx::Result<Option<AccountRow>> {
        with_tx!(self, c => sqlx::query_as(concat!(select_accounts!(), " WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *c)
            .await)
    }

    /// The accounts of `emails` (normalized addresses), in one statement.
    pub async fn accounts_by_emails(&mut self, emails: &[&str]) -> sqlx::Result<Vec<AccountRow>> {
        if emails.is_empty() {
            return Ok(Vec::new());
        }
        with_tx!(self, c => {
            let mut qb = sqlx::QueryBuilder::new(concat!(select_accounts!(), " WHERE lower(email) IN ("));
            let mut list = qb.separated(", ");
            for email in emails {
                list.push_bind(*email);
            }
            qb.push(")");
            qb.build_query_as().fetch_all(&mut *c).await
        })
    }

    /// Creates PENDING accounts for invited addresses (`(email, name)` pairs), in one statement.
    /// An address another request registered a moment ago is skipped: the caller reads it back.
    pub async fn insert_pending_accounts(
        &mut self,
        accounts: &[(&str, &str)],
        language: Language,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Vec<AccountRow>> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        with_tx!(self, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO accounts (id, email, name, status, language, created_at) ");
            qb.push_values(accounts, |mut row, (email, name)| {
                row.push_bind(Uuid::new_v4())
                    .push_bind(*email)
                    .push_bind(*name)
                    .push_bind(AccountStatus::Pending.as_str())
                    .push_bind(language.as_str())
                    .push_bind(now);
            });
            qb.push(" ON CONFLICT DO NOTHING
                RETURNING id, email, name, password_hash, status, language, created_at, last_active_at");
            qb.build_query_as().fetch_all(&mut *c).await
        })
    }

    /// Deletes `account` if it is PENDING and belongs to no workspace; true when deleted.
    pub async fn delete_if_orphaned_pending(&mut self, account: Uuid) -> sqlx::Result<bool> {
        with_tx!(self, c => sqlx::query_scalar::<_, Uuid>(
            "DELETE FROM accounts WHERE id = $1 AND status = 'PENDING'
               AND NOT EXISTS (SELECT 1 FROM members WHERE account_id = $1)
             RETURNING id")
            .bind(account)
            .fetch_optional(&mut *c)
            .await
            .map(|r| r.is_some()))
    }

    /// Makes a PENDING account ACTIVE with its chosen name and password.
    pub async fn activate_account(
        &mut self,
        account: Uuid,
        name: &str,
        password_hash: &str,
    ) -> sqlx::Result<Option<AccountRow>> {
        with_tx!(self, c => sqlx::query_as(
            "UPDATE accounts SET name = $2, password_hash = $3, status = 'ACTIVE'
             WHERE id = $1 AND status = 'PENDING'
             RETURNING id, email, name, password_hash, status, language, created_at, last_active_at")
            .bind(account)
            .bind(name)
            .bind(password_hash)
            .fetch_optional(&mut *c)
            .await)
    }
}
