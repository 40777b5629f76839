//! Which request wrote: a use case that commits marks the request it runs in, so that
//! request's read caches (the GraphQL loaders) forget what they read before the change. One
//! place, whatever the mutation: `Roster::commit`.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

tokio::task_local! {
    static WRITES: Arc<AtomicU64>;
}

/// Runs `operation` counting its commits in `counter`.
pub async fn counting<F: Future>(counter: Arc<AtomicU64>, operation: F) -> F::Output {
    WRITES.scope(counter, operation).await
}

/// Marks the current operation (if any is counted) as having committed a change.
pub(crate) fn wrote() {
    let _ = WRITES.try_with(|w| w.fetch_add(1, Ordering::Release));
}
