//! Workers and the fake destinations. A worker handles its queue in FIFO order:
//! `wait` first (told to wait → status `waiting`), then the send; a retryable
//! failure is reported to the barrier at once (`failed`), then everything goes to
//! the commit loop. Deliveries (sends answered `succeeded`) are logged: in memory
//! for the order check, and with `--db` in the database at once.

use std::{
    sync::{
        atomic::Ordering::Relaxed,
        mpsc::{Receiver, Sender},
        Arc,
    },
    time::Duration,
};

use eventorder::{JobId, JobState};

use eventorder_router::rng::Rng;

use crate::{
    db::{fatal, Db},
    ops::WorkerOps,
    shared::{Commit, Dispatch, Outcome, Shared},
    verdict::Entry,
};

/// How the fake destinations answer.
#[derive(Clone, Debug)]
pub struct DestinationConfig {
    pub destinations: usize,
    pub failure_rate: f64,
    pub filter_rate: f64,
    pub abort_rate: f64,
    /// Destination 0 fails every send in this window (ns since start).
    pub down: Option<(u64, u64)>,
    pub latency: Duration,
}

/// The destinations: their answers and, with `--db`, their delivery log.
pub struct Destination {
    config: DestinationConfig,
    seed: u64,
    /// With `--db`: the destinations' delivery log, which outlives the router.
    log: Option<Arc<Db>>,
}

impl Destination {
    /// The destinations for a run with this seed.
    pub fn new(config: DestinationConfig, seed: u64, log: Option<Arc<Db>>) -> Self {
        Destination { config, seed, log }
    }

    /// Sends `job` of `key` at `now` (ns since start); an accepted job is logged
    /// at once, with `--db`.
    pub fn send(&mut self, job: i64, key: u32, attempts: u32, now: u64) -> Outcome {
        let outcome = self.outcome(job, key, attempts, now);
        if outcome == Outcome::Succeeded {
            if let Some(log) = &self.log {
                if let Err(e) = log.log_delivery(job, key) {
                    fatal("the destination could not log a delivery", e);
                }
            }
        }
        outcome
    }

    /// The answer to a send. Apart from an outage window, it is a function of the
    /// seed, the job and its attempts: a job sent again after a restart, with the
    /// same persisted attempts, gets the same answer. That is the condition of
    /// R-RESTART (a job filtered or aborted whose status was lost must not be
    /// delivered the second time), which a real destination meets when its
    /// filters and aborts are decided from persisted data.
    fn outcome(&mut self, job: i64, key: u32, attempts: u32, now: u64) -> Outcome {
        if !self.config.latency.is_zero() {
            std::thread::sleep(self.config.latency);
        }
        let destination = key as usize % self.config.destinations;
        if let Some((from, until)) = self.config.down {
            if destination == 0 && (from..until).contains(&now) {
                return Outcome::Failed;
            }
        }
        let stream = self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ job as u64;
        let x = Rng::new(stream, u64::from(attempts) + 1).unit();
        let c = &self.config;
        if x < c.failure_rate {
            Outcome::Failed
        } else if x < c.failure_rate + c.filter_rate {
            Outcome::Filtered
        } else if x < c.failure_rate + c.filter_rate + c.abort_rate {
            Outcome::Aborted
        } else {
            Outcome::Succeeded
        }
    }
}

pub struct Worker<'a, W> {
    pub ops: W,
    pub shared: &'a Shared,
    pub queue: Receiver<Dispatch>,
    pub commits: Sender<Commit>,
    pub destination: Destination,
}

impl<W: WorkerOps> Worker<'_, W> {
    /// Runs until the pickup loops hang up; returns the delivery log, in the order
    /// the deliveries happened (each key belongs to one worker).
    pub fn run(mut self) -> Vec<Entry> {
        let mut deliveries = Vec::new();
        let c = &self.shared.counters;
        for d in self.queue.iter() {
            let key = &self.shared.keys[d.key as usize];
            let job = JobId(d.job);
            let outcome = if d.drain {
                Outcome::Drained
            } else if self.ops.wait(key, job).wait {
                c.waits.fetch_add(1, Relaxed);
                Outcome::Waiting
            } else {
                self.destination
                    .send(d.job, d.key, d.attempts, self.shared.now())
            };
            match outcome {
                Outcome::Succeeded => {
                    c.delivered.fetch_add(1, Relaxed);
                    let epoch = self
                        .shared
                        .ordered_epoch(d.key, d.epoch, || self.ops.is_disabled(key));
                    deliveries.push(Entry {
                        key: d.key,
                        job: d.job,
                        epoch,
                    });
                }
                Outcome::Failed => {
                    c.failures.fetch_add(1, Relaxed);
                    self.ops.report(key, job, JobState::Failed);
                    if self.ops.peek(key) == Some(job) {
                        self.shared.blocked(d.key, d.job);
                    }
                }
                Outcome::Filtered => {
                    c.filtered.fetch_add(1, Relaxed);
                }
                Outcome::Aborted => {
                    c.aborted.fetch_add(1, Relaxed);
                }
                Outcome::Waiting | Outcome::Drained => {}
            }
            let commit = Commit {
                job: d.job,
                key: d.key,
                outcome,
                epoch: d.epoch,
            };
            self.commits.send(commit).expect("commit loop alive");
        }
        deliveries
    }
}
