//! The transitions, one function per operation of SPEC.md section 4.
//!
//! Each takes the key's record by value (or `None`), the input, the call's time and
//! the [`Rules`], and returns a [`Step`]: no locks, no clock reads (the time comes
//! in as a lazily read [`Now`]), no callbacks (the `ordering_disabled` predicate
//! comes in as its answer).

use super::{
    Applied, Blocker, Inflight, JobSet, Nanos, Notes, Now, Ordered, Record, Rules, Step, Window,
};
use crate::{Admission, Hold, JobId};

/// R-ENTER-1: whether `enter` on a key with no record makes one (only under a
/// key threshold: the record tracks the in-flight jobs). When it does not, the
/// answer is [`enter_without_record`]'s, and the shell may give it without a lock
/// once it knows the key has no record.
#[inline]
pub(crate) fn creates_record_on_enter(rules: &Rules) -> bool {
    rules.key_threshold > 0
}

/// R-ENTER-1: `enter`'s answer on a key with no record, when none is made: accept,
/// no previous failed job.
#[inline]
pub(crate) fn enter_without_record() -> Admission {
    Admission::ACCEPTED
}

/// R-MODE: whether `enter` needs the `ordering_disabled` predicate: only for a key
/// that has a record or gets one (a key without one has no mode to refresh).
/// `has_record` is asked only if the key would get no record (so a key threshold
/// spares the lookup).
#[inline]
pub(crate) fn asks_predicate(has_record: impl FnOnce() -> bool, rules: &Rules) -> bool {
    creates_record_on_enter(rules) || has_record()
}

/// `enter(key, job) → (accepted, previous_failed)`.
///
/// `ordering_disabled` is the caller's predicate for this key, asked only when the
/// key has or gets a record (R-MODE needs it only then).
#[inline]
pub(crate) fn enter(
    record: Option<Record>,
    job: JobId,
    now: &Now<'_>,
    rules: &Rules,
    ordering_disabled: bool,
) -> Step<Admission> {
    let record = match record {
        Some(record) => record,
        // R-ENTER-1: no record and no key threshold: accept, create nothing.
        None if !creates_record_on_enter(rules) => return Step::absent(enter_without_record()),
        // R-ENTER-1: otherwise an Enabled record with an empty tracked in-flight set.
        None => Record::On(Ordered {
            half_enabled_since: None,
            blocker: Blocker::Clear,
            inflight: Inflight::Tracked(JobSet::new()),
        }),
    };

    let (record, notes) = refresh_mode(record, now, rules, ordering_disabled);
    // R-ENTER-DISABLED: ordering is off: accept, track nothing.
    let Record::On(mut on) = record else {
        return Step::collect(record, Admission::ACCEPTED).noting(notes);
    };

    // R-ENTER-HOT: too many jobs in flight: the key turns hot (a fresh Disabled record).
    if rules.key_threshold > 0 {
        if let Inflight::Tracked(set) = &on.inflight {
            if !set.contains(job) && set.len() >= rules.key_threshold {
                let hot = Record::disabled(now.get(), true);
                return Step::collect(hot, Admission::ACCEPTED).noting(notes | Notes::WENT_HOT);
            }
        }
    }

    let answer = match &on.blocker {
        // R-ENTER-DRAIN: the drain window is full: reject.
        Blocker::Drain(window)
            if rules.drain_limit > 0
                && !window.contains(job)
                && window.len() >= rules.drain_limit =>
        {
            return Step::collect(Record::On(on), Admission::REJECTED).noting(notes);
        }
        // R-ENTER-FAILED: the oldest failed job and older jobs pass (older jobs go
        // first); later ones are refused (bug EnterRefusesOlder: v2's rule, only the
        // failed job itself passes).
        Blocker::Failed(set) => {
            let failed = oldest(set);
            Admission {
                accepted: if bug!(EnterRefusesOlder) {
                    job == failed
                } else {
                    job <= failed
                },
                previous_failed: Some(failed),
            }
        }
        _ => Admission::ACCEPTED,
    };

    // R-ENTER-TRACK: an accepted job joins the in-flight set and the drain window
    // (which is then not idle).
    if answer.accepted {
        if let Inflight::Tracked(set) = &mut on.inflight {
            set.insert(job);
        }
        if let Blocker::Drain(window) = &mut on.blocker {
            window.insert(job);
        }
    }
    // R-GC (the Go version keeps the inactive record: bug EnterKeepsInactive).
    Step::collect_unless(bug!(EnterKeepsInactive), Record::On(on), answer).noting(notes)
}

/// R-MODE at `enter`: if the predicate holds, the record is reset (a fresh
/// `Disabled` one, as by R-ENTER-HOT); then at most one timer step. The clock is
/// read only if the mode is not `Enabled` or the predicate holds.
#[inline]
pub(crate) fn refresh_mode(
    record: Record,
    now: &Now<'_>,
    rules: &Rules,
    ordering_disabled: bool,
) -> (Record, Notes) {
    // The predicate resets the record (bug PredicateSparesFailed: not a record
    // that holds a failed job, which keeps blocking its key).
    if !ordering_disabled || (bug!(PredicateSparesFailed) && record.holds_workers()) {
        return timer_step(record, now, rules);
    }
    let reset = Record::disabled(now.get(), rules.key_threshold > 0);
    let (record, notes) = timer_step(reset, now, rules);
    (record, notes | Notes::PREDICATE_DISABLED)
}

/// R-MODE's timer step, at `enter` and at `sync` (R-EXPIRE): `Disabled` older than
/// `disabled_for` becomes `HalfEnabled` (with an empty in-flight set, tracked if
/// the record was); else `HalfEnabled` older than `half_enabled_for` becomes
/// `Enabled`. Both compare strictly.
#[inline]
fn timer_step(record: Record, now: &Now<'_>, rules: &Rules) -> (Record, Notes) {
    let elapsed = |since: Nanos| now.get().saturating_sub(since);
    match record {
        Record::Disabled { since, tracked } if past(elapsed(since), rules.disabled_for) => {
            let half = Ordered {
                half_enabled_since: Some(now.get()),
                blocker: Blocker::Clear,
                inflight: if tracked {
                    Inflight::Tracked(JobSet::new())
                } else {
                    Inflight::Untracked
                },
            };
            (Record::On(half), Notes::HALF_ENABLED)
        }
        Record::On(Ordered {
            half_enabled_since: Some(since),
            blocker,
            inflight,
        }) if elapsed(since) > rules.half_enabled_for => {
            let on = Ordered {
                half_enabled_since: None,
                blocker,
                inflight,
            };
            (Record::On(on), Notes::RE_ENABLED)
        }
        other => (other, Notes::default()),
    }
}

/// Whether `elapsed` is past `timer` (strictly; `>=` under the injected bug
/// `HotTimerOffByOne`).
#[inline]
fn past(elapsed: Nanos, timer: Nanos) -> bool {
    elapsed > timer || (bug!(HotTimerOffByOne) && elapsed == timer)
}

/// R-EXPIRE, at `sync`: R-MODE's timer step (without the predicate), then the
/// drain window closes if it has held no job for longer than `drain_idle_for`
/// (strictly); then R-GC.
#[inline]
pub(crate) fn expire(record: Record, now: Nanos, rules: &Rules) -> Step<()> {
    let (mut record, mut notes) = timer_step(record, &Now::at(now), rules);
    if let Record::On(on) = &mut record {
        if let Blocker::Drain(Window::Idle { since }) = on.blocker {
            if now.saturating_sub(since) > rules.drain_idle_for {
                on.blocker = Blocker::Clear;
                notes |= Notes::DRAIN_CLOSED | Notes::WINDOW_EXPIRED;
            }
        }
        // The failed job survives the step (bug ExpireDropsFailed drops it).
        let dropped = bug!(ExpireDropsFailed) && notes.contains(Notes::RE_ENABLED);
        on.blocker = if dropped {
            Blocker::Clear
        } else {
            on.blocker.clone()
        };
    }
    Step::collect(record, ()).noting(notes)
}

/// The oldest job of a key's (never empty) failed set.
#[inline]
fn oldest(failed: &JobSet) -> JobId {
    failed.first().expect("a failed set is never empty")
}

/// R-WAIT: `wait(key, job) → (wait, previous_failed)`: jobs later than the oldest
/// failed job wait; it and older jobs do not. Read-only; never refreshes the mode.
#[inline]
pub(crate) fn wait(record: Option<&Record>, job: JobId) -> Hold {
    // No record, or mode Disabled (which holds no failed job): do not wait.
    match record.and_then(Record::failed) {
        Some(failed) => Hold {
            // Bug WaitWrongComparison compares with `!=` (v2's rule: older jobs wait).
            wait: if bug!(WaitWrongComparison) {
                job != failed
            } else {
                job > failed
            },
            previous_failed: Some(failed),
        },
        None => Hold::GO,
    }
}

/// R-PEEK: the failed job of the key's record, if any. Read-only.
#[inline]
pub(crate) fn peek(record: Option<&Record>) -> Option<JobId> {
    record.and_then(Record::failed)
}

/// R-DISABLED: whether the key has a record whose mode is `Disabled` (no refresh).
#[inline]
pub(crate) fn is_disabled(record: Option<&Record>) -> bool {
    matches!(record, Some(Record::Disabled { .. }))
}

/// Applies a reported state's effect (immediately for `failed`, at `sync` for the
/// others) or a `leave`. `now` is read only if a drain window becomes idle.
#[inline]
pub(crate) fn apply(
    record: Option<Record>,
    job: JobId,
    effect: Applied,
    now: &Now<'_>,
    rules: &Rules,
) -> Step<()> {
    match effect {
        Applied::Leave => leave(record, job, now),
        Applied::Fail => failed(record, job),
        Applied::Release => release(record, job, false, now, rules),
        Applied::Abort => release(record, job, true, now, rules),
    }
}

/// R-EFF-LEAVE (`waiting`) and R-LEAVE: the job is no longer in flight. Idempotent.
#[inline]
fn leave(record: Option<Record>, job: JobId, now: &Now<'_>) -> Step<()> {
    match record {
        None => Step::absent(()),
        // A Disabled record holds no job.
        Some(Record::On(mut on)) => {
            on.forget(job, || now.get());
            Step::collect(Record::On(on), ())
        }
        Some(disabled) => Step::collect(disabled, ()),
    }
}

/// R-EFF-FAILED (`failed`): the job joins its key's failed jobs (the oldest
/// blocks the key) and any drain window closes.
#[inline]
fn failed(record: Option<Record>, job: JobId) -> Step<()> {
    // No record: an Enabled one with an untracked in-flight set (bug
    // FailureWithoutRecordDropped makes none).
    let record = record.or_else(|| (!bug!(FailureWithoutRecordDropped)).then(Record::default));
    let Some(record) = record else {
        return Step::absent(());
    };
    let mut on = match record {
        Record::On(on) => on,
        // Mode Disabled: no effect.
        disabled => return Step::collect(disabled, ()),
    };
    // The window closes below, so its idle time does not matter.
    on.forget(job, || 0);
    let mut notes = Notes::FAILURE_RECORDED;
    on.blocker = match on.blocker {
        // Bug FailedSingleSlot keeps one slot, the older of the two (the set's
        // reason to exist: the younger failed job is forgotten).
        Blocker::Failed(mut set) => {
            if bug!(FailedSingleSlot) {
                Blocker::failed(oldest(&set).min(job))
            } else {
                set.insert(job);
                Blocker::Failed(set)
            }
        }
        Blocker::Clear => Blocker::failed(job),
        Blocker::Drain(_) => {
            notes |= Notes::DRAIN_CLOSED;
            Blocker::failed(job)
        }
    };
    Step::collect(Record::On(on), ()).noting(notes)
}

/// R-EFF-RELEASE (`succeeded`, `filtered`) and, with `abort`, R-EFF-ABORT (`aborted`).
#[inline]
fn release(
    record: Option<Record>,
    job: JobId,
    abort: bool,
    now: &Now<'_>,
    rules: &Rules,
) -> Step<()> {
    let mut on = match record {
        // No record: no effect.
        None => return Step::absent(()),
        Some(Record::On(on)) => on,
        // Mode Disabled: no effect.
        Some(disabled) => return Step::collect(disabled, ()),
    };
    // A window left open below is the failed job's (none was open), so the idle
    // time of a window this removes from does not matter: it closes.
    on.forget(job, || 0);
    let mut notes = Notes::default();
    on.blocker = match on.blocker {
        // Failed jobs, and this is not one of them: a stale report, stop (bug
        // StaleReleaseClearsFailed takes it for the failed jobs' own).
        Blocker::Failed(set) if !set.contains(job) && !bug!(StaleReleaseClearsFailed) => {
            Blocker::Failed(set)
        }
        // One of several failed jobs ended: the others still block the key.
        Blocker::Failed(mut set) if set.len() > 1 && !bug!(StaleReleaseClearsFailed) => {
            set.remove(job);
            Blocker::Failed(set)
        }
        // R-EFF-ABORT: the last failed job was aborted: a new, empty drain window
        // (bug NoDrainWindow opens none).
        Blocker::Failed(_) if abort && rules.drain_limit > 0 && !bug!(NoDrainWindow) => {
            notes |= Notes::DRAIN_OPENED;
            Blocker::Drain(Window::Idle { since: now.get() })
        }
        // Otherwise the last failed job is cleared and any drain window closes.
        Blocker::Drain(_) => {
            notes |= Notes::DRAIN_CLOSED;
            Blocker::Clear
        }
        Blocker::Failed(_) | Blocker::Clear => Blocker::Clear,
    };
    Step::collect(Record::On(on), ()).noting(notes)
}
