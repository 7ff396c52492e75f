//! The `sometimes` properties of what the pipeline relates between keys (the
//! barrier relates none; see `docs/verification.md`, "Why one or two keys").

use super::Path;
use crate::pipeline::Status;

/// A bounded batch holds only jobs of one key that its failed job holds back
/// (later than the key's oldest failed job, by the pipeline's set), while
/// another key has a due pending job the batch left out: one key's jobs take
/// every place of the round (G-LIVE relates keys through the batch).
pub const BATCH_TAKEN_BY_HELD_KEY: &str =
    "a key's jobs held by its failed job fill the batch ahead of another key's job";

/// The cross-key paths (with [`super::PATHS`], those a configuration must reach).
pub(super) const PATHS: &[Path] = &[(
    BATCH_TAKEN_BY_HELD_KEY,
    |c| c.keys >= 2 && c.batch > 0 && c.jobs_per_key > c.batch && c.failures > 0,
    |m, s| {
        let c = &m.config;
        let batch = &s.pickup.batch;
        let Some(&first) = batch.first() else {
            return false;
        };
        let key = c.key_of(first);
        let failed = s.keys[usize::from(key)].failed;
        let held = failed != 0
            && batch.len() == c.batch
            && batch
                .iter()
                .all(|&j| c.key_of(j) == key && u32::from(j) > failed.trailing_zeros());
        held && (0..c.job_count()).any(|j| {
            c.key_of(j as u8) != key
                && s.jobs[j].status == Status::Pending
                && !s.jobs[j].durable.not_due
        })
    },
)];
