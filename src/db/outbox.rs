//! The transactional email outbox: rows are written in the transaction that causes the email.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::tx::{Tx, with_tx};
use super::{Pool, new_id, with_pool};
use crate::db::Db;
use crate::domain::Language;

/// An email to send: its kind (template folder) and its fields as JSON (see
/// `mail::message::EmailMessage`, which builds these).
pub struct NewEmail<'a> {
    pub kind: &'static str,
    pub workspace: Option<Uuid>,
    pub recipient: &'a str,
    pub language: Language,
    pub payload: String,
}

/// The claim statement up to the end of its inner SELECT (the backends differ only in the lock
/// clause that closes it).
macro_rules! claim_sql {
    () => {
        "UPDATE email_outbox SET locked_until = $2, attempts = attempts + 1
         WHERE (locked_until IS NULL OR locked_until < $1) AND id IN (
             SELECT id FROM email_outbox
             WHERE sent_at IS NULL AND dead_at IS NULL AND next_attempt_at <= $1
               AND (locked_until IS NULL OR locked_until < $1)
             ORDER BY next_attempt_at, id LIMIT $3"
    };
}

macro_rules! claim_returning {
    () => {
        " RETURNING id, kind, workspace_id, recipient, language, payload, created_at, attempts, sent_at,
           dead_at, last_error"
    };
}

/// Outbox rows per INSERT (see `Tx::enqueue_emails`).
const EMAILS_PER_STATEMENT: usize = 20;

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
    pub dead_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

impl Tx {
    pub async fn enqueue_email(
        &mut self,
        email: NewEmail<'_>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        self.enqueue_emails(vec![email], now).await
    }

    /// Queues emails, a few rows per statement; the worker is woken when the transaction
    /// commits.
    pub async fn enqueue_emails(
        &mut self,
        emails: Vec<NewEmail<'_>>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        if emails.is_empty() {
            return Ok(());
        }
        self.queued_email = true;
        // Rows carry whole template payloads: keep each statement under one 16 KiB TLS record,
        // or the last segment of a big write waits for the server's delayed ACK (sqlx leaves
        // Nagle's algorithm on).
        for chunk in emails.chunks(EMAILS_PER_STATEMENT) {
            with_tx!(self, c => {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO email_outbox (id, kind, workspace_id, recipient, language, payload, created_at, next_attempt_at) ");
                qb.push_values(chunk, |mut row, e| {
                    row.push_bind(new_id())
                        .push_bind(e.kind)
                        .push_bind(e.workspace)
                        .push_bind(e.recipient)
                        .push_bind(e.language.as_str())
                        .push_bind(e.payload.clone())
                        .push_bind(now)
                        .push_bind(now);
                });
                qb.build().execute(&mut *c).await.map(|_| ())
            })?;
        }
        Ok(())
    }

    /// Invitation emails queued for `workspace` since `since`, counted up to `cap`, and the
    /// oldest of them (the invitation rate limit). Index `email_outbox_invitations` holds exactly
    /// these rows in time order, so the count reads the index alone and stops at `cap`: its cost
    /// grows with the configured limit, not with the outbox.
    pub async fn emails_since(
        &mut self,
        workspace: Uuid,
        since: DateTime<Utc>,
        cap: i64,
    ) -> sqlx::Result<(i64, Option<DateTime<Utc>>)> {
        with_tx!(self, c => sqlx::query_as(
            "SELECT COUNT(*), MIN(created_at) FROM (
                 SELECT created_at FROM email_outbox
                 WHERE workspace_id = $1 AND created_at > $2
                   AND kind IN ('invitation', 'added_to_workspace')
                 ORDER BY created_at LIMIT $3) recent")
            .bind(workspace)
            .bind(since)
            .bind(cap)
            .fetch_one(&mut *c)
            .await)
    }
}

impl Db {
    /// The whole outbox, oldest first (tests and diagnostics).
    pub async fn outbox(&self) -> sqlx::Result<Vec<OutboxRow>> {
        with_pool!(self, pool => sqlx::query_as(
            "SELECT id, kind, workspace_id, recipient, language, payload, created_at, attempts, sent_at,
                    dead_at, last_error
             FROM email_outbox ORDER BY created_at, id")
            .fetch_all(pool)
            .await)
    }
}

impl Db {
    /// Reserves up to `limit` due emails for this worker until `lease` and counts the attempt.
    /// A worker that dies mid-send loses its claim then, and another worker retries. On PostgreSQL
    /// `FOR UPDATE SKIP LOCKED` lets several replicas claim disjoint batches at once; SQLite
    /// has one writer at a time, and the lease check in the outer WHERE keeps it exclusive.
    pub async fn claim_emails(
        &self,
        now: DateTime<Utc>,
        lease: DateTime<Utc>,
        limit: i64,
    ) -> sqlx::Result<Vec<OutboxRow>> {
        match self.counted_pool() {
            Pool::Sqlite(pool) => {
                sqlx::query_as(concat!(claim_sql!(), ")", claim_returning!()))
                    .bind(now)
                    .bind(lease)
                    .bind(limit)
                    .fetch_all(pool)
                    .await
            }
            Pool::Postgres(pool) => {
                sqlx::query_as(concat!(
                    claim_sql!(),
                    " FOR UPDATE SKIP LOCKED)",
                    claim_returning!()
                ))
                .bind(now)
                .bind(lease)
                .bind(limit)
                .fetch_all(pool)
                .await
            }
        }
    }

    /// Marks emails delivered, storing each one's payload without its secrets, in one statement.
    pub async fn mark_emails_sent(
        &self,
        sent: &[(Uuid, String)],
        now: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        if sent.is_empty() {
            return Ok(());
        }
        with_pool!(self, pool => {
            let mut qb = sqlx::QueryBuilder::new("UPDATE email_outbox SET sent_at = ");
            qb.push_bind(now);
            qb.push(", locked_until = NULL, last_error = NULL, payload = v.payload FROM (");
            // A UNION of one-row SELECTs names its columns on both backends (VALUES does not on
            // SQLite).
            for (i, (id, payload)) in sent.iter().enumerate() {
                qb.push(if i == 0 { "SELECT " } else { " UNION ALL SELECT " });
                qb.push_bind(*id);
                qb.push(" AS id, ");
                qb.push_bind(payload.clone());
                qb.push(" AS payload");
            }
            qb.push(") AS v WHERE email_outbox.id = v.id");
            qb.build().execute(pool).await.map(|_| ())
        })
    }

    /// Schedules another attempt at `retry_at`, or gives up (`retry_at` = None: dead).
    pub async fn mark_email_failed(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
        error: &str,
    ) -> sqlx::Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE email_outbox SET locked_until = NULL, last_error = $3,
                 next_attempt_at = COALESCE($4, next_attempt_at),
                 dead_at = CASE WHEN $4 IS NULL THEN $2 ELSE NULL END
             WHERE id = $1")
            .bind(id)
            .bind(now)
            .bind(error)
            .bind(retry_at)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Emails waiting to be sent (not sent, not dead).
    pub async fn pending_emails(&self) -> sqlx::Result<i64> {
        with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM email_outbox WHERE sent_at IS NULL AND dead_at IS NULL")
            .fetch_one(pool)
            .await)
    }
}
