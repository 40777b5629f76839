//! Write transactions that a use case drives statement by statement.

use sqlx::{Postgres, Sqlite, Transaction};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Db, Pool};
use crate::domain::AuditRecord;

/// The open transaction of either backend.
pub enum TxConn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// An open write transaction. Dropping it rolls back. It remembers the audit events written in
/// it, so they can be published once (and only if) it commits.
pub struct Tx {
    pub(crate) conn: TxConn,
    pub(crate) events: Vec<AuditRecord>,
    /// An email was queued: the outbox worker should look soon.
    pub(crate) queued_email: bool,
    statements: Arc<AtomicU64>,
}

/// Runs `$body` with `$conn` bound to the transaction's concrete connection.
/// Convention: `$body` sends exactly one SQL statement (it is counted as one).
macro_rules! with_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx.counted_conn() {
            $crate::db::tx::TxConn::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::tx::TxConn::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use with_tx;

impl Db {
    /// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite, so writers queue up instead of
    /// failing to upgrade a read lock).
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        let conn = match self.pool() {
            Pool::Sqlite(p) => TxConn::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => TxConn::Postgres(p.begin().await?),
        };
        Ok(Tx {
            conn,
            events: Vec::new(),
            queued_email: false,
            statements: self.statement_counter(),
        })
    }
}

impl Tx {
    pub(crate) fn counted_conn(&mut self) -> &mut TxConn {
        self.statements.fetch_add(1, Ordering::Relaxed);
        &mut self.conn
    }

    /// Commits. The audit events it recorded are for the caller to take first (see
    /// `Roster::commit`, which publishes them).
    pub async fn commit(self) -> sqlx::Result<()> {
        match self.conn {
            TxConn::Sqlite(t) => t.commit().await,
            TxConn::Postgres(t) => t.commit().await,
        }
    }
}
