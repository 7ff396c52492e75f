//! Shared by `conformance.rs` and `replay.rs`: one call on the real barrier and
//! on the reference barrier of `eventorder-model`, and the comparison of the two.
//!
//! Mapping: 1 reference tick = 1 ms of the real barrier's [`ManualClock`] (so the
//! reference's timers `disabled_for`, `half_enabled_for` and `drain_idle_for`, in
//! ticks, are the real [`Config`]'s in ms); the reference's `ordering_disabled` set is a shared set the real barrier's
//! predicate reads; `RefState::Unsupported` stands for every `JobState` the
//! barrier does not take. SPEC v3 reports no illegal sequence (R-ILLEGAL):
//! neither side may report one, and no call may panic, under either policy.
//!
//! A round (`Call::Round`) and a batch of reports (`Call::ReportAll`) are one
//! call each with many answers: the round's `sync` and then one answer per
//! action, or one per report.

#![allow(dead_code)] // each test file uses its own part

pub mod calls;
pub mod handles;
pub mod linearize;
pub mod observe;
pub mod panics;

use calls::{call_on, run_round};
pub use handles::{Api, Handles, View};
#[allow(unused_imports)] // conformance.rs only
pub use observe::compare_counts;

pub use panics::quiet_expected_panics;

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    panic::{catch_unwind, AssertUnwindSafe},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use eventorder::{Barrier, Config, Effect, IllegalSequence, JobId, JobState, KeyMode, ManualClock};
use eventorder_model::reference::{
    self as model, Counts, Op, Outcome, RefConfig, RefState, Reference, Ret,
};

/// The key type of the conformance tests: a small domain, so keys collide.
pub type Key = u8;

/// One call, as generated: like the reference's [`Op`], but `state_changed`
/// carries the real [`JobState`] (several map to `RefState::Unsupported`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Call {
    Enter(Key, i64),
    Wait(Key, i64),
    State(Key, i64, JobState),
    Leave(Key, i64),
    Sync,
    Peek(Key),
    IsDisabled(Key),
    Size,
    /// Move the clock forward by this many ticks (ms).
    Advance(u64),
    Reconfigure(RefConfig),
    /// The `ordering_disabled` predicate holds (true) or not for the key.
    Predicate(Key, bool),
    /// A whole round: its `sync`, the actions in order, its end.
    Round(Vec<Action>),
    /// `report_all` of these reports, in order.
    ReportAll(Vec<(Key, i64, JobState)>),
    /// `recover` (the warm start, R-RESTART) of these failed jobs. Its one
    /// answer, in the second place: `Ret::Size(n)` for `Ok(n)`, `Ret::Unit` for
    /// `RecoverTooLate`.
    Recover(Vec<(Key, i64)>),
}

/// One action inside a round (R-OFFER).
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Action {
    Offer(Key, i64),
    OfferAll(Vec<(Key, i64)>),
    Undo(Key, i64),
    Skip(Key),
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Offer(k, j) => write!(f, "offer(k{k}, {j})"),
            Action::OfferAll(jobs) => {
                let jobs: Vec<String> = jobs.iter().map(|(k, j)| format!("k{k}:{j}")).collect();
                write!(f, "offer_all[{}]", jobs.join(", "))
            }
            Action::Undo(k, j) => write!(f, "undo(k{k}, {j})"),
            Action::Skip(k) => write!(f, "skip(k{k})"),
        }
    }
}

impl fmt::Debug for Call {
    /// Short enough to read a shrunk sequence at a glance.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Call::Enter(k, j) => write!(f, "enter(k{k}, {j})"),
            Call::Wait(k, j) => write!(f, "wait(k{k}, {j})"),
            Call::State(k, j, s) => write!(f, "state_changed(k{k}, {j}, {s})"),
            Call::Leave(k, j) => write!(f, "leave(k{k}, {j})"),
            Call::Sync => write!(f, "sync()"),
            Call::Peek(k) => write!(f, "peek(k{k})"),
            Call::IsDisabled(k) => write!(f, "is_disabled(k{k})"),
            Call::Size => write!(f, "size()"),
            Call::Advance(t) => write!(f, "advance({t}ms)"),
            Call::Reconfigure(c) => write!(
                f,
                "reconfigure(drain_limit {}, key_threshold {}, disabled_for {}ms, \
                 half_enabled_for {}ms, drain_idle_for {}ms, panic {})",
                c.drain_limit,
                c.key_threshold,
                c.disabled_for,
                c.half_enabled_for,
                c.drain_idle_for,
                c.panic_on_illegal_sequence
            ),
            Call::Predicate(k, on) => write!(f, "ordering_disabled(k{k}) = {on}"),
            Call::Round(actions) => write!(f, "round{actions:?}"),
            Call::Recover(jobs) => {
                let jobs: Vec<String> = jobs.iter().map(|(k, j)| format!("k{k}:{j}")).collect();
                write!(f, "recover[{}]", jobs.join(", "))
            }
            Call::ReportAll(reports) => {
                let reports: Vec<String> = reports
                    .iter()
                    .map(|(k, j, s)| format!("k{k}:{j} {s}"))
                    .collect();
                write!(f, "report_all[{}]", reports.join(", "))
            }
        }
    }
}

/// The reference's state for a real job state, by what the state does
/// (`JobState::effect`, from `spec/job_states.toml`), not by its name: a state
/// added to the table with an existing effect is compared with the reference
/// without a change here (R-STATE-SUPPORTED). `filtered` keeps its own name in
/// the reference (same effect as `succeeded`).
pub fn ref_state(state: JobState) -> RefState {
    match state.effect() {
        _ if state == JobState::Filtered => RefState::Filtered,
        Effect::Release => RefState::Succeeded,
        Effect::Fail => RefState::Failed,
        Effect::Abort => RefState::Aborted,
        Effect::Leave => RefState::Waiting,
        Effect::Unsupported => RefState::Unsupported,
    }
}

/// The states the exhaustive tests try: every state the barrier takes, from
/// `JobState::ALL`, and one it does not (they all behave alike).
pub fn states_to_try() -> Vec<JobState> {
    let mut states: Vec<JobState> = JobState::ALL
        .iter()
        .copied()
        .filter(|s| s.is_supported())
        .collect();
    states.extend(JobState::ALL.iter().copied().find(|s| !s.is_supported()));
    states
}

impl Call {
    /// Whether the call has many answers (a round, a batch of reports).
    pub fn is_many(&self) -> bool {
        matches!(self, Call::Round(_) | Call::ReportAll(_) | Call::Recover(_))
    }

    /// The same call on the reference: its outcome, with one answer, or for a
    /// round or a batch of reports `Ret::Unit` and the answers in the second
    /// place.
    pub fn run(&self, reference: &mut Reference<Key>) -> (Outcome<Key>, Vec<Ret>) {
        self.run_counted(reference, &mut Counts::default())
    }

    /// [`Call::run`], adding to `counts` what the call did (see
    /// `eventorder_model::reference::Counts`).
    pub fn run_counted(
        &self,
        reference: &mut Reference<Key>,
        counts: &mut Counts,
    ) -> (Outcome<Key>, Vec<Ret>) {
        let many = match self {
            Call::Round(actions) => {
                let mut rets = vec![Ret::Applied(reference.round_counted(counts))];
                for action in actions {
                    match action {
                        Action::Offer(k, j) => {
                            rets.push(Ret::Offer(reference.offer_counted(k, *j, counts)))
                        }
                        Action::OfferAll(jobs) => {
                            for (k, j) in jobs {
                                rets.push(Ret::Offer(reference.offer_counted(k, *j, counts)));
                            }
                        }
                        Action::Undo(k, j) => {
                            reference.undo(k, *j);
                            rets.push(Ret::Unit);
                        }
                        Action::Skip(k) => {
                            reference.skip(k);
                            rets.push(Ret::Unit);
                        }
                    }
                }
                reference.end_round();
                rets
            }
            Call::ReportAll(reports) => reports
                .iter()
                .map(|&(k, j, s)| {
                    reference
                        .state_changed_counted(&k, j, ref_state(s), counts)
                        .ret
                })
                .collect(),
            Call::Recover(jobs) => {
                let recovered = reference.recover_counted(jobs.iter().copied(), counts);
                vec![recovered.map_or(Ret::Unit, Ret::Size)]
            }
            Call::Enter(k, j) => return (reference.enter_counted(k, *j, counts), Vec::new()),
            Call::Wait(k, j) => return (reference.wait_counted(k, *j, counts), Vec::new()),
            Call::State(k, j, s) => {
                let outcome = reference.state_changed_counted(k, *j, ref_state(*s), counts);
                return (outcome, Vec::new());
            }
            Call::Sync => return (reference.sync_counted(counts), Vec::new()),
            _ => return (reference.invoke(self.op()), Vec::new()),
        };
        (
            Outcome {
                ret: Ret::Unit,
                illegal: None,
            },
            many,
        )
    }

    /// The same call on the reference (a single-answer call only).
    pub fn op(&self) -> Op<Key> {
        match *self {
            Call::Enter(k, j) => Op::Enter(k, j),
            Call::Wait(k, j) => Op::Wait(k, j),
            Call::State(k, j, s) => Op::StateChanged(k, j, ref_state(s)),
            Call::Leave(k, j) => Op::Leave(k, j),
            Call::Sync => Op::Sync,
            Call::Peek(k) => Op::Peek(k),
            Call::IsDisabled(k) => Op::IsDisabled(k),
            Call::Size => Op::Size,
            Call::Advance(t) => Op::Advance(t),
            Call::Reconfigure(ref c) => Op::Reconfigure(c.clone()),
            Call::Predicate(k, on) => Op::SetOrderingDisabled(k, on),
            Call::Round(_) | Call::ReportAll(_) | Call::Recover(_) => {
                unreachable!("{self:?} has many answers: use Call::run")
            }
        }
    }
}

/// The real barrier's settings for a reference configuration.
pub fn real_config(c: &RefConfig) -> Config {
    Config {
        drain_limit: c.drain_limit,
        key_threshold: c.key_threshold,
        disabled_for: Duration::from_millis(c.disabled_for),
        half_enabled_for: Duration::from_millis(c.half_enabled_for),
        drain_idle_for: Duration::from_millis(c.drain_idle_for),
        panic_on_illegal_sequence: c.panic_on_illegal_sequence,
    }
}

/// The real barrier with a manual clock, a predicate over a shared set that
/// counts its calls, and an observer that records every event. `F` is how the
/// test drives it: the barrier itself (the default), or the split [`Handles`].
pub struct Sut<F = Barrier<Key, ManualClock>> {
    pub barrier: F,
    pub clock: ManualClock,
    pub disabled: Arc<Mutex<BTreeSet<Key>>>,
    pub events: Arc<Mutex<Vec<IllegalSequence<Key>>>>,
    /// How many times the barrier called the `ordering_disabled` predicate.
    pub asks: Arc<AtomicU64>,
}

/// What one real call did.
#[derive(Debug, PartialEq)]
pub struct Observed {
    /// The answer, in the reference's terms; `None` if the call panicked.
    pub ret: Option<Ret>,
    /// A round's or a batch's answers (empty for other calls).
    pub many: Vec<Ret>,
    /// Events the observer received during the call.
    pub events: Vec<IllegalSequence<Key>>,
    /// The panic message, if the call panicked.
    pub panic: Option<String>,
}

impl Sut {
    pub fn new(config: &RefConfig) -> Sut {
        Sut::with_shards(config, None)
    }

    /// The same with `shards` shards (the builder's default if `None`).
    pub fn with_shards(config: &RefConfig, shards: Option<usize>) -> Sut {
        quiet_expected_panics();
        let clock = ManualClock::new();
        let disabled: Arc<Mutex<BTreeSet<Key>>> = Arc::default();
        let events: Arc<Mutex<Vec<IllegalSequence<Key>>>> = Arc::default();
        let asks: Arc<AtomicU64> = Arc::default();
        let mut builder = Barrier::builder().config(real_config(config));
        if let Some(shards) = shards {
            builder = builder.shards(shards);
        }
        let barrier = builder
            .ordering_disabled({
                let disabled = Arc::clone(&disabled);
                let asks = Arc::clone(&asks);
                move |k: &Key| {
                    asks.fetch_add(1, Ordering::Relaxed);
                    disabled.lock().unwrap().contains(k)
                }
            })
            .on_illegal_sequence({
                let events = Arc::clone(&events);
                move |e: &IllegalSequence<Key>| events.lock().unwrap().push(e.clone())
            })
            .clock(clock.clone())
            .build();
        Sut {
            barrier,
            clock,
            disabled,
            events,
            asks,
        }
    }

    /// The same barrier, split into its pickup and worker handles.
    pub fn split(self) -> Sut<Handles> {
        let (pickup, worker) = self.barrier.split();
        Sut {
            barrier: Handles { pickup, worker },
            clock: self.clock,
            disabled: self.disabled,
            events: self.events,
            asks: self.asks,
        }
    }

    /// Runs one call on the real barrier, a round included (which needs the
    /// barrier unshared: `&mut`).
    pub fn invoke_mut(&mut self, call: &Call) -> Observed {
        let Call::Round(actions) = call else {
            return self.invoke(call);
        };
        let b = &mut self.barrier;
        let result = catch_unwind(AssertUnwindSafe(|| {
            let (mut round, applied) = b.round_counted();
            (Ret::Unit, run_round(&mut round, applied, actions))
        }));
        self.observed(result)
    }

    /// Runs one call on the real barrier (not a round: see [`Sut::invoke_mut`]).
    pub fn invoke(&self, call: &Call) -> Observed {
        let result = catch_unwind(AssertUnwindSafe(|| {
            call_on(&mut &self.barrier, &self.clock, &self.disabled, call)
        }));
        self.observed(result)
    }
}

impl Sut<Handles> {
    /// Runs one call through the handles: a round through the pickup handle.
    pub fn invoke_mut(&mut self, call: &Call) -> Observed {
        let (clock, disabled) = (&self.clock, &self.disabled);
        let handles = &mut self.barrier;
        let result = catch_unwind(AssertUnwindSafe(|| match call {
            Call::Round(actions) => {
                let (mut round, applied) = handles.pickup.round_counted();
                (Ret::Unit, run_round(&mut round, applied, actions))
            }
            _ => call_on(handles, clock, disabled, call),
        }));
        self.observed(result)
    }
}

impl<F> Sut<F> {
    /// How many times the barrier called the `ordering_disabled` predicate.
    pub fn predicate_asks(&self) -> u64 {
        self.asks.load(Ordering::Relaxed)
    }

    /// What a call did: its answers (or its panic) and the events the observer
    /// received meanwhile.
    fn observed(&self, result: std::thread::Result<(Ret, Vec<Ret>)>) -> Observed {
        let events = std::mem::take(&mut *self.events.lock().unwrap());
        match result {
            Ok((ret, many)) => Observed {
                ret: Some(ret),
                many,
                events,
                panic: None,
            },
            Err(payload) => Observed {
                ret: None,
                many: Vec::new(),
                events,
                panic: Some(panic_message(payload)),
            },
        }
    }
}

/// A caught panic's message.
fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "<non-string panic>".into())
}

/// Compares what the real call did with the reference's outcome. Neither side
/// may report an illegal sequence and the real call may not panic, under either
/// policy (R-ILLEGAL, v3). Returns the mismatch.
pub fn compare(
    call: &Call,
    observed: &Observed,
    expected: &Outcome<Key>,
    _panic_policy: bool,
) -> Result<(), String> {
    compare_many(call, observed, expected, &[])
}

/// [`compare`] for a call with many answers (`many`: the reference's, from
/// [`Call::run`]).
pub fn compare_many(
    call: &Call,
    observed: &Observed,
    expected: &Outcome<Key>,
    many: &[Ret],
) -> Result<(), String> {
    if let Some(i) = &expected.illegal {
        return Err(format!(
            "{call:?}: the reference reported {i:?} (v3 reports none)"
        ));
    }
    if let Some(p) = &observed.panic {
        return Err(format!("{call:?}: unexpected panic {p:?}"));
    }
    if !observed.events.is_empty() {
        return Err(format!(
            "{call:?}: illegal-sequence reports (v3 reports none): {:?}",
            observed.events
        ));
    }
    if observed.ret.as_ref() != Some(&expected.ret) {
        return Err(format!(
            "{call:?}: answers differ: real {:?}, reference {:?}",
            observed.ret, expected.ret
        ));
    }
    if observed.many != many {
        return Err(format!(
            "{call:?}: answers differ: real {:?}, reference {many:?}",
            observed.many
        ));
    }
    Ok(())
}

/// Compares the observable state: `size`, `queued` effects, and `peek` and
/// `is_disabled` for every key of `keys`; then every record field by field
/// (mode and its age, failed job, in-flight set, the drain window's jobs and how
/// long it has been idle) through `snapshot()`; then each record's queued
/// effects in order, and the timers of the snapshot and of `Display` (see
/// [`observe`]). Read-only on both sides.
pub fn compare_state<F: View>(
    sut: &Sut<F>,
    reference: &Reference<Key>,
    keys: impl IntoIterator<Item = Key>,
) -> Result<(), String> {
    let b = &sut.barrier;
    if b.size() != reference.size() {
        return Err(format!(
            "size(): real {}, reference {}",
            b.size(),
            reference.size()
        ));
    }
    if b.queued() != reference.queue.len() {
        return Err(format!(
            "queued effects: real {}, reference {}",
            b.queued(),
            reference.queue.len()
        ));
    }
    for k in keys {
        let (real, want) = (b.peek(k).map(|f| f.0), reference.peek(&k));
        if real != want {
            return Err(format!("peek(k{k}): real {real:?}, reference {want:?}"));
        }
        let (real, want) = (b.is_disabled(k), reference.is_disabled(&k));
        if real != want {
            return Err(format!("is_disabled(k{k}): real {real}, reference {want}"));
        }
    }
    let snap = b.snapshot();
    let real: BTreeMap<Key, _> = snap.records.iter().map(|r| (r.key, r)).collect();
    for (k, want) in &reference.records {
        let Some(r) = real.get(k) else {
            return Err(format!("k{k}: no real record; reference has {want:?}"));
        };
        let age = |since: u64| Duration::from_millis(reference.now - since);
        let mode_ok = match (want.mode, r.mode) {
            (model::Mode::Enabled, KeyMode::Enabled) => true,
            (model::Mode::Disabled { since }, KeyMode::Disabled { elapsed }) => {
                elapsed == age(since)
            }
            (model::Mode::HalfEnabled { since }, KeyMode::HalfEnabled { elapsed }) => {
                elapsed == age(since)
            }
            _ => false,
        };
        let set = |s: Option<&BTreeSet<i64>>| s.map(|s| s.iter().copied().collect());
        let failed: Vec<i64> = r.failed_jobs.iter().map(|j| j.0).collect();
        let jobs = |s: &Option<Vec<JobId>>| {
            s.as_ref()
                .map(|s| s.iter().map(|j| j.0).collect::<Vec<_>>())
        };
        let idle = want.drain.as_ref().and_then(|w| w.idle_since).map(age);
        if !mode_ok
            || r.failed.map(|f| f.0) != want.oldest_failed()
            || failed != want.failed.iter().copied().collect::<Vec<_>>()
            || jobs(&r.inflight) != set(want.inflight.as_ref())
            || jobs(&r.drain) != set(want.drain.as_ref().map(|w| &w.jobs))
            || r.drain_idle != idle
        {
            return Err(format!(
                "k{k}: records differ:\n  real      {r}\n  reference {want:?} (now {})",
                reference.now
            ));
        }
    }
    observe::compare_queues(&snap, reference)?;
    observe::compare_timers(&snap, &b.display(), reference)
}

/// Deterministic random numbers for the scripts of the generated and concurrent
/// tests: `fastrand`'s generator from a seed (the same seed gives the same
/// scripts with the `fastrand` of `Cargo.lock`). Made by [`Rng()`], called like
/// the tuple struct it once was (`Rng(0x5eed)`).
pub struct Rng {
    inner: fastrand::Rng,
}

/// A generator seeded with `seed`.
#[allow(non_snake_case)]
pub fn Rng(seed: u64) -> Rng {
    Rng {
        inner: fastrand::Rng::with_seed(seed),
    }
}

impl Rng {
    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.inner.u64(..)
    }

    /// A number below `n` (uniform, `n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.inner.u64(..n)
    }

    /// One of `from`.
    pub fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.inner.usize(..from.len())]
    }
}

/// One call of a concurrent history as it happened: the thread that made it, its
/// place in real time (stamps taken before and after it), its answer and reports.
#[derive(Debug)]
pub struct Event {
    pub thread: usize,
    pub call: Call,
    pub start: u64,
    pub end: u64,
    pub observed: Observed,
}

impl Event {
    /// A batch of reports (`Call::ReportAll`) as its reports one by one, each
    /// spanning the batch (each takes effect at its own moment within it, and
    /// the batch's events are the first report's); any other call as it is.
    pub fn split_batch(self) -> Vec<Event> {
        let Call::ReportAll(reports) = &self.call else {
            return vec![self];
        };
        assert_eq!(
            self.observed.many.len(),
            reports.len(),
            "{:?}",
            self.observed
        );
        let mut events = Some(self.observed.events);
        reports
            .iter()
            .zip(self.observed.many)
            .map(|(&(k, j, s), ret)| Event {
                thread: self.thread,
                call: Call::State(k, j, s),
                start: self.start,
                end: self.end,
                observed: Observed {
                    ret: Some(ret),
                    many: Vec::new(),
                    events: events.take().unwrap_or_default(),
                    panic: self.observed.panic.clone(),
                },
            })
            .collect()
    }
}
