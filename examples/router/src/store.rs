//! The job store: every job, its key and attempts, and per pickup loop the set of
//! pending job ids in ascending order (the router's "pending jobs" query).
//! One mutex; the commit loop notifies the pickup loops when something changed.

use std::{
    collections::BTreeSet,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Condvar, Mutex,
    },
    time::Duration,
};

/// A job as the pickup loop reads it.
#[derive(Clone, Copy, Debug)]
pub struct Pick {
    pub job: i64,
    pub key: u32,
    pub attempts: u32,
    /// The key's ordering epoch when the job was first admitted, if it was.
    pub first_epoch: Option<u32>,
}

/// A status the commit loop persists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persist {
    /// Terminal (succeeded, filtered, aborted, drained).
    Done,
    /// Failed retryably: back to pending after a backoff.
    Failed,
    /// Told to wait: back to pending at once.
    Waiting,
}

struct Job {
    key: u32,
    attempts: u32,
    first_epoch: Option<u32>,
    /// Not picked up before this time (ns since start).
    retry_at: u64,
}

struct Inner {
    jobs: Vec<Job>,
    /// Pending job ids, per pickup loop.
    pending: Vec<BTreeSet<i64>>,
    generation: u64,
}

pub struct Store {
    inner: Mutex<Inner>,
    changed: Condvar,
    done: AtomicUsize,
    total: usize,
    loop_of_key: Vec<u8>,
    backoff_ns: u64,
}

impl Store {
    /// `keys[i]` is the key of job `i + 1`; `loop_of_key[k]` the pickup loop that
    /// owns key `k`.
    pub fn new(keys: Vec<u32>, loop_of_key: Vec<u8>, loops: usize, backoff_ms: u64) -> Self {
        let mut pending = vec![BTreeSet::new(); loops];
        let jobs = keys
            .into_iter()
            .enumerate()
            .map(|(i, key)| {
                pending[usize::from(loop_of_key[key as usize])].insert(i as i64 + 1);
                Job {
                    key,
                    attempts: 0,
                    first_epoch: None,
                    retry_at: 0,
                }
            })
            .collect::<Vec<_>>();
        Store {
            total: jobs.len(),
            inner: Mutex::new(Inner {
                jobs,
                pending,
                generation: 0,
            }),
            changed: Condvar::new(),
            done: AtomicUsize::new(0),
            loop_of_key,
            backoff_ns: backoff_ms * 1_000_000,
        }
    }

    pub fn total(&self) -> usize {
        self.total
    }

    pub fn done(&self) -> usize {
        self.done.load(Ordering::Acquire)
    }

    pub fn all_done(&self) -> bool {
        self.done() == self.total
    }

    /// Up to `limit` pending jobs of loop `owner` that are due at `now`, in
    /// ascending job id, and the store's generation at the time of the read.
    pub fn read_batch(&self, owner: usize, limit: usize, now: u64) -> (Vec<Pick>, u64) {
        let inner = self.inner.lock().unwrap();
        let mut batch = Vec::with_capacity(limit.min(inner.pending[owner].len()));
        let scan_limit = limit.saturating_mul(8).saturating_add(10_000);
        for &id in inner.pending[owner].iter().take(scan_limit) {
            let job = &inner.jobs[id as usize - 1];
            if job.retry_at > now {
                continue;
            }
            batch.push(Pick {
                job: id,
                key: job.key,
                attempts: job.attempts,
                first_epoch: job.first_epoch,
            });
            if batch.len() == limit {
                break;
            }
        }
        (batch, inner.generation)
    }

    /// The pickup loop took `job` (admitted it in the key's ordering `epoch`, or
    /// drains it): no longer pending.
    pub fn take(&self, job: i64, key: u32, epoch: u32) {
        let owner = usize::from(self.loop_of_key[key as usize]);
        let mut inner = self.inner.lock().unwrap();
        inner.pending[owner].remove(&job);
        inner.jobs[job as usize - 1]
            .first_epoch
            .get_or_insert(epoch);
    }

    /// Undoes a [`take`](Store::take): the job could not be handed to its worker.
    pub fn put_back(&self, job: i64, key: u32) {
        let owner = usize::from(self.loop_of_key[key as usize]);
        self.inner.lock().unwrap().pending[owner].insert(job);
    }

    /// The commit loop's transaction: persists a batch of statuses at once.
    pub fn persist(&self, statuses: impl IntoIterator<Item = (i64, Persist)>, now: u64) {
        let mut inner = self.inner.lock().unwrap();
        let mut done = 0;
        for (id, status) in statuses {
            let job = &mut inner.jobs[id as usize - 1];
            let owner = usize::from(self.loop_of_key[job.key as usize]);
            match status {
                Persist::Done => {
                    done += 1;
                    continue;
                }
                Persist::Failed => {
                    job.attempts += 1;
                    let factor = 1u64 << (job.attempts - 1).min(6);
                    job.retry_at = now + self.backoff_ns * factor;
                }
                Persist::Waiting => {}
            }
            inner.pending[owner].insert(id);
        }
        inner.generation += 1;
        self.done.fetch_add(done, Ordering::AcqRel);
        drop(inner);
        self.changed.notify_all();
    }

    /// Blocks until the store changes after `generation`, or `timeout` passes.
    pub fn wait_for_change(&self, generation: u64, timeout: Duration) {
        let inner = self.inner.lock().unwrap();
        if inner.generation != generation {
            return;
        }
        let _ = self
            .changed
            .wait_timeout_while(inner, timeout, |i| i.generation == generation)
            .unwrap();
    }
}
