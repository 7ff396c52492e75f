//! [`Mutated`]'s `sync` (R-SYNC, R-EXPIRE), with the mutants of R-SYNC,
//! R-EXPIRE and R-MODE's timer step at `sync`.

use super::*;

impl<K: Ord + Clone + Hash + Debug> Mutated<K> {
    /// `sync()`.
    pub fn sync(&mut self) -> Outcome<K> {
        let Some(mutant) = self.mutant else {
            return self.reference.sync();
        };
        self.reference.install_pending_config();
        let mut queue = std::mem::take(&mut self.reference.queue);
        let applied = queue.len();
        if mutant == Mutant::SyncDropsLastEffect {
            queue.pop();
        }
        for (key, job, effect) in queue {
            self.apply(&key, job, effect);
        }
        if mutant != Mutant::SyncNeverExpires {
            self.expire(mutant);
        }
        self.collect();
        Outcome {
            ret: Ret::Applied(applied),
            illegal: None,
        }
    }

    /// R-EXPIRE with its mutants.
    fn expire(&mut self, mutant: Mutant) {
        let r = &mut self.reference;
        let (now, config) = (r.now, r.config.clone());
        let falling: Vec<K> = r
            .records
            .iter()
            .filter(|(_, record)| match record.mode {
                Mode::HalfEnabled { since } => now - since > config.half_enabled_for,
                _ => false,
            })
            .map(|(key, _)| key.clone())
            .collect();
        if mutant == Mutant::HalfEnabledOverstays {
            r.config.half_enabled_for += 1;
        }
        let modes: Vec<(K, Mode)> = r.records.iter().map(|(k, r)| (k.clone(), r.mode)).collect();
        r.expire();
        r.config = config.clone();
        if mutant == Mutant::ComebackOneSyncLate {
            // The first `sync` that finds a `HalfEnabled` timer run out keeps
            // the mode; the second takes the step.
            let mut late = BTreeSet::new();
            for (key, mode) in modes {
                if !falling.contains(&key) || self.late.contains(&key) {
                    continue;
                }
                if let Some(record) = r.records.get_mut(&key) {
                    record.mode = mode;
                    late.insert(key);
                }
            }
            self.late = late;
        }
        for record in r.records.values_mut() {
            let idle = record.drain.as_ref().and_then(|w| w.idle_since);
            if mutant == Mutant::IdleWindowClosesEarly
                && idle.is_some_and(|since| now - since == config.drain_idle_for)
            {
                record.drain = None;
            }
        }
        if mutant == Mutant::HalfEnabledFallsBack {
            for key in falling {
                let tracked = config.key_threshold > 0;
                r.records.insert(key, Record::reset(now, tracked));
            }
        }
    }
}
