//! The operations of the reference barrier, one function per rule of SPEC.md.
//!
//! Every public operation ends with [`Reference::collect_inactive`] (R-GC), so no
//! inactive record survives a call.

use super::*;

impl<K: Ord + Clone + Hash + Debug> Reference<K> {
    /// A barrier with no records, at tick 0, with the given settings.
    pub fn new(config: RefConfig) -> Self {
        Reference {
            config,
            now: 0,
            records: BTreeMap::new(),
            queue: Vec::new(),
            ordering_disabled: BTreeSet::new(),
            mutant: None,
        }
    }

    /// The same, built with a deliberate defect (see [`Mutant`]).
    pub fn with_mutant(config: RefConfig, mutant: Option<Mutant>) -> Self {
        Reference {
            mutant,
            ..Reference::new(config)
        }
    }

    fn is(&self, mutant: Mutant) -> bool {
        self.mutant == Some(mutant)
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
        }
    }

    // ---------------------------------------------------------------- enter

    /// `enter(key, job)`: R-ENTER-1, R-MODE, R-ENTER-DISABLED, R-ENTER-HOT,
    /// R-ENTER-DRAIN, R-ENTER-FAILED, R-ENTER-TRACK, then R-GC.
    pub fn enter(&mut self, key: &K, job: JobId) -> Outcome<K> {
        let mut illegal = None;
        let (accepted, previous_failed) = self.admit(key, job, &mut illegal);
        self.collect_inactive();
        Outcome {
            ret: Ret::Admission {
                accepted,
                previous_failed,
            },
            illegal,
        }
    }

    fn admit(
        &mut self,
        key: &K,
        job: JobId,
        illegal: &mut Option<Illegal<K>>,
    ) -> (bool, Option<JobId>) {
        // R-ENTER-1: no record.
        if !self.records.contains_key(key) {
            if self.config.key_threshold == 0 {
                return (true, None);
            }
            self.records.insert(key.clone(), Record::enabled(true));
        }
        self.refresh_mode(key);
        let (now, config) = (self.now, self.config.clone());
        let refuse_failed_job = self.is(Mutant::EnterRefusesFailedJob);
        let drain_slack = usize::from(self.is(Mutant::DrainLimitOffByOne));
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
                *record = Record {
                    mode: Mode::Disabled { since: now },
                    failed: None,
                    inflight: Some(BTreeSet::new()),
                    drain: None,
                };
                return (true, None);
            }
        }
        // R-ENTER-DRAIN: a full drain window refuses jobs outside it.
        if let Some(drain) = &record.drain {
            if config.drain_limit > 0
                && !drain.contains(&job)
                && drain.len() >= config.drain_limit + drain_slack
            {
                return (false, None);
            }
        }
        // R-ENTER-FAILED: only the failed job itself passes.
        let mut previous_failed = None;
        if let Some(failed) = record.failed {
            if failed > job && record.mode == Mode::Enabled {
                *illegal = Some(Illegal {
                    location: Location::Enter,
                    key: key.clone(),
                    failed,
                    job,
                });
            }
            if job != failed || refuse_failed_job {
                return (false, Some(failed));
            }
            previous_failed = Some(failed);
        }
        // R-ENTER-TRACK: the accepted job joins `inflight` and `drain`.
        if let Some(inflight) = &mut record.inflight {
            inflight.insert(job);
        }
        if let Some(drain) = &mut record.drain {
            drain.insert(job);
        }
        (true, previous_failed)
    }

    /// R-MODE: `ordering_disabled` first, then at most one timer step. Timers
    /// compare strictly (`now - since > period`).
    fn refresh_mode(&mut self, key: &K) {
        let (now, disabled_for, half_enabled_for) = (
            self.now,
            self.config.disabled_for,
            self.config.half_enabled_for,
        );
        let predicate = self.ordering_disabled.contains(key);
        let record = self.records.get_mut(key).expect("record exists");
        if predicate {
            record.mode = Mode::Disabled { since: now };
        }
        record.mode = match record.mode {
            Mode::Disabled { since } if now - since > disabled_for => {
                Mode::HalfEnabled { since: now }
            }
            Mode::HalfEnabled { since } if now - since > half_enabled_for => Mode::Enabled,
            mode => mode,
        };
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

    /// R-WAIT as a pure function of the state (`wait` only adds R-GC, a no-op).
    pub fn hold(&self, key: &K, job: JobId) -> (bool, Option<JobId>, Option<Illegal<K>>) {
        let Some(record) = self.records.get(key) else {
            return (false, None, None);
        };
        if let Mode::Disabled { .. } = record.mode {
            return (false, None, None);
        }
        match record.failed {
            Some(_) if self.is(Mutant::WaitIgnoresFailed) => (false, None, None),
            Some(failed) => {
                let illegal = (failed > job && record.mode == Mode::Enabled).then(|| Illegal {
                    location: Location::Wait,
                    key: key.clone(),
                    failed,
                    job,
                });
                (job != failed, Some(failed), illegal)
            }
            None => (false, None, None),
        }
    }

    // -------------------------------------------------------- state_changed

    /// `state_changed(key, job, state)`: R-STATE-SUPPORTED and R-STATE-QUEUE.
    pub fn state_changed(&mut self, key: &K, job: JobId, state: RefState) -> Outcome<K> {
        let effect = match state {
            // R-STATE-SUPPORTED: known but not taken: an error, no effect.
            RefState::Unsupported => {
                return Outcome::plain(Ret::StateChanged(Err(Unsupported)));
            }
            RefState::Failed => Effect::Failed,
            RefState::Waiting => Effect::Leave,
            RefState::Succeeded | RefState::Filtered => Effect::Release,
            RefState::Aborted => Effect::Abort,
        };
        let mut illegal = None;
        // R-STATE-QUEUE: `failed` at once; the others queued if the key has a
        // record now, dropped otherwise.
        let immediate = if effect == Effect::Failed {
            !self.is(Mutant::FailedQueued)
        } else {
            self.is(Mutant::EffectsAppliedImmediately)
        };
        if immediate {
            illegal = self.apply(key, job, effect);
        } else if self.records.contains_key(key) || effect == Effect::Failed {
            // (`Failed` is queued only by the `FailedQueued` mutant, whatever the record.)
            self.queue.push((key.clone(), job, effect));
        }
        self.collect_inactive();
        Outcome {
            ret: Ret::StateChanged(Ok(())),
            illegal,
        }
    }

    /// Apply one effect, immediately or at `sync`.
    fn apply(&mut self, key: &K, job: JobId, effect: Effect) -> Option<Illegal<K>> {
        match effect {
            Effect::Leave => self.effect_leave(key, job),
            Effect::Failed => return self.effect_failed(key, job),
            Effect::Release => self.effect_release(key, job, false),
            Effect::Abort => self.effect_release(key, job, true),
        }
        None
    }

    /// R-EFF-LEAVE (`waiting`), also R-LEAVE: remove `job` from `inflight` and
    /// `drain` (R-GC follows at the end of the operation).
    fn effect_leave(&mut self, key: &K, job: JobId) {
        if let Some(record) = self.records.get_mut(key) {
            record.forget(job);
        }
    }

    /// R-EFF-FAILED (`failed`).
    fn effect_failed(&mut self, key: &K, job: JobId) -> Option<Illegal<K>> {
        let record = self
            .records
            .entry(key.clone())
            .or_insert_with(|| Record::enabled(false));
        if let Mode::Disabled { .. } = record.mode {
            return None;
        }
        record.forget(job);
        let mut illegal = None;
        match record.failed {
            None => record.failed = Some(job),
            Some(failed) if failed > job && record.mode == Mode::Enabled => {
                illegal = Some(Illegal {
                    location: Location::JobFailed,
                    key: key.clone(),
                    failed,
                    job,
                });
            }
            Some(_) => {}
        }
        record.drain = None;
        illegal
    }

    /// R-EFF-RELEASE (`succeeded`, `filtered`) and, with `abort`, R-EFF-ABORT.
    fn effect_release(&mut self, key: &K, job: JobId, abort: bool) {
        let drain_limit = self.config.drain_limit;
        let no_window = self.is(Mutant::AbortOpensNoDrainWindow);
        let stale_clears = self.is(Mutant::StaleReleaseClearsFailed);
        let Some(record) = self.records.get_mut(key) else {
            return;
        };
        if let Mode::Disabled { .. } = record.mode {
            return;
        }
        record.forget(job);
        let was_failed = match record.failed {
            Some(failed) if failed != job && !stale_clears => return, // a stale report
            Some(failed) => failed == job,
            None => false,
        };
        record.failed = None;
        record.drain = None;
        // R-EFF-ABORT: the failed job's abort opens an empty drain window.
        if abort && was_failed && drain_limit > 0 && !no_window {
            record.drain = Some(BTreeSet::new());
        }
    }

    // ------------------------------------------------------ the other calls

    /// `leave(key, job)`: R-LEAVE, immediately; idempotent; then R-GC.
    pub fn leave(&mut self, key: &K, job: JobId) {
        self.effect_leave(key, job);
        self.collect_inactive();
    }

    /// `sync()`: R-SYNC. Applies the queued effects in order; `Ret::Applied`
    /// counts every processed effect, also those that changed nothing. Only the
    /// [`Mutant::FailedQueued`] variant can report an illegal sequence here (the
    /// first one is kept).
    pub fn sync(&mut self) -> Outcome<K> {
        let queue = std::mem::take(&mut self.queue);
        let applied = queue.len();
        let mut illegal = None;
        for (key, job, effect) in queue {
            let seen = self.apply(&key, job, effect);
            illegal = illegal.or(seen);
        }
        self.collect_inactive();
        Outcome {
            ret: Ret::Applied(applied),
            illegal,
        }
    }

    /// `peek(key)`: R-PEEK.
    pub fn peek(&self, key: &K) -> Option<JobId> {
        self.records.get(key).and_then(|record| record.failed)
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

    /// Move the logical clock forward by `ticks`.
    pub fn advance(&mut self, ticks: Tick) {
        self.now += ticks;
    }

    /// Change the settings; they apply from the next call on.
    pub fn reconfigure(&mut self, config: RefConfig) {
        self.config = config;
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
    fn collect_inactive(&mut self) {
        if !self.is(Mutant::NeverCollectInactive) {
            self.records.retain(|_, record| !record.is_inactive());
        }
    }
}
