//! Deliberately broken variants of the barrier, and one of SPEC.md's definitions.
//!
//! Each [`Mutant`] breaks one rule of SPEC.md ([`Mutant::rule`]). The model
//! checker must refute every one of them on the shipped configuration
//! [`Mutant::configuration`] names (the one where the rule matters), through the
//! guarantee [`Mutant::refuted_by`] names: if one survives, the properties are too
//! weak to notice that rule being broken. Every rule with behaviour has at least
//! one mutant; the read-only ones ([`READ_ONLY_RULES`]) have none.
//!
//! The broken barriers are built by [`Mutated`], a wrapper around the reference
//! barrier that composes the reference's rules differently. The reference itself
//! has no defect switch, so the conformance tests of the real barrier, which use
//! [`crate::reference::Reference`] as their oracle, never run mutated code.
//!
//! The R-RESTART mutants break the caller's warm start, not the barrier (the
//! barrier they run is the reference).

mod barrier;
#[cfg(test)]
mod tests;

pub use barrier::Mutated;

/// A named defect of the barrier (or, for one, of SPEC.md's definitions).
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
    /// R-MODE broken: a `HalfEnabled` key whose timer ran out is reset to
    /// `Disabled` again instead of turning `Enabled`: ordering is switched off for
    /// a key that did not earn it.
    HalfEnabledFallsBack,
    /// R-EXPIRE missing: `sync` takes no timer step and closes no idle window, so
    /// the record of a key that is never entered again stays for good.
    SyncNeverExpires,
    /// R-EXPIRE broken: an idle drain window closes once it has been idle for
    /// `drain_idle_for` (not strictly longer).
    IdleWindowClosesEarly,
    /// R-ENTER-TRACK broken: a job joining an idle window leaves it idle, so
    /// `sync` closes the window while it still holds a job.
    TrackKeepsWindowIdle,
    /// R-ENTER-TRACK broken: an accepted job is not added to the tracked
    /// `inflight` set, so the key never goes hot.
    TrackSkipsInflight,
    /// R-ENTER-1 broken: with `key_threshold > 0`, `enter` creates the record with
    /// an untracked `inflight`, so the key never goes hot.
    FreshRecordUntracked,
    /// R-ENTER-DISABLED broken: a job accepted while the key is `Disabled` is
    /// added to the tracked `inflight` set.
    DisabledTracksJobs,
    /// R-ENTER-HOT broken: the key goes hot one job early, at
    /// `key_threshold - 1` jobs in flight.
    HotOneEarly,
    /// R-ENTER-HOT broken: the key goes hot one job late, so a tracking record
    /// admits a job with `key_threshold` jobs in flight.
    HotOneLate,
    /// R-STATE-SUPPORTED broken: a state the barrier does not take (`executing`)
    /// is taken as `succeeded`.
    UnsupportedStateReleases,
    /// R-EFF-LEAVE broken: an applied `waiting` report leaves the job in
    /// `inflight` (and in the drain window).
    WaitingKeepsInflight,
    /// R-EFF-FAILED broken: a `failed` report for a key without a record is
    /// dropped instead of creating one (the Go version's missed failure).
    FailedWithoutRecordDropped,
    /// R-LEAVE broken: `leave` does nothing.
    LeaveIgnored,
    /// R-SYNC broken: the last queued effect is lost at every `sync`.
    SyncDropsLastEffect,
    /// R-CONFIG broken as in the Go version: after a live change of
    /// `key_threshold` to 0, a key with tracked jobs in flight turns hot at its
    /// next `enter`.
    ThresholdZeroMakesHot,
    /// R-ILLEGAL broken as in v2: an `enter` of a job older than the key's
    /// failed job while the key is `Enabled` reports an illegal sequence (a
    /// panic under the production policy); the answer stays v3's.
    ReportsIllegalLikeV2,
    /// R-ENTER-FAILED and R-WAIT broken as in v2: only the failed job itself
    /// passes; an older job is refused by `enter` and told to wait by `wait`.
    /// With a bounded batch, refused leftovers older than the failed job fill
    /// every batch and the failed job is never read again (the v2 livelock).
    OlderJobsHeldLikeV2,
    /// R-EFF-FAILED broken: a single failed slot that becomes `min(f, job)`
    /// (the scratch fix of issue 18): the key forgets its younger failed job.
    FailedSlotMin,
    /// R-EFF-FAILED broken as in v2: a single failed slot that keeps `f`: the
    /// key forgets an older job that fails beside it.
    FailedSlotKeepsFirst,
    /// R-ROUND broken: starting a round keeps the previous round's skipped keys.
    RoundKeepsSkips,
    /// R-OFFER broken: a refusal does not skip the key for the rest of the round.
    NoSkipAfterRefusal,
    /// R-OFFER broken: `undo` leaves the job but does not skip the key.
    UndoWithoutSkip,
    /// R-OFFER broken: a job not greater than the key's last offered job is
    /// entered (no `OutOfOrder` error).
    OutOfOrderAccepted,
    /// R-ENTER-HOT broken: an `enter` that finds `key_threshold` jobs in flight
    /// refuses the job and leaves the key as it is, instead of making it hot.
    HotRefuses,
    /// R-ENTER-1 broken: with `key_threshold` 0, an `enter` on a key without a
    /// record still applies the predicate (R-MODE), creating a `Disabled`
    /// record: ordering switched off where SPEC.md keeps nothing.
    PredicateWithoutRecord,
    /// R-MODE broken: `HalfEnabled` turns `Enabled` only once older than
    /// `half_enabled_for` plus one tick (it stays `HalfEnabled` too long).
    HalfEnabledOverstays,
    /// R-EXPIRE broken: a `HalfEnabled` record whose timer ran out turns
    /// `Enabled` only at the second `sync` that finds it due, so a quiet key's
    /// record is collected one `sync` late.
    ComebackOneSyncLate,
    /// R-CONFIG broken: a drain window reads the pending `drain_limit` (the
    /// one the next `sync` installs) instead of the one in force.
    DrainLimitReadsPending,
    /// Not a barrier defect: R-RESTART's warm start broken, run as a step that
    /// may come at any moment after the restart, racing with the pickup loop
    /// (e.g. after its first `enter`), instead of before it.
    WarmStartRaces,
    /// Not a barrier defect: R-RESTART's warm start broken, reporting no failed
    /// job of the last key.
    WarmStartSkipsLastKey,
    /// Not a barrier defect: v2's warm start, which reports per key only the
    /// oldest job not committed terminal, and only if it is persisted `failed`.
    WarmStartOldestOnly,
}

/// Rules of SPEC.md that only read the state, so that no mutant of them changes
/// what the pipeline does beyond what their answers already show: `peek`,
/// `is_disabled` and `size`.
pub const READ_ONLY_RULES: [&str; 3] = ["R-PEEK", "R-DISABLED", "R-SIZE"];

impl Mutant {
    /// Every mutant, in a fixed order.
    pub const ALL: [Mutant; 40] = [
        Mutant::WaitIgnoresFailed,
        Mutant::AbortOpensNoDrainWindow,
        Mutant::DrainLimitOffByOne,
        Mutant::EffectsAppliedImmediately,
        Mutant::FailedQueued,
        Mutant::StaleReleaseClearsFailed,
        Mutant::NeverCollectInactive,
        Mutant::EnterRefusesFailedJob,
        Mutant::PredicateOnlySwitchesMode,
        Mutant::HalfEnabledFallsBack,
        Mutant::SyncNeverExpires,
        Mutant::IdleWindowClosesEarly,
        Mutant::TrackKeepsWindowIdle,
        Mutant::TrackSkipsInflight,
        Mutant::FreshRecordUntracked,
        Mutant::DisabledTracksJobs,
        Mutant::HotOneEarly,
        Mutant::HotOneLate,
        Mutant::UnsupportedStateReleases,
        Mutant::WaitingKeepsInflight,
        Mutant::FailedWithoutRecordDropped,
        Mutant::LeaveIgnored,
        Mutant::SyncDropsLastEffect,
        Mutant::ThresholdZeroMakesHot,
        Mutant::ReportsIllegalLikeV2,
        Mutant::OlderJobsHeldLikeV2,
        Mutant::FailedSlotMin,
        Mutant::FailedSlotKeepsFirst,
        Mutant::RoundKeepsSkips,
        Mutant::NoSkipAfterRefusal,
        Mutant::UndoWithoutSkip,
        Mutant::OutOfOrderAccepted,
        Mutant::HotRefuses,
        Mutant::PredicateWithoutRecord,
        Mutant::HalfEnabledOverstays,
        Mutant::ComebackOneSyncLate,
        Mutant::DrainLimitReadsPending,
        Mutant::WarmStartRaces,
        Mutant::WarmStartSkipsLastKey,
        Mutant::WarmStartOldestOnly,
    ];

    /// The rule of SPEC.md this mutant breaks.
    pub fn rule(self) -> &'static str {
        match self {
            Mutant::WaitIgnoresFailed => "R-WAIT",
            Mutant::AbortOpensNoDrainWindow => "R-EFF-ABORT",
            Mutant::DrainLimitOffByOne => "R-ENTER-DRAIN",
            Mutant::EffectsAppliedImmediately | Mutant::FailedQueued => "R-STATE-QUEUE",
            Mutant::StaleReleaseClearsFailed => "R-EFF-RELEASE",
            Mutant::NeverCollectInactive => "R-GC",
            Mutant::EnterRefusesFailedJob | Mutant::OlderJobsHeldLikeV2 => "R-ENTER-FAILED",
            Mutant::PredicateOnlySwitchesMode
            | Mutant::HalfEnabledFallsBack
            | Mutant::HalfEnabledOverstays => "R-MODE",
            Mutant::SyncNeverExpires
            | Mutant::IdleWindowClosesEarly
            | Mutant::ComebackOneSyncLate => "R-EXPIRE",
            Mutant::TrackKeepsWindowIdle | Mutant::TrackSkipsInflight => "R-ENTER-TRACK",
            Mutant::FreshRecordUntracked | Mutant::PredicateWithoutRecord => "R-ENTER-1",
            Mutant::DisabledTracksJobs => "R-ENTER-DISABLED",
            Mutant::HotOneEarly | Mutant::HotOneLate | Mutant::HotRefuses => "R-ENTER-HOT",
            Mutant::UnsupportedStateReleases => "R-STATE-SUPPORTED",
            Mutant::WaitingKeepsInflight => "R-EFF-LEAVE",
            Mutant::FailedWithoutRecordDropped
            | Mutant::FailedSlotMin
            | Mutant::FailedSlotKeepsFirst => "R-EFF-FAILED",
            Mutant::LeaveIgnored => "R-LEAVE",
            Mutant::SyncDropsLastEffect => "R-SYNC",
            Mutant::ThresholdZeroMakesHot | Mutant::DrainLimitReadsPending => "R-CONFIG",
            Mutant::ReportsIllegalLikeV2 => "R-ILLEGAL",
            Mutant::RoundKeepsSkips => "R-ROUND",
            Mutant::NoSkipAfterRefusal | Mutant::UndoWithoutSkip | Mutant::OutOfOrderAccepted => {
                "R-OFFER"
            }
            Mutant::WarmStartRaces
            | Mutant::WarmStartSkipsLastKey
            | Mutant::WarmStartOldestOnly => "R-RESTART",
        }
    }

    /// Whether this mutant breaks the barrier (all but the warm-start mutants,
    /// which break the caller).
    pub fn breaks_barrier(self) -> bool {
        !matches!(
            self,
            Mutant::WarmStartRaces | Mutant::WarmStartSkipsLastKey | Mutant::WarmStartOldestOnly
        )
    }

    /// The guarantee whose property must refute this mutant.
    pub fn refuted_by(self) -> &'static str {
        match self {
            Mutant::WaitIgnoresFailed
            | Mutant::FailedQueued
            | Mutant::FailedWithoutRecordDropped
            | Mutant::UnsupportedStateReleases
            | Mutant::FailedSlotMin
            | Mutant::FailedSlotKeepsFirst
            | Mutant::WarmStartOldestOnly => "G-BLOCK",
            Mutant::AbortOpensNoDrainWindow
            | Mutant::DrainLimitOffByOne
            | Mutant::IdleWindowClosesEarly
            | Mutant::TrackKeepsWindowIdle
            | Mutant::DrainLimitReadsPending => "G-DRAIN",
            Mutant::EffectsAppliedImmediately
            | Mutant::StaleReleaseClearsFailed
            | Mutant::NoSkipAfterRefusal
            | Mutant::UndoWithoutSkip
            | Mutant::OutOfOrderAccepted
            | Mutant::WarmStartRaces
            | Mutant::WarmStartSkipsLastKey
            | Mutant::HalfEnabledOverstays => "G-ORDER",
            Mutant::NeverCollectInactive
            | Mutant::SyncNeverExpires
            | Mutant::ComebackOneSyncLate => "G-GC",
            Mutant::EnterRefusesFailedJob
            | Mutant::PredicateOnlySwitchesMode
            | Mutant::SyncDropsLastEffect
            | Mutant::OlderJobsHeldLikeV2
            | Mutant::RoundKeepsSkips => "G-LIVE",
            Mutant::HalfEnabledFallsBack
            | Mutant::TrackSkipsInflight
            | Mutant::FreshRecordUntracked
            | Mutant::DisabledTracksJobs
            | Mutant::HotOneEarly
            | Mutant::HotOneLate
            | Mutant::WaitingKeepsInflight
            | Mutant::LeaveIgnored
            | Mutant::ThresholdZeroMakesHot
            | Mutant::HotRefuses
            | Mutant::PredicateWithoutRecord => "G-LIMIT",
            Mutant::ReportsIllegalLikeV2 => "G-QUIET",
        }
    }

    /// The name of the shipped configuration ([`crate::check::configuration`])
    /// on which the checker refutes this mutant: one where the broken rule
    /// matters (a hot key for the tracking rules, a live change for R-CONFIG, the
    /// predicate for R-MODE, a drain window for the window rules, ...).
    pub fn configuration(self) -> &'static str {
        use crate::names::*;
        match self {
            Mutant::WaitIgnoresFailed
            | Mutant::FailedQueued
            | Mutant::EffectsAppliedImmediately
            | Mutant::StaleReleaseClearsFailed
            | Mutant::NeverCollectInactive
            | Mutant::EnterRefusesFailedJob
            | Mutant::FailedWithoutRecordDropped
            | Mutant::UnsupportedStateReleases
            | Mutant::SyncDropsLastEffect
            | Mutant::RoundKeepsSkips => BASE,
            Mutant::AbortOpensNoDrainWindow
            | Mutant::DrainLimitOffByOne
            | Mutant::IdleWindowClosesEarly
            | Mutant::TrackKeepsWindowIdle => DRAIN_2,
            Mutant::PredicateOnlySwitchesMode
            | Mutant::SyncNeverExpires
            | Mutant::ReportsIllegalLikeV2
            | Mutant::NoSkipAfterRefusal => TOGGLE,
            Mutant::HalfEnabledFallsBack
            | Mutant::TrackSkipsInflight
            | Mutant::FreshRecordUntracked
            | Mutant::DisabledTracksJobs
            | Mutant::HotOneEarly
            | Mutant::HotOneLate
            | Mutant::WaitingKeepsInflight
            | Mutant::HotRefuses
            | Mutant::HalfEnabledOverstays
            | Mutant::ComebackOneSyncLate => HOT,
            Mutant::PredicateWithoutRecord => LIVE_ON,
            Mutant::DrainLimitReadsPending => LIVE_DRAIN,
            Mutant::OlderJobsHeldLikeV2 | Mutant::FailedSlotKeepsFirst => HOT_BATCH_1,
            Mutant::FailedSlotMin => HOT_BATCH_2,
            Mutant::LeaveIgnored => HOT_LEAVE,
            Mutant::UndoWithoutSkip => LEAVE_DRAIN,
            Mutant::OutOfOrderAccepted => MISORDERED,
            Mutant::ThresholdZeroMakesHot => LIVE_OFF,
            Mutant::WarmStartRaces | Mutant::WarmStartSkipsLastKey => RESTART_TWO_KEYS,
            Mutant::WarmStartOldestOnly => RESTART_HOT_TWO,
        }
    }
}
