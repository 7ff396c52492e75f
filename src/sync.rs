//! The shard locks and lock-free atomics of the barrier, from one place, so that a
//! test build can swap them for a model checker's.
//!
//! Normal builds re-export `parking_lot`'s mutex and `std`'s atomics: no wrapper,
//! no extra call, the same code as naming them directly. With the test-only
//! `--cfg eventorder_shuttle` (in `RUSTFLAGS`, set by `.ci/run`), the same names
//! are backed by `shuttle::sync`, whose every lock and atomic access is a
//! scheduling point of shuttle's controlled scheduler (`tests/shuttle.rs`); such a
//! build must run every barrier call inside a shuttle execution.
//!
//! Not everything goes through here: the striped `entered` counters of lock-free
//! `enter` calls and their thread-local stripe lease (in `striped.rs`) stay on
//! `std` atomics and a `parking_lot` lock in a process-wide static, which a shuttle
//! object could not be (it belongs to one execution). They only feed `Stats`, never
//! an answer or a record, so leaving them out of the model check loses nothing it
//! checks.

#[cfg(not(eventorder_shuttle))]
pub(crate) use parking_lot::{Mutex, MutexGuard};
#[cfg(not(eventorder_shuttle))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64};

#[cfg(eventorder_shuttle)]
pub(crate) use shuttle_backed::{AtomicBool, AtomicU64, Mutex, MutexGuard};

#[cfg(eventorder_shuttle)]
mod shuttle_backed {
    pub(crate) use shuttle::sync::atomic::{AtomicBool, AtomicU64};
    pub(crate) use shuttle::sync::MutexGuard;

    /// `shuttle::sync::Mutex` with `parking_lot`'s signature: `lock` returns the
    /// guard. The barrier's locks are never poisoned (a panic under them leaves
    /// the record as it was, see `barrier.rs`), so a poisoned lock is taken as is.
    pub(crate) struct Mutex<T>(shuttle::sync::Mutex<T>);

    impl<T> Mutex<T> {
        #[track_caller]
        pub(crate) fn new(value: T) -> Self {
            Mutex(shuttle::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }
    }
}
