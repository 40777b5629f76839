//! PostgreSQL LISTEN/NOTIFY: how replicas tell each other about committed member events.
//! SQLite has one process and no notifications: every function here is a no-op there.

use super::tx::TxConn;
use super::{Db, Pool, Tx};

/// Prefix of the channel replicas share; the schema name follows, so deployments in different
/// schemas of one database do not hear each other.
const CHANNEL_PREFIX: &str = "roster_events_";

/// The notification channel of this database's schema; `None` on SQLite.
pub async fn events_channel(db: &Db) -> sqlx::Result<Option<String>> {
    match db.pool() {
        Pool::Postgres(pool) => {
            let schema: String = sqlx::query_scalar("SELECT current_schema()")
                .fetch_one(pool)
                .await?;
            // Channel names are identifiers: at most 63 bytes.
            Ok(Some(
                format!("{CHANNEL_PREFIX}{schema}")
                    .chars()
                    .take(63)
                    .collect(),
            ))
        }
        Pool::Sqlite(_) => Ok(None),
    }
}

/// A connection listening on one channel (PostgreSQL).
pub struct Listener {
    listener: sqlx::postgres::PgListener,
}

impl Listener {
    /// Listens on `channel`; `None` on SQLite.
    pub async fn start(db: &Db, channel: &str) -> sqlx::Result<Option<Listener>> {
        let Pool::Postgres(pool) = db.pool() else {
            return Ok(None);
        };
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(channel).await?;
        Ok(Some(Listener { listener }))
    }

    /// The next notification's payload.
    pub async fn recv(&mut self) -> sqlx::Result<String> {
        Ok(self.listener.recv().await?.payload().to_owned())
    }
}

impl Db {
    /// True once the pool is closed (the server is shutting down).
    pub fn is_closed(&self) -> bool {
        match self.pool() {
            Pool::Postgres(p) => p.is_closed(),
            Pool::Sqlite(p) => p.is_closed(),
        }
    }
}

impl Tx {
    /// True on PostgreSQL, whose `NOTIFY` reaches other replicas.
    pub fn can_notify(&self) -> bool {
        matches!(self.conn, TxConn::Postgres(_))
    }

    /// PostgreSQL only: a `NOTIFY` delivered to every listening replica when (and only if) this
    /// transaction commits. A no-op on SQLite.
    pub async fn notify(&mut self, channel: &str, payload: &str) -> sqlx::Result<()> {
        if let TxConn::Postgres(t) = self.counted_conn() {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }
}
