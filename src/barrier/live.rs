//! Live settings: [`Barrier::reconfigure`] and [`Barrier::config`] (R-CONFIG).

use std::sync::atomic::Ordering;

use super::{Barrier, OrderingKey};
use crate::{machine::bug, Clock, Config};

/// Live settings.
impl<K: OrderingKey, C: Clock> Barrier<K, C> {
    /// Replaces the settings from the next [`sync`](Barrier::sync) on (R-CONFIG):
    /// that `sync`, the start of the next round, installs them in every shard
    /// before it applies its queued effects, so settings never change within a
    /// round. A second call before that `sync` replaces the first. Records and queued effects are kept: a `key_threshold` changed
    /// to 0 means no key goes hot any more, a `drain_limit` changed to 0 means open
    /// windows refuse nothing any more, and changed timers are compared with the
    /// time existing modes began and existing windows became idle (so a shorter
    /// timer can make them due at the next [`sync`](crate::Barrier::sync)).
    /// Timers longer than [`crate::config::MAX_TIMER`] are cut down to it, as at
    /// [`Builder::build`](crate::Builder::build) (see [`Config::saturated`]).
    ///
    /// The `sync` that installs them locks the shards one at a time. A change of
    /// timers reschedules every record's R-EXPIRE deadline: O(records), once.
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
        if bug!(ReconfigureAtOnce) {
            self.install(config);
            return;
        }
        let mut settings = self.config.lock();
        settings.pending = Some(config.saturated());
        self.config_pending.store(true, Ordering::Release);
    }

    /// R-CONFIG at `sync`: installs the pending change, if any, in every shard.
    pub(super) fn install_pending_config(&self) {
        let pending = {
            let mut settings = self.config.lock();
            self.config_pending.store(false, Ordering::Release);
            settings.pending.take()
        };
        if let Some(config) = pending {
            self.install(config);
        }
    }

    /// New settings in every shard, one shard at a time (`sync` runs on the
    /// pickup loop's thread, and so does every reader of the settings: none sees
    /// two settings within one round).
    fn install(&self, config: Config) {
        let config = config.saturated();
        let rules = config.rules();
        let panic = config.panic_on_illegal_sequence;
        let mut settings = self.config.lock();
        let timers_changed = {
            let old = settings.current.rules();
            (old.disabled_for, old.half_enabled_for, old.drain_idle_for)
                != (
                    rules.disabled_for,
                    rules.half_enabled_for,
                    rules.drain_idle_for,
                )
        };
        for cell in self.shards.iter() {
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
            Ordering::Release,
        );
        settings.current = config;
    }

    /// The settings in force (a change left by
    /// [`reconfigure`](Barrier::reconfigure) is in force from the next
    /// [`sync`](Barrier::sync) on; see [`pending_config`](Barrier::pending_config)).
    pub fn config(&self) -> Config {
        self.config.lock().current.clone()
    }

    /// The change [`reconfigure`](Barrier::reconfigure) left for the next
    /// [`sync`](Barrier::sync), if any (R-CONFIG).
    pub fn pending_config(&self) -> Option<Config> {
        self.config.lock().pending.clone()
    }
}

/// The settings in force and a pending change (R-CONFIG).
pub(super) struct Settings {
    pub(super) current: Config,
    pub(super) pending: Option<Config>,
}
