//! What workers and the commit loop need from the barrier: the split
//! `WorkerHandle` (the pickup loop owns the `PickupHandle` and its rounds).

use eventorder::{BarrierKey, Hold, JobId, JobState, SystemClock, WorkerHandle};

pub type Key = BarrierKey;
pub type Workers = WorkerHandle<Key, SystemClock>;

/// Workers' and the commit loop's side (and read-only questions for everyone).
pub trait WorkerOps: Clone + Send + Sync + 'static {
    fn wait(&self, key: &Key, job: JobId) -> Hold;
    fn report(&self, key: &Key, job: JobId, state: JobState);
    /// The commit loop's batch of reports, in order (`report_all`).
    fn report_all(&self, reports: &[(&Key, JobId, JobState)]);
    fn peek(&self, key: &Key) -> Option<JobId>;
    fn is_disabled(&self, key: &Key) -> bool;
    fn describe(&self) -> String;
}

impl WorkerOps for Workers {
    fn wait(&self, key: &Key, job: JobId) -> Hold {
        WorkerHandle::wait(self, key, job)
    }
    fn report(&self, key: &Key, job: JobId, state: JobState) {
        self.state_changed(key, job, state)
            .expect("the simulation only reports supported states");
    }
    fn report_all(&self, reports: &[(&Key, JobId, JobState)]) {
        for result in WorkerHandle::report_all(self, reports.iter().copied()) {
            result.expect("the simulation only reports supported states");
        }
    }
    fn peek(&self, key: &Key) -> Option<JobId> {
        WorkerHandle::peek(self, key)
    }
    fn is_disabled(&self, key: &Key) -> bool {
        WorkerHandle::is_disabled(self, key)
    }
    fn describe(&self) -> String {
        self.to_string()
    }
}
