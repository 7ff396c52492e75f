//! [`Mutated`]'s round (R-ROUND, R-OFFER) and warm start (R-RESTART), with
//! the mutants of R-ROUND and R-OFFER.

use super::*;
use crate::reference::{Offered, RecoverTooLate, RoundState};

impl<K: Ord + Clone + Hash + Debug> Mutated<K> {
    /// `round()` (R-ROUND): `sync`, then a fresh round state.
    pub fn round(&mut self) -> usize {
        if self.mutant.is_none() {
            return self.reference.round();
        }
        let applied = match self.sync().ret {
            Ret::Applied(applied) => applied,
            ref other => unreachable!("sync answered {other:?}"),
        };
        let skipped = std::mem::take(&mut self.reference.round.skipped);
        self.reference.round = RoundState::default();
        if self.is(Mutant::RoundKeepsSkips) {
            self.reference.round.skipped = skipped;
        }
        applied
    }

    /// The round is dropped (see [`Reference::end_round`]).
    pub fn end_round(&mut self) {
        if !self.is(Mutant::RoundKeepsSkips) {
            self.reference.end_round();
        }
    }

    /// `offer(key, job)` in the current round (R-OFFER), with its mutants, and
    /// the illegal sequence its `enter` reported (always `None` but for
    /// [`Mutant::ReportsIllegalLikeV2`]).
    pub fn offer(&mut self, key: &K, job: JobId) -> (Offered, Option<Illegal<K>>) {
        if self.mutant.is_none() {
            return (self.reference.offer(key, job), None);
        }
        if !self.is(Mutant::OutOfOrderAccepted) {
            if let Some(out_of_order) = self.reference.out_of_order(key, job) {
                return (out_of_order, None);
            }
        }
        self.reference.round.last_offered.insert(key.clone(), job);
        if self.reference.round.skipped.contains(key) {
            return (Offered::Skipped, None);
        }
        let outcome = self.enter(key, job);
        let (accepted, previous_failed) = outcome.admission();
        let offered = if accepted {
            Offered::Admitted { previous_failed }
        } else {
            if !self.is(Mutant::NoSkipAfterRefusal) {
                self.reference.skip(key);
            }
            Offered::Refused { previous_failed }
        };
        (offered, outcome.illegal)
    }

    /// `undo(key, job)` in the current round: `leave`, and the key is skipped.
    pub fn undo(&mut self, key: &K, job: JobId) {
        self.leave(key, job);
        if !self.is(Mutant::UndoWithoutSkip) {
            self.reference.skip(key);
        }
    }

    /// `skip(key)` in the current round.
    pub fn skip(&mut self, key: &K) {
        self.reference.skip(key);
    }

    /// The warm start (R-RESTART, see [`Reference::recover`]).
    pub fn recover(
        &mut self,
        jobs: impl IntoIterator<Item = (K, JobId)>,
    ) -> Result<usize, RecoverTooLate> {
        if self.mutant.is_none() {
            return self.reference.recover(jobs);
        }
        if self.reference.entered || !self.reference.records.is_empty() {
            return Err(RecoverTooLate);
        }
        for (key, job) in jobs {
            self.state_changed(&key, job, RefState::Failed);
        }
        Ok(self.reference.size())
    }
}
