//! The operations of the reference barrier, one function per rule of SPEC.md:
//! construction, `enter` (with R-MODE) and `wait` here; the reports, `leave`,
//! `sync` (with R-EXPIRE) and the read-only calls in `effects.rs`; the clock in
//! `clock.rs`.
//!
//! Every public operation ends with [`Reference::collect_inactive`] (R-GC), so no
//! inactive record survives a call.

use super::*;

impl<K: Ord + Clone + Hash + Debug> Reference<K> {
    /// A barrier with no records, at tick 0, with the given settings.
    pub fn new(config: RefConfig) -> Self {
        Reference {
            config,
            pending_config: None,
            now: 0,
            records: BTreeMap::new(),
            queue: Vec::new(),
            ordering_disabled: BTreeSet::new(),
            round: RoundState::default(),
            entered: false,
        }
    }

    /// Run one operation.
    pub fn invoke(&mut self, op: Op<K>) -> Outcome<K> {
        match op {
            Op::Enter(key, job) => self.enter(&key, job),
            Op::Wait(key, job) => self.wait(&key, job),
            Op::StateChanged(key, job, state) => self.state_changed(&key, job, state),
            Op::Leave(key, job) => {
                self.leave(&key, job);
                Outcome::plain(Ret::Unit)
            }
            Op::Sync => self.sync(),
            Op::Peek(key) => Outcome::plain(Ret::Peek(self.peek(&key))),
            Op::IsDisabled(key) => Outcome::plain(Ret::Disabled(self.is_disabled(&key))),
            Op::Size => Outcome::plain(Ret::Size(self.size())),
            Op::Advance(ticks) => {
                self.advance(ticks);
                Outcome::plain(Ret::Unit)
            }
            Op::Reconfigure(config) => {
                self.reconfigure(config);
                Outcome::plain(Ret::Unit)
            }
            Op::SetOrderingDisabled(key, on) => {
                self.set_ordering_disabled(&key, on);
                Outcome::plain(Ret::Unit)
            }
            Op::Round => Outcome::plain(Ret::Applied(self.round())),
            Op::Offer(key, job) => Outcome::plain(Ret::Offer(self.offer(&key, job))),
            Op::Undo(key, job) => {
                self.undo(&key, job);
                Outcome::plain(Ret::Unit)
            }
            Op::Skip(key) => {
                self.skip(&key);
                Outcome::plain(Ret::Unit)
            }
        }
    }

    // ---------------------------------------------------------------- enter

    /// `enter(key, job)`: R-ENTER-1, R-MODE, R-ENTER-DISABLED, R-ENTER-HOT,
    /// R-ENTER-DRAIN, R-ENTER-FAILED, R-ENTER-TRACK, then R-GC.
    pub fn enter(&mut self, key: &K, job: JobId) -> Outcome<K> {
        let outcome = self.enter_rules(key, job);
        self.collect_inactive();
        outcome
    }

    /// `enter` without its final R-GC (for [`crate::mutants::Mutated`]).
    pub(crate) fn enter_rules(&mut self, key: &K, job: JobId) -> Outcome<K> {
        self.entered = true;
        let (accepted, previous_failed) = self.admit(key, job);
        Outcome::plain(Ret::Admission {
            accepted,
            previous_failed,
        })
    }

    fn admit(&mut self, key: &K, job: JobId) -> (bool, Option<JobId>) {
        // R-ENTER-1: no record.
        if !self.records.contains_key(key) {
            if self.config.key_threshold == 0 {
                return (true, None);
            }
            self.records.insert(key.clone(), Record::enabled(true));
        }
        self.refresh_mode(key);
        let (now, config) = (self.now, self.config.clone());
        let record = self.records.get_mut(key).expect("record exists");
        // R-ENTER-DISABLED: accept, track nothing.
        if let Mode::Disabled { .. } = record.mode {
            return (true, None);
        }
        // R-ENTER-HOT: a tracked `inflight` that reached the threshold.
        if let Some(inflight) = &record.inflight {
            if config.key_threshold > 0
                && !inflight.contains(&job)
                && inflight.len() >= config.key_threshold
            {
                *record = Record::reset(now, true);
                return (true, None);
            }
        }
        // R-ENTER-DRAIN: a full drain window refuses jobs outside it.
        if let Some(drain) = &record.drain {
            if config.drain_limit > 0
                && !drain.jobs.contains(&job)
                && drain.jobs.len() >= config.drain_limit
            {
                return (false, None);
            }
        }
        // R-ENTER-FAILED: with `f` the oldest failed job, `job <= f` passes
        // (older jobs go first), `job > f` is refused.
        let previous_failed = record.oldest_failed();
        if previous_failed.is_some_and(|failed| job > failed) {
            return (false, previous_failed);
        }
        // R-ENTER-TRACK: the accepted job joins `inflight` and `drain` (the window
        // is then not idle).
        if let Some(inflight) = &mut record.inflight {
            inflight.insert(job);
        }
        if let Some(drain) = &mut record.drain {
            drain.take(job);
        }
        (true, previous_failed)
    }

    /// R-MODE as `enter` takes it: if `ordering_disabled(key)` holds, reset the
    /// record as R-ENTER-HOT does (`Disabled { since: now }`, no failed job, no
    /// drain window, an empty `inflight`, tracked iff `key_threshold > 0`); then
    /// at most one timer step ([`timer_step`]).
    fn refresh_mode(&mut self, key: &K) {
        let (now, config) = (self.now, self.config.clone());
        let predicate = self.ordering_disabled.contains(key);
        let record = self.records.get_mut(key).expect("record exists");
        if predicate {
            *record = Record::reset(now, config.key_threshold > 0);
        }
        record.mode = timer_step(record.mode, now, &config);
    }

    // ----------------------------------------------------------------- wait

    /// `wait(key, job)`: R-WAIT. Read-only; never refreshes the mode.
    pub fn wait(&self, key: &K, job: JobId) -> Outcome<K> {
        let (wait, previous_failed, illegal) = self.hold(key, job);
        Outcome {
            ret: Ret::Hold {
                wait,
                previous_failed,
            },
            illegal,
        }
    }

    /// R-WAIT as a pure function of the state (`wait` only adds R-GC, a no-op):
    /// with `f` the oldest failed job, wait iff `job > f`. The third element,
    /// the illegal sequence, is always `None` in v3.
    pub fn hold(&self, key: &K, job: JobId) -> (bool, Option<JobId>, Option<Illegal<K>>) {
        let Some(record) = self.records.get(key) else {
            return (false, None, None);
        };
        if let Mode::Disabled { .. } = record.mode {
            return (false, None, None);
        }
        match record.oldest_failed() {
            Some(failed) => (job > failed, Some(failed), None),
            None => (false, None, None),
        }
    }
}

/// R-MODE's timer step, shared by `enter` and `sync` (R-EXPIRE): `Disabled` older
/// than `disabled_for` becomes `HalfEnabled { since: now }`; else `HalfEnabled`
/// older than `half_enabled_for` becomes `Enabled`. One step at most; both
/// comparisons are strict (`now - since > period`).
pub(super) fn timer_step(mode: Mode, now: Tick, config: &RefConfig) -> Mode {
    match mode {
        Mode::Disabled { since } if now - since > config.disabled_for => {
            Mode::HalfEnabled { since: now }
        }
        Mode::HalfEnabled { since } if now - since > config.half_enabled_for => Mode::Enabled,
        mode => mode,
    }
}
