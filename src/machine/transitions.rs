//! The transitions, one function per operation of SPEC.md section 4.
//!
//! Each takes the key's record by value (or `None`), the input, the call's time and
//! the [`Rules`], and returns a [`Step`]: no locks, no clock reads (the time comes
//! in as a lazily read [`Now`]), no callbacks but the `ordering_disabled` predicate.

use super::{Applied, Blocker, Inflight, JobSet, Mode, Notes, Now, Record, Rules, Step, Violation};
use crate::{Admission, Hold, JobId, Location};

/// `enter(key, job) → (accepted, previous_failed)`.
///
/// `ordering_disabled` is the caller's predicate for this key; it is evaluated at
/// most once, and only when the key has (or gets) a record.
#[inline]
pub(crate) fn enter(
    record: Option<Record>,
    job: JobId,
    now: &Now<'_>,
    rules: &Rules,
    ordering_disabled: impl FnOnce() -> bool,
) -> Step<Admission> {
    let mut record = match record {
        Some(record) => record,
        // R-ENTER-1: no record and no key threshold: accept, create nothing.
        None if rules.key_threshold == 0 => return Step::absent(Admission::ACCEPTED),
        // R-ENTER-1: otherwise an Enabled record with an empty tracked in-flight set.
        None => Record {
            mode: Mode::Enabled,
            blocker: Blocker::Clear,
            inflight: Inflight::Tracked(JobSet::new()),
        },
    };

    let (mode, notes) = refresh_mode(record.mode, now, rules, ordering_disabled);
    record.mode = mode;

    // R-ENTER-DISABLED: ordering is off: accept, track nothing.
    if let Mode::Disabled { .. } = record.mode {
        return Step::collect(record, Admission::ACCEPTED, None).noting(notes);
    }

    // R-ENTER-HOT: too many jobs in flight: the key turns hot (a fresh Disabled record).
    if rules.key_threshold > 0 {
        if let Inflight::Tracked(set) = &record.inflight {
            if !set.contains(job) && set.len() >= rules.key_threshold {
                let hot = Record {
                    mode: Mode::Disabled { since: now.get() },
                    blocker: Blocker::Clear,
                    inflight: Inflight::Tracked(JobSet::new()),
                };
                return Step::collect(hot, Admission::ACCEPTED, None)
                    .noting(notes | Notes::WENT_HOT);
            }
        }
    }

    let mut illegal = None;
    let answer = match &record.blocker {
        // R-ENTER-DRAIN: the drain window is full: reject.
        Blocker::Drain(window)
            if rules.drain_limit > 0
                && !window.contains(job)
                && window.len() >= rules.drain_limit =>
        {
            return Step::collect(record, Admission::REJECTED, None).noting(notes);
        }
        // R-ENTER-FAILED: only the failed job itself may pass.
        &Blocker::Failed(failed) => {
            if failed > job && record.mode == Mode::Enabled {
                illegal = Some(Violation {
                    location: Location::Enter,
                    failed,
                    job,
                });
            }
            Admission {
                accepted: job == failed,
                previous_failed: Some(failed),
            }
        }
        _ => Admission::ACCEPTED,
    };

    // R-ENTER-TRACK: an accepted job joins the in-flight set and the drain window.
    if answer.accepted {
        if let Inflight::Tracked(set) = &mut record.inflight {
            set.insert(job);
        }
        if let Blocker::Drain(window) = &mut record.blocker {
            window.insert(job);
        }
    }
    #[cfg(feature = "inject-bugs")]
    if crate::__inject::active(crate::__inject::Bug::EnterKeepsInactive) {
        return Step {
            record: Some(record),
            answer,
            illegal,
            notes,
        };
    }
    Step::collect(record, answer, illegal).noting(notes)
}

/// R-MODE: refresh the mode at `enter` (and only there): the predicate first, then
/// at most one timer step. Both timers compare strictly. The clock is read only if
/// the mode is not `Enabled` or the predicate holds.
#[inline]
pub(crate) fn refresh_mode(
    mode: Mode,
    now: &Now<'_>,
    rules: &Rules,
    ordering_disabled: impl FnOnce() -> bool,
) -> (Mode, Notes) {
    let (mode, notes) = if ordering_disabled() {
        (
            Mode::Disabled { since: now.get() },
            Notes::PREDICATE_DISABLED,
        )
    } else {
        (mode, Notes::default())
    };
    match mode {
        Mode::Enabled => (mode, notes),
        #[cfg(feature = "inject-bugs")]
        Mode::Disabled { since }
            if crate::__inject::active(crate::__inject::Bug::HotTimerOffByOne)
                && now.get().saturating_sub(since) >= rules.disabled_for =>
        {
            (
                Mode::HalfEnabled { since: now.get() },
                notes | Notes::HALF_ENABLED,
            )
        }
        Mode::Disabled { since } if now.get().saturating_sub(since) > rules.disabled_for => (
            Mode::HalfEnabled { since: now.get() },
            notes | Notes::HALF_ENABLED,
        ),
        Mode::HalfEnabled { since } if now.get().saturating_sub(since) > rules.half_enabled_for => {
            (Mode::Enabled, notes | Notes::RE_ENABLED)
        }
        other => (other, notes),
    }
}

/// R-WAIT: `wait(key, job) → (wait, previous_failed)`. Read-only; never refreshes
/// the mode.
#[inline]
pub(crate) fn wait(record: Option<&Record>, job: JobId) -> (Hold, Option<Violation>) {
    let Some(record) = record else {
        return (Hold::GO, None);
    };
    match (record.mode, &record.blocker) {
        (Mode::Disabled { .. }, _) => (Hold::GO, None),
        (mode, &Blocker::Failed(failed)) => {
            let illegal = (failed > job && mode == Mode::Enabled).then_some(Violation {
                location: Location::Wait,
                failed,
                job,
            });
            let hold = Hold {
                wait: job != failed,
                previous_failed: Some(failed),
            };
            #[cfg(feature = "inject-bugs")]
            let hold = Hold {
                wait: if crate::__inject::active(crate::__inject::Bug::WaitWrongComparison) {
                    job > failed
                } else {
                    hold.wait
                },
                ..hold
            };
            (hold, illegal)
        }
        _ => (Hold::GO, None),
    }
}

/// Applies a reported state's effect (immediately for `failed`, at `sync` for the
/// others) or a `leave`.
#[inline]
pub(crate) fn apply(
    record: Option<Record>,
    job: JobId,
    effect: Applied,
    rules: &Rules,
) -> Step<()> {
    match effect {
        Applied::Leave => leave(record, job),
        Applied::Fail => failed(record, job),
        Applied::Release => release(record, job, false, rules),
        Applied::Abort => release(record, job, true, rules),
    }
}

/// R-EFF-LEAVE (`waiting`) and R-LEAVE: the job is no longer in flight. Idempotent.
#[inline]
fn leave(record: Option<Record>, job: JobId) -> Step<()> {
    let Some(mut record) = record else {
        return Step::absent(());
    };
    record.forget(job);
    Step::collect(record, (), None)
}

/// R-EFF-FAILED (`failed`): the job blocks its key.
#[inline]
fn failed(record: Option<Record>, job: JobId) -> Step<()> {
    #[cfg(feature = "inject-bugs")]
    if record.is_none()
        && crate::__inject::active(crate::__inject::Bug::FailureWithoutRecordDropped)
    {
        return Step::absent(());
    }
    // No record: an Enabled one with an untracked in-flight set.
    let mut record = record.unwrap_or_default();
    // Mode Disabled: no effect.
    if let Mode::Disabled { .. } = record.mode {
        return Step::collect(record, (), None);
    }
    record.forget(job);
    let mut illegal = None;
    let mut notes = Notes::FAILURE_RECORDED;
    // The failed job stays the oldest one; a drain window closes in every case.
    record.blocker = match record.blocker {
        Blocker::Failed(f) => {
            if f > job && record.mode == Mode::Enabled {
                illegal = Some(Violation {
                    location: Location::JobFailed,
                    failed: f,
                    job,
                });
            }
            Blocker::Failed(f)
        }
        Blocker::Clear => Blocker::Failed(job),
        Blocker::Drain(_) => {
            notes |= Notes::DRAIN_CLOSED;
            Blocker::Failed(job)
        }
    };
    Step::collect(record, (), illegal).noting(notes)
}

/// R-EFF-RELEASE (`succeeded`, `filtered`) and, with `abort`, R-EFF-ABORT (`aborted`).
#[inline]
fn release(record: Option<Record>, job: JobId, abort: bool, rules: &Rules) -> Step<()> {
    let mut record = match record {
        // No record, or mode Disabled: no effect.
        None => return Step::absent(()),
        Some(record) if matches!(record.mode, Mode::Disabled { .. }) => {
            return Step::collect(record, (), None)
        }
        Some(record) => record,
    };
    record.forget(job);
    let mut notes = Notes::default();
    record.blocker = match record.blocker {
        // A failed job other than this one: a stale report, stop.
        #[cfg(feature = "inject-bugs")]
        Blocker::Failed(f)
            if f != job
                && crate::__inject::active(crate::__inject::Bug::StaleReleaseClearsFailed) =>
        {
            Blocker::Clear
        }
        Blocker::Failed(f) if f != job => Blocker::Failed(f),
        // R-EFF-ABORT: the failed job was aborted: a new, empty drain window.
        #[cfg(feature = "inject-bugs")]
        Blocker::Failed(_)
            if abort && crate::__inject::active(crate::__inject::Bug::NoDrainWindow) =>
        {
            Blocker::Clear
        }
        Blocker::Failed(_) if abort && rules.drain_limit > 0 => {
            notes |= Notes::DRAIN_OPENED;
            Blocker::Drain(JobSet::new())
        }
        // Otherwise the failed job is cleared and any drain window closes.
        Blocker::Drain(_) => {
            notes |= Notes::DRAIN_CLOSED;
            Blocker::Clear
        }
        Blocker::Failed(_) | Blocker::Clear => Blocker::Clear,
    };
    Step::collect(record, (), None).noting(notes)
}
