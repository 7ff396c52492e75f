//! The reference barrier: SPEC.md section 3–5 written as directly as possible.
//!
//! One function per rule, each with its rule id (`R-…`) beside it, over
//! `BTreeMap`/`BTreeSet` and integer logical time ([`Tick`]). Everything is
//! deterministic, and the whole barrier is a plain value (`Clone + Hash + Eq`), so
//! the stateright model can keep it inside its state and the conformance tests of
//! the real barrier can run it side by side as an oracle.
//!
//! It does not read a clock: time moves only through [`Reference::advance`], and
//! every call reads `now` once. SPEC v3 reports no illegal sequence (R-ILLEGAL):
//! every operation still returns an [`Outcome`] with an `illegal` field, kept for
//! source compatibility with the v2 oracle, and it is always `None`.
//!
//! v3 adds the pickup loop's **round** (R-ROUND, R-OFFER: [`Reference::round`],
//! [`Reference::offer`], [`Reference::undo`], [`Reference::skip`]), settings that
//! take effect at the next `sync` (R-CONFIG: [`Reference::reconfigure`] leaves a
//! pending change), a *set* of failed jobs per key (older jobs go first:
//! R-ENTER-FAILED, R-WAIT, R-EFF-FAILED) and the warm start
//! ([`Reference::recover`], R-RESTART).
//!
//! This type has no defect switches: it is the oracle of the conformance tests,
//! and the model checker wraps it to build its deliberately broken variants
//! ([`crate::mutants::Mutated`]), so that no mutant code runs on this path.
//!
//! ```
//! use eventorder_model::reference::{Reference, RefConfig, RefState};
//! let mut barrier: Reference<&str> = Reference::new(RefConfig::default());
//! barrier.state_changed(&"k", 1, RefState::Failed);
//! assert!(barrier.enter(&"k", 2).admission() == (false, Some(1)));
//! assert!(barrier.wait(&"k", 1).hold() == (false, Some(1)));
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::hash::Hash;

/// A job id: unique and increasing in arrival order (SPEC.md section 1).
pub type JobId = i64;

/// Logical time, in ticks.
pub type Tick = u64;

/// The barrier's settings (SPEC.md section 2), with timers in ticks.
///
/// The `ordering_disabled` predicate is not here: it is modelled as the set
/// [`Reference::ordering_disabled`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RefConfig {
    /// After a failed job is aborted, at most this many jobs of the key in flight
    /// until the key settles; 0 = no drain window.
    pub drain_limit: usize,
    /// Jobs in flight at once that make a key hot; 0 = never.
    pub key_threshold: usize,
    /// How long a hot key stays `Disabled`, in ticks.
    pub disabled_for: Tick,
    /// How long it is then `HalfEnabled`, in ticks.
    pub half_enabled_for: Tick,
    /// How long an open drain window may hold no job before `sync` closes it, in
    /// ticks (R-EXPIRE).
    pub drain_idle_for: Tick,
    /// Illegal-sequence policy: panic (true) or report (false). The reference only
    /// records it: v3 reports no illegal sequence ([`Outcome::illegal`]).
    pub panic_on_illegal_sequence: bool,
}

impl Default for RefConfig {
    /// `drain_limit` 0, `key_threshold` 0, `disabled_for` 10, `half_enabled_for` 5,
    /// `drain_idle_for` 10, report (no panic): the library's defaults (10 min,
    /// 5 min, 10 min) with one tick per minute.
    fn default() -> Self {
        RefConfig {
            drain_limit: 0,
            key_threshold: 0,
            disabled_for: 10,
            half_enabled_for: 5,
            drain_idle_for: 10,
            panic_on_illegal_sequence: false,
        }
    }
}

/// A key's ordering mode (SPEC.md section 3, R-MODE).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Ordering fully on.
    Enabled,
    /// Ordering off since the given tick (hot key or `ordering_disabled`).
    Disabled {
        /// When the mode was entered.
        since: Tick,
    },
    /// Ordering on again since the given tick, while the key's jobs still count
    /// as leftovers (SPEC.md section 6).
    HalfEnabled {
        /// When the mode was entered.
        since: Tick,
    },
}

/// Where an illegal sequence was seen (R-ILLEGAL). v3 reports none: kept for
/// source compatibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Location {
    /// In `enter` (R-ENTER-FAILED).
    Enter,
    /// In `wait` (R-WAIT).
    Wait,
    /// In a `failed` report (R-EFF-FAILED).
    JobFailed,
}

/// An illegal-sequence event (R-ILLEGAL). v3 reports none, so no operation of
/// the reference builds one: kept for source compatibility (and for the
/// model's mutant that reports like v2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Illegal<K> {
    /// Where it was seen.
    pub location: Location,
    /// The key.
    pub key: K,
    /// The key's failed job.
    pub failed: JobId,
    /// The (older) job the caller handed in.
    pub job: JobId,
}

/// A job state as reported to `state_changed` (R-STATE-SUPPORTED).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefState {
    /// Delivered.
    Succeeded,
    /// Filtered out.
    Filtered,
    /// Failed retryably.
    Failed,
    /// Aborted (ends the job).
    Aborted,
    /// Told to wait; goes back to pending.
    Waiting,
    /// Any state the spec knows that the barrier does not take (e.g. `executing`).
    Unsupported,
}

/// A queued effect (R-STATE-QUEUE); `Failed` is never queued by this barrier
/// (only by the model checker's mutant `FailedQueued`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// R-EFF-LEAVE (`waiting`).
    Leave,
    /// R-EFF-FAILED (`failed`).
    Failed,
    /// R-EFF-RELEASE (`succeeded`, `filtered`).
    Release,
    /// R-EFF-ABORT (`aborted`).
    Abort,
}

/// The error of `state_changed` for a state the barrier does not take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Unsupported;

/// One call on the barrier (for [`Reference::invoke`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Op<K> {
    /// `enter(key, job)`.
    Enter(K, JobId),
    /// `wait(key, job)`.
    Wait(K, JobId),
    /// `state_changed(key, job, state)`.
    StateChanged(K, JobId, RefState),
    /// `leave(key, job)`.
    Leave(K, JobId),
    /// `sync()`.
    Sync,
    /// `peek(key)`.
    Peek(K),
    /// `is_disabled(key)`.
    IsDisabled(K),
    /// `size()`.
    Size,
    /// Move the logical clock forward.
    Advance(Tick),
    /// Change the settings live: a pending change the next `sync` installs
    /// (R-CONFIG).
    Reconfigure(RefConfig),
    /// Make the `ordering_disabled` predicate hold (true) or not for a key.
    SetOrderingDisabled(K, bool),
    /// `round()`: start a round (R-ROUND): runs `sync` (answers
    /// [`Ret::Applied`] as [`Op::Sync`]) and clears the round's skipped keys
    /// and last offered jobs.
    Round,
    /// `offer(key, job)` in the current round (R-OFFER): answers [`Ret::Offer`].
    Offer(K, JobId),
    /// `undo(key, job)` in the current round: `leave`, and the key is skipped
    /// (R-OFFER); answers [`Ret::Unit`].
    Undo(K, JobId),
    /// `skip(key)` in the current round (R-OFFER); answers [`Ret::Unit`].
    Skip(K),
}

/// The answer of an offer in a round (R-OFFER).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Offered {
    /// Entered and accepted.
    Admitted {
        /// The key's oldest failed job, when R-ENTER-FAILED applied.
        previous_failed: Option<JobId>,
    },
    /// Entered and refused: the key is skipped for the rest of the round.
    Refused {
        /// The key's oldest failed job, when R-ENTER-FAILED refused it.
        previous_failed: Option<JobId>,
    },
    /// The key is skipped in this round: not entered, no effect.
    Skipped,
    /// The library's `Err(Error::OutOfOrder)`: the job is not greater than the
    /// last job offered for its key in this round; no effect.
    OutOfOrder {
        /// The last job offered for the key in this round.
        last: JobId,
        /// The job offered.
        job: JobId,
    },
}

/// The error of [`Reference::recover`]: the barrier has been entered or holds
/// a record, so the warm start comes too late (R-RESTART); nothing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecoverTooLate;

/// The state of the current round (R-ROUND, R-OFFER): cleared when a round
/// starts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RoundState<K: Ord> {
    /// Keys skipped for the rest of the round (after a refusal, an `undo` or a
    /// `skip`).
    pub skipped: BTreeSet<K>,
    /// The last job offered per key in this round (every offer that is not
    /// an `OutOfOrder` error, `Skipped` ones included).
    pub last_offered: BTreeMap<K, JobId>,
}

impl<K: Ord> Default for RoundState<K> {
    fn default() -> Self {
        RoundState {
            skipped: BTreeSet::new(),
            last_offered: BTreeMap::new(),
        }
    }
}

/// What a call returns (for [`Reference::invoke`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ret {
    /// `enter`: admitted or not, and the key's failed job it saw.
    Admission {
        /// Admitted.
        accepted: bool,
        /// The failed job, when R-ENTER-FAILED applied.
        previous_failed: Option<JobId>,
    },
    /// `wait`: wait or not, and the key's failed job.
    Hold {
        /// The job must wait.
        wait: bool,
        /// The failed job, when there is one (outside `Disabled`).
        previous_failed: Option<JobId>,
    },
    /// `state_changed`.
    StateChanged(Result<(), Unsupported>),
    /// `sync`: the number of queued effects processed.
    Applied(usize),
    /// `peek`.
    Peek(Option<JobId>),
    /// `is_disabled`.
    Disabled(bool),
    /// `size`.
    Size(usize),
    /// `offer` (and [`Op::Offer`]).
    Offer(Offered),
    /// Operations without an answer.
    Unit,
}

/// A call's answer and the illegal sequence it reported, if any.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Outcome<K> {
    /// The answer.
    pub ret: Ret,
    /// The illegal-sequence event (R-ILLEGAL). SPEC v3 reports none, so the
    /// reference always leaves it `None`; the field stays for source
    /// compatibility (a v2-like mutant of the model checker fills it).
    pub illegal: Option<Illegal<K>>,
}

impl<K> Outcome<K> {
    fn plain(ret: Ret) -> Self {
        Outcome { ret, illegal: None }
    }

    /// `(accepted, previous_failed)` of an `enter`; panics on another answer.
    pub fn admission(&self) -> (bool, Option<JobId>) {
        match self.ret {
            Ret::Admission {
                accepted,
                previous_failed,
            } => (accepted, previous_failed),
            ref other => panic!("not an admission: {other:?}"),
        }
    }

    /// `(wait, previous_failed)` of a `wait`; panics on another answer.
    pub fn hold(&self) -> (bool, Option<JobId>) {
        match self.ret {
            Ret::Hold {
                wait,
                previous_failed,
            } => (wait, previous_failed),
            ref other => panic!("not a hold: {other:?}"),
        }
    }
}

/// The reference barrier. Fields are public so that tests and the model can look
/// inside; change them only through the operations.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference<K: Ord + Clone + Hash + Debug> {
    /// The settings in force.
    pub config: RefConfig,
    /// A change of the settings that the next `sync` installs first (R-CONFIG).
    pub pending_config: Option<RefConfig>,
    /// The logical clock.
    pub now: Tick,
    /// One record per key that holds something (R-GC).
    pub records: BTreeMap<K, Record>,
    /// Effects queued until the next `sync`, in call order (R-STATE-QUEUE).
    pub queue: Vec<(K, JobId, Effect)>,
    /// Keys for which the `ordering_disabled` predicate holds.
    pub ordering_disabled: BTreeSet<K>,
    /// The current round (R-ROUND); a plain `sync` does not reset it, only
    /// [`Reference::round`] does.
    pub round: RoundState<K>,
    /// Some `enter` (or offer that entered) has run: [`Reference::recover`]
    /// then comes too late (R-RESTART).
    pub entered: bool,
}

mod clock;
mod effects;
mod observe;
mod record;
mod round;
mod rules;

pub(crate) use effects::effect_of;
pub use observe::Counts;
pub use record::{Record, Window};

#[cfg(test)]
mod tests;
