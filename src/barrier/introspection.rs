//! What a barrier can tell about itself: [`Barrier::size`], [`Barrier::queued`],
//! [`Barrier::stats`], [`Barrier::snapshot`], `Display` and `Debug`.
//!
//! `Debug` takes no lock at all, so that it is safe anywhere, including in the
//! `ordering_disabled` predicate, which runs under a shard lock: locking that shard
//! again would deadlock, and taking the settings lock there would invert the
//! settings-then-shard order of the `sync` that installs a change.

use std::{fmt, sync::atomic::Ordering};

use super::{Barrier, OrderingKey};
use crate::{snapshot::RecordSnapshot, Clock, Effect, JobId, Snapshot, Stats};

impl<K: OrderingKey, C: Clock> Barrier<K, C> {
    /// The number of records (R-SIZE): keys that hold something. Sums the shards one
    /// lock at a time (see [Locking](Barrier#locking)).
    pub fn size(&self) -> usize {
        self.shards.iter().map(|s| s.lock.lock().store.len()).sum()
    }

    /// The number of effects waiting for the next [`sync`](Barrier::sync).
    pub fn queued(&self) -> usize {
        self.shards.iter().map(|s| s.lock.lock().queue.len()).sum()
    }

    /// Cumulative counters, summed over the shards one lock at a time.
    pub fn stats(&self) -> Stats {
        let mut total = Stats::default();
        for shard in self.shards.iter() {
            total.add(&shard.lock.lock().stats);
        }
        total.entered += self.lock_free_entered.total();
        total
    }

    /// Every record, the queued effects, settings and counters (see [`Snapshot`]).
    /// Reads the clock once; locks the shards one at a time.
    pub fn snapshot(&self) -> Snapshot<K> {
        let now = self.nanos_now();
        let rules = self.config().rules();
        let mut records = Vec::new();
        let mut queued_effects = 0;
        let mut stats = Stats::default();
        for shard in self.shards() {
            queued_effects += shard.queue.len();
            stats.add(&shard.stats);
            // A queued effect names its key by slab position (see `shard::Queued`);
            // each key's effects, in the order `sync` applies them.
            let mut per_key: std::collections::HashMap<&K, Vec<(JobId, Effect)>> =
                Default::default();
            for q in &shard.queue {
                let key = shard.store.key(q.at);
                per_key
                    .entry(key)
                    .or_default()
                    .push((q.job, q.effect.public()));
            }
            // Bug SnapshotQueueByEffect lists them grouped by effect.
            if crate::machine::bug!(SnapshotQueueByEffect) {
                for queue in per_key.values_mut() {
                    queue.sort_by_key(|&(_, effect)| effect as u8);
                }
            }
            for (key, record) in shard.store.iter() {
                let queue = per_key.remove(key).unwrap_or_default();
                records.push(RecordSnapshot::new(
                    key.clone(),
                    &record,
                    now,
                    &rules,
                    queue,
                ));
            }
        }
        Snapshot {
            records,
            queued_effects,
            config: self.config(),
            stats,
        }
    }
}

impl<K: OrderingKey, C: Clock> fmt::Display for Barrier<K, C> {
    /// A readable dump: one line per record, sorted by key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let snap = self.snapshot();
        let mut lines: Vec<String> = snap.records.iter().map(|r| r.to_string()).collect();
        lines.sort();
        writeln!(
            f,
            "eventorder barrier: {} record(s), {} queued effect(s), drain_limit {}, key_threshold {}",
            snap.records.len(),
            snap.queued_effects,
            snap.config.drain_limit,
            snap.config.key_threshold
        )?;
        for line in lines {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

impl<K: OrderingKey, C: Clock> fmt::Debug for Barrier<K, C> {
    /// What the barrier can tell without taking a lock: its shard count and
    /// whether [`reconfigure`](Barrier::reconfigure) left a change for the next
    /// `sync`. It is safe anywhere, even inside the `ordering_disabled` predicate.
    /// For the records, the settings and the counters, which lock, use `Display`,
    /// [`Barrier::snapshot`], [`Barrier::config`] or [`Barrier::stats`] (never
    /// from the predicate).
    ///
    /// ```
    /// use eventorder::Barrier;
    /// let barrier: Barrier<String> = Barrier::builder().shards(4).build();
    /// assert_eq!(
    ///     format!("{barrier:?}"),
    ///     "Barrier { shards: 4, config_change_pending: false, .. }"
    /// );
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("shards", &self.shard_count())
            .field(
                "config_change_pending",
                &self.config_pending.load(Ordering::Acquire),
            )
            .finish_non_exhaustive()
    }
}
