//! Live membership events for `memberEvents` subscribers.
//!
//! Every audit event is published once its transaction commits: to this process's subscribers
//! directly, and on PostgreSQL also through `NOTIFY` (sent inside the transaction, so delivered
//! only on commit) to the other replicas, whose listeners read the events by id and re-publish
//! them locally. One notification carries the ids of up to [`IDS_PER_NOTIFY`] events.

use std::sync::Arc;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::Roster;
use crate::db::audit::AuditEventRow;
use crate::db::{Db, Pool, Tx};

/// Prefix of the PostgreSQL channel replicas share; the schema name follows, so deployments
/// in different schemas of one database do not hear each other.
const CHANNEL_PREFIX: &str = "roster_events_";
/// Events buffered per subscriber before a slow one starts missing some.
const BUFFER: usize = 1024;
/// Event ids per notification (PostgreSQL caps a payload at 8000 bytes; an id takes 37).
const IDS_PER_NOTIFY: usize = 150;

/// One process's fan-out of committed events.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Arc<AuditEventRow>>,
    /// Tells this replica's own notifications apart from the others'.
    origin: Uuid,
    /// The PostgreSQL channel (empty on SQLite).
    channel: Arc<str>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Notification {
    origin: Uuid,
    events: Vec<Uuid>,
}

impl Events {
    /// Events for `db`; on PostgreSQL also relays other replicas' events until the pool closes.
    pub async fn start(db: &Db) -> sqlx::Result<Events> {
        let channel: String = match db.pool() {
            Pool::Postgres(pool) => {
                let schema: String = sqlx::query_scalar("SELECT current_schema()")
                    .fetch_one(pool)
                    .await?;
                // Channel names are identifiers: at most 63 bytes.
                format!("{CHANNEL_PREFIX}{schema}")
                    .chars()
                    .take(63)
                    .collect()
            }
            Pool::Sqlite(_) => String::new(),
        };
        let events = Events {
            sender: broadcast::channel(BUFFER).0,
            origin: Uuid::new_v4(),
            channel: channel.into(),
        };
        events.listen(db);
        Ok(events)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<AuditEventRow>> {
        self.sender.subscribe()
    }

    fn publish(&self, event: AuditEventRow) {
        // No subscribers is not an error.
        let _ = self.sender.send(Arc::new(event));
    }

    fn listen(&self, db: &Db) {
        let Pool::Postgres(pool) = db.pool() else {
            return;
        };
        let (pool, db, events) = (pool.clone(), db.clone(), self.clone());
        tokio::spawn(async move {
            loop {
                if let Err(e) = events.relay(&pool, &db).await {
                    if pool.is_closed() {
                        return;
                    }
                    tracing::warn!(error = %e, "member-event listener failed; reconnecting");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        });
    }

    async fn relay(&self, pool: &sqlx::PgPool, db: &Db) -> sqlx::Result<()> {
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(&self.channel).await?;
        loop {
            let notification = listener.recv().await?;
            match serde_json::from_str::<Notification>(notification.payload()) {
                Ok(n) if n.origin != self.origin => {
                    for event in db.audit_events(&n.events).await? {
                        self.publish(event);
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "unreadable member-event notification"),
            }
        }
    }
}

impl Roster {
    /// Commits `tx`, publishes the audit events it recorded and wakes the outbox worker if it
    /// queued an email.
    pub(crate) async fn commit(&self, mut tx: Tx) -> sqlx::Result<()> {
        let events = std::mem::take(&mut tx.events);
        let queued_email = tx.queued_email;
        if tx.can_notify() {
            for chunk in events.chunks(IDS_PER_NOTIFY) {
                let note = Notification {
                    origin: self.events.origin,
                    events: chunk.iter().map(|e| e.id).collect(),
                };
                match serde_json::to_string(&note) {
                    Ok(payload) => tx.notify(&self.events.channel, &payload).await?,
                    Err(e) => tracing::warn!(error = %e, "cannot encode member events"),
                }
            }
        }
        tx.commit().await?;
        for event in events {
            self.events.publish(event);
        }
        if queued_email {
            self.mail_wakeup.notify_one();
        }
        Ok(())
    }
}
