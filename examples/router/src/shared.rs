//! State shared by the loops: the keys, each key's ordering epoch, the key that
//! blocks each key (for "longest time blocked"), and counters.

use std::{
    sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering::Relaxed},
    time::Instant,
};

use crate::ops::Key;

/// A job handed to a worker.
#[derive(Clone, Copy, Debug)]
pub struct Dispatch {
    pub job: i64,
    pub key: u32,
    /// The key's ordering epoch at admission, if the key was certainly `Enabled`.
    pub epoch: Option<u32>,
    /// Drained by the pickup loop (not entered): the worker aborts it without
    /// `wait` and without sending, in its place in the queue.
    pub drain: bool,
    /// Failed sends before this one (persisted with `--db`): with the job, it
    /// decides the destination's answer (see `worker::Destination`).
    pub attempts: u32,
}

/// What a job's trip through a worker (or a drain) ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Filtered,
    Aborted,
    /// Aborted by the pickup loop without sending (past its retry limit).
    Drained,
    Failed,
    Waiting,
}

/// A status for the commit loop.
#[derive(Clone, Copy, Debug)]
pub struct Commit {
    pub job: i64,
    pub key: u32,
    pub outcome: Outcome,
    pub epoch: Option<u32>,
}

/// What the loops counted, for the report.
#[derive(Default)]
pub struct Counters {
    /// Offers answered `Admitted` (and not undone).
    pub admitted: AtomicU64,
    /// ... of which the key's failed job itself, retried.
    pub failed_retried: AtomicU64,
    /// ... of which jobs older than the key's failed job (older jobs go first,
    /// R-ENTER-FAILED: leftovers of a period with ordering off).
    pub older_first: AtomicU64,
    /// Offers answered `Refused` because of the key's failed job.
    pub refused_failed: AtomicU64,
    /// Offers answered `Refused` by a full drain window (R-ENTER-DRAIN).
    pub refused_drain: AtomicU64,
    /// Jobs the round skipped (`Skipped`: an earlier job of the key was refused,
    /// undone or skipped in the round), drained ones included.
    pub skipped: AtomicU64,
    /// Admissions undone (`Round::undo`) because the worker's queue was full.
    pub undone: AtomicU64,
    /// Jobs (admitted or drained) that found their worker's queue full.
    pub queue_full: AtomicU64,
    pub delivered: AtomicU64,
    pub filtered: AtomicU64,
    pub aborted: AtomicU64,
    pub failures: AtomicU64,
    pub waits: AtomicU64,
    pub drained: AtomicU64,
    pub batches: AtomicU64,
    pub hot_keys: AtomicU64,
    pub max_blocked_ns: AtomicU64,
    pub max_blocked_key: AtomicU64,
}

pub struct Shared {
    pub keys: Vec<Key>,
    /// Per key: even = ordering certainly on since the epoch began; odd = the key
    /// went hot (ordering off or half on): its jobs are not order-checked.
    pub epoch: Vec<AtomicU32>,
    /// Per key: the failed job that blocks it (0 = none) and since when (ns).
    pub blocker: Vec<AtomicI64>,
    pub blocked_since: Vec<AtomicU64>,
    pub counters: Counters,
    pub stop: AtomicBool,
    pub start: Instant,
    /// Keys can change mode (`key_threshold > 0` or a predicate), so deliveries
    /// ask `is_disabled` before they are order-checked.
    pub modes: bool,
}

impl Shared {
    pub fn new(keys: Vec<Key>, modes: bool) -> Self {
        let n = keys.len();
        Shared {
            keys,
            epoch: (0..n).map(|_| AtomicU32::new(0)).collect(),
            blocker: (0..n).map(|_| AtomicI64::new(0)).collect(),
            blocked_since: (0..n).map(|_| AtomicU64::new(0)).collect(),
            counters: Counters::default(),
            stop: AtomicBool::new(false),
            start: Instant::now(),
            modes,
        }
    }

    /// Nanoseconds since the start of the run.
    pub fn now(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }

    /// The epoch a delivery or commit is checked in: the admission's epoch if the
    /// key is still in it and not `Disabled` (asked only when keys can go hot).
    pub fn ordered_epoch<F: FnOnce() -> bool>(
        &self,
        key: u32,
        admitted: Option<u32>,
        disabled: F,
    ) -> Option<u32> {
        let e = admitted?;
        if self.epoch[key as usize].load(Relaxed) != e {
            return None;
        }
        if self.modes && disabled() {
            return None;
        }
        Some(e)
    }

    /// A failed job now blocks `key` (if nothing did).
    pub fn blocked(&self, key: u32, job: i64) {
        let k = key as usize;
        if self.blocker[k]
            .compare_exchange(0, job, Relaxed, Relaxed)
            .is_ok()
        {
            self.blocked_since[k].store(self.now(), Relaxed);
        }
    }

    /// `job` of `key` ended: if it was the blocker, the key is free again.
    pub fn ended(&self, key: u32, job: i64) {
        let k = key as usize;
        if self.blocker[k].load(Relaxed) != job {
            return;
        }
        let blocked = self
            .now()
            .saturating_sub(self.blocked_since[k].load(Relaxed));
        self.blocker[k].store(0, Relaxed);
        if self.counters.max_blocked_ns.fetch_max(blocked, Relaxed) < blocked {
            self.counters.max_blocked_key.store(u64::from(key), Relaxed);
        }
    }
}
