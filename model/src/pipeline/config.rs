//! The bounds and settings of one pipeline model.

use super::{Job, Key, RestartContract};
use crate::reference::{RefConfig, Tick};
use crate::Mutant;

/// The bounds and settings of one pipeline model.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PipelineConfig {
    /// A short name for reports.
    pub name: &'static str,
    /// Number of ordering keys.
    pub keys: usize,
    /// Jobs per key.
    pub jobs_per_key: usize,
    /// How often each job may fail retryably.
    pub failures: u8,
    /// The barrier's `drain_limit`.
    pub drain_limit: usize,
    /// The barrier's `key_threshold`.
    pub key_threshold: usize,
    /// The barrier's `disabled_for`, in ticks.
    pub disabled_for: Tick,
    /// The barrier's `half_enabled_for`, in ticks.
    pub half_enabled_for: Tick,
    /// The barrier's `drain_idle_for`, in ticks.
    pub drain_idle_for: Tick,
    /// Toggles of the `ordering_disabled` predicate available (over all keys).
    pub toggles: u8,
    /// `leave` calls available to the pickup loop (over all jobs).
    pub leaves: u8,
    /// Number of workers.
    pub workers: usize,
    /// The pickup loop's batch: at most this many of the oldest due pending
    /// jobs (0: every due pending job).
    pub batch: usize,
    /// How many times the pickup loop may read a batch that repeats its first
    /// job at its end (a job store that returns a job twice): the round
    /// answers the repeat `OutOfOrder` (R-OFFER), and nothing happens.
    pub repeated_reads: u8,
    /// Pickup loops sharing the barrier (1 is correct use; 2 is the misuse).
    pub pickup_loops: usize,
    /// Settings the barrier may be switched to live, at any moment, besides its
    /// initial ones (R-CONFIG: records and queued effects are kept).
    pub live_settings: Vec<RefConfig>,
    /// How many live changes may happen (each to any of [`Self::settings`]
    /// other than the one in force, so settings can go back and forth).
    pub reconfigures: u8,
    /// Workers report the status `executing` before each send, a state the
    /// barrier does not take (R-STATE-SUPPORTED: an error, no effect).
    pub report_executing: bool,
    /// Router restarts available (at most this many per run; see
    /// `restart.rs`).
    pub restarts: u8,
    /// What the router does after a restart (the caller's contract).
    pub contract: RestartContract,
    /// Retry backoff: a job committed `failed` is left out of batches until an
    /// environment step makes it due.
    pub backoff: bool,
    /// With restarts: a job sent again gets the terminal answer it got the
    /// first time, or a retryable failure (`false`: any answer).
    pub repeat_answers: bool,
    /// A deliberately broken barrier, if any.
    pub mutant: Option<Mutant>,
    /// Optional `sometimes` properties this configuration must reach (names from
    /// `properties::paths`), on top of those its bounds imply.
    pub paths: &'static [&'static str],
    /// Guarantees this configuration is known to violate, each with the length
    /// (in steps) of its shortest counterexample: `check` then requires each of
    /// them to be refuted with a shortest counterexample of exactly that length
    /// (a new way to break the guarantee usually has another length), and every
    /// other property to hold.
    pub expect_refuted: &'static [(&'static str, usize)],
}

impl Default for PipelineConfig {
    /// One key, two jobs, one failure each, nothing else; every timer 1 tick.
    fn default() -> Self {
        PipelineConfig {
            name: "custom",
            keys: 1,
            jobs_per_key: 2,
            failures: 1,
            drain_limit: 0,
            key_threshold: 0,
            disabled_for: 1,
            half_enabled_for: 1,
            drain_idle_for: 1,
            toggles: 0,
            leaves: 0,
            workers: 0,
            batch: 0,
            repeated_reads: 0,
            pickup_loops: 1,
            live_settings: Vec::new(),
            reconfigures: 0,
            report_executing: false,
            restarts: 0,
            contract: RestartContract::WarmStart,
            backoff: false,
            repeat_answers: true,
            mutant: None,
            paths: &[],
            expect_refuted: &[],
        }
    }
}

impl PipelineConfig {
    /// Total number of jobs.
    pub fn job_count(&self) -> usize {
        self.keys * self.jobs_per_key
    }

    /// The key of a job.
    pub fn key_of(&self, job: Job) -> Key {
        (usize::from(job) % self.keys) as Key
    }

    /// The worker that handles a key (0 workers means one per key).
    pub fn worker_of(&self, key: Key) -> usize {
        usize::from(key) % self.worker_count()
    }

    /// The number of workers actually used.
    pub fn worker_count(&self) -> usize {
        if self.workers == 0 {
            self.keys
        } else {
            self.workers
        }
    }

    /// The barrier settings.
    pub fn barrier_config(&self) -> RefConfig {
        RefConfig {
            drain_limit: self.drain_limit,
            key_threshold: self.key_threshold,
            disabled_for: self.disabled_for,
            half_enabled_for: self.half_enabled_for,
            drain_idle_for: self.drain_idle_for,
            panic_on_illegal_sequence: false,
        }
    }

    /// Every settings the barrier can be in: the initial ones first, then
    /// [`Self::live_settings`].
    pub fn settings(&self) -> Vec<RefConfig> {
        let mut all = vec![self.barrier_config()];
        all.extend(self.live_settings.iter().cloned());
        all
    }

    /// The longest value each timer takes in any of [`Self::settings`] (for the
    /// time abstraction, [`crate::reference::Reference::normalize_clock_for`]).
    pub fn longest_timers(&self) -> RefConfig {
        let mut timers = self.barrier_config();
        for other in &self.live_settings {
            timers.disabled_for = timers.disabled_for.max(other.disabled_for);
            timers.half_enabled_for = timers.half_enabled_for.max(other.half_enabled_for);
            timers.drain_idle_for = timers.drain_idle_for.max(other.drain_idle_for);
        }
        timers
    }

    /// The settings at index `i` of [`Self::settings`].
    pub fn settings_at(&self, i: u8) -> RefConfig {
        self.settings()[usize::from(i)].clone()
    }
}
