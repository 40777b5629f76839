//! The request's batching loader: keys of one kind asked for while a request runs are loaded in
//! one statement, and answers are cached for the rest of the request (dropped after any commit
//! of the request, see `service::writes`).
//!
//! When a batch goes out: an operation runs inside [`Dispatching`], which sends every pending
//! batch when the operation can make no more progress on its own (its future is pending) *and*
//! none of its batches is in flight. So a batch holds every key the previous answers lead to,
//! whatever the load on the machine: batching follows the shape of the query, not a timer, and
//! costs no waiting. Outside an operation (a subscription's stream) a timer of the configured
//! delay sends the batch instead.

use async_graphql::dataloader::Loader;
use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;
use tokio::sync::oneshot;

type LoadError = Arc<sqlx::Error>;
type Answer<K, V> = Result<HashMap<K, V>, LoadError>;
/// Where one waiting key's value goes.
type Reply<V> = oneshot::Sender<Result<Option<V>, LoadError>>;

/// Keys the loader `L` can batch.
pub trait Key<L>: Send + Sync + Hash + Eq + Clone + 'static
where
    L: Loader<Self, Error = LoadError>,
{
}

impl<K, L> Key<L> for K
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    L: Loader<K, Error = LoadError>,
{
}

/// A batching, caching loader over `L` for one request (or one WebSocket connection).
pub struct Batcher<L: Send + Sync + 'static> {
    inner: Arc<Inner<L>>,
}

struct Inner<L> {
    loader: L,
    delay: Duration,
    /// Answers are kept for the rest of the request (off for a subscription's connection,
    /// which lives for hours: each event reads rows as they are now).
    cache: bool,
    /// Commits of the request (bumped by `Roster::commit`): caches older than the last are
    /// dropped.
    writes: Arc<AtomicU64>,
    state: Mutex<State>,
}

/// Takes a kind's pending keys; the load to run (spawned, or driven by the operation).
type Job<L> = fn(&Arc<Inner<L>>) -> Option<BoxFuture<'static, ()>>;

struct State {
    kinds: HashMap<TypeId, Box<dyn Any + Send>>,
    /// One per kind of key with pending keys: sends its batch.
    jobs: Vec<Box<dyn Any + Send>>,
    in_flight: usize,
    /// The operation to wake when a batch returns.
    waker: Option<Waker>,
    timer_armed: bool,
}

struct Kind<K, V> {
    cache: HashMap<K, V>,
    /// `writes` when `cache` was last known fresh.
    seen: u64,
    pending: HashSet<K>,
    waiters: Vec<(K, Reply<V>)>,
}

tokio::task_local! {
    /// Set while an operation's future is polled inside [`Dispatching`].
    static DISPATCHED: ();
}

/// Another handle on the same batches and caches.
impl<L: Send + Sync + 'static> Clone for Batcher<L> {
    fn clone(&self) -> Self {
        Batcher {
            inner: self.inner.clone(),
        }
    }
}

impl<L: Send + Sync + 'static> Batcher<L> {
    pub fn new(loader: L, delay: Duration, writes: Arc<AtomicU64>) -> Self {
        Batcher {
            inner: Arc::new(Inner {
                loader,
                delay,
                cache: true,
                writes,
                state: Mutex::new(State {
                    kinds: HashMap::new(),
                    jobs: Vec::new(),
                    in_flight: 0,
                    waker: None,
                    timer_armed: false,
                }),
            }),
        }
    }

    /// The same batcher, batching but keeping no answers (call before it is shared).
    pub fn without_cache(mut self) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.cache = false;
        }
        self
    }

    pub fn loader(&self) -> &L {
        &self.inner.loader
    }

    /// The value of `key` (`None`: there is none), from the cache or the next batch.
    pub async fn load_one<K>(&self, key: K) -> Result<Option<L::Value>, LoadError>
    where
        K: Key<L>,
        L: Loader<K, Error = LoadError>,
    {
        let rx = {
            let mut state = self.inner.lock();
            let writes = self.inner.writes.load(Ordering::Acquire);
            let kind = state.kind::<K, L::Value>(writes);
            if let Some(v) = kind.cache.get(&key).filter(|_| self.inner.cache) {
                return Ok(Some(v.clone()));
            }
            let first = kind.pending.is_empty();
            kind.pending.insert(key.clone());
            let (tx, rx) = oneshot::channel();
            kind.waiters.push((key, tx));
            if first {
                let job: Job<L> = start::<L, K>;
                state.jobs.push(Box::new(job));
            }
            if DISPATCHED.try_with(|_| ()).is_err() && !state.timer_armed {
                state.timer_armed = true;
                let inner = self.inner.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(inner.delay).await;
                    inner.lock().timer_armed = false;
                    for load in inner.dispatch() {
                        tokio::spawn(load);
                    }
                });
            }
            rx
        };
        match rx.await {
            Ok(answer) => answer,
            // The batch went away without answering (its task was dropped): the value is not
            // known, which is not the same as "there is none".
            Err(_) => Err(Arc::new(sqlx::Error::WorkerCrashed)),
        }
    }

    /// Puts values in the cache.
    pub fn feed_many<K>(&self, values: impl IntoIterator<Item = (K, L::Value)>)
    where
        K: Key<L>,
        L: Loader<K, Error = LoadError>,
    {
        let mut state = self.inner.lock();
        let writes = self.inner.writes.load(Ordering::Acquire);
        state.kind::<K, L::Value>(writes).cache.extend(values);
    }

    pub fn feed_one<K>(&self, key: K, value: L::Value)
    where
        K: Key<L>,
        L: Loader<K, Error = LoadError>,
    {
        self.feed_many([(key, value)]);
    }

    /// Runs `operation`, sending pending batches whenever it waits on nothing but them.
    pub fn dispatching<F: Future>(&self, operation: F) -> Dispatching<L, F> {
        Dispatching {
            inner: self.inner.clone(),
            operation: Box::pin(operation),
            loads: FuturesUnordered::new(),
        }
    }
}

impl<L: Send + Sync + 'static> Inner<L> {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the maps usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes every pending batch; the loads to run.
    fn dispatch(self: &Arc<Self>) -> Vec<BoxFuture<'static, ()>> {
        let jobs = std::mem::take(&mut self.lock().jobs);
        jobs.into_iter()
            .filter_map(|job| job.downcast::<Job<L>>().ok())
            .filter_map(|job| job(self))
            .collect()
    }
}

impl State {
    fn kind<K, V>(&mut self, writes: u64) -> &mut Kind<K, V>
    where
        K: Send + Sync + Hash + Eq + Clone + 'static,
        V: Send + Sync + Clone + 'static,
    {
        let entry = self
            .kinds
            .entry(TypeId::of::<Kind<K, V>>())
            .or_insert_with(|| {
                Box::new(Kind::<K, V> {
                    cache: HashMap::new(),
                    seen: writes,
                    pending: HashSet::new(),
                    waiters: Vec::new(),
                })
            });
        // The entry was made for this type just above (keyed by its TypeId).
        let kind = match entry.downcast_mut::<Kind<K, V>>() {
            Some(kind) => kind,
            None => unreachable!("loader state keyed by its own TypeId"),
        };
        if kind.seen != writes {
            kind.cache.clear();
            kind.seen = writes;
        }
        kind
    }
}

/// Takes the pending batch of keys of type `K`; the load that answers it.
fn start<L, K>(inner: &Arc<Inner<L>>) -> Option<BoxFuture<'static, ()>>
where
    L: Loader<K, Error = LoadError> + Send + Sync + 'static,
    K: Key<L>,
{
    let (keys, waiters) = {
        let mut state = inner.lock();
        let writes = inner.writes.load(Ordering::Acquire);
        let kind = state.kind::<K, L::Value>(writes);
        let keys: Vec<K> = kind.pending.drain().collect();
        let waiters = std::mem::take(&mut kind.waiters);
        if keys.is_empty() {
            return None;
        }
        state.in_flight += 1;
        (keys, waiters)
    };
    let inner = inner.clone();
    Some(Box::pin(async move {
        // Counts the batch done however the task ends (even by a panic in the loader).
        let _done = Done(inner.clone());
        let answer: Answer<K, L::Value> = inner.loader.load(&keys).await;
        if let (Ok(values), true) = (&answer, inner.cache) {
            let mut state = inner.lock();
            let writes = inner.writes.load(Ordering::Acquire);
            let kind = state.kind::<K, L::Value>(writes);
            kind.cache
                .extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        // Answer every waiter before the batch counts as done: the operation, woken by the
        // first answers, must not send the next batch before the last answers are in.
        for (key, tx) in waiters {
            let _ = tx.send(match &answer {
                Ok(values) => Ok(values.get(&key).cloned()),
                Err(e) => Err(e.clone()),
            });
        }
    }))
}

/// Marks a batch done when dropped, and wakes the operation: it may wait on other keys only.
struct Done<L: Send + Sync + 'static>(Arc<Inner<L>>);

impl<L: Send + Sync + 'static> Drop for Done<L> {
    fn drop(&mut self) {
        let waker = {
            let mut state = self.0.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// An operation whose batches are sent when it waits on nothing but them (see the module). It
/// also runs them: their answers reach the operation within the same task, without a hop
/// through the scheduler.
pub struct Dispatching<L: Send + Sync + 'static, F> {
    inner: Arc<Inner<L>>,
    operation: Pin<Box<F>>,
    loads: FuturesUnordered<BoxFuture<'static, ()>>,
}

impl<L: Send + Sync + 'static, F: Future> Future for Dispatching<L, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        loop {
            // Whether the operation was woken while it was polled: then it has more to do
            // (answers to read, a scheduler budget ran out, a join yielded) and is not waiting.
            let flag = Arc::new(WakeFlag {
                woken: AtomicBool::new(false),
                waker: cx.waker().clone(),
            });
            let waker = Waker::from(flag.clone());
            let mut flagged = Context::from_waker(&waker);
            let polled = DISPATCHED.sync_scope((), || this.operation.as_mut().poll(&mut flagged));
            if polled.is_ready() {
                return polled;
            }
            // Run the batches sent: answers go straight back to the operation.
            let mut answered = false;
            while let Poll::Ready(Some(())) = this.loads.poll_next_unpin(cx) {
                answered = true;
            }
            if answered {
                continue;
            }
            let idle = {
                let mut state = this.inner.lock();
                state.waker = Some(cx.waker().clone());
                state.in_flight == 0 && !state.jobs.is_empty()
            };
            if idle && !flag.woken.load(Ordering::Acquire) {
                let loads = this.inner.dispatch();
                if !loads.is_empty() {
                    this.loads.extend(loads);
                    continue;
                }
            }
            return Poll::Pending;
        }
    }
}

impl<L: Send + Sync + 'static, F> Drop for Dispatching<L, F> {
    fn drop(&mut self) {
        // Batches still running may answer others (a subscription on the same connection).
        let loads = std::mem::take(&mut self.loads);
        if !loads.is_empty()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(loads.for_each(|()| async {}));
        }
    }
}

/// Forwards wake-ups to the operation's task and remembers that one happened.
struct WakeFlag {
    woken: AtomicBool,
    waker: Waker,
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.waker.wake_by_ref();
    }
}
