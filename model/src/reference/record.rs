//! A key's record and its drain window (SPEC.md section 3).

use super::{JobId, Mode, RefConfig, Tick};
use std::collections::BTreeSet;

/// An open drain window (SPEC.md section 3): the jobs it holds and, when it holds
/// none, since when.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    /// Jobs admitted into the window and not yet reported or left.
    pub jobs: BTreeSet<JobId>,
    /// The tick since which the window has held no job; `None` while it holds one.
    /// (Kept as an `Option` so that two windows that hold jobs compare equal
    /// whatever their history.)
    pub idle_since: Option<Tick>,
}

impl Window {
    /// A window that opens empty at `now` (R-EFF-ABORT).
    pub fn empty(now: Tick) -> Window {
        Window {
            jobs: BTreeSet::new(),
            idle_since: Some(now),
        }
    }

    /// A window holding `jobs` (not idle unless `jobs` is empty, then idle since
    /// `now`).
    pub fn holding(jobs: impl IntoIterator<Item = JobId>, now: Tick) -> Window {
        let jobs: BTreeSet<JobId> = jobs.into_iter().collect();
        let idle_since = jobs.is_empty().then_some(now);
        Window { jobs, idle_since }
    }

    /// R-ENTER-TRACK: the window takes `job` and is then not idle.
    pub(super) fn take(&mut self, job: JobId) {
        self.jobs.insert(job);
        self.idle_since = None;
    }

    /// R-EFF-LEAVE, R-LEAVE and the other effects: remove `job`; if that empties
    /// the window, it is idle since `now`. Removing a job the window does not hold
    /// changes nothing (an empty window keeps its `idle_since`).
    pub(super) fn drop_job(&mut self, job: JobId, now: Tick) {
        if self.jobs.remove(&job) && self.jobs.is_empty() {
            self.idle_since = Some(now);
        }
    }
}

/// A key's record (SPEC.md section 3).
///
/// Invariants: `drain` present ⇒ `failed` empty; mode `Disabled` ⇒ `failed`
/// empty, no `drain` and an empty (or untracked) `inflight`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    /// The key's mode.
    pub mode: Mode,
    /// The key's failed jobs (reported `failed` while not `Disabled`, not yet
    /// ended); the oldest, [`Record::oldest_failed`], blocks the key.
    pub failed: BTreeSet<JobId>,
    /// Jobs admitted and not yet reported; `None` = untracked.
    pub inflight: Option<BTreeSet<JobId>>,
    /// The drain window, present only after a failed job was aborted with
    /// `drain_limit > 0`.
    pub drain: Option<Window>,
}

impl Record {
    /// A fresh `Enabled` record: tracked (empty) or untracked `inflight`.
    pub(crate) fn enabled(tracked: bool) -> Record {
        Record {
            mode: Mode::Enabled,
            failed: BTreeSet::new(),
            inflight: tracked.then(BTreeSet::new),
            drain: None,
        }
    }

    /// The record R-ENTER-HOT and R-MODE's reset put in place: `Disabled` since
    /// `now`, no failed job, no drain window, an empty `inflight`, tracked or not.
    pub(crate) fn reset(now: Tick, tracked: bool) -> Record {
        Record {
            mode: Mode::Disabled { since: now },
            failed: BTreeSet::new(),
            inflight: tracked.then(BTreeSet::new),
            drain: None,
        }
    }

    /// `f = min(failed)`: the failed job that blocks the key, if any.
    pub fn oldest_failed(&self) -> Option<JobId> {
        self.failed.first().copied()
    }

    /// Section 3: `Enabled`, no failed job, empty or untracked `inflight`, no
    /// `drain`.
    pub fn is_inactive(&self) -> bool {
        self.mode == Mode::Enabled
            && self.failed.is_empty()
            && self.inflight.as_ref().is_none_or(BTreeSet::is_empty)
            && self.drain.is_none()
    }

    /// Remove `job` from `inflight` and `drain` (shared by several rules); a
    /// window this empties is idle since `now`.
    pub(crate) fn forget(&mut self, job: JobId, now: Tick) {
        if let Some(inflight) = &mut self.inflight {
            inflight.remove(&job);
        }
        if let Some(drain) = &mut self.drain {
            drain.drop_job(job, now);
        }
    }

    /// Whether one of this record's timers has run out, so that the next `sync`
    /// changes the record (R-EXPIRE): a mode older than its timer, or a drain
    /// window idle for longer than `drain_idle_for`.
    pub fn timer_due(&self, now: Tick, config: &RefConfig) -> bool {
        let mode = match self.mode {
            Mode::Enabled => false,
            Mode::Disabled { since } => now - since > config.disabled_for,
            Mode::HalfEnabled { since } => now - since > config.half_enabled_for,
        };
        let window = self
            .drain
            .as_ref()
            .and_then(|w| w.idle_since)
            .is_some_and(|since| now - since > config.drain_idle_for);
        mode || window
    }

    /// Whether a clock tick can still make one of this record's timers run out
    /// (R-EXPIRE): a mode not older than its timer, or an idle drain window not
    /// idle for longer than `drain_idle_for`.
    pub fn timer_running(&self, now: Tick, config: &RefConfig) -> bool {
        let mode = match self.mode {
            Mode::Enabled => false,
            Mode::Disabled { since } => now - since <= config.disabled_for,
            Mode::HalfEnabled { since } => now - since <= config.half_enabled_for,
        };
        let window = self
            .drain
            .as_ref()
            .and_then(|w| w.idle_since)
            .is_some_and(|since| now - since <= config.drain_idle_for);
        mode || window
    }
}
