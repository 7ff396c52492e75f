//! The transition function of the pipeline model: one `match` over [`Action`].

use super::*;

impl Pipeline {
    /// Apply one action to the state (the guarantees' bookkeeping included).
    pub(super) fn apply(&self, s: &mut PipelineState, action: Action) {
        let c = &self.config;
        match action {
            Action::Sync => {
                s.barrier.sync();
                self.sync_windows(s);
                s.pickup = Pickup {
                    batch: (0..c.job_count())
                        .filter(|&j| s.jobs[j].status == Status::Pending)
                        .map(|j| j as Job)
                        .collect(),
                    last_admitted: None,
                    refused: 0,
                    dirty: false,
                };
            }
            Action::Enter(job) => self.enter(s, job),
            Action::Drain(job) => {
                // Not entered: handed to the key's worker right away, to abort.
                s.pickup.batch.remove(0);
                s.pickup.last_admitted = None;
                s.pickup.dirty = true;
                s.jobs[usize::from(job)].status = Status::Draining;
                s.workers[c.worker_of(c.key_of(job))].push(job);
            }
            Action::Leave(job) => {
                let key = c.key_of(job);
                s.barrier.leave(&key, id(job));
                s.workers[c.worker_of(key)].retain(|&j| j != job);
                self.back_to_pending(s, job);
                // R-LEAVE takes the job out of the window at once.
                self.stamp_idle(s, key);
                s.leaves_left -= 1;
                s.pickup.batch.retain(|&j| c.key_of(j) != key);
                s.pickup.last_admitted = None;
                s.pickup.dirty = true;
            }
            Action::OtherSync => {
                s.barrier.sync();
                self.sync_windows(s);
                s.pickup.dirty = true;
            }
            Action::Work(job, sent) => self.work(s, job, sent),
            Action::Commit(job, report) => self.commit(s, job, report),
            Action::Tick => {
                s.barrier.advance(1);
                // A tick that makes no timer run out changes no answer of a
                // `sync`: the pickup loop need not start a new batch for it.
                s.pickup.dirty |= s.barrier.timers_due() || self.windows_due(s);
            }
            Action::Reconfigure => {
                let settings = c.live_change.clone().expect("a live change");
                s.barrier.reconfigure(settings);
                s.reconfigured = true;
                s.pickup.dirty = true;
            }
            Action::Toggle(key) => {
                let on = !s.barrier.ordering_disabled.contains(&key);
                s.barrier.set_ordering_disabled(&key, on);
                s.toggles_left -= 1;
                s.pickup.dirty = true;
            }
        }
    }

    /// Pickup `enter` of the batch's next job, with the batch clause of G-ORDER.
    fn enter(&self, s: &mut PipelineState, job: Job) {
        let c = &self.config;
        let key = c.key_of(job);
        let bit = 1u32 << key;
        s.pickup.batch.remove(0);
        s.pickup.last_admitted = None;
        // A refused `enter` changes at most this key's record (R-MODE, R-GC).
        let before = s.barrier.records.get(&key).cloned();
        let (accepted, _) = s.barrier.enter(&key, id(job)).admission();
        let enabled = self.ordered_now(s, key);
        if !accepted {
            if enabled {
                s.pickup.refused |= bit;
            }
            s.pickup.dirty |= s.barrier.records.get(&key) != before.as_ref();
            return;
        }
        if s.pickup.refused & bit != 0 && enabled {
            s.violations |= violation::BATCH_ORDER;
        }
        let state = &mut s.jobs[usize::from(job)];
        state.status = Status::Queued;
        state.ordered = enabled;
        state.in_window = s.keys[usize::from(key)].window;
        if state.in_window {
            s.keys[usize::from(key)].idle_since = None;
        }
        s.workers[c.worker_of(key)].push(job);
        // Remembered only while a `leave` is possible (fewer states otherwise).
        s.pickup.last_admitted = (s.leaves_left > 0).then_some(job);
        s.pickup.dirty = true;
    }

    /// A worker handles the head of its queue.
    fn work(&self, s: &mut PipelineState, job: Job, sent: Sent) {
        let c = &self.config;
        let key = c.key_of(job);
        let k = usize::from(key);
        s.workers[c.worker_of(key)].remove(0);
        s.pickup.dirty = true;
        s.jobs[usize::from(job)].status = Status::Committing;
        let report = match sent {
            Sent::Waited => {
                s.commits[k].push((job, Report::Waiting));
                return;
            }
            Sent::Drained => {
                s.commits[k].push((job, Report::Drained));
                return;
            }
            Sent::Succeeded => Report::Succeeded,
            Sent::Filtered => Report::Filtered,
            Sent::Aborted => Report::Aborted,
            Sent::Failed => Report::Failed,
        };
        // G-BLOCK: nothing later than the key's failed job is sent.
        if s.keys[k].blocker.is_some_and(|blocker| job > blocker) {
            s.violations |= violation::BLOCK;
        }
        // G-ORDER: ordered jobs are delivered, and end through the worker, in
        // ascending order (the key's FIFO commit queue keeps that order).
        if sent != Sent::Failed && s.jobs[usize::from(job)].ordered {
            if s.keys[k].last_ended.is_some_and(|last| last > job) {
                s.violations |= violation::END_ORDER;
            }
            s.keys[k].last_ended = Some(job);
        }
        if sent == Sent::Failed {
            // Reported at once (R-STATE-QUEUE); outside `Disabled` it blocks the key.
            let disabled = matches!(mode_of(s, key), Mode::Disabled { .. });
            s.barrier.state_changed(&key, id(job), RefState::Failed);
            s.jobs[usize::from(job)].failures += 1;
            if !disabled && s.keys[k].blocker.is_none() {
                s.keys[k].blocker = Some(job);
            }
            self.close_window(s, key);
        }
        s.commits[k].push((job, report));
    }

    /// The commit loop persists and reports the head of its queue.
    fn commit(&self, s: &mut PipelineState, job: Job, report: Report) {
        let c = &self.config;
        let key = c.key_of(job);
        let k = usize::from(key);
        s.commits[k].remove(0);
        s.pickup.dirty = true;
        if let Some(state) = reported_state(report) {
            s.barrier.state_changed(&key, id(job), state);
        }
        match report {
            Report::Failed | Report::Waiting => self.back_to_pending(s, job),
            Report::Succeeded | Report::Filtered | Report::Aborted | Report::Drained => {
                s.jobs[usize::from(job)].status = Status::Done;
                s.jobs[usize::from(job)].leftover = false;
                self.close_window(s, key);
                if s.keys[k].blocker == Some(job) {
                    s.keys[k].blocker = None;
                    // G-DRAIN: the failed job's abort opens a window.
                    let abort = matches!(report, Report::Aborted | Report::Drained);
                    s.keys[k].window = abort && s.barrier.config.drain_limit > 0;
                    s.keys[k].idle_since = None;
                }
            }
        }
    }

    /// A job goes back to pending: no longer in flight.
    fn back_to_pending(&self, s: &mut PipelineState, job: Job) {
        let state = &mut s.jobs[usize::from(job)];
        state.status = Status::Pending;
        state.ordered = false;
        state.in_window = false;
    }

    /// An open window of which no job is in flight is idle from now on, unless it
    /// already is.
    fn stamp_idle(&self, s: &mut PipelineState, key: Key) {
        let idle = self.jobs_of(key).all(|j| !s.jobs[j].in_window);
        let watch = &mut s.keys[usize::from(key)];
        if watch.window && watch.idle_since.is_none() && idle {
            watch.idle_since = Some(s.barrier.now);
        }
    }

    /// A key's drain window closes (G-DRAIN).
    fn close_window(&self, s: &mut PipelineState, key: Key) {
        s.keys[usize::from(key)].window = false;
        s.keys[usize::from(key)].idle_since = None;
        for j in self.jobs_of(key) {
            s.jobs[j].in_window = false;
        }
    }

    /// At a `sync` (R-SYNC, then R-EXPIRE), by the pipeline's own count: a window
    /// that opened, or whose last job in flight was reported, since the last
    /// `sync` is idle from now on (the barrier applies the abort or the `waiting`
    /// report at this `sync`); a window idle for longer than `drain_idle_for`
    /// closes (G-DRAIN).
    fn sync_windows(&self, s: &mut PipelineState) {
        let (now, idle_for) = (s.barrier.now, s.barrier.config.drain_idle_for);
        for key in 0..self.config.keys as Key {
            self.stamp_idle(s, key);
            let watch = &s.keys[usize::from(key)];
            if watch.window && watch.idle_since.is_some_and(|since| now - since > idle_for) {
                self.close_window(s, key);
            }
        }
    }

    /// Some window of the pipeline's own count is idle for longer than
    /// `drain_idle_for`: the next `sync` closes it.
    fn windows_due(&self, s: &PipelineState) -> bool {
        let (now, idle_for) = (s.barrier.now, s.barrier.config.drain_idle_for);
        s.keys.iter().any(|watch| {
            watch.window && watch.idle_since.is_some_and(|since| now - since > idle_for)
        })
    }

    /// The time abstraction (see the module docs): the pipeline's stamps, then
    /// the barrier's clock.
    pub(super) fn normalize_clock(&self, s: &mut PipelineState) {
        let timers = self.config.longest_timers();
        let top = timers
            .disabled_for
            .max(timers.half_enabled_for)
            .max(timers.drain_idle_for)
            + 1;
        let (now, cap) = (s.barrier.now, timers.drain_idle_for + 1);
        for watch in &mut s.keys {
            watch.idle_since = watch.idle_since.map(|t| top - (now - t).min(cap));
        }
        s.barrier.normalize_clock_for(&timers);
    }

    /// After every step: follow the keys' modes. `Disabled` ends the key's
    /// failed job and window (R-EFF-FAILED, R-ENTER-HOT); leaving `Enabled` ends
    /// its ordered period (G-ORDER speaks only of `Enabled` keys) and marks the
    /// jobs in flight as leftovers (see [`JobState::leftover`]).
    pub(super) fn watch_modes(&self, last: &PipelineState, s: &mut PipelineState) {
        // Effects of different keys commute (each touches only its key's record),
        // so the queue is kept sorted by key, in call order within a key: one
        // state instead of one per interleaving.
        s.barrier.queue.sort_by_key(|(key, _, _)| *key);
        for key in 0..self.config.keys as Key {
            let k = usize::from(key);
            let mode = mode_of(s, key);
            if let Mode::HalfEnabled { .. } = mode_of(last, key) {
                s.came_back |= mode == Mode::Enabled;
            }
            if let Mode::Disabled { .. } = mode {
                s.keys[k].blocker = None;
                if s.keys[k].window {
                    self.close_window(s, key);
                }
            }
            if mode != Mode::Enabled {
                s.keys[k].last_ended = None;
                s.pickup.refused &= !(1u32 << key);
                for j in self.jobs_of(key) {
                    let job = &mut s.jobs[j];
                    job.ordered = false;
                    job.leftover |= !matches!(job.status, Status::Pending | Status::Done);
                }
            }
        }
    }
}
