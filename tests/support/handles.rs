//! The two ways a user drives a barrier, behind one interface: the barrier
//! itself (`&Barrier`, `Barrier::round` through `&mut`), or the split handles
//! (`PickupHandle` for `enter`, `leave`, `sync` and rounds; `WorkerHandle` for
//! `wait`, reports, `reconfigure` and introspection). Where both handles offer a
//! call (`peek`, `is_disabled`, `size`, `stats`, `Display`), both are asked and
//! must agree.

use eventorder::{
    Admission, Barrier, Config, Hold, JobId, JobState, ManualClock, PickupHandle, Result, Snapshot,
    Stats, WorkerHandle,
};

use super::Key;

/// The calls a test makes, on whichever front the user has.
pub trait Api {
    fn enter(&mut self, key: Key, job: JobId) -> Admission;
    fn wait(&mut self, key: Key, job: JobId) -> Hold;
    fn state_changed(&mut self, key: Key, job: JobId, state: JobState) -> Result<()>;
    fn report_all(&mut self, reports: &[(Key, JobId, JobState)]) -> Vec<Result<()>>;
    fn leave(&mut self, key: Key, job: JobId);
    fn sync(&mut self) -> usize;
    fn peek(&mut self, key: Key) -> Option<JobId>;
    fn is_disabled(&mut self, key: Key) -> bool;
    fn size(&mut self) -> usize;
    fn reconfigure(&mut self, config: Config);
    fn recover(&mut self, failed: Vec<(Key, JobId)>) -> Result<usize>;
}

/// What a user can read (read-only, on a shared front).
pub trait View {
    fn size(&self) -> usize;
    fn queued(&self) -> usize;
    fn peek(&self, key: Key) -> Option<JobId>;
    fn is_disabled(&self, key: Key) -> bool;
    fn snapshot(&self) -> Snapshot<Key>;
    fn stats(&self) -> Stats;
    /// The `Display` dump.
    fn display(&self) -> String;
}

impl Api for &Barrier<Key, ManualClock> {
    fn enter(&mut self, key: Key, job: JobId) -> Admission {
        Barrier::enter(self, &key, job)
    }
    fn wait(&mut self, key: Key, job: JobId) -> Hold {
        Barrier::wait(self, &key, job)
    }
    fn state_changed(&mut self, key: Key, job: JobId, state: JobState) -> Result<()> {
        Barrier::state_changed(self, &key, job, state)
    }
    fn report_all(&mut self, reports: &[(Key, JobId, JobState)]) -> Vec<Result<()>> {
        Barrier::report_all(self, reports.iter().map(|(k, j, s)| (k, *j, *s)))
    }
    fn leave(&mut self, key: Key, job: JobId) {
        Barrier::leave(self, &key, job)
    }
    fn sync(&mut self) -> usize {
        Barrier::sync(self)
    }
    fn peek(&mut self, key: Key) -> Option<JobId> {
        Barrier::peek(self, &key)
    }
    fn is_disabled(&mut self, key: Key) -> bool {
        Barrier::is_disabled(self, &key)
    }
    fn size(&mut self) -> usize {
        Barrier::size(self)
    }
    fn reconfigure(&mut self, config: Config) {
        Barrier::reconfigure(self, config)
    }
    fn recover(&mut self, failed: Vec<(Key, JobId)>) -> Result<usize> {
        Barrier::recover(self, failed)
    }
}

impl View for Barrier<Key, ManualClock> {
    fn size(&self) -> usize {
        Barrier::size(self)
    }
    fn queued(&self) -> usize {
        Barrier::queued(self)
    }
    fn peek(&self, key: Key) -> Option<JobId> {
        Barrier::peek(self, &key)
    }
    fn is_disabled(&self, key: Key) -> bool {
        Barrier::is_disabled(self, &key)
    }
    fn snapshot(&self) -> Snapshot<Key> {
        Barrier::snapshot(self)
    }
    fn stats(&self) -> Stats {
        Barrier::stats(self)
    }
    fn display(&self) -> String {
        self.to_string()
    }
}

/// A split barrier: the pickup loop's handle and a worker handle.
pub struct Handles {
    pub pickup: PickupHandle<Key, ManualClock>,
    pub worker: WorkerHandle<Key, ManualClock>,
}

/// Both handles' answers, which must be the same.
fn same<T: PartialEq + std::fmt::Debug>(call: &str, pickup: T, worker: T) -> T {
    assert_eq!(
        pickup, worker,
        "{call}: the pickup and worker handles disagree"
    );
    pickup
}

impl Api for Handles {
    fn enter(&mut self, key: Key, job: JobId) -> Admission {
        self.pickup.enter(&key, job)
    }
    fn wait(&mut self, key: Key, job: JobId) -> Hold {
        self.worker.wait(&key, job)
    }
    fn state_changed(&mut self, key: Key, job: JobId, state: JobState) -> Result<()> {
        self.worker.state_changed(&key, job, state)
    }
    fn report_all(&mut self, reports: &[(Key, JobId, JobState)]) -> Vec<Result<()>> {
        self.worker
            .report_all(reports.iter().map(|(k, j, s)| (k, *j, *s)))
    }
    fn leave(&mut self, key: Key, job: JobId) {
        self.pickup.leave(&key, job)
    }
    fn sync(&mut self) -> usize {
        self.pickup.sync()
    }
    fn peek(&mut self, key: Key) -> Option<JobId> {
        View::peek(self, key)
    }
    fn is_disabled(&mut self, key: Key) -> bool {
        View::is_disabled(self, key)
    }
    fn size(&mut self) -> usize {
        View::size(self)
    }
    fn reconfigure(&mut self, config: Config) {
        self.worker.reconfigure(config)
    }
    fn recover(&mut self, failed: Vec<(Key, JobId)>) -> Result<usize> {
        self.pickup.recover(failed)
    }
}

impl View for Handles {
    fn size(&self) -> usize {
        same("size", self.pickup.size(), self.worker.size())
    }
    fn queued(&self) -> usize {
        self.worker.snapshot().queued_effects
    }
    fn peek(&self, key: Key) -> Option<JobId> {
        same("peek", self.pickup.peek(&key), self.worker.peek(&key))
    }
    fn is_disabled(&self, key: Key) -> bool {
        same(
            "is_disabled",
            self.pickup.is_disabled(&key),
            self.worker.is_disabled(&key),
        )
    }
    fn snapshot(&self) -> Snapshot<Key> {
        self.worker.snapshot()
    }
    fn stats(&self) -> Stats {
        same("stats", self.pickup.stats(), self.worker.stats())
    }
    fn display(&self) -> String {
        same("Display", self.pickup.to_string(), self.worker.to_string())
    }
}
