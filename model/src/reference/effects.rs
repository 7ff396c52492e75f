//! The reports (R-STATE-…, R-EFF-…), `leave`, `sync` with R-EXPIRE, the read-only
//! calls, live reconfiguration (R-CONFIG) and R-GC.

use super::rules::timer_step;
use super::*;

impl<K: Ord + Clone + Hash + Debug> Reference<K> {
    // -------------------------------------------------------- state_changed

    /// `state_changed(key, job, state)`: R-STATE-SUPPORTED and R-STATE-QUEUE.
    pub fn state_changed(&mut self, key: &K, job: JobId, state: RefState) -> Outcome<K> {
        // R-STATE-SUPPORTED: known but not taken: an error, no effect.
        let Some(effect) = effect_of(state) else {
            return Outcome::plain(Ret::StateChanged(Err(Unsupported)));
        };
        // R-STATE-QUEUE: `failed` at once; the others queued if the key has a
        // record now, dropped otherwise.
        if effect == Effect::Failed {
            self.apply(key, job, effect);
        } else if self.records.contains_key(key) {
            self.queue.push((key.clone(), job, effect));
        }
        self.collect_inactive();
        Outcome::plain(Ret::StateChanged(Ok(())))
    }

    /// Apply one effect, immediately or at `sync`, without R-GC.
    pub(crate) fn apply(&mut self, key: &K, job: JobId, effect: Effect) {
        match effect {
            Effect::Leave => self.effect_leave(key, job),
            Effect::Failed => self.effect_failed(key, job),
            Effect::Release => self.effect_release(key, job, false),
            Effect::Abort => self.effect_release(key, job, true),
        }
    }

    /// R-EFF-LEAVE (`waiting`), also R-LEAVE: remove `job` from `inflight` and
    /// `drain`; a window this empties is idle since now, and removing a job the
    /// window does not hold changes nothing (R-GC follows at the end of the
    /// operation).
    pub(crate) fn effect_leave(&mut self, key: &K, job: JobId) {
        let now = self.now;
        if let Some(record) = self.records.get_mut(key) {
            record.forget(job, now);
        }
    }

    /// R-EFF-FAILED (`failed`): the job joins the key's failed jobs (the key is
    /// then blocked by the oldest) and the drain window closes.
    fn effect_failed(&mut self, key: &K, job: JobId) {
        let now = self.now;
        let record = self
            .records
            .entry(key.clone())
            .or_insert_with(|| Record::enabled(false));
        if let Mode::Disabled { .. } = record.mode {
            return;
        }
        record.forget(job, now);
        record.failed.insert(job);
        record.drain = None;
    }

    /// R-EFF-RELEASE (`succeeded`, `filtered`) and, with `abort`, R-EFF-ABORT.
    fn effect_release(&mut self, key: &K, job: JobId, abort: bool) {
        let (now, drain_limit) = (self.now, self.config.drain_limit);
        let Some(record) = self.records.get_mut(key) else {
            return;
        };
        if let Mode::Disabled { .. } = record.mode {
            return;
        }
        record.forget(job, now);
        // A stale report: the key has failed jobs and `job` is not one of them.
        if !record.failed.is_empty() && !record.failed.contains(&job) {
            return;
        }
        let was_failed = record.failed.remove(&job);
        if !record.failed.is_empty() {
            return;
        }
        record.drain = None;
        // R-EFF-ABORT: the abort of a failed job that leaves no failed job opens
        // an empty drain window, idle since now.
        if abort && was_failed && drain_limit > 0 {
            record.drain = Some(Window::empty(now));
        }
    }

    // ------------------------------------------------------ the other calls

    /// `leave(key, job)`: R-LEAVE, immediately; idempotent; then R-GC.
    pub fn leave(&mut self, key: &K, job: JobId) {
        self.effect_leave(key, job);
        self.collect_inactive();
    }

    /// `sync()`: R-CONFIG's pending settings first, then R-SYNC, then
    /// R-EXPIRE. Applies the queued effects in order; `Ret::Applied` counts
    /// every processed effect, also those that changed nothing. It does not
    /// touch the round's state (only [`Reference::round`] resets it).
    pub fn sync(&mut self) -> Outcome<K> {
        self.install_pending_config();
        let queue = std::mem::take(&mut self.queue);
        let applied = queue.len();
        for (key, job, effect) in queue {
            self.apply(&key, job, effect);
        }
        self.expire();
        self.collect_inactive();
        Outcome::plain(Ret::Applied(applied))
    }

    /// R-CONFIG: the pending change of the settings, if any, takes effect (at
    /// the start of `sync`, before its queued effects).
    pub(crate) fn install_pending_config(&mut self) {
        if let Some(config) = self.pending_config.take() {
            self.config = config;
        }
    }

    /// R-EXPIRE, at one `now`, over every record (the reference may scan them
    /// all): R-MODE's timer step without the predicate, and the closing of a drain
    /// window that has held no job for longer than `drain_idle_for` (strictly).
    /// R-GC follows in [`Reference::sync`].
    pub(crate) fn expire(&mut self) {
        let (now, config) = (self.now, self.config.clone());
        for record in self.records.values_mut() {
            record.mode = timer_step(record.mode, now, &config);
            let idle_for = record
                .drain
                .as_ref()
                .and_then(|drain| drain.idle_since)
                .map(|since| now - since);
            if idle_for.is_some_and(|idle| idle > config.drain_idle_for) {
                record.drain = None;
            }
        }
    }

    /// `peek(key)`: R-PEEK, the key's oldest failed job.
    pub fn peek(&self, key: &K) -> Option<JobId> {
        self.records.get(key).and_then(Record::oldest_failed)
    }

    /// `is_disabled(key)`: R-DISABLED (no refresh).
    pub fn is_disabled(&self, key: &K) -> bool {
        matches!(
            self.records.get(key).map(|record| record.mode),
            Some(Mode::Disabled { .. })
        )
    }

    /// `size()`: R-SIZE.
    pub fn size(&self) -> usize {
        self.records.len()
    }

    /// R-CONFIG: change the settings live. The change is pending: the next
    /// `sync` (the start of the next round) installs it, for every key at once,
    /// before applying its queued effects; a later `reconfigure` before that
    /// `sync` replaces it. Records and queued effects are kept: a
    /// `key_threshold` of 0 makes no key hot any more, a `drain_limit` of 0
    /// makes open windows refuse nothing, and the timers are compared with the
    /// existing `since` and `idle_since` from that `sync` on.
    ///
    /// A change back to the settings in force leaves nothing pending (installing
    /// them would change nothing).
    pub fn reconfigure(&mut self, config: RefConfig) {
        self.pending_config = (config != self.config).then_some(config);
    }

    /// The settings the next `sync` will have in force: the pending change, or
    /// the settings in force.
    pub fn next_config(&self) -> &RefConfig {
        self.pending_config.as_ref().unwrap_or(&self.config)
    }

    /// Make the `ordering_disabled` predicate hold for `key` (or not).
    pub fn set_ordering_disabled(&mut self, key: &K, on: bool) {
        if on {
            self.ordering_disabled.insert(key.clone());
        } else {
            self.ordering_disabled.remove(key);
        }
    }

    /// The key's mode; `Enabled` without a record (a fresh key).
    pub fn mode(&self, key: &K) -> Mode {
        self.records
            .get(key)
            .map_or(Mode::Enabled, |record| record.mode)
    }

    /// R-GC: remove every inactive record.
    pub(crate) fn collect_inactive(&mut self) {
        self.records.retain(|_, record| !record.is_inactive());
    }
}

/// R-STATE-SUPPORTED: the effect a supported state has; `None` for a state the
/// barrier does not take.
pub(crate) fn effect_of(state: RefState) -> Option<Effect> {
    match state {
        RefState::Unsupported => None,
        RefState::Failed => Some(Effect::Failed),
        RefState::Waiting => Some(Effect::Leave),
        RefState::Succeeded | RefState::Filtered => Some(Effect::Release),
        RefState::Aborted => Some(Effect::Abort),
    }
}
