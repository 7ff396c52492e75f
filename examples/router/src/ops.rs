//! What the loops need from the barrier, over both ways of holding it: the handles
//! of `Barrier::split` (normal, correct use) and a shared `Arc<Barrier>` (the
//! `--two-pickup-loops` misuse, where two loops call `sync`).

use std::sync::Arc;

use eventorder::{
    Admission, Barrier, BarrierKey, Hold, JobId, JobState, PickupHandle, Snapshot, Stats,
    SystemClock, WorkerHandle,
};

pub type Key = BarrierKey;
pub type SharedBarrier = Arc<Barrier<Key, SystemClock>>;

/// The pickup loop's side: `sync` and `enter`.
pub trait PickupOps: Send {
    fn sync(&self) -> usize;
    fn enter(&self, key: &Key, job: JobId) -> Admission;
    fn leave(&self, key: &Key, job: JobId);
    /// The warm start after a restart (`Barrier::recover`).
    fn recover(&self, failed: Vec<(Key, JobId)>) -> eventorder::Result<usize>;
}

/// Workers' and the commit loop's side (and read-only questions for everyone).
pub trait WorkerOps: Clone + Send + Sync + 'static {
    fn wait(&self, key: &Key, job: JobId) -> Hold;
    fn report(&self, key: &Key, job: JobId, state: JobState);
    fn peek(&self, key: &Key) -> Option<JobId>;
    fn is_disabled(&self, key: &Key) -> bool;
    fn stats(&self) -> Stats;
    fn snapshot(&self) -> Snapshot<Key>;
    fn describe(&self) -> String;
}

impl PickupOps for PickupHandle<Key, SystemClock> {
    fn sync(&self) -> usize {
        PickupHandle::sync(self)
    }
    fn enter(&self, key: &Key, job: JobId) -> Admission {
        PickupHandle::enter(self, key, job)
    }
    fn leave(&self, key: &Key, job: JobId) {
        PickupHandle::leave(self, key, job)
    }
    fn recover(&self, failed: Vec<(Key, JobId)>) -> eventorder::Result<usize> {
        PickupHandle::recover(self, failed)
    }
}

impl PickupOps for SharedBarrier {
    fn sync(&self) -> usize {
        Barrier::sync(self)
    }
    fn enter(&self, key: &Key, job: JobId) -> Admission {
        Barrier::enter(self, key, job)
    }
    fn leave(&self, key: &Key, job: JobId) {
        Barrier::leave(self, key, job)
    }
    fn recover(&self, failed: Vec<(Key, JobId)>) -> eventorder::Result<usize> {
        Barrier::recover(self, failed)
    }
}

impl WorkerOps for WorkerHandle<Key, SystemClock> {
    fn wait(&self, key: &Key, job: JobId) -> Hold {
        WorkerHandle::wait(self, key, job)
    }
    fn report(&self, key: &Key, job: JobId, state: JobState) {
        self.state_changed(key, job, state)
            .expect("the simulation only reports supported states");
    }
    fn peek(&self, key: &Key) -> Option<JobId> {
        WorkerHandle::peek(self, key)
    }
    fn is_disabled(&self, key: &Key) -> bool {
        WorkerHandle::is_disabled(self, key)
    }
    fn stats(&self) -> Stats {
        WorkerHandle::stats(self)
    }
    fn snapshot(&self) -> Snapshot<Key> {
        WorkerHandle::snapshot(self)
    }
    fn describe(&self) -> String {
        self.to_string()
    }
}

impl WorkerOps for SharedBarrier {
    fn wait(&self, key: &Key, job: JobId) -> Hold {
        Barrier::wait(self, key, job)
    }
    fn report(&self, key: &Key, job: JobId, state: JobState) {
        self.state_changed(key, job, state)
            .expect("the simulation only reports supported states");
    }
    fn peek(&self, key: &Key) -> Option<JobId> {
        Barrier::peek(self, key)
    }
    fn is_disabled(&self, key: &Key) -> bool {
        Barrier::is_disabled(self, key)
    }
    fn stats(&self) -> Stats {
        Barrier::stats(self)
    }
    fn snapshot(&self) -> Snapshot<Key> {
        Barrier::snapshot(self)
    }
    fn describe(&self) -> String {
        self.to_string()
    }
}
