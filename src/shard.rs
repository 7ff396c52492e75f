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

use hashbrown::{hash_table::Entry, HashTable};

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
                }
                step
            }
        }
    }

    /// Applies every queued effect in order (R-SYNC); returns how many. `on_notes`
    /// sees what each effect did (for tracing), under the shard lock.
    pub(crate) fn apply_queue(&mut self, mut on_notes: impl FnMut(&K, Notes)) -> usize {
        let mut queue = std::mem::take(&mut self.queue);
        let applied = queue.len();
        for q in queue.drain(..) {
            let step = self.transition(q.hash, &q.key, |record, rules| {
                crate::machine::transitions::apply(record, q.job, q.effect, rules)
            });
            self.stats.note(step.notes);
            on_notes(&q.key, step.notes);
        }
        // Keep the queue's storage for the next round, unless a burst made it large.
        if queue.capacity() <= 4096 && self.queue.is_empty() {
            self.queue = queue;
        }
        applied
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
