//! Live membership events for `memberEvents` subscribers.
//!
//! Every audit event is published once its transaction commits (`Roster::commit`): to this
//! process's subscribers of its workspace directly, and on PostgreSQL also through `NOTIFY`
//! (see `db::notify`) to the other replicas, whose listeners read the events by id and
//! re-publish them locally. One notification carries the ids of up to [`IDS_PER_NOTIFY`]
//! events. Each workspace with subscribers has its own broadcast channel, so a subscriber is
//! woken only by its workspace's events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::db::notify::{Listener, events_channel};
use crate::db::{Db, Tx};
use crate::domain::AuditRecord;

/// Events buffered per subscriber before a slow one starts missing some.
const BUFFER: usize = 1024;
/// Event ids per notification (PostgreSQL caps a payload at 8000 bytes; an id takes 37).
const IDS_PER_NOTIFY: usize = 150;

type Channels = HashMap<Uuid, broadcast::Sender<Arc<AuditRecord>>>;

/// One process's fan-out of committed events, one channel per watched workspace.
#[derive(Clone)]
pub struct Events {
    channels: Arc<Mutex<Channels>>,
    /// Tells this replica's own notifications apart from the others'.
    origin: Uuid,
    /// The PostgreSQL channel (`None` on SQLite).
    channel: Option<Arc<str>>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Notification {
    origin: Uuid,
    events: Vec<Uuid>,
}

impl Events {
    /// Events for `db`; on PostgreSQL also relays other replicas' events until the pool closes.
    pub async fn start(db: &Db) -> sqlx::Result<Events> {
        let events = Events {
            channels: Arc::default(),
            origin: Uuid::new_v4(),
            channel: events_channel(db).await?.map(Into::into),
        };
        events.listen(db);
        Ok(events)
    }

    fn channels(&self) -> std::sync::MutexGuard<'_, Channels> {
        // A panic while holding the lock leaves the map usable.
        self.channels.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The events of `workspace` from now on.
    pub fn subscribe(&self, workspace: Uuid) -> broadcast::Receiver<Arc<AuditRecord>> {
        let mut channels = self.channels();
        // Forget the channels whose subscribers all left (the map stays as small as the set of
        // watched workspaces).
        channels.retain(|_, sender| sender.receiver_count() > 0);
        channels
            .entry(workspace)
            .or_insert_with(|| broadcast::channel(BUFFER).0)
            .subscribe()
    }

    fn publish(&self, event: AuditRecord) {
        let mut channels = self.channels();
        if let Some(sender) = channels.get(&event.workspace_id) {
            if sender.receiver_count() == 0 {
                // Its last subscriber left: forget the channel.
                channels.remove(&event.workspace_id);
            } else {
                // A subscriber leaving meanwhile is not an error.
                let _ = sender.send(Arc::new(event));
            }
        }
    }

    fn listen(&self, db: &Db) {
        let Some(channel) = self.channel.clone() else {
            return;
        };
        let (db, events) = (db.clone(), self.clone());
        tokio::spawn(async move {
            loop {
                if let Err(e) = events.relay(&db, &channel).await {
                    if db.is_closed() {
                        return;
                    }
                    tracing::warn!(error = %e, "member-event listener failed; reconnecting");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            }
        });
    }

    async fn relay(&self, db: &Db, channel: &str) -> sqlx::Result<()> {
        let Some(mut listener) = Listener::start(db, channel).await? else {
            return Ok(());
        };
        loop {
            let payload = listener.recv().await?;
            match serde_json::from_str::<Notification>(&payload) {
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

    /// Tells the other replicas (PostgreSQL) about `events`, inside `tx`: they hear of them
    /// only if it commits.
    pub(crate) async fn announce(&self, tx: &mut Tx, events: &[AuditRecord]) -> sqlx::Result<()> {
        let Some(channel) = &self.channel else {
            return Ok(());
        };
        if !tx.can_notify() {
            return Ok(());
        }
        for chunk in events.chunks(IDS_PER_NOTIFY) {
            let note = Notification {
                origin: self.origin,
                events: chunk.iter().map(|e| e.id).collect(),
            };
            match serde_json::to_string(&note) {
                Ok(payload) => tx.notify(channel, &payload).await?,
                Err(e) => tracing::warn!(error = %e, "cannot encode member events"),
            }
        }
        Ok(())
    }

    /// Hands committed events to this process's subscribers.
    pub(crate) fn publish_all(&self, events: Vec<AuditRecord>) {
        for event in events {
            self.publish(event);
        }
    }
}
