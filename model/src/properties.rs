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
//!   terminal or failed report, when the key turns `Disabled`, or at a `sync` of
//!   the pickup loop once no job of the window has been in flight for longer than
//!   `drain_idle_for` by the pipeline's own count (which starts no later than the
//!   barrier's); "in flight" means queued to the worker or waiting to be
//!   committed.
//! * **G-GC** has two parts, with no exception: (1) in every state where every
//!   job is committed and the barrier's queue is empty (a `sync` ran after the
//!   last report), every key that is `Enabled` with no drain window has no
//!   record; (2) in every end state (no action possible, so every timer has run
//!   out and a `sync` ran since) in which every job is committed, there is no
//!   record at all.
//! * **G-LIVE** is "every state without an enabled action has every job
//!   committed" (stateright's `eventually` is unreliable on this model); the
//!   configurations toggle the predicate and change the settings live where they
//!   say so.
//! * **G-LIMIT** and **G-QUIET** (new in SPEC v2) are not checked yet.

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
                        .is_some_and(|drain| drain.jobs.len() >= m.config.drain_limit)
                })
            },
        ));
        properties.push(Property::<Pipeline>::sometimes(
            "an idle drain window is due to close at sync",
            |m, s| {
                let now = s.barrier.now;
                s.barrier.records.values().any(|record| {
                    record
                        .drain
                        .as_ref()
                        .and_then(|drain| drain.idle_since)
                        .is_some_and(|since| now - since > m.config.drain_idle_for)
                })
            },
        ));
    }
    if c.key_threshold > 0 || c.toggles > 0 {
        properties.push(Property::<Pipeline>::sometimes(
            "a quiet key's mode timer runs out before any enter",
            |m, s| {
                (0..m.config.keys).any(|k| {
                    let key = k as u8;
                    s.barrier.records.get(&key).is_some_and(|record| {
                        !record.timer_running(s.barrier.now, &s.barrier.config)
                            && record.mode != Mode::Enabled
                    }) && m.jobs_of(key).all(|j| s.jobs[j].status == Status::Done)
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
    if c.live_change.is_some() {
        properties.push(Property::<Pipeline>::sometimes(
            "a key holds a window or is off under the changed settings",
            |_, s| {
                s.reconfigured
                    && s.barrier
                        .records
                        .values()
                        .any(|record| record.drain.is_some() || record.mode != Mode::Enabled)
            },
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

/// G-DRAIN: at most `drain_limit` jobs admitted in an open window are in flight
/// (the limit in force; 0 limits nothing, R-CONFIG).
fn g_drain(m: &Pipeline, s: &PipelineState) -> bool {
    let limit = s.barrier.config.drain_limit;
    (0..m.config.keys).all(|k| {
        limit == 0
            || !s.keys[k].window
            || s.jobs
                .iter()
                .enumerate()
                .filter(|&(j, job)| m.config.key_of(j as u8) == k as u8 && job.in_window)
                .count()
                <= limit
    })
}

/// G-GC: once everything is committed and synced, only keys that are not
/// `Enabled` or hold an open drain window keep a record; once, besides, nothing
/// can happen any more (every timer ran out), no key keeps one.
fn g_gc(m: &Pipeline, s: &PipelineState) -> bool {
    if !all_done(s) || !s.barrier.queue.is_empty() {
        return true;
    }
    let right_after_sync = s
        .barrier
        .records
        .values()
        .all(|record| record.mode != Mode::Enabled || record.drain.is_some());
    right_after_sync && (s.barrier.records.is_empty() || can_step(m, s))
}

/// G-LIVE: a state where nothing can happen any more has every job committed.
fn g_live(m: &Pipeline, s: &PipelineState) -> bool {
    all_done(s) || can_step(m, s)
}

/// Some action is possible.
fn can_step(m: &Pipeline, s: &PipelineState) -> bool {
    let mut actions = Vec::new();
    m.actions(s, &mut actions);
    !actions.is_empty()
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
        Action::Reconfigure => match &c.live_change {
            Some(n) => format!(
                "reconfigure: drain_limit {}, key_threshold {}, disabled_for {}, \
                 half_enabled_for {}, drain_idle_for {}",
                n.drain_limit,
                n.key_threshold,
                n.disabled_for,
                n.half_enabled_for,
                n.drain_idle_for
            ),
            None => "reconfigure".to_string(),
        },
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
            text += &expired(c, before, &after);
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
        Action::Tick => {}
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

/// What a `sync` changed in the keys' modes and windows, and the records it
/// removed, e.g. `, k0 → HalfEnabled, k1 window closed, k1 removed`.
fn expired(c: &PipelineConfig, before: &PipelineState, after: &PipelineState) -> String {
    let mut text = String::new();
    for key in 0..c.keys as u8 {
        let (old, new) = (
            before.barrier.records.get(&key),
            after.barrier.records.get(&key),
        );
        let Some(old) = old else { continue };
        let Some(new) = new else {
            text += &format!(", k{key} removed");
            continue;
        };
        if std::mem::discriminant(&old.mode) != std::mem::discriminant(&new.mode) {
            let mode = format!("{:?}", new.mode);
            let name = mode.split_whitespace().next().unwrap_or_default();
            text += &format!(", k{key} → {name}");
        }
        if old.drain.is_some() && new.drain.is_none() {
            text += &format!(", k{key} window closed");
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
