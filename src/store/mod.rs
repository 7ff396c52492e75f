//! [`Store`]: the records of one shard, each with its key.
//!
//! # Implementation Details
//!
//! Records live in a slab (a vector of entries, each a key and a [`Stored`]
//! record, reused through a free list), found through an index: a hash table of
//! 4-byte slab positions. A hash table is between 7/16 and 7/8 full, so its free
//! slots cost as much as its used ones; keeping only positions there, and the
//! 32-byte entries (for [`crate::BarrierKey`]) in a vector that grows by doubling,
//! is what brings a blocked key under 64 bytes (issue 5). The index keeps no hash:
//! when it grows it rehashes the keys in the slab.
//!
//! A queued effect names its key by slab position (no key clone, no lookup at
//! `sync`). For that, a position must keep meaning the same key until every effect
//! naming it is applied: a record removed while effects are queued leaves its entry
//! as an orphan, which keeps the key and is not reused until
//! [`Store::release_orphans`] (called at the end of `sync`, once the queue is
//! empty). An effect whose entry is an orphan applies to whatever the key holds by
//! then, found by key. Inside `sync` no record is ever made (no queued effect and
//! no timer creates one), so a record that `sync` itself removes may leave its
//! entry vacant at once ([`Removal::VacateInSync`]): its key has no record for the rest
//! of that `sync`, and a later effect naming the vacant entry is one on a key with
//! no record, which changes nothing.
//!
//! A queued effect also keeps the index bucket where its record's position was
//! found (a hint: [`Store::unindex`] checks that the bucket still holds that
//! position, as buckets move when the index grows), so that removing the record
//! at `sync` needs no second probe of the index.
//!
//! Neither a vector nor a hash table gives memory back by itself. When no effect
//! is queued (so no position is named anywhere) and fewer than a quarter of the
//! slab's entries hold a record, [`Store::compact`] moves the records to a new,
//! dense slab and shrinks the index: after a burst of blocked keys clears, the
//! shard returns to the memory its remaining records need. Each compaction costs
//! time in proportion to the records kept, and takes the record count to fall by
//! three quarters again before the next, so it is constant time per removal on
//! average.

pub(crate) mod fast;
mod packed;
mod timers;

use std::hash::{BuildHasher, Hash};

use hashbrown::HashTable;

#[cfg(test)]
pub(crate) use packed::pack;
pub(crate) use packed::Stored;

use timers::Timers;

use crate::{
    hashing::KeyHasher,
    machine::{Nanos, Record, Rules},
};

/// No entry (the end of the free list).
pub(crate) const NONE: u32 = u32::MAX;

/// Slabs up to this many entries are never compacted (not worth the time). Small,
/// so that `tests/conformance.rs` reaches compaction with its 256 `u8` keys.
const COMPACT_ABOVE: usize = 64;

/// A slab entry.
struct Entry<K> {
    /// The key of a record or an orphan; `None` in a vacant entry.
    key: Option<K>,
    record: Stored,
}

/// How [`Store::remove`] leaves the entry of the record it removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Removal {
    /// Nothing is queued (no position is named anywhere): vacant at once, and the
    /// slab may be compacted (positions change).
    Vacate,
    /// Effects are queued and may name the position: an orphan, which keeps the
    /// key until [`Store::release_orphans`].
    Orphan,
    /// Inside `sync`, where no record is made: vacant at once (see the module
    /// docs), but no compaction (the queue still names positions).
    VacateInSync,
}

/// Where a key's record is, or that it has none (see [`Store::slot`]).
pub(crate) enum Slot<'a, K> {
    /// The key's record is at this position; its index bucket (a hint for
    /// [`Store::unindex`]).
    Found(u32, usize),
    /// The key has no record; [`VacantSlot::insert`] adds one.
    Vacant(VacantSlot<'a, K>),
}

/// The place of a key with no record in a [`Store`] (see [`Store::slot`]).
pub(crate) struct VacantSlot<'a, K> {
    store: &'a mut Store<K>,
    hash: u64,
}

impl<K: Hash + Eq> VacantSlot<'_, K> {
    /// Adds `record` for `key` here; returns its position.
    ///
    /// # Panics
    /// If the shard would hold 2³² − 1 records.
    #[inline(always)]
    pub(crate) fn insert(self, key: K, record: Stored) -> u32 {
        self.store.insert_stored(self.hash, key, record)
    }
}

/// Puts `key` and `record` in a vacant entry of `slab` (the first of the free
/// list `free`, or a new one); returns its position. Does not index it.
#[inline(always)]
fn occupy<K>(slab: &mut Vec<Entry<K>>, free: &mut u32, key: K, record: Stored) -> u32 {
    if *free == NONE {
        let at = u32::try_from(slab.len())
            .ok()
            .filter(|&at| at != NONE)
            .expect("a shard holds fewer than 2^32 - 1 records");
        slab.push(Entry {
            key: Some(key),
            record,
        });
        at
    } else {
        let at = *free;
        // Field by field, not a whole `Entry` moved through the stack (that
        // measured a store-forwarding stall on every reuse).
        let slot = &mut slab[at as usize];
        match slot.record {
            Stored::Vacant(next) => *free = next,
            ref other => unreachable!("the free list holds a used entry: {other:?}"),
        }
        slot.key = Some(key);
        slot.record = record;
        at
    }
}

/// One shard's records: a slab of entries and an index over it.
pub(crate) struct Store<K> {
    /// Slab positions of the entries that hold a record, by their key's hash.
    index: HashTable<u32>,
    slab: Vec<Entry<K>>,
    /// The first vacant entry, or [`NONE`].
    free: u32,
    /// The orphan entries, freed by [`Store::release_orphans`].
    orphans: Vec<u32>,
    /// The barrier's key hasher, to rehash the keys when the index grows.
    hasher: KeyHasher,
    /// The deadlines of the records with timers (R-EXPIRE), by slab position.
    timers: Timers,
}

impl<K: Hash + Eq> Store<K> {
    pub(crate) fn new(hasher: KeyHasher) -> Self {
        Store {
            index: HashTable::new(),
            slab: Vec::new(),
            free: NONE,
            orphans: Vec::new(),
            hasher,
            timers: Timers::default(),
        }
    }

    /// The number of records.
    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    /// The number of orphan entries (keys removed while effects were queued).
    #[cfg(test)]
    pub(crate) fn orphans(&self) -> usize {
        self.orphans.len()
    }

    /// The position of the key's record, if it has one.
    #[inline(always)]
    pub(crate) fn find(&self, hash: u64, key: &K) -> Option<u32> {
        let slab = &self.slab;
        self.index
            .find(hash, |&at| slab[at as usize].key.as_ref() == Some(key))
            .copied()
    }

    /// The position of the key's record and its index bucket, if it has one.
    #[inline(always)]
    pub(crate) fn find_with_bucket(&self, hash: u64, key: &K) -> Option<(u32, usize)> {
        let slab = &self.slab;
        let mut found = NONE;
        let bucket = self.index.find_bucket_index(hash, |&at| {
            found = at;
            slab[at as usize].key.as_ref() == Some(key)
        })?;
        Some((found, bucket))
    }

    /// The key's record, or the place to add one. A miss then an insert probe
    /// the index twice; hashbrown's one-probe `entry` measured slower here (it is
    /// not inlined, and saving its registers cost more than the probe it saves
    /// on a table this small).
    #[inline(always)]
    pub(crate) fn slot(&mut self, hash: u64, key: &K) -> Slot<'_, K> {
        match self.find_with_bucket(hash, key) {
            Some((at, bucket)) => Slot::Found(at, bucket),
            None => Slot::Vacant(VacantSlot { store: self, hash }),
        }
    }

    /// The record at `at`, as stored.
    #[inline]
    pub(crate) fn stored(&self, at: u32) -> &Stored {
        &self.slab[at as usize].record
    }

    /// Calls `f` with the record at `at`, borrowed (see [`Stored::view`]).
    #[inline]
    pub(crate) fn view<R>(&self, at: u32, f: impl FnOnce(&Record) -> R) -> R {
        self.slab[at as usize].record.view(f)
    }

    /// The record at `at` (a copy).
    #[inline]
    pub(crate) fn record(&self, at: u32) -> Record {
        self.slab[at as usize].record.unpack()
    }

    /// Whether the entry at `at` holds a record (and not an orphan).
    #[inline]
    pub(crate) fn is_record(&self, at: u32) -> bool {
        self.slab[at as usize].record.is_record()
    }

    /// Whether the entry at `at` is vacant (no record, no key).
    #[inline]
    pub(crate) fn is_vacant(&self, at: u32) -> bool {
        matches!(self.slab[at as usize].record, Stored::Vacant(_))
    }

    /// The key of the record or orphan at `at`.
    pub(crate) fn key(&self, at: u32) -> &K {
        self.slab[at as usize]
            .key
            .as_ref()
            .expect("a record or orphan entry keeps its key")
    }

    /// The record at `at`, taken out to run a transition on; [`Store::put`] or
    /// [`Store::remove`] must follow.
    #[inline]
    pub(crate) fn take(&mut self, at: u32) -> Record {
        self.slab[at as usize].record.take()
    }

    /// Stores the result of a transition on the record at `at`.
    #[inline]
    pub(crate) fn put(&mut self, at: u32, record: Record) {
        self.slab[at as usize].record.put(record);
    }

    /// Adds a record for `key` (which has none); returns its position.
    ///
    /// # Panics
    /// If the shard would hold 2³² − 1 records.
    #[inline]
    pub(crate) fn insert(&mut self, hash: u64, key: K, record: Record) -> u32 {
        self.insert_stored(hash, key, packed::pack(record))
    }

    /// [`Store::insert`] of a record already in its stored form.
    #[inline(always)]
    pub(crate) fn insert_stored(&mut self, hash: u64, key: K, record: Stored) -> u32 {
        debug_assert!(record.is_record());
        let at = occupy(&mut self.slab, &mut self.free, key, record);
        let (slab, hasher) = (&self.slab, &self.hasher);
        self.index.insert_unique(hash, at, |&i| {
            hasher.hash_one(slab[i as usize].key.as_ref().expect("indexed entry"))
        });
        at
    }

    /// Removes the record at `at` (of a key with this hash) from the index, and
    /// leaves its entry as `removal` says. `bucket` is a hint: the index bucket
    /// where the position was found, if known (checked, not trusted).
    #[inline(always)]
    pub(crate) fn remove(&mut self, hash: u64, at: u32, bucket: Option<usize>, removal: Removal) {
        self.unindex(hash, at, bucket);
        match removal {
            Removal::Orphan => {
                self.slab[at as usize].record = Stored::Orphan;
                self.orphans.push(at);
            }
            Removal::VacateInSync => {
                self.vacate(at);
                // No compaction: the queue still names positions (bug
                // CompactsInSync compacts as outside `sync`).
                if crate::machine::bug!(CompactsInSync) {
                    self.compact();
                }
            }
            Removal::Vacate => {
                self.vacate(at);
                self.compact();
            }
        }
    }

    /// Removes position `at` from the index: from `bucket` if that bucket holds it
    /// (positions are unique in the index), else found by `hash`.
    #[inline(always)]
    fn unindex(&mut self, hash: u64, at: u32, bucket: Option<usize>) {
        if let Some(bucket) = bucket {
            if let Ok(entry) = self.index.get_bucket_entry(bucket) {
                // (Bug StaleBucketHintTrusted takes the bucket's word for it.)
                if *entry.get() == at || crate::machine::bug!(StaleBucketHintTrusted) {
                    entry.remove();
                    return;
                }
            }
        }
        match self.index.find_entry(hash, |&i| i == at) {
            Ok(entry) => drop(entry.remove()),
            Err(_) => unreachable!("a record's entry is indexed"),
        }
    }

    #[inline(always)]
    fn vacate(&mut self, at: u32) {
        // Field by field (see `insert_stored`).
        let slot = &mut self.slab[at as usize];
        slot.key = None;
        slot.record = Stored::Vacant(self.free);
        self.free = at;
    }

    /// Frees every orphan entry (no queued effect names one any more).
    #[inline]
    pub(crate) fn release_orphans(&mut self) {
        if self.orphans.is_empty() {
            return;
        }
        let orphans = std::mem::take(&mut self.orphans);
        for &at in &orphans {
            self.vacate(at);
        }
        // Keep the storage for the next round, unless a burst made it large.
        if orphans.capacity() <= 4096 {
            self.orphans = orphans;
            self.orphans.clear();
        }
    }

    /// Moves the records to a dense slab and shrinks the index, if fewer than a
    /// quarter of a large slab's entries hold one. Only when no queued effect and
    /// no orphan names a position: the caller's queue must be empty.
    #[inline]
    pub(crate) fn compact(&mut self) {
        if self.slab.len() <= COMPACT_ABOVE
            || self.index.len() >= self.slab.len() / 4
            || !self.orphans.is_empty()
        {
            return;
        }
        let mut old = std::mem::take(&mut self.slab);
        let mut slab = Vec::with_capacity(self.index.len());
        // Old position → new, for the deadlines (only if there are any).
        let timed = self.timers.next().is_some();
        let mut remap = if timed {
            vec![NONE; old.len()]
        } else {
            Vec::new()
        };
        for at in self.index.iter_mut() {
            let new = u32::try_from(slab.len()).expect("fewer entries than before");
            if timed {
                remap[*at as usize] = new;
            }
            let entry = std::mem::replace(
                &mut old[*at as usize],
                Entry {
                    key: None,
                    record: Stored::Vacant(NONE),
                },
            );
            *at = new;
            slab.push(entry);
        }
        if timed {
            self.timers.remap(&remap);
        }
        self.slab = slab;
        self.free = NONE;
        let (slab, hasher) = (&self.slab, &self.hasher);
        self.index.shrink_to_fit(|&i| {
            hasher.hash_one(slab[i as usize].key.as_ref().expect("indexed entry"))
        });
    }

    /// Schedules R-EXPIRE for the record at `at` (see [`timers`] for when);
    /// tidies the schedule once it has doubled, under `rules`.
    #[inline]
    pub(crate) fn schedule(&mut self, at: u32, deadline: Nanos, rules: &Rules) {
        self.timers.push(deadline, at);
        if self.timers.wants_tidy() {
            let slab = &self.slab;
            self.timers.tidy(|at| {
                let record = &slab.get(at as usize)?.record;
                if record.is_record() {
                    record.view(|r| r.deadline(rules))
                } else {
                    None
                }
            });
        }
    }

    /// The earliest deadline scheduled, if any: nothing is due before it.
    #[inline]
    pub(crate) fn next_deadline(&self) -> Option<Nanos> {
        self.timers.next()
    }

    /// Moves the positions scheduled before `now` into `due` (ascending, once
    /// each). Their entries are gone: the caller schedules again what still has
    /// a timer. Positions may be stale (no record, or another key's).
    pub(crate) fn take_due(&mut self, now: Nanos, due: &mut Vec<u32>) {
        self.timers.take_due(now, due);
    }

    /// Rebuilds the schedule from every record's deadline under `rules` (after a
    /// change of timers: deadlines may come earlier). O(records).
    pub(crate) fn reschedule(&mut self, rules: &Rules) {
        self.timers.clear();
        for &at in self.index.iter() {
            if let Some(deadline) = self.slab[at as usize].record.view(|r| r.deadline(rules)) {
                self.timers.push(deadline, at);
            }
        }
    }

    /// The hash of the key at `at` (a record's or an orphan's).
    pub(crate) fn hash_at(&self, at: u32) -> u64 {
        self.hasher.hash_one(self.key(at))
    }

    /// The number of scheduled deadlines (stale ones included).
    #[cfg(test)]
    pub(crate) fn scheduled(&self) -> usize {
        self.timers.len()
    }

    /// Checks the schedule's invariant (see [`timers`]): every record with a
    /// timer has an entry at its position no later than its deadline.
    #[cfg(test)]
    pub(crate) fn check_schedule(&self, rules: &Rules) -> Result<(), String> {
        let entries = self.timers.entries();
        for &at in self.index.iter() {
            let Some(deadline) = self.record(at).deadline(rules) else {
                continue;
            };
            if !entries.iter().any(|&(d, a)| a == at && d <= deadline) {
                return Err(format!(
                    "record at {at} due after {deadline} has no entry: {entries:?}"
                ));
            }
        }
        Ok(())
    }

    /// The slab's length (entries with a record, orphans and vacant ones).
    #[cfg(test)]
    pub(crate) fn slab_len(&self) -> usize {
        self.slab.len()
    }

    /// Every record with its key, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, Record)> + '_ {
        self.index.iter().map(|&at| (self.key(at), self.record(at)))
    }

    /// The key hasher.
    #[cfg(test)]
    pub(crate) fn hasher(&self) -> &KeyHasher {
        &self.hasher
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        machine::{Blocker, Ordered},
        JobId,
    };

    fn failed(job: i64) -> Record {
        Record::On(Ordered {
            blocker: Blocker::failed(JobId(job)),
            ..Ordered::default()
        })
    }

    /// Entries are reused, orphans only after their release, and the index finds
    /// every record after growing.
    #[test]
    fn entries_are_reused_and_orphans_kept_until_released() {
        let mut store: Store<u32> = Store::new(crate::hashing::key_hasher());
        let hash = |store: &Store<u32>, k: u32| store.hasher().hash_one(k);
        // Never sparse enough to compact.
        for k in 0..1000 {
            let h = hash(&store, k);
            assert_eq!(store.insert(h, k, failed(k.into())), k);
        }
        for k in 0..1000 {
            let at = store.find(hash(&store, k), &k).unwrap();
            assert_eq!(store.record(at), failed(k.into()));
        }
        let (h3, h5) = (hash(&store, 3), hash(&store, 5));
        store.remove(h3, 3, None, Removal::Vacate);
        store.remove(h5, 5, None, Removal::Orphan);
        assert_eq!((store.len(), store.orphans()), (998, 1));
        assert_eq!((store.find(h3, &3), store.find(h5, &5)), (None, None));
        assert_eq!((store.is_record(5), *store.key(5)), (false, 5));
        // The vacant entry is reused, the orphan is not.
        assert_eq!(store.insert(h5, 5, failed(1)), 3);
        assert_eq!(store.insert(h3, 3, failed(1)), 1000);
        store.release_orphans();
        assert_eq!(store.insert(hash(&store, 2000), 2000, failed(1)), 5);
        assert_eq!(store.iter().count(), 1001);
    }

    /// After most records go, compaction keeps the others, findable, in a slab of
    /// their size; it waits while orphans exist.
    #[test]
    fn compaction_keeps_the_records_and_gives_memory_back() {
        let mut store: Store<u32> = Store::new(crate::hashing::key_hasher());
        let hash = |store: &Store<u32>, k: u32| store.hasher().hash_one(k);
        for k in 0..10_000 {
            let h = hash(&store, k);
            store.insert(h, k, failed(k.into()));
        }
        for k in (0..10_000).filter(|k| k % 10 != 0) {
            let h = hash(&store, k);
            let at = store.find(h, &k).unwrap();
            let removal = if k == 1 {
                Removal::Orphan
            } else {
                Removal::Vacate
            };
            store.remove(h, at, None, removal);
        }
        store.compact();
        assert_eq!(store.slab_len(), 10_000, "an orphan holds compaction back");
        store.release_orphans();
        store.compact();
        assert_eq!((store.len(), store.slab_len()), (1_000, 1_000));
        for k in 0..10_000 {
            let at = store.find(hash(&store, k), &k);
            assert_eq!(
                at.map(|at| store.record(at)),
                (k % 10 == 0).then(|| failed(k.into()))
            );
        }
        // A compacted store takes new records as before.
        let h = hash(&store, 20_000);
        assert_eq!(store.insert(h, 20_000, failed(1)), 1_000);
    }

    /// A lookup finds a record (with its bucket) or the place to add one; the
    /// bucket is only a hint: after the index grew, removal still finds the
    /// position; a removal inside `sync` leaves the entry vacant at once.
    #[test]
    fn slots_and_bucket_hints() {
        let mut store: Store<u32> = Store::new(crate::hashing::key_hasher());
        let hash = |store: &Store<u32>, k: u32| store.hasher().hash_one(k);
        let mut buckets = Vec::new();
        for k in 0..100 {
            let h = hash(&store, k);
            match store.slot(h, &k) {
                Slot::Vacant(vacant) => assert_eq!(vacant.insert(k, pack(failed(k.into()))), k),
                Slot::Found(..) => panic!("{k} has no record yet"),
            }
            match store.slot(h, &k) {
                Slot::Found(at, bucket) => {
                    assert_eq!(store.find_with_bucket(h, &k), Some((at, bucket)));
                    buckets.push(bucket);
                }
                Slot::Vacant(_) => panic!("{k} has a record"),
            }
        }
        assert_eq!(store.len(), 100);
        // The index grew since the first buckets were taken: stale hints.
        for k in 0..100 {
            let h = hash(&store, k);
            let at = store.find(h, &k).unwrap();
            let removal = if k % 2 == 0 {
                Removal::VacateInSync
            } else {
                Removal::Orphan
            };
            store.remove(h, at, Some(buckets[k as usize]), removal);
            assert_eq!(store.find(h, &k), None);
            assert_eq!(store.is_vacant(at), k % 2 == 0);
            assert!(!store.is_record(at));
            for j in k + 1..100 {
                assert_eq!(
                    store.find(hash(&store, j), &j),
                    Some(j),
                    "after removing {k}"
                );
            }
        }
        assert_eq!((store.len(), store.orphans()), (0, 50));
        store.release_orphans();
        assert!((0..100).all(|at| store.is_vacant(at)));
    }

    #[test]
    fn an_entry_is_32_bytes_with_a_barrier_key() {
        assert_eq!(std::mem::size_of::<Entry<crate::BarrierKey>>(), 32);
    }
}
