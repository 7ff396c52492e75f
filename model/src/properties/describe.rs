//! Readable descriptions of the model's steps and paths.

use super::properties;
use crate::pipeline::{id, violation, Action, PipelineConfig, PipelineState, Sent, Status};
use crate::reference::Offered;
use stateright::Model;

/// A job as people read it: `k0:j3` is job id 3 of key 0.
pub fn job_name(c: &PipelineConfig, job: u8) -> String {
    format!("k{}:j{}", c.key_of(job), id(job))
}

/// One action, readable.
pub fn describe_action(c: &PipelineConfig, action: &Action) -> String {
    let name = |job: &u8| job_name(c, *job);
    match action {
        Action::Sync => "pickup: round (sync), read the batch".to_string(),
        Action::SyncRepeating => {
            "pickup: round (sync), read a batch that repeats its first job".to_string()
        }
        Action::Enter(job) => format!("pickup: offer {}", name(job)),
        Action::Drain(job) => format!("pickup: drain {} (to its worker, to abort)", name(job)),
        Action::Leave(job) => format!("pickup: undo {} (throttled)", name(job)),
        Action::OtherSync => "second pickup loop: sync".to_string(),
        Action::Work(job, Sent::Waited) => format!("worker: wait {} → told to wait", name(job)),
        Action::Work(job, Sent::Drained) => format!("worker: abort drained {} unsent", name(job)),
        Action::Work(job, sent) => format!("worker: send {} → {sent:?}", name(job)).to_lowercase(),
        Action::Commit(job, report) => format!("commit: {} {report:?}", name(job)).to_lowercase(),
        Action::Tick => "clock: tick".to_string(),
        Action::Toggle(key) => format!("ordering_disabled(k{key}) flips"),
        Action::Reconfigure(i) => match c.settings().get(usize::from(*i)) {
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
        Action::Restart => {
            "router restarts: barrier, batch, queues, unpersisted reports lost".to_string()
        }
        Action::WarmStart => "warm start: persisted failed jobs reported failed".to_string(),
        Action::DueSync(mask) => {
            let due: Vec<String> = (0..c.job_count() as u8)
                .filter(|j| mask & 1 << j != 0)
                .map(|j| name(&j))
                .collect();
            format!(
                "backoff of {} runs out; pickup: round (sync), read the batch",
                due.join(", ")
            )
        }
    }
}

/// One step of a path, readable: the action and what it led to.
pub fn describe_step(c: &PipelineConfig, before: &PipelineState, action: &Action) -> String {
    let model = c.model();
    let after = model.next_state(before, action.clone()).expect("enabled");
    let mut text = describe_action(c, action);
    match action {
        Action::Sync | Action::SyncRepeating | Action::OtherSync | Action::DueSync(_) => {
            let applied = before.barrier.queue.len();
            text += &format!(" ({applied} effects applied)");
            text += &expired(c, before, &after);
            if !matches!(action, Action::OtherSync) {
                let batch: Vec<String> =
                    after.pickup.batch.iter().map(|&j| job_name(c, j)).collect();
                text += &format!(", batch [{}]", batch.join(", "));
            }
        }
        Action::Enter(job) => {
            let mut barrier = before.barrier.clone();
            let (offered, _) = barrier.offer(&c.key_of(*job), id(*job));
            text += &match offered {
                Offered::Admitted {
                    previous_failed: None,
                } => " → admitted".to_string(),
                Offered::Admitted {
                    previous_failed: Some(f),
                } => format!(" → admitted (failed job j{f})"),
                Offered::Refused {
                    previous_failed: None,
                } => " → refused".to_string(),
                Offered::Refused {
                    previous_failed: Some(f),
                } => format!(" → refused (failed job j{f})"),
                Offered::Skipped => " → skipped".to_string(),
                Offered::OutOfOrder { last, job } => {
                    format!(" → out of order (last j{last}, job j{job})")
                }
            };
            let mode = format!("{:?}", barrier.mode(&c.key_of(*job)));
            text += &format!(
                ", k{} {}",
                c.key_of(*job),
                mode.split_whitespace().next().unwrap_or_default()
            );
        }
        Action::Restart => text += &persisted(c, before),
        Action::WarmStart => {
            let reported: Vec<String> = (0..c.keys as u8)
                .filter_map(|key| after.barrier.peek(&key).map(|f| format!("k{key}:j{f}")))
                .collect();
            text += &format!(" (barrier's failed jobs [{}])", reported.join(", "));
        }
        _ => {}
    }
    if let Some(report) = &after.reported {
        text += &format!(
            ", illegal sequence at {:?} (failed j{}, job j{})",
            report.location, report.failed, report.job
        );
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

/// What survives a restart from the state before it: the jobs pending again,
/// with their persisted status, and those committed terminal, e.g. `; pending
/// [k0:j1 (failed, not due), k0:j2], committed terminal []`.
fn persisted(c: &PipelineConfig, s: &PipelineState) -> String {
    let jobs = |done: bool| -> Vec<String> {
        s.jobs
            .iter()
            .enumerate()
            .filter(|(_, job)| (job.status == Status::Done) == done)
            .map(|(j, job)| {
                let name = job_name(c, j as u8);
                match (
                    job.durable.failed,
                    job.durable.not_due,
                    job.durable.delivered,
                ) {
                    (true, true, _) => format!("{name} (failed, not due)"),
                    (true, false, _) => format!("{name} (failed)"),
                    (false, _, true) => format!("{name} (delivered)"),
                    _ => name,
                }
            })
            .collect()
    };
    format!(
        "; pending [{}], committed terminal [{}]",
        jobs(false).join(", "),
        jobs(true).join(", ")
    )
}

fn broken_names(flags: u8) -> String {
    let names = [
        (violation::END_ORDER, "delivery/commit order"),
        (
            violation::FIRST_DELIVERY,
            "first-delivery order across restarts",
        ),
        (violation::BATCH_ORDER, "batch order"),
        (violation::BLOCK, "blocking"),
        (violation::LIMIT, "concurrency limit"),
        (violation::DRAIN, "drain window"),
        (violation::MODE, "mode (the barrier's is not the ghost's)"),
        (violation::GC, "collection (the ghost's record is gone)"),
    ];
    names
        .iter()
        .filter(|(flag, _)| flags & flag != 0)
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}
