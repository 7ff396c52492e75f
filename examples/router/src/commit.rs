//! The commit loop: takes a batch of statuses, persists them in one transaction,
//! then reports them to the barrier at once (`report_all`: `succeeded`,
//! `filtered`, `aborted`, `waiting`; `failed` was reported by the worker
//! already). Non-terminal jobs go
//! back to pending. With `--db` the transaction is the database's. Terminal jobs that went through a worker are logged for the
//! commit-order check.

use std::sync::mpsc::Receiver;

use eventorder::{JobId, JobState};

use crate::{
    db::fatal,
    ops::{Key, WorkerOps},
    shared::{Commit, Outcome, Shared},
    store::{Persist, Store},
    verdict::Entry,
};

/// The commit loop and what it needs.
pub struct CommitLoop<'a, W> {
    pub ops: W,
    pub shared: &'a Shared,
    pub store: &'a Store,
    pub statuses: Receiver<Commit>,
    pub batch: usize,
    pub latency: std::time::Duration,
}

impl<'a, W: WorkerOps> CommitLoop<'a, W> {
    /// Runs until every sender hung up; returns the commit log (terminal jobs that
    /// went through a worker, in commit order).
    pub fn run(self) -> Vec<Entry> {
        let mut log = Vec::new();
        let mut batch = Vec::with_capacity(self.batch);
        while let Ok(first) = self.statuses.recv() {
            batch.clear();
            batch.push(first);
            while batch.len() < self.batch {
                match self.statuses.try_recv() {
                    Ok(c) => batch.push(c),
                    Err(_) => break,
                }
            }
            let persist = batch.iter().map(|c| {
                let status = match c.outcome {
                    Outcome::Succeeded => Persist::Succeeded,
                    Outcome::Filtered => Persist::Filtered,
                    Outcome::Aborted | Outcome::Drained => Persist::Aborted,
                    Outcome::Failed => Persist::Failed,
                    Outcome::Waiting => Persist::Waiting,
                };
                (c.job, status)
            });
            if !self.latency.is_zero() {
                std::thread::sleep(self.latency);
            }
            // Persisted before reported: a status the barrier has heard of is
            // in the job store, whatever happens to the process next.
            if let Err(e) = self.store.persist(persist, self.shared.now()) {
                fatal("the commit loop could not persist statuses", e);
            }
            let reports: Vec<_> = batch
                .iter()
                .filter_map(|c| self.logged(c, &mut log))
                .collect();
            self.ops.report_all(&reports);
        }
        log
    }

    /// The report for `c` (none for `failed`, which the worker reported), after
    /// logging it for the commit-order check if it ends a job that went through
    /// a worker.
    fn logged(&self, c: &Commit, log: &mut Vec<Entry>) -> Option<(&'a Key, JobId, JobState)> {
        let key = &self.shared.keys[c.key as usize];
        let state = match c.outcome {
            Outcome::Succeeded => JobState::Succeeded,
            Outcome::Filtered => JobState::Filtered,
            Outcome::Aborted | Outcome::Drained => JobState::Aborted,
            Outcome::Waiting => JobState::Waiting,
            Outcome::Failed => return None,
        };
        if state != JobState::Waiting {
            self.shared.ended(c.key, c.job);
        }
        if c.outcome != Outcome::Drained && state != JobState::Waiting {
            let epoch = self
                .shared
                .ordered_epoch(c.key, c.epoch, || self.ops.is_disabled(key));
            log.push(Entry {
                key: c.key,
                job: c.job,
                epoch,
            });
        }
        Some((key, JobId(c.job), state))
    }
}
