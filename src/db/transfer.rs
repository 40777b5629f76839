//! Ownership-transfer codes: one live code per workspace, stored hashed.

use chrono::{DateTime, Utc};
use sqlx::FromRow;
use uuid::Uuid;

use super::tx::{Tx, with_tx};

#[derive(Clone, Debug, FromRow)]
pub struct TransferCodeRow {
    pub account_id: Uuid,
    pub code_hash: Vec<u8>,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub failures: i32,
}

impl Tx {
    pub async fn transfer_code(
        &mut self,
        workspace: Uuid,
    ) -> sqlx::Result<Option<TransferCodeRow>> {
        with_tx!(self, c => sqlx::query_as(
            "SELECT account_id, code_hash, sent_at, expires_at, failures FROM transfer_codes WHERE workspace_id = $1")
            .bind(workspace)
            .fetch_optional(&mut *c)
            .await)
    }

    /// Stores a new code for `workspace`, replacing the previous one.
    pub async fn put_transfer_code(
        &mut self,
        workspace: Uuid,
        account: Uuid,
        code_hash: &[u8],
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        with_tx!(self, c => sqlx::query(
            "INSERT INTO transfer_codes (workspace_id, account_id, code_hash, sent_at, expires_at, failures)
             VALUES ($1, $2, $3, $4, $5, 0)
             ON CONFLICT (workspace_id) DO UPDATE SET account_id = $2, code_hash = $3, sent_at = $4,
                 expires_at = $5, failures = 0")
            .bind(workspace)
            .bind(account)
            .bind(code_hash)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *c)
            .await
            .map(|_| ()))
    }

    /// Counts a wrong code; returns the failures so far.
    pub async fn fail_transfer_code(&mut self, workspace: Uuid) -> sqlx::Result<i32> {
        with_tx!(self, c => sqlx::query_scalar(
            "UPDATE transfer_codes SET failures = failures + 1 WHERE workspace_id = $1 RETURNING failures")
            .bind(workspace)
            .fetch_optional(&mut *c)
            .await
            .map(|n| n.unwrap_or(0)))
    }

    pub async fn delete_transfer_code(&mut self, workspace: Uuid) -> sqlx::Result<()> {
        with_tx!(self, c => sqlx::query("DELETE FROM transfer_codes WHERE workspace_id = $1")
            .bind(workspace)
            .execute(&mut *c)
            .await
            .map(|_| ()))
    }
}
