//! The pipeline's ghost of each key's record (issue 19): its mode, its failed
//! jobs, its tracked jobs in flight and its drain window, kept from the
//! pipeline's own events by SPEC.md's rules, on the pipeline's own clock
//! ([`PipelineState::now`]), predicate ([`PipelineState::predicate`]) and
//! settings in force ([`PipelineState::settings`], installed at `sync`:
//! R-CONFIG). It never reads the barrier: every exemption the guarantees make
//! (leftovers, `Enabled` periods, resets, collected records) is derived from
//! it, and the checks after every step ([`Pipeline::watch`]) compare the
//! barrier with it.
//!
//! * **mode** (R-ENTER-1, R-MODE, R-ENTER-HOT, R-EXPIRE): an `enter` on a key
//!   with a ghost record (or that creates one: `key_threshold > 0`) first
//!   resets it if the predicate holds, then takes one timer step, then goes
//!   hot if `key_threshold` of its tracked jobs other than the job are in
//!   flight; a `sync` takes the timer step for every key, after applying the
//!   reports. Timer steps compare an age with its timer strictly, at the calls
//!   that take them, as the barrier does: SPEC.md fixes the mode at every call
//!   (a mode is only ever changed by an `enter` or a `sync`), so the ghost
//!   leaves no slack, and the barrier's observable mode must equal it after
//!   every step. The slack SPEC.md leaves is in *when* those calls come: a
//!   timer that has run out changes nothing until the next `sync` (or
//!   `enter`), which is G-GC's "plus two intervals between syncs" (one per
//!   timer step, `Disabled` → `HalfEnabled` → `Enabled`).
//! * **record**: the ghost record exists while its mode is not `Enabled`, it
//!   holds a failed job or a tracked job in flight, or its window is open
//!   (R-GC: an inactive record is removed at the end of every operation).

use super::*;

/// What the pipeline remembers about a key for the guarantees.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyWatch {
    /// The last job that is not a leftover and ended through the worker
    /// (succeeded, filtered or aborted after a send) while the ghost said the
    /// key was `Enabled`, over the barrier's whole lifetime (G-ORDER across
    /// `Enabled` periods).
    pub last_ended: Option<Job>,
    /// The ghost left `Enabled` since [`KeyWatch::last_ended`] was set (for the
    /// `sometimes` property that shows G-ORDER compares across periods).
    pub left_enabled: bool,
    /// The key's failed jobs (bit per job): reported `failed` while the key was
    /// not `Disabled` and not yet ended, nor dropped by a reset (G-BLOCK).
    pub failed: u32,
    /// A drain window is open: a sync applied the abort of a failed job that
    /// left no failed job, with `drain_limit > 0` in force, and no terminal or
    /// failed report of the key was applied since, nor a `sync` that found it
    /// idle for longer than `drain_idle_for` (G-DRAIN).
    pub window: bool,
    /// A `sync` installed a different `drain_limit` while the window was open
    /// (G-DRAIN's "at most `drain_limit` in flight" holds only while it has not).
    pub limit_changed: bool,
    /// While the window is open and none of its jobs is in flight: since when,
    /// by the pipeline's own count.
    pub idle_since: Option<Tick>,
    /// The G-LIMIT ghost: the key's current record tracks its in-flight jobs
    /// (`enter` created it, or a reset made it, while `key_threshold > 0`).
    pub tracking: bool,
    /// The ghost mode (see `ghost.rs`): the key's mode by SPEC.md's rules,
    /// on the pipeline's own clock, predicate, settings and counts.
    pub mode: Mode,
    /// The ghost record's failed jobs (bit per job) as the barrier holds them:
    /// added by a `failed` report outside `Disabled` (or the warm start),
    /// removed when a `sync` applies the job's terminal report, emptied by a
    /// reset.
    pub record_failed: u32,
}

impl Default for KeyWatch {
    fn default() -> Self {
        KeyWatch {
            last_ended: None,
            left_enabled: false,
            failed: 0,
            window: false,
            limit_changed: false,
            idle_since: None,
            tracking: false,
            mode: Mode::Enabled,
            record_failed: 0,
        }
    }
}

impl Pipeline {
    /// The ghost record of the key exists (SPEC.md section 3: it holds
    /// something; R-GC removes it otherwise).
    pub(crate) fn ghost_exists(&self, s: &PipelineState, key: Key) -> bool {
        let watch = &s.keys[usize::from(key)];
        watch.mode != Mode::Enabled
            || watch.window
            || watch.record_failed != 0
            || self.jobs_of(key).any(|j| s.jobs[j].tracked)
    }

    /// Every job of the key committed terminal, and none of its reports still
    /// to be applied: the key is quiet (G-GC).
    pub(crate) fn quiet(&self, s: &PipelineState, key: Key) -> bool {
        self.jobs_of(key).all(|j| s.jobs[j].status == Status::Done)
            && s.unapplied
                .iter()
                .all(|&(job, _)| self.config.key_of(job) != key)
    }

    /// R-ENTER-1, R-MODE and R-ENTER-HOT on the ghost, for an `enter(key,
    /// job)` the round made: `Some(true)` if the predicate reset the record,
    /// `Some(false)` if the key went hot, `None` if neither (the reset itself,
    /// [`Pipeline::reset`], is done here).
    pub(super) fn ghost_enter(&self, s: &mut PipelineState, key: Key, job: Job) -> Option<bool> {
        let settings = self.config.settings_at(s.settings);
        let threshold = settings.key_threshold;
        let k = usize::from(key);
        if !self.ghost_exists(s, key) {
            // R-ENTER-1: no record, and none created with a threshold of 0.
            if threshold == 0 {
                return None;
            }
            s.keys[k].tracking = true;
        }
        let mut reset = None;
        if s.predicate & 1 << key != 0 {
            self.reset(s, key, threshold);
            reset = Some(true);
        }
        s.keys[k].mode = timer_step(s.keys[k].mode, s.now, &settings);
        if matches!(s.keys[k].mode, Mode::Disabled { .. }) || !s.keys[k].tracking {
            return reset;
        }
        let tracked = self.jobs_of(key).filter(|&j| s.jobs[j].tracked);
        let in_flight = tracked.filter(|&j| j != usize::from(job)).count();
        if threshold > 0 && !s.jobs[usize::from(job)].tracked && in_flight >= threshold {
            self.reset(s, key, threshold);
            return Some(false);
        }
        reset
    }

    /// The key's record was reset (R-ENTER-HOT, R-MODE): `Disabled` since now;
    /// its jobs in flight, and its failed jobs, are leftovers (SPEC.md section
    /// 6); no failed job, no window, an empty tracked set (tracked if
    /// `key_threshold > 0`).
    pub(super) fn reset(&self, s: &mut PipelineState, key: Key, threshold: usize) {
        let k = usize::from(key);
        let failed = s.keys[k].failed | s.keys[k].record_failed;
        for j in self.jobs_of(key) {
            let job = &mut s.jobs[j];
            // A job committed terminal is no leftover any more (its report may
            // still be unapplied: it is then among the record's failed jobs).
            if (job.in_flight || failed & 1 << j != 0) && job.status != Status::Done {
                job.leftover = true;
            }
            job.tracked = false;
        }
        self.close_window(s, key);
        let watch = &mut s.keys[k];
        watch.mode = Mode::Disabled { since: s.now };
        watch.failed = 0;
        watch.record_failed = 0;
        watch.tracking = threshold > 0;
    }

    /// At a `sync`, after R-CONFIG: R-SYNC applies the reports in their order
    /// (only the order within a key matters: each touches its key only), then
    /// R-EXPIRE takes the timer steps and closes the idle windows.
    pub(super) fn synced(&self, s: &mut PipelineState) {
        if let Some(i) = s.pending_settings.take() {
            self.install(s, i);
        }
        let limit = self.config.settings_at(s.settings).drain_limit;
        for (job, report) in std::mem::take(&mut s.unapplied) {
            let key = self.config.key_of(job);
            let k = usize::from(key);
            // Out of flight (G-LIMIT, G-DRAIN): reported and applied.
            s.jobs[usize::from(job)].in_flight = false;
            s.jobs[usize::from(job)].tracked = false;
            // R-EFF-LEAVE removes it from the window (stamped below); the
            // others change nothing while `Disabled`, nor for a stale report.
            let bit = 1u32 << job;
            let watch = &s.keys[k];
            let disabled = matches!(watch.mode, Mode::Disabled { .. });
            let stale = watch.record_failed != 0 && watch.record_failed & bit == 0;
            if report == Report::Waiting || disabled || stale {
                continue;
            }
            let was_failed = watch.record_failed & bit != 0;
            s.keys[k].record_failed &= !bit;
            if s.keys[k].record_failed == 0 {
                self.close_window(s, key);
                let abort = matches!(report, Report::Aborted | Report::Drained);
                if was_failed && abort && limit > 0 {
                    let watch = &mut s.keys[k];
                    watch.window = true;
                    watch.idle_since = Some(s.now);
                }
            }
        }
        self.expire(s);
    }

    /// R-CONFIG: the settings at index `i` are in force from this `sync` on; an
    /// open window whose `drain_limit` changes is marked (G-DRAIN).
    fn install(&self, s: &mut PipelineState, i: u8) {
        let before = self.config.settings_at(s.settings).drain_limit;
        let after = self.config.settings_at(i).drain_limit;
        s.settings = i;
        if before == after {
            return;
        }
        for key in 0..self.config.keys as Key {
            if !s.keys[usize::from(key)].window {
                continue;
            }
            s.keys[usize::from(key)].limit_changed = true;
            if before > 0 && after > 0 && self.window_count(s, key) > 0 {
                s.events |= if after < before {
                    event::WINDOW_LIMIT_LOWERED
                } else {
                    event::WINDOW_LIMIT_RAISED
                };
            }
        }
    }

    /// R-EXPIRE on the ghost, at one `now`: the timer step for every key, then
    /// windows whose last job in flight was reported since the last `sync` are
    /// idle from now on, and windows idle for longer than `drain_idle_for`
    /// close.
    fn expire(&self, s: &mut PipelineState) {
        let settings = self.config.settings_at(s.settings);
        for key in 0..self.config.keys as Key {
            let k = usize::from(key);
            let existed = self.ghost_exists(s, key);
            s.keys[k].mode = timer_step(s.keys[k].mode, s.now, &settings);
            self.stamp_idle(s, key);
            let watch = &s.keys[k];
            let idle = watch
                .idle_since
                .is_some_and(|t| s.now - t > settings.drain_idle_for);
            if watch.window && idle {
                self.close_window(s, key);
            }
            if existed && !self.ghost_exists(s, key) && self.quiet(s, key) {
                s.events |= event::TIMER_COLLECTS;
            }
        }
    }

    /// Some ghost timer can still run out with a tick: a mode not older than
    /// its timer, or an open window idle for no longer than `drain_idle_for`
    /// (the clock ticks only then: see the module docs of `pipeline`).
    pub(crate) fn ghost_timers_running(&self, s: &PipelineState) -> bool {
        let t = self.config.settings_at(s.settings);
        s.keys.iter().any(|watch| {
            let mode = match watch.mode {
                Mode::Enabled => false,
                Mode::Disabled { since } => s.now - since <= t.disabled_for,
                Mode::HalfEnabled { since } => s.now - since <= t.half_enabled_for,
            };
            let idle = watch.window
                && watch
                    .idle_since
                    .is_some_and(|i| s.now - i <= t.drain_idle_for);
            mode || idle
        })
    }

    /// Some ghost timer has run out (the next `sync` changes something), under
    /// the settings the next `sync` installs.
    pub(super) fn ghost_timers_due(&self, s: &PipelineState) -> bool {
        let t = self
            .config
            .settings_at(s.pending_settings.unwrap_or(s.settings));
        s.keys.iter().any(|watch| {
            let mode = match watch.mode {
                Mode::Enabled => false,
                Mode::Disabled { since } => s.now - since > t.disabled_for,
                Mode::HalfEnabled { since } => s.now - since > t.half_enabled_for,
            };
            let idle = watch.window
                && watch
                    .idle_since
                    .is_some_and(|i| s.now - i > t.drain_idle_for);
            mode || idle
        })
    }

    /// The jobs admitted into the key's open window that are in flight.
    pub(crate) fn window_count(&self, s: &PipelineState, key: Key) -> usize {
        self.jobs_of(key)
            .filter(|&j| s.jobs[j].in_window && s.jobs[j].in_flight)
            .count()
    }

    /// An open window of which no job is in flight is idle from now on, unless it
    /// already is.
    pub(super) fn stamp_idle(&self, s: &mut PipelineState, key: Key) {
        let idle = self.window_count(s, key) == 0;
        let watch = &mut s.keys[usize::from(key)];
        if watch.window && watch.idle_since.is_none() && idle {
            watch.idle_since = Some(s.now);
        }
    }

    /// A key's drain window closes (G-DRAIN).
    pub(super) fn close_window(&self, s: &mut PipelineState, key: Key) {
        let watch = &mut s.keys[usize::from(key)];
        watch.window = false;
        watch.limit_changed = false;
        watch.idle_since = None;
        for j in self.jobs_of(key) {
            s.jobs[j].in_window = false;
        }
    }

    /// The time abstraction (see the module docs of `pipeline`): the pipeline's
    /// stamps, then the barrier's clock. Each age is capped one tick past the
    /// longest value of its timer, as the barrier's are.
    pub(super) fn normalize_clock(&self, s: &mut PipelineState) {
        self.forget_durable(s);
        self.forget_order(s);
        let timers = self.config.longest_timers();
        let top = timers
            .disabled_for
            .max(timers.half_enabled_for)
            .max(timers.drain_idle_for)
            + 1;
        let now = s.now;
        let stamp = |since: Tick, timer: Tick| top - (now - since).min(timer + 1);
        for watch in &mut s.keys {
            watch.idle_since = watch.idle_since.map(|t| stamp(t, timers.drain_idle_for));
            watch.mode = match watch.mode {
                Mode::Enabled => Mode::Enabled,
                Mode::Disabled { since } => Mode::Disabled {
                    since: stamp(since, timers.disabled_for),
                },
                Mode::HalfEnabled { since } => Mode::HalfEnabled {
                    since: stamp(since, timers.half_enabled_for),
                },
            };
        }
        s.now = top;
        s.barrier.normalize_clock_for(&timers);
    }
}

impl Pipeline {
    /// G-ORDER's [`KeyWatch::last_ended`], kept over the whole run, in a
    /// canonical form (fewer states, the same verdicts): a job committed
    /// terminal never ends again (unless a broken round queues it again: a job
    /// in the batch or a worker queue counts as able to end), so only the jobs
    /// that can still end are compared with it; it becomes the smallest job of
    /// the key that compares with each of them as it does (the key's first
    /// job when none of them is below it: no comparison can then fail, and
    /// the comparisons are still made, for the `sometimes` properties).
    fn forget_order(&self, s: &mut PipelineState) {
        for key in 0..self.config.keys as Key {
            let Some(last) = s.keys[usize::from(key)].last_ended else {
                continue;
            };
            let can_end = |j: usize| {
                s.jobs[j].status != Status::Done
                    || s.pickup.batch.contains(&(j as Job))
                    || s.workers.iter().flatten().any(|&w| usize::from(w) == j)
            };
            let below = self
                .jobs_of(key)
                .filter(|&j| j < usize::from(last) && can_end(j))
                .last();
            let canonical = match below {
                Some(m) => self.jobs_of(key).find(|&j| j > m),
                None => self.jobs_of(key).next(),
            };
            s.keys[usize::from(key)].last_ended = canonical.map(|j| j as Job);
        }
    }
}

/// R-MODE's timer step, the pipeline's own: `Disabled` older than
/// `disabled_for` becomes `HalfEnabled` since now; else `HalfEnabled` older
/// than `half_enabled_for` becomes `Enabled`; both strictly, one step at most.
fn timer_step(mode: Mode, now: Tick, settings: &crate::reference::RefConfig) -> Mode {
    match mode {
        Mode::Disabled { since } if now - since > settings.disabled_for => {
            Mode::HalfEnabled { since: now }
        }
        Mode::HalfEnabled { since } if now - since > settings.half_enabled_for => Mode::Enabled,
        mode => mode,
    }
}
