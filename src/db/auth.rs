//! Refresh tokens (rotating, single use) and failed-login records.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::tx::{Tx, with_tx};
use super::{Db, with_pool};

impl Db {
    /// Starts a new token family (a login).
    pub async fn start_token_family(
        &self,
        account: Uuid,
        hash: &[u8],
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO refresh_tokens (id, token_hash, account_id, family_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(Uuid::new_v4())
            .bind(hash)
            .bind(account)
            .bind(Uuid::new_v4())
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Records a failed login for the rate limits.
    pub async fn record_login_failure(
        &self,
        email: &str,
        ip: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO login_failures (id, email, ip, created_at) VALUES ($1, $2, $3, $4)")
            .bind(Uuid::new_v4())
            .bind(email)
            .bind(ip)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Failures since `since` for `email` and for `ip`, and the oldest of each (for Retry-After).
    pub async fn login_failures_since(
        &self,
        email: &str,
        ip: &str,
        since: DateTime<Utc>,
    ) -> sqlx::Result<FailureCounts> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT
               (SELECT COUNT(*) FROM login_failures WHERE email = $1 AND created_at > $3) AS by_email,
               (SELECT MIN(created_at) FROM login_failures WHERE email = $1 AND created_at > $3) AS oldest_by_email,
               (SELECT COUNT(*) FROM login_failures WHERE ip = $2 AND created_at > $3) AS by_ip,
               (SELECT MIN(created_at) FROM login_failures WHERE ip = $2 AND created_at > $3) AS oldest_by_ip")
            .bind(email)
            .bind(ip)
            .bind(since)
            .fetch_one(pool)
            .await)
    }

    /// A successful login forgets that email's failures (and prunes records older than `before`).
    pub async fn clear_login_failures(
        &self,
        email: &str,
        before: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        with_pool!(self, pool => sqlx::query(
            "DELETE FROM login_failures WHERE email = $1 OR created_at < $2")
            .bind(email)
            .bind(before)
            .execute(pool)
            .await
            .map(|_| ()))
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct FailureCounts {
    pub by_email: i64,
    pub oldest_by_email: Option<DateTime<Utc>>,
    pub by_ip: i64,
    pub oldest_by_ip: Option<DateTime<Utc>>,
}

impl Tx {
    /// Marks a live refresh token used; returns its account and family, `None` if it was not live.
    pub async fn use_refresh_token(
        &mut self,
        hash: &[u8],
        now: DateTime<Utc>,
    ) -> sqlx::Result<Option<(Uuid, Uuid)>> {
        with_tx!(self, c => sqlx::query_as(
            "UPDATE refresh_tokens SET used_at = $2
             WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
             RETURNING account_id, family_id")
            .bind(hash)
            .bind(now)
            .fetch_optional(&mut *c)
            .await)
    }

    /// Adds a token to an existing family (the successor of a used one).
    pub async fn insert_refresh_token(
        &mut self,
        account: Uuid,
        family: Uuid,
        hash: &[u8],
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        with_tx!(self, c => sqlx::query(
            "INSERT INTO refresh_tokens (id, token_hash, account_id, family_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(Uuid::new_v4())
            .bind(hash)
            .bind(account)
            .bind(family)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *c)
            .await
            .map(|_| ()))
    }

    /// The family of an already-used token, if `hash` is one.
    pub async fn used_token_family(&mut self, hash: &[u8]) -> sqlx::Result<Option<Uuid>> {
        with_tx!(self, c => sqlx::query_scalar(
            "SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND used_at IS NOT NULL")
            .bind(hash)
            .fetch_optional(&mut *c)
            .await)
    }

    pub async fn revoke_token_family(
        &mut self,
        family: Uuid,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        with_tx!(self, c => sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL")
            .bind(family)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|_| ()))
    }
}
