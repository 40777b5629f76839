//! Write transactions that a use case drives statement by statement.

use sqlx::{Postgres, Sqlite, Transaction};

use super::{Db, Pool};

/// An open write transaction on either backend. Dropping it rolls back.
pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$conn` bound to the transaction's concrete connection.
macro_rules! with_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::tx::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::db::tx::Tx::Postgres(t) => {
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
        Ok(match self.pool() {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}
