//! Single-use links sent to an address (email verification, password reset). Only the SHA-256
//! of a token is stored.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::new_id;
use super::tx::{Tx, with_tx};

/// What an emailed token proves the address for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EmailTokenRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Tx {
    /// Issues a token, revoking the account's open ones of the same purpose.
    pub async fn issue_email_token(
        &mut self,
        purpose: Purpose,
        account: Uuid,
        hash: &[u8],
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        self.revoke_email_tokens_of(purpose, account, now).await?;
        with_tx!(self, c => sqlx::query(
            "INSERT INTO email_tokens (id, purpose, token_hash, account_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(new_id())
            .bind(purpose.as_str())
            .bind(hash)
            .bind(account)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *c)
            .await
            .map(|_| ()))
    }

    pub async fn email_token(
        &mut self,
        purpose: Purpose,
        hash: &[u8],
    ) -> sqlx::Result<Option<EmailTokenRow>> {
        with_tx!(self, c => sqlx::query_as(
            "SELECT id, account_id, expires_at, used_at, revoked_at FROM email_tokens
             WHERE purpose = $1 AND token_hash = $2")
            .bind(purpose.as_str())
            .bind(hash)
            .fetch_optional(&mut *c)
            .await)
    }

    /// Uses up a live token; false when another request used it first.
    pub async fn use_email_token(&mut self, id: Uuid, now: DateTime<Utc>) -> sqlx::Result<bool> {
        with_tx!(self, c => sqlx::query_scalar::<_, Uuid>(
            "UPDATE email_tokens SET used_at = $2
             WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL RETURNING id")
            .bind(id)
            .bind(now)
            .fetch_optional(&mut *c)
            .await
            .map(|r| r.is_some()))
    }

    /// Revokes every open token of `purpose` for `account`.
    pub async fn revoke_email_tokens_of(
        &mut self,
        purpose: Purpose,
        account: Uuid,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        with_tx!(self, c => sqlx::query(
            "UPDATE email_tokens SET revoked_at = $3
             WHERE purpose = $1 AND account_id = $2 AND used_at IS NULL AND revoked_at IS NULL")
            .bind(purpose.as_str())
            .bind(account)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|_| ()))
    }
}
