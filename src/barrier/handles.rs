//! The owner/handle split that makes "one `sync` caller" a property of the types
//! (R-SYNC, R-ROUND): [`PickupHandle`] and [`WorkerHandle`].

use std::{fmt, sync::Arc};

use crate::{
    barrier::OrderingKey, Admission, Barrier, BarrierKey, Clock, Hold, JobId, JobState, Result,
    Round, Snapshot, Stats, SystemClock,
};

/// The pickup loop's handle: the only way to start a [round](PickupHandle::round)
/// or call [`sync`](PickupHandle::sync) once a barrier is [split](Barrier::split).
/// It is not `Clone`, and both take `&mut self`, so even a handle shared through
/// an `Arc` cannot run two rounds or two syncs at once (two loops calling `sync`
/// on one barrier break ordering: a known production failure).
pub struct PickupHandle<K = BarrierKey, C = SystemClock> {
    barrier: Arc<Barrier<K, C>>,
}

/// The handle for workers and the commit loop: `wait`, `state_changed`,
/// `report_all`, `peek`, `is_disabled` and introspection. `Clone`, and `Send +
/// Sync`.
pub struct WorkerHandle<K = BarrierKey, C = SystemClock> {
    barrier: Arc<Barrier<K, C>>,
}

pub(crate) fn split<K, C>(barrier: Arc<Barrier<K, C>>) -> (PickupHandle<K, C>, WorkerHandle<K, C>) {
    (
        PickupHandle {
            barrier: Arc::clone(&barrier),
        },
        WorkerHandle { barrier },
    )
}

impl<K, C> Clone for WorkerHandle<K, C> {
    fn clone(&self) -> Self {
        WorkerHandle {
            barrier: Arc::clone(&self.barrier),
        }
    }
}

impl<K: OrderingKey, C: Clock> PickupHandle<K, C> {
    /// Starts the pickup loop's next round (R-ROUND): runs
    /// [`sync`](PickupHandle::sync), then returns the [`Round`] to offer the batch
    /// to. The round borrows the handle until it is dropped.
    pub fn round(&mut self) -> Round<'_, K, C> {
        Round::start(&self.barrier).0
    }

    /// [`PickupHandle::round`], also returning how many queued effects its `sync`
    /// applied.
    pub fn round_counted(&mut self) -> (Round<'_, K, C>, usize) {
        Round::start(&self.barrier)
    }

    /// [`Barrier::enter`], outside a round (a pickup loop that calls it must keep
    /// SPEC.md section 1's skip rule by hand; a round does it itself).
    pub fn enter(&self, key: &K, job: JobId) -> Admission {
        self.barrier.enter(key, job)
    }

    /// [`Barrier::leave`].
    pub fn leave(&self, key: &K, job: JobId) {
        self.barrier.leave(key, job)
    }

    /// [`Barrier::sync`]: only this handle can call it (a round runs it too).
    pub fn sync(&mut self) -> usize {
        self.barrier.sync()
    }

    /// [`Barrier::recover`]: the warm start after a restart, before the first
    /// `enter`.
    ///
    /// # Errors
    /// [`crate::Error::RecoverTooLate`] once the barrier has been entered or holds
    /// records.
    pub fn recover<I>(&self, failed: I) -> Result<usize>
    where
        I: IntoIterator<Item = (K, JobId)>,
    {
        self.barrier.recover(failed)
    }

    /// A worker handle on the same barrier.
    pub fn worker(&self) -> WorkerHandle<K, C> {
        WorkerHandle {
            barrier: Arc::clone(&self.barrier),
        }
    }

    /// [`Barrier::size`].
    pub fn size(&self) -> usize {
        self.barrier.size()
    }

    /// [`Barrier::peek`].
    pub fn peek(&self, key: &K) -> Option<JobId> {
        self.barrier.peek(key)
    }

    /// [`Barrier::is_disabled`].
    pub fn is_disabled(&self, key: &K) -> bool {
        self.barrier.is_disabled(key)
    }

    /// [`Barrier::stats`].
    pub fn stats(&self) -> Stats {
        self.barrier.stats()
    }
}

impl<K: OrderingKey, C: Clock> WorkerHandle<K, C> {
    /// [`Barrier::wait`].
    pub fn wait(&self, key: &K, job: JobId) -> Hold {
        self.barrier.wait(key, job)
    }

    /// [`Barrier::state_changed`].
    ///
    /// # Errors
    /// As [`Barrier::state_changed`].
    pub fn state_changed(&self, key: &K, job: JobId, state: JobState) -> Result<()> {
        self.barrier.state_changed(key, job, state)
    }

    /// [`Barrier::report_all`]: many reports at once (the commit loop's batch).
    pub fn report_all<'k, I>(&self, reports: I) -> Vec<Result<()>>
    where
        I: IntoIterator<Item = (&'k K, JobId, JobState)>,
        K: 'k,
    {
        if crate::machine::bug!(HandleReportAllStopsAtError) {
            return reports
                .into_iter()
                .map(|(key, job, state)| self.barrier.state_changed(key, job, state))
                .scan(false, |failed, r| {
                    (!std::mem::replace(failed, r.is_err())).then_some(r)
                })
                .collect();
        }
        self.barrier.report_all(reports)
    }

    /// [`Barrier::peek`].
    pub fn peek(&self, key: &K) -> Option<JobId> {
        self.barrier.peek(key)
    }

    /// [`Barrier::is_disabled`].
    pub fn is_disabled(&self, key: &K) -> bool {
        self.barrier.is_disabled(key)
    }

    /// [`Barrier::size`].
    pub fn size(&self) -> usize {
        self.barrier.size()
    }

    /// [`Barrier::stats`].
    pub fn stats(&self) -> Stats {
        self.barrier.stats()
    }

    /// [`Barrier::snapshot`].
    pub fn snapshot(&self) -> Snapshot<K> {
        self.barrier.snapshot()
    }

    /// [`Barrier::reconfigure`].
    pub fn reconfigure(&self, config: crate::Config) {
        self.barrier.reconfigure(config)
    }

    /// [`Barrier::config`].
    pub fn config(&self) -> crate::Config {
        self.barrier.config()
    }

    /// [`Barrier::pending_config`].
    pub fn pending_config(&self) -> Option<crate::Config> {
        self.barrier.pending_config()
    }
}

impl<K: OrderingKey, C: Clock> fmt::Debug for WorkerHandle<K, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WorkerHandle").field(&*self.barrier).finish()
    }
}

impl<K: OrderingKey, C: Clock> fmt::Debug for PickupHandle<K, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PickupHandle").field(&*self.barrier).finish()
    }
}

impl<K: OrderingKey, C: Clock> fmt::Display for WorkerHandle<K, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.barrier, f)
    }
}

impl<K: OrderingKey, C: Clock> fmt::Display for PickupHandle<K, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.barrier, f)
    }
}
