//! Test-only fault injection, compiled only with `RUSTFLAGS="--cfg
//! eventorder_inject_bugs"` (a cfg flag, not a Cargo feature, so that no
//! dependency graph can turn it on; `scripts/inject-bugs.sh` sets it).
//!
//! Each [`Bug`] is a realistic defect compiled into the barrier behind
//! `#[cfg(eventorder_inject_bugs)]` (the `bug!` hooks of `src/machine/mod.rs`,
//! a constant `false` otherwise) and switched on at run time, either with [`set`]
//! or with the environment variable `EVENTORDER_INJECT=<name>` (read once, at the
//! first check; empty or unset means no bug). `scripts/inject-bugs.sh` runs the
//! test suites once per bug to show which test catches it. Without the cfg none of
//! this exists, and no shipped type has a field or variant for it.

use std::sync::{
    atomic::{AtomicU8, Ordering},
    Once,
};

/// A deliberate defect of the real barrier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Bug {
    /// R-WAIT: `wait` compares with `!=` where it must compare with `>` (SPEC v2's
    /// rule), so a job older than the failed one is held back.
    WaitWrongComparison = 1,
    /// R-EFF-ABORT: the abort of the failed job opens no drain window.
    NoDrainWindow,
    /// R-SYNC: `sync` skips the last shard, so that shard's queued effects are never
    /// applied (and not counted).
    SyncSkipsLastShard,
    /// R-GC: `enter` leaves an inactive record in place (the Go version's behaviour).
    EnterKeepsInactive,
    /// R-MODE: the `disabled_for` timer compares with `>=` instead of `>`.
    HotTimerOffByOne,
    /// R-EFF-RELEASE: a stale report (another job than the failed one) is taken
    /// for the failed job's own: it clears the failed job (and an `aborted` one
    /// opens a drain window).
    StaleReleaseClearsFailed,
    /// R-EFF-FAILED: a failure on a key with no record is dropped (as queued
    /// effects are), so the key's next jobs are not held back.
    FailureWithoutRecordDropped,
    /// R-EFF-ABORT, in the fast path of `store::fast`: the abort of a key's failed
    /// job clears the key even when a drain window should open.
    FastAbortSkipsDrain,
    /// R-MODE: the predicate spares a key that holds a failed job (it does not
    /// reset its record to `Disabled`), so the failed job keeps blocking the key
    /// while ordering should be off.
    PredicateSparesFailed,
    /// R-EXPIRE: when `sync` turns a `HalfEnabled` key `Enabled`, it also drops
    /// the key's failed job (and so may remove a record that holds one).
    ExpireDropsFailed,
    /// R-SYNC, in the shell (`store`): removing a record by the index bucket its
    /// queued effect remembered, without checking that the bucket still holds the
    /// record's position (buckets move when the index grows), so another key's
    /// record drops out of the index and the removed one stays in it.
    StaleBucketHintTrusted,
    /// R-SYNC, in the shell (`shard`): an effect whose record was removed before
    /// `sync` (its entry an orphan, keeping the key) is skipped like one whose
    /// record `sync` itself removed, so it never reaches the record the key has
    /// now.
    SyncSkipsOrphans,
    /// R-SYNC, in the shell (`store`): a record that `sync` removes leaves its
    /// entry vacant and the slab is compacted at once, as outside `sync`, so the
    /// positions that the rest of the queue names move under it.
    CompactsInSync,
    /// R-RESTART: `recover` keeps only each key's oldest failed job (SPEC v2's
    /// warm start), so a failed job behind an older one is forgotten.
    RecoverOldestOnly,
    /// R-ENTER-FAILED: only the failed job itself is admitted (SPEC v2's rule),
    /// so a job older than the key's failed job is refused.
    EnterRefusesOlder,
    /// R-EFF-FAILED: the key keeps one failed job, the oldest, instead of the
    /// set, so a younger failed job is forgotten once the oldest ends.
    FailedSingleSlot,
    /// R-OFFER: a refused offer does not skip the key for the rest of the round.
    RoundForgetsSkip,
    /// R-CONFIG: `reconfigure` installs the new settings at once instead of at
    /// the next `sync`.
    ReconfigureAtOnce,
    /// Introspection (`Stats`): an `enter` answered without a lock (no record, no
    /// key threshold) is not counted in `entered`, so `stats()` under-counts and
    /// `recover`'s guard, which reads it, misses those calls.
    LockFreeEnterUncounted,
    /// Introspection (`Snapshot`): a record's queued effects are listed grouped by
    /// effect (`Leave` first), not in the order `sync` applies them (R-SYNC).
    SnapshotQueueByEffect,
    /// Introspection (`Snapshot`, `Display`): how long an idle drain window has
    /// left before a `sync` closes it is computed from `disabled_for` instead of
    /// `drain_idle_for` (R-EXPIRE).
    ClosesInWrongTimer,
    /// The split handles: `WorkerHandle::report_all` stops at the first error
    /// (an unsupported state), so the rest of the batch is neither reported nor
    /// answered; `Barrier::report_all` is right.
    HandleReportAllStopsAtError,
    /// R-MODE: `enter` evaluates the `ordering_disabled` predicate twice (the
    /// answer is the same; a predicate that is slow or counts calls sees two).
    PredicateAskedTwice,
}

impl Bug {
    /// Every bug, in a fixed order.
    pub const ALL: [Bug; 23] = [
        Bug::WaitWrongComparison,
        Bug::NoDrainWindow,
        Bug::SyncSkipsLastShard,
        Bug::EnterKeepsInactive,
        Bug::HotTimerOffByOne,
        Bug::StaleReleaseClearsFailed,
        Bug::FailureWithoutRecordDropped,
        Bug::FastAbortSkipsDrain,
        Bug::PredicateSparesFailed,
        Bug::ExpireDropsFailed,
        Bug::StaleBucketHintTrusted,
        Bug::SyncSkipsOrphans,
        Bug::CompactsInSync,
        Bug::RecoverOldestOnly,
        Bug::EnterRefusesOlder,
        Bug::FailedSingleSlot,
        Bug::RoundForgetsSkip,
        Bug::ReconfigureAtOnce,
        Bug::LockFreeEnterUncounted,
        Bug::SnapshotQueueByEffect,
        Bug::ClosesInWrongTimer,
        Bug::HandleReportAllStopsAtError,
        Bug::PredicateAskedTwice,
    ];

    /// The name `EVENTORDER_INJECT` takes (the variant name).
    pub fn name(self) -> &'static str {
        match self {
            Bug::WaitWrongComparison => "WaitWrongComparison",
            Bug::NoDrainWindow => "NoDrainWindow",
            Bug::SyncSkipsLastShard => "SyncSkipsLastShard",
            Bug::EnterKeepsInactive => "EnterKeepsInactive",
            Bug::HotTimerOffByOne => "HotTimerOffByOne",
            Bug::StaleReleaseClearsFailed => "StaleReleaseClearsFailed",
            Bug::FailureWithoutRecordDropped => "FailureWithoutRecordDropped",
            Bug::FastAbortSkipsDrain => "FastAbortSkipsDrain",
            Bug::PredicateSparesFailed => "PredicateSparesFailed",
            Bug::ExpireDropsFailed => "ExpireDropsFailed",
            Bug::StaleBucketHintTrusted => "StaleBucketHintTrusted",
            Bug::SyncSkipsOrphans => "SyncSkipsOrphans",
            Bug::CompactsInSync => "CompactsInSync",
            Bug::RecoverOldestOnly => "RecoverOldestOnly",
            Bug::EnterRefusesOlder => "EnterRefusesOlder",
            Bug::FailedSingleSlot => "FailedSingleSlot",
            Bug::RoundForgetsSkip => "RoundForgetsSkip",
            Bug::ReconfigureAtOnce => "ReconfigureAtOnce",
            Bug::LockFreeEnterUncounted => "LockFreeEnterUncounted",
            Bug::SnapshotQueueByEffect => "SnapshotQueueByEffect",
            Bug::ClosesInWrongTimer => "ClosesInWrongTimer",
            Bug::HandleReportAllStopsAtError => "HandleReportAllStopsAtError",
            Bug::PredicateAskedTwice => "PredicateAskedTwice",
        }
    }

    /// Whether the bug lives in the fast paths (`store::fast` and the shell's
    /// fast handling of their outcomes), which must then stay on for the suites
    /// to meet it; under any other bug the fast paths step aside (see
    /// `store::fast`).
    pub fn in_fast_paths(self) -> bool {
        matches!(
            self,
            Bug::FastAbortSkipsDrain
                | Bug::StaleBucketHintTrusted
                | Bug::SyncSkipsOrphans
                | Bug::CompactsInSync
        )
    }

    /// The bug of that name, if any.
    pub fn from_name(name: &str) -> Option<Bug> {
        Bug::ALL.into_iter().find(|b| b.name() == name)
    }
}

static ACTIVE: AtomicU8 = AtomicU8::new(0);
static FROM_ENV: Once = Once::new();

fn init_from_env() {
    FROM_ENV.call_once(|| {
        if let Some(name) = std::env::var("EVENTORDER_INJECT")
            .ok()
            .filter(|n| !n.is_empty())
        {
            let bug = Bug::from_name(&name)
                .unwrap_or_else(|| panic!("EVENTORDER_INJECT={name:?}: no such bug"));
            ACTIVE.store(bug as u8, Ordering::SeqCst);
        }
    });
}

/// Switches `bug` on (or every bug off with `None`) for the whole process.
pub fn set(bug: Option<Bug>) {
    init_from_env();
    ACTIVE.store(bug.map_or(0, |b| b as u8), Ordering::SeqCst);
}

/// The bug switched on, if any.
pub fn current() -> Option<Bug> {
    init_from_env();
    let active = ACTIVE.load(Ordering::Relaxed);
    Bug::ALL.into_iter().find(|&b| b as u8 == active)
}

/// Whether `bug` is switched on.
pub fn active(bug: Bug) -> bool {
    current() == Some(bug)
}
