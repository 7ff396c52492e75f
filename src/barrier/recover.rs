//! The warm start after a router restart (SPEC.md R-RESTART):
//! [`Barrier::recover`].
//!
//! The barrier lives in memory, so a restarted router starts with an empty one.
//! A key whose failed job is waiting out its retry backoff is then missing from
//! the next batch, while its later jobs are in it, and an empty barrier would
//! admit them ahead of the failed job. Reporting, before the first round, every
//! job persisted as `failed` gives the new barrier back the one fact that matters
//! for ordering: which jobs each key is blocked on. Older jobs go first
//! (R-ENTER-FAILED), so a leftover older than a failed job is still admitted.
//! The model checks that this is enough
//! (`cargo run --release -p eventorder-model -- restart`).

use super::{Barrier, OrderingKey};
use crate::{machine::bug, Clock, Error, JobId, Result};

impl<K: OrderingKey, C: Clock> Barrier<K, C> {
    /// The warm start after a restart (R-RESTART): reports the given jobs as
    /// `failed`, in any order, and returns how many keys now hold a failed job.
    ///
    /// Call it once, on the new barrier, before the pickup loop's first round
    /// (or [`enter`](Barrier::enter)), with **every job whose persisted status is
    /// `failed`**. Each key is then blocked by its oldest failed job, as it was
    /// before the restart, so its later jobs are refused until that job ends,
    /// whether or not the job is due for a retry in the next batch; a job older
    /// than it that is not failed (a leftover of a period with ordering off)
    /// still goes first. Every failed job is kept: when the oldest ends, the next
    /// one blocks the key. Persisted `waiting` and in-flight jobs need nothing:
    /// they are pending again and the pickup loop offers them in job-id order. A
    /// key for which `ordering_disabled` holds is reset at its next `enter`, as
    /// it would be without a restart (R-MODE).
    ///
    /// Without it, a restart can deliver a key's later job before its failed one
    /// (the model's counterexample is in `docs/restarts.md`); with only each
    /// key's oldest failed job (SPEC v2's warm start), a failed job behind an
    /// older leftover is forgotten and a later job overtakes it.
    ///
    /// # Errors
    /// [`Error::RecoverTooLate`] if the barrier has already been entered or holds
    /// a record (for instance from an earlier `recover`): the jobs would then be
    /// reported out of order with what the barrier already knows. Nothing is
    /// changed.
    ///
    /// # Example
    /// ```
    /// use eventorder::{Barrier, JobId};
    ///
    /// let barrier: Barrier<&str> = Barrier::builder().key_threshold(200).build();
    /// // From the job store: every job persisted as failed.
    /// let persisted_failed = [("user-b", JobId(9)), ("user-a", JobId(7)), ("user-a", JobId(3))];
    /// assert_eq!(barrier.recover(persisted_failed), Ok(2));
    ///
    /// barrier.sync();
    /// // user-a's job 3 is in backoff and not in the batch; job 5 must wait for it.
    /// assert!(!barrier.enter(&"user-a", JobId(5)).accepted);
    /// assert_eq!(barrier.peek(&"user-a"), Some(JobId(3)));
    /// assert!(barrier.enter(&"user-a", JobId(3)).accepted);
    /// // An older job is not held back by the failed one (older jobs go first).
    /// assert!(barrier.enter(&"user-a", JobId(2)).accepted);
    /// // Once the pipeline has started, a second warm start is refused.
    /// assert!(barrier.recover([("user-c", JobId(1))]).is_err());
    /// ```
    pub fn recover<I>(&self, failed: I) -> Result<usize>
    where
        I: IntoIterator<Item = (K, JobId)>,
    {
        // Every `enter` answered, admitted or refused (R-RESTART: "a barrier
        // that has been entered"; counting admitted jobs only took the warm
        // start after refused `enter`s, issue 19).
        let stats = self.stats();
        let entered = stats.entered + stats.rejected;
        let records = self.size();
        if entered > 0 || records > 0 {
            return Err(Error::RecoverTooLate { entered, records });
        }
        // R-RESTART: every failed job, in any order (a key keeps the set of its
        // failed jobs, R-EFF-FAILED).
        let mut jobs: Vec<(K, JobId)> = failed.into_iter().collect();
        if bug!(RecoverOldestOnly) {
            // SPEC v2's warm start: each key's oldest failed job only.
            jobs.sort_by_key(|(_, job)| *job);
            let mut seen = std::collections::HashSet::new();
            jobs.retain(|(key, _)| seen.insert(key.clone()));
        }
        for (key, job) in &jobs {
            self.record_failure(key, *job);
        }
        Ok(self.size())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use crate::{Barrier, Error, IllegalSequence, JobId, JobState};

    fn barrier() -> Barrier<u32> {
        Barrier::builder().key_threshold(200).drain_limit(1).build()
    }

    #[test]
    fn blocks_each_key_on_its_oldest_failed_job_and_keeps_the_others() {
        let b = barrier();
        let n = b
            .recover([
                (1, JobId(30)),
                (2, JobId(5)),
                (1, JobId(10)),
                (1, JobId(20)),
            ])
            .unwrap();
        assert_eq!(n, 2);
        assert_eq!(b.peek(&1), Some(JobId(10)));
        assert_eq!(b.peek(&2), Some(JobId(5)));
        assert_eq!(b.peek(&3), None);
        assert!(!b.enter(&1, JobId(15)).accepted);
        assert!(b.wait(&1, JobId(30)).wait);
        assert!(b.enter(&3, JobId(1)).accepted);
        // The oldest ends: the next failed job blocks the key.
        assert!(b.enter(&1, JobId(10)).accepted);
        b.state_changed(&1, JobId(10), JobState::Succeeded).unwrap();
        b.sync();
        assert_eq!(b.peek(&1), Some(JobId(20)));
        assert!(b.enter(&1, JobId(15)).accepted, "older than 20: goes first");
        assert!(!b.enter(&1, JobId(21)).accepted);
    }

    #[test]
    fn the_blocked_key_opens_when_its_failed_job_ends() {
        let b = barrier();
        b.recover([(1, JobId(10))]).unwrap();
        assert!(b.enter(&1, JobId(10)).accepted);
        b.state_changed(&1, JobId(10), JobState::Succeeded).unwrap();
        b.sync();
        assert!(b.enter(&1, JobId(11)).accepted);
    }

    #[test]
    fn any_input_order_gives_the_same_barrier_and_no_illegal_sequence() {
        let reports = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&reports);
        let b: Barrier<u32> = Barrier::builder()
            .on_illegal_sequence(move |e: &IllegalSequence<u32>| {
                seen.lock().unwrap().push(e.clone())
            })
            .build();
        b.recover((0..50).rev().map(|j| (j % 7, JobId(j.into()))))
            .unwrap();
        let sorted: Barrier<u32> = Barrier::new();
        sorted
            .recover((0..50).map(|j| (j % 7, JobId(j.into()))))
            .unwrap();
        assert!(reports.lock().unwrap().is_empty());
        for key in 0..7 {
            assert_eq!(b.peek(&key), Some(JobId(key.into())));
            let failed = |b: &Barrier<u32>| b.snapshot().record(&key).unwrap().failed_jobs.clone();
            assert_eq!(failed(&b), failed(&sorted));
            assert_eq!(failed(&b).len(), if key == 0 { 8 } else { 7 });
        }
    }

    #[test]
    fn nothing_to_recover_is_fine() {
        let b = barrier();
        assert_eq!(b.recover(std::iter::empty()), Ok(0));
        assert_eq!(b.size(), 0);
    }

    #[test]
    fn refused_after_an_enter_or_a_record() {
        let b = barrier();
        b.enter(&1, JobId(1));
        assert_eq!(
            b.recover([(2, JobId(2))]),
            Err(Error::RecoverTooLate {
                entered: 1,
                records: 1
            })
        );
        assert_eq!(b.peek(&2), None);

        // With no key threshold an enter leaves no record, but is still seen.
        let untracked: Barrier<u32> = Barrier::new();
        untracked.enter(&1, JobId(1));
        assert!(matches!(
            untracked.recover([(2, JobId(2))]),
            Err(Error::RecoverTooLate { entered: 1, .. })
        ));

        let twice = barrier();
        twice.recover([(1, JobId(1))]).unwrap();
        let err = twice.recover([(1, JobId(0))]).unwrap_err();
        assert!(err.to_string().contains("before the first enter"), "{err}");
        assert_eq!(twice.peek(&1), Some(JobId(1)));
    }

    #[test]
    fn a_key_switched_off_by_the_predicate_is_reset_at_its_enter() {
        let b: Barrier<u32> = Barrier::builder()
            .ordering_disabled(|k: &u32| *k == 1)
            .build();
        b.recover([(1, JobId(10)), (2, JobId(10))]).unwrap();
        assert!(b.enter(&1, JobId(11)).accepted);
        assert!(!b.enter(&2, JobId(11)).accepted);
    }
}
