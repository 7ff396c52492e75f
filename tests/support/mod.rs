//! Shared by `conformance.rs` and `replay.rs`: one call on the real barrier and
//! on the reference barrier of `eventorder-model`, and the comparison of the two.
//!
//! Mapping: 1 reference tick = 1 ms of the real barrier's [`ManualClock`] (so the
//! reference's timers `disabled_for`, `half_enabled_for` and `drain_idle_for`, in
//! ticks, are the real [`Config`]'s in ms); the reference's `ordering_disabled` set is a shared set the real barrier's
//! predicate reads; `RefState::Unsupported` stands for every `JobState` the
//! barrier does not take. Under the report policy the observer's events are
//! compared with the reference's `illegal`; under the panic policy the real call
//! must panic (after its state change, with the event's message) exactly when the
//! reference reports an illegal sequence.

#![allow(dead_code)] // each test file uses its own part

pub mod linearize;
pub mod panics;

pub use panics::quiet_expected_panics;

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt,
    panic::{catch_unwind, AssertUnwindSafe},
    sync::{Arc, Mutex},
    time::Duration,
};

use eventorder::{
    Barrier, Config, Effect, Error, IllegalSequence, JobId, JobState, KeyMode, Location,
    ManualClock,
};
use eventorder_model::reference::{
    self as model, Illegal, Op, Outcome, RefConfig, RefState, Reference, Ret, Unsupported,
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
    /// The same call on the reference.
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

/// The reference's event as the real observer would see it.
pub fn real_event(i: &Illegal<Key>) -> IllegalSequence<Key> {
    let l = match i.location {
        model::Location::Enter => Location::Enter,
        model::Location::Wait => Location::Wait,
        model::Location::JobFailed => Location::JobFailed,
    };
    IllegalSequence {
        location: l,
        key: i.key,
        failed: JobId(i.failed),
        job: JobId(i.job),
    }
}

/// The real barrier with a manual clock, a predicate over a shared set, and an
/// observer that records every event.
pub struct Sut {
    pub barrier: Barrier<Key, ManualClock>,
    pub clock: ManualClock,
    pub disabled: Arc<Mutex<BTreeSet<Key>>>,
    pub events: Arc<Mutex<Vec<IllegalSequence<Key>>>>,
}

/// What one real call did.
#[derive(Debug, PartialEq)]
pub struct Observed {
    /// The answer, in the reference's terms; `None` if the call panicked.
    pub ret: Option<Ret>,
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
        let mut builder = Barrier::builder().config(real_config(config));
        if let Some(shards) = shards {
            builder = builder.shards(shards);
        }
        let barrier = builder
            .ordering_disabled({
                let disabled = Arc::clone(&disabled);
                move |k: &Key| disabled.lock().unwrap().contains(k)
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
        }
    }

    /// Runs one call on the real barrier.
    pub fn invoke(&self, call: &Call) -> Observed {
        let b = &self.barrier;
        let result = catch_unwind(AssertUnwindSafe(|| match *call {
            Call::Enter(k, j) => {
                let a = b.enter(&k, JobId(j));
                Ret::Admission {
                    accepted: a.accepted,
                    previous_failed: a.previous_failed.map(|f| f.0),
                }
            }
            Call::Wait(k, j) => {
                let h = b.wait(&k, JobId(j));
                Ret::Hold {
                    wait: h.wait,
                    previous_failed: h.previous_failed.map(|f| f.0),
                }
            }
            Call::State(k, j, s) => Ret::StateChanged(match b.state_changed(&k, JobId(j), s) {
                Ok(()) => Ok(()),
                Err(Error::UnsupportedState(t)) if t == s => Err(Unsupported),
                Err(e) => panic!("state_changed({s}): unexpected error {e:?}"),
            }),
            Call::Leave(k, j) => {
                b.leave(&k, JobId(j));
                Ret::Unit
            }
            Call::Sync => Ret::Applied(b.sync()),
            Call::Peek(k) => Ret::Peek(b.peek(&k).map(|f| f.0)),
            Call::IsDisabled(k) => Ret::Disabled(b.is_disabled(&k)),
            Call::Size => Ret::Size(b.size()),
            Call::Advance(t) => {
                self.clock.advance(Duration::from_millis(t));
                Ret::Unit
            }
            Call::Reconfigure(ref c) => {
                b.reconfigure(real_config(c));
                Ret::Unit
            }
            Call::Predicate(k, on) => {
                let mut set = self.disabled.lock().unwrap();
                if on {
                    set.insert(k);
                } else {
                    set.remove(&k);
                }
                Ret::Unit
            }
        }));
        let events = std::mem::take(&mut *self.events.lock().unwrap());
        match result {
            Ok(ret) => Observed {
                ret: Some(ret),
                events,
                panic: None,
            },
            Err(payload) => Observed {
                ret: None,
                events,
                panic: Some(
                    payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "<non-string panic>".into()),
                ),
            },
        }
    }
}

/// Compares what the real call did with the reference's outcome; `panic_policy`
/// is the illegal-sequence policy in force for the call. Returns the mismatch.
pub fn compare(
    call: &Call,
    observed: &Observed,
    expected: &Outcome<Key>,
    panic_policy: bool,
) -> Result<(), String> {
    let expected_event = expected.illegal.as_ref().map(real_event);
    match (&expected_event, panic_policy) {
        (Some(event), true) => {
            let message = event.to_string();
            if observed.panic.as_deref() != Some(message.as_str()) || !observed.events.is_empty() {
                return Err(format!(
                    "{call:?}: expected a panic {message:?} (panic policy) and no report, \
                     got panic {:?}, reports {:?}, answer {:?}",
                    observed.panic, observed.events, observed.ret
                ));
            }
            // The call panicked after its state change: no answer to compare.
            return Ok(());
        }
        _ => {
            if let Some(p) = &observed.panic {
                return Err(format!("{call:?}: unexpected panic {p:?}"));
            }
            let want: Vec<_> = expected_event.into_iter().collect();
            if observed.events != want {
                return Err(format!(
                    "{call:?}: illegal-sequence reports differ: real {:?}, reference {:?}",
                    observed.events, want
                ));
            }
        }
    }
    if observed.ret.as_ref() != Some(&expected.ret) {
        return Err(format!(
            "{call:?}: answers differ: real {:?}, reference {:?}",
            observed.ret, expected.ret
        ));
    }
    Ok(())
}

/// Compares the observable state: `size`, `queued` effects, and `peek` and
/// `is_disabled` for every key of `keys`; then every record field by field
/// (mode and its age, failed job, in-flight set, the drain window's jobs and how
/// long it has been idle) through `snapshot()`. Read-only on both sides.
pub fn compare_state(
    sut: &Sut,
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
        let (real, want) = (b.peek(&k).map(|f| f.0), reference.peek(&k));
        if real != want {
            return Err(format!("peek(k{k}): real {real:?}, reference {want:?}"));
        }
        let (real, want) = (b.is_disabled(&k), reference.is_disabled(&k));
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
        let jobs = |s: &Option<Vec<JobId>>| {
            s.as_ref()
                .map(|s| s.iter().map(|j| j.0).collect::<Vec<_>>())
        };
        let idle = want.drain.as_ref().and_then(|w| w.idle_since).map(age);
        if !mode_ok
            || r.failed.map(|f| f.0) != want.failed
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
    Ok(())
}

/// Deterministic random numbers (SplitMix64), for the scripts of the concurrent
/// tests.
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// One of `from`.
    pub fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len() as u64) as usize]
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
