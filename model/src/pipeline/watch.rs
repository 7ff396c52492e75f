//! The pickup loop's offer with what the guarantees watch around it (G-LIMIT's
//! ghost count, SPEC.md section 6's leftovers, G-ORDER's batch clause,
//! G-DRAIN at admission), and the checks after every step.
//!
//! The G-LIMIT ghost is the pipeline's own count of each key's jobs in flight in
//! its current tracking record ([`JobState::tracked`], [`KeyWatch::tracking`]),
//! kept from the pipeline's own events: admissions (the answers of its `enter`
//! calls), `leave`, `failed` reports (applied at once) and the other reports
//! (applied at the next `sync`). It never reads the barrier's tracked set, nor
//! its mode or whether it holds a record: those are the ghost's (`ghost.rs`),
//! and the checks after every step compare the barrier with them.

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
        let settings = c.settings_at(s.settings);
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
        // The ghost's `enter` (R-ENTER-1, R-MODE, R-ENTER-HOT): the reset it
        // makes, if any, marks the key's leftovers; G-LIMIT and G-ORDER compare
        // the barrier's mode with it after the step (`watch`).
        let window_was_open = s.keys[k].window;
        if let Some(predicate) = self.ghost_enter(s, key, job) {
            s.events |= match (predicate, window_was_open) {
                (true, true) => event::PREDICATE_RESET | event::PREDICATE_DROPS_WINDOW,
                (true, false) => event::PREDICATE_RESET,
                (false, true) => event::WENT_HOT | event::HOT_DROPS_WINDOW,
                (false, false) => event::WENT_HOT,
            };
        }
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
        let mode = s.keys[k].mode;
        let off = matches!(mode, Mode::Disabled { .. });

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

    /// After every step: compare the barrier with the ghost, and check
    /// G-LIMIT's tracked sets, G-DRAIN's bound and G-GC's collection.
    ///
    /// * the barrier's mode (`Enabled` without a record) is the ghost's
    ///   (G-ORDER: the `Enabled` periods and leftovers it exempts mean
    ///   something only then), and in particular `Disabled` exactly when the
    ///   ghost is (G-LIMIT: switched off only when earned, and hot when
    ///   earned);
    /// * the record's tracked set is the ghost set (G-LIMIT);
    /// * while the window's `drain_limit` has not changed since it opened, at
    ///   most that many of its jobs are in flight (G-DRAIN);
    /// * a quiet key (every job committed terminal, every report applied)
    ///   whose ghost record is gone has no record (G-GC): the ghost's record
    ///   goes at the `sync` whose timer step ends its last timer, so this is
    ///   G-GC's time bound on the pipeline's own clock.
    pub(super) fn watch(&self, last: &PipelineState, s: &mut PipelineState, _: &Action) {
        // Effects of different keys commute: one state instead of one per
        // interleaving (the barrier's queue and the pipeline's alike).
        s.barrier.sort_queue_by_key();
        let c = &self.config;
        s.unapplied.sort_by_key(|&(job, _)| c.key_of(job));
        let limit = c.settings_at(s.settings).drain_limit;
        for key in 0..c.keys as Key {
            let k = usize::from(key);
            let ghost = s.keys[k].mode;
            if matches!(last.keys[k].mode, Mode::HalfEnabled { .. }) && ghost == Mode::Enabled {
                s.events |= event::CAME_BACK;
            }
            if ghost != Mode::Enabled && s.keys[k].last_ended.is_some() {
                s.keys[k].left_enabled = true;
            }
            let barrier = s.barrier.mode(&key);
            let disabled = |mode: Mode| matches!(mode, Mode::Disabled { .. });
            if disabled(barrier) != disabled(ghost) {
                s.violations |= violation::LIMIT;
            }
            if std::mem::discriminant(&barrier) != std::mem::discriminant(&ghost) {
                s.violations |= violation::MODE;
            }
            if !self.tracked_set_matches(s, key) {
                s.violations |= violation::LIMIT;
            }
            let watch = &s.keys[k];
            if watch.window
                && !watch.limit_changed
                && limit > 0
                && self.window_count(s, key) > limit
            {
                s.violations |= violation::DRAIN;
            }
            if self.quiet(s, key)
                && !self.ghost_exists(s, key)
                && s.barrier.records.contains_key(&key)
            {
                s.violations |= violation::GC;
            }
        }
    }

    /// G-LIMIT: the record's tracked set is exactly the ghost set (and a record
    /// the ghost says does not track has an untracked `inflight`); without a
    /// record, the ghost set is empty. (Without a ghost record, the ghost's
    /// `tracking` is reset to false: it is set again when a record is created.)
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
        if !self.ghost_exists(s, key) {
            s.keys[usize::from(key)].tracking = false;
        }
        matches
    }
}
