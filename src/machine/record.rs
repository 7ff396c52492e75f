//! [`Record`]: one key's state (SPEC.md section 3), shaped so that the spec's
//! invariants cannot be broken.
//!
//! - "Mode `Disabled` ⇒ no failed job, no drain window, an empty in-flight set":
//!   [`Record::Disabled`] has nowhere to keep any of them (R-ENTER-HOT, R-MODE).
//! - "A drain window and a failed job never coexist": the [`Blocker`] enum holds
//!   one or the other.
//! - "A window records since when it holds no job, exactly when it holds none":
//!   a [`Window`] is either [`Window::Idle`] (with that time) or
//!   [`Window::Holding`] (a non-empty set).

use super::{JobSet, Nanos, Rules};
use crate::JobId;

/// Whether ordering is on for a key (R-MODE): a read-only view of a [`Record`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Ordering fully on.
    Enabled,
    /// Ordering off (the key went hot, or the caller's predicate said so) since `since`.
    Disabled { since: Nanos },
    /// Ordering on again since `since`, while the key's jobs still count as
    /// leftovers (SPEC.md section 6).
    HalfEnabled { since: Nanos },
}

/// One key's state (SPEC.md section 3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Record {
    /// Ordering off since `since`: the record holds nothing else. `tracked` says
    /// whether the in-flight set is counted once ordering is back (the record was
    /// reset while `key_threshold > 0`).
    Disabled { since: Nanos, tracked: bool },
    /// Ordering on, fully or leniently.
    On(Ordered),
}

/// A record whose mode is `Enabled` or `HalfEnabled`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Ordered {
    /// `Some(since)`: `HalfEnabled` since then; `None`: `Enabled`.
    pub(crate) half_enabled_since: Option<Nanos>,
    pub(crate) blocker: Blocker,
    pub(crate) inflight: Inflight,
}

/// What holds a key's later jobs back: nothing, a failed job, or a drain window.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Blocker {
    /// Nothing.
    #[default]
    Clear,
    /// The key's failed jobs (R-EFF-FAILED), never empty: every later job than
    /// the oldest waits for it. Nearly always one job, kept inline by [`JobSet`];
    /// more only when a leftover fails beside a failed job.
    Failed(JobSet),
    /// The drain window opened by the abort of a failed job.
    Drain(Window),
}

/// A drain window: the jobs admitted in it, or since when it has held none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Window {
    /// Holds no job, since `since` (R-EFF-ABORT, R-EFF-LEAVE, R-LEAVE).
    Idle { since: Nanos },
    /// The jobs admitted in it and not yet reported: never empty.
    Holding(JobSet),
}

/// The jobs admitted and not yet reported, if this record counts them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Inflight {
    /// Not counted (key_threshold was 0 or the record was made by a report).
    #[default]
    Untracked,
    /// Counted, for the hot-key check (R-ENTER-HOT).
    Tracked(JobSet),
}

impl Default for Record {
    /// An inactive record: `Enabled`, nothing blocking, nothing tracked.
    fn default() -> Self {
        Record::On(Ordered::default())
    }
}

impl Blocker {
    /// One failed job.
    #[inline]
    pub(crate) const fn failed(job: JobId) -> Blocker {
        Blocker::Failed(JobSet::one(job))
    }
}

impl Window {
    /// The number of jobs in the window.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        match self {
            Window::Idle { .. } => 0,
            Window::Holding(jobs) => jobs.len(),
        }
    }

    /// Whether `job` is in the window.
    #[inline]
    pub(crate) fn contains(&self, job: JobId) -> bool {
        match self {
            Window::Idle { .. } => false,
            Window::Holding(jobs) => jobs.contains(job),
        }
    }

    /// R-ENTER-TRACK: `job` joins the window, which is then not idle.
    #[inline]
    pub(crate) fn insert(&mut self, job: JobId) {
        match self {
            Window::Idle { .. } => *self = Window::Holding(JobSet::one(job)),
            Window::Holding(jobs) => {
                jobs.insert(job);
            }
        }
    }

    /// R-EFF-LEAVE, R-LEAVE: `job` leaves the window; if that empties it, it is
    /// idle since `now()`. Removing a job it does not hold changes nothing.
    #[inline]
    pub(crate) fn remove(&mut self, job: JobId, now: impl FnOnce() -> Nanos) {
        if let Window::Holding(jobs) = self {
            if jobs.remove(job) && jobs.is_empty() {
                *self = Window::Idle { since: now() };
            }
        }
    }

    /// The jobs in the window, ascending.
    pub(crate) fn jobs(&self) -> Vec<JobId> {
        match self {
            Window::Idle { .. } => Vec::new(),
            Window::Holding(jobs) => jobs.to_vec(),
        }
    }
}

impl Record {
    /// A fresh `Disabled` record (R-ENTER-HOT, R-MODE's reset).
    #[inline]
    pub(crate) fn disabled(since: Nanos, tracked: bool) -> Self {
        Record::Disabled { since, tracked }
    }

    /// The key's mode.
    #[inline]
    pub(crate) fn mode(&self) -> Mode {
        match self {
            Record::Disabled { since, .. } => Mode::Disabled { since: *since },
            Record::On(Ordered {
                half_enabled_since: Some(since),
                ..
            }) => Mode::HalfEnabled { since: *since },
            Record::On(_) => Mode::Enabled,
        }
    }

    /// A record that holds nothing (SPEC.md section 3) and must be removed (R-GC).
    #[inline]
    pub(crate) fn is_inactive(&self) -> bool {
        match self {
            Record::Disabled { .. } => false,
            Record::On(on) => {
                on.half_enabled_since.is_none()
                    && on.blocker == Blocker::Clear
                    && match &on.inflight {
                        Inflight::Untracked => true,
                        Inflight::Tracked(set) => set.is_empty(),
                    }
            }
        }
    }

    /// The blocking failed job: the oldest of the key's failed jobs (R-PEEK).
    #[inline]
    pub(crate) fn failed(&self) -> Option<JobId> {
        self.failed_jobs().and_then(JobSet::first)
    }

    /// The key's failed jobs, if it has any.
    #[inline]
    pub(crate) fn failed_jobs(&self) -> Option<&JobSet> {
        match self {
            Record::On(Ordered {
                blocker: Blocker::Failed(set),
                ..
            }) => Some(set),
            _ => None,
        }
    }

    /// Whether the record can make `wait` hold a job back (R-WAIT) or `peek`
    /// answer (R-PEEK): only a failed job does. A key without such a record gets
    /// the answers of a key without a record, which the shell may give without a
    /// lock.
    #[inline]
    pub(crate) fn holds_workers(&self) -> bool {
        self.failed().is_some()
    }

    /// The drain window, if one is open.
    #[inline]
    pub(crate) fn window(&self) -> Option<&Window> {
        match self {
            Record::On(Ordered {
                blocker: Blocker::Drain(window),
                ..
            }) => Some(window),
            _ => None,
        }
    }

    /// The tracked in-flight set, if the record counts one (an empty one while
    /// `Disabled` and tracked).
    pub(crate) fn tracked(&self) -> Option<Vec<JobId>> {
        match self {
            Record::Disabled { tracked: true, .. } => Some(Vec::new()),
            Record::Disabled { .. } => None,
            Record::On(on) => match &on.inflight {
                Inflight::Untracked => None,
                Inflight::Tracked(set) => Some(set.to_vec()),
            },
        }
    }

    /// The earliest time after which one of the record's timers runs out (R-MODE's
    /// timer step, R-EXPIRE's idle window): a `sync` at any later time (strictly)
    /// must visit it. `None`: no timer runs (an `Enabled` record without an idle
    /// window).
    #[inline]
    pub(crate) fn deadline(&self, rules: &Rules) -> Option<Nanos> {
        match self {
            Record::Disabled { since, .. } => Some(since.saturating_add(rules.disabled_for)),
            Record::On(on) => {
                let half = on
                    .half_enabled_since
                    .map(|since| since.saturating_add(rules.half_enabled_for));
                let idle = match &on.blocker {
                    Blocker::Drain(Window::Idle { since }) => {
                        Some(since.saturating_add(rules.drain_idle_for))
                    }
                    _ => None,
                };
                match (half, idle) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }
        }
    }
}

impl Ordered {
    /// Removes `job` from the in-flight set and the drain window (idle since
    /// `now()` if that empties it).
    #[inline]
    pub(crate) fn forget(&mut self, job: JobId, now: impl FnOnce() -> Nanos) {
        if let Inflight::Tracked(set) = &mut self.inflight {
            set.remove(job);
        }
        if let Blocker::Drain(window) = &mut self.blocker {
            window.remove(job, now);
        }
    }
}
