//! [`Mutated`]: the barrier the pipeline model runs, either the reference itself
//! or a deliberately broken composition of its rules.

use super::Mutant;
use crate::reference::{
    effect_of, Effect, Illegal, JobId, Location, Mode, Outcome, Record, RefConfig, RefState,
    Reference, Ret, Tick, Unsupported,
};
use std::collections::BTreeSet;
use std::fmt::Debug;
use std::hash::Hash;
use std::ops::Deref;

mod expire;
mod round;

/// The reference barrier, possibly with one deliberate defect.
///
/// Without a mutant, every operation is the reference's own public operation,
/// the very code the conformance tests use as their oracle. With one, the
/// operations are rebuilt here from the reference's rules (crate-internal
/// functions that the public operations compose), with the one rule changed: the
/// defects live only in this file, never in [`Reference`].
///
/// It dereferences to the [`Reference`] for reading (records, queue, clock,
/// settings); changes go through the methods below.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mutated<K: Ord + Clone + Hash + Debug> {
    reference: Reference<K>,
    mutant: Option<Mutant>,
    /// [`Mutant::ComebackOneSyncLate`]: the keys whose `HalfEnabled` timer a
    /// `sync` already found run out.
    late: BTreeSet<K>,
}

impl<K: Ord + Clone + Hash + Debug> Deref for Mutated<K> {
    type Target = Reference<K>;

    fn deref(&self) -> &Reference<K> {
        &self.reference
    }
}

impl<K: Ord + Clone + Hash + Debug> Mutated<K> {
    /// A barrier with the given settings and defect (`None`: the reference).
    /// A mutant that breaks no rule of the barrier gives the reference too.
    pub fn new(config: RefConfig, mutant: Option<Mutant>) -> Self {
        Mutated {
            reference: Reference::new(config),
            mutant: mutant.filter(|m| m.breaks_barrier()),
            late: BTreeSet::new(),
        }
    }

    /// The defect, if any.
    pub fn mutant(&self) -> Option<Mutant> {
        self.mutant
    }

    fn is(&self, mutant: Mutant) -> bool {
        self.mutant == Some(mutant)
    }

    /// R-GC at the end of an operation (skipped by `NeverCollectInactive`).
    fn collect(&mut self) {
        if !self.is(Mutant::NeverCollectInactive) {
            self.reference.collect_inactive();
        }
    }

    /// `enter(key, job)`.
    pub fn enter(&mut self, key: &K, job: JobId) -> Outcome<K> {
        let Some(mutant) = self.mutant else {
            return self.reference.enter(key, job);
        };
        let r = &mut self.reference;
        let (now, saved) = (r.now, r.config.clone());
        let before = r.records.get(key).cloned();
        let predicate = r.ordering_disabled.contains(key);
        let mut bumped = false;
        match mutant {
            Mutant::DrainLimitOffByOne if saved.drain_limit > 0 => r.config.drain_limit += 1,
            Mutant::HotOneEarly if saved.key_threshold > 1 => r.config.key_threshold -= 1,
            Mutant::HotOneLate if saved.key_threshold > 0 => r.config.key_threshold += 1,
            Mutant::ThresholdZeroMakesHot if saved.key_threshold == 0 => {
                // The Go version: `len(inflight) >= 0` holds for every tracked set.
                if let Some(Some(set)) = before.as_ref().map(|b| &b.inflight) {
                    if !set.is_empty() && !set.contains(&job) {
                        r.config.key_threshold = set.len();
                        bumped = true;
                    }
                }
            }
            Mutant::FreshRecordUntracked if before.is_none() && saved.key_threshold > 0 => {
                r.records.insert(key.clone(), Record::enabled(false));
            }
            Mutant::PredicateWithoutRecord
                if before.is_none() && saved.key_threshold == 0 && predicate =>
            {
                r.records.insert(key.clone(), Record::enabled(false));
            }
            Mutant::HalfEnabledOverstays => r.config.half_enabled_for += 1,
            Mutant::DrainLimitReadsPending => {
                if let Some(pending) = &r.pending_config {
                    r.config.drain_limit = pending.drain_limit;
                }
            }
            Mutant::PredicateOnlySwitchesMode if predicate && before.is_some() => {
                // v1's R-MODE: switch the mode, keep the rest of the record.
                r.records.get_mut(key).expect("record").mode = Mode::Disabled { since: now };
                r.ordering_disabled.remove(key);
            }
            Mutant::HalfEnabledFallsBack => {
                if let Some(Mode::HalfEnabled { since }) = before.as_ref().map(|b| b.mode) {
                    if !predicate && now - since > saved.half_enabled_for {
                        let tracked = saved.key_threshold > 0;
                        r.records.insert(key.clone(), Record::reset(now, tracked));
                    }
                }
            }
            _ => {}
        }
        let mut outcome = r.enter_rules(key, job);
        r.config = saved;
        if mutant == Mutant::PredicateOnlySwitchesMode && predicate {
            r.ordering_disabled.insert(key.clone());
        }
        let (accepted, previous_failed) = outcome.admission();
        if let Some(record) = r.records.get_mut(key) {
            let was_idle = before
                .as_ref()
                .and_then(|b| b.drain.as_ref())
                .and_then(|w| w.idle_since);
            let was_tracked = before
                .as_ref()
                .and_then(|b| b.inflight.as_ref())
                .is_some_and(|set| set.contains(&job));
            let disabled = matches!(record.mode, Mode::Disabled { .. });
            let was_disabled =
                matches!(before.as_ref().map(|b| b.mode), Some(Mode::Disabled { .. }));
            let went_hot = disabled
                && !predicate
                && before
                    .as_ref()
                    .is_some_and(|b| !matches!(b.mode, Mode::Disabled { .. }));
            match mutant {
                Mutant::HotRefuses if went_hot => {
                    *record = before.clone().expect("a record went hot");
                    outcome.ret = Ret::Admission {
                        accepted: false,
                        previous_failed: None,
                    };
                }
                Mutant::ThresholdZeroMakesHot if bumped && disabled => record.inflight = None,
                Mutant::EnterRefusesFailedJob if accepted && previous_failed == Some(job) => {
                    if let Some(set) = &mut record.inflight {
                        set.remove(&job);
                    }
                    outcome.ret = Ret::Admission {
                        accepted: false,
                        previous_failed,
                    };
                }
                Mutant::TrackKeepsWindowIdle if accepted => {
                    if let (Some(drain), Some(since)) = (&mut record.drain, was_idle) {
                        if drain.jobs.contains(&job) {
                            drain.idle_since = Some(since);
                        }
                    }
                }
                Mutant::TrackSkipsInflight if accepted && !was_tracked => {
                    if let Some(set) = &mut record.inflight {
                        set.remove(&job);
                    }
                }
                Mutant::DisabledTracksJobs
                    if accepted && disabled && (predicate || was_disabled) =>
                {
                    if let Some(set) = &mut record.inflight {
                        set.insert(job);
                    }
                }
                Mutant::ReportsIllegalLikeV2 => {
                    if let Some(failed) = previous_failed {
                        if failed > job && record.mode == Mode::Enabled {
                            outcome.illegal = Some(Illegal {
                                location: Location::Enter,
                                key: key.clone(),
                                failed,
                                job,
                            });
                        }
                    }
                }
                Mutant::OlderJobsHeldLikeV2 if accepted => {
                    // v2's R-ENTER-FAILED: only the failed job itself passes.
                    if let Some(failed) = previous_failed.filter(|&f| job < f) {
                        if let Some(set) = &mut record.inflight {
                            if !was_tracked {
                                set.remove(&job);
                            }
                        }
                        let was_in_window = before
                            .as_ref()
                            .and_then(|b| b.drain.as_ref())
                            .is_some_and(|w| w.jobs.contains(&job));
                        if let Some(drain) = &mut record.drain {
                            if !was_in_window {
                                drain.jobs.remove(&job);
                            }
                        }
                        outcome.ret = Ret::Admission {
                            accepted: false,
                            previous_failed: Some(failed),
                        };
                    }
                }
                _ => {}
            }
        }
        self.collect();
        outcome
    }

    /// R-WAIT as a pure function of the state (see [`Reference::hold`]).
    pub fn hold(&self, key: &K, job: JobId) -> (bool, Option<JobId>, Option<Illegal<K>>) {
        if let Some(record) = self.reference.records.get(key) {
            let on = !matches!(record.mode, Mode::Disabled { .. });
            if self.is(Mutant::WaitIgnoresFailed) && !record.failed.is_empty() && on {
                return (false, None, None);
            }
            // v2's R-WAIT: every job but the failed one waits.
            if let Some(failed) = record.oldest_failed().filter(|_| on) {
                if self.is(Mutant::OlderJobsHeldLikeV2) && job < failed {
                    return (true, Some(failed), None);
                }
            }
        }
        self.reference.hold(key, job)
    }

    /// `wait(key, job)` (read-only).
    pub fn wait(&self, key: &K, job: JobId) -> Outcome<K> {
        let (wait, previous_failed, illegal) = self.hold(key, job);
        Outcome {
            ret: Ret::Hold {
                wait,
                previous_failed,
            },
            illegal,
        }
    }

    /// `state_changed(key, job, state)`.
    pub fn state_changed(&mut self, key: &K, job: JobId, state: RefState) -> Outcome<K> {
        let Some(mutant) = self.mutant else {
            return self.reference.state_changed(key, job, state);
        };
        let effect = match effect_of(state) {
            Some(effect) => effect,
            None if mutant == Mutant::UnsupportedStateReleases => Effect::Release,
            None => {
                return Outcome {
                    ret: Ret::StateChanged(Err(Unsupported)),
                    illegal: None,
                }
            }
        };
        let has_record = self.reference.records.contains_key(key);
        let immediate = match effect {
            Effect::Failed => mutant != Mutant::FailedQueued,
            _ => mutant == Mutant::EffectsAppliedImmediately,
        };
        if effect == Effect::Failed && mutant == Mutant::FailedWithoutRecordDropped && !has_record {
            // Dropped: no record is created.
        } else if immediate {
            self.apply(key, job, effect);
        } else if has_record || effect == Effect::Failed {
            self.reference.queue.push((key.clone(), job, effect));
        }
        self.collect();
        Outcome {
            ret: Ret::StateChanged(Ok(())),
            illegal: None,
        }
    }

    /// Apply one effect (immediately or at `sync`), with the effect rules'
    /// mutants.
    fn apply(&mut self, key: &K, job: JobId, effect: Effect) {
        let mutant = self.mutant;
        if mutant == Some(Mutant::WaitingKeepsInflight) && effect == Effect::Leave {
            return;
        }
        let before = self.reference.records.get(key).cloned();
        self.reference.apply(key, job, effect);
        let releases = matches!(effect, Effect::Release | Effect::Abort);
        let off = matches!(before.as_ref().map(|b| b.mode), Some(Mode::Disabled { .. }));
        let failed_before = before.map(|b| b.failed).unwrap_or_default();
        let Some(record) = self.reference.records.get_mut(key) else {
            return;
        };
        match mutant {
            Some(Mutant::AbortOpensNoDrainWindow)
                if effect == Effect::Abort && !off && failed_before.contains(&job) =>
            {
                record.drain = None;
            }
            Some(Mutant::StaleReleaseClearsFailed)
                if releases
                    && !off
                    && !failed_before.is_empty()
                    && !failed_before.contains(&job) =>
            {
                record.failed.clear();
                record.drain = None;
            }
            // A single slot `f = min(f, job)` instead of the set.
            Some(Mutant::FailedSlotMin) if effect == Effect::Failed && !off => {
                let oldest = record.oldest_failed();
                record.failed = oldest.into_iter().collect();
            }
            // A single slot that keeps the key's failed job (v2).
            Some(Mutant::FailedSlotKeepsFirst)
                if effect == Effect::Failed && !off && !failed_before.is_empty() =>
            {
                record.failed = failed_before;
            }
            _ => {}
        }
    }

    /// `leave(key, job)`.
    pub fn leave(&mut self, key: &K, job: JobId) {
        match self.mutant {
            None => self.reference.leave(key, job),
            Some(Mutant::LeaveIgnored) => {}
            Some(_) => {
                self.reference.effect_leave(key, job);
                self.collect();
            }
        }
    }

    /// Move the logical clock forward.
    pub fn advance(&mut self, ticks: Tick) {
        self.reference.advance(ticks);
    }

    /// R-CONFIG: change the settings live.
    pub fn reconfigure(&mut self, config: RefConfig) {
        self.reference.reconfigure(config);
    }

    /// Make the `ordering_disabled` predicate hold for `key` (or not).
    pub fn set_ordering_disabled(&mut self, key: &K, on: bool) {
        self.reference.set_ordering_disabled(key, on);
    }

    /// The time abstraction of [`Reference::normalize_clock_for`].
    pub fn normalize_clock_for(&mut self, timers: &RefConfig) {
        self.reference.normalize_clock_for(timers);
    }

    /// Sort the queued effects by key, keeping the call order within a key.
    /// Effects of different keys commute (each touches only its key's record),
    /// so this is a canonical form of the state, not a change of behaviour.
    pub fn sort_queue_by_key(&mut self) {
        self.reference.queue.sort_by(|a, b| a.0.cmp(&b.0));
    }
}
