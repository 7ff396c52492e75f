//! Router restarts (issue 14), retry backoff, and the caller contracts under
//! which ordering survives a restart.
//!
//! The barrier lives in memory. A **restart** ([`Action::Restart`], at most
//! [`PipelineConfig::restarts`] per run) kills the router process: the barrier
//! (replaced by a fresh one with the same settings), its queued effects, the
//! pickup loop's batch, the worker queues, the commit queue and every report not
//! yet persisted are lost. What survives ([`Durable`]) is what the commit loop
//! persisted (each job's last committed status: pending, `failed`, `waiting`, or
//! terminal, [`Status::Done`]) and the destination's delivery log. A job that was
//! admitted or sent but whose new status was not committed is pending again and
//! may be delivered twice (at least once). The guarantees' bookkeeping keeps
//! each job's leftover flag (SPEC.md section 6) across the restart: the barrier
//! stopped tracking a leftover's order and the new one never learns it.
//!
//! **Retry backoff** ([`PipelineConfig::backoff`]): a job committed `failed` is
//! not due until its backoff runs out, which happens, nondeterministically, right
//! before some `sync` of the pickup loop ([`Action::DueSync`]); until then the
//! pickup loop's batch leaves it out. Without a restart the
//! barrier still holds that job as the key's failed job, so the key's later jobs
//! stay blocked; after a restart, a fresh barrier knows nothing of it.
//!
//! The contract the router follows after a restart is
//! [`PipelineConfig::contract`] ([`RestartContract`]).
//!
//! A job sent again after a restart gets, with
//! [`PipelineConfig::repeat_answers`], the terminal answer it got the first time
//! (or a retryable failure): the destination (and the router's transformer)
//! answers a job consistently. Without that assumption no contract on the
//! barrier can keep the order: a job aborted before the restart, whose abort was
//! not persisted, may be delivered after a later job that was.

use super::*;
use crate::Mutant;

/// What the router does after a restart, before its pickup loop hands the new
/// barrier anything: the caller's contract under test. (Broken warm starts are
/// mutants: [`Mutant::WarmStartRaces`], [`Mutant::WarmStartSkipsLastKey`], and
/// v2's [`Mutant::WarmStartOldestOnly`].)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum RestartContract {
    /// Nothing: the new barrier starts empty.
    None,
    /// The warm start of SPEC v3 (R-RESTART): after a restart, before the
    /// pickup loop's first round (in the model, before it does anything), one
    /// atomic step gives the new barrier every job whose persisted status is
    /// `failed` ([`crate::reference::Reference::recover`]): each is reported
    /// `failed`, and each key is blocked by its oldest.
    #[default]
    WarmStart,
    /// The pickup loop leaves out of its batch every key whose oldest pending job
    /// is not yet due (no warm start).
    SkipNotDue,
}

impl RestartContract {
    /// Every contract, the shipped one first.
    pub const ALL: [RestartContract; 3] = [
        RestartContract::WarmStart,
        RestartContract::None,
        RestartContract::SkipNotDue,
    ];

    /// A restart is followed by a warm-start step ([`Action::WarmStart`]).
    pub fn warm_starts(self) -> bool {
        self == RestartContract::WarmStart
    }
}

impl PipelineConfig {
    /// After a restart, the pickup loop waits for the warm start (unless the
    /// warm start is broken to race with it, [`Mutant::WarmStartRaces`]).
    pub fn pickup_waits_for_warm_start(&self) -> bool {
        self.contract.warm_starts() && self.mutant != Some(Mutant::WarmStartRaces)
    }
}

/// What survives a restart about a job, besides being committed terminal
/// ([`Status::Done`]). Kept only by configurations with restarts or backoff, so
/// the other configurations keep their state counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Durable {
    /// Its last committed status is `failed`.
    pub failed: bool,
    /// Committed `failed`, and its retry backoff has not run out: the pickup
    /// loop's batch leaves it out.
    pub not_due: bool,
    /// The first terminal answer it got (succeeded, filtered, aborted after a
    /// send, or drained by the pickup loop): with
    /// [`PipelineConfig::repeat_answers`], what a re-send answers (or a
    /// retryable failure), and a drained job is drained again.
    pub answer: Option<Sent>,
    /// Delivered at least once (the destination's log).
    pub delivered: bool,
    /// Its first delivery was not ordered: it was a leftover, or its key was
    /// not `Enabled` (G-ORDER says nothing of it, so an earlier job delivered
    /// after it breaks no order, as within one barrier lifetime).
    pub unordered: bool,
}

impl Pipeline {
    /// The restart actions: the warm start, a restart.
    pub(super) fn restart_actions(&self, s: &PipelineState, actions: &mut Vec<Action>) {
        if s.warm_start_due {
            actions.push(Action::WarmStart);
        }
        if s.restarts_left > 0 {
            actions.push(Action::Restart);
        }
    }

    /// The pickup loop's `sync` right after some backoffs ran out: one action
    /// per non-empty set of jobs not yet due. A backoff that runs out changes
    /// nothing until the next batch is read, so it runs out right before a
    /// `sync` (fewer interleavings, the same batches).
    pub(super) fn due_syncs(&self, s: &PipelineState, actions: &mut Vec<Action>) {
        let not_due = s
            .jobs
            .iter()
            .enumerate()
            .filter(|(_, job)| job.durable.not_due)
            .fold(0u32, |mask, (j, _)| mask | 1 << j);
        // Every non-empty subset of `not_due`, in increasing order.
        let mut subset = 0u32;
        loop {
            subset = subset.wrapping_sub(not_due) & not_due;
            if subset == 0 {
                break;
            }
            actions.push(Action::DueSync(subset));
        }
    }

    /// The jobs in the mask are due.
    pub(super) fn due(&self, s: &mut PipelineState, mask: u32) {
        for (j, job) in s.jobs.iter_mut().enumerate() {
            if mask & 1 << j != 0 {
                job.durable.not_due = false;
            }
        }
    }

    /// Whether the pickup loop must drain this job again: with
    /// [`PipelineConfig::repeat_answers`], a job it drained before a restart
    /// (the router's decision rests on the job's persisted attempts and age).
    pub(super) fn drains_again(&self, s: &PipelineState, job: Job) -> bool {
        let c = &self.config;
        let first = s.jobs[usize::from(job)].durable.answer;
        c.restarts > 0 && c.repeat_answers && first == Some(Sent::Drained)
    }

    /// Whether a worker's send may get this terminal answer.
    pub(super) fn may_answer(&self, s: &PipelineState, job: Job, sent: Sent) -> bool {
        let c = &self.config;
        let first = s.jobs[usize::from(job)].durable.answer;
        !(c.restarts > 0 && c.repeat_answers) || first.is_none_or(|first| first == sent)
    }

    /// Whether the pickup loop's batch takes this pending job: it is due, and,
    /// with [`RestartContract::SkipNotDue`], so is its key's oldest pending job.
    pub(super) fn picks(&self, s: &mut PipelineState, job: usize) -> bool {
        let c = &self.config;
        if s.jobs[job].durable.not_due {
            s.events |= event::NOT_DUE_LEFT_OUT;
            return false;
        }
        if c.contract == RestartContract::SkipNotDue {
            let key = c.key_of(job as Job);
            let oldest = self
                .jobs_of(key)
                .find(|&j| s.jobs[j].status == Status::Pending);
            if oldest.is_some_and(|j| s.jobs[j].durable.not_due) {
                s.events |= event::KEY_SKIPPED_NOT_DUE;
                return false;
            }
        }
        true
    }

    /// A job got a terminal answer (a worker's send, or the pickup loop's
    /// drain): the destination's log, and G-ORDER across restarts (first
    /// deliveries in job-id order per key).
    pub(super) fn answered(&self, s: &mut PipelineState, job: Job, sent: Sent) {
        let c = &self.config;
        if c.restarts == 0 {
            return;
        }
        let key = c.key_of(job);
        let j = usize::from(job);
        if sent == Sent::Succeeded {
            let ordered = !s.jobs[j].leftover && s.keys[usize::from(key)].mode == Mode::Enabled;
            if s.jobs[j].durable.delivered {
                s.events |= event::DUPLICATE;
            } else {
                if ordered
                    && self.jobs_of(key).any(|later| {
                        let durable = &s.jobs[later].durable;
                        later > j && durable.delivered && !durable.unordered
                    })
                {
                    s.violations |= violation::FIRST_DELIVERY;
                }
                s.jobs[j].durable.unordered = !ordered;
            }
            s.jobs[j].durable.delivered = true;
        }
        // Only a restart to come can make the job be processed again.
        if s.restarts_left > 0 {
            s.jobs[j].durable.answer.get_or_insert(sent);
        }
    }

    /// Forget what no future step reads (fewer states, the same behaviours): a
    /// job committed terminal is never processed again, so its answer does not
    /// matter; nor does whether it was delivered, once every earlier job of its
    /// key is committed terminal too (no earlier first delivery can follow);
    /// and once no restart or warm start is to come, nor does a persisted
    /// `failed` status (only they read it).
    pub(super) fn forget_durable(&self, s: &mut PipelineState) {
        let c = &self.config;
        if c.restarts == 0 {
            return;
        }
        if s.restarts_left == 0 && !s.warm_start_due {
            s.jobs.iter_mut().for_each(|job| job.durable.failed = false);
        }
        for key in 0..c.keys as Key {
            let mut earlier_done = true;
            for j in self.jobs_of(key) {
                let job = &mut s.jobs[j];
                let done = job.status == Status::Done;
                if done {
                    job.durable.answer = None;
                    job.durable.delivered &= !earlier_done;
                    job.durable.unordered &= job.durable.delivered;
                }
                earlier_done &= done;
            }
        }
    }

    /// The commit loop persisted a job's new status.
    pub(super) fn persist(&self, s: &mut PipelineState, job: Job, report: Report) {
        let c = &self.config;
        if c.restarts > 0 || c.backoff {
            let durable = &mut s.jobs[usize::from(job)].durable;
            durable.failed = report == Report::Failed;
            durable.not_due = c.backoff && report == Report::Failed;
        }
    }

    /// The router restarts (see the module docs).
    pub(super) fn restart(&self, s: &mut PipelineState) {
        let c = &self.config;
        let mut barrier = Mutated::new(s.barrier.config.clone(), c.mutant);
        for key in 0..c.keys as Key {
            barrier.set_ordering_disabled(&key, s.predicate & 1 << key != 0);
        }
        s.barrier = barrier;
        s.restarts_left -= 1;
        s.warm_start_due = c.contract.warm_starts();
        s.workers.iter_mut().for_each(Vec::clear);
        s.commits.iter_mut().for_each(Vec::clear);
        s.pickup = Pickup {
            batch: Vec::new(),
            last_admitted: None,
            refused: 0,
            dirty: true,
        };
        for job in &mut s.jobs {
            if job.status != Status::Done {
                job.status = Status::Pending;
            }
            job.in_window = false;
            // A leftover stays one across the restart (SPEC.md section 6: the
            // barrier stopped tracking its order, and the new barrier never
            // learnt it), until it ends; a job that was not one does not become
            // one.
            job.in_flight = false;
            job.tracked = false;
        }
        // The watch starts over with the new barrier, except that a key's failed
        // jobs whose `failed` status was persisted stay failed (G-BLOCK across
        // restarts); a failure whose commit was lost is forgotten (the job is
        // pending again), and a job that failed while its key was `Disabled`
        // was never one of them (R-EFF-FAILED ignores it).
        s.unapplied.clear();
        s.pending_settings = None;
        for key in 0..c.keys as Key {
            let k = usize::from(key);
            let mut failed = s.keys[k].failed;
            for j in self.jobs_of(key) {
                if !s.jobs[j].durable.failed || s.jobs[j].status == Status::Done {
                    failed &= !(1 << j);
                }
            }
            s.keys[k] = KeyWatch {
                failed,
                ..KeyWatch::default()
            };
        }
        s.events |= event::RESTART;
    }

    /// The warm start: `recover` with every job whose persisted status is
    /// `failed` (R-RESTART; with [`Mutant::WarmStartOldestOnly`], v2's: per
    /// key only the oldest job not committed terminal, if it is persisted
    /// `failed`).
    pub(super) fn warm_start(&self, s: &mut PipelineState) {
        let c = &self.config;
        s.warm_start_due = false;
        s.pickup.dirty = true;
        let mut jobs = Vec::new();
        for job in 0..c.job_count() as Job {
            let key = c.key_of(job);
            let skipped =
                c.mutant == Some(Mutant::WarmStartSkipsLastKey) && usize::from(key) + 1 == c.keys;
            let state = &s.jobs[usize::from(job)];
            if !state.durable.failed || state.status == Status::Done || skipped {
                continue;
            }
            let oldest = self
                .jobs_of(key)
                .find(|&j| s.jobs[j].status != Status::Done);
            if c.mutant == Some(Mutant::WarmStartOldestOnly) && oldest != Some(usize::from(job)) {
                continue;
            }
            jobs.push((key, id(job)));
        }
        if jobs.is_empty() {
            return;
        }
        // An error (a racing warm start that comes after an `enter`) changes
        // nothing.
        if s.barrier.recover(jobs.iter().copied()).is_err() {
            return;
        }
        s.events |= event::WARM_START_REPORTS;
        for &(key, job) in &jobs {
            // Out of flight, as after a worker's `failed` report.
            let state = &mut s.jobs[(job - 1) as usize];
            state.in_flight = false;
            state.tracked = false;
            // R-EFF-FAILED created an untracked record.
            s.keys[usize::from(key)].tracking = false;
            s.keys[usize::from(key)].record_failed |= 1 << (job - 1);
            self.close_window(s, key);
        }
    }
}
