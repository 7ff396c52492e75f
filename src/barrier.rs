//! [`Barrier`]: the concurrent, sharded shell around the per-key state machine.
//!
//! # Implementation Details
//!
//! Every call hashes the key once; the hash picks the shard (bits 32 and up, so the
//! shard index is independent of the bits the table uses inside a shard) and finds
//! the record in the shard's table (keys are hashed again only when a table grows). The call locks
//! that one shard, runs the pure transition of [`crate::machine`], stores its result
//! and unlocks (SPEC v3 reports no illegal sequence, so no observer or panic
//! follows). Of the user's code, the `ordering_disabled` predicate runs under a
//! shard lock (`enter` needs it to decide), and so do the key's `Hash`, `Eq` and
//! `Clone`, the clock's `now` and `tracing` subscribers. Locks are `parking_lot` mutexes, which
//! are not poisoned by a panic, and no panic can happen while one is held unless
//! the predicate itself panics (the record is then left as it was).
//!
//! The clock is read at most once per call, lazily: `enter` on a key with no record
//! or an `Enabled` one that the predicate leaves alone never reads it.
//!
//! Most keys hold nothing most of the time, so the common calls do not lock at all.
//! Beside its lock, each shard keeps a [`Presence`](crate::presence::Presence): per
//! hash slot, the number of records and of records with a failed job, written under
//! the lock, read without it. A call that finds a zero count answers from it, as it
//! would have after locking and finding nothing (the argument is on `Presence`):
//! `enter` with `key_threshold == 0` and no record (accept, create nothing,
//! R-ENTER-1), `wait` and `peek` without a failed job (R-WAIT, R-PEEK),
//! `state_changed` of a queued state and `leave` without a record (nothing to do),
//! `is_disabled` without a record, and `sync` for a shard with nothing queued.
//! The `entered` counts of lock-free `enter` calls go to per-thread stripes of
//! atomics, so that two threads do not write one cache line.
//!
//! Queued effects name their key's record by its position in the shard's slab
//! instead of holding a clone of the key (see `shard::Queued` and `store`), so
//! queueing an effect costs no reference count; a key is cloned only when a record
//! is created. The calls of a tracked job's lifecycle on a record of the common
//! shapes go through the fast transitions of `store::fast`, checked against the
//! general ones.
//!
//! `enter`, `wait` and `state_changed` are inlined into their caller, and what
//! their fast paths do not cover runs in functions of its own, out of line
//! (`enter_general`, `wait_locked`, `record_failure`, and the shard's general
//! transitions): the fast paths then keep their values in registers, save few of
//! them, and build no closure for a rare path they do not take. With the store's
//! measures (a queued effect's index bucket, records removed in `sync` vacated at
//! once) this took a tracked job's lifecycle, scenario (d) of `benches/barrier.rs`,
//! from about 570 to about 410 instructions (issue 13; `docs/performance.md`).

use std::{
    fmt,
    hash::{BuildHasher, Hash},
    sync::{atomic::Ordering, Arc},
    time::Instant,
};

mod builder;
mod handles;
mod introspection;
mod live;
mod recover;
mod round;

pub use builder::{Builder, MAX_SHARDS};
pub use handles::{PickupHandle, WorkerHandle};
pub use round::{Offer, Round};

use crossbeam_utils::CachePadded;

use crate::{
    hashing::KeyHasher,
    machine::{transitions, Applied, Nanos, Notes, Now, Rules},
    shard::{Shard, ShardCell},
    store::{fast, Stored},
    striped::StripedCount,
    sync::{AtomicBool, Mutex, MutexGuard},
    Admission, BarrierKey, Clock, Config, Error, Hold, IllegalSequence, JobId, JobState, Result,
    SystemClock,
};

/// The bounds a key type needs: any hashable, comparable, cloneable, debuggable
/// value that can cross threads. Implemented for every such type.
pub trait OrderingKey: Hash + Eq + Clone + fmt::Debug + Send + Sync + 'static {}

impl<T: Hash + Eq + Clone + fmt::Debug + Send + Sync + 'static> OrderingKey for T {}

pub(crate) type Predicate<K> = Box<dyn Fn(&K) -> bool + Send + Sync>;
pub(crate) type Observer<K> = Box<dyn Fn(&IllegalSequence<K>) + Send + Sync>;

/// The event-ordering barrier: decides, per key, which job may enter the pipeline
/// and which must wait (SPEC.md). See the [crate docs](crate) for an example.
///
/// `Barrier` is `Send + Sync` and every operation takes `&self`: share it with an
/// [`Arc`], or [`split`](Barrier::split) it into a pickup handle and worker handles
/// so that only the pickup loop can call [`sync`](Barrier::sync) (R-SYNC).
///
/// # Locking
/// Keys are spread over a power-of-two number of shards, each behind its own lock.
/// `enter`, `wait`, `state_changed`, `leave`, `peek` and `is_disabled` lock at most
/// one shard (the key's) for the duration of one pure transition, and none when the
/// shard's lock-free counts show the key has nothing that could change the answer
/// (no record, or for `wait` and `peek` no failed job); such a call is still
/// linearizable, at the moment it reads the counts. `sync`, `size`,
/// `stats`, `snapshot` and `Display` visit the shards one after the other,
/// holding one lock at a time: each shard is seen consistently, but the totals
/// are not one atomic cut across shards while other threads keep calling.
/// `reconfigure` takes only the settings lock (it leaves a pending change), and
/// `Debug` none (it is safe even in the `ordering_disabled` predicate). Every
/// call holds at most one lock at a time, except the `sync` that installs a
/// pending change, which holds the settings lock while it locks the shards one
/// after the other (so that a change applies whole), and a round, which holds its
/// own lock (never contended: starting a round needs `&mut`) for its life. The
/// order is always round lock, settings lock, one shard lock, so no cycle of
/// waits can form and no call can deadlock another (a test runs them all at
/// once).
pub struct Barrier<K = BarrierKey, C = SystemClock> {
    shards: Box<[CachePadded<ShardCell<K>>]>,
    shard_mask: usize,
    /// `key_threshold == 0`: an `enter` on a key with no record creates none (R-ENTER-1),
    /// so it may answer from the shard's [`Presence`](crate::presence::Presence) alone.
    untracked_enter: AtomicBool,
    /// `entered` counts of the `enter` calls answered without a lock.
    lock_free_entered: StripedCount,
    hasher: KeyHasher,
    clock: C,
    origin: Instant,
    /// The settings in force, and a change `reconfigure` left for the next
    /// `sync` (R-CONFIG).
    config: Mutex<live::Settings>,
    /// Whether `config` holds a pending change (read by `sync` without the lock).
    config_pending: AtomicBool,
    ordering_disabled: Option<Predicate<K>>,
    /// R-ILLEGAL: SPEC v3 reports no illegal sequence, so the observer is never
    /// called; it is kept so that a later version's checks need no API change.
    #[allow(dead_code)]
    observer: Option<Observer<K>>,
    /// The current round's keys (R-OFFER): only ever locked by a round, which
    /// needs `&mut` of the pickup handle or of the barrier to start.
    round_keys: parking_lot::Mutex<round::RoundKeys<K>>,
}

impl<K: OrderingKey> Barrier<K, SystemClock> {
    /// A barrier with the default [`Config`] and the system clock.
    pub fn new() -> Self {
        Self::with_config(Config::default())
    }

    /// A barrier with `config` and the system clock. As with [`Builder::build`],
    /// timers longer than [`MAX_TIMER`](crate::config::MAX_TIMER) are cut down to
    /// it ([`Config::saturated`]); use [`Config::validate`] or
    /// [`Builder::try_build`] to reject them instead.
    pub fn with_config(config: Config) -> Self {
        Self::with_config_and_clock(config, SystemClock)
    }

    /// A builder, with the system clock until [`Builder::clock`] says otherwise.
    pub fn builder() -> Builder<K, SystemClock> {
        Builder::new()
    }
}

impl<K: OrderingKey> Default for Barrier<K, SystemClock> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K: OrderingKey, C: Clock> Barrier<K, C> {
    /// A barrier with the default [`Config`] and the given clock.
    pub fn with_clock(clock: C) -> Self {
        Self::with_config_and_clock(Config::default(), clock)
    }

    /// A barrier with `config` and the given clock (timers as in
    /// [`Builder::build`]).
    pub fn with_config_and_clock(config: Config, clock: C) -> Self {
        Builder::new().config(config).clock(clock).build()
    }

    fn from_parts(
        config: Config,
        clock: C,
        shards: usize,
        ordering_disabled: Option<Predicate<K>>,
        observer: Option<Observer<K>>,
    ) -> Self {
        debug_assert!(shards.is_power_of_two());
        let config = config.saturated();
        let rules = config.rules();
        let hasher = crate::hashing::key_hasher();
        let shards: Box<[_]> = (0..shards)
            .map(|_| {
                CachePadded::new(ShardCell::new(
                    rules,
                    config.panic_on_illegal_sequence,
                    hasher.clone(),
                ))
            })
            .collect();
        Barrier {
            shard_mask: shards.len() - 1,
            shards,
            untracked_enter: AtomicBool::new(!transitions::creates_record_on_enter(&rules)),
            lock_free_entered: StripedCount::new(),
            hasher: hasher.clone(),
            origin: clock.now(),
            clock,
            config: Mutex::new(live::Settings {
                current: config,
                pending: None,
            }),
            config_pending: AtomicBool::new(false),
            ordering_disabled,
            observer,
            round_keys: parking_lot::Mutex::new(round::RoundKeys::new(hasher)),
        }
    }

    /// Asks whether `job` may enter the pipeline (R-ENTER-…, R-MODE, R-GC).
    ///
    /// Locks the key's shard once, or not at all if the key has no record and
    /// `key_threshold` is 0 (R-ENTER-1). Reads the clock only if the key's mode may change
    /// (a record not `Enabled`, a key threshold being reached, or the
    /// `ordering_disabled` predicate holding); calls the predicate, under the shard
    /// lock, only if the key has or gets a record: it must not call back into the
    /// barrier. Clones the key only when a record is created.
    #[inline(always)]
    pub fn enter(&self, key: &K, job: JobId) -> Admission {
        let hash = self.hasher.hash_one(key);
        self.enter_hashed(key, job, hash)
    }

    /// [`Barrier::enter`] of a key whose hash is `hash` (a round hashes the key
    /// once for its own map and the barrier's shard).
    #[inline(always)]
    pub(crate) fn enter_hashed(&self, key: &K, job: JobId, hash: u64) -> Admission {
        let cell = self.cell(hash);
        // R-ENTER-1 without a lock: no record, and none made. The flag first:
        // under a key threshold every `enter` locks, and the presence count (a
        // likely cache miss) would be read for nothing.
        if self.untracked_enter.load(Ordering::Acquire) && !cell.presence.may_hold(hash) {
            // Counted (bug LockFreeEnterUncounted does not).
            if !crate::machine::bug!(LockFreeEnterUncounted) {
                self.lock_free_entered.add_one();
            }
            return transitions::enter_without_record();
        }
        let mut shard = cell.lock.lock();
        // The predicate is asked before the record is touched, so a panicking
        // predicate leaves the record as it was; and only when R-MODE needs it (the
        // key has or gets a record), so a barrier without records never calls it.
        let off = self.ordering_disabled.as_ref().is_some_and(|p| {
            transitions::asks_predicate(|| shard.has(hash, key), &shard.rules)
                // Once (bug PredicateAskedTwice asks again).
                && (p(key) & (!crate::machine::bug!(PredicateAskedTwice) || p(key)))
        });
        let fast = |stored: Option<&Stored>, rules: &Rules| {
            if off {
                None
            } else {
                fast::enter(stored, job, rules)
            }
        };
        match shard.transition_fast(&cell.presence, hash, key, fast) {
            Ok(()) => {
                // Accepted, with no notes and nothing illegal (see `store::fast`).
                shard.stats.entered += 1;
                Admission::ACCEPTED
            }
            Err(at) => self.enter_general(shard, cell, hash, key, job, off, at),
        }
    }

    /// The rest of an `enter` that the fast path did not cover: the general
    /// transition on the key's record at `at` (or none), then counts, unlocks,
    /// reports.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn enter_general(
        &self,
        mut shard: MutexGuard<'_, Shard<K>>,
        cell: &ShardCell<K>,
        hash: u64,
        key: &K,
        job: JobId,
        off: bool,
        at: Option<u32>,
    ) -> Admission {
        let read = || self.nanos_now();
        let now = Now::lazy(&read);
        let step = shard.transition_general(&cell.presence, hash, key, at, |record, rules| {
            transitions::enter(record, job, &now, rules, off)
        });
        if step.answer.accepted {
            shard.stats.entered += 1;
        } else {
            shard.stats.rejected += 1;
        }
        shard.count(&step);
        drop(shard);
        trace_notes(key, step.notes);
        step.answer
    }

    /// Asks whether a worker must hold `job` back instead of sending it (R-WAIT).
    /// Read-only: never changes a record nor refreshes a mode. Locks the key's shard
    /// once, or not at all if the key has no record with a failed job; never reads
    /// the clock.
    #[inline]
    pub fn wait(&self, key: &K, job: JobId) -> Hold {
        let hash = self.hasher.hash_one(key);
        let cell = self.cell(hash);
        // R-WAIT without a lock: no record holds workers, so the answer is the
        // one for no record.
        if !cell.presence.may_block(hash) {
            return transitions::wait(None, job);
        }
        self.wait_locked(cell, hash, key, job)
    }

    /// [`Barrier::wait`] under the key's shard lock.
    #[inline(never)]
    fn wait_locked(&self, cell: &ShardCell<K>, hash: u64, key: &K, job: JobId) -> Hold {
        let mut shard = cell.lock.lock();
        let hold = shard.read(hash, key, |record| transitions::wait(record, job));
        if hold.wait {
            shard.stats.waits_told += 1;
        }
        hold
    }

    /// Reports that `job` reached `state` (R-STATE-…).
    ///
    /// `failed` takes effect at once; `succeeded`, `filtered`, `aborted` and
    /// `waiting` are queued until the next [`sync`](Barrier::sync) if the key has a
    /// record now, and dropped otherwise (they would change nothing). Locks the
    /// key's shard once (not at all to drop a queued state of a key with no record);
    /// never reads the clock; clones the key only to create a record (a `failed`
    /// report on a key with none).
    ///
    /// # Errors
    /// [`Error::UnsupportedState`] for a state the barrier does not take (e.g.
    /// `executing`), with no effect.
    #[inline(always)]
    pub fn state_changed(&self, key: &K, job: JobId, state: JobState) -> Result<()> {
        let Some(effect) = Applied::of(state.effect()) else {
            return Err(Error::UnsupportedState(state));
        };
        if !effect.is_queued() {
            self.record_failure(key, job);
            return Ok(());
        }
        let hash = self.hasher.hash_one(key);
        let cell = self.cell(hash);
        // Dropped without a lock when the key has no record.
        if !Applied::kept_in_queue(cell.presence.may_hold(hash)) {
            return Ok(());
        }
        cell.lock
            .lock()
            .queue_effect(&cell.presence, hash, key, job, effect);
        Ok(())
    }

    /// R-EFF-FAILED, immediately.
    /// Many reports at once, in the order given (the commit loop persists a
    /// batch, then reports it): the same effects and errors as
    /// [`state_changed`](Barrier::state_changed) one by one. Items are
    /// borrowed, so a batch is reported without cloning its keys.
    ///
    /// Each report locks its key's shard on its own: taking each shard's lock
    /// once for a whole batch (the batch sorted by shard) measured slower
    /// (`docs/performance.md`, issue 20).
    ///
    /// ```
    /// use eventorder::{Barrier, JobId, JobState};
    ///
    /// let barrier: Barrier<&str> = Barrier::new();
    /// let results = barrier.report_all([
    ///     (&"a", JobId(1), JobState::Failed),
    ///     (&"b", JobId(2), JobState::Executing),
    /// ]);
    /// assert!(results[0].is_ok());
    /// assert!(results[1].is_err(), "executing is not taken by the barrier");
    /// assert_eq!(barrier.peek(&"a"), Some(JobId(1)));
    /// ```
    pub fn report_all<'k, I>(&self, reports: I) -> Vec<Result<()>>
    where
        I: IntoIterator<Item = (&'k K, JobId, JobState)>,
        K: 'k,
    {
        reports
            .into_iter()
            .map(|(key, job, state)| self.state_changed(key, job, state))
            .collect()
    }

    #[inline(never)]
    fn record_failure(&self, key: &K, job: JobId) {
        let hash = self.hasher.hash_one(key);
        let cell = self.cell(hash);
        let mut shard = cell.lock.lock();
        // R-EFF-FAILED never reads the time.
        let now = Now::at(0);
        let step = shard.transition(&cell.presence, hash, key, |record, rules| {
            transitions::apply(record, job, Applied::Fail, &now, rules)
        });
        shard.count(&step);
        drop(shard);
        trace_notes(key, step.notes);
    }

    /// Undoes an `enter`, immediately (R-LEAVE): `job` leaves the in-flight set and
    /// the drain window. Idempotent. Locks the key's shard once, or not at all if
    /// the key has no record.
    pub fn leave(&self, key: &K, job: JobId) {
        let hash = self.hasher.hash_one(key);
        let cell = self.cell(hash);
        if !cell.presence.may_hold(hash) {
            return;
        }
        let mut shard = cell.lock.lock();
        let fast = |stored: Option<&Stored>, rules: &Rules| {
            stored.and_then(|s| fast::apply(s, job, Applied::Leave, rules))
        };
        if let Err(at) = shard.transition_fast(&cell.presence, hash, key, fast) {
            let read = || self.nanos_now();
            let now = Now::lazy(&read);
            shard.transition_general(&cell.presence, hash, key, at, |record, rules| {
                transitions::apply(record, job, Applied::Leave, &now, rules)
            });
        }
    }

    /// Applies the queued effects in the order they were queued and returns how many
    /// it processed (R-SYNC); then, at the same time, takes R-MODE's timer step for
    /// every record whose timer ran out and closes the drain windows idle for
    /// longer than `drain_idle_for`, removing the records left holding nothing
    /// (R-EXPIRE). Only the pickup loop that owns the barrier may call it: see
    /// [`split`](Barrier::split).
    ///
    /// Visits the shards one at a time, and locks only those with queued effects or
    /// a timer that ran out; each key's effects live in one shard and apply in queue
    /// order. Costs O(1) per shard plus the effects applied and the records whose
    /// timers ran out: it never scans the records. Reads the clock at most once, and
    /// only if some record has a timer.
    pub fn sync(&self) -> usize {
        // R-CONFIG: a pending change of the settings takes effect first, in every
        // shard, before any queued effect is applied.
        if self.config_pending.load(Ordering::Acquire) {
            self.install_pending_config();
        }
        let read = || self.nanos_now();
        let now = Now::lazy(&read);
        let mut total = 0;
        for shard in self.shards.iter() {
            // R-SYNC visits every shard (bug SyncSkipsLastShard skips the last).
            let last =
                self.shards.len() > 1 && std::ptr::eq(shard, &self.shards[self.shards.len() - 1]);
            if last && crate::machine::bug!(SyncSkipsLastShard) {
                continue;
            }
            let cell: &ShardCell<K> = shard;
            if !cell.presence.may_have_queued() && !cell.presence.may_be_due(|| now.get()) {
                continue;
            }
            let mut shard = cell.lock.lock();
            let applied = shard.sync(&cell.presence, &now, |key, notes| {
                trace_notes(key, notes);
            });
            shard.stats.effects_applied += applied as u64;
            total += applied;
        }
        total
    }

    /// The key's failed job, if any (R-PEEK). Read-only; locks the key's shard once,
    /// or not at all if the key has no record with a failed job.
    pub fn peek(&self, key: &K) -> Option<JobId> {
        let hash = self.hasher.hash_one(key);
        if !self.cell(hash).presence.may_block(hash) {
            return transitions::peek(None);
        }
        self.lock(hash).read(hash, key, transitions::peek)
    }

    /// Whether the key has a record in mode `Disabled` (R-DISABLED). Does not
    /// refresh the mode. Read-only; locks the key's shard once, or not at all if the
    /// key has no record.
    pub fn is_disabled(&self, key: &K) -> bool {
        let hash = self.hasher.hash_one(key);
        if !self.cell(hash).presence.may_hold(hash) {
            return transitions::is_disabled(None);
        }
        self.lock(hash).read(hash, key, transitions::is_disabled)
    }

    /// The number of shards (a power of two).
    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// Starts a round on a barrier that is not shared (R-ROUND): a
    /// single-threaded pickup loop that owns the barrier (`&mut`) needs no
    /// [`split`](Barrier::split). Runs [`sync`](Barrier::sync) first; see
    /// [`Round`](crate::Round).
    pub fn round(&mut self) -> crate::Round<'_, K, C> {
        crate::Round::start(self).0
    }

    /// [`Barrier::round`], also returning how many queued effects its `sync`
    /// applied.
    pub fn round_counted(&mut self) -> (crate::Round<'_, K, C>, usize) {
        crate::Round::start(self)
    }

    /// Splits the barrier into the pickup loop's handle (the only one that can
    /// start a round or call `sync`, not `Clone`, both `&mut self`) and a
    /// cloneable handle for workers and the commit loop, so that a router built on
    /// them cannot have two `sync` callers (R-SYNC, R-ROUND).
    ///
    /// ```
    /// use eventorder::{Barrier, BarrierKey, JobId, JobState};
    ///
    /// let (mut pickup, workers) = Barrier::<BarrierKey>::new().split();
    /// let key = BarrierKey::new("ws", "dest", "user");
    /// let mut round = pickup.round();
    /// assert!(round.offer(&key, JobId(1))?.is_admitted());
    /// drop(round);
    /// let worker = workers.clone();
    /// std::thread::spawn(move || {
    ///     assert!(!worker.wait(&key, JobId(1)).wait);
    ///     worker.state_changed(&key, JobId(1), JobState::Succeeded).unwrap();
    /// })
    /// .join()
    /// .unwrap();
    /// # Ok::<(), eventorder::Error>(())
    /// ```
    pub fn split(self) -> (crate::PickupHandle<K, C>, crate::WorkerHandle<K, C>) {
        handles::split(Arc::new(self))
    }

    /// The current time on the barrier's timeline.
    fn nanos_now(&self) -> Nanos {
        let elapsed = self.clock.now().saturating_duration_since(self.origin);
        u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX)
    }

    pub(crate) fn shards(&self) -> impl Iterator<Item = MutexGuard<'_, Shard<K>>> {
        self.shards.iter().map(|s| s.lock.lock())
    }

    fn lock(&self, hash: u64) -> MutexGuard<'_, Shard<K>> {
        self.cell(hash).lock.lock()
    }

    /// The key's shard.
    #[inline]
    fn cell(&self, hash: u64) -> &ShardCell<K> {
        &self.shards[(hash >> 32) as usize & self.shard_mask]
    }

    /// The key's hash (one per call: the shard and the index both use it).
    #[inline(always)]
    pub(crate) fn hash(&self, key: &K) -> u64 {
        self.hasher.hash_one(key)
    }
}

/// Emits tracing events for what a transition did (feature `tracing`; nothing
/// otherwise).
#[allow(unused_variables)]
fn trace_notes<K: fmt::Debug>(key: &K, notes: Notes) {
    #[cfg(feature = "tracing")]
    {
        if notes.is_empty() {
            return;
        }
        if notes.contains(Notes::WENT_HOT) {
            tracing::info!(key = ?key, "eventorder: key went hot, ordering off");
        }
        if notes.contains(Notes::PREDICATE_DISABLED) {
            tracing::debug!(key = ?key, "eventorder: ordering disabled by predicate");
        }
        if notes.contains(Notes::HALF_ENABLED) {
            tracing::info!(key = ?key, "eventorder: key half-enabled");
        }
        if notes.contains(Notes::RE_ENABLED) {
            tracing::info!(key = ?key, "eventorder: key came back, ordering on");
        }
        if notes.contains(Notes::DRAIN_OPENED) {
            tracing::info!(key = ?key, "eventorder: drain window opened");
        }
        if notes.contains(Notes::DRAIN_CLOSED) {
            tracing::debug!(key = ?key, "eventorder: drain window closed");
        }
    }
}

#[cfg(test)]
mod tests;
