//! The transactional email outbox: rows are written in the transaction that causes the email.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::tx::{Tx, with_tx};
use super::with_pool;
use crate::db::Db;
use crate::domain::Language;

/// Kinds of email (SPEC section 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailKind {
    Invitation,
    AddedToWorkspace,
    TransferCode,
    OwnershipTransferredOld,
    OwnershipTransferredNew,
}

impl EmailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::Invitation => "invitation",
            EmailKind::AddedToWorkspace => "added_to_workspace",
            EmailKind::TransferCode => "transfer_code",
            EmailKind::OwnershipTransferredOld => "ownership_transferred_old",
            EmailKind::OwnershipTransferredNew => "ownership_transferred_new",
        }
    }
}

/// An email to send, with everything needed to render it.
pub struct NewEmail<'a> {
    pub kind: EmailKind,
    pub workspace: Option<Uuid>,
    pub recipient: &'a str,
    pub language: Language,
    /// Template values: workspace name, inviter, link or code...
    pub payload: serde_json::Value,
}

/// A queued email as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: Uuid,
    pub kind: String,
    pub workspace_id: Option<Uuid>,
    pub recipient: String,
    pub language: String,
    pub payload: String,
    pub created_at: DateTime<Utc>,
    pub attempts: i32,
    pub sent_at: Option<DateTime<Utc>>,
}

impl Tx {
    pub async fn enqueue_email(
        &mut self,
        email: NewEmail<'_>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        let payload = email.payload.to_string();
        with_tx!(self, c => sqlx::query(
            "INSERT INTO email_outbox (id, kind, workspace_id, recipient, language, payload, created_at, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)")
            .bind(Uuid::new_v4())
            .bind(email.kind.as_str())
            .bind(email.workspace)
            .bind(email.recipient)
            .bind(email.language.as_str())
            .bind(&payload)
            .bind(now)
            .execute(&mut *c)
            .await
            .map(|_| ()))
    }

    /// Emails queued for `workspace` of the given kinds since `since` (the invitation rate limit).
    pub async fn emails_since(
        &mut self,
        workspace: Uuid,
        since: DateTime<Utc>,
    ) -> sqlx::Result<(i64, Option<DateTime<Utc>>)> {
        with_tx!(self, c => sqlx::query_as(
            "SELECT COUNT(*), MIN(created_at) FROM email_outbox
             WHERE workspace_id = $1 AND created_at > $2 AND kind IN ('invitation', 'added_to_workspace')")
            .bind(workspace)
            .bind(since)
            .fetch_one(&mut *c)
            .await)
    }
}

impl Db {
    /// The whole outbox, oldest first (tests and diagnostics).
    pub async fn outbox(&self) -> sqlx::Result<Vec<OutboxRow>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT id, kind, workspace_id, recipient, language, payload, created_at, attempts, sent_at
             FROM email_outbox ORDER BY created_at, id")
            .fetch_all(pool)
            .await)
    }
}
