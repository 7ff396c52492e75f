//! Rounds (SPEC.md R-ROUND, R-OFFER): the pickup loop's side of the contract of
//! SPEC.md section 1 as an API. [`Offer`] is a round's answer; [`Round`] is one
//! iteration of the pickup loop, started by
//! [`PickupHandle::round`](crate::PickupHandle::round).
//!
//! A round remembers, per key offered or skipped in it, the last job offered and
//! whether the key is skipped; the map lives in the barrier and is cleared (its
//! memory kept) at the start of each round, so a round allocates only when a
//! batch has more keys than any batch before it. It sits behind a lock that is
//! never contended: a round is started only through `&mut` (of the pickup handle,
//! or of an unshared barrier), so the lock is taken once per round.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use parking_lot::MutexGuard;
use serde::{Deserialize, Serialize};

use super::{Barrier, OrderingKey};
use crate::{
    hashing::KeyHasher, machine::bug, BarrierKey, Clock, Error, JobId, Result, SystemClock,
};

/// A round's answer to an offer (R-OFFER).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Offer {
    /// The job entered the pipeline: queue it to its key's worker.
    Admitted {
        /// The key's oldest failed job, when the key has one (R-ENTER-FAILED):
        /// the job is that one, or older.
        previous_failed: Option<JobId>,
    },
    /// The job may not enter now: it stays pending, and the key is skipped for
    /// the rest of the round.
    Refused {
        /// The key's oldest failed job, when that is what refused the job (`None`:
        /// a full drain window, R-ENTER-DRAIN).
        previous_failed: Option<JobId>,
    },
    /// An earlier job of the key was refused, undone or skipped in this round:
    /// the job stays pending, and the barrier was not asked.
    Skipped,
}

impl Offer {
    /// Whether the job was admitted.
    pub fn is_admitted(self) -> bool {
        matches!(self, Offer::Admitted { .. })
    }
}

/// What a round knows of one key.
#[derive(Clone, Copy, Debug, Default)]
struct KeyInRound {
    /// The last job offered for the key in this round (R-OFFER's order check).
    last: Option<JobId>,
    /// The key is skipped for the rest of the round.
    skipped: bool,
}

/// The per-key state of the current round, kept by the barrier between rounds
/// so that its memory is reused.
pub(crate) struct RoundKeys<K> {
    keys: HashTable<(K, KeyInRound)>,
    hasher: KeyHasher,
}

impl<K> RoundKeys<K> {
    /// Hashes with the barrier's own hasher, so that an offer hashes its key
    /// once for the round's map and the barrier's shard alike.
    pub(crate) fn new(hasher: KeyHasher) -> Self {
        RoundKeys {
            keys: HashTable::new(),
            hasher,
        }
    }
}

impl<K: OrderingKey> RoundKeys<K> {
    /// Forgets the last round; keeps a modest capacity (a burst of keys in one
    /// round does not keep its memory for ever).
    fn clear(&mut self) {
        self.keys.clear();
        if self.keys.capacity() > 4096 {
            let hasher = &self.hasher;
            self.keys.shrink_to(4096, |(k, _)| hasher.hash_one(k));
        }
    }

    /// The key's state in this round, made (not skipped, nothing offered) on
    /// first use.
    #[inline]
    fn entry(&mut self, key: &K) -> &mut KeyInRound {
        let hash = self.hasher.hash_one(key);
        self.entry_hashed(hash, key)
    }

    /// [`RoundKeys::entry`] of a key whose round hash is `hash`.
    #[inline]
    fn entry_hashed(&mut self, hash: u64, key: &K) -> &mut KeyInRound {
        let hasher = &self.hasher;
        let entry = self
            .keys
            .entry(hash, |(k, _)| k == key, |(k, _)| hasher.hash_one(k));
        &mut entry
            .or_insert_with(|| (key.clone(), KeyInRound::default()))
            .into_mut()
            .1
    }

    /// The key's state in this round, if it was offered or skipped.
    fn get(&self, key: &K) -> Option<&KeyInRound> {
        let hash = self.hasher.hash_one(key);
        self.keys.find(hash, |(k, _)| k == key).map(|(_, s)| s)
    }
}

/// One iteration of the pickup loop (R-ROUND): started by
/// [`PickupHandle::round`](crate::PickupHandle::round), which runs
/// [`sync`](Barrier::sync) first, and lasting until it is dropped. While it
/// lives, the pickup handle is borrowed, so no other round and no `sync` can run
/// on the barrier.
///
/// A round stays on the thread that started it (it is not `Send`): it is the
/// pickup loop's.
///
/// Offer the batch in ascending job id per key ([`offer`](Round::offer) or
/// [`offer_all`](Round::offer_all)): the round answers each job as `enter`
/// would, and after a refusal skips the key's later jobs for the rest of the
/// round, as SPEC.md section 1 requires of every pickup loop.
///
/// ```
/// use eventorder::{Barrier, JobId, JobState, Offer};
///
/// let barrier: Barrier<&str> = Barrier::builder().key_threshold(200).build();
/// let (mut pickup, workers) = barrier.split();
/// workers.state_changed(&"a", JobId(2), JobState::Failed)?;
///
/// let mut round = pickup.round();
/// let batch = [("a", JobId(1)), ("a", JobId(3)), ("a", JobId(4)), ("b", JobId(5))];
/// let answers: Vec<Offer> = round
///     .offer_all(batch.iter().map(|(k, j)| (k, *j)))
///     .into_iter()
///     .collect::<Result<_, _>>()?;
/// assert_eq!(answers, [
///     // Older than the failed job 2: it goes first (R-ENTER-FAILED).
///     Offer::Admitted { previous_failed: Some(JobId(2)) },
///     Offer::Refused { previous_failed: Some(JobId(2)) },
///     Offer::Skipped, // job 4 of the refused key is not even asked about
///     Offer::Admitted { previous_failed: None },
/// ]);
/// // Offers of one key must go up within a round.
/// assert!(round.offer(&"b", JobId(5)).is_err());
/// # Ok::<(), eventorder::Error>(())
/// ```
pub struct Round<'a, K: OrderingKey = BarrierKey, C: Clock = SystemClock> {
    barrier: &'a Barrier<K, C>,
    keys: MutexGuard<'a, RoundKeys<K>>,
}

impl<'a, K: OrderingKey, C: Clock> Round<'a, K, C> {
    /// R-ROUND: runs `sync` and starts a round (the round's keys cleared). The
    /// caller holds the barrier's owner exclusively (`&mut`), so the lock is free.
    pub(crate) fn start(barrier: &'a Barrier<K, C>) -> (Self, usize) {
        let mut keys = barrier.round_keys.lock();
        keys.clear();
        let applied = barrier.sync();
        (Round { barrier, keys }, applied)
    }

    /// R-OFFER: offers `job` of `key` to the pipeline.
    ///
    /// # Errors
    /// [`Error::OutOfOrder`] if `job` is not greater than the last job offered
    /// for `key` in this round: the batch is not in ascending job id. Nothing
    /// changes (the job is neither admitted nor refused, and the key is not
    /// skipped).
    #[inline]
    pub fn offer(&mut self, key: &K, job: JobId) -> Result<Offer> {
        // The round's map hashes with the barrier's hasher: one hash serves both.
        let hash = self.barrier.hash(key);
        let slot = self.keys.entry_hashed(hash, key);
        if let Some(last) = slot.last {
            if job <= last {
                return Err(Error::OutOfOrder { last, job });
            }
        }
        slot.last = Some(job);
        if slot.skipped {
            return Ok(Offer::Skipped);
        }
        let admission = self.barrier.enter_hashed(key, job, hash);
        Ok(if admission.accepted {
            Offer::Admitted {
                previous_failed: admission.previous_failed,
            }
        } else {
            // The rest of the round skips the key (bug RoundForgetsSkip does not).
            slot.skipped = !bug!(RoundForgetsSkip);
            Offer::Refused {
                previous_failed: admission.previous_failed,
            }
        })
    }

    /// R-OFFER: offers many jobs, in the order given: the same answers as
    /// [`offer`](Round::offer) one by one. Items are borrowed, so a batch is
    /// offered without cloning its keys.
    ///
    /// Each offer locks its key's shard on its own: taking each shard's lock
    /// once for a whole batch (the batch sorted by shard) measured slower
    /// (`docs/performance.md`, issue 20).
    pub fn offer_all<'k, I>(&mut self, jobs: I) -> Vec<Result<Offer>>
    where
        I: IntoIterator<Item = (&'k K, JobId)>,
        K: 'k,
    {
        jobs.into_iter()
            .map(|(key, job)| self.offer(key, job))
            .collect()
    }

    /// R-OFFER: undoes an admission (`leave`, R-LEAVE), e.g. when the job was
    /// throttled after all or its worker's queue is full, and skips the key for
    /// the rest of the round.
    pub fn undo(&mut self, key: &K, job: JobId) {
        self.barrier.leave(key, job);
        self.keys.entry(key).skipped = true;
    }

    /// R-OFFER: skips the key for the rest of the round (e.g. a drained job of it
    /// could not be queued to its worker).
    pub fn skip(&mut self, key: &K) {
        self.keys.entry(key).skipped = true;
    }

    /// Whether the key is skipped for the rest of this round.
    pub fn is_skipped(&self, key: &K) -> bool {
        self.keys.get(key).is_some_and(|k| k.skipped)
    }

    /// The barrier, for reads (`peek`, `is_disabled`, `size`, `snapshot`).
    pub fn barrier(&self) -> &Barrier<K, C> {
        self.barrier
    }
}

impl<K: OrderingKey, C: Clock> std::fmt::Debug for Round<'_, K, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let skipped = self.keys.keys.iter().filter(|(_, k)| k.skipped).count();
        f.debug_struct("Round")
            .field("keys", &self.keys.keys.len())
            .field("skipped", &skipped)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JobState;

    fn barrier() -> Barrier<u32> {
        Barrier::builder().key_threshold(200).drain_limit(1).build()
    }

    #[test]
    fn a_refusal_skips_the_key_for_the_rest_of_the_round_only() {
        let (mut pickup, workers) = barrier().split();
        workers
            .state_changed(&1, JobId(5), JobState::Failed)
            .unwrap();
        let mut round = pickup.round();
        assert_eq!(
            round.offer(&1, JobId(6)),
            Ok(Offer::Refused {
                previous_failed: Some(JobId(5))
            })
        );
        assert!(round.is_skipped(&1));
        // Job 5 itself would be admitted, but the key is skipped now.
        assert_eq!(round.offer(&1, JobId(7)), Ok(Offer::Skipped));
        assert_eq!(
            round.offer(&2, JobId(8)),
            Ok(Offer::Admitted {
                previous_failed: None
            })
        );
        drop(round);
        let mut round = pickup.round();
        assert!(!round.is_skipped(&1));
        assert_eq!(
            round.offer(&1, JobId(5)),
            Ok(Offer::Admitted {
                previous_failed: Some(JobId(5))
            })
        );
    }

    #[test]
    fn out_of_order_offers_are_errors_without_effect() {
        let (mut pickup, _workers) = barrier().split();
        let mut round = pickup.round();
        assert!(round.offer(&1, JobId(4)).unwrap().is_admitted());
        let before = round.barrier().snapshot();
        assert_eq!(
            round.offer(&1, JobId(4)),
            Err(Error::OutOfOrder {
                last: JobId(4),
                job: JobId(4)
            })
        );
        assert_eq!(
            round.offer(&1, JobId(2)),
            Err(Error::OutOfOrder {
                last: JobId(4),
                job: JobId(2)
            })
        );
        assert_eq!(round.barrier().snapshot(), before);
        assert!(!round.is_skipped(&1));
        // Another key has its own order.
        assert!(round.offer(&2, JobId(1)).unwrap().is_admitted());
        assert!(round.offer(&1, JobId(5)).unwrap().is_admitted());
    }

    #[test]
    fn undo_leaves_and_skips_and_skip_skips() {
        let (mut pickup, workers) = barrier().split();
        let mut round = pickup.round();
        assert!(round.offer(&1, JobId(1)).unwrap().is_admitted());
        round.undo(&1, JobId(1));
        assert_eq!(round.offer(&1, JobId(2)), Ok(Offer::Skipped));
        round.skip(&3);
        assert_eq!(round.offer(&3, JobId(1)), Ok(Offer::Skipped));
        // The undone job is no longer in flight.
        let snap = workers.snapshot();
        assert!(snap.records.is_empty(), "{snap:?}");
    }

    #[test]
    fn offer_all_answers_as_one_by_one() {
        let batch: Vec<(u32, JobId)> = (1..40).map(|j| (j % 3, JobId(j.into()))).collect();
        let one = barrier();
        let all = barrier();
        for b in [&one, &all] {
            b.state_changed(&1, JobId(10), JobState::Failed).unwrap();
        }
        let (mut p1, w1) = one.split();
        let (mut p2, w2) = all.split();
        let singles: Vec<_> = {
            let mut round = p1.round();
            batch.iter().map(|(k, j)| round.offer(k, *j)).collect()
        };
        let batched = p2.round().offer_all(batch.iter().map(|(k, j)| (k, *j)));
        assert_eq!(singles, batched);
        assert!(singles.contains(&Ok(Offer::Skipped)));
        let (s1, s2) = (w1.snapshot(), w2.snapshot());
        for key in 0..3 {
            assert_eq!(s1.record(&key), s2.record(&key), "key {key}");
        }
    }

    #[test]
    fn a_round_starts_with_a_sync() {
        let (mut pickup, workers) = barrier().split();
        let mut round = pickup.round();
        assert!(round.offer(&1, JobId(1)).unwrap().is_admitted());
        drop(round);
        workers
            .state_changed(&1, JobId(1), JobState::Succeeded)
            .unwrap();
        assert_eq!(workers.size(), 1);
        let _round = pickup.round();
        assert_eq!(workers.size(), 0);
    }
}
