//! The `sometimes` properties of the pipeline (those of restarts are in
//! `restart.rs`): each shows that a path a guarantee's antecedent needs is
//! reached, on the configurations where it can be.

use super::{all_done, paths, Path};
use crate::pipeline::{event, PipelineConfig, Report, Status};
use crate::reference::Mode;

fn any_settings(c: &PipelineConfig, f: fn(&crate::reference::RefConfig) -> bool) -> bool {
    c.settings().iter().any(f)
}

/// Some settings let a key go hot: `key_threshold` jobs in flight and one more.
fn can_go_hot(c: &PipelineConfig) -> bool {
    let jobs = c.jobs_per_key;
    c.settings()
        .iter()
        .any(|r| r.key_threshold > 0 && r.key_threshold < jobs)
}

pub(super) fn opted(c: &PipelineConfig, name: &str) -> bool {
    c.paths.contains(&name)
}

/// Every `sometimes` property, with when a configuration must reach it.
pub(super) const PATHS: &[Path] = &[
    ("all jobs finish", |_| true, |_, s| all_done(s)),
    (
        "a failure blocks a later job",
        |c| c.failures > 0,
        |m, s| {
            s.commits.iter().flatten().any(|&(job, report)| {
                report == Report::Waiting
                    && s.barrier
                        .peek(&m.config.key_of(job))
                        .is_some_and(|failed| failed < crate::pipeline::id(job))
            })
        },
    ),
    (
        "the round skips a key's later jobs after a refusal",
        |c| c.failures > 0 && c.jobs_per_key >= 3 && c.batch != 1,
        |_, s| s.events & event::SKIPPED != 0,
    ),
    (
        "a drain window opens and fills",
        |c| c.failures > 0 && any_settings(c, |r| r.drain_limit > 0),
        |m, s| {
            let limit = m.config.settings_at(s.settings).drain_limit;
            limit > 0
                && (0..m.config.keys as u8)
                    .any(|key| s.keys[usize::from(key)].window && m.window_count(s, key) >= limit)
        },
    ),
    (
        "an idle drain window is due to close at sync",
        |c| c.failures > 0 && any_settings(c, |r| r.drain_limit > 0),
        |_, s| {
            let (now, idle_for) = (s.barrier.now, s.barrier.config.drain_idle_for);
            s.barrier.records.values().any(|record| {
                record
                    .drain
                    .as_ref()
                    .and_then(|drain| drain.idle_since)
                    .is_some_and(|since| now - since > idle_for)
            })
        },
    ),
    (
        "a quiet key's mode timer runs out before any enter",
        |c| c.toggles > 0 || can_go_hot(c),
        |m, s| {
            (0..m.config.keys as u8).any(|key| {
                s.barrier.records.get(&key).is_some_and(|record| {
                    !record.timer_running(s.barrier.now, &s.barrier.config)
                        && record.mode != Mode::Enabled
                }) && m.jobs_of(key).all(|j| s.jobs[j].status == Status::Done)
            })
        },
    ),
    ("a key goes hot", can_go_hot, |_, s| {
        s.events & event::WENT_HOT != 0
    }),
    (
        "the predicate resets a record",
        |c| c.toggles > 0,
        |_, s| s.events & event::PREDICATE_RESET != 0,
    ),
    (
        "a disabled key comes back",
        |c| c.toggles > 0 || can_go_hot(c),
        |_, s| s.events & event::CAME_BACK != 0,
    ),
    (
        "a job is left",
        |c| c.leaves > 0,
        |m, s| s.leaves_left < m.config.leaves,
    ),
    (
        "a live change leaves a key holding a window or off",
        |c| !c.live_settings.is_empty() && c.reconfigures > 0,
        |m, s| {
            s.barrier.config != m.config.barrier_config()
                && s.barrier
                    .records
                    .values()
                    .any(|record| record.drain.is_some() || record.mode != Mode::Enabled)
        },
    ),
    (
        "a live key_threshold of 0 leaves a tracked set in flight",
        |c| {
            c.failures > 0
                && c.key_threshold > 0
                && c.live_settings.iter().any(|r| r.key_threshold == 0)
        },
        |_, s| {
            s.barrier.config.key_threshold == 0
                && s.barrier
                    .records
                    .values()
                    .any(|r| r.inflight.as_ref().is_some_and(|set| !set.is_empty()))
        },
    ),
    (
        "a live drain_limit of 0 leaves a drain window open",
        |c| {
            c.failures > 0
                && c.drain_limit > 0
                && c.live_settings.iter().any(|r| r.drain_limit == 0)
        },
        |_, s| {
            s.barrier.config.drain_limit == 0
                && s.barrier.records.values().any(|r| r.drain.is_some())
        },
    ),
    (
        "the settings change and change back",
        |c| !c.live_settings.is_empty() && c.reconfigures >= 2,
        |m, s| s.reconfigures_left == 0 && s.barrier.config == m.config.barrier_config(),
    ),
    (
        paths::ORDER_AFTER_COMEBACK,
        |c| opted(c, paths::ORDER_AFTER_COMEBACK),
        |_, s| s.events & event::ORDER_AFTER_COMEBACK != 0,
    ),
    (
        paths::HOT_DROPS_WINDOW,
        |c| opted(c, paths::HOT_DROPS_WINDOW),
        |_, s| s.events & event::HOT_DROPS_WINDOW != 0,
    ),
    (
        paths::PREDICATE_DROPS_WINDOW,
        |c| opted(c, paths::PREDICATE_DROPS_WINDOW),
        |_, s| s.events & event::PREDICATE_DROPS_WINDOW != 0,
    ),
    (
        paths::LEAVE_TRACKED,
        |c| opted(c, paths::LEAVE_TRACKED),
        |_, s| s.events & event::LEAVE_TRACKED != 0,
    ),
    (
        paths::OLDER_THAN_FAILED,
        |c| opted(c, paths::OLDER_THAN_FAILED),
        |_, s| s.events & event::OLDER_THAN_FAILED != 0,
    ),
    (
        paths::BATCH_FULL,
        |c| c.batch > 0,
        |_, s| s.events & event::BATCH_FULL != 0,
    ),
    (
        paths::OUT_OF_ORDER,
        |c| c.repeated_reads > 0,
        |_, s| s.events & event::OUT_OF_ORDER != 0,
    ),
    (
        "G-ORDER compares a job with an earlier one of its key",
        |c| c.jobs_per_key >= 2 && c.settings().iter().all(|r| r.key_threshold != 1),
        |_, s| s.events & event::ORDER_COMPARED != 0,
    ),
    (
        paths::ORDER_ACROSS_PERIODS,
        |c| opted(c, paths::ORDER_ACROSS_PERIODS),
        |_, s| s.events & event::ORDER_ACROSS_PERIODS != 0,
    ),
    (
        paths::WINDOW_LIMIT_LOWERED,
        |c| opted(c, paths::WINDOW_LIMIT_LOWERED),
        |_, s| s.events & event::WINDOW_LIMIT_LOWERED != 0,
    ),
    (
        paths::WINDOW_LIMIT_RAISED,
        |c| opted(c, paths::WINDOW_LIMIT_RAISED),
        |_, s| s.events & event::WINDOW_LIMIT_RAISED != 0,
    ),
    (
        "a sync's timer step removes a quiet key's record (G-GC's time bound)",
        |c| c.toggles > 0 || can_go_hot(c),
        |_, s| s.events & event::TIMER_COLLECTS != 0,
    ),
    (
        "a job is admitted into an open drain window",
        |c| c.failures > 0 && any_settings(c, |r| r.drain_limit > 0),
        |_, s| s.events & event::WINDOW_ADMITS != 0,
    ),
];
