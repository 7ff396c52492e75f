//! The bounds and settings of one pipeline model.

use super::{Job, Key, Pipeline};
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
    /// Pickup loops sharing the barrier (1 is correct use; 2 is the misuse).
    pub pickup_loops: usize,
    /// Settings the barrier may be switched to once, at any moment (R-CONFIG:
    /// a live change; records and queued effects are kept). `None`: no change.
    pub live_change: Option<RefConfig>,
    /// A deliberately broken barrier, if any.
    pub mutant: Option<Mutant>,
    /// Guarantees this configuration is known to violate: `check` then requires
    /// each of them to be refuted (and every other property to hold).
    pub expect_refuted: &'static [&'static str],
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
            pickup_loops: 1,
            live_change: None,
            mutant: None,
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

    /// The longest value each timer takes, before or after the live change (for
    /// the time abstraction, [`crate::reference::Reference::normalize_clock_for`]).
    pub fn longest_timers(&self) -> RefConfig {
        let mut timers = self.barrier_config();
        if let Some(other) = &self.live_change {
            timers.disabled_for = timers.disabled_for.max(other.disabled_for);
            timers.half_enabled_for = timers.half_enabled_for.max(other.half_enabled_for);
            timers.drain_idle_for = timers.drain_idle_for.max(other.drain_idle_for);
        }
        timers
    }

    /// The model of this configuration.
    pub fn model(&self) -> Pipeline {
        Pipeline {
            config: self.clone(),
        }
    }
}
