//! The guarantees of SPEC.md section 6 as stateright properties, and readable
//! descriptions of the model's steps.
//!
//! Readings chosen where SPEC.md leaves room:
//! * **G-ORDER** checks the jobs admitted while their key was `Enabled`, within one
//!   `Enabled` period: jobs admitted while ordering was off may legitimately still
//!   be in flight when the key comes back, and the spec promises nothing for them.
//!   The batch clause ("once a key's job is refused no later job of that key may be
//!   admitted, unless the key goes hot") is checked at every admission into an
//!   `Enabled` key.
//! * **G-BLOCK** uses the pipeline's own record of a key's first failed job
//!   (reported while the key was not `Disabled`, until that job's terminal report,
//!   or until the key turns `Disabled`, which drops the failed job by R-EFF-FAILED
//!   and R-ENTER-HOT), not the barrier's: so a barrier that forgets or delays the
//!   failed job is caught.
//! * **G-DRAIN** likewise opens a window when the commit loop reports the abort of
//!   that failed job with `drain_limit > 0`, and closes it at the key's next
//!   terminal or failed report (or when the key turns `Disabled`); "in flight"
//!   means queued to the worker or waiting to be committed.
//! * **G-GC** is checked in states where every job is committed and the barrier's
//!   queue is empty (a `sync` ran after the last report).
//! * **G-LIVE** is "every state without an enabled action has every job
//!   committed" (stateright's `eventually` is unreliable on this model).

use crate::pipeline::{
    id, mode_of, violation, Action, Pipeline, PipelineConfig, PipelineState, Report, Sent, Status,
};
use crate::reference::Mode;
use stateright::{Model, Property};

/// The names of the guarantee properties, in table order.
pub const GUARANTEES: [&str; 5] = ["G-ORDER", "G-BLOCK", "G-DRAIN", "G-GC", "G-LIVE"];

/// The properties checked on a configuration: the five guarantees, and the
/// `sometimes` properties for the paths this configuration can reach.
pub fn properties(c: &PipelineConfig) -> Vec<Property<Pipeline>> {
    let mut properties = vec![
        Property::<Pipeline>::always("G-ORDER", |_, s| {
            s.violations & (violation::END_ORDER | violation::BATCH_ORDER) == 0
        }),
        Property::<Pipeline>::always("G-BLOCK", |_, s| s.violations & violation::BLOCK == 0),
        Property::<Pipeline>::always("G-DRAIN", g_drain),
        Property::<Pipeline>::always("G-GC", g_gc),
        Property::<Pipeline>::always("G-LIVE", g_live),
        Property::<Pipeline>::sometimes("all jobs finish", |_, s| all_done(s)),
    ];
    if c.failures > 0 {
        properties.push(Property::<Pipeline>::sometimes(
            "a failure blocks a later job",
            |m, s| {
                s.commits.iter().flatten().any(|&(job, report)| {
                    report == Report::Waiting
                        && s.barrier
                            .peek(&m.config.key_of(job))
                            .is_some_and(|failed| failed < id(job))
                })
            },
        ));
    }
    if c.failures > 0 && c.drain_limit > 0 {
        properties.push(Property::<Pipeline>::sometimes(
            "a drain window opens and fills",
            |m, s| {
                s.barrier.records.values().any(|record| {
                    record
                        .drain
                        .as_ref()
                        .is_some_and(|drain| drain.len() >= m.config.drain_limit)
                })
            },
        ));
    }
    if c.key_threshold > 0 && c.toggles == 0 {
        properties.push(Property::<Pipeline>::sometimes("a key goes hot", |m, s| {
            (0..m.config.keys).any(|k| matches!(mode_of(s, k as u8), Mode::Disabled { .. }))
        }));
    }
    if c.toggles > 0 {
        properties.push(Property::<Pipeline>::sometimes(
            "ordering is switched off for a key",
            |m, s| (0..m.config.keys).any(|k| matches!(mode_of(s, k as u8), Mode::Disabled { .. })),
        ));
    }
    if c.key_threshold > 0 || c.toggles > 0 {
        properties.push(Property::<Pipeline>::sometimes(
            "a disabled key comes back",
            |_, s| s.came_back,
        ));
    }
    if c.leaves > 0 {
        properties.push(Property::<Pipeline>::sometimes("a job is left", |m, s| {
            s.leaves_left < m.config.leaves
        }));
    }
    properties
}

/// Every job committed in a terminal state.
pub fn all_done(s: &PipelineState) -> bool {
    s.jobs.iter().all(|job| job.status == Status::Done)
}

/// G-DRAIN: at most `drain_limit` jobs admitted in an open window are in flight.
fn g_drain(m: &Pipeline, s: &PipelineState) -> bool {
    (0..m.config.keys).all(|k| {
        !s.keys[k].window
            || s.jobs
                .iter()
                .enumerate()
                .filter(|&(j, job)| m.config.key_of(j as u8) == k as u8 && job.in_window)
                .count()
                <= m.config.drain_limit
    })
}

/// G-GC: once everything is committed and synced, only keys that are not
/// `Enabled` or hold an open drain window keep a record.
fn g_gc(_: &Pipeline, s: &PipelineState) -> bool {
    !all_done(s)
        || !s.barrier.queue.is_empty()
        || s.barrier
            .records
            .values()
            .all(|record| record.mode != Mode::Enabled || record.drain.is_some())
}

/// G-LIVE: a state where nothing can happen any more has every job committed.
fn g_live(m: &Pipeline, s: &PipelineState) -> bool {
    let mut actions = Vec::new();
    m.actions(s, &mut actions);
    !actions.is_empty() || all_done(s)
}

/// A job as people read it: `k0:j3` is job id 3 of key 0.
pub fn job_name(c: &PipelineConfig, job: u8) -> String {
    format!("k{}:j{}", c.key_of(job), id(job))
}

/// One action, readable.
pub fn describe_action(c: &PipelineConfig, action: &Action) -> String {
    let name = |job: &u8| job_name(c, *job);
    match action {
        Action::Sync => "pickup: sync, read the batch".to_string(),
        Action::Enter(job) => format!("pickup: enter {}", name(job)),
        Action::Drain(job) => format!("pickup: drain {} (to its worker, to abort)", name(job)),
        Action::Leave(job) => format!("pickup: leave {} (throttled)", name(job)),
        Action::OtherSync => "second pickup loop: sync".to_string(),
        Action::Work(job, Sent::Waited) => format!("worker: wait {} → told to wait", name(job)),
        Action::Work(job, Sent::Drained) => format!("worker: abort drained {} unsent", name(job)),
        Action::Work(job, sent) => format!("worker: send {} → {sent:?}", name(job)).to_lowercase(),
        Action::Commit(job, report) => format!("commit: {} {report:?}", name(job)).to_lowercase(),
        Action::Tick => "clock: tick".to_string(),
        Action::Toggle(key) => format!("ordering_disabled(k{key}) flips"),
    }
}

/// One step of a path, readable: the action and what it led to.
pub fn describe_step(c: &PipelineConfig, before: &PipelineState, action: &Action) -> String {
    let model = c.model();
    let after = model.next_state(before, action.clone()).expect("enabled");
    let mut text = describe_action(c, action);
    match action {
        Action::Sync | Action::OtherSync => {
            let applied = before.barrier.queue.len();
            text += &format!(" ({applied} effects applied)");
            if let Action::Sync = action {
                let batch: Vec<String> =
                    after.pickup.batch.iter().map(|&j| job_name(c, j)).collect();
                text += &format!(", batch [{}]", batch.join(", "));
            }
        }
        Action::Enter(job) => {
            let mut barrier = before.barrier.clone();
            let outcome = barrier.enter(&c.key_of(*job), id(*job));
            let (accepted, failed) = outcome.admission();
            text += if accepted {
                " → admitted"
            } else {
                " → refused"
            };
            if let Some(failed) = failed {
                text += &format!(" (failed job j{failed})");
            }
            if let Some(illegal) = outcome.illegal {
                text += &format!(", illegal sequence at {:?}", illegal.location);
            }
        }
        Action::Tick => text += &format!(" → {}", after.barrier.now),
        _ => {}
    }
    let broken = after.violations & !before.violations;
    if broken != 0 {
        text += &format!("  ⚠ breaks {}", broken_names(broken));
    }
    for p in properties(c) {
        if p.expectation == stateright::Expectation::Always
            && (p.condition)(&model, before)
            && !(p.condition)(&model, &after)
        {
            text += &format!("  ⚠ {} violated", p.name);
        }
    }
    text
}

fn broken_names(flags: u8) -> String {
    let names = [
        (violation::END_ORDER, "delivery/commit order"),
        (violation::BATCH_ORDER, "batch order"),
        (violation::BLOCK, "blocking"),
    ];
    names
        .iter()
        .filter(|(flag, _)| flags & flag != 0)
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}
