//! The antecedent of each guarantee: a `sometimes` property, checked on every
//! configuration, that says whether the situation the guarantee speaks of was
//! reached at all. A guarantee whose antecedent is never reached holds
//! vacuously on that configuration (G-LIMIT where every setting has a
//! `key_threshold` of 0, or one above a key's jobs; G-DRAIN where
//! `drain_limit` is 0; G-BLOCK without failures).
//!
//! Each is computed from the pipeline's own bookkeeping (its events, its ghost
//! set of each key's failed jobs, its jobs' statuses, its record of applied
//! reports), never from the barrier's answers. `check` prints, per
//! configuration, which antecedents were reached, and fails when a guarantee's
//! antecedent is reached in none of the shipped configurations
//! ([`crate::check::vacuous`]).
//!
//! The antecedents are ordinary `sometimes` properties whose names start with
//! [`PREFIX`] followed by the guarantee's name: a configuration is not required
//! to reach them (they are not among its paths), and [`guarantee_of`] tells them
//! from the other properties.

use crate::pipeline::{event, Action, Job, Pipeline, PipelineState, Sent, Status};
use stateright::Property;

/// What every antecedent's name starts with (then the guarantee's name, a
/// colon and the situation).
pub const PREFIX: &str = "antecedent of ";

/// An antecedent: its guarantee, its full name and its condition.
pub struct Antecedent {
    /// The guarantee (one of [`super::GUARANTEES`]).
    pub guarantee: &'static str,
    /// The `sometimes` property's name: [`PREFIX`], the guarantee, the situation.
    pub name: &'static str,
    /// Whether a state shows the situation.
    pub condition: fn(&Pipeline, &PipelineState) -> bool,
}

/// One antecedent per guarantee, in the order of [`super::GUARANTEES`].
pub const ANTECEDENTS: [Antecedent; 7] = [
    Antecedent {
        guarantee: "G-ORDER",
        name: "antecedent of G-ORDER: two ordered jobs of a key end through the worker \
               in one Enabled period",
        condition: |_, s| s.events & event::ORDER_COMPARED != 0,
    },
    Antecedent {
        guarantee: "G-BLOCK",
        name: "antecedent of G-BLOCK: a job later than its key's failed job is in the \
               batch or its worker's queue while that job is failed",
        condition: later_than_failed_offered,
    },
    Antecedent {
        guarantee: "G-DRAIN",
        name: "antecedent of G-DRAIN: a job is admitted into an open drain window",
        condition: |_, s| s.events & event::WINDOW_ADMITS != 0,
    },
    Antecedent {
        guarantee: "G-LIMIT",
        name: "antecedent of G-LIMIT: an enter finds key_threshold jobs in flight",
        condition: enter_at_threshold,
    },
    Antecedent {
        guarantee: "G-GC",
        name: "antecedent of G-GC: every job committed terminal and every report applied",
        condition: |_, s| super::all_done(s) && s.unapplied.is_empty(),
    },
    Antecedent {
        guarantee: "G-LIVE",
        name: "antecedent of G-LIVE: an end state (nothing but a restart can happen)",
        condition: end_state,
    },
    Antecedent {
        guarantee: "G-QUIET",
        name: "antecedent of G-QUIET: a job older than its key's failed job is admitted",
        condition: older_than_failed_admitted,
    },
];

/// The `sometimes` property of every antecedent.
pub fn properties() -> impl Iterator<Item = Property<Pipeline>> {
    ANTECEDENTS
        .iter()
        .map(|a| Property::<Pipeline>::sometimes(a.name, a.condition))
}

/// The guarantee a property is the antecedent of, if it is one.
pub fn guarantee_of(property: &str) -> Option<&'static str> {
    ANTECEDENTS
        .iter()
        .find(|a| a.name == property)
        .map(|a| a.guarantee)
}

/// The oldest job of the pipeline's ghost set of a key's failed jobs (bit per
/// job), if any.
fn oldest_failed(s: &PipelineState, key: usize) -> Option<Job> {
    let failed = s.keys[key].failed;
    (failed != 0).then(|| failed.trailing_zeros() as Job)
}

/// G-BLOCK's situation: a key has a failed job (the pipeline's ghost set) and
/// a later job of the key is about to be offered (in the pickup loop's batch)
/// or admitted and queued to its worker: the barrier must refuse or hold it.
fn later_than_failed_offered(m: &Pipeline, s: &PipelineState) -> bool {
    (0..m.config.keys).any(|key| {
        oldest_failed(s, key).is_some_and(|failed| {
            m.jobs_of(key as u8).any(|j| {
                j > usize::from(failed)
                    && (s.jobs[j].status == Status::Queued
                        || (s.jobs[j].status == Status::Pending
                            && s.pickup.batch.contains(&(j as Job))))
            })
        })
    })
}

/// G-LIMIT's situation: the pickup loop's next step may be the `enter` of a
/// job whose key's tracking record holds `key_threshold` (in force, > 0) of
/// its jobs in flight, by the pipeline's ghost count (the count G-LIMIT's
/// check at that `enter` uses): the pickup loop is not waiting for a warm
/// start, the batch's next job is pending, not one the loop must drain again,
/// and its key is not skipped in the round (a skipped offer enters nothing).
/// A state, not an event of the step, so that the model's states (and their
/// pinned counts) stay as they are.
fn enter_at_threshold(m: &Pipeline, s: &PipelineState) -> bool {
    let c = &m.config;
    let Some(&job) = s.pickup.batch.first() else {
        return false;
    };
    let (key, j) = (c.key_of(job), usize::from(job));
    let threshold = c.settings_at(s.settings).key_threshold;
    if threshold == 0 || !s.keys[usize::from(key)].tracking {
        return false;
    }
    let waits = s.warm_start_due && c.pickup_waits_for_warm_start();
    let drains_again =
        c.restarts > 0 && c.repeat_answers && s.jobs[j].durable.answer == Some(Sent::Drained);
    let in_flight = m
        .jobs_of(key)
        .filter(|&other| other != j && s.jobs[other].tracked)
        .count();
    !waits
        && !drains_again
        && s.jobs[j].status == Status::Pending
        && !s.barrier.round.skipped.contains(&key)
        && in_flight >= threshold
}

/// G-QUIET's situation (what v2 reported as an illegal sequence): a job is
/// admitted, and still queued to its worker, while a later job of its key is
/// failed (the pipeline's ghost set). A key's worker takes its jobs in FIFO
/// order, so the later job failed before this one was admitted.
fn older_than_failed_admitted(m: &Pipeline, s: &PipelineState) -> bool {
    (0..m.config.keys).any(|key| {
        let failed = s.keys[key].failed;
        m.jobs_of(key as u8)
            .any(|j| s.jobs[j].status == Status::Queued && failed >> (j + 1) != 0)
    })
}

/// G-LIVE's situation: no action but a restart is possible (the pickup loop
/// idle with nothing changed, every queue empty, no timer left to run out).
fn end_state(m: &Pipeline, s: &PipelineState) -> bool {
    // Cheap necessary conditions first: this runs on every state.
    if !s.pickup.batch.is_empty()
        || s.pickup.dirty
        || s.workers.iter().any(|q| !q.is_empty())
        || s.commits.iter().any(|q| !q.is_empty())
    {
        return false;
    }
    let mut actions = Vec::new();
    stateright::Model::actions(m, s, &mut actions);
    actions.iter().all(|action| *action == Action::Restart)
}
