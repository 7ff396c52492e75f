//! [`Builder`]: every way to set a barrier up.

use std::{marker::PhantomData, time::Duration};

use crate::{
    barrier::{Observer, OrderingKey, Predicate},
    Barrier, Clock, Config, IllegalSequence, Result, SystemClock,
};

/// The most shards a barrier will use.
pub const MAX_SHARDS: usize = 1024;

/// Builds a [`Barrier`]. Start from [`Barrier::builder`].
///
/// ```
/// use std::time::Duration;
/// use eventorder::{Barrier, ManualClock};
///
/// let clock = ManualClock::new();
/// let barrier: Barrier<String, ManualClock> = Barrier::builder()
///     .drain_limit(1)
///     .key_threshold(200)
///     .disabled_for(Duration::from_secs(20 * 60))
///     .half_enabled_for(Duration::from_secs(10 * 60))
///     .drain_idle_for(Duration::from_secs(10 * 60))
///     .ordering_disabled(|key: &String| key.starts_with("vip"))
///     .on_illegal_sequence(|event| eprintln!("{event}"))
///     .clock(clock.clone())
///     .build();
/// assert_eq!(barrier.config().drain_limit, 1);
/// ```
#[must_use = "a builder does nothing until .build()"]
pub struct Builder<K, C = SystemClock> {
    config: Config,
    clock: C,
    shards: Option<usize>,
    ordering_disabled: Option<Predicate<K>>,
    observer: Option<Observer<K>>,
    key: PhantomData<fn(K)>,
}

impl<K: OrderingKey> Builder<K, SystemClock> {
    pub(crate) fn new() -> Self {
        Builder {
            config: Config::default(),
            clock: SystemClock,
            shards: None,
            ordering_disabled: None,
            observer: None,
            key: PhantomData,
        }
    }
}

impl<K: OrderingKey, C: Clock> Builder<K, C> {
    /// Replaces every setting of [`Config`] at once.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// [`Config::drain_limit`].
    pub fn drain_limit(mut self, limit: usize) -> Self {
        self.config.drain_limit = limit;
        self
    }

    /// [`Config::key_threshold`].
    pub fn key_threshold(mut self, threshold: usize) -> Self {
        self.config.key_threshold = threshold;
        self
    }

    /// [`Config::disabled_for`].
    pub fn disabled_for(mut self, duration: Duration) -> Self {
        self.config.disabled_for = duration;
        self
    }

    /// [`Config::half_enabled_for`].
    pub fn half_enabled_for(mut self, duration: Duration) -> Self {
        self.config.half_enabled_for = duration;
        self
    }

    /// [`Config::drain_idle_for`].
    pub fn drain_idle_for(mut self, duration: Duration) -> Self {
        self.config.drain_idle_for = duration;
        self
    }

    /// [`Config::panic_on_illegal_sequence`].
    pub fn panic_on_illegal_sequence(mut self, panic: bool) -> Self {
        self.config.panic_on_illegal_sequence = panic;
        self
    }

    /// The caller's predicate "ordering is off for this key right now" (R-MODE).
    ///
    /// `enter` calls it, with the key's shard locked, when the key has or gets a
    /// record: keep it cheap and never call back into the barrier from it (the
    /// barrier's `Debug`, which takes no lock, is the one exception).
    pub fn ordering_disabled(
        mut self,
        predicate: impl Fn(&K) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.ordering_disabled = Some(Box::new(predicate));
        self
    }

    /// The observer of illegal sequences (R-ILLEGAL). SPEC v3 reports none, so it
    /// is never called; it stays for source compatibility and for checks a later
    /// version may add. Such a report would come after the call's state change,
    /// with no barrier lock held (the observer could call back into the barrier),
    /// and not when [`panic_on_illegal_sequence`](Builder::panic_on_illegal_sequence)
    /// is on.
    pub fn on_illegal_sequence(
        mut self,
        observer: impl Fn(&IllegalSequence<K>) + Send + Sync + 'static,
    ) -> Self {
        self.observer = Some(Box::new(observer));
        self
    }

    /// The number of shard locks: rounded up to a power of two, at least 1 and at
    /// most [`MAX_SHARDS`]. Default: four per available core, rounded up.
    pub fn shards(mut self, shards: usize) -> Self {
        self.shards = Some(shards);
        self
    }

    /// The time source (default [`SystemClock`]).
    pub fn clock<C2: Clock>(self, clock: C2) -> Builder<K, C2> {
        Builder {
            config: self.config,
            clock,
            shards: self.shards,
            ordering_disabled: self.ordering_disabled,
            observer: self.observer,
            key: PhantomData,
        }
    }

    /// Builds the barrier with the settings [`Config::validate`] accepts: a timer
    /// it would reject (longer than [`MAX_TIMER`](crate::config::MAX_TIMER), such
    /// as [`Duration::MAX`]) is cut down to `MAX_TIMER`, "for ever" as far as the
    /// barrier can count (see [`Config::saturated`]), and
    /// [`Barrier::config`] says so. [`try_build`](Builder::try_build) rejects such
    /// settings instead.
    ///
    /// ```
    /// use std::time::Duration;
    /// use eventorder::{config::MAX_TIMER, Barrier};
    ///
    /// let builder = || Barrier::<String>::builder().disabled_for(Duration::MAX);
    /// assert_eq!(builder().build().config().disabled_for, MAX_TIMER);
    /// assert!(builder().try_build().is_err());
    /// ```
    pub fn build(self) -> Barrier<K, C> {
        let shards = self
            .shards
            .unwrap_or_else(default_shards)
            .clamp(1, MAX_SHARDS)
            .next_power_of_two();
        Barrier::from_parts(
            self.config,
            self.clock,
            shards,
            self.ordering_disabled,
            self.observer,
        )
    }

    /// Builds the barrier after [`Config::validate`].
    ///
    /// # Errors
    /// [`Error::InvalidConfig`](crate::Error::InvalidConfig) for settings the barrier
    /// cannot use, naming the setting and its value.
    pub fn try_build(self) -> Result<Barrier<K, C>> {
        self.config.validate()?;
        Ok(self.build())
    }
}

/// Four shards per available core, rounded up to a power of two.
fn default_shards() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_mul(4)
}
