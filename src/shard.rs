//! One shard of the barrier: a lock around a slice of the keys, their queued
//! effects, a copy of the rules and the shard's counters.
//!
//! # Implementation Details
//!
//! A key lives in exactly one shard, chosen from its hash, so everything about a
//! key (its record and its queued effects) is under one lock. Each shard's effect
//! queue is FIFO, so a key's effects apply in the order they were queued (R-SYNC);
//! effects of different keys commute, so the order between shards does not matter.
//!
//! The rules are copied into every shard (and replaced shard by shard by
//! `reconfigure`), so a call reads them under the lock it already holds: no extra
//! synchronisation on the hot path, and no call sees half of a new configuration.
//!
//! Beside its lock, every shard has a [`Presence`]: how many of its records fall in
//! each of [`PRESENCE_SLOTS`] hash slots, and whether its queue holds effects. Both
//! are atomics written only under the shard lock (so plain loads and stores, never
//! a read-modify-write) and read without it, so that a call on a key with no record
//! (the common case: most keys hold nothing) and a `sync` with nothing queued in a
//! shard need no lock at all. See [`Presence`] for why that is linearizable.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use hashbrown::{hash_table::Entry, HashTable};
use parking_lot::Mutex;

use crate::{
    machine::{Applied, Notes, Record, Rules, Step},
    stats::Stats,
    JobId, Location,
};

/// An effect waiting for the next `sync` (R-STATE-QUEUE).
pub(crate) struct Queued<K> {
    pub(crate) hash: u64,
    pub(crate) key: K,
    pub(crate) job: JobId,
    pub(crate) effect: Applied,
}

/// A shard: its lock, and what can be read of it without the lock.
pub(crate) struct ShardCell<K> {
    pub(crate) lock: Mutex<Shard<K>>,
    pub(crate) presence: Presence,
}

impl<K: Eq + Clone> ShardCell<K> {
    pub(crate) fn new(rules: Rules, panic_on_illegal_sequence: bool) -> Self {
        ShardCell {
            lock: Mutex::new(Shard::new(rules, panic_on_illegal_sequence)),
            presence: Presence::new(),
        }
    }
}

/// Hash slots per shard in a [`Presence`] (a power of two).
pub(crate) const PRESENCE_SLOTS: usize = 512;

/// What a call may learn about a shard without taking its lock: for every hash
/// slot, how many of the shard's records fall in it (a counting filter), and
/// whether the shard's queue holds effects.
///
/// Written only with the shard lock held, each count right after the table insert
/// or removal it counts, and the queue flag right after a push or after `sync`
/// drained the queue; read with no lock. A zero count means that no key of that
/// slot had a record at the moment of the load: an insert is published by the
/// count's store (release), before the lock that made it is released, so no one
/// can see the record, with or without the lock, before the count says so; a
/// removal is published by its store too. So a call that finds a zero count can
/// answer "no record" at that moment (its linearization point), exactly as if it
/// had taken the lock and found nothing, and a call that happens after the
/// insert (through the lock, or any synchronisation of the caller's) sees a
/// non-zero count. A non-zero count may be another key's (a false positive): the
/// call then takes the lock as usual.
///
/// Aligned to its own cache lines: it is read by every call and written only when
/// a record is made or removed or an effect queued, so the lock's line, which every
/// locked call writes, does not invalidate it.
#[repr(align(128))]
pub(crate) struct Presence {
    queued: AtomicBool,
    counts: [AtomicU32; PRESENCE_SLOTS],
}

impl Presence {
    fn new() -> Self {
        Presence {
            queued: AtomicBool::new(false),
            counts: [const { AtomicU32::new(0) }; PRESENCE_SLOTS],
        }
    }

    fn slot(&self, hash: u64) -> &AtomicU32 {
        // The low bits: the shard is chosen from bits 32 and up.
        &self.counts[hash as usize & (PRESENCE_SLOTS - 1)]
    }

    /// Whether a record of a key with this hash may exist (no lock needed).
    #[inline]
    pub(crate) fn may_hold(&self, hash: u64) -> bool {
        self.slot(hash).load(Ordering::Acquire) != 0
    }

    /// Whether the shard's queue may hold effects (no lock needed).
    #[inline]
    pub(crate) fn may_have_queued(&self) -> bool {
        self.queued.load(Ordering::Acquire)
    }

    /// Under the shard lock: a record was inserted.
    fn inserted(&self, hash: u64) {
        let slot = self.slot(hash);
        slot.store(slot.load(Ordering::Relaxed) + 1, Ordering::Release);
    }

    /// Under the shard lock: a record was removed.
    fn removed(&self, hash: u64) {
        let slot = self.slot(hash);
        slot.store(slot.load(Ordering::Relaxed) - 1, Ordering::Release);
    }

    /// Under the shard lock: whether the queue holds effects now.
    fn set_queued(&self, queued: bool) {
        if self.queued.load(Ordering::Relaxed) != queued {
            self.queued.store(queued, Ordering::Release);
        }
    }
}

/// The state behind one shard lock.
pub(crate) struct Shard<K> {
    /// The records of this shard's keys, each stored with its hash.
    pub(crate) table: HashTable<Slot<K>>,
    /// Effects queued since the last `sync`, in the order queued.
    pub(crate) queue: Vec<Queued<K>>,
    /// The settings in force for this shard.
    pub(crate) rules: Rules,
    /// Panic instead of reporting an illegal sequence.
    pub(crate) panic_on_illegal_sequence: bool,
    /// Cumulative counters.
    pub(crate) stats: Stats,
}

/// A record and its key (and the key's hash, so the table never rehashes a key).
pub(crate) struct Slot<K> {
    pub(crate) hash: u64,
    pub(crate) key: K,
    pub(crate) record: Record,
}

impl<K: Eq + Clone> Shard<K> {
    pub(crate) fn new(rules: Rules, panic_on_illegal_sequence: bool) -> Self {
        Shard {
            table: HashTable::new(),
            queue: Vec::new(),
            rules,
            panic_on_illegal_sequence,
            stats: Stats::default(),
        }
    }

    /// The key's record, if any.
    pub(crate) fn get(&self, hash: u64, key: &K) -> Option<&Record> {
        self.table
            .find(hash, |slot| slot.key == *key)
            .map(|slot| &slot.record)
    }

    /// Runs a transition on the key's record and stores its result: keeps, replaces,
    /// creates (cloning the key only then) or removes the record (R-GC).
    pub(crate) fn transition<A>(
        &mut self,
        presence: &Presence,
        hash: u64,
        key: &K,
        f: impl FnOnce(Option<Record>, &Rules) -> Step<A>,
    ) -> Step<A> {
        let rules = self.rules;
        match self
            .table
            .entry(hash, |slot| slot.key == *key, |slot| slot.hash)
        {
            Entry::Occupied(mut occupied) => {
                let record = std::mem::take(&mut occupied.get_mut().record);
                let mut step = f(Some(record), &rules);
                match step.record.take() {
                    Some(record) => occupied.get_mut().record = record,
                    None => {
                        occupied.remove();
                        presence.removed(hash);
                    }
                }
                step
            }
            Entry::Vacant(vacant) => {
                let mut step = f(None, &rules);
                if let Some(record) = step.record.take() {
                    vacant.insert(Slot {
                        hash,
                        key: key.clone(),
                        record,
                    });
                    presence.inserted(hash);
                }
                step
            }
        }
    }

    /// Applies every queued effect in order (R-SYNC); returns how many. `on_notes`
    /// sees what each effect did (for tracing), under the shard lock.
    pub(crate) fn apply_queue(
        &mut self,
        presence: &Presence,
        mut on_notes: impl FnMut(&K, Notes),
    ) -> usize {
        let mut queue = std::mem::take(&mut self.queue);
        let applied = queue.len();
        for q in queue.drain(..) {
            let step = self.transition(presence, q.hash, &q.key, |record, rules| {
                crate::machine::transitions::apply(record, q.job, q.effect, rules)
            });
            self.stats.note(step.notes);
            on_notes(&q.key, step.notes);
        }
        // Keep the queue's storage for the next round, unless a burst made it large.
        if queue.capacity() <= 4096 && self.queue.is_empty() {
            self.queue = queue;
        }
        presence.set_queued(!self.queue.is_empty());
        applied
    }

    /// Queues an effect for the next `sync`.
    pub(crate) fn push(&mut self, presence: &Presence, queued: Queued<K>) {
        self.queue.push(queued);
        presence.set_queued(true);
    }

    /// Counts what a step did; returns its illegal-sequence location, if any.
    pub(crate) fn count<A>(&mut self, step: &Step<A>) -> Option<Location> {
        if !step.notes.is_empty() {
            self.stats.note(step.notes);
        }
        let location = step.illegal.map(|v| v.location);
        if let Some(location) = location {
            self.stats.illegal(location);
        }
        location
    }
}

impl Stats {
    pub(crate) fn note(&mut self, notes: Notes) {
        if notes.is_empty() {
            return;
        }
        if notes.contains(Notes::WENT_HOT) {
            self.keys_gone_hot += 1;
        }
        if notes.contains(Notes::RE_ENABLED) {
            self.keys_re_enabled += 1;
        }
        if notes.contains(Notes::FAILURE_RECORDED) {
            self.failures_recorded += 1;
        }
        if notes.contains(Notes::DRAIN_OPENED) {
            self.drains_opened += 1;
        }
    }
}
