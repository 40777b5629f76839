//! The password-hashing budget: a fixed number of hashing threads of their own, each with one
//! reusable Argon2 memory ([`Scratch`]), behind a short queue. A request takes a place
//! ([`Hashing::admit`]) before anything else it does for a password; when every thread is busy
//! and the queue is full it is refused at once ([`Busy`]), before any hashing, any database
//! write or any count against an address. The place is held until the hash is done, even if
//! the request goes away meanwhile, so at most `threads` hashes ever run and at most `queue`
//! wait, and hashing holds exactly `threads x` [`password::MEMORY_BYTES`] of memory.
//!
//! `spawn_blocking` alone bounds nothing: tokio's blocking pool grows to 512 threads, and 64
//! concurrent logins took the server to 6.6 GiB (STACK 8, trap 23).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use super::password::{self, Scratch};

/// Every hashing thread is busy and the queue is full: try again after `retry_after` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub retry_after: u64,
}

/// A place in the budget's queue is this short, in seconds of waiting (hashes take tens of
/// milliseconds): the earliest moment worth trying again.
const RETRY_AFTER_SECS: u64 = 1;

/// The hashing threads and the places in front of them (cheap to clone: shared).
#[derive(Clone)]
pub struct Hashing {
    places: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
    threads: usize,
}

enum Work {
    Hash(String),
    Verify(String, Option<String>),
}

enum Done {
    Hash(anyhow::Result<String>),
    Verify(bool),
}

struct Job {
    work: Work,
    reply: oneshot::Sender<Done>,
    /// Given back when the job is done, before the answer is sent.
    place: OwnedSemaphorePermit,
}

impl Hashing {
    /// Starts `threads` hashing threads (0: one per core) with `queue` places to wait in. The
    /// threads end when the last clone of the returned handle is dropped.
    pub fn start(threads: usize, queue: usize) -> std::io::Result<Hashing> {
        let threads = match threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        let (jobs, inbox) = mpsc::channel::<Job>();
        let inbox = Arc::new(Mutex::new(inbox));
        for i in 0..threads {
            let inbox = inbox.clone();
            std::thread::Builder::new()
                .name(format!("roster-hash-{i}"))
                .spawn(move || serve(&inbox))?;
        }
        Ok(Hashing {
            places: Arc::new(Semaphore::new(threads + queue)),
            jobs,
            threads,
        })
    }

    /// How many hashes may run at once.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Takes a place for one hash, or refuses at once when the budget is spent.
    pub fn admit(&self) -> Result<Ticket, Busy> {
        match self.places.clone().try_acquire_owned() {
            Ok(place) => Ok(Ticket {
                place,
                jobs: self.jobs.clone(),
            }),
            Err(_) => {
                metrics::counter!("roster_password_hashes_refused_total").increment(1);
                Err(Busy {
                    retry_after: RETRY_AFTER_SECS,
                })
            }
        }
    }
}

/// A place for one hash, taken by [`Hashing::admit`].
pub struct Ticket {
    place: OwnedSemaphorePermit,
    jobs: mpsc::Sender<Job>,
}

impl Ticket {
    /// Hashes `password` (for storing it).
    pub async fn hash(self, password: String) -> anyhow::Result<String> {
        match self.run(Work::Hash(password)).await? {
            Done::Hash(hash) => hash,
            Done::Verify(_) => anyhow::bail!("a hashing thread answered another question"),
        }
    }

    /// Checks `password` against the stored hash `phc`; with `None` (no such account) it
    /// checks against a dummy hash, taking as long, and answers false.
    pub async fn verify(self, password: String, phc: Option<String>) -> anyhow::Result<bool> {
        match self.run(Work::Verify(password, phc)).await? {
            Done::Verify(matched) => Ok(matched),
            Done::Hash(_) => anyhow::bail!("a hashing thread answered another question"),
        }
    }

    async fn run(self, work: Work) -> anyhow::Result<Done> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            work,
            reply,
            place: self.place,
        };
        self.jobs
            .send(job)
            .map_err(|_| anyhow::anyhow!("the hashing threads have stopped"))?;
        answer
            .await
            .map_err(|_| anyhow::anyhow!("a hashing thread failed"))
    }
}

/// How much lower than the request threads' the hashing threads' CPU priority is (Linux nice
/// value): when requests and hashes compete for the cores, requests win and hashing gets the
/// rest (a +5 thread weighs a third of a +0 one), so a login flood does not slow the members
/// page; on an idle machine hashing still gets every core.
#[cfg(target_os = "linux")]
const NICE: i32 = 5;

#[cfg(target_os = "linux")]
fn lower_priority() {
    let me = rustix::thread::gettid();
    if let Err(e) = rustix::process::setpriority_process(Some(me), NICE) {
        tracing::debug!(error = %e, "cannot lower the priority of a hashing thread");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

/// One hashing thread: takes jobs until every handle is gone.
fn serve(inbox: &Mutex<mpsc::Receiver<Job>>) {
    lower_priority();
    let mut scratch = Scratch::default();
    loop {
        let job = match inbox.lock() {
            Ok(inbox) => inbox.recv(),
            Err(_) => return,
        };
        let Ok(Job { work, reply, place }) = job else {
            return;
        };
        let started = std::time::Instant::now();
        // A panic must not take the thread (and a place in the budget) with it.
        let done = catch_unwind(AssertUnwindSafe(|| match &work {
            Work::Hash(pw) => Done::Hash(password::hash(&mut scratch, pw)),
            Work::Verify(pw, phc) => {
                Done::Verify(password::verify(&mut scratch, pw, phc.as_deref()))
            }
        }));
        metrics::histogram!("roster_password_hash_duration_seconds")
            .record(started.elapsed().as_secs_f64());
        // The place is free before the answer goes out: whoever gets it may hash again at once.
        drop(place);
        match done {
            Ok(done) => {
                let _ = reply.send(done);
            }
            Err(_) => {
                // Its memory may be half-written: start again with a fresh one.
                scratch = Scratch::default();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_and_verifies_on_its_threads() {
        let hashing = Hashing::start(1, 0).unwrap();
        let h = hashing.admit().unwrap().hash("pw".into()).await.unwrap();
        let ok = hashing
            .admit()
            .unwrap()
            .verify("pw".into(), Some(h.clone()));
        assert!(ok.await.unwrap());
        let wrong = hashing.admit().unwrap().verify("no".into(), Some(h));
        assert!(!wrong.await.unwrap());
        let unknown = hashing.admit().unwrap().verify("pw".into(), None);
        assert!(!unknown.await.unwrap());
    }

    #[tokio::test]
    async fn beyond_the_budget_it_refuses_at_once() {
        let hashing = Hashing::start(1, 1).unwrap();
        let running = hashing.admit().unwrap();
        let waiting = hashing.admit().unwrap();
        assert_eq!(hashing.admit().err(), Some(Busy { retry_after: 1 }));
        // A place comes back when its hash is done, not before.
        let first = tokio::spawn(running.hash("a".into()));
        assert!(hashing.admit().is_err());
        first.await.unwrap().unwrap();
        let third = hashing.admit().unwrap();
        drop((waiting, third));
        assert!(hashing.admit().is_ok());
    }

    #[tokio::test]
    async fn an_abandoned_hash_keeps_its_place_until_done() {
        let hashing = Hashing::start(1, 0).unwrap();
        let ticket = hashing.admit().unwrap();
        let started = tokio::spawn(ticket.hash("a".into()));
        tokio::task::yield_now().await;
        started.abort();
        let _ = started.await;
        // The job may still run: its place is back only once it finished.
        let mut tries = 0;
        while hashing.admit().is_err() {
            tries += 1;
            assert!(tries < 500, "the place never came back");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
}
