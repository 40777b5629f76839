//! Fixed-window attempt counters, shared by every replica. An attempt is reserved with one
//! atomic upsert *before* the work it guards (a password check, an email), so a JSON batch or a
//! burst of parallel requests cannot slip past a limit between a check and an increment.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{Db, with_pool};

/// A key's window after a hit was asked for.
#[derive(Copy, Clone, Debug)]
pub struct Window {
    /// The hit was granted (the key had fewer than `limit` hits in its window).
    pub granted: bool,
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

#[derive(sqlx::FromRow)]
struct HitRow {
    granted_to: String,
    window_start: DateTime<Utc>,
}

impl Db {
    /// Asks for one hit of `key`, granted while the key has fewer than `limit` hits in its
    /// window; a window older than `window` starts again with this hit. One statement, atomic
    /// on both backends (refused hits are not counted).
    pub async fn throttle_hit(
        &self,
        key: &str,
        limit: u32,
        now: DateTime<Utc>,
        window: Duration,
    ) -> sqlx::Result<Window> {
        let me = Uuid::new_v4().to_string();
        let limit = i32::try_from(limit).unwrap_or(i32::MAX);
        let row: HitRow = with_pool!(self, pool => sqlx::query_as(
            "INSERT INTO throttles (key, window_start, hits, granted_to)
             SELECT $1, $2, 1, $5 WHERE $4 > 0
             ON CONFLICT (key) DO UPDATE SET
                 hits = CASE WHEN throttles.window_start <= $3 THEN 1
                             WHEN throttles.hits < $4 THEN throttles.hits + 1
                             ELSE throttles.hits END,
                 granted_to = CASE WHEN throttles.window_start <= $3 OR throttles.hits < $4
                                   THEN excluded.granted_to ELSE throttles.granted_to END,
                 window_start = CASE WHEN throttles.window_start <= $3 THEN $2
                                     ELSE throttles.window_start END
             RETURNING granted_to, window_start")
            .bind(key)
            .bind(now)
            .bind(now - window)
            .bind(limit)
            .bind(&me)
            .fetch_optional(pool)
            .await)?
        .unwrap_or(HitRow {
            granted_to: String::new(),
            window_start: now,
        });
        Ok(Window {
            granted: row.granted_to == me,
            started_at: row.window_start,
        })
    }

    /// Gives one hit back to the window that started at `window_start` (an attempt that turned
    /// out not to count, such as a right password, or one that could not complete). A window
    /// that has started again since keeps its count: a late give-back never makes room for
    /// more attempts than the limit in a window.
    pub async fn throttle_release(
        &self,
        key: &str,
        window_start: DateTime<Utc>,
    ) -> sqlx::Result<()> {
        with_pool!(self, pool => sqlx::query(
            "UPDATE throttles SET hits = hits - 1
             WHERE key = $1 AND window_start = $2 AND hits > 0")
            .bind(key)
            .bind(window_start)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Drops windows that started before `stale` (they count nothing any more).
    pub async fn throttle_prune(&self, stale: DateTime<Utc>) -> sqlx::Result<()> {
        with_pool!(self, pool => sqlx::query("DELETE FROM throttles WHERE window_start < $1")
            .bind(stale)
            .execute(pool)
            .await
            .map(|_| ()))
    }
}
