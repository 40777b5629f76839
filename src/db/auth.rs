//! Refresh tokens (rotating, single use) and failed-login records.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Db, with_pool, write_tx};

/// What presenting a refresh token did.
#[derive(Debug, PartialEq, Eq)]
pub enum Rotation {
    /// The token was live; it is now used and `new_hash` replaces it in the same family.
    Rotated { account_id: Uuid },
    /// The token had been used before: its whole family is revoked (a stolen token was replayed).
    Reused,
    /// Unknown, expired or revoked.
    Invalid,
}

impl Db {
    /// Starts a new token family (a login).
    pub async fn insert_refresh_token(
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

    /// Uses the token `hash` once and stores `new_hash` as its successor, atomically.
    pub async fn rotate_refresh_token(
        &self,
        hash: &[u8],
        new_hash: &[u8],
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> sqlx::Result<Rotation> {
        write_tx!(self, tx => {
            let live: Option<(Uuid, Uuid)> = sqlx::query_as(
                "UPDATE refresh_tokens SET used_at = $2
                 WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2
                 RETURNING account_id, family_id")
                .bind(hash)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?;
            let outcome = if let Some((account_id, family_id)) = live {
                sqlx::query(
                    "INSERT INTO refresh_tokens (id, token_hash, account_id, family_id, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(Uuid::new_v4())
                    .bind(new_hash)
                    .bind(account_id)
                    .bind(family_id)
                    .bind(now)
                    .bind(expires_at)
                    .execute(&mut *tx)
                    .await?;
                Rotation::Rotated { account_id }
            } else {
                let replayed: Option<Uuid> = sqlx::query_scalar(
                    "SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND used_at IS NOT NULL")
                    .bind(hash)
                    .fetch_optional(&mut *tx)
                    .await?;
                match replayed {
                    Some(family) => {
                        sqlx::query(
                            "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL")
                            .bind(family)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        Rotation::Reused
                    }
                    None => Rotation::Invalid,
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })
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
