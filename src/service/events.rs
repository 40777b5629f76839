//! Live membership events for `memberEvents` subscribers.
//!
//! Every audit event is published once its transaction commits: to this process's subscribers
//! directly, and on PostgreSQL also through `NOTIFY` (sent inside the transaction, so delivered
//! only on commit) to the other replicas, whose listeners re-publish it locally.

use std::sync::Arc;
use tokio::sync::broadcast;
use uuid::Uuid;

use super::Roster;
use crate::db::audit::AuditEventRow;
use crate::db::{Pool, Tx};

/// The PostgreSQL channel replicas share.
const CHANNEL: &str = "roster_member_events";
/// Events buffered per subscriber before a slow one starts missing some.
const BUFFER: usize = 1024;

/// One process's fan-out of committed events.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Arc<AuditEventRow>>,
    /// Tells this replica's own notifications apart from the others'.
    origin: Uuid,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Notification {
    origin: Uuid,
    event: AuditEventRow,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            sender: broadcast::channel(BUFFER).0,
            origin: Uuid::new_v4(),
        }
    }
}

impl Events {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<AuditEventRow>> {
        self.sender.subscribe()
    }

    fn publish(&self, event: AuditEventRow) {
        // No subscribers is not an error.
        let _ = self.sender.send(Arc::new(event));
    }

    /// On PostgreSQL, re-publishes other replicas' events until the pool closes.
    pub fn listen(&self, pool: &Pool) {
        let Pool::Postgres(pool) = pool else {
            return;
        };
        let (pool, events) = (pool.clone(), self.clone());
        tokio::spawn(async move {
            loop {
                if let Err(e) = events.relay(&pool).await {
                    if pool.is_closed() {
                        return;
                    }
                    tracing::warn!(error = %e, "member-event listener failed; reconnecting");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        });
    }

    async fn relay(&self, pool: &sqlx::PgPool) -> sqlx::Result<()> {
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        loop {
            let notification = listener.recv().await?;
            match serde_json::from_str::<Notification>(notification.payload()) {
                Ok(n) if n.origin != self.origin => self.publish(n.event),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "unreadable member event"),
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
        for event in &events {
            let note = Notification {
                origin: self.events.origin,
                event: event.clone(),
            };
            match serde_json::to_string(&note) {
                Ok(payload) => tx.notify(CHANNEL, &payload).await?,
                Err(e) => tracing::warn!(error = %e, "cannot encode a member event"),
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
