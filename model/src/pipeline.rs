//! The router pipeline of SPEC.md section 1 as a stateright [`Model`], over the
//! reference barrier.
//!
//! # What is modelled
//!
//! `keys × jobs_per_key` jobs, all pending at the start; job ids interleave the
//! keys in arrival order (job `i` belongs to key `(i - 1) % keys`). Three loops
//! share one [`Reference`] barrier, and every step below is one atomic action, so
//! the checker explores every interleaving:
//!
//! * **pickup loop**: `sync`, which also reads the batch (the pending jobs at that
//!   moment, in id order); then, for the batch's next job, `enter` (accepted → the
//!   key's worker queue; refused → stays pending) or, when the key has a failed
//!   job, *drain* it, as the router does for jobs past their retry limit: the job
//!   is not entered but handed to its key's worker right away, which aborts it
//!   without sending when it reaches the head of its queue. (Draining straight to
//!   the commit loop instead lets a job queued before the failure be sent after a
//!   job re-admitted behind it, breaking G-ORDER; see the crate docs, "Findings".)
//!   Right after an admission it may `leave` that job (it was throttled after all): the job goes back to pending and the rest of the batch
//!   skips its key, as the router's blocked-keys list does. A new `sync` starts
//!   only when the batch is done and something changed since the last one (an
//!   unchanged state would give the same batch and the same answers).
//! * **a second pickup loop** (only with `pickup_loops = 2`): another caller of
//!   `sync` that may run at any moment while effects are queued (its own keys do
//!   not matter). This is the misuse R-SYNC forbids.
//! * **workers**: key `k` goes to worker `k % workers`, which handles its queue in
//!   FIFO order. A worker step calls `wait` and then, unless told to wait, sends
//!   with a nondeterministic outcome: succeeded, filtered, aborted, or failed
//!   (reported to the barrier at once; at most `failures` times per job). Waiting
//!   between `wait` and the send is not split: only this worker touches the key's
//!   failed job in between.
//! * **commit loop**: persists the head of the commit queue and reports it
//!   (`succeeded`, `filtered`, `aborted`, `waiting`; `failed` was already
//!   reported); non-terminal jobs go back to pending. The queue is FIFO per key
//!   but the loop may take the keys in any order: an over-approximation of one
//!   FIFO over all keys (every order that one FIFO allows is among these, so a
//!   property that holds here holds there), with far fewer states, since the
//!   barrier never relates two keys.
//! * **environment**: clock ticks, toggles of the `ordering_disabled` predicate
//!   (at most `toggles`) and, if configured, one live change of the settings
//!   (R-CONFIG) at any moment; the pipeline then follows the new `drain_limit`
//!   and `drain_idle_for` too. A tick is possible only while some record's
//!   timer can still run out ([`Reference::timers_running`]): a mode not older
//!   than its timer, or an idle drain window not idle for longer than
//!   `drain_idle_for`. So every end state (no action possible) has let every timer
//!   run out, and a `sync` has run since (a tick marks the pickup loop dirty):
//!   that is where G-GC asks for no record at all.
//!
//! Time is abstracted: after every step the clock is shifted so that `now` is
//! fixed and every age is capped one tick past the longest value its timer takes
//! ([`Reference::normalize_clock_for`]; the pipeline's own window stamps
//! likewise). Every rule compares an age with its timer only, so this merges
//! only states that answer every future call alike, and it keeps the state space
//! finite however many ticks a run takes.
//!
//! The pipeline also keeps what the guarantees talk about, in its own terms and not
//! read back from the barrier where that would make a property circular: the
//! delivered and committed order, each key's first unresolved failed job, the
//! drain windows and how long they have held no job (see [`crate::properties`]).

use crate::reference::{JobId, Mode, RefState, Reference, Tick};
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
    /// Admitted while its key was `Enabled`, in the current `Enabled` period
    /// (G-ORDER checks these jobs).
    pub ordered: bool,
    /// Admitted while a drain window of its key is open, and still in flight.
    pub in_window: bool,
    /// In flight at some step while its key was not `Enabled`, and not yet done:
    /// the key's order may already be mixed up, so G-ORDER waits until such jobs
    /// are done before it checks the key again.
    pub leftover: bool,
}

/// The pickup loop's progress through its batch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pickup {
    /// Jobs of the batch not handled yet, in id order.
    pub batch: Vec<Job>,
    /// The job admitted by the last step, which it may still `leave`.
    pub last_admitted: Option<Job>,
    /// Keys (bit per key) with a refused job in this batch.
    pub refused: u32,
    /// Something changed since the last `sync`.
    pub dirty: bool,
}

/// What the pipeline remembers about a key for the guarantees.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct KeyWatch {
    /// The last ordered job that ended through the worker (succeeded, filtered or
    /// aborted after a send) in the current `Enabled` period (G-ORDER).
    pub last_ended: Option<Job>,
    /// The key's first failed job not yet ended (G-BLOCK).
    pub blocker: Option<Job>,
    /// A drain window is open: the blocker was aborted with `drain_limit > 0`
    /// and no terminal or failed report of the key came since, nor a `sync` that
    /// found it idle for longer than `drain_idle_for` (G-DRAIN).
    pub window: bool,
    /// While the window is open and none of its jobs is in flight: since when,
    /// by the pipeline's own count. The window is idle from the first `sync`
    /// after it opened or after the commit of the report that took its last job
    /// out of flight (the barrier applies those reports at that `sync`), or from
    /// the `leave` of its last job; an admission into it ends that.
    pub idle_since: Option<Tick>,
}

/// Sticky violation flags (set by the step that breaks a guarantee).
pub mod violation {
    /// An ordered job ended through the worker (delivered, filtered or aborted
    /// after a send) after a later ordered job of its key. Since a key's commit
    /// queue is FIFO, this is also the commit order.
    pub const END_ORDER: u8 = 1;
    /// A job admitted after a refused job of its key in the same batch.
    pub const BATCH_ORDER: u8 = 4;
    /// A job sent while an earlier job of its key is failed.
    pub const BLOCK: u8 = 8;
}

/// The whole pipeline.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PipelineState {
    /// The barrier.
    pub barrier: Reference<Key>,
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
    /// The live change of the settings happened.
    pub reconfigured: bool,
    /// Per key watch.
    pub keys: Vec<KeyWatch>,
    /// Sticky [`violation`] flags.
    pub violations: u8,
    /// Some key went from `HalfEnabled` back to `Enabled`.
    pub came_back: bool,
}

/// One atomic step.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Pickup loop: `sync`, then read the batch.
    Sync,
    /// Pickup loop: `enter` the batch's next job.
    Enter(Job),
    /// Pickup loop: abort the batch's next job without sending it.
    Drain(Job),
    /// Pickup loop: `leave` the job it just admitted.
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
    /// The settings change live to [`PipelineConfig::live_change`].
    Reconfigure,
}

/// The pipeline model of one configuration.
#[derive(Clone, Debug)]
pub struct Pipeline {
    /// Its bounds and settings.
    pub config: PipelineConfig,
}

impl Pipeline {
    /// G-ORDER applies to the key now: it is `Enabled` and no job of it is a
    /// leftover of a period with ordering off.
    pub fn ordered_now(&self, s: &PipelineState, key: Key) -> bool {
        mode_of(s, key) == Mode::Enabled && self.jobs_of(key).all(|j| !s.jobs[j].leftover)
    }

    /// The jobs of a key, by index.
    pub fn jobs_of(&self, key: Key) -> impl Iterator<Item = usize> + '_ {
        (0..self.config.job_count()).filter(move |&j| self.config.key_of(j as Job) == key)
    }
}

mod config;
mod step;

pub use config::PipelineConfig;

impl Model for Pipeline {
    type State = PipelineState;
    type Action = Action;

    fn init_states(&self) -> Vec<PipelineState> {
        let c = &self.config;
        let job = JobState {
            status: Status::Pending,
            failures: 0,
            ordered: false,
            in_window: false,
            leftover: false,
        };
        vec![PipelineState {
            barrier: Reference::with_mutant(c.barrier_config(), c.mutant),
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
            reconfigured: false,
            keys: vec![KeyWatch::default(); c.keys],
            violations: 0,
            came_back: false,
        }]
    }

    fn actions(&self, s: &PipelineState, actions: &mut Vec<Action>) {
        let c = &self.config;
        if let Some(&job) = s.pickup.batch.first() {
            actions.push(Action::Enter(job));
            if s.barrier.peek(&c.key_of(job)).is_some() {
                actions.push(Action::Drain(job));
            }
        } else if s.pickup.dirty {
            actions.push(Action::Sync);
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
            actions.push(Action::Work(job, Sent::Succeeded));
            actions.push(Action::Work(job, Sent::Filtered));
            actions.push(Action::Work(job, Sent::Aborted));
            if s.jobs[usize::from(job)].failures < c.failures {
                actions.push(Action::Work(job, Sent::Failed));
            }
        }
        for queue in &s.commits {
            if let Some(&(job, report)) = queue.first() {
                actions.push(Action::Commit(job, report));
            }
        }
        if s.barrier.timers_running() {
            actions.push(Action::Tick);
        }
        if s.toggles_left > 0 {
            actions.extend((0..c.keys).map(|k| Action::Toggle(k as Key)));
        }
        if c.live_change.is_some() && !s.reconfigured {
            actions.push(Action::Reconfigure);
        }
    }

    fn next_state(&self, last: &PipelineState, action: Action) -> Option<PipelineState> {
        let mut s = last.clone();
        self.apply(&mut s, action);
        self.watch_modes(last, &mut s);
        self.normalize_clock(&mut s);
        Some(s)
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        crate::properties::properties(&self.config)
    }

    fn format_action(&self, action: &Action) -> String {
        crate::properties::describe_action(&self.config, action)
    }
}

/// The state of a key's barrier record as the properties read it.
pub(crate) fn mode_of(s: &PipelineState, key: Key) -> Mode {
    s.barrier.mode(&key)
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
