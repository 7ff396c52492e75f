//! The logical clock: moving it, asking whether a timer can still run out, and
//! the time abstraction that keeps a model checker's state space finite.

use super::*;

impl<K: Ord + Clone + Hash + Debug> Reference<K> {
    /// Move the logical clock forward by `ticks`.
    pub fn advance(&mut self, ticks: Tick) {
        self.now += ticks;
    }

    /// Whether a clock tick can still make some record's timer run out: a
    /// `Disabled` or `HalfEnabled` mode not older than its timer, or an idle drain
    /// window not idle for longer than `drain_idle_for` (see
    /// [`Record::timer_running`]). Once this is false, further ticks change no
    /// answer of any call until some call starts a timer again.
    pub fn timers_running(&self) -> bool {
        self.records
            .values()
            .any(|record| record.timer_running(self.now, &self.config))
    }

    /// Whether some record's timer has run out, so that the next `sync` changes
    /// it (see [`Record::timer_due`]).
    pub fn timers_due(&self) -> bool {
        self.records
            .values()
            .any(|record| record.timer_due(self.now, &self.config))
    }

    /// The tick [`Reference::normalize_clock`] sets `now` to: one more than the
    /// longest timer.
    pub fn horizon(&self) -> Tick {
        horizon(&self.config)
    }

    /// The stamp that, once [`Reference::normalize_clock`] has run, has the same
    /// age as `stamp` has now, with the age capped at `cap` (at most
    /// [`Reference::horizon`]).
    pub fn normalized(&self, stamp: Tick, cap: Tick) -> Tick {
        self.horizon() - (self.now - stamp).min(cap)
    }

    /// A time abstraction for exhaustive exploration (not a barrier operation):
    /// shift the clock so that `now` is [`Reference::horizon`], and cap every age
    /// one tick past its own timer (`disabled_for` for `Disabled`,
    /// `half_enabled_for` for `HalfEnabled`, `drain_idle_for` for an idle window).
    /// Every rule compares an age with its timer only, so two states equal after
    /// this answer every future call alike, as long as the timers do not change;
    /// see [`Reference::normalize_clock_for`] when they may.
    pub fn normalize_clock(&mut self) {
        let timers = self.config.clone();
        self.normalize_clock_for(&timers);
    }

    /// The same abstraction for a barrier whose settings may change live
    /// (R-CONFIG) among several: `timers` must hold, for each timer, the longest
    /// value it can take, so that an age capped past it compares alike with every
    /// value. `now` becomes one more than the longest of them.
    pub fn normalize_clock_for(&mut self, timers: &RefConfig) {
        let top = horizon(timers);
        let stamp = |since: Tick, timer: Tick| top - (self.now - since).min(timer + 1);
        let mut records = std::mem::take(&mut self.records);
        for record in records.values_mut() {
            record.mode = match record.mode {
                Mode::Enabled => Mode::Enabled,
                Mode::Disabled { since } => Mode::Disabled {
                    since: stamp(since, timers.disabled_for),
                },
                Mode::HalfEnabled { since } => Mode::HalfEnabled {
                    since: stamp(since, timers.half_enabled_for),
                },
            };
            if let Some(drain) = &mut record.drain {
                drain.idle_since = drain
                    .idle_since
                    .map(|since| stamp(since, timers.drain_idle_for));
            }
        }
        self.records = records;
        self.now = top;
    }
}

/// One more than the longest timer of `c`.
fn horizon(c: &RefConfig) -> Tick {
    c.disabled_for.max(c.half_enabled_for).max(c.drain_idle_for) + 1
}
