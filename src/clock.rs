//! Time sources. The barrier reads its clock once per call and hands the reading to
//! the pure state machine, which never reads a clock itself.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

/// A monotonic time source for the hot-key timers (R-MODE).
///
/// Implement it to drive the barrier from your own notion of time; the crate ships
/// [`SystemClock`] (real time) and [`ManualClock`] (tests and simulations).
pub trait Clock: Send + Sync + 'static {
    /// The current instant. Must never go backwards.
    fn now(&self) -> Instant;
}

/// The real monotonic clock ([`Instant::now`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told to. Clones share one time.
///
/// ```
/// use std::time::Duration;
/// use eventorder::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// let shared = clock.clone();
/// let t0 = clock.now();
/// shared.advance(Duration::from_secs(3));
/// assert_eq!(clock.now() - t0, Duration::from_secs(3));
/// assert_eq!(clock.elapsed(), Duration::from_secs(3));
/// ```
#[derive(Clone, Debug)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

#[derive(Debug)]
struct ManualInner {
    origin: Instant,
    offset_nanos: AtomicU64,
}

impl ManualClock {
    /// A clock standing at an arbitrary origin, which it never leaves until advanced.
    pub fn new() -> Self {
        ManualClock {
            inner: Arc::new(ManualInner {
                origin: Instant::now(),
                offset_nanos: AtomicU64::new(0),
            }),
        }
    }

    /// Moves this clock and all its clones forward by `by` (saturating at about 584
    /// years from the origin).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let mut current = self.inner.offset_nanos.load(Ordering::Relaxed);
        loop {
            let next = current.saturating_add(by);
            match self.inner.offset_nanos.compare_exchange_weak(
                current,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(seen) => current = seen,
            }
        }
    }

    /// How far the clock has been advanced since it was made.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.inner.offset_nanos.load(Ordering::Acquire))
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.inner.origin + self.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_stands_still_until_advanced() {
        let c = ManualClock::new();
        let t = c.now();
        assert_eq!(c.now(), t);
        c.advance(Duration::from_millis(5));
        assert_eq!(c.now() - t, Duration::from_millis(5));
    }

    #[test]
    fn system_clock_moves_forward() {
        let a = SystemClock.now();
        assert!(SystemClock.now() >= a);
    }
}
