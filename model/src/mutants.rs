//! Deliberately broken variants of the reference barrier.
//!
//! Each [`Mutant`] breaks one rule of SPEC.md. The model checker must refute
//! every one of them on the configuration [`Mutant::configuration`] names, through
//! the property [`Mutant::refuted_by`] names: if one survives, the properties are
//! too weak to notice that rule being broken.

use crate::pipeline::PipelineConfig;

/// A named defect of the reference barrier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mutant {
    /// R-WAIT broken: `wait` never holds a job back, whatever the failed job.
    WaitIgnoresFailed,
    /// R-EFF-ABORT broken: the failed job's abort opens no drain window, so the
    /// key's jobs flood back at once.
    AbortOpensNoDrainWindow,
    /// R-ENTER-DRAIN broken: a drain window admits one job more than the limit.
    DrainLimitOffByOne,
    /// R-STATE-QUEUE broken: queued effects are applied at once instead of at the
    /// next `sync`, so they land in the middle of a pickup batch.
    EffectsAppliedImmediately,
    /// R-STATE-QUEUE broken: `failed` is queued until `sync` instead of taking
    /// effect immediately, so later jobs already queued to the worker are sent.
    FailedQueued,
    /// R-EFF-RELEASE broken: a stale report (a job other than the failed one)
    /// clears the failed job too.
    StaleReleaseClearsFailed,
    /// R-GC broken: inactive records are never removed.
    NeverCollectInactive,
    /// R-ENTER-FAILED broken: the failed job itself is refused too, so the key is
    /// blocked for good.
    EnterRefusesFailedJob,
    /// R-MODE broken as in SPEC v1 (and the Go version): the predicate only
    /// switches the mode to `Disabled` and keeps the failed job, so a failed job
    /// that ends while the key is off blocks the key for good once it is back.
    PredicateOnlySwitchesMode,
    /// R-EXPIRE missing: `sync` takes no timer step and closes no idle window, so
    /// the record of a key that is never entered again stays for good.
    SyncNeverExpires,
    /// R-EXPIRE broken: an idle drain window closes once it has been idle for
    /// `drain_idle_for` (not strictly longer), here at the very `sync` that opens it.
    IdleWindowClosesEarly,
    /// R-ENTER-TRACK broken: a job joining an idle window leaves it idle, so
    /// `sync` closes the window while it still holds a job.
    TrackKeepsWindowIdle,
}

impl Mutant {
    /// Every mutant, in a fixed order.
    pub const ALL: [Mutant; 12] = [
        Mutant::WaitIgnoresFailed,
        Mutant::AbortOpensNoDrainWindow,
        Mutant::DrainLimitOffByOne,
        Mutant::EffectsAppliedImmediately,
        Mutant::FailedQueued,
        Mutant::StaleReleaseClearsFailed,
        Mutant::NeverCollectInactive,
        Mutant::EnterRefusesFailedJob,
        Mutant::PredicateOnlySwitchesMode,
        Mutant::SyncNeverExpires,
        Mutant::IdleWindowClosesEarly,
        Mutant::TrackKeepsWindowIdle,
    ];

    /// The guarantee whose property must refute this mutant.
    pub fn refuted_by(self) -> &'static str {
        match self {
            Mutant::WaitIgnoresFailed | Mutant::FailedQueued => "G-BLOCK",
            Mutant::AbortOpensNoDrainWindow
            | Mutant::DrainLimitOffByOne
            | Mutant::IdleWindowClosesEarly
            | Mutant::TrackKeepsWindowIdle => "G-DRAIN",
            Mutant::EffectsAppliedImmediately | Mutant::StaleReleaseClearsFailed => "G-ORDER",
            Mutant::NeverCollectInactive | Mutant::SyncNeverExpires => "G-GC",
            Mutant::EnterRefusesFailedJob | Mutant::PredicateOnlySwitchesMode => "G-LIVE",
        }
    }

    /// A small configuration on which the checker refutes this mutant.
    pub fn configuration(self) -> PipelineConfig {
        let base = PipelineConfig {
            name: "mutant",
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            leaves: 0,
            ..PipelineConfig::default()
        };
        match self {
            Mutant::AbortOpensNoDrainWindow | Mutant::DrainLimitOffByOne => PipelineConfig {
                drain_limit: 1,
                ..base
            },
            Mutant::IdleWindowClosesEarly | Mutant::TrackKeepsWindowIdle => PipelineConfig {
                drain_limit: 1,
                drain_idle_for: 0,
                ..base
            },
            Mutant::PredicateOnlySwitchesMode => PipelineConfig {
                jobs_per_key: 2,
                disabled_for: 0,
                half_enabled_for: 0,
                toggles: 2,
                ..base
            },
            Mutant::SyncNeverExpires => PipelineConfig {
                jobs_per_key: 1,
                failures: 0,
                key_threshold: 9,
                toggles: 1,
                ..base
            },
            Mutant::WaitIgnoresFailed
            | Mutant::FailedQueued
            | Mutant::EffectsAppliedImmediately
            | Mutant::StaleReleaseClearsFailed
            | Mutant::NeverCollectInactive
            | Mutant::EnterRefusesFailedJob => base,
        }
    }
}
