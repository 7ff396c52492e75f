//! The router pipeline of SPEC.md section 1 as a stateright [`Model`], over the
//! reference barrier.
//!
//! # What is modelled
//!
//! `keys × jobs_per_key` jobs, all pending at the start; job ids interleave the
//! keys in arrival order (job `i` belongs to key `(i - 1) % keys`). Three loops
//! share one barrier ([`Mutated`]: the reference, or a deliberately broken
//! variant), and every step below is one atomic action, so the checker explores
//! every interleaving:
//!
//! * **pickup loop**, following SPEC.md section 1 through a **round** of the
//!   barrier (R-ROUND, R-OFFER): starting the round runs `sync`; then the loop
//!   reads its batch, the **oldest due pending jobs**, at most
//!   [`PipelineConfig::batch`] of them (0: all), in id order, and offers each
//!   (admitted → the key's worker queue; refused, skipped → stays pending);
//!   the skip after a refusal is the round's, not the pipeline's. When the
//!   key has a failed job the loop may instead *drain* the job, as the router
//!   does for jobs past their retry limit: the job is not offered but handed
//!   to its key's worker, which aborts it without sending when it reaches the
//!   head of its queue. Right after an admission it may `undo` that job
//!   (throttled after all): the job goes back to pending and the round skips
//!   its key. A new round starts only when the batch is done and something
//!   changed since the last one (an unchanged state would give the same batch
//!   and the same answers).
//! * **a second pickup loop** (only with `pickup_loops = 2`): another caller of
//!   `sync` that may run at any moment while effects are queued (its own keys do
//!   not matter). This is the misuse R-SYNC forbids.
//! * **workers**: key `k` goes to worker `k % workers`, which handles its queue in
//!   FIFO order. A worker step calls `wait` and then, unless told to wait, sends
//!   with a nondeterministic outcome: succeeded, filtered, aborted, or failed
//!   (reported to the barrier at once; at most `failures` times per job). With
//!   `report_executing`, it first reports the status `executing`, which the
//!   barrier does not take (R-STATE-SUPPORTED).
//! * **commit loop**: persists the head of the commit queue and reports it
//!   (`succeeded`, `filtered`, `aborted`, `waiting`; `failed` was already
//!   reported); non-terminal jobs go back to pending. The queue is FIFO per key
//!   but the loop may take the keys in any order: an over-approximation of one
//!   FIFO over all keys, with far fewer states, since the barrier never relates
//!   two keys.
//! * **environment**: clock ticks, toggles of the `ordering_disabled` predicate
//!   (at most `toggles`) and live changes of the settings (R-CONFIG: at most
//!   `reconfigures`, each to one of the configured settings, the initial ones
//!   included, so settings can go back and forth); a change takes effect at the
//!   next `sync` (R-CONFIG), for the barrier and for the pipeline's own record
//!   of the settings in force alike. A tick advances the pipeline's clock and
//!   the barrier's, and is possible only while some timer of the pipeline's
//!   ghost records can still run out (`ghost_timers_running`), so
//!   every end state (no action possible) has let every timer run out, and a
//!   `sync` has run since (a tick that makes a timer due marks the pickup loop
//!   dirty): that is where G-GC asks for no record at all.
//! * **restarts** (`restart.rs`): the router process dies and loses everything
//!   but each job's persisted status and the destination's delivery log; retry
//!   backoff keeps a failed job out of batches until it is due; the caller
//!   contract after a restart ([`RestartContract`]) is a setting.
//!
//! Time is abstracted: after every step the clock is shifted so that `now` is
//! fixed and every age is capped one tick past the longest value its timer takes
//! ([`crate::reference::Reference::normalize_clock_for`]; the pipeline's own window stamps
//! likewise). Every rule compares an age with its timer only, so this merges
//! only states that answer every future call alike.
//!
//! The pipeline also keeps what the guarantees talk about, in its own terms (see
//! [`crate::properties`], `ghost.rs` and `watch.rs`): a ghost of each key's
//! record (its mode on the pipeline's own clock, its failed jobs, its tracked
//! jobs in flight, its drain window), the reports not yet applied, the
//! delivered order, each key's failed jobs, the leftovers of SPEC.md section
//! 6, and the illegal-sequence report of the last step. None of it is read
//! from the barrier.

use crate::mutants::Mutated;
use crate::reference::{Illegal, JobId, Mode, RefState, Tick};
use stateright::Model;

/// A key of the model.
pub type Key = u8;
/// A job's index: its id minus one.
pub type Job = u8;

/// The job id the barrier sees for a job index.
pub fn id(job: Job) -> JobId {
    JobId::from(job) + 1
}

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Waiting to be picked up.
    Pending,
    /// Admitted, in its worker's queue.
    Queued,
    /// Drained by the pickup loop (not entered), in its worker's queue, to be
    /// aborted without sending.
    Draining,
    /// Processed, in the commit queue.
    Committing,
    /// Committed in a terminal state.
    Done,
}

/// What the commit loop persists and reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Report {
    /// Sent and delivered.
    Succeeded,
    /// Filtered by the worker.
    Filtered,
    /// Aborted by the worker after a send.
    Aborted,
    /// Aborted by the pickup loop without sending (drained).
    Drained,
    /// Failed retryably (already reported to the barrier by the worker).
    Failed,
    /// Told to wait by the barrier.
    Waiting,
}

/// The outcome of a worker step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sent {
    /// `wait` said wait: not sent.
    Waited,
    /// Sent and answered `succeeded`.
    Succeeded,
    /// Filtered.
    Filtered,
    /// Sent and aborted.
    Aborted,
    /// Sent and failed retryably.
    Failed,
    /// A drained job: aborted without sending (no `wait` either).
    Drained,
}

/// One job's state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JobState {
    /// Where it is.
    pub status: Status,
    /// Failures used.
    pub failures: u8,
    /// Admitted into its key's current drain window, as the pipeline counts
    /// it (G-DRAIN: in the window's count while also [`JobState::in_flight`]).
    pub in_window: bool,
    /// A leftover (SPEC.md section 6): admitted while its key was not `Enabled`,
    /// in flight when its key's record was reset, or the key's failed job at that
    /// reset; until it ends (G-ORDER exempts it, G-QUIET allows reports about it).
    pub leftover: bool,
    /// In flight as G-LIMIT counts it: admitted, and neither left nor reported by
    /// a report the barrier has applied (`failed` at once, the others at the next
    /// `sync`).
    pub in_flight: bool,
    /// The G-LIMIT ghost: in flight, and admitted into its key's current
    /// tracking record (while `Enabled` or `HalfEnabled`) since that record was
    /// created or last reset.
    pub tracked: bool,
    /// What survives a restart (persisted status, delivery log).
    pub durable: Durable,
}

/// The pickup loop's progress through its batch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pickup {
    /// Jobs of the batch not handled yet, in id order (the jobs of a key the
    /// loop skips are removed as soon as it decides to skip them).
    pub batch: Vec<Job>,
    /// The job admitted by the last step, which it may still `leave`.
    pub last_admitted: Option<Job>,
    /// Keys (bit per key) with an offer refused in this round (G-ORDER's
    /// batch clause: no later job of the key may be admitted in the round).
    pub refused: u32,
    /// Something changed since the last `sync`.
    pub dirty: bool,
}

/// The whole pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PipelineState {
    /// The barrier.
    pub barrier: Mutated<Key>,
    /// Every job, by index.
    pub jobs: Vec<JobState>,
    /// Each worker's FIFO queue.
    pub workers: Vec<Vec<Job>>,
    /// The commit loop's queue, FIFO per key (see the module docs).
    pub commits: Vec<Vec<(Job, Report)>>,
    /// The (first) pickup loop.
    pub pickup: Pickup,
    /// `leave` calls left.
    pub leaves_left: u8,
    /// Toggles of `ordering_disabled` left.
    pub toggles_left: u8,
    /// Live changes of the settings left.
    pub reconfigures_left: u8,
    /// The settings in force, as the pipeline knows them: an index into
    /// [`PipelineConfig::settings`] (R-CONFIG: changed at a `sync`).
    pub settings: u8,
    /// A live change made since the last `sync`, which the next one installs.
    pub pending_settings: Option<u8>,
    /// Reports committed (all but `failed`, which applies at once) and not
    /// yet applied by a `sync`, in commit order: the pipeline's own record of
    /// what the next `sync` applies (jobs in flight for G-LIMIT and G-DRAIN,
    /// the windows, the ghost record's failed jobs).
    pub unapplied: Vec<(Job, Report)>,
    /// The pipeline's own clock (the ghost mode's and the windows' stamps);
    /// the environment advances it with the barrier's.
    pub now: Tick,
    /// The keys (bit per key) whose `ordering_disabled` predicate holds: the
    /// environment's input, as the pipeline sets it.
    pub predicate: u32,
    /// Repeated batch reads left ([`PipelineConfig::repeated_reads`]).
    pub repeats_left: u8,
    /// Restarts left.
    pub restarts_left: u8,
    /// A restart happened and its warm start has not run yet.
    pub warm_start_due: bool,
    /// Per key watch.
    pub keys: Vec<KeyWatch>,
    /// Sticky [`violation`] flags.
    pub violations: u8,
    /// The illegal-sequence report (R-ILLEGAL) of the last step, if any (G-QUIET).
    pub reported: Option<Illegal<Key>>,
    /// What the last step did ([`event`] flags).
    pub events: u32,
}

/// One atomic step.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Pickup loop: start a round (`sync`), then read the batch.
    Sync,
    /// Pickup loop: start a round, then read a batch that repeats its first job
    /// at its end (a job store that returns a job twice;
    /// [`PipelineConfig::repeated_reads`]).
    SyncRepeating,
    /// Pickup loop: offer the batch's next job to the round.
    Enter(Job),
    /// Pickup loop: abort the batch's next job without sending it.
    Drain(Job),
    /// Pickup loop: `undo` the job it just admitted (leave, and skip its key).
    Leave(Job),
    /// The second pickup loop calls `sync`.
    OtherSync,
    /// A worker handles the head of its queue.
    Work(Job, Sent),
    /// The commit loop persists and reports the head of its queue.
    Commit(Job, Report),
    /// The clock advances one tick.
    Tick,
    /// The `ordering_disabled` predicate of a key flips.
    Toggle(Key),
    /// The settings change live to [`PipelineConfig::settings`]`()[i]`.
    Reconfigure(u8),
    /// The router restarts: all but the persisted state is lost.
    Restart,
    /// After a restart, the contract's warm start ([`RestartContract`]).
    WarmStart,
    /// The retry backoff of the jobs in the mask (bit per job) runs out, then
    /// the pickup loop's `sync` (as [`Action::Sync`]).
    DueSync(u32),
}

/// The pipeline model of one configuration, with the properties it is checked
/// against. Built by [`PipelineConfig::model`] (in `properties`, so that the
/// pipeline does not depend on its own properties).
#[derive(Clone)]
pub struct Pipeline {
    /// Its bounds and settings.
    pub config: PipelineConfig,
    /// The properties checked on it.
    pub properties: fn(&PipelineConfig) -> Vec<stateright::Property<Pipeline>>,
    /// An action in words, for counterexamples.
    pub describe: fn(&PipelineConfig, &Action) -> String,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// The jobs of a key, by index.
    pub fn jobs_of(&self, key: Key) -> impl Iterator<Item = usize> + '_ {
        (0..self.config.job_count()).filter(move |&j| self.config.key_of(j as Job) == key)
    }
}

mod config;
mod flags;
mod ghost;
mod restart;
mod step;
mod watch;

pub use config::PipelineConfig;
pub use flags::{event, violation};
pub use ghost::KeyWatch;
pub use restart::{Durable, RestartContract};

impl Model for Pipeline {
    type State = PipelineState;
    type Action = Action;

    fn init_states(&self) -> Vec<PipelineState> {
        vec![self.initial_state()]
    }

    fn actions(&self, s: &PipelineState, actions: &mut Vec<Action>) {
        let c = &self.config;
        // After a restart, the pickup loop may have to wait for the warm start.
        let pickup = !(s.warm_start_due && c.pickup_waits_for_warm_start());
        if let (true, Some(&job)) = (pickup, s.pickup.batch.first()) {
            let key = c.key_of(job);
            let drains_again = self.drains_again(s, job);
            let pending = s.jobs[usize::from(job)].status == Status::Pending;
            let skipped = s.barrier.round.skipped.contains(&key);
            // A job the loop must drain again is not offered, unless its key is
            // skipped in the round (the offer then answers `Skipped`).
            if !drains_again || skipped {
                actions.push(Action::Enter(job));
            }
            let failed = s.barrier.peek(&key).is_some();
            if pending && !skipped && (drains_again || failed) {
                actions.push(Action::Drain(job));
            }
        } else if pickup {
            if s.pickup.dirty {
                actions.push(Action::Sync);
                if s.repeats_left > 0 {
                    actions.push(Action::SyncRepeating);
                }
            }
            self.due_syncs(s, actions);
        }
        if let Some(job) = s.pickup.last_admitted {
            if s.leaves_left > 0 && s.jobs[usize::from(job)].status == Status::Queued {
                actions.push(Action::Leave(job));
            }
        }
        if c.pickup_loops > 1 && !s.barrier.queue.is_empty() {
            actions.push(Action::OtherSync);
        }
        for queue in &s.workers {
            let Some(&job) = queue.first() else { continue };
            if s.jobs[usize::from(job)].status == Status::Draining {
                actions.push(Action::Work(job, Sent::Drained));
                continue;
            }
            if s.barrier.hold(&c.key_of(job), id(job)).0 {
                actions.push(Action::Work(job, Sent::Waited));
                continue;
            }
            for sent in [Sent::Succeeded, Sent::Filtered, Sent::Aborted] {
                if self.may_answer(s, job, sent) {
                    actions.push(Action::Work(job, sent));
                }
            }
            if s.jobs[usize::from(job)].failures < c.failures {
                actions.push(Action::Work(job, Sent::Failed));
            }
        }
        for queue in &s.commits {
            if let Some(&(job, report)) = queue.first() {
                actions.push(Action::Commit(job, report));
            }
        }
        if self.ghost_timers_running(s) {
            actions.push(Action::Tick);
        }
        if s.toggles_left > 0 {
            actions.extend((0..c.keys).map(|k| Action::Toggle(k as Key)));
        }
        if s.reconfigures_left > 0 {
            let next = s.pending_settings.unwrap_or(s.settings);
            for i in 0..c.settings().len() as u8 {
                if i != next {
                    actions.push(Action::Reconfigure(i));
                }
            }
        }
        self.restart_actions(s, actions);
    }

    fn next_state(&self, last: &PipelineState, action: Action) -> Option<PipelineState> {
        let mut s = last.clone();
        s.reported = None;
        s.events = 0;
        self.apply(&mut s, &action);
        self.watch(last, &mut s, &action);
        self.normalize_clock(&mut s);
        Some(s)
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        (self.properties)(&self.config)
    }

    fn format_action(&self, action: &Action) -> String {
        (self.describe)(&self.config, action)
    }
}
