//! Roster's use cases, independent of GraphQL and HTTP: each flow validates its input, applies
//! the domain rules and talks to the database. Resolvers are thin calls into these.

pub mod api_keys;
pub mod auth;
mod events;
mod invitations;
pub mod keys;
mod members;
mod ownership;
mod recovery;
mod throttle;
mod workspaces;
pub mod writes;

pub use auth::{Authenticated, Session};
pub use events::Events;
pub use invitations::{InvitationPreview, InviteResult};

use anyhow::Context as _;
use std::sync::Arc;
use tokio::sync::Notify;

use crate::auth::hashing::Hashing;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::db::{Db, Tx};

/// The application core shared by every request.
#[derive(Clone)]
pub struct Roster {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub events: Events,
    /// Woken when a committed transaction queued an email.
    pub mail_wakeup: Arc<Notify>,
    /// The password-hashing budget: every Argon2 hash takes a place in it first.
    pub hashing: Hashing,
    /// The keys that sign and verify tokens.
    pub keys: Arc<keys::Keys>,
}

impl Roster {
    /// Connects to the configured database (applying migrations) and loads the signing keys.
    pub async fn connect(config: Config) -> anyhow::Result<Roster> {
        let db = Db::connect(&config.database_url).await?;
        Roster::new(db, config, Arc::new(SystemClock)).await
    }

    pub async fn new(db: Db, config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Roster> {
        let keys = Arc::new(keys::Keys::load(&db, &config, clock.now()).await?);
        keys::Keys::keep_current(&keys, db.clone());
        let events = Events::start(&db).await?;
        let limits = &config.limits;
        let hashing = Hashing::start(limits.hash_threads, limits.hash_queue)
            .context("cannot start the password-hashing threads")?;
        Ok(Roster {
            db,
            config: Arc::new(config),
            clock,
            events,
            mail_wakeup: Arc::new(Notify::new()),
            hashing,
            keys,
        })
    }

    pub fn loader_delay(&self) -> std::time::Duration {
        std::time::Duration::from_micros(self.config.loader_delay_us)
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Commits `tx`: announces its audit events to the other replicas (inside it), commits,
    /// publishes the events here, tells the request that it wrote (its loaders drop what they
    /// cached, see [`writes`]) and wakes the outbox worker if it queued an email.
    pub(crate) async fn commit(&self, mut tx: Tx) -> sqlx::Result<()> {
        let events = std::mem::take(&mut tx.events);
        let queued_email = tx.queued_email;
        self.events.announce(&mut tx, &events).await?;
        tx.commit().await?;
        writes::wrote();
        self.events.publish_all(events);
        if queued_email {
            self.mail_wakeup.notify_one();
        }
        Ok(())
    }
}
