//! The keys that sign tokens (see `auth::keys`), shared by every replica.

use chrono::{DateTime, Utc};

use super::tx::{TxConn, with_tx};
use super::{Db, with_pool};

/// A stored signing key. `private_pem` is PKCS#8 PEM.
#[derive(Clone, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub kid: String,
    pub alg: String,
    pub private_pem: String,
    pub created_at: DateTime<Utc>,
    pub signs_from: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for SigningKeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRow")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("signs_from", &self.signs_from)
            .field("retired_at", &self.retired_at)
            .finish_non_exhaustive()
    }
}

/// Inserts a key; with `$6` (first) only when no key that was not retired by hand exists.
const INSERT_KEY: &str = "INSERT INTO signing_keys (kid, alg, private_pem, created_at, signs_from)
     SELECT $1, $2, $3, $4, $5
     WHERE NOT $6 OR NOT EXISTS (SELECT 1 FROM signing_keys WHERE retired_at IS NULL)
     ON CONFLICT (kid) DO NOTHING
     RETURNING kid";

impl Db {
    /// Every key ever made, retired ones included, oldest first.
    pub async fn signing_keys(&self) -> sqlx::Result<Vec<SigningKeyRow>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT kid, alg, private_pem, created_at, signs_from, retired_at
             FROM signing_keys ORDER BY signs_from, kid")
            .fetch_all(pool)
            .await)
    }

    /// Stores `key` as the first key, unless a key (not retired by hand) exists: replicas
    /// starting together store one key between them. SQLite runs one writer at a time; on
    /// PostgreSQL a transaction-scoped advisory lock makes the check and the insert one step.
    /// True when it was stored.
    pub async fn insert_first_signing_key(&self, key: &SigningKeyRow) -> sqlx::Result<bool> {
        let mut tx = self.begin().await?;
        if let TxConn::Postgres(conn) = &mut tx.conn {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtext('roster.signing_keys.first'))")
                .execute(&mut **conn)
                .await?;
        }
        let stored: Option<String> = with_tx!(tx, c => sqlx::query_scalar(INSERT_KEY)
            .bind(&key.kid)
            .bind(&key.alg)
            .bind(&key.private_pem)
            .bind(key.created_at)
            .bind(key.signs_from)
            .bind(true)
            .fetch_optional(&mut *c)
            .await)?;
        tx.commit().await?;
        Ok(stored.is_some())
    }

    /// Stores `key` (`roster keys rotate`); false when its id exists already.
    pub async fn insert_signing_key(&self, key: &SigningKeyRow) -> sqlx::Result<bool> {
        let stored: Option<String> = with_pool!(self, pool => sqlx::query_scalar(INSERT_KEY)
            .bind(&key.kid)
            .bind(&key.alg)
            .bind(&key.private_pem)
            .bind(key.created_at)
            .bind(key.signs_from)
            .bind(false)
            .fetch_optional(pool)
            .await)?;
        Ok(stored.is_some())
    }

    /// Retires `kid` by hand at `now`; false when there is no such key or it was retired already.
    pub async fn retire_signing_key(&self, kid: &str, now: DateTime<Utc>) -> sqlx::Result<bool> {
        let retired: Option<String> = with_pool!(self, pool => sqlx::query_scalar(
            "UPDATE signing_keys SET retired_at = $2 WHERE kid = $1 AND retired_at IS NULL
             RETURNING kid")
            .bind(kid)
            .bind(now)
            .fetch_optional(pool)
            .await)?;
        Ok(retired.is_some())
    }

    /// The setting `key`, if any (see [`Db::setting_or_insert`]).
    pub async fn setting(&self, key: &str) -> sqlx::Result<Option<String>> {
        with_pool!(self, pool => sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(pool)
            .await)
    }
}
