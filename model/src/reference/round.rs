//! The pickup loop's round (R-ROUND, R-OFFER) and the warm start (R-RESTART).
//!
//! The round's state ([`RoundState`]) lives in the reference: the keys skipped
//! for the rest of the round, and each key's last offered job. [`Reference::round`]
//! starts a round (a `sync`, then a cleared round state); a plain
//! [`Reference::sync`] does not touch it (the library makes a `sync` inside a
//! round impossible, so the oracle need not decide what it would do).

use super::*;

impl<K: Ord + Clone + Hash + Debug> Reference<K> {
    /// `round()`: R-ROUND. Runs `sync` (R-CONFIG's pending settings, R-SYNC,
    /// R-EXPIRE) and starts a round with no key skipped and no job offered;
    /// returns the number of queued effects `sync` processed.
    pub fn round(&mut self) -> usize {
        let applied = match self.sync().ret {
            Ret::Applied(applied) => applied,
            ref other => unreachable!("sync answered {other:?}"),
        };
        self.round = RoundState::default();
        applied
    }

    /// The round is dropped (R-ROUND): its state is forgotten. Nothing any
    /// operation answers depends on it until the next [`Reference::round`],
    /// which clears it anyway; the model checker calls this at the end of a
    /// batch so that finished rounds do not split states.
    pub fn end_round(&mut self) {
        self.round = RoundState::default();
    }

    /// `offer(key, job)` in the current round: R-OFFER.
    ///
    /// * a job not greater than the last job offered for the key in this round
    ///   is [`Offered::OutOfOrder`], with no effect (it does not become the
    ///   key's last offered job);
    /// * otherwise the job becomes the key's last offered job, whatever follows:
    ///   SPEC.md's "the last job offered for the same key" counts every offer
    ///   that is not an error, a `Skipped` one included (so offering the same
    ///   job twice in a round is always an error);
    /// * a key skipped in this round answers [`Offered::Skipped`], no effect;
    /// * otherwise it is `enter(key, job)`: accepted is
    ///   [`Offered::Admitted`], refused is [`Offered::Refused`] and the key is
    ///   skipped for the rest of the round.
    pub fn offer(&mut self, key: &K, job: JobId) -> Offered {
        if let Some(out_of_order) = self.out_of_order(key, job) {
            return out_of_order;
        }
        self.round.last_offered.insert(key.clone(), job);
        if self.round.skipped.contains(key) {
            return Offered::Skipped;
        }
        let (accepted, previous_failed) = self.enter(key, job).admission();
        if accepted {
            Offered::Admitted { previous_failed }
        } else {
            self.round.skipped.insert(key.clone());
            Offered::Refused { previous_failed }
        }
    }

    /// R-OFFER's first clause: `Some(OutOfOrder)` if `job` is not greater than
    /// the last job offered for `key` in this round.
    pub(crate) fn out_of_order(&self, key: &K, job: JobId) -> Option<Offered> {
        let &last = self.round.last_offered.get(key)?;
        (job <= last).then_some(Offered::OutOfOrder { last, job })
    }

    /// `undo(key, job)` in the current round: R-LEAVE, and the key is skipped
    /// for the rest of the round (R-OFFER).
    pub fn undo(&mut self, key: &K, job: JobId) {
        self.leave(key, job);
        self.skip(key);
    }

    /// `skip(key)` in the current round: the key is skipped for the rest of
    /// the round (R-OFFER).
    pub fn skip(&mut self, key: &K) {
        self.round.skipped.insert(key.clone());
    }

    /// The warm start (R-RESTART): every given job is reported `failed`, in any
    /// order (the result does not depend on it: each joins its key's set of
    /// failed jobs). Returns the number of records afterwards (the keys
    /// blocked). An error, with no change, if the barrier has been entered or
    /// holds a record.
    ///
    /// ```
    /// use eventorder_model::reference::{Reference, RefConfig, RecoverTooLate};
    /// let mut barrier: Reference<&str> = Reference::new(RefConfig::default());
    /// assert_eq!(barrier.recover([("a", 7), ("b", 3), ("a", 5)]), Ok(2));
    /// assert_eq!(barrier.peek(&"a"), Some(5));
    /// assert_eq!(barrier.recover([("c", 1)]), Err(RecoverTooLate));
    /// ```
    pub fn recover(
        &mut self,
        jobs: impl IntoIterator<Item = (K, JobId)>,
    ) -> Result<usize, RecoverTooLate> {
        if self.entered || !self.records.is_empty() {
            return Err(RecoverTooLate);
        }
        for (key, job) in jobs {
            self.state_changed(&key, job, RefState::Failed);
        }
        Ok(self.size())
    }
}
