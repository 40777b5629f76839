//! Attempt limits shared by the flows (login, password reset, verification emails).

use chrono::{DateTime, Duration, Utc};

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

impl Roster {
    /// Reserves one attempt of `key`: at most `limit` per `window`, counted before the work it
    /// guards. Past the limit: `RATE_LIMITED` with the seconds until the window ends.
    pub(crate) async fn throttle(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
        now: DateTime<Utc>,
    ) -> AppResult<()> {
        let hit = self.db.throttle_hit(key, limit, now, window).await?;
        if hit.granted {
            Ok(())
        } else {
            Err(AppError::RateLimited {
                retry_after: hit.retry_after(window, now),
            })
        }
    }
}
