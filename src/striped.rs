//! [`StripedCount`]: a counter that several threads bump without sharing a cache
//! line, for the `entered` count of the `enter` calls answered without a lock.
//!
//! Plain `std` atomics even under the test-only `--cfg eventorder_shuttle`: with
//! the thread-local lease they only feed [`Stats`](crate::Stats), and are not
//! model-checked (see `crate::sync`).

use std::{
    cell::Cell,
    sync::{
        atomic::{AtomicU64, Ordering},
        OnceLock,
    },
};

use crossbeam_utils::CachePadded;

/// Threads with a stripe of their own.
pub(crate) const STRIPES: usize = 16;

/// One stripe per thread holding a lease (see [`own_stripe`]), and a last one
/// shared, with atomic additions, by all the others.
pub(crate) struct StripedCount {
    stripes: Box<[CachePadded<AtomicU64>]>,
}

impl StripedCount {
    pub(crate) fn new() -> Self {
        StripedCount {
            stripes: (0..=STRIPES)
                .map(|_| CachePadded::new(AtomicU64::new(0)))
                .collect(),
        }
    }

    /// Counts one.
    #[inline]
    pub(crate) fn add_one(&self) {
        match own_stripe() {
            // This thread's own stripe: it is the only writer, so a load and a
            // store count exactly, without a read-modify-write.
            Some(own) => {
                let count = &self.stripes[own];
                count.store(count.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
            }
            None => {
                self.stripes[STRIPES].fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The sum of the stripes.
    pub(crate) fn total(&self) -> u64 {
        self.stripes.iter().map(|n| n.load(Ordering::Relaxed)).sum()
    }
}

/// The stripes no live thread holds. A process-wide `parking_lot` lock even under
/// `--cfg eventorder_shuttle` (a shuttle lock belongs to one execution; this one
/// only hands out `Stats` stripes, see `crate::sync`).
fn free_stripes() -> &'static parking_lot::Mutex<Vec<usize>> {
    static FREE: OnceLock<parking_lot::Mutex<Vec<usize>>> = OnceLock::new();
    FREE.get_or_init(|| parking_lot::Mutex::new((0..STRIPES).rev().collect()))
}

/// A thread's hold on a stripe, given back when the thread ends.
struct StripeLease(Cell<Option<usize>>);

impl Drop for StripeLease {
    fn drop(&mut self) {
        if let Some(stripe) = self.0.take() {
            // From now on this thread counts on the shared stripe (other
            // thread-local destructors may still call into a barrier).
            let _ = STRIPE.try_with(|s| s.set(SHARED));
            free_stripes().lock().push(stripe);
        }
    }
}

/// [`STRIPE`] before the thread asked for a stripe.
const UNASKED: usize = usize::MAX;
/// [`STRIPE`] of a thread that shares the last stripe.
const SHARED: usize = usize::MAX - 1;

thread_local! {
    /// This thread's stripe, [`UNASKED`] or [`SHARED`]. A plain `Cell` with a
    /// constant initializer and no destructor: reading it is one load, with no
    /// lazy-initialization or destructor-registration check on the hot path.
    static STRIPE: Cell<usize> = const { Cell::new(UNASKED) };
    /// The lease that gives the stripe back when the thread ends.
    static LEASE: StripeLease = const { StripeLease(Cell::new(None)) };
}

/// This thread's own stripe of the `entered` count, if it has one: a thread takes a
/// free stripe the first time it asks and gives it back when it ends, so each
/// stripe has one writer at a time, the same in every barrier (the hand-over goes
/// through the free list's lock, so the next holder sees the last count). Threads
/// that find no free stripe share the last one, with atomic additions.
#[inline]
fn own_stripe() -> Option<usize> {
    match STRIPE.try_with(Cell::get) {
        Ok(UNASKED) => lease_stripe(),
        Ok(SHARED) | Err(_) => None,
        Ok(stripe) => Some(stripe),
    }
}

/// A thread's first count: takes a free stripe, if there is one, under a lease
/// that gives it back when the thread ends.
#[cold]
fn lease_stripe() -> Option<usize> {
    let stripe = free_stripes().lock().pop().and_then(|stripe| {
        match LEASE.try_with(|lease| lease.0.set(Some(stripe))) {
            Ok(()) => Some(stripe),
            // The thread is ending: no lease, so the stripe goes back at once.
            Err(_) => {
                free_stripes().lock().push(stripe);
                None
            }
        }
    });
    let _ = STRIPE.try_with(|s| s.set(stripe.unwrap_or(SHARED)));
    stripe
}
