//! Accounts.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

use super::tx::{Tx, with_tx};
use super::{Db, Pool, json_ids, new_id, sqlite_ids, with_pool};
use crate::domain::{AccountStatus, Language};

/// An account as the rest of the server sees it: no credential (see [`Db::credential`]), so
/// nothing that travels through GraphQL, sessions or logs carries a password hash.
#[derive(Clone, Debug, FromRow)]
pub struct AccountRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub status: AccountStatus,
    #[sqlx(try_from = "String")]
    pub language: Language,
    pub created_at: DateTime<Utc>,
    pub last_active_at: Option<DateTime<Utc>>,
    /// When the address owner proved the address (opened a link Roster sent to it).
    pub email_verified_at: Option<DateTime<Utc>>,
}

impl AccountRow {
    pub fn email_verified(&self) -> bool {
        self.email_verified_at.is_some()
    }

    pub fn standing(&self) -> crate::domain::Standing {
        crate::domain::Standing {
            status: self.status,
            email_verified: self.email_verified(),
        }
    }
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
        "SELECT id, email, name, status, language, created_at, last_active_at, email_verified_at FROM accounts"
    };
}

/// An account with its password hash (`None`: no password set yet), for the two places that
/// check a password.
#[derive(FromRow)]
pub struct CredentialRow {
    #[sqlx(flatten)]
    pub account: AccountRow,
    pub password_hash: Option<String>,
}

impl Db {
    /// The account of a normalized address with its password hash (login).
    pub async fn credential_by_email(&self, email: &str) -> sqlx::Result<Option<CredentialRow>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT id, email, name, status, language, created_at, last_active_at, email_verified_at,
                    password_hash
             FROM accounts WHERE lower(email) = lower($1)")
            .bind(email)
            .fetch_optional(pool)
            .await)
    }

    /// An account's password hash (`changePassword`).
    pub async fn password_hash(&self, id: Uuid) -> sqlx::Result<Option<String>> {
        with_pool!(self, pool => sqlx::query_scalar::<_, Option<String>>(
            "SELECT password_hash FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
            .map(Option::flatten))
    }

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
        match self.counted_pool() {
            Pool::Postgres(pool) => {
                sqlx::query_as(concat!(select_accounts!(), " WHERE id = ANY($1)"))
                    .bind(ids)
                    .fetch_all(pool)
                    .await
            }
            Pool::Sqlite(pool) => {
                sqlx::query_as(concat!(select_accounts!(), " WHERE id IN ", sqlite_ids!(1)))
                    .bind(json_ids(ids))
                    .fetch_all(pool)
                    .await
            }
        }
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
             RETURNING id, email, name, status, language, created_at, last_active_at, email_verified_at")
            .bind(new_id())
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
                row.push_bind(new_id())
                    .push_bind(*email)
                    .push_bind(*name)
                    .push_bind(AccountStatus::Pending.as_str())
                    .push_bind(language.as_str())
                    .push_bind(now);
            });
            qb.push(" ON CONFLICT DO NOTHING
                RETURNING id, email, name, status, language, created_at, last_active_at, email_verified_at");
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

    /// Hands the account to whoever proved its address: sets the password (and the name, when
    /// given), makes it ACTIVE and marks the address verified. `only_unproven` (activation)
    /// applies only to an account nobody has proved yet, so of two racing activations one wins.
    /// A BANNED account is never taken back this way.
    pub async fn take_over_account(
        &mut self,
        account: Uuid,
        name: Option<&str>,
        password_hash: &str,
        only_unproven: bool,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Option<AccountRow>> {
        with_tx!(self, c => sqlx::query_as(
            "UPDATE accounts SET name = COALESCE($2, name), password_hash = $3, status = 'ACTIVE',
                 email_verified_at = COALESCE(email_verified_at, $4)
             WHERE id = $1 AND status IN ('PENDING', 'ACTIVE')
               AND (NOT $5 OR status = 'PENDING' OR email_verified_at IS NULL)
             RETURNING id, email, name, status, language, created_at, last_active_at, email_verified_at")
            .bind(account)
            .bind(name)
            .bind(password_hash)
            .bind(now)
            .bind(only_unproven)
            .fetch_optional(&mut *c)
            .await)
    }

    /// Marks the address of an ACTIVE account verified; the account as it is now, if ACTIVE.
    pub async fn verify_email(
        &mut self,
        account: Uuid,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Option<AccountRow>> {
        with_tx!(self, c => sqlx::query_as(
            "UPDATE accounts SET email_verified_at = COALESCE(email_verified_at, $2)
             WHERE id = $1 AND status = 'ACTIVE'
             RETURNING id, email, name, status, language, created_at, last_active_at, email_verified_at")
            .bind(account)
            .bind(now)
            .fetch_optional(&mut *c)
            .await)
    }

    pub async fn set_password(&mut self, account: Uuid, password_hash: &str) -> sqlx::Result<()> {
        with_tx!(self, c => sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
            .bind(account)
            .bind(password_hash)
            .execute(&mut *c)
            .await
            .map(|_| ()))
    }
}
