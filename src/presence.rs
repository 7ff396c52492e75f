//! [`Presence`]: what a call may learn about a shard without taking its lock.

use std::sync::atomic::Ordering;

use crate::{
    machine::{Nanos, Record},
    store::Stored,
    sync::{AtomicBool, AtomicU64},
};

/// Hash slots per shard in a [`Presence`] (a power of two).
pub(crate) const PRESENCE_SLOTS: usize = 512;

/// What a call may learn about a shard without taking its lock: for every hash
/// slot, how many of the shard's records fall in it and how many of those hold a
/// failed job (two counting filters in one word), and whether the shard's queue
/// holds effects, and the earliest time at which one of its records' timers
/// runs out (R-EXPIRE).
///
/// The failed-job count serves `wait` and `peek`: without a failed job a record
/// never makes a worker wait (R-WAIT) nor has anything to peek (R-PEEK), so a zero
/// count answers them as a zero record count answers the others.
///
/// Written only with the shard lock held, each count in the same critical section
/// as the table insert or removal it counts, just *before* it (the transition's
/// result is known by then); the queue flag right after a push or after `sync`
/// drained the queue; the deadline whenever the shard's earliest one changes.
/// Read with no lock.
///
/// Why a zero count may answer "no record": a call that finds a zero count is
/// linearized at its load. An insert raises the count (a release store) before the
/// record is in the table and before the lock is released, so a call that loads
/// the old zero is ordered before the inserting call, which had not happened yet
/// for anyone: nobody can see the record, with or without the lock, before the
/// count says so. A removal lowers the count while the removing call still holds
/// the lock and will finish removing; a call that loads the new zero is ordered
/// after the removing call, whose result it then sees ("no record"), and every
/// call that takes the lock after it finds the record gone too. A call that
/// happens after an insert (through the lock, or any synchronisation of the
/// caller's) sees a non-zero count. A non-zero count may be another key's (a
/// false positive): the call then takes the lock as usual. A `sync` that finds no
/// queued effect and no deadline before its time skips the shard: it would have
/// changed nothing in it, and a timer set after the load is ordered after that
/// `sync`.
///
/// Aligned to its own cache lines: it is read by every call and written only when
/// a record is made or removed or an effect queued, so the lock's line, which every
/// locked call writes, does not invalidate it.
#[repr(align(128))]
pub(crate) struct Presence {
    queued: AtomicBool,
    /// The shard's earliest R-EXPIRE deadline ([`u64::MAX`]: none).
    next_due: AtomicU64,
    /// Per hash slot: records in the low 32 bits, records with a failed job in the
    /// high 32 bits (see [`held`]).
    counts: [AtomicU64; PRESENCE_SLOTS],
}

/// What a stored record (or an entry without one) adds to its [`Presence`] count.
#[inline]
pub(crate) fn held_stored(stored: &Stored) -> u64 {
    if stored.is_record() {
        1 | u64::from(stored.holds_workers()) << 32
    } else {
        0
    }
}

/// What a record (or its absence) adds to its [`Presence`] count: one record, and
/// one more in the high half if it holds workers ([`Record::holds_workers`]).
#[inline]
pub(crate) fn held(record: Option<&Record>) -> u64 {
    record.map_or(0, |r| 1 | u64::from(r.holds_workers()) << 32)
}

impl Presence {
    pub(crate) fn new() -> Self {
        Presence {
            queued: AtomicBool::new(false),
            next_due: AtomicU64::new(u64::MAX),
            counts: [const { AtomicU64::new(0) }; PRESENCE_SLOTS],
        }
    }

    fn slot(&self, hash: u64) -> &AtomicU64 {
        // The low bits: the shard is chosen from bits 32 and up.
        &self.counts[hash as usize & (PRESENCE_SLOTS - 1)]
    }

    /// Whether a record of a key with this hash may exist (no lock needed).
    #[inline]
    pub(crate) fn may_hold(&self, hash: u64) -> bool {
        self.slot(hash).load(Ordering::Acquire) as u32 != 0
    }

    /// Whether a record with a failed job, of a key with this hash, may exist (no
    /// lock needed).
    #[inline]
    pub(crate) fn may_block(&self, hash: u64) -> bool {
        self.slot(hash).load(Ordering::Acquire) >> 32 != 0
    }

    /// Whether the shard's queue may hold effects (no lock needed).
    #[inline]
    pub(crate) fn may_have_queued(&self) -> bool {
        self.queued.load(Ordering::Acquire)
    }

    /// Whether a record's timer may have run out by `now()` (no lock needed;
    /// `now` is called only if the shard has a timer at all).
    #[inline]
    pub(crate) fn may_be_due(&self, now: impl FnOnce() -> Nanos) -> bool {
        let due = self.next_due.load(Ordering::Acquire);
        due != u64::MAX && due < now()
    }

    /// Under the shard lock: the shard's earliest deadline is now `next`.
    #[inline]
    pub(crate) fn set_next_due(&self, next: Option<Nanos>) {
        let next = next.unwrap_or(u64::MAX);
        if self.next_due.load(Ordering::Relaxed) != next {
            self.next_due.store(next, Ordering::Release);
        }
    }

    /// Under the shard lock: a key's record went from `before` to `after` (values
    /// of [`held`]).
    #[inline]
    pub(crate) fn update(&self, hash: u64, before: u64, after: u64) {
        if before != after {
            let slot = self.slot(hash);
            slot.store(
                slot.load(Ordering::Relaxed) - before + after,
                Ordering::Release,
            );
        }
    }

    /// The counts as stored.
    #[cfg(test)]
    pub(crate) fn loaded(&self) -> Vec<u64> {
        self.counts
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect()
    }

    /// Under the shard lock: whether the queue holds effects now.
    #[inline]
    pub(crate) fn set_queued(&self, queued: bool) {
        if self.queued.load(Ordering::Relaxed) != queued {
            self.queued.store(queued, Ordering::Release);
        }
    }
}
