//! [`Stats`]: cumulative counters of what the barrier decided.

use serde::{Deserialize, Serialize};

/// Cumulative counts since the barrier was built, from [`Barrier::stats`](crate::Barrier::stats).
///
/// Counted per shard under the shard lock the call holds anyway (and, for the
/// `enter` calls answered without a lock, in per-thread stripes of atomic counters),
/// and summed on read; like [`Barrier::size`](crate::Barrier::size), the sum is not
/// one atomic cut across shards while other threads are calling.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stats {
    /// `enter` calls that accepted the job.
    pub entered: u64,
    /// `enter` calls that rejected the job (failed job or full drain window).
    pub rejected: u64,
    /// `wait` calls that told the worker to wait.
    pub waits_told: u64,
    /// `failed` reports that took effect (R-EFF-FAILED, not in `Disabled` mode).
    pub failures_recorded: u64,
    /// Drain windows opened by the abort of a failed job (R-EFF-ABORT).
    pub drains_opened: u64,
    /// Keys that went hot (R-ENTER-HOT).
    pub keys_gone_hot: u64,
    /// Keys whose ordering came fully back on (`HalfEnabled` → `Enabled`, R-MODE).
    pub keys_re_enabled: u64,
    /// Queued effects processed by `sync`.
    pub effects_applied: u64,
    /// Drain windows that `sync` closed because they held no job for longer than
    /// `drain_idle_for` (R-EXPIRE).
    pub drains_expired: u64,
    /// Records that `sync` removed because their timers ran out and they held
    /// nothing else (R-EXPIRE, R-GC).
    pub records_expired: u64,
    /// Illegal sequences seen in `enter`.
    pub illegal_enter: u64,
    /// Illegal sequences seen in `wait`.
    pub illegal_wait: u64,
    /// Illegal sequences seen in `state_changed(failed)`.
    pub illegal_job_failed: u64,
}

impl Stats {
    /// All illegal sequences, wherever seen: always 0 under SPEC v3, which
    /// reports none (R-ILLEGAL); the counters stay for a later version's checks.
    pub fn illegal_sequences(&self) -> u64 {
        self.illegal_enter + self.illegal_wait + self.illegal_job_failed
    }

    pub(crate) fn add(&mut self, other: &Stats) {
        let Stats {
            entered,
            rejected,
            waits_told,
            failures_recorded,
            drains_opened,
            keys_gone_hot,
            keys_re_enabled,
            effects_applied,
            drains_expired,
            records_expired,
            illegal_enter,
            illegal_wait,
            illegal_job_failed,
        } = *other;
        self.entered += entered;
        self.rejected += rejected;
        self.waits_told += waits_told;
        self.failures_recorded += failures_recorded;
        self.drains_opened += drains_opened;
        self.keys_gone_hot += keys_gone_hot;
        self.keys_re_enabled += keys_re_enabled;
        self.effects_applied += effects_applied;
        self.drains_expired += drains_expired;
        self.records_expired += records_expired;
        self.illegal_enter += illegal_enter;
        self.illegal_wait += illegal_wait;
        self.illegal_job_failed += illegal_job_failed;
    }
}
