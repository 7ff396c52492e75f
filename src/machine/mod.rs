//! The per-key state machine: pure data and pure transitions.
//!
//! # Implementation Details
//!
//! A key either has no record or a [`Record`]: `Disabled` (ordering off; the
//! record holds nothing else) or `On` (an [`Ordered`] record: `Enabled` or
//! `HalfEnabled`, with a blocker and an in-flight set):
//!
//! ```text
//!   mode:      Enabled ──(in-flight ≥ key_threshold at enter: reset)──▶ Disabled{since}
//!                 ▲                                                 │ enter or sync,
//!                 │                                                 │ now-since > disabled_for
//!                 └── enter or sync, now-since > half_enabled_for ── HalfEnabled{since}
//!              (any record ──(ordering_disabled(key) at enter: reset)──▶ Disabled{now})
//!
//!   blocker:   Clear ──failed(j)──▶ Failed{j} ──aborted(j), drain_limit>0──▶ Drain(Idle{now})
//!                ▲                     │ succeeded/filtered/aborted(j)          │
//!                └─────────────────────┴──── any succeeded/filtered/aborted ────┤
//!                └───────── sync, idle for longer than drain_idle_for ──────────┘
//!              (failed(k) turns a Drain into Failed{k} and adds k to a Failed set;
//!               a set of several loses a job at its end, and blocks by its oldest)
//!   window:    Idle{since} ──enter(j)──▶ Holding{j,..} ──last job leaves──▶ Idle{now}
//!
//!   inflight:  Untracked | Tracked(set)   (tracked only for records `enter` made,
//!                                          or a reset left, while key_threshold > 0)
//! ```
//!
//! SPEC.md's invariants are in the types (see [`record`]): a `Disabled` record
//! has no field for a failed job, a window or in-flight jobs; [`Blocker`] holds a
//! failed job or a drain window, never both; a [`Window`] is idle (with the time
//! since when) exactly when it holds no job.
//!
//! Every transition in [`transitions`] is a pure function of the record (or its
//! absence), the input, the time `now` (nanoseconds on the barrier's own timeline)
//! and the [`Rules`]. It returns the new record (`None` means "remove it": R-GC),
//! the answer, and notes worth counting. Nothing here locks,
//! reads a clock or calls back into user code: the `ordering_disabled` predicate
//! reaches [`transitions::enter`] as its answer, a `bool`.
//!
//! R-EXPIRE's [`transitions::expire`] is a transition like the others; the shell
//! finds the records it must visit from [`Record::deadline`], without a scan.
//!
//! # Where each rule lives
//!
//! Every rule of SPEC.md is decided here; the shell (`barrier`, `shard`, `store`)
//! only locks, stores, queues and calls. Where the shell answers without a lock,
//! it gives the answer of the transition named here for a key with no record
//! (see `presence` for why that is the same answer).
//!
//! | rule | decided by | carried out by the shell in |
//! |---|---|---|
//! | R-ENTER-1 | [`transitions::creates_record_on_enter`], [`transitions::enter_without_record`], [`transitions::enter`] | `Barrier::enter` (lock-free when no record is made) |
//! | R-MODE | [`transitions::asks_predicate`], [`transitions::refresh_mode`] (reset, then one timer step) | `Barrier::enter` asks the predicate, passes its answer |
//! | R-ENTER-DISABLED, R-ENTER-HOT, R-ENTER-DRAIN, R-ENTER-FAILED, R-ENTER-TRACK | [`transitions::enter`] | `Barrier::enter` |
//! | R-WAIT | [`transitions::wait`], [`Record::holds_workers`] | `Barrier::wait` (lock-free when no record holds workers) |
//! | R-STATE-SUPPORTED | [`Applied::of`] | `Barrier::state_changed` |
//! | R-STATE-QUEUE | [`Applied::is_queued`], [`Applied::kept_in_queue`] | `Barrier::state_changed`, `Shard::queue_effect` |
//! | R-EFF-LEAVE, R-EFF-FAILED, R-EFF-RELEASE, R-EFF-ABORT, R-LEAVE | [`transitions::apply`] | `Barrier::state_changed`, `Barrier::leave`, `Shard::sync` |
//! | R-SYNC | (the order: queue order per shard) | `Shard::sync` |
//! | R-EXPIRE | [`transitions::expire`], [`Record::deadline`] | `Shard::sync` visits the due records from the `store::timers` heap |
//! | R-PEEK | [`transitions::peek`], [`Record::holds_workers`] | `Barrier::peek` |
//! | R-DISABLED | [`transitions::is_disabled`] | `Barrier::is_disabled` |
//! | R-SIZE | (the number of records) | `Barrier::size` |
//! | R-GC | [`Record::is_inactive`], [`Step::collect`] | every transition's `Step` says whether the record stays |
//! | R-ILLEGAL | (v3 reports none: no transition produces one) | the observer and the panic policy are kept, never called |
//! | R-CONFIG | [`Rules`] (read by every transition at its call) | `Barrier::reconfigure` leaves a pending change; the next `Barrier::sync` installs it in every shard before it applies anything, deadlines rescheduled |
//! | R-RESTART (section 1, the caller's warm start) | R-EFF-FAILED's [`transitions::apply`], in any order | `Barrier::recover` reports each persisted failed job |
//! | R-ROUND, R-OFFER | `round` (the skip set and the last offer per key; `enter`, `leave` above) | `PickupHandle::round`, `Round` |
//!
//! The fast paths of `store::fast` restate R-ENTER-1, R-ENTER-TRACK, R-LEAVE,
//! R-EFF-RELEASE and R-EFF-ABORT for the two unboxed record shapes; their tests
//! compare them with the transitions here case by case, and
//! `spec/transitions.txt` lists every case (see `matrix`).

/// `bug!(Name)`: whether the test-only injected bug `Name` (`src/inject.rs`) is
/// switched on; `false`, a constant the compiler folds away, without
/// `--cfg eventorder_inject_bugs`. Every hook is one expression inside the rule it
/// breaks.
macro_rules! bug {
    ($name:ident) => {{
        #[cfg(eventorder_inject_bugs)]
        let on = crate::__inject::active(crate::__inject::Bug::$name);
        #[cfg(not(eventorder_inject_bugs))]
        let on = false;
        on
    }};
}
pub(crate) use bug;

mod jobset;
pub(crate) mod record;
pub(crate) mod transitions;

#[cfg(test)]
mod tests;

pub(crate) use jobset::JobSet;
pub(crate) use record::{Blocker, Inflight, Mode, Ordered, Record, Window};

/// Nanoseconds on the barrier's own timeline (0 = when the barrier was built).
pub(crate) type Nanos = u64;

/// The time of the current call, read from the clock at most once and only if a
/// transition needs it (a key with no record or an `Enabled` record never does:
/// the hot path does not pay for a clock read).
pub(crate) struct Now<'a> {
    read: &'a dyn Fn() -> Nanos,
    cached: std::cell::Cell<Option<Nanos>>,
}

impl<'a> Now<'a> {
    /// A lazily read time.
    pub(crate) fn lazy(read: &'a dyn Fn() -> Nanos) -> Self {
        Now {
            read,
            cached: std::cell::Cell::new(None),
        }
    }

    /// A time already read (`sync` reads it once for all its transitions).
    pub(crate) fn at(time: Nanos) -> Now<'static> {
        Now {
            read: &never,
            cached: std::cell::Cell::new(Some(time)),
        }
    }

    /// The time, reading the clock on first use.
    pub(crate) fn get(&self) -> Nanos {
        match self.cached.get() {
            Some(t) => t,
            None => {
                let t = (self.read)();
                self.cached.set(Some(t));
                t
            }
        }
    }
}

/// The reader of a [`Now::at`], which never runs.
fn never() -> Nanos {
    unreachable!("a fixed time is never read")
}

/// Things worth counting or tracing that a transition did (a small bit set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Notes(u8);

impl Notes {
    /// R-ENTER-HOT: the key went hot.
    pub(crate) const WENT_HOT: Notes = Notes(1);
    /// R-MODE: `Disabled` turned `HalfEnabled`.
    pub(crate) const HALF_ENABLED: Notes = Notes(1 << 1);
    /// R-MODE: `HalfEnabled` turned `Enabled`: the key came back.
    pub(crate) const RE_ENABLED: Notes = Notes(1 << 2);
    /// R-EFF-FAILED: a failed job was recorded (or kept).
    pub(crate) const FAILURE_RECORDED: Notes = Notes(1 << 3);
    /// R-EFF-ABORT: a drain window opened.
    pub(crate) const DRAIN_OPENED: Notes = Notes(1 << 4);
    /// A drain window closed.
    pub(crate) const DRAIN_CLOSED: Notes = Notes(1 << 5);
    /// R-MODE: the caller's predicate turned ordering off.
    pub(crate) const PREDICATE_DISABLED: Notes = Notes(1 << 6);
    /// R-EXPIRE: an idle drain window closed at `sync`.
    pub(crate) const WINDOW_EXPIRED: Notes = Notes(1 << 7);

    pub(crate) fn contains(self, other: Notes) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for Notes {
    type Output = Notes;
    fn bitor(self, rhs: Notes) -> Notes {
        Notes(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for Notes {
    fn bitor_assign(&mut self, rhs: Notes) {
        self.0 |= rhs.0;
    }
}

/// The settings a transition reads (SPEC.md section 2), timers in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rules {
    pub(crate) drain_limit: usize,
    pub(crate) key_threshold: usize,
    pub(crate) disabled_for: Nanos,
    pub(crate) half_enabled_for: Nanos,
    pub(crate) drain_idle_for: Nanos,
}

/// The effects `state_changed` applies (all but `Fail` are queued until `sync`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Applied {
    /// R-EFF-LEAVE (`waiting`) and R-LEAVE.
    Leave,
    /// R-EFF-FAILED (`failed`).
    Fail,
    /// R-EFF-RELEASE (`succeeded`, `filtered`).
    Release,
    /// R-EFF-ABORT (`aborted`).
    Abort,
}

impl Applied {
    /// R-STATE-SUPPORTED: the effect of a reported state, or `None` for a state
    /// the barrier does not take (an `UnsupportedState` error, no effect).
    #[inline]
    pub(crate) fn of(effect: crate::Effect) -> Option<Applied> {
        match effect {
            crate::Effect::Unsupported => None,
            crate::Effect::Fail => Some(Applied::Fail),
            crate::Effect::Leave => Some(Applied::Leave),
            crate::Effect::Release => Some(Applied::Release),
            crate::Effect::Abort => Some(Applied::Abort),
        }
    }

    /// The public name of the effect (for [`crate::Snapshot`]).
    pub(crate) fn public(self) -> crate::Effect {
        match self {
            Applied::Leave => crate::Effect::Leave,
            Applied::Fail => crate::Effect::Fail,
            Applied::Release => crate::Effect::Release,
            Applied::Abort => crate::Effect::Abort,
        }
    }

    /// R-STATE-QUEUE: whether the effect waits for the next `sync` (all but
    /// `failed`, which takes effect at once). A queued effect is kept only if the
    /// key has a record when it is reported, and dropped otherwise (it would
    /// change nothing): [`Applied::kept_in_queue`].
    #[inline]
    pub(crate) fn is_queued(self) -> bool {
        self != Applied::Fail
    }

    /// R-STATE-QUEUE: whether a queued effect reported for a key is kept until
    /// `sync`: only if the key has a record then.
    #[inline]
    pub(crate) fn kept_in_queue(has_record: bool) -> bool {
        has_record
    }
}

/// A transition's result: the record to keep (`None`: no record), the answer and
/// what is worth counting. (SPEC v3 reports no illegal sequence, R-ILLEGAL, so a
/// step carries none.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Step<A> {
    pub(crate) record: Option<Record>,
    pub(crate) answer: A,
    pub(crate) notes: Notes,
}

impl<A> Step<A> {
    /// R-GC: an inactive record is removed at the end of the operation.
    #[inline]
    pub(crate) fn collect(record: Record, answer: A) -> Self {
        Self::collect_unless(false, record, answer)
    }

    /// [`Step::collect`], or, if `keep`, the record kept even when inactive (only
    /// for an injected bug).
    #[inline]
    pub(crate) fn collect_unless(keep: bool, record: Record, answer: A) -> Self {
        Step {
            record: (keep || !record.is_inactive()).then_some(record),
            answer,
            notes: Notes::default(),
        }
    }

    /// No record before, none after.
    #[inline]
    pub(crate) fn absent(answer: A) -> Self {
        Step {
            record: None,
            answer,
            notes: Notes::default(),
        }
    }

    /// Adds notes.
    #[inline]
    pub(crate) fn noting(mut self, notes: Notes) -> Self {
        self.notes |= notes;
        self
    }
}
