//! The pickup loop's `enter` with what the guarantees watch around it (G-LIMIT's
//! ghost count, SPEC.md section 6's leftovers, G-ORDER's batch clause), and the
//! checks after every step.
//!
//! The G-LIMIT ghost is the pipeline's own count of each key's jobs in flight in
//! its current tracking record ([`JobState::tracked`], [`KeyWatch::tracking`]),
//! kept from the pipeline's own events: admissions (the answers of its `enter`
//! calls), `leave`, `failed` reports (applied at once) and the other reports
//! (applied at the next `sync`). It never reads the barrier's tracked set. It
//! reads whether the key has a record before an `enter` or a `failed` report
//! (that call then creates one: R-ENTER-1, R-EFF-FAILED) and the key's mode, and
//! G-LIMIT itself checks that the mode turns `Disabled` only where it must.

use super::*;
use crate::Mutant;

impl Pipeline {
    /// Pickup `enter` of the batch's next job.
    pub(super) fn enter(&self, s: &mut PipelineState, job: Job) {
        let c = &self.config;
        let key = c.key_of(job);
        let (k, j, bit) = (usize::from(key), usize::from(job), 1u32 << key);
        s.pickup.batch.remove(0);
        s.pickup.last_admitted = None;
        let before = s.barrier.records.get(&key).cloned();
        let was_off = matches!(before.as_ref().map(|r| r.mode), Some(Mode::Disabled { .. }));
        let window_was_open = before.as_ref().is_some_and(|r| r.drain.is_some());
        let predicate = s.barrier.ordering_disabled.contains(&key);
        let threshold = s.barrier.config.key_threshold;
        let outcome = s.barrier.enter(&key, id(job));
        step::note(s, outcome.illegal.clone());
        let (accepted, previous_failed) = outcome.admission();
        let mode = mode_of(s, key);
        let off = matches!(mode, Mode::Disabled { .. });

        // G-LIMIT, from the ghost: R-ENTER-1 creates a tracking record iff the
        // threshold is on; the key may turn `Disabled` only if the predicate holds
        // or `key_threshold` of the record's jobs are in flight, and a job is
        // admitted into a tracking record, outside `Disabled`, only below that.
        if before.is_none() {
            s.keys[k].tracking = threshold > 0;
        }
        let in_flight = self
            .jobs_of(key)
            .filter(|&other| other != j && s.jobs[other].tracked)
            .count();
        let at_threshold = threshold > 0 && s.keys[k].tracking && in_flight >= threshold;
        if (off && !was_off && !predicate && !at_threshold) || (accepted && !off && at_threshold) {
            s.violations |= violation::LIMIT;
        }
        // A reset (R-ENTER-HOT, or R-MODE's predicate).
        if off && (predicate || !was_off) {
            s.events |= match (predicate, window_was_open) {
                (true, true) => event::PREDICATE_RESET | event::PREDICATE_DROPS_WINDOW,
                (true, false) => event::PREDICATE_RESET,
                (false, true) => event::WENT_HOT | event::HOT_DROPS_WINDOW,
                (false, false) => event::WENT_HOT,
            };
            self.reset(s, key, threshold);
        }

        if !accepted {
            // G-ORDER's batch clause: a refused job that is not a leftover, while
            // the key is `Enabled`, bars the key's later jobs from this batch.
            if mode == Mode::Enabled && !s.jobs[j].leftover {
                s.pickup.refused |= bit;
            }
            // SPEC.md section 1: skip the key's later jobs, except while the
            // refused job is older than the key's failed job.
            if previous_failed.is_some_and(|failed| failed > id(job)) {
                if s.pickup.batch.iter().any(|&later| c.key_of(later) == key) {
                    s.events |= event::EXCEPTION;
                }
            } else {
                self.skip(s, key);
            }
            // A refused `enter` changes at most this key's record (R-MODE, R-GC).
            s.pickup.dirty |= s.barrier.records.get(&key) != before.as_ref();
            return;
        }
        if s.pickup.refused & bit != 0 && mode == Mode::Enabled {
            s.violations |= violation::BATCH_ORDER;
        }
        let state = &mut s.jobs[j];
        state.status = Status::Queued;
        state.in_flight = true;
        state.leftover |= mode != Mode::Enabled;
        state.tracked = !off && s.keys[k].tracking;
        state.in_window = s.keys[k].window;
        if state.in_window {
            s.keys[k].idle_since = None;
        }
        s.workers[c.worker_of(key)].push(job);
        // Remembered only while a `leave` is possible (fewer states otherwise).
        s.pickup.last_admitted = (s.leaves_left > 0).then_some(job);
        s.pickup.dirty = true;
    }

    /// The key's record was reset (R-ENTER-HOT, R-MODE): its jobs in flight, and
    /// its failed job, are leftovers (SPEC.md section 6); the ghost starts over.
    fn reset(&self, s: &mut PipelineState, key: Key, threshold: usize) {
        for j in self.jobs_of(key) {
            let job = &mut s.jobs[j];
            if job.in_flight && job.status != Status::Done {
                job.leftover = true;
            }
            job.tracked = false;
        }
        let clause = self.config.mutant != Some(Mutant::LeftoverWithoutFailedAtReset);
        if let Some(failed) = s.keys[usize::from(key)].blocker.filter(|_| clause) {
            s.jobs[usize::from(failed)].leftover = true;
        }
        s.keys[usize::from(key)].tracking = threshold > 0;
    }

    /// The pickup loop skips the key's later jobs in this batch (SPEC.md
    /// section 1); they are remembered for G-ORDER's batch clause.
    fn skip(&self, s: &mut PipelineState, key: Key) {
        let c = &self.config;
        let before = s.pickup.batch.len();
        for &job in &s.pickup.batch {
            if c.key_of(job) == key {
                s.pickup.skipped |= 1u32 << job;
            }
        }
        s.pickup.batch.retain(|&job| c.key_of(job) != key);
        if s.pickup.batch.len() < before {
            s.events |= event::SKIPPED;
        }
    }

    /// G-ORDER's batch clause, checked on the barrier rather than on the caller:
    /// after every step of a batch in which a job of a key that is not a leftover
    /// was refused while the key was `Enabled`, each job of the key the loop
    /// skipped is offered, in order, to a copy of the barrier, which must not
    /// admit it while the key stays `Enabled` (a key that goes hot is exempt).
    fn probe_skipped(&self, s: &mut PipelineState) {
        let c = &self.config;
        for key in 0..c.keys as Key {
            if s.pickup.refused & (1u32 << key) == 0 {
                continue;
            }
            let mut probe: Option<Mutated<Key>> = None;
            for j in self.jobs_of(key) {
                if s.pickup.skipped & (1u32 << j) == 0 {
                    continue;
                }
                let probe = probe.get_or_insert_with(|| s.barrier.clone());
                let (accepted, _) = probe.enter(&key, id(j as Job)).admission();
                if accepted && probe.mode(&key) == Mode::Enabled {
                    s.violations |= violation::BATCH_ORDER;
                    return;
                }
                if accepted {
                    break;
                }
            }
        }
    }

    /// After every step: follow the keys' modes, and check G-LIMIT's tracked
    /// sets. `Disabled` ends the key's failed job and window (R-EFF-FAILED,
    /// R-ENTER-HOT, R-MODE); leaving `Enabled` ends its ordered period (G-ORDER
    /// speaks only of `Enabled` keys) and the batch clause.
    pub(super) fn watch(&self, last: &PipelineState, s: &mut PipelineState, action: &Action) {
        // Effects of different keys commute: one state instead of one per
        // interleaving.
        s.barrier.sort_queue_by_key();
        let entered = match *action {
            Action::Enter(job) => Some(self.config.key_of(job)),
            _ => None,
        };
        for key in 0..self.config.keys as Key {
            let k = usize::from(key);
            let mode = mode_of(s, key);
            let off = matches!(mode, Mode::Disabled { .. });
            let before = mode_of(last, key);
            if matches!(before, Mode::HalfEnabled { .. }) && mode == Mode::Enabled {
                s.events |= event::CAME_BACK;
            }
            // G-LIMIT: `Disabled` only at an `enter` (checked there).
            if off && !matches!(before, Mode::Disabled { .. }) && entered != Some(key) {
                s.violations |= violation::LIMIT;
            }
            if off {
                s.keys[k].blocker = None;
                if s.keys[k].window {
                    self.close_window(s, key);
                }
            }
            if mode != Mode::Enabled {
                s.keys[k].last_ended = None;
                s.pickup.refused &= !(1u32 << key);
            }
            if !self.tracked_set_matches(s, key) {
                s.violations |= violation::LIMIT;
            }
        }
        if s.pickup.skipped != 0 && s.pickup.refused != 0 {
            self.probe_skipped(s);
        }
    }

    /// G-LIMIT: the record's tracked set is exactly the ghost set (and a record
    /// the ghost says does not track has an untracked `inflight`); without a
    /// record, the ghost set is empty. (Without a record, the ghost's `tracking`
    /// is reset to false: it is set again when a record is created.)
    fn tracked_set_matches(&self, s: &mut PipelineState, key: Key) -> bool {
        let ghost = || self.jobs_of(key).filter(|&j| s.jobs[j].tracked);
        let watch = &s.keys[usize::from(key)];
        let matches = match s.barrier.records.get(&key) {
            Some(record) => match (&record.inflight, watch.tracking) {
                (Some(set), true) => set.iter().copied().eq(ghost().map(|j| id(j as Job))),
                (None, false) => ghost().next().is_none(),
                _ => false,
            },
            None => ghost().next().is_none(),
        };
        if !s.barrier.records.contains_key(&key) {
            s.keys[usize::from(key)].tracking = false;
        }
        matches
    }
}
