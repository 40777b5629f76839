//! Time, injectable so tests can move it (token expiry, rate-limit windows).

use chrono::{DateTime, SubsecRound, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Where "now" comes from.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// Wall-clock time, truncated to microseconds (what PostgreSQL keeps), so a value read back
/// from either backend equals the value written.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// Wall-clock time shifted by an adjustable offset: tests jump into the future with it.
#[derive(Default)]
pub struct OffsetClock {
    offset_secs: AtomicI64,
}

impl OffsetClock {
    pub fn new() -> Arc<OffsetClock> {
        Arc::new(OffsetClock::default())
    }

    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        SystemClock.now() + chrono::Duration::seconds(self.offset_secs.load(Ordering::SeqCst))
    }
}
