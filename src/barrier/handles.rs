//! The owner/handle split that makes "one `sync` caller" a property of the types
//! (R-SYNC): [`PickupHandle`] and [`WorkerHandle`].

use std::{fmt, sync::Arc};

use crate::{
    barrier::OrderingKey, Admission, Barrier, Clock, Hold, JobId, JobState, Result, Snapshot, Stats,
};

/// The pickup loop's handle: the only way to call [`sync`](PickupHandle::sync) once
/// a barrier is [split](Barrier::split). It is not `Clone`, so a router cannot hand
/// it to a second pickup loop by accident (two loops calling `sync` on one barrier
/// break ordering: a known production failure).
pub struct PickupHandle<K, C> {
    barrier: Arc<Barrier<K, C>>,
}

/// The handle for workers and the commit loop: `wait`, `state_changed`, `peek`,
/// `is_disabled` and introspection. `Clone`, and `Send + Sync`.
pub struct WorkerHandle<K, C> {
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
    /// [`Barrier::enter`].
    pub fn enter(&self, key: &K, job: JobId) -> Admission {
        self.barrier.enter(key, job)
    }

    /// [`Barrier::leave`].
    pub fn leave(&self, key: &K, job: JobId) {
        self.barrier.leave(key, job)
    }

    /// [`Barrier::sync`]: only this handle can call it.
    pub fn sync(&self) -> usize {
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
