//! Transitions specialised to the unboxed shapes of [`Stored`], for the calls that
//! make up nearly all of a busy router's traffic on keys with records.
//!
//! Each function answers `None` when it does not cover the case, and the caller
//! then runs the general transition of [`crate::machine::transitions`]. When it
//! answers, its outcome is exactly what the general transition would have done
//! (same record after, no notes, and for `enter` the answer
//! [`crate::Admission::ACCEPTED`]): the tests below check that for every stored
//! shape, job and effect against the general transitions, which stay the one
//! statement of the rules. This is a speed measure (issue 5: a tracked job's
//! lifecycle), not a second copy of the rules: it skips unpacking a record into a
//! [`crate::machine::Record`], running the general code and packing the result.

use super::Stored;
use crate::{
    machine::{Applied, Rules},
    JobId,
};

/// What a fast transition does to the stored record.
#[derive(Debug, PartialEq)]
pub(crate) enum Outcome {
    /// Leaves it as it is (or leaves the key without one).
    Keep,
    /// Removes it (R-GC).
    Remove,
    /// Creates this one (the key had none).
    Create(Stored),
}

/// `enter(key, job)` when the `ordering_disabled` predicate is absent or said no:
/// accepted in every case covered.
#[inline]
pub(crate) fn enter(stored: Option<&Stored>, job: JobId, rules: &Rules) -> Option<Outcome> {
    if general_bug() {
        return None;
    }
    match stored {
        // R-ENTER-1: a new Enabled record tracking the job (a threshold of at
        // least 1 cannot be reached by an empty set).
        None if rules.key_threshold > 0 => Some(Outcome::Create(Stored::Tracked(job))),
        // R-ENTER-1: no record, none made.
        None => Some(Outcome::Keep),
        // The one tracked job entering again: already in flight, so never hot
        // (R-ENTER-HOT), and nothing blocks it.
        Some(&Stored::Tracked(tracked)) if tracked == job => Some(Outcome::Keep),
        _ => None,
    }
}

/// A reported state's effect, or a `leave`, on a stored record (`None`, never
/// covered, for an entry that holds none: an orphan or a vacant one).
#[inline]
pub(crate) fn apply(
    stored: &Stored,
    job: JobId,
    effect: Applied,
    rules: &Rules,
) -> Option<Outcome> {
    if general_bug() {
        return None;
    }
    let outcome = match (stored, effect) {
        // R-EFF-RELEASE, R-EFF-ABORT (no failed job: no drain window), R-LEAVE: the
        // tracked job leaves the set, which empties it; any other job changes nothing.
        (&Stored::Tracked(tracked), Applied::Release | Applied::Abort | Applied::Leave) => {
            if tracked == job {
                Outcome::Remove
            } else {
                Outcome::Keep
            }
        }
        // R-LEAVE: nothing is tracked.
        (Stored::Failed(_), Applied::Leave) => Outcome::Keep,
        // R-EFF-RELEASE: the failed job's release clears the key; any other is stale.
        (&Stored::Failed(failed), Applied::Release) => {
            if failed == job {
                Outcome::Remove
            } else {
                Outcome::Keep
            }
        }
        // R-EFF-ABORT: a stale abort changes nothing; the failed job's abort clears
        // the key when there is no drain window to open.
        (&Stored::Failed(failed), Applied::Abort) if failed != job => Outcome::Keep,
        // (Bug FastAbortSkipsDrain clears it even when a window should open.)
        (Stored::Failed(_), Applied::Abort)
            if rules.drain_limit == 0 || crate::machine::bug!(FastAbortSkipsDrain) =>
        {
            Outcome::Remove
        }
        _ => return None,
    };
    Some(outcome)
}

/// The record a fast outcome leaves, starting from `before` (for the tests that
/// compare the fast paths with the general transitions).
#[cfg(test)]
pub(crate) fn outcome_record(
    before: Option<&Stored>,
    outcome: Outcome,
) -> Option<crate::machine::Record> {
    match outcome {
        Outcome::Keep => before.map(Stored::unpack),
        Outcome::Remove => None,
        Outcome::Create(stored) => Some(stored.unpack()),
    }
}

/// Under the test-only `--cfg eventorder_inject_bugs`: whether an injected bug of the
/// general transitions is on, which the fast paths would bypass (they then step
/// aside, so that each suite meets the bug where it lives).
#[inline]
fn general_bug() -> bool {
    #[cfg(eventorder_inject_bugs)]
    if crate::__inject::current().is_some_and(|bug| !bug.in_fast_paths()) {
        return true;
    }
    false
}

#[cfg(all(test, not(eventorder_inject_bugs)))]
mod tests {
    use super::*;
    use crate::{
        machine::{transitions, Now},
        store::packed::pack,
        Admission,
    };

    fn rules(drain_limit: usize, key_threshold: usize) -> Rules {
        Rules {
            drain_limit,
            key_threshold,
            disabled_for: 10,
            half_enabled_for: 10,
            drain_idle_for: 10,
        }
    }

    use super::outcome_record as after;

    fn shapes() -> Vec<Option<Stored>> {
        let mut shapes = vec![None];
        for j in [4, 5, 6] {
            shapes.push(Some(Stored::Tracked(JobId(j))));
            shapes.push(Some(Stored::Failed(JobId(j))));
        }
        shapes
    }

    const RULES: [(usize, usize); 6] = [(0, 0), (0, 1), (1, 0), (1, 2), (2, 200), (0, 200)];

    /// Wherever the fast `enter` answers, the general one agrees; and it answers
    /// for the calls of a tracked lifecycle.
    #[test]
    fn fast_enter_agrees_with_the_general_transition() {
        let clock = || 1_000;
        for stored in shapes() {
            for job in [4, 5, 6].map(JobId) {
                for (drain, threshold) in RULES {
                    let rules = rules(drain, threshold);
                    let Some(outcome) = enter(stored.as_ref(), job, &rules) else {
                        continue;
                    };
                    let now = Now::lazy(&clock);
                    let record = stored.as_ref().map(Stored::unpack);
                    let step = transitions::enter(record, job, &now, &rules, false);
                    let context = format!("{stored:?} {job:?} {rules:?}");
                    assert_eq!(step.answer, Admission::ACCEPTED, "{context}");
                    assert!(step.notes.is_empty(), "{context}");
                    assert_eq!(step.record, after(stored.as_ref(), outcome), "{context}");
                }
            }
        }
        let tracked = rules(0, 200);
        assert_eq!(
            enter(None, JobId(5), &tracked),
            Some(Outcome::Create(Stored::Tracked(JobId(5))))
        );
    }

    /// Wherever the fast `apply` answers, the general one agrees.
    #[test]
    fn fast_apply_agrees_with_the_general_transition() {
        for stored in shapes().into_iter().flatten() {
            for job in [4, 5, 6].map(JobId) {
                for effect in [
                    Applied::Leave,
                    Applied::Fail,
                    Applied::Release,
                    Applied::Abort,
                ] {
                    for (drain, threshold) in RULES {
                        let rules = rules(drain, threshold);
                        let Some(outcome) = apply(&stored, job, effect, &rules) else {
                            continue;
                        };
                        let step = transitions::apply(
                            Some(stored.unpack()),
                            job,
                            effect,
                            &Now::at(7),
                            &rules,
                        );
                        let context = format!("{stored:?} {job:?} {effect:?} {rules:?}");
                        assert!(step.notes.is_empty(), "{context}");
                        assert_eq!(step.record, after(Some(&stored), outcome), "{context}");
                    }
                }
            }
        }
    }

    /// `sync` asks the fast `apply` about every queued effect's entry before it
    /// checks that the entry holds a record: an orphan or a vacant entry is never
    /// covered (the general path or the vacated-entry skip takes it).
    #[test]
    fn fast_apply_covers_no_entry_without_a_record() {
        for stored in [
            Stored::Orphan,
            Stored::Vacant(3),
            Stored::Vacant(crate::store::NONE),
        ] {
            for job in [4, 5, 6].map(JobId) {
                for effect in [
                    Applied::Leave,
                    Applied::Fail,
                    Applied::Release,
                    Applied::Abort,
                ] {
                    for (drain, threshold) in RULES {
                        assert_eq!(apply(&stored, job, effect, &rules(drain, threshold)), None);
                    }
                }
            }
        }
    }

    /// The shapes packed here are the ones `pack` makes.
    #[test]
    fn created_records_are_packed_alike() {
        let clock = || 0;
        let now = Now::lazy(&clock);
        let step = transitions::enter(None, JobId(3), &now, &rules(0, 200), false);
        assert!(matches!(
            pack(step.record.unwrap()),
            Stored::Tracked(JobId(3))
        ));
    }
}
