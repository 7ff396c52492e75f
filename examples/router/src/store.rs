//! The job store: every job, its key and attempts, and per pickup loop the set of
//! pending job ids in ascending order (the router's "pending jobs" query).
//! One mutex; the commit loop notifies the pickup loops when something changed.
//! With `--db`, the commit loop's statuses are written to the database (`db`)
//! before they are applied here.

use std::{
    collections::BTreeSet,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Condvar, Mutex,
    },
    time::Duration,
};

use crate::db::Db;

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
    Succeeded,
    Filtered,
    /// Aborted by the destination, or drained (past its retry limit).
    Aborted,
    /// Failed retryably: back to pending after a backoff.
    Failed,
    /// Told to wait: back to pending at once.
    Waiting,
}

impl Persist {
    /// The status's name in the database.
    fn name(self) -> &'static str {
        match self {
            Persist::Succeeded => "succeeded",
            Persist::Filtered => "filtered",
            Persist::Aborted => "aborted",
            Persist::Failed => eventorder_router::schema::FAILED,
            Persist::Waiting => eventorder_router::schema::WAITING,
        }
    }
}

/// A job when the store is built: fresh, or as loaded from the database.
pub struct JobRow {
    pub key: u32,
    pub attempts: u32,
    /// Not picked up before this time (ns since the run's start).
    pub retry_at: u64,
    pub terminal: bool,
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

/// The database behind the store, and the wall-clock time (ms) of the run's
/// start, to persist retry times as wall-clock times.
pub struct Durable {
    pub db: Arc<Db>,
    pub wall_start_ms: i64,
}

pub struct Store {
    inner: Mutex<Inner>,
    changed: Condvar,
    done: AtomicUsize,
    /// Jobs that were terminal when the store was built (loaded from a database).
    done_at_start: usize,
    total: usize,
    loop_of_key: Vec<u8>,
    backoff_ns: u64,
    durable: Option<Durable>,
}

impl Store {
    /// A fresh in-memory store: `keys[i]` is the key of job `i + 1`;
    /// `loop_of_key[k]` the pickup loop that owns key `k`.
    pub fn new(keys: Vec<u32>, loop_of_key: Vec<u8>, loops: usize, backoff_ms: u64) -> Self {
        let rows = keys
            .into_iter()
            .map(|key| JobRow {
                key,
                attempts: 0,
                retry_at: 0,
                terminal: false,
            })
            .collect();
        Self::with_jobs(rows, loop_of_key, loops, backoff_ms, None)
    }

    /// A store of the jobs `rows` (job `i + 1` at index `i`): the non-terminal
    /// ones are pending. With `durable`, statuses are persisted there too.
    pub fn with_jobs(
        rows: Vec<JobRow>,
        loop_of_key: Vec<u8>,
        loops: usize,
        backoff_ms: u64,
        durable: Option<Durable>,
    ) -> Self {
        let mut pending = vec![BTreeSet::new(); loops];
        let mut done = 0;
        let jobs = rows
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                if row.terminal {
                    done += 1;
                } else {
                    pending[usize::from(loop_of_key[row.key as usize])].insert(i as i64 + 1);
                }
                Job {
                    key: row.key,
                    attempts: row.attempts,
                    first_epoch: None,
                    retry_at: row.retry_at,
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
            done: AtomicUsize::new(done),
            done_at_start: done,
            loop_of_key,
            backoff_ns: backoff_ms * 1_000_000,
            durable,
        }
    }

    pub fn total(&self) -> usize {
        self.total
    }

    pub fn done(&self) -> usize {
        self.done.load(Ordering::Acquire)
    }

    /// Jobs that were terminal before this run started (loaded from a database).
    pub fn done_at_start(&self) -> usize {
        self.done_at_start
    }

    pub fn all_done(&self) -> bool {
        self.done() == self.total
    }

    /// The database, with `--db`.
    pub fn db(&self) -> Option<&Arc<Db>> {
        self.durable.as_ref().map(|d| &d.db)
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

    /// The commit loop's transaction: persists a batch of statuses at once (in
    /// the database first, with `--db`), then makes the non-terminal jobs
    /// pending again.
    ///
    /// # Errors
    /// The database write failed; nothing was made pending.
    pub fn persist(
        &self,
        statuses: impl IntoIterator<Item = (i64, Persist)>,
        now: u64,
    ) -> rusqlite::Result<()> {
        let mut inner = self.inner.lock().unwrap();
        let mut rows = Vec::new();
        for (id, status) in statuses {
            let job = &mut inner.jobs[id as usize - 1];
            if status == Persist::Failed {
                job.attempts += 1;
                let factor = 1u64 << (job.attempts - 1).min(6);
                job.retry_at = now + self.backoff_ns * factor;
            }
            rows.push((id, status, job.attempts, job.retry_at));
        }
        if let Some(d) = &self.durable {
            let to_ms = |retry_at: u64| d.wall_start_ms + (retry_at / 1_000_000) as i64;
            let persisted: Vec<_> = rows
                .iter()
                .map(|&(id, status, attempts, retry_at)| {
                    let retry_at_ms = if status == Persist::Failed {
                        to_ms(retry_at)
                    } else {
                        0
                    };
                    (id, status.name(), attempts, retry_at_ms)
                })
                .collect();
            d.db.persist(&persisted)?;
        }
        let mut done = 0;
        for (id, status, ..) in rows {
            if matches!(status, Persist::Failed | Persist::Waiting) {
                let owner = usize::from(self.loop_of_key[inner.jobs[id as usize - 1].key as usize]);
                inner.pending[owner].insert(id);
            } else {
                done += 1;
            }
        }
        inner.generation += 1;
        self.done.fetch_add(done, Ordering::AcqRel);
        drop(inner);
        self.changed.notify_all();
        Ok(())
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
