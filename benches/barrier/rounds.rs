//! The production path through rounds (issue 20), and the spec floor of (d).
//!
//! - (d) through rounds: (d)'s jobs, 100 to a batch: a round per batch offers it
//!   with `offer_all`, the workers `wait` for each admitted job, and the commit
//!   loop reports the batch with `report_all` (the round's `sync` applies the
//!   reports of the batch before, as (d)'s `sync` every 100 jobs does).
//! - (g) through rounds: (g)'s jobs in the same shape (1% of the keys blocked,
//!   one job sent in 1,000 reported `failed`, offered again in its key's next
//!   batch and reported `aborted`).
//! - (spec floor of (d)): the three map operations SPEC.md requires of a tracked
//!   job, each under the lock of the baseline's own map type: an insert (the
//!   record made at `enter`, the key cloned), a lookup (the report finding the
//!   record) and a remove (the record removed at `sync`, done for the batch's
//!   jobs every 100 jobs, each under the lock), beside (d)'s lock-free `wait`.

use std::{hint::black_box, sync::Mutex};

use eventorder::{Barrier, BarrierKey, JobId, JobState, Offer, PickupHandle, WorkerHandle};

use crate::support::{cycle, tracked, Map};
use crate::{FAIL_EVERY, SYNC_EVERY};

/// A pipeline whose pickup loop works in rounds of [`SYNC_EVERY`] jobs.
pub struct Rounds<'a> {
    pickup: PickupHandle,
    workers: WorkerHandle,
    keys: &'a [BarrierKey],
    at: usize,
    next_job: i64,
    /// (g): jobs fail, and are offered again at their key's next visit.
    fail_some: bool,
    /// (g): per key (by index), its failed job waiting to be offered again.
    failed: Vec<Option<JobId>>,
    /// (g): jobs sent so far.
    sent: u64,
    /// The batch: (key index, job); reused.
    batch: Vec<(usize, JobId)>,
    /// The commit loop's batch: (key index, job, state); reused.
    reports: Vec<(usize, JobId, JobState)>,
}

impl<'a> Rounds<'a> {
    /// (d) (`fail_some` false) or (g) through rounds, on `barrier`.
    pub fn new(barrier: Barrier, keys: &'a [BarrierKey], fail_some: bool) -> Self {
        let (pickup, workers) = barrier.split();
        Rounds {
            pickup,
            workers,
            keys,
            at: 0,
            next_job: 1,
            fail_some,
            failed: vec![None; keys.len()],
            sent: 0,
            batch: Vec::with_capacity(SYNC_EVERY as usize),
            reports: Vec::with_capacity(SYNC_EVERY as usize),
        }
    }

    /// The barrier, for its statistics.
    pub fn workers(&self) -> &WorkerHandle {
        &self.workers
    }

    /// Runs about `jobs` jobs (whole batches).
    pub fn run(&mut self, jobs: u64) {
        let mut sum = 0u64;
        for _ in 0..jobs.div_ceil(SYNC_EVERY) {
            // The pickup loop's batch: the next keys, each with its failed job
            // again if it has one (g), else a new job.
            self.batch.clear();
            for _ in 0..SYNC_EVERY {
                let at = cycle(&mut self.at, self.keys.len());
                let job = match self.failed[at].take() {
                    Some(failed) => failed,
                    None => {
                        let job = JobId(self.next_job);
                        self.next_job += 1;
                        job
                    }
                };
                self.batch.push((at, job));
            }
            let keys = self.keys;
            let answers = {
                let mut round = self.pickup.round();
                round.offer_all(self.batch.iter().map(|&(at, job)| (&keys[at], job)))
            };
            // The workers: each admitted job is sent unless it must wait; the
            // commit loop then reports the batch.
            self.reports.clear();
            for (&(at, job), answer) in self.batch.iter().zip(&answers) {
                let Ok(Offer::Admitted { previous_failed }) = answer else {
                    sum = sum.wrapping_add(1);
                    continue;
                };
                if self.workers.wait(&keys[at], job).wait {
                    sum = sum.wrapping_add(2);
                    continue;
                }
                let state = if *previous_failed == Some(job) {
                    // The failed job again: its retries are over.
                    JobState::Aborted
                } else if self.fail_some && {
                    self.sent += 1;
                    self.sent.is_multiple_of(FAIL_EVERY)
                } {
                    self.failed[at] = Some(job);
                    JobState::Failed
                } else {
                    JobState::Succeeded
                };
                self.reports.push((at, job, state));
            }
            let results = self.workers.report_all(
                self.reports
                    .iter()
                    .map(|&(at, job, state)| (&keys[at], job, state)),
            );
            sum = sum.wrapping_add(results.iter().filter(|r| r.is_err()).count() as u64);
        }
        black_box(sum);
    }
}

/// The spec floor of (d): per job, an insert, a lookup and a remove, each under
/// the lock of a `Mutex<HashMap>` like the baseline's (empty at first, as a
/// barrier without records), and (d)'s lock-free `wait`.
pub struct SpecFloor<'a> {
    map: Mutex<Map>,
    /// For `wait` only: no record is ever made in it.
    barrier: Barrier,
    keys: &'a [BarrierKey],
    at: usize,
    next_job: i64,
    /// The keys inserted since the last removal pass.
    inserted: Vec<usize>,
}

impl<'a> SpecFloor<'a> {
    /// The floor over `keys`.
    pub fn new(keys: &'a [BarrierKey]) -> Self {
        SpecFloor {
            map: Mutex::new(Map::default()),
            barrier: tracked(),
            keys,
            at: 0,
            next_job: 1,
            inserted: Vec::with_capacity(SYNC_EVERY as usize),
        }
    }

    /// Runs `jobs` jobs.
    pub fn run(&mut self, jobs: u64) {
        let mut sum = 0u64;
        for i in 0..jobs {
            let at = cycle(&mut self.at, self.keys.len());
            let key = &self.keys[at];
            let job = JobId(self.next_job);
            self.next_job += 1;
            // `enter`: the record made (the key cloned).
            self.map.lock().unwrap().insert(key.clone(), job.0 as u64);
            self.inserted.push(at);
            let hold = self.barrier.wait(key, job);
            if !hold.wait {
                // The report: the record found.
                sum = sum.wrapping_add(*self.map.lock().unwrap().get(key).unwrap_or(&0));
            }
            if i % SYNC_EVERY == SYNC_EVERY - 1 {
                // `sync`: each record removed.
                for at in self.inserted.drain(..) {
                    let removed = self.map.lock().unwrap().remove(&self.keys[at]);
                    sum = sum.wrapping_add(removed.unwrap_or(0));
                }
            }
        }
        black_box(sum);
    }
}
