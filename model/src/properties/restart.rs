//! The `sometimes` properties of restarts and retry backoff: the paths that make
//! the restart guarantees mean something are reached.

use super::reach::opted;
use super::{paths, Path};
use crate::pipeline::{event, id, RestartContract, Status};

/// The restart paths (with [`super::PATHS`], those a configuration must reach).
pub(super) const PATHS: &[Path] = &[
    (
        paths::RESTART_NOT_DUE,
        |c| c.restarts > 0 && c.backoff && c.failures > 0 && c.jobs_per_key >= 2,
        |m, s| {
            s.events & event::RESTART != 0
                && (0..m.config.keys as u8).any(|key| {
                    let mut jobs = m.jobs_of(key);
                    jobs.by_ref().any(|j| s.jobs[j].durable.not_due)
                        && jobs.any(|later| s.jobs[later].status == Status::Pending)
                })
        },
    ),
    (
        "a job not yet due is left out of a batch",
        |c| c.backoff && c.failures > 0,
        |_, s| s.events & event::NOT_DUE_LEFT_OUT != 0,
    ),
    (
        "a job is delivered twice (at least once)",
        |c| c.restarts > 0,
        |_, s| s.events & event::DUPLICATE != 0,
    ),
    (
        "a warm start reports a persisted failed job",
        |c| c.restarts > 0 && c.failures > 0 && c.contract.warm_starts(),
        |_, s| s.events & event::WARM_START_REPORTS != 0,
    ),
    (
        paths::WARM_START_BLOCKS_OLDER,
        |c| opted(c, paths::WARM_START_BLOCKS_OLDER) && c.contract.warm_starts(),
        |m, s| {
            s.events & event::WARM_START_REPORTS != 0
                && (0..m.config.keys as u8).any(|key| {
                    s.barrier.peek(&key).is_some_and(|failed| {
                        m.jobs_of(key).any(|j| {
                            id(j as u8) < failed
                                && s.jobs[j].status != Status::Done
                                && !s.jobs[j].durable.failed
                        })
                    })
                })
        },
    ),
    (
        "the pickup skips a key whose oldest pending job is not due",
        |c| c.backoff && c.failures > 0 && c.contract == RestartContract::SkipNotDue,
        |_, s| s.events & event::KEY_SKIPPED_NOT_DUE != 0,
    ),
];
