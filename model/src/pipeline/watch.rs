//! The pickup loop's offer with what the guarantees watch around it (G-LIMIT's
//! ghost count, SPEC.md section 6's leftovers, G-ORDER's batch clause,
//! G-DRAIN at admission), and the checks after every step.
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
use crate::reference::Offered;

impl Pipeline {
    /// The pickup loop offers the batch's next job to the round (R-OFFER).
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
        let settings = c.settings_at(s.settings);
        let threshold = settings.key_threshold;
        let (offered, illegal) = s.barrier.offer(&key, id(job));
        step::note(s, illegal);
        let (accepted, previous_failed) = match offered {
            Offered::Admitted { previous_failed } => (true, previous_failed),
            Offered::Refused { previous_failed } => (false, previous_failed),
            Offered::Skipped => {
                s.events |= event::SKIPPED;
                return;
            }
            Offered::OutOfOrder { .. } => {
                s.events |= event::OUT_OF_ORDER;
                return;
            }
        };
        if s.jobs[j].status != Status::Pending {
            // A repeated job admitted again (only a broken round admits a job
            // offered out of order): queued to its worker a second time.
            s.workers[c.worker_of(key)].push(job);
            s.jobs[j].status = Status::Queued;
            s.pickup.dirty = true;
            return;
        }
        if previous_failed.is_some_and(|failed| id(job) < failed) {
            s.events |= event::OLDER_THAN_FAILED;
        }
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
            // G-ORDER's batch clause: no later job of the key may be admitted in
            // this round.
            s.pickup.refused |= bit;
            // A refused `enter` changes at most this key's record (R-MODE, R-GC).
            s.pickup.dirty |= s.barrier.records.get(&key) != before.as_ref();
            return;
        }
        if s.pickup.refused & bit != 0 {
            s.violations |= violation::BATCH_ORDER;
        }
        // G-DRAIN, at admission: into an open window only while fewer than
        // `drain_limit` (in force) of the window's jobs are in flight.
        let window = s.keys[k].window && !off;
        if window {
            s.events |= event::WINDOW_ADMITS;
            let limit = settings.drain_limit;
            if limit > 0 && self.window_count(s, key) >= limit {
                s.violations |= violation::DRAIN;
            }
        }
        let state = &mut s.jobs[j];
        state.status = Status::Queued;
        state.in_flight = true;
        state.leftover |= mode != Mode::Enabled;
        state.tracked = !off && s.keys[k].tracking;
        state.in_window = window;
        if window {
            s.keys[k].idle_since = None;
        }
        s.workers[c.worker_of(key)].push(job);
        // Remembered only while an `undo` is possible (fewer states otherwise).
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
        // The abort of a failed job not yet applied is no longer one of a failed
        // job: the reset dropped the key's failed jobs.
        for (job, failed_abort) in &mut s.unapplied {
            if self.config.key_of(*job) == key {
                *failed_abort = false;
            }
        }
        let failed = s.keys[usize::from(key)].failed;
        for j in self.jobs_of(key) {
            if failed & 1 << j != 0 {
                s.jobs[j].leftover = true;
            }
        }
        s.keys[usize::from(key)].tracking = threshold > 0;
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
                s.keys[k].failed = 0;
                if s.keys[k].window {
                    self.close_window(s, key);
                }
            }
            if mode != Mode::Enabled {
                s.keys[k].last_ended = None;
            }
            if !self.tracked_set_matches(s, key) {
                s.violations |= violation::LIMIT;
            }
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
