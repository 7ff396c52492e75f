//! The initial state and the transition function of the pipeline model: one
//! `match` over [`Action`].

use super::*;

impl Pipeline {
    /// Every job pending, nothing else started.
    pub(super) fn initial_state(&self) -> PipelineState {
        let c = &self.config;
        let job = JobState {
            status: Status::Pending,
            failures: 0,
            in_window: false,
            leftover: false,
            in_flight: false,
            tracked: false,
            durable: Durable::default(),
        };
        PipelineState {
            barrier: Mutated::new(c.barrier_config(), c.mutant),
            jobs: vec![job; c.job_count()],
            workers: vec![Vec::new(); c.worker_count()],
            commits: vec![Vec::new(); c.keys],
            pickup: Pickup {
                batch: Vec::new(),
                last_admitted: None,
                refused: 0,
                dirty: true,
            },
            leaves_left: c.leaves,
            toggles_left: c.toggles,
            reconfigures_left: if c.live_settings.is_empty() {
                0
            } else {
                c.reconfigures
            },
            settings: 0,
            pending_settings: None,
            unapplied: Vec::new(),
            now: 0,
            predicate: 0,
            repeats_left: c.repeated_reads,
            restarts_left: c.restarts,
            warm_start_due: false,
            keys: vec![KeyWatch::default(); c.keys],
            violations: 0,
            reported: None,
            events: 0,
        }
    }

    /// Apply one action to the state (the guarantees' bookkeeping included).
    pub(super) fn apply(&self, s: &mut PipelineState, action: &Action) {
        let c = &self.config;
        match *action {
            Action::Sync | Action::SyncRepeating | Action::DueSync(_) => {
                if let Action::DueSync(mask) = *action {
                    self.due(s, mask);
                }
                // R-ROUND: the round's `sync` (R-CONFIG's pending settings
                // first), then the batch: the oldest due pending jobs.
                s.barrier.round();
                self.synced(s);
                let mut batch: Vec<Job> = (0..c.job_count())
                    .filter(|&j| s.jobs[j].status == Status::Pending && self.picks(s, j))
                    .map(|j| j as Job)
                    .collect();
                if c.batch > 0 && batch.len() > c.batch {
                    s.events |= event::BATCH_FULL;
                    batch.truncate(c.batch);
                }
                if *action == Action::SyncRepeating && batch.len() >= 2 {
                    batch.push(batch[0]);
                    s.repeats_left -= 1;
                }
                s.pickup = Pickup {
                    batch,
                    last_admitted: None,
                    refused: 0,
                    dirty: false,
                };
                self.end_round_if_done(s);
            }
            Action::Enter(job) => {
                self.enter(s, job);
                self.end_round_if_done(s);
            }
            Action::Drain(job) => {
                // Not offered: handed to the key's worker right away, to abort.
                s.pickup.batch.remove(0);
                s.pickup.last_admitted = None;
                s.pickup.dirty = true;
                s.jobs[usize::from(job)].status = Status::Draining;
                s.workers[c.worker_of(c.key_of(job))].push(job);
                self.answered(s, job, Sent::Drained);
                self.end_round_if_done(s);
            }
            Action::Leave(job) => {
                let key = c.key_of(job);
                // R-OFFER: `undo` is `leave`, and the round skips the key.
                s.barrier.undo(&key, id(job));
                s.workers[c.worker_of(key)].retain(|&j| j != job);
                let state = &mut s.jobs[usize::from(job)];
                if state.tracked {
                    s.events |= event::LEAVE_TRACKED;
                }
                // R-LEAVE: out of flight at once.
                state.in_flight = false;
                state.tracked = false;
                self.back_to_pending(s, job);
                // R-LEAVE takes the job out of the window at once.
                self.stamp_idle(s, key);
                s.leaves_left -= 1;
                s.pickup.last_admitted = None;
                s.pickup.dirty = true;
                self.end_round_if_done(s);
            }
            Action::OtherSync => {
                s.barrier.sync();
                self.synced(s);
                s.pickup.dirty = true;
            }
            Action::Work(job, sent) => self.work(s, job, sent),
            Action::Commit(job, report) => self.commit(s, job, report),
            Action::Tick => {
                s.now += 1;
                s.barrier.advance(1);
                // A tick that makes no timer run out changes no answer of a
                // `sync`: the pickup loop need not start a new batch for it.
                s.pickup.dirty |= self.ghost_timers_due(s);
            }
            Action::Reconfigure(i) => {
                // R-CONFIG: pending until the next `sync`.
                s.barrier.reconfigure(c.settings_at(i));
                s.pending_settings = (i != s.settings).then_some(i);
                s.reconfigures_left -= 1;
                s.pickup.dirty = true;
            }
            Action::Toggle(key) => {
                s.predicate ^= 1 << key;
                let on = s.predicate & 1 << key != 0;
                s.barrier.set_ordering_disabled(&key, on);
                s.toggles_left -= 1;
                s.pickup.dirty = true;
            }
            Action::Restart => self.restart(s),
            Action::WarmStart => self.warm_start(s),
        }
    }

    /// A worker handles the head of its queue.
    fn work(&self, s: &mut PipelineState, job: Job, sent: Sent) {
        let c = &self.config;
        let key = c.key_of(job);
        let (k, j) = (usize::from(key), usize::from(job));
        s.workers[c.worker_of(key)].remove(0);
        s.pickup.dirty = true;
        s.jobs[j].status = Status::Committing;
        let report = match sent {
            Sent::Drained => {
                s.commits[k].push((job, Report::Drained));
                return;
            }
            Sent::Waited => {
                s.commits[k].push((job, Report::Waiting));
                return;
            }
            Sent::Succeeded => Report::Succeeded,
            Sent::Filtered => Report::Filtered,
            Sent::Aborted => Report::Aborted,
            Sent::Failed => Report::Failed,
        };
        if c.report_executing {
            // R-STATE-SUPPORTED: an error, no effect.
            s.barrier
                .state_changed(&key, id(job), RefState::Unsupported);
        }
        // G-BLOCK: nothing later than one of the key's failed jobs is sent.
        let failed = s.keys[k].failed;
        if failed != 0 && u32::from(job) > failed.trailing_zeros() {
            s.violations |= violation::BLOCK;
        }
        // G-ORDER: jobs that are not leftovers are delivered, and end through the
        // worker, in ascending order while their key is `Enabled` (by the
        // ghost), over the whole run (the key's FIFO commit queue keeps that
        // order).
        if sent != Sent::Failed && s.keys[k].mode == Mode::Enabled && !s.jobs[j].leftover {
            if let Some(last) = s.keys[k].last_ended {
                s.events |= event::ORDER_COMPARED;
                if last > job {
                    s.violations |= violation::END_ORDER;
                }
                if self.jobs_of(key).any(|other| s.jobs[other].leftover) {
                    s.events |= event::ORDER_AFTER_COMEBACK;
                }
                if s.keys[k].left_enabled {
                    s.events |= event::ORDER_ACROSS_PERIODS;
                }
            }
            s.keys[k].last_ended = Some(job);
            s.keys[k].left_enabled = false;
        }
        if sent != Sent::Failed {
            self.answered(s, job, sent);
        }
        if sent == Sent::Failed {
            // Reported at once (R-STATE-QUEUE); outside `Disabled` it blocks the key.
            let had_record = self.ghost_exists(s, key);
            let disabled = matches!(s.keys[k].mode, Mode::Disabled { .. });
            s.barrier.state_changed(&key, id(job), RefState::Failed);
            let state = &mut s.jobs[j];
            state.failures += 1;
            state.in_flight = false;
            state.tracked = false;
            if !had_record {
                // R-EFF-FAILED creates an untracked record.
                s.keys[k].tracking = false;
            }
            if !disabled {
                s.keys[k].failed |= 1 << job;
                s.keys[k].record_failed |= 1 << job;
                // R-EFF-FAILED closes the window at once.
                self.close_window(s, key);
            }
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
        self.persist(s, job, report);
        // Applied at the next `sync` (R-STATE-QUEUE): out of flight then, and
        // the ghost record changes then (`failed` was applied at once).
        // Only what applying it depends on is kept (fewer states): a `waiting`
        // report, a release, or the abort of one of the ghost record's failed
        // jobs (the abort of another job is a release; a job reported
        // terminal never fails again).
        let failed = s.keys[k].record_failed & 1 << job != 0;
        let applied = match report {
            Report::Failed => None,
            Report::Waiting => Some(Report::Waiting),
            Report::Aborted | Report::Drained if failed => Some(Report::Aborted),
            _ => Some(Report::Succeeded),
        };
        if let Some(applied) = applied {
            s.unapplied.push((job, applied));
        }
        match report {
            Report::Failed | Report::Waiting => self.back_to_pending(s, job),
            Report::Succeeded | Report::Filtered | Report::Aborted | Report::Drained => {
                s.jobs[usize::from(job)].status = Status::Done;
                s.jobs[usize::from(job)].leftover = false;
                // G-BLOCK: the job has ended.
                s.keys[k].failed &= !(1 << job);
            }
        }
    }

    /// A job goes back to pending: no longer queued or committing (whether the
    /// barrier still counts it in flight depends on its report, see
    /// [`JobState::in_flight`]).
    fn back_to_pending(&self, s: &mut PipelineState, job: Job) {
        let state = &mut s.jobs[usize::from(job)];
        state.status = Status::Pending;
    }

    /// Once the batch is done and no `undo` is possible, the round is dropped
    /// (R-ROUND): its state is forgotten (fewer states, the same behaviour).
    fn end_round_if_done(&self, s: &mut PipelineState) {
        if s.pickup.batch.is_empty() && s.pickup.last_admitted.is_none() {
            s.barrier.end_round();
            s.pickup.refused = 0;
        }
    }
}

/// Keep the first illegal-sequence report of the step (G-QUIET).
pub(super) fn note(s: &mut PipelineState, illegal: Option<Illegal<Key>>) {
    if s.reported.is_none() {
        s.reported = illegal;
    }
}

/// The state name a report gives the barrier.
pub(crate) fn reported_state(report: Report) -> Option<RefState> {
    match report {
        Report::Succeeded => Some(RefState::Succeeded),
        Report::Filtered => Some(RefState::Filtered),
        Report::Aborted | Report::Drained => Some(RefState::Aborted),
        Report::Waiting => Some(RefState::Waiting),
        Report::Failed => None,
    }
}
