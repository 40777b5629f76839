//! Attempt limits shared by the flows (login, password reset, verification emails).

use chrono::{DateTime, Duration, Utc};

use super::Roster;
use crate::error::{AppError, AppResult};

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
