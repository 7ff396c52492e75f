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
//! each of [`PRESENCE_SLOTS`](crate::presence::PRESENCE_SLOTS) hash slots, and whether its queue holds effects. Both
//! are atomics written only under the shard lock (so plain loads and stores, never
//! a read-modify-write) and read without it, so that a call on a key with no record
//! (the common case: most keys hold nothing) and a `sync` with nothing queued in a
//! shard need no lock at all. See [`Presence`] for why that is linearizable.

use std::hash::Hash;

pub(crate) use crate::presence::Presence;
use crate::{
    hashing::KeyHasher,
    machine::{transitions, Applied, Nanos, Notes, Now, Record, Rules, Step},
    presence::{held, held_stored},
    stats::Stats,
    store::{
        fast::{self, Outcome},
        Removal, Slot, Store, Stored,
    },
    sync::Mutex,
    JobId,
};

/// An effect waiting for the next `sync` (R-STATE-QUEUE).
///
/// It names its key by the slab position of the key's record when the effect was
/// queued (the key had a record then, or the effect would have been dropped), not
/// by a clone of the key: queueing costs no reference count, and `sync` needs no
/// lookup. The position keeps its key until the queue is applied (see
/// [`Store`]); if the record was removed meanwhile, the effect applies to whatever
/// the key holds by then, exactly as if it had kept the key.
pub(crate) struct Queued {
    pub(crate) hash: u64,
    /// The slab position of the key's record when the effect was queued.
    pub(crate) at: u32,
    /// The index bucket the position was found in then (a hint, see [`Store`]).
    pub(crate) bucket: usize,
    pub(crate) job: JobId,
    pub(crate) effect: Applied,
}

/// A shard: its lock, and what can be read of it without the lock.
pub(crate) struct ShardCell<K> {
    pub(crate) lock: Mutex<Shard<K>>,
    pub(crate) presence: Presence,
}

impl<K: Hash + Eq + Clone> ShardCell<K> {
    pub(crate) fn new(rules: Rules, panic_on_illegal_sequence: bool, hasher: KeyHasher) -> Self {
        ShardCell {
            lock: Mutex::new(Shard::new(rules, panic_on_illegal_sequence, hasher)),
            presence: Presence::new(),
        }
    }
}

/// The state behind one shard lock.
pub(crate) struct Shard<K> {
    /// The records of this shard's keys.
    pub(crate) store: Store<K>,
    /// Effects queued since the last `sync`, in the order queued.
    pub(crate) queue: Vec<Queued>,
    /// The settings in force for this shard.
    pub(crate) rules: Rules,
    /// Panic instead of reporting an illegal sequence.
    pub(crate) panic_on_illegal_sequence: bool,
    /// Cumulative counters.
    pub(crate) stats: Stats,
    /// Positions whose deadlines came due, kept between syncs for its storage.
    due: Vec<u32>,
}

impl<K: Hash + Eq + Clone> Shard<K> {
    pub(crate) fn new(rules: Rules, panic_on_illegal_sequence: bool, hasher: KeyHasher) -> Self {
        Shard {
            store: Store::new(hasher),
            queue: Vec::new(),
            rules,
            panic_on_illegal_sequence,
            stats: Stats::default(),
            due: Vec::new(),
        }
    }

    /// Whether the key has a record.
    #[inline]
    pub(crate) fn has(&self, hash: u64, key: &K) -> bool {
        self.store.find(hash, key).is_some()
    }

    /// Calls `f` with the key's record, borrowed, or `None`: for the read-only
    /// calls (`wait`, `peek`, `is_disabled`), which need no copy of it.
    #[inline]
    pub(crate) fn read<R>(&self, hash: u64, key: &K, f: impl FnOnce(Option<&Record>) -> R) -> R {
        match self.store.find(hash, key) {
            Some(at) => self.store.view(at, |record| f(Some(record))),
            None => f(None),
        }
    }

    /// How a record removed now leaves its entry: an orphan if effects are queued
    /// (they may name its position), else vacant.
    #[inline]
    fn removal(&self) -> Removal {
        if self.queue.is_empty() {
            Removal::Vacate
        } else {
            Removal::Orphan
        }
    }

    /// Runs a transition on the key's record and stores its result: keeps, replaces,
    /// creates (cloning the key only then) or removes the record (R-GC).
    #[inline]
    pub(crate) fn transition<A>(
        &mut self,
        presence: &Presence,
        hash: u64,
        key: &K,
        f: impl FnOnce(Option<Record>, &Rules) -> Step<A>,
    ) -> Step<A> {
        let at = self.store.find(hash, key);
        let removal = self.removal();
        self.transition_found(presence, hash, key, at, removal, f)
    }

    /// [`Shard::transition`] through `fast` (see [`crate::store::fast`]), if it
    /// covers the case: then returns `Ok`, and carries out its outcome. Otherwise
    /// returns where the key's record is (`Err(None)`: it has none), changing
    /// nothing, for [`Shard::transition_general`]. One lookup in the index finds
    /// the record or the place to make one.
    ///
    /// The general transition is not an argument: its closure (and what it
    /// captures) is built only on the rare path that needs it.
    #[inline(always)]
    pub(crate) fn transition_fast(
        &mut self,
        presence: &Presence,
        hash: u64,
        key: &K,
        fast: impl FnOnce(Option<&Stored>, &Rules) -> Option<Outcome>,
    ) -> Result<(), Option<u32>> {
        let rules = &self.rules;
        let (at, bucket) = match self.store.slot(hash, key) {
            Slot::Found(at, bucket) => (at, bucket),
            Slot::Vacant(vacant) => {
                return match fast(None, rules) {
                    Some(Outcome::Keep) => Ok(()),
                    Some(Outcome::Create(stored)) => {
                        presence.update(hash, 0, held_stored(&stored));
                        // The fast shapes have no timer: nothing to schedule.
                        vacant.insert(key.clone(), stored);
                        Ok(())
                    }
                    Some(Outcome::Remove) => unreachable!("a fast path removed no record"),
                    None => Err(None),
                };
            }
        };
        match fast(Some(self.store.stored(at)), &self.rules) {
            Some(Outcome::Keep) => Ok(()),
            Some(Outcome::Remove) => {
                let removal = self.removal();
                self.remove_stored(presence, hash, at, Some(bucket), removal);
                Ok(())
            }
            Some(outcome @ Outcome::Create(_)) => {
                unreachable!("a fast path made a second record: {outcome:?}")
            }
            None => Err(Some(at)),
        }
    }

    /// The general transition `f` on the key's record found by
    /// [`Shard::transition_fast`] at `at` (or none), when the fast path did not
    /// cover the case.
    #[inline]
    pub(crate) fn transition_general<A>(
        &mut self,
        presence: &Presence,
        hash: u64,
        key: &K,
        at: Option<u32>,
        f: impl FnOnce(Option<Record>, &Rules) -> Step<A>,
    ) -> Step<A> {
        let removal = self.removal();
        self.transition_found(presence, hash, key, at, removal, f)
    }

    /// Removes the record at `at` as a fast transition decided, counting it out of
    /// the presence filter first.
    #[inline(always)]
    fn remove_stored(
        &mut self,
        presence: &Presence,
        hash: u64,
        at: u32,
        bucket: Option<usize>,
        removal: Removal,
    ) {
        presence.update(hash, held_stored(self.store.stored(at)), 0);
        self.store.remove(hash, at, bucket, removal);
    }

    /// [`Shard::transition`] on the record found at `at` (or none); a removed
    /// record's entry is left as `removal` says. Not inlined: the general
    /// transitions are the rare path, and kept apart they leave the fast paths
    /// that call them lean (fewer registers saved, nothing spilled).
    #[inline(never)]
    fn transition_found<A>(
        &mut self,
        presence: &Presence,
        hash: u64,
        key: &K,
        at: Option<u32>,
        removal: Removal,
        f: impl FnOnce(Option<Record>, &Rules) -> Step<A>,
    ) -> Step<A> {
        match at {
            Some(at) => self.transition_at(presence, hash, at, removal, f),
            None => {
                let mut step = f(None, &self.rules);
                presence.update(hash, 0, held(step.record.as_ref()));
                if let Some(record) = step.record.take() {
                    let deadline = record.deadline(&self.rules);
                    let at = self.store.insert(hash, key.clone(), record);
                    self.schedule(presence, at, None, deadline);
                }
                step
            }
        }
    }

    /// Runs a transition on the record at `at`; a removed record's entry is left
    /// as `removal` says. Inlined into its callers, which are all off the fast
    /// paths (the general ones, and R-EXPIRE's loop).
    #[inline]
    fn transition_at<A>(
        &mut self,
        presence: &Presence,
        hash: u64,
        at: u32,
        removal: Removal,
        f: impl FnOnce(Option<Record>, &Rules) -> Step<A>,
    ) -> Step<A> {
        let record = self.store.take(at);
        let before = held(Some(&record));
        let scheduled = record.deadline(&self.rules);
        let mut step = f(Some(record), &self.rules);
        presence.update(hash, before, held(step.record.as_ref()));
        match step.record.take() {
            Some(record) => {
                let deadline = record.deadline(&self.rules);
                self.store.put(at, record);
                self.schedule(presence, at, scheduled, deadline);
            }
            None => self.store.remove(hash, at, None, removal),
        }
        step
    }

    /// Keeps the schedule's invariant (see `store::timers`) for the record at `at`,
    /// whose deadline went from `scheduled` (covered by an entry already) to
    /// `deadline`: a new entry only if the deadline came earlier.
    #[inline]
    fn schedule(
        &mut self,
        presence: &Presence,
        at: u32,
        scheduled: Option<Nanos>,
        deadline: Option<Nanos>,
    ) {
        if let Some(deadline) = deadline {
            if scheduled.is_none_or(|scheduled| deadline < scheduled) {
                self.store.schedule(at, deadline, &self.rules);
                presence.set_next_due(self.store.next_deadline());
            }
        }
    }

    /// `sync` on this shard: applies every queued effect in order (R-SYNC), then
    /// R-EXPIRE on the records whose timers ran out by `now`; returns how many
    /// effects it applied. `on_notes` sees what each transition did (for
    /// tracing), under the shard lock.
    pub(crate) fn sync(
        &mut self,
        presence: &Presence,
        now: &Now<'_>,
        mut on_notes: impl FnMut(&K, Notes),
    ) -> usize {
        let applied = self.apply_queue(presence, now, &mut on_notes);
        if self
            .store
            .next_deadline()
            .is_some_and(|next| next < now.get())
        {
            self.expire(presence, now.get(), &mut on_notes);
        }
        // No queued effect names an orphan any more, and no due position is left.
        self.store.release_orphans();
        self.store.compact();
        presence.set_queued(false);
        presence.set_next_due(self.store.next_deadline());
        applied
    }

    /// Applies every queued effect in order (R-SYNC); returns how many. Records
    /// removed by a fast transition leave their entries vacant (nothing is made in
    /// `sync`: see [`Store`]), others orphans.
    fn apply_queue(
        &mut self,
        presence: &Presence,
        now: &Now<'_>,
        on_notes: &mut impl FnMut(&K, Notes),
    ) -> usize {
        let mut queue = std::mem::take(&mut self.queue);
        let applied = queue.len();
        for q in &queue {
            // The record the effect was queued on, if it is still there: no
            // lookup needed. (The fast paths cover no entry without a record.)
            let fast = fast::apply(self.store.stored(q.at), q.job, q.effect, &self.rules);
            match fast {
                // No notes: nothing to trace or count.
                Some(Outcome::Keep) => continue,
                Some(Outcome::Remove) => {
                    let bucket = Some(q.bucket);
                    self.remove_stored(presence, q.hash, q.at, bucket, Removal::VacateInSync);
                    continue;
                }
                Some(outcome @ Outcome::Create(_)) => {
                    unreachable!("a fast effect made a record: {outcome:?}")
                }
                None => {}
            }
            // Removed earlier in this `sync` (`Removal::VacateInSync`): the key has
            // no record, and an effect on no record changes nothing and notes
            // nothing (R-EFF-LEAVE, R-EFF-RELEASE, R-EFF-ABORT). (Bug
            // SyncSkipsOrphans skips an orphan's effect too.)
            let vacated = self.store.is_vacant(q.at)
                || (!self.store.is_record(q.at) && crate::machine::bug!(SyncSkipsOrphans));
            if vacated {
                continue;
            }
            self.apply_general(presence, q, now, on_notes);
        }
        queue.clear();
        // Keep the queue's storage for the next round, unless a burst made it large.
        if queue.capacity() <= 4096 {
            self.queue = queue;
        }
        applied
    }

    /// A queued effect that no fast path covers, on the record it was queued on or,
    /// if that is an orphan now, on whatever the key holds; a record removed here
    /// is left an orphan (`on_notes` reads its key after).
    #[inline(never)]
    fn apply_general(
        &mut self,
        presence: &Presence,
        q: &Queued,
        now: &Now<'_>,
        on_notes: &mut impl FnMut(&K, Notes),
    ) {
        let apply = |record: Option<Record>, rules: &Rules| {
            transitions::apply(record, q.job, q.effect, now, rules)
        };
        let step = if self.store.is_record(q.at) {
            self.transition_at(presence, q.hash, q.at, Removal::Orphan, apply)
        } else {
            // An orphan: the record is gone; the effect applies to the key as it is
            // now.
            let key = self.store.key(q.at).clone();
            let at = self.store.find(q.hash, &key);
            self.transition_found(presence, q.hash, &key, at, Removal::Orphan, apply)
        };
        on_notes(self.store.key(q.at), step.notes);
        self.stats.note(step.notes);
    }

    /// R-EXPIRE on every record whose deadline is before `now` (only those: see
    /// `store::timers`). Records removed are left orphans, so that the positions
    /// still to visit keep their meaning.
    fn expire(&mut self, presence: &Presence, now: Nanos, on_notes: &mut impl FnMut(&K, Notes)) {
        let mut due = std::mem::take(&mut self.due);
        self.store.take_due(now, &mut due);
        for &at in &due {
            // A stale entry: its record is gone.
            if !self.store.is_record(at) {
                continue;
            }
            let hash = self.store.hash_at(at);
            let step = self.transition_at(presence, hash, at, Removal::Orphan, |record, rules| {
                let record = record.expect("a due position holds a record");
                transitions::expire(record, now, rules)
            });
            // The entry that brought it here is gone: schedule what is left.
            if self.store.is_record(at) {
                if let Some(deadline) = self.store.view(at, |r| r.deadline(&self.rules)) {
                    self.store.schedule(at, deadline, &self.rules);
                }
            }
            self.stats.expired(step.notes, self.store.is_record(at));
            on_notes(self.store.key(at), step.notes);
        }
        due.clear();
        if due.capacity() <= 4096 {
            self.due = due;
        }
    }

    /// Queues an effect for the next `sync` if the key has a record now
    /// (R-STATE-QUEUE); returns whether it did.
    #[inline(always)]
    pub(crate) fn queue_effect(
        &mut self,
        presence: &Presence,
        hash: u64,
        key: &K,
        job: JobId,
        effect: Applied,
    ) -> bool {
        let found = self.store.find_with_bucket(hash, key);
        let Some((at, bucket)) = found.filter(|_| Applied::kept_in_queue(found.is_some())) else {
            return false;
        };
        self.queue.push(Queued {
            hash,
            at,
            bucket,
            job,
            effect,
        });
        presence.set_queued(true);
        true
    }

    /// Counts what a step did.
    #[inline]
    pub(crate) fn count<A>(&mut self, step: &Step<A>) {
        if !step.notes.is_empty() {
            self.stats.note(step.notes);
        }
    }
}

impl Stats {
    /// Counts what R-EXPIRE did to one record (`kept`: it still has one).
    pub(crate) fn expired(&mut self, notes: Notes, kept: bool) {
        self.note(notes);
        if notes.contains(Notes::WINDOW_EXPIRED) {
            self.drains_expired += 1;
        }
        if !kept {
            self.records_expired += 1;
        }
    }

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

#[cfg(test)]
impl<K: Hash + Eq> Shard<K> {
    /// The [`Presence`] counts as they should be for this shard's table.
    pub(crate) fn expected_presence(&self) -> Vec<u64> {
        use crate::presence::PRESENCE_SLOTS;
        use std::hash::BuildHasher;
        let mut counts = vec![0; PRESENCE_SLOTS];
        for (key, record) in self.store.iter() {
            let hash = self.store.hasher().hash_one(key);
            counts[hash as usize & (PRESENCE_SLOTS - 1)] += held(Some(&record));
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use crate::{Barrier, JobId, JobState};

    /// A queued effect whose slot is removed before `sync` still applies to its key
    /// (its entry is left an orphan until the queue is applied, see `store`), here
    /// to the record made after.
    #[test]
    fn an_effect_queued_on_a_removed_slot_applies_to_the_key() {
        let b: Barrier<String> = Barrier::builder().key_threshold(200).shards(1).build();
        let k = "k".to_string();
        assert!(b.enter(&k, JobId(1)).accepted);
        b.state_changed(&k, JobId(1), JobState::Succeeded).unwrap(); // queued
        b.leave(&k, JobId(1)); // the record is inactive: removed
        assert_eq!(b.size(), 0);
        b.state_changed(&k, JobId(1), JobState::Failed).unwrap(); // a new record
        assert_eq!(b.peek(&k), Some(JobId(1)));
        let snap = b.snapshot();
        assert_eq!(
            (snap.queued_effects, snap.records[0].queued_effects),
            (1, 1)
        );
        assert_eq!(b.sync(), 1);
        // The queued `succeeded` released the failed job of the new record.
        assert_eq!(b.peek(&k), None);
        assert_eq!(b.size(), 0);
        assert!(b.shards().all(|s| s.store.orphans() == 0));
    }
}
