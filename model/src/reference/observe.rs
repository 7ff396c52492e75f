//! What a user can count of the barrier, derived from the reference: the
//! counters of the library's `Stats` and the calls of the `ordering_disabled`
//! predicate ([`Counts`]).
//!
//! SPEC.md has no counters; each one is written here from the counter's
//! documentation (the library's `src/stats.rs`) in the terms of SPEC.md's
//! rules, and read off the reference's answers and its state before and after
//! each rule, never off the library. The operations below do exactly what the
//! plain ones do (a test checks that the barrier ends up equal), and add to a
//! [`Counts`]:
//!
//! | counter | what it counts (the rule) |
//! |---|---|
//! | `entered` | `enter`s (and offers that enter) that accepted the job |
//! | `rejected` | `enter`s (and offers that enter) that refused the job |
//! | `waits_told` | `wait`s answering "wait" (R-WAIT) |
//! | `failures_recorded` | `failed` reports that took effect: the key had no record, or one not `Disabled` (R-EFF-FAILED), the warm start's included |
//! | `drains_opened` | `aborted` effects that opened a drain window (R-EFF-ABORT) |
//! | `keys_gone_hot` | `enter`s that made a key hot (R-ENTER-HOT; not R-MODE's reset by the predicate) |
//! | `keys_re_enabled` | timer steps from `HalfEnabled` to `Enabled` (R-MODE, at `enter` or at `sync`'s R-EXPIRE) |
//! | `effects_applied` | queued effects `sync` processed (R-SYNC's answer) |
//! | `drains_expired` | drain windows R-EXPIRE closed |
//! | `records_expired` | records that R-EXPIRE left inactive (so R-GC removed them); not records the queued effects alone emptied |
//! | `predicate_asks` | `ordering_disabled(key)` evaluations: one per `enter` that reaches R-MODE, i.e. whose key has a record or gets one (R-ENTER-1 with `key_threshold > 0`); never in `wait`, `peek`, `is_disabled`, `sync` or a report |
//!
//! SPEC.md says when R-MODE evaluates the predicate, not how many times: one
//! evaluation per `enter` that reaches R-MODE is what the library documents
//! (`Barrier::enter`: "calls the predicate ... only if the key has or gets a
//! record").

use super::rules::timer_step;
use super::*;

/// Counts a user can read of the barrier (see the module docs): the library's
/// `Stats` counters, and how often the `ordering_disabled` predicate ran.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counts {
    /// `enter` calls that accepted the job.
    pub entered: u64,
    /// `enter` calls that refused the job.
    pub rejected: u64,
    /// `wait` calls that told the worker to wait.
    pub waits_told: u64,
    /// `failed` reports that took effect (R-EFF-FAILED).
    pub failures_recorded: u64,
    /// Drain windows opened by the abort of a failed job (R-EFF-ABORT).
    pub drains_opened: u64,
    /// Keys that went hot (R-ENTER-HOT).
    pub keys_gone_hot: u64,
    /// `HalfEnabled` → `Enabled` timer steps (R-MODE, R-EXPIRE).
    pub keys_re_enabled: u64,
    /// Queued effects processed by `sync` (R-SYNC).
    pub effects_applied: u64,
    /// Drain windows closed by R-EXPIRE.
    pub drains_expired: u64,
    /// Records that R-EXPIRE left inactive (removed by R-GC).
    pub records_expired: u64,
    /// Evaluations of the `ordering_disabled` predicate (R-MODE at `enter`).
    pub predicate_asks: u64,
}

/// What `enter` is about to do to the key's mode, read before the call.
struct BeforeEnter {
    /// R-MODE runs (the key has a record, or R-ENTER-1 makes one).
    reaches_mode: bool,
    /// The mode after R-MODE's reset and timer step (`Enabled` for a new record).
    refreshed: Mode,
    /// The timer step turned `HalfEnabled` into `Enabled`.
    re_enabled: bool,
}

impl<K: Ord + Clone + Hash + Debug> Reference<K> {
    /// Whether an `enter` of `key` now evaluates the predicate: the key has a
    /// record or gets one (R-ENTER-1, R-MODE).
    pub fn asks_predicate(&self, key: &K) -> bool {
        self.records.contains_key(key) || self.config.key_threshold > 0
    }

    fn before_enter(&self, key: &K) -> BeforeEnter {
        let reaches_mode = self.asks_predicate(key);
        let mode = self.mode(key);
        let (refreshed, re_enabled) = if self.ordering_disabled.contains(key) {
            // R-MODE's reset, then a timer step on a mode that is 0 ticks old.
            let reset = Mode::Disabled { since: self.now };
            (timer_step(reset, self.now, &self.config), false)
        } else {
            let stepped = timer_step(mode, self.now, &self.config);
            let re_enabled = matches!(mode, Mode::HalfEnabled { .. }) && stepped == Mode::Enabled;
            (stepped, re_enabled)
        };
        BeforeEnter {
            reaches_mode,
            refreshed,
            re_enabled: reaches_mode && re_enabled,
        }
    }

    /// Adds what an `enter` did to `counts`, from its state before and its answer.
    fn count_enter(&self, key: &K, before: BeforeEnter, accepted: bool, counts: &mut Counts) {
        if accepted {
            counts.entered += 1;
        } else {
            counts.rejected += 1;
        }
        if !before.reaches_mode {
            return;
        }
        counts.predicate_asks += 1;
        counts.keys_re_enabled += u64::from(before.re_enabled);
        // R-ENTER-HOT is the only rule that turns a mode left un-`Disabled` by
        // R-MODE into `Disabled`.
        let hot = !matches!(before.refreshed, Mode::Disabled { .. })
            && matches!(self.mode(key), Mode::Disabled { .. });
        counts.keys_gone_hot += u64::from(hot);
    }

    /// [`Reference::enter`], counted.
    pub fn enter_counted(&mut self, key: &K, job: JobId, counts: &mut Counts) -> Outcome<K> {
        let before = self.before_enter(key);
        let outcome = self.enter(key, job);
        self.count_enter(key, before, outcome.admission().0, counts);
        outcome
    }

    /// [`Reference::offer`], counted (an offer that enters counts as `enter`).
    pub fn offer_counted(&mut self, key: &K, job: JobId, counts: &mut Counts) -> Offered {
        let enters = self.out_of_order(key, job).is_none() && !self.round.skipped.contains(key);
        let before = self.before_enter(key);
        let offered = self.offer(key, job);
        if enters {
            let accepted = matches!(offered, Offered::Admitted { .. });
            self.count_enter(key, before, accepted, counts);
        }
        offered
    }

    /// [`Reference::wait`], counted.
    pub fn wait_counted(&self, key: &K, job: JobId, counts: &mut Counts) -> Outcome<K> {
        let outcome = self.wait(key, job);
        counts.waits_told += u64::from(outcome.hold().0);
        outcome
    }

    /// [`Reference::state_changed`], counted (`failed` takes effect now; the
    /// others count at `sync`).
    pub fn state_changed_counted(
        &mut self,
        key: &K,
        job: JobId,
        state: RefState,
        counts: &mut Counts,
    ) -> Outcome<K> {
        let recorded =
            state == RefState::Failed && !matches!(self.mode(key), Mode::Disabled { .. });
        counts.failures_recorded += u64::from(recorded);
        self.state_changed(key, job, state)
    }

    /// [`Reference::sync`], counted: the same phases in the same order
    /// (R-CONFIG, R-SYNC effect by effect, R-EXPIRE, R-GC), each effect and the
    /// expiry compared before and after.
    pub fn sync_counted(&mut self, counts: &mut Counts) -> Outcome<K> {
        self.install_pending_config();
        let queue = std::mem::take(&mut self.queue);
        let applied = queue.len();
        counts.effects_applied += applied as u64;
        for (key, job, effect) in queue {
            self.apply(&key, job, effect);
            // After an abort, a window is present only if the abort opened it:
            // R-EFF-ABORT closes any other (see `effect_release`).
            let opened = effect == Effect::Abort
                && self.records.get(&key).is_some_and(|r| r.drain.is_some());
            counts.drains_opened += u64::from(opened);
        }
        let before = self.records.clone();
        self.expire();
        for (key, after) in &self.records {
            let was = &before[key];
            let re_enabled =
                matches!(was.mode, Mode::HalfEnabled { .. }) && after.mode == Mode::Enabled;
            counts.keys_re_enabled += u64::from(re_enabled);
            counts.drains_expired += u64::from(was.drain.is_some() && after.drain.is_none());
            counts.records_expired += u64::from(!was.is_inactive() && after.is_inactive());
        }
        self.collect_inactive();
        Outcome::plain(Ret::Applied(applied))
    }

    /// [`Reference::round`], counted.
    pub fn round_counted(&mut self, counts: &mut Counts) -> usize {
        let applied = match self.sync_counted(counts).ret {
            Ret::Applied(applied) => applied,
            ref other => unreachable!("sync answered {other:?}"),
        };
        self.round = RoundState::default();
        applied
    }

    /// [`Reference::recover`], counted (each job is a `failed` report).
    pub fn recover_counted(
        &mut self,
        jobs: impl IntoIterator<Item = (K, JobId)>,
        counts: &mut Counts,
    ) -> Result<usize, RecoverTooLate> {
        // The guard alone: an empty warm start changes nothing either way.
        self.recover(std::iter::empty())?;
        for (key, job) in jobs {
            self.state_changed_counted(&key, job, RefState::Failed, counts);
        }
        Ok(self.size())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every counted operation leaves the barrier as the plain one does, and a
    /// script that goes through every counter counts what SPEC.md's rules did.
    #[test]
    fn counted_operations_count_and_change_nothing_else() {
        let config = RefConfig {
            drain_limit: 1,
            key_threshold: 2,
            disabled_for: 2,
            half_enabled_for: 1,
            drain_idle_for: 1,
            panic_on_illegal_sequence: false,
        };
        let mut counted: Reference<u8> = Reference::new(config);
        let mut plain = counted.clone();
        let mut c = Counts::default();
        // Key 1: a failure, a refused and an accepted enter, a told wait, the
        // abort that opens a window, which then expires.
        counted.state_changed_counted(&1, 5, RefState::Failed, &mut c);
        plain.state_changed(&1, 5, RefState::Failed);
        counted.enter_counted(&1, 6, &mut c);
        plain.enter(&1, 6);
        counted.enter_counted(&1, 5, &mut c);
        plain.enter(&1, 5);
        counted.wait_counted(&1, 6, &mut c);
        counted.state_changed_counted(&1, 5, RefState::Aborted, &mut c);
        plain.state_changed(&1, 5, RefState::Aborted);
        counted.sync_counted(&mut c);
        plain.sync();
        // Key 2 goes hot (threshold 2), then comes back through HalfEnabled.
        for job in 1..=3 {
            counted.enter_counted(&2, job, &mut c);
            plain.enter(&2, job);
        }
        for _ in 0..2 {
            counted.advance(3);
            plain.advance(3);
            counted.sync_counted(&mut c);
            plain.sync();
        }
        // Key 3: the predicate resets it (not hot).
        counted.set_ordering_disabled(&3, true);
        plain.set_ordering_disabled(&3, true);
        counted.enter_counted(&3, 1, &mut c);
        plain.enter(&3, 1);
        assert_eq!(counted, plain);
        let want = Counts {
            entered: 5,
            rejected: 1,
            waits_told: 1,
            failures_recorded: 1,
            drains_opened: 1,
            keys_gone_hot: 1,
            keys_re_enabled: 1,
            effects_applied: 1,
            drains_expired: 1,
            records_expired: 2,
            predicate_asks: 6,
        };
        assert_eq!(c, want);
    }
}
