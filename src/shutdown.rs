//! A process-wide "shutting down" flag that long-lived connections (WebSockets) watch, so a
//! graceful shutdown does not wait on them forever.

use tokio::sync::watch;

#[derive(Clone)]
pub struct Shutdown {
    tx: watch::Sender<bool>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown::new()
    }
}

impl Shutdown {
    pub fn new() -> Shutdown {
        Shutdown {
            tx: watch::Sender::new(false),
        }
    }

    /// Tells every watcher to finish.
    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }

    /// Resolves once [`Shutdown::trigger`] was called (at once if it already was).
    pub async fn wait(&self) {
        let mut rx = self.tx.subscribe();
        let _ = rx.wait_for(|down| *down).await;
    }
}
