//! The pickup loop (SPEC.md section 1): `sync`, read a batch of pending jobs in
//! ascending job id, `enter` each; a refused job's key is skipped for the rest of
//! the batch; accepted jobs go to the worker that owns the key; jobs past their
//! retry limit are drained: handed to their worker, which aborts them without
//! sending (reported through the commit loop).

use std::{
    sync::{
        atomic::Ordering::Relaxed,
        mpsc::{SyncSender, TrySendError},
    },
    time::{Duration, Instant},
};

use eventorder::JobId;

use crate::{
    ops::{PickupOps, WorkerOps},
    shared::{Dispatch, Shared},
    store::Store,
};

pub struct PickupConfig {
    pub batch_size: usize,
    pub max_attempts: u32,
    pub half_enabled_for: Duration,
    pub query_latency: Duration,
    pub pickup_cost: Duration,
    pub skip_on_any_refusal: bool,
}

/// What this loop knows of a key's mode, from `is_disabled` after each admission.
/// Only `Certain` keys have their jobs order-checked: a key that went hot stays
/// unchecked until ordering is surely fully back on.
#[derive(Clone, Copy)]
enum Seen {
    Enabled,
    Disabled,
    /// Not `Disabled` any more as of an `enter` that ended at this instant: the
    /// key turned `HalfEnabled` no later than that.
    Half(Instant),
}

pub struct Pickup<'a, P, W> {
    pub id: usize,
    pub barrier: P,
    pub ops: W,
    pub shared: &'a Shared,
    pub store: &'a Store,
    pub workers: Vec<SyncSender<Dispatch>>,
    pub config: PickupConfig,
}

impl<P: PickupOps, W: WorkerOps> Pickup<'_, P, W> {
    /// Runs until every job is terminal (or the run is stopped); hands the barrier
    /// handle back for the final `sync`.
    pub fn run(self) -> P {
        let keys = self.shared.keys.len();
        let mut seen = vec![Seen::Enabled; keys];
        let mut ever_hot = vec![false; keys];
        let mut skipped = vec![0u64; keys];
        let mut iteration = 0u64;
        let c = &self.shared.counters;
        while !self.store.all_done() && !self.shared.stop.load(Relaxed) {
            iteration += 1;
            self.barrier.sync();
            let (batch, generation) =
                self.store
                    .read_batch(self.id, self.config.batch_size, self.shared.now());
            c.batches.fetch_add(1, Relaxed);
            if !self.config.query_latency.is_zero() {
                std::thread::sleep(self.config.query_latency);
            }
            let mut progressed = false;
            for pick in batch {
                let k = pick.key as usize;
                if skipped[k] == iteration {
                    continue;
                }
                if !self.config.pickup_cost.is_zero() {
                    std::thread::sleep(self.config.pickup_cost);
                }
                if pick.attempts >= self.config.max_attempts {
                    // Through the key's worker, not straight to the commit loop:
                    // a job of the key admitted before the failure and still queued
                    // there must see the key blocked when it reaches `wait`, or it
                    // would be sent ahead of an earlier job that waited.
                    let dispatch = Dispatch {
                        job: pick.job,
                        key: pick.key,
                        epoch: None,
                        drain: true,
                        attempts: pick.attempts,
                    };
                    if self.dispatch(dispatch, 0) {
                        c.drained.fetch_add(1, Relaxed);
                        progressed = true;
                    } else {
                        skipped[k] = iteration;
                    }
                    continue;
                }
                let key = &self.shared.keys[k];
                let started = Instant::now();
                let admission = self.barrier.enter(key, JobId(pick.job));
                if !admission.accepted {
                    c.refused.fetch_add(1, Relaxed);
                    // A job older than the key's failed job is a leftover of a
                    // period with ordering off: its refusal says nothing about the
                    // later jobs, and one of them is the failed job, which must be
                    // re-entered for the key to move (unless --skip-on-any-refusal).
                    let leftover = admission.previous_failed.is_some_and(|f| f.0 > pick.job);
                    if leftover {
                        c.leftover_refusals.fetch_add(1, Relaxed);
                    }
                    if !leftover || self.config.skip_on_any_refusal {
                        skipped[k] = iteration;
                    }
                    continue;
                }
                c.admitted.fetch_add(1, Relaxed);
                let mut epoch = self.track_mode(pick.key, &mut seen[k], started);
                let current = self.shared.epoch[k].load(Relaxed);
                if pick.first_epoch.is_some_and(|first| first != current) {
                    // First admitted before the key went hot: a leftover of a period
                    // with ordering off, not order-checked.
                    epoch = None;
                }
                if matches!(seen[k], Seen::Disabled) && !ever_hot[k] {
                    ever_hot[k] = true;
                    c.hot_keys.fetch_add(1, Relaxed);
                }
                let dispatch = Dispatch {
                    job: pick.job,
                    key: pick.key,
                    epoch,
                    drain: false,
                    attempts: pick.attempts,
                };
                if self.dispatch(dispatch, current) {
                    progressed = true;
                } else {
                    // The worker's queue is full: undo the `enter` (R-LEAVE); the
                    // job stays pending and its key is skipped for this batch.
                    self.barrier.leave(key, JobId(pick.job));
                    c.admitted.fetch_sub(1, Relaxed);
                    skipped[k] = iteration;
                }
            }
            if !progressed {
                // Nothing to do until a status is committed (or a retry is due).
                self.store
                    .wait_for_change(generation, Duration::from_millis(1));
            }
        }
        self.barrier
    }

    /// Hands a job to its key's worker, if the worker's queue has room.
    fn dispatch(&self, dispatch: Dispatch, epoch: u32) -> bool {
        self.store.take(dispatch.job, dispatch.key, epoch);
        let worker = &self.workers[dispatch.key as usize % self.workers.len()];
        match worker.try_send(dispatch) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                self.store.put_back(dispatch.job, dispatch.key);
                self.shared.counters.queue_full.fetch_add(1, Relaxed);
                false
            }
            Err(TrySendError::Disconnected(_)) => panic!("worker gone"),
        }
    }

    /// After an accepted `enter` that started at `started`: follow the key's mode
    /// and return the epoch to tag the job with, if ordering is surely on.
    fn track_mode(&self, key: u32, seen: &mut Seen, started: Instant) -> Option<u32> {
        let epoch = &self.shared.epoch[key as usize];
        if self.shared.key_threshold == 0 {
            return Some(epoch.load(Relaxed));
        }
        let disabled = self.ops.is_disabled(&self.shared.keys[key as usize]);
        match *seen {
            Seen::Enabled if disabled => {
                epoch.fetch_add(1, Relaxed);
                *seen = Seen::Disabled;
                None
            }
            Seen::Enabled => Some(epoch.load(Relaxed)),
            Seen::Disabled if !disabled => {
                *seen = Seen::Half(Instant::now());
                None
            }
            Seen::Disabled => None,
            Seen::Half(_) if disabled => {
                *seen = Seen::Disabled;
                None
            }
            Seen::Half(since) => {
                // This enter read the clock after `started`; if that is past the
                // half-enabled period, it switched the key fully back on.
                if started > since + self.config.half_enabled_for {
                    *seen = Seen::Enabled;
                    Some(epoch.fetch_add(1, Relaxed) + 1)
                } else {
                    None
                }
            }
        }
    }
}
