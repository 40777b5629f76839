//! Attempt limits shared by the flows (login, password reset, verification emails).

use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

use super::Roster;
use crate::auth::tokens;
use crate::error::{AppError, AppResult};

/// The throttle key of `what` (an address, a client IP) for `scope`: a digest, so a key has a
/// fixed size whatever a client sends, and the table holds no addresses.
pub(crate) fn key(scope: &str, what: &str) -> String {
    let digest: String = tokens::hash(what)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{scope}:{digest}")
}

/// One attempt reserved by [`Roster::throttle`], to give back with [`Roster::give_back`] if it
/// turns out not to count.
#[derive(Clone, Debug)]
pub(crate) struct Reserved {
    key: String,
    window_start: DateTime<Utc>,
}

/// Give-backs waiting for the database to come back, at most [`MAX_DEFERRED`] at once.
static DEFERRED: AtomicUsize = AtomicUsize::new(0);
const MAX_DEFERRED: usize = 10_000;
/// A deferred give-back is retried once a second for this many seconds.
const DEFER_SECS: u64 = 120;

/// When this process last dropped stale windows (Unix seconds), and how often it does.
static PRUNED_AT: AtomicI64 = AtomicI64::new(0);
const PRUNE_EVERY_SECS: i64 = 60;

impl Roster {
    /// Reserves one attempt of `key`: at most `limit` per `window`, counted before the work it
    /// guards. Past the limit: `RATE_LIMITED` with the seconds until the window ends.
    pub(crate) async fn throttle(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
        now: DateTime<Utc>,
    ) -> AppResult<Reserved> {
        let hit = self.db.throttle_hit(key, limit, now, window).await?;
        if hit.granted {
            Ok(Reserved {
                key: key.to_owned(),
                window_start: hit.started_at,
            })
        } else {
            Err(AppError::RateLimited {
                retry_after: hit.retry_after(window, now),
            })
        }
    }

    /// Drops the windows that started before `stale` (they count nothing any more), at most
    /// once a minute per process: a table scan on every successful login would be a write per
    /// login for nothing (a flood of unknown addresses leaves a row per address and client).
    pub(crate) async fn prune_throttles(&self, stale: DateTime<Utc>, now: DateTime<Utc>) {
        let last = PRUNED_AT.load(Ordering::Relaxed);
        let due = now.timestamp() - last >= PRUNE_EVERY_SECS;
        if !due
            || PRUNED_AT
                .compare_exchange(last, now.timestamp(), Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        if let Err(e) = self.db.throttle_prune(stale).await {
            tracing::warn!(error = %e, "cannot drop old attempt counts");
        }
    }

    /// Gives a reserved attempt back. When the database cannot take it now (the attempt failed
    /// because of an outage, most likely), it is retried in the background until the database
    /// is back, so an outage never leaves failed attempts behind (SPEC 5, 6).
    pub(crate) async fn give_back(&self, reserved: Reserved) {
        let Err(e) = self
            .db
            .throttle_release(&reserved.key, reserved.window_start)
            .await
        else {
            return;
        };
        if DEFERRED.fetch_add(1, Ordering::Relaxed) >= MAX_DEFERRED {
            DEFERRED.fetch_sub(1, Ordering::Relaxed);
            tracing::warn!(error = %e, "an attempt could not be given back");
            return;
        }
        let db = self.db.clone();
        tokio::spawn(async move {
            for _ in 0..DEFER_SECS {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                if db
                    .throttle_release(&reserved.key, reserved.window_start)
                    .await
                    .is_ok()
                {
                    break;
                }
            }
            DEFERRED.fetch_sub(1, Ordering::Relaxed);
        });
    }
}
