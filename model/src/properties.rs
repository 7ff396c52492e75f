//! The guarantees of SPEC.md section 6 as stateright properties, the
//! `sometimes` properties that show the interesting paths are reached, and
//! readable descriptions of the model's steps.
//!
//! What each guarantee's predicate checks (the bookkeeping is the pipeline's
//! own, see [`crate::pipeline`]; every exemption comes from the pipeline's
//! **ghost** of each key's record, `pipeline/ghost.rs`: its mode, kept by
//! SPEC.md's rules on the pipeline's own clock, predicate, settings in force
//! and counts, never read from the barrier):
//! * **G-ORDER**: (a) no job that is not a leftover ended through the worker
//!   (succeeded, filtered, aborted after a send) while the ghost said its key
//!   was `Enabled` after a later such job of the key, over the barrier's whole
//!   lifetime, across `Enabled` periods (the key's commit queue is FIFO, so
//!   this is also the commit order; drained jobs are excluded; leftovers are
//!   the ghost's: admitted while the ghost was not `Enabled`, in flight at a
//!   ghost reset, or failed at it); (b) within one round, once an offer of a
//!   key was refused, no later job of the key was admitted in that round
//!   (v3's words: no exception); (c) after every step the barrier's mode
//!   (`Enabled`, `HalfEnabled`, `Disabled`; `Enabled` without a record) is the
//!   ghost's: the `Enabled` periods and leftovers the ghost exempts are the
//!   barrier's (a barrier that stays `HalfEnabled` too long, or comes back too
//!   early, is refuted here).
//! * **G-BLOCK**: no job later than one of the key's failed jobs is sent (the
//!   pipeline's set, not the barrier's: reported while the ghost was not
//!   `Disabled`, until that job's terminal report or the key's ghost reset).
//! * **G-DRAIN** (v3's words): (a) at admission, a job is admitted into a
//!   window the pipeline counts as open only while fewer than `drain_limit`
//!   (in force, as the pipeline's own record of the settings says; 0 limits
//!   nothing) of the jobs admitted in that window are in flight; (b) after
//!   every step, while `drain_limit` has not changed since the window opened,
//!   at most `drain_limit` of them are in flight (SPEC.md's consequence of
//!   (a): only an admission adds to the count, so (b) fails only after (a)
//!   did; it is checked as a cross-check of the count, and no mutant is
//!   refuted by it alone). In flight comes from the
//!   pipeline's own events: admitted, and neither left nor reported by a
//!   report a `sync` has applied (the pipeline's list of reports committed and
//!   not yet applied), never from queue membership. The window opens when a
//!   `sync` applies the abort of one of the ghost record's failed jobs that
//!   leaves it none, with `drain_limit > 0` then; it closes when a `sync`
//!   applies the key's next terminal report, at once at its next `failed`
//!   report, at a ghost reset, or at a `sync` once none of its jobs was in
//!   flight for longer than `drain_idle_for`.
//! * **G-LIMIT**: (a) the record's tracked set equals the ghost set (jobs in
//!   flight admitted into the key's current tracking record while the ghost
//!   was not `Disabled`, kept from the pipeline's admissions, leaves and
//!   applied reports) after every step; (b) after every step the barrier's
//!   mode is `Disabled` exactly when the ghost's is: the ghost turns
//!   `Disabled` only at an `enter` at which the predicate holds (on a key
//!   with a record, or that creates one) or that finds `key_threshold` (in
//!   force) of its tracked jobs in flight, and it always does then, so a key
//!   switched off without earning it, or not made hot when it earned it
//!   (e.g. a refusal instead), is refuted; since an admission outside
//!   `Disabled` with `key_threshold` in flight is exactly such a step, no
//!   such admission passes either.
//! * **G-GC**: (1) after every step, a quiet key (every job committed
//!   terminal, every report applied) whose ghost record is gone has no record:
//!   the ghost's record goes at the `sync` whose timer step (on the ghost's
//!   clock) ends its last timer, i.e. within `disabled_for` +
//!   `half_enabled_for`, or `drain_idle_for`, plus one interval between syncs
//!   per timer step, which is SPEC.md's bound made exact (a record collected
//!   one `sync` late is refuted), and right after the last report's `sync`
//!   for a key the ghost says is `Enabled` with no window; (2) in every end
//!   state (no action possible: every timer ran out and a `sync` ran since) in
//!   which every job is committed and nothing is queued, there is no record.
//! * **G-LIVE**: every state without an enabled action has every job committed.
//!   The model is finite and its pickup loop starts a round only after
//!   something changed (an unchanged state gives the same batch and answers),
//!   ticks only while a ghost timer can still run out, and every environment
//!   step is bounded: so a pickup loop that re-offers refused jobs for ever
//!   while nothing else happens shows as a state with no enabled action, and if
//!   the state graph is acyclic (checked by [`crate::check::find_cycle`] on the
//!   shipped configurations) every maximal path ends in such a state, which
//!   makes this check complete for liveness on the configuration.
//! * **G-QUIET** (v3): no illegal sequence is ever reported.
//!
//! Each clause has a `sometimes` property showing its antecedent is reached
//! where the configuration allows it: "G-ORDER compares a job with an earlier
//! one of its key", [`paths::ORDER_ACROSS_PERIODS`], "a disabled key comes
//! back" (the ghost's timer steps), "a key goes hot" (an `enter` finds
//! `key_threshold` in flight), "a job is admitted into an open drain window",
//! "a drain window opens and fills", [`paths::WINDOW_LIMIT_LOWERED`] and
//! [`paths::WINDOW_LIMIT_RAISED`], "a sync's timer step removes a quiet key's
//! record" (G-GC's time bound), and the others below.
//!
//! With restarts (`pipeline/restart.rs`), what is kept per barrier lifetime (the
//! ghost records, G-ORDER's last ended job and batch clause)
//! starts over with the new barrier; a leftover stays one across a restart until
//! it ends (the new barrier never learnt its order), and a job that was not one
//! does not become one; what the guarantees say of the persisted state holds
//! across restarts:
//! * **G-ORDER** also reads the destination's delivery log: per key, no job is
//!   delivered for the first time after a later job of its key was (duplicates
//!   ignored; a leftover, or a key not `Enabled`, exempt, on either side: a
//!   later job first delivered as a leftover or while its key was not `Enabled`
//!   does not count, as within one barrier lifetime).
//! * **G-BLOCK**: a key's failed jobs survive a restart when their `failed`
//!   status was persisted; a failure whose commit was lost is forgotten (the job
//!   is pending again), and a job that failed while its key was `Disabled` was
//!   never one of them.
//! * **G-LIVE**: with a bounded number of restarts, every end state has every
//!   job committed terminal; a state where only a restart is possible counts as
//!   an end state (and for G-GC too).

use crate::pipeline::{violation, Action, Pipeline, PipelineConfig, PipelineState, Status};
use stateright::{Model, Property};

pub mod antecedents;
pub mod cross_key;
mod describe;
mod reach;
mod restart;

pub use describe::{describe_action, describe_step, job_name};

/// The names of the guarantee properties, in table order.
pub const GUARANTEES: [&str; 7] = [
    "G-ORDER", "G-BLOCK", "G-DRAIN", "G-LIMIT", "G-GC", "G-LIVE", "G-QUIET",
];

/// A `sometimes` property: its name, whether a configuration must reach it, and
/// the condition.
type Path = (
    &'static str,
    fn(&PipelineConfig) -> bool,
    fn(&Pipeline, &PipelineState) -> bool,
);

/// The `sometimes` properties opted in by [`PipelineConfig::paths`].
pub mod paths {
    /// G-ORDER compares two jobs admitted after their key came back `Enabled`.
    pub const ORDER_AFTER_COMEBACK: &str = "G-ORDER compares two jobs admitted after a comeback";
    /// A key goes hot with its drain window open.
    pub const HOT_DROPS_WINDOW: &str = "a key goes hot with its drain window open";
    /// The predicate resets a record with an open drain window.
    pub const PREDICATE_DROPS_WINDOW: &str = "the predicate resets a record with an open window";
    /// A `leave` takes a job out of a tracked in-flight set.
    pub const LEAVE_TRACKED: &str = "a leave takes a job out of a tracked set";
    /// A job older than its key's failed job is admitted: what v2 reported as
    /// an illegal sequence (G-QUIET's antecedent).
    pub const OLDER_THAN_FAILED: &str = "a job older than its key's failed job is admitted";
    /// A bounded batch leaves out a due pending job.
    pub const BATCH_FULL: &str = "a bounded batch leaves out a due pending job";
    /// A repeated job is answered `OutOfOrder`.
    pub const OUT_OF_ORDER: &str = "a repeated offer is answered OutOfOrder";
    /// G-ORDER compares a job with one of its key that ended in an earlier
    /// `Enabled` period (the ghost left `Enabled` in between).
    pub const ORDER_ACROSS_PERIODS: &str =
        "G-ORDER compares a job with one that ended in an earlier Enabled period";
    /// A `sync` lowers a positive `drain_limit` to another positive one while a
    /// window holds a job in flight (G-DRAIN under a changed limit).
    pub const WINDOW_LIMIT_LOWERED: &str =
        "a window holds a job while its positive drain_limit is lowered";
    /// A `sync` raises a positive `drain_limit` while a window holds a job in
    /// flight.
    pub const WINDOW_LIMIT_RAISED: &str =
        "a window holds a job while its positive drain_limit is raised";
    /// A restart leaves a key with a persisted failed job not yet due and a
    /// later pending job (what a fresh barrier would let overtake it).
    pub const RESTART_NOT_DUE: &str =
        "a restart leaves a failed job not yet due before a pending job of its key";
    /// The warm start blocks a key on a persisted failed job while an older job
    /// of the key, not committed terminal, is not persisted `failed` (v3 lets
    /// the older job go first; v2 reported it as an illegal sequence): only
    /// after ordering was off for the key before the restart.
    pub const WARM_START_BLOCKS_OLDER: &str =
        "the warm start blocks a key on a failed job younger than a job not failed";
}

/// The properties checked on a configuration: the seven guarantees, the
/// `sometimes` properties for the paths this configuration must reach, and the
/// guarantees' antecedents ([`antecedents`], reported, not required).
pub fn properties(c: &PipelineConfig) -> Vec<Property<Pipeline>> {
    let mut properties = vec![
        Property::<Pipeline>::always("G-ORDER", |_, s| {
            let order = violation::END_ORDER
                | violation::BATCH_ORDER
                | violation::FIRST_DELIVERY
                | violation::MODE;
            s.violations & order == 0
        }),
        Property::<Pipeline>::always("G-BLOCK", |_, s| s.violations & violation::BLOCK == 0),
        Property::<Pipeline>::always("G-DRAIN", |_, s| s.violations & violation::DRAIN == 0),
        Property::<Pipeline>::always("G-LIMIT", |_, s| s.violations & violation::LIMIT == 0),
        Property::<Pipeline>::always("G-GC", g_gc),
        Property::<Pipeline>::always("G-LIVE", g_live),
        Property::<Pipeline>::always("G-QUIET", g_quiet),
    ];
    for &(name, applies, condition) in reach::PATHS
        .iter()
        .chain(restart::PATHS)
        .chain(cross_key::PATHS)
    {
        if applies(c) {
            properties.push(Property::<Pipeline>::sometimes(name, condition));
        }
    }
    properties.extend(antecedents::properties());
    properties
}

/// Every job committed in a terminal state.
pub fn all_done(s: &PipelineState) -> bool {
    s.jobs.iter().all(|job| job.status == Status::Done)
}

/// G-GC: a quiet key whose ghost record is gone has no record (the flag,
/// set after every step); once, besides, every job is committed and nothing
/// can happen any more (every timer ran out), no key keeps one.
fn g_gc(m: &Pipeline, s: &PipelineState) -> bool {
    if s.violations & violation::GC != 0 {
        return false;
    }
    !all_done(s) || !s.barrier.queue.is_empty() || s.barrier.records.is_empty() || can_step(m, s)
}

/// G-LIVE: a state where nothing can happen any more has every job committed.
fn g_live(m: &Pipeline, s: &PipelineState) -> bool {
    all_done(s) || can_step(m, s)
}

/// G-QUIET (v3): no illegal sequence is reported.
fn g_quiet(_: &Pipeline, s: &PipelineState) -> bool {
    s.reported.is_none()
}

/// Some action is possible, a restart aside (a restart is a fault, not
/// progress: a key stuck until the router restarts is stuck).
fn can_step(m: &Pipeline, s: &PipelineState) -> bool {
    let mut actions = Vec::new();
    m.actions(s, &mut actions);
    actions.iter().any(|action| *action != Action::Restart)
}

impl PipelineConfig {
    /// The model of this configuration, checked against [`properties`] (and
    /// describing its actions with [`describe_action`]).
    pub fn model(&self) -> Pipeline {
        Pipeline {
            config: self.clone(),
            properties,
            describe: describe_action,
        }
    }
}
