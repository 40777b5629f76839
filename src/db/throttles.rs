//! Fixed-window attempt counters, shared by every replica. An attempt is reserved with one
//! atomic upsert *before* the work it guards (a password check, an email), so a JSON batch or a
//! burst of parallel requests cannot slip past a limit between a check and an increment.

use chrono::{DateTime, Duration, Utc};

use super::{Db, with_pool};

/// A key's window after a hit was reserved.
#[derive(Copy, Clone, Debug, sqlx::FromRow)]
pub struct Window {
    /// Hits in the current window, this one included.
    pub hits: i32,
    pub started_at: DateTime<Utc>,
}

impl Window {
    /// Whole seconds until the window ends (at least 1).
    pub fn retry_after(&self, window: Duration, now: DateTime<Utc>) -> u64 {
        (self.started_at + window - now)
            .num_seconds()
            .max(1)
            .unsigned_abs()
    }
}

impl Db {
    /// Counts one hit of `key`; a window older than `window` starts again with this hit.
    pub async fn throttle_hit(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> sqlx::Result<Window> {
        with_pool!(self, pool => sqlx::query_as(
            "INSERT INTO throttles (key, window_start, hits) VALUES ($1, $2, 1)
             ON CONFLICT (key) DO UPDATE SET
                 hits = CASE WHEN throttles.window_start <= $3 THEN 1 ELSE throttles.hits + 1 END,
                 window_start = CASE WHEN throttles.window_start <= $3 THEN $2 ELSE throttles.window_start END
             RETURNING hits, window_start AS started_at")
            .bind(key)
            .bind(now)
            .bind(now - window)
            .fetch_one(pool)
            .await)
    }

    /// Gives one hit back (an attempt that turned out not to count, such as a right password
    /// against a per-IP failure limit).
    pub async fn throttle_release(&self, key: &str) -> sqlx::Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE throttles SET hits = hits - 1 WHERE key = $1 AND hits > 0")
            .bind(key)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Forgets `key` (a successful login clears its email's count), and prunes windows that
    /// started before `stale`.
    pub async fn throttle_clear(&self, key: &str, stale: DateTime<Utc>) -> sqlx::Result<()> {
        with_pool!(self, pool => sqlx::query(
            "DELETE FROM throttles WHERE key = $1 OR window_start < $2")
            .bind(key)
            .bind(stale)
            .execute(pool)
            .await
            .map(|_| ()))
    }
}
