//! Live settings: [`Barrier::reconfigure`] and [`Barrier::config`] (R-CONFIG).

use super::{Barrier, OrderingKey};
use crate::{Clock, Config};

/// Live settings.
impl<K: OrderingKey, C: Clock> Barrier<K, C> {
    /// Replaces the settings; every call that starts after this returns uses them
    /// (R-CONFIG). Records and queued effects are kept: a `key_threshold` changed
    /// to 0 means no key goes hot any more, a `drain_limit` changed to 0 means open
    /// windows refuse nothing any more, and changed timers are compared with the
    /// time existing modes began and existing windows became idle (so a shorter
    /// timer can make them due at the next [`sync`](crate::Barrier::sync)).
    /// Timers longer than [`crate::config::MAX_TIMER`] saturate (see [`Config::validate`]).
    ///
    /// Locks the shards one at a time. A change of timers reschedules every
    /// record's R-EXPIRE deadline: O(records), once.
    ///
    /// ```
    /// use std::time::Duration;
    /// use eventorder::{Barrier, Config, JobId, JobState, ManualClock};
    ///
    /// let clock = ManualClock::new();
    /// let barrier: Barrier<&str, ManualClock> =
    ///     Barrier::builder().drain_limit(1).clock(clock.clone()).build();
    /// barrier.state_changed(&"k", JobId(1), JobState::Failed)?;
    /// barrier.state_changed(&"k", JobId(1), JobState::Aborted)?;
    /// barrier.sync(); // an idle drain window opens (R-EFF-ABORT)
    /// clock.advance(Duration::from_secs(90));
    /// barrier.sync();
    /// assert_eq!(barrier.size(), 1, "idle for 90 s of the default 10 min");
    /// barrier.reconfigure(Config {
    ///     drain_limit: 1,
    ///     drain_idle_for: Duration::from_secs(60),
    ///     ..Config::default()
    /// });
    /// barrier.sync();
    /// assert_eq!(barrier.size(), 0, "idle for longer than the new minute");
    /// # Ok::<(), eventorder::Error>(())
    /// ```
    pub fn reconfigure(&self, config: Config) {
        let rules = config.rules();
        let panic = config.panic_on_illegal_sequence;
        let mut current = self.config.lock();
        let timers_changed = {
            let old = current.rules();
            (old.disabled_for, old.half_enabled_for, old.drain_idle_for)
                != (
                    rules.disabled_for,
                    rules.half_enabled_for,
                    rules.drain_idle_for,
                )
        };
        for cell in self.shards.iter() {
            let cell = &cell.0;
            let mut shard = cell.lock.lock();
            shard.rules = rules;
            shard.panic_on_illegal_sequence = panic;
            if timers_changed {
                shard.store.reschedule(&rules);
                cell.presence.set_next_due(shard.store.next_deadline());
            }
        }
        self.untracked_enter.store(
            !crate::machine::transitions::creates_record_on_enter(&rules),
            std::sync::atomic::Ordering::Release,
        );
        *current = config;
    }

    /// The settings in force.
    pub fn config(&self) -> Config {
        self.config.lock().clone()
    }
}
