//! The pickup loop (SPEC.md section 1): every iteration is a round
//! (`PickupHandle::round`, which runs `sync`, R-ROUND); it reads a batch of
//! pending jobs in ascending job id and offers each to the round (R-OFFER).
//! Admitted jobs go to the worker that owns the key; a job whose worker's queue
//! is full is undone (`Round::undo`). Jobs past their retry limit are drained:
//! handed to their worker, which aborts them without sending (reported through
//! the commit loop); one that cannot be queued skips its key (`Round::skip`).
//! The round keeps the skip rule (after a refusal, undo or skip, the key's later
//! jobs answer `Skipped`): this loop has no skip logic of its own.

use std::{
    sync::{
        atomic::Ordering::Relaxed,
        mpsc::{SyncSender, TrySendError},
    },
    time::{Duration, Instant},
};

use eventorder::{JobId, Offer, PickupHandle, SystemClock};

use crate::{
    ops::Key,
    shared::{Dispatch, Shared},
    store::Store,
};

/// The pickup loop's options (from the command line).
pub struct PickupConfig {
    pub batch_size: usize,
    pub max_attempts: u32,
    pub half_enabled_for: Duration,
    pub query_latency: Duration,
    pub pickup_cost: Duration,
    /// Keys can change mode (`key_threshold > 0` or a predicate): follow them.
    pub modes: bool,
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

/// The pickup loop: owns the barrier's pickup handle, hence its rounds.
pub struct Pickup<'a> {
    pub id: usize,
    pub barrier: PickupHandle<Key, SystemClock>,
    pub shared: &'a Shared,
    pub store: &'a Store,
    pub workers: Vec<SyncSender<Dispatch>>,
    pub config: PickupConfig,
}

impl Pickup<'_> {
    /// Runs until every job is terminal (or the run is stopped); hands the barrier
    /// handle back for the final `sync`.
    pub fn run(self) -> PickupHandle<Key, SystemClock> {
        let Pickup {
            id,
            mut barrier,
            shared,
            store,
            workers,
            config,
        } = self;
        let keys = shared.keys.len();
        let mut seen = vec![Seen::Enabled; keys];
        let mut ever_hot = vec![false; keys];
        let c = &shared.counters;
        while !store.all_done() && !shared.stop.load(Relaxed) {
            // R-ROUND: the round runs `sync`; the batch is read right after.
            let mut round = barrier.round();
            let (batch, generation) = store.read_batch(id, config.batch_size, shared.now());
            c.batches.fetch_add(1, Relaxed);
            if !config.query_latency.is_zero() {
                std::thread::sleep(config.query_latency);
            }
            let mut progressed = false;
            for pick in batch {
                let k = pick.key as usize;
                let key = &shared.keys[k];
                if !config.pickup_cost.is_zero() {
                    std::thread::sleep(config.pickup_cost);
                }
                if pick.attempts >= config.max_attempts {
                    // Drained: not offered. A key skipped in this round keeps its
                    // later jobs pending, drained ones too.
                    if round.is_skipped(key) {
                        c.skipped.fetch_add(1, Relaxed);
                        continue;
                    }
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
                    if queue(shared, store, &workers, dispatch, 0) {
                        c.drained.fetch_add(1, Relaxed);
                        progressed = true;
                    } else {
                        round.skip(key);
                    }
                    continue;
                }
                let started = Instant::now();
                let offer = round
                    .offer(key, JobId(pick.job))
                    .expect("the batch is in ascending job id");
                match offer {
                    Offer::Skipped => {
                        c.skipped.fetch_add(1, Relaxed);
                        continue;
                    }
                    Offer::Refused { previous_failed } => {
                        if previous_failed.is_some() {
                            c.refused_failed.fetch_add(1, Relaxed);
                        } else {
                            c.refused_drain.fetch_add(1, Relaxed);
                        }
                        continue;
                    }
                    Offer::Admitted { previous_failed } => {
                        c.admitted.fetch_add(1, Relaxed);
                        match previous_failed {
                            Some(f) if f.0 == pick.job => c.failed_retried.fetch_add(1, Relaxed),
                            Some(_) => c.older_first.fetch_add(1, Relaxed),
                            None => 0,
                        };
                    }
                }
                let disabled = || round.barrier().is_disabled(key);
                let mut epoch =
                    track_mode(shared, &config, pick.key, &mut seen[k], started, disabled);
                let current = shared.epoch[k].load(Relaxed);
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
                if queue(shared, store, &workers, dispatch, current) {
                    progressed = true;
                } else {
                    // The worker's queue is full: undo the admission (R-LEAVE);
                    // the job stays pending and the round skips its key.
                    round.undo(key, JobId(pick.job));
                    c.admitted.fetch_sub(1, Relaxed);
                    c.undone.fetch_add(1, Relaxed);
                }
            }
            // The round ends here (its last use): the next iteration starts
            // another, with its `sync`.
            if !progressed {
                // Nothing to do until a status is committed (or a retry is due).
                store.wait_for_change(generation, Duration::from_millis(1));
            }
        }
        barrier
    }
}

/// Hands a job to its key's worker, if the worker's queue has room.
fn queue(
    shared: &Shared,
    store: &Store,
    workers: &[SyncSender<Dispatch>],
    dispatch: Dispatch,
    epoch: u32,
) -> bool {
    store.take(dispatch.job, dispatch.key, epoch);
    let worker = &workers[dispatch.key as usize % workers.len()];
    match worker.try_send(dispatch) {
        Ok(()) => true,
        Err(TrySendError::Full(_)) => {
            store.put_back(dispatch.job, dispatch.key);
            shared.counters.queue_full.fetch_add(1, Relaxed);
            false
        }
        Err(TrySendError::Disconnected(_)) => panic!("worker gone"),
    }
}

/// After an admission whose offer started at `started`: follow the key's mode
/// (`disabled`: `is_disabled` now) and return the epoch to tag the job with, if
/// ordering is surely on.
fn track_mode(
    shared: &Shared,
    config: &PickupConfig,
    key: u32,
    seen: &mut Seen,
    started: Instant,
    disabled: impl FnOnce() -> bool,
) -> Option<u32> {
    let epoch = &shared.epoch[key as usize];
    if !config.modes {
        return Some(epoch.load(Relaxed));
    }
    let disabled = disabled();
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
            if started > since + config.half_enabled_for {
                *seen = Seen::Enabled;
                Some(epoch.fetch_add(1, Relaxed) + 1)
            } else {
                None
            }
        }
    }
}
