//! Conformance: the real `Barrier<u8, ManualClock>` against the reference barrier
//! of `eventorder-model` (proptest-state-machine).
//!
//! The reference is the `ReferenceStateMachine`; the real barrier is the system
//! under test. Transitions are every operation of the public API (the contract `tests/api_contract.rs` compiles) over three keys and job
//! ids 0..8 (so keys and jobs collide constantly): `enter`, `wait`,
//! `state_changed` with every `JobState` the spec lists (the unsupported ones
//! included), `leave`, `sync`, `peek`, `is_disabled`, `size`, clock advances,
//! live `reconfigure` (installed at the next `sync`, R-CONFIG), toggles of the
//! `ordering_disabled` predicate, whole rounds (`round`, then `offer`,
//! `offer_all`, `undo` and `skip`, in and out of job-id order: R-ROUND,
//! R-OFFER) and batches of reports (`report_all`). Initial and
//! reconfigured settings cover drain limit 0–3, key threshold 0–3, the three
//! timers (`disabled_for`, `half_enabled_for`, `drain_idle_for`) of 0–4 ms, and
//! both illegal-sequence policies.
//!
//! Besides uniform choices, the transitions are steered by the reference's state
//! towards the rules of SPEC v2: clock advances of exactly a timer and of a timer
//! plus one (so that the next `sync`, frequent too, finds a mode timer or an idle
//! drain window just not run out, or just run out: R-EXPIRE's strict
//! comparisons); the abort or release of a key's failed job (which opens a drain
//! window); the predicate switched on for a key that has a failed job or a drain
//! window, then off again (R-MODE's reset); and live changes of the timers alone,
//! `drain_idle_for` included, compared with the existing `since` and idle time
//! (R-CONFIG).
//!
//! Every answer is compared (each of a round's and a batch's), and no call may
//! report an illegal sequence or panic under either policy (R-ILLEGAL, v3); the
//! steering adds failures of jobs older than the key's failed job (the failed
//! set) and `enter`s of such jobs (older jobs first). After every step `check_invariants` compares `size`, the queued
//! effects, `peek` and `is_disabled` of every key, and every record field by field.
//!
//! It also compares what a user reads besides the answers (`support::observe`):
//! each record's queued effects in order (`RecordSnapshot::queue`) against the
//! reference's queue; the timers of the snapshot and of the `Display` dump
//! (the mode's age, an idle drain window's age and time left, the last against
//! what the reference's `sync` does); every `stats()` counter and the number of
//! `ordering_disabled` calls against the reference's [`Counts`], which add up
//! what each counter's documentation says it counts, rule by rule
//! (`model/src/reference/observe.rs`). Every sequence runs in lockstep on two
//! real barriers: one driven directly (rounds through `&mut Barrier`), one split
//! into its `PickupHandle` and `WorkerHandle` ([`Fronts`]). `recover` (the warm
//! start) is a transition too, in every state (it found the library taking the
//! warm start after refused `enter`s: [`recover_after_refused_enters_only`]).
//!
//! The real barrier has two shards, so that the three keys share a shard or not
//! depending on the run (its hasher is seeded randomly).
//!
//! Cases: `PROPTEST_CASES` if set, else 2,000 sequences of 1 to 60 steps on three
//! keys and 5,000 on one key (see [`Conformance`]).
//!
//! A third test, [`many_keys_in_waves`], drives all 256 keys through waves of
//! failures, releases and tracked jobs on one shard, so that a shard's storage
//! grows, turns sparse and is compacted (`src/store`) many times, with queued
//! effects naming records that go away and come back; every call and, after every
//! wave, every key and every counter are compared with the reference.

mod support;

use eventorder::{Effect, JobState};
use eventorder_model::reference::{Counts, Mode, Outcome, RefConfig, Reference, Ret};
use proptest::prelude::*;
use proptest_state_machine::{prop_state_machine, ReferenceStateMachine, StateMachineTest};
use support::{
    compare, compare_counts, compare_many, compare_state, Action, Call, Handles, Key, Rng, Sut,
};

/// The reference and what its last call returned (the system under test's
/// `apply` sees the state after the transition, so the outcome travels with it),
/// with a round's or a batch's answers, and what its calls add up to in the
/// counters a user reads (`stats()`, the predicate's calls).
#[derive(Clone, Debug)]
struct Model {
    reference: Reference<Key>,
    last: Option<(Outcome<Key>, Vec<Ret>)>,
    counts: Counts,
}

/// The two fronts a user has, driven in lockstep with the same calls: the
/// barrier itself (rounds through `&mut Barrier`), and another barrier split
/// into its `PickupHandle` and `WorkerHandle`.
struct Fronts {
    owned: Sut,
    split: Sut<Handles>,
}

/// A round's actions: offers (in job-id order per key, mostly, so that jobs are
/// admitted; sometimes not, for R-OFFER's error), `offer_all`, undos and skips.
fn round(keys: Key, jobs: i64) -> impl Strategy<Value = Call> {
    let action = prop_oneof![
        8 => (0..keys, 0..jobs).prop_map(|(k, j)| Action::Offer(k, j)),
        2 => proptest::collection::vec((0..keys, 0..jobs), 1..5).prop_map(|mut batch| {
            batch.sort_by_key(|&(_, j)| j);
            Action::OfferAll(batch)
        }),
        1 => (0..keys, 0..jobs).prop_map(|(k, j)| Action::Undo(k, j)),
        1 => (0..keys).prop_map(Action::Skip),
    ];
    (proptest::collection::vec(action, 0..8), any::<bool>()).prop_map(|(mut actions, sorted)| {
        if sorted {
            // The batch in ascending job id, as a pickup loop reads it.
            actions.sort_by_key(|a| match a {
                Action::Offer(_, j) | Action::Undo(_, j) => *j,
                Action::OfferAll(batch) => batch[0].1,
                Action::Skip(_) => 0,
            });
        }
        Call::Round(actions)
    })
}

/// A warm start (R-RESTART) of up to two failed jobs, drawn in every state
/// (issue 19 found the library taking it after refused `enter`s only, where
/// the reference refuses it: see [`recover_after_refused_enters_only`]).
fn recover(
    _state: &Model,
    keys: std::ops::Range<Key>,
    jobs: std::ops::Range<i64>,
) -> BoxedStrategy<Call> {
    proptest::collection::vec((keys, jobs), 0..3)
        .prop_map(Call::Recover)
        .boxed()
}

/// Found by this test (library vs SPEC.md R-RESTART, issue 19): "`recover` on a
/// barrier that has been entered or holds a record is an error". The shrunk
/// sequence: a failed job, a later job refused by it, the failed job ends and
/// `sync` removes the record; the barrier has been entered (once, refused) and
/// holds nothing. The reference refuses the warm start; `Barrier::recover`,
/// whose guard read `stats().entered` (admitted jobs only), took it. The guard
/// now counts every `enter` answered, as `Error::RecoverTooLate` documents.
#[test]
fn recover_after_refused_enters_only() {
    let calls = [
        Call::ReportAll(vec![(0, 1, JobState::Failed)]),
        Call::Enter(0, 2),
        Call::State(0, 1, JobState::Succeeded),
        Call::Sync,
        Call::Recover(vec![]),
    ];
    let mut reference = Reference::new(RefConfig::default());
    let mut sut = Sut::new(&reference.config);
    let mut answers = Vec::new();
    for call in &calls {
        let (_, many) = call.run(&mut reference);
        answers.push((many, sut.invoke_mut(call).many));
    }
    let (want, real) = answers.pop().expect("recover's answers");
    assert_eq!(want, [Ret::Unit], "the reference: RecoverTooLate");
    assert_eq!(real, want, "the library: RecoverTooLate too (it was Ok(0))");
    assert!(reference.entered && reference.records.is_empty());
    assert_eq!(sut.barrier.stats().entered, 0);
    assert_eq!(sut.barrier.stats().rejected, 1);
}

/// Found by this test (library docs vs R-EXPIRE, wording only): a drain window
/// idle for exactly `drain_idle_for` has zero time left (`drain_closes_in`), and
/// the dump said "it closes at the next sync", but R-EXPIRE closes a window idle
/// for *longer* than `drain_idle_for`: a `sync` at that instant (a manual clock
/// that has not moved) keeps it, on both sides. Zero means "a sync any moment
/// later closes it", which is what the dump says now and what the conformance
/// test compares.
#[test]
fn a_window_with_zero_time_left_survives_a_sync_at_that_instant() {
    let config = RefConfig {
        drain_limit: 1,
        drain_idle_for: 3,
        ..RefConfig::default()
    };
    let calls = [
        Call::State(0, 1, JobState::Failed),
        Call::State(0, 1, JobState::Aborted),
        Call::Sync,
        Call::Advance(3),
    ];
    let mut reference = Reference::new(config.clone());
    let mut sut = Sut::new(&config);
    for call in &calls {
        call.run(&mut reference);
        sut.invoke_mut(call);
    }
    let snap = sut.barrier.snapshot();
    let record = snap.record(&0).expect("the window's record");
    assert_eq!(record.drain_closes_in, Some(std::time::Duration::ZERO));
    assert!(sut
        .barrier
        .to_string()
        .contains("a sync any moment later closes it"));
    call_both(&Call::Sync, &mut reference, &mut sut);
    assert!(
        reference.records[&0].drain.is_some(),
        "R-EXPIRE: not longer"
    );
    assert!(sut.barrier.snapshot().record(&0).unwrap().drain.is_some());
    call_both(&Call::Advance(1), &mut reference, &mut sut);
    call_both(&Call::Sync, &mut reference, &mut sut);
    assert_eq!((reference.size(), sut.barrier.size()), (0, 0));
}

/// `call` on both sides.
fn call_both(call: &Call, reference: &mut Reference<Key>, sut: &mut Sut) {
    call.run(reference);
    sut.invoke_mut(call);
}

/// A batch of reports, as the commit loop sends them.
fn report_all(keys: Key, jobs: i64) -> impl Strategy<Value = Call> {
    proptest::collection::vec((0..keys, 0..jobs, job_state()), 1..5).prop_map(Call::ReportAll)
}

fn ref_config() -> impl Strategy<Value = RefConfig> {
    (0usize..=3, 0usize..=3, timers(), any::<bool>()).prop_map(
        |(drain_limit, key_threshold, (disabled_for, half_enabled_for, drain_idle_for), panic)| {
            RefConfig {
                drain_limit,
                key_threshold,
                disabled_for,
                half_enabled_for,
                drain_idle_for,
                panic_on_illegal_sequence: panic,
            }
        },
    )
}

/// `disabled_for`, `half_enabled_for`, `drain_idle_for`, in ms.
fn timers() -> impl Strategy<Value = (u64, u64, u64)> {
    (0u64..=4, 0u64..=4, 0u64..=4)
}

/// The calls the reference's state makes interesting for SPEC v2's rules (see
/// the module docs); never empty.
fn steered(state: &Model, keys: Key) -> Vec<Call> {
    let r = &state.reference;
    let c = &r.config;
    let mut calls = Vec::new();
    // Advances that land a timer exactly on its bound, or one tick past it, with
    // respect to the oldest mode or idle window (and to a fresh one).
    for timer in [c.disabled_for, c.half_enabled_for, c.drain_idle_for] {
        calls.push(Call::Advance(timer));
        calls.push(Call::Advance(timer + 1));
    }
    for record in r.records.values() {
        let since = match record.mode {
            Mode::Disabled { since } => Some((since, c.disabled_for)),
            Mode::HalfEnabled { since } => Some((since, c.half_enabled_for)),
            Mode::Enabled => None,
        };
        let idle = record
            .drain
            .as_ref()
            .and_then(|w| w.idle_since)
            .map(|since| (since, c.drain_idle_for));
        for (since, timer) in since.into_iter().chain(idle) {
            let due = (since + timer).saturating_sub(r.now);
            calls.push(Call::Advance(due));
            calls.push(Call::Advance(due + 1));
        }
    }
    for (&k, record) in r.records.range(..keys) {
        for &failed in &record.failed {
            // End a failed job (a window opens if drain_limit > 0 and it was
            // the last one).
            calls.push(Call::State(k, failed, JobState::Aborted));
            calls.push(Call::State(k, failed, JobState::Succeeded));
        }
        if let Some(oldest) = record.oldest_failed() {
            // A job older than the oldest failed job fails too (the failed set
            // grows, and the key is blocked by the new oldest), or enters (older
            // jobs go first).
            if oldest > 0 {
                calls.push(Call::State(k, oldest - 1, JobState::Failed));
                calls.push(Call::Enter(k, oldest - 1));
            }
        }
        if !record.failed.is_empty() || record.drain.is_some() {
            calls.push(Call::Predicate(k, true));
        }
    }
    for k in r.ordering_disabled.range(..keys) {
        calls.push(Call::Predicate(*k, false));
    }
    calls.push(Call::Sync);
    calls
}

/// Any state of `JobState::ALL` (so a state added to `spec/job_states.toml` is
/// drawn with no change here), weighted by what it does: the effects that change
/// a record most often, and the unsupported states (which all do nothing) as
/// rarely as one supported state.
fn job_state() -> impl Strategy<Value = JobState> {
    let weight = |effect: Effect| match effect {
        Effect::Fail | Effect::Abort => 6,
        Effect::Release | Effect::Leave => 4,
        Effect::Unsupported => 1,
    };
    let states = JobState::ALL
        .iter()
        .map(|&s| (weight(s.effect()), Just(s).boxed()))
        .collect();
    proptest::strategy::Union::new_weighted(states)
}

/// The strategy draws every state of `JobState::ALL` (and says so: the recipe
/// test of `tests/job_states.rs` looks for the line of a state it adds).
#[test]
fn every_job_state_is_drawn() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = job_state();
    let mut drawn = std::collections::BTreeSet::new();
    for _ in 0..20_000 {
        drawn.insert(strategy.new_tree(&mut runner).unwrap().current());
    }
    for state in JobState::ALL {
        assert!(drawn.contains(state), "{state} is never drawn");
        println!("drawn: {state}");
    }
}

/// The conformance test; `FOCUSED` picks the domain: `false` for three keys and
/// jobs 0..8 (collisions everywhere), `true` for one key, jobs 0..3 and many more
/// predicate toggles, clock advances and syncs, so that the long paths through
/// the modes (disabled, half-enabled, back on, with a failed job on the way) are
/// common too.
struct Conformance<const FOCUSED: bool>;

impl<const FOCUSED: bool> Conformance<FOCUSED> {
    const KEYS: Key = if FOCUSED { 1 } else { 3 };
    const JOBS: i64 = if FOCUSED { 3 } else { 8 };
}

impl<const FOCUSED: bool> ReferenceStateMachine for Conformance<FOCUSED> {
    type State = Model;
    type Transition = Call;

    fn init_state() -> BoxedStrategy<Model> {
        ref_config()
            .prop_map(|config| Model {
                reference: Reference::new(config),
                last: None,
                counts: Counts::default(),
            })
            .boxed()
    }

    fn transitions(state: &Model) -> BoxedStrategy<Call> {
        let key = 0..Self::KEYS;
        let job = 0..Self::JOBS;
        // Weights of the calls that move a key through its modes.
        let (modes, sync) = if FOCUSED { (6, 6) } else { (1, 4) };
        let current = state.reference.config.clone();
        let retimed = timers().prop_map(move |(disabled_for, half_enabled_for, drain_idle_for)| {
            Call::Reconfigure(RefConfig {
                disabled_for,
                half_enabled_for,
                drain_idle_for,
                ..current.clone()
            })
        });
        prop_oneof![
            3 * modes => proptest::sample::select(steered(state, Self::KEYS)),
            modes => retimed,
            6 => (key.clone(), job.clone()).prop_map(|(k, j)| Call::Enter(k, j)),
            3 => (key.clone(), job.clone()).prop_map(|(k, j)| Call::Wait(k, j)),
            7 => (key.clone(), job.clone(), job_state()).prop_map(|(k, j, s)| Call::State(k, j, s)),
            2 => (key.clone(), job.clone()).prop_map(|(k, j)| Call::Leave(k, j)),
            sync => Just(Call::Sync),
            1 => key.clone().prop_map(Call::Peek),
            1 => key.clone().prop_map(Call::IsDisabled),
            1 => Just(Call::Size),
            2 * modes => (0u64..=6).prop_map(Call::Advance),
            4 => round(Self::KEYS, Self::JOBS),
            1 => report_all(Self::KEYS, Self::JOBS),
            1 => recover(state, key.clone(), job),
            1 => ref_config().prop_map(Call::Reconfigure),
            modes => (key, any::<bool>()).prop_map(|(k, on)| Call::Predicate(k, on)),
        ]
        .boxed()
    }

    fn apply(mut state: Model, call: &Call) -> Model {
        state.last = Some(call.run_counted(&mut state.reference, &mut state.counts));
        state
    }
}

impl<const FOCUSED: bool> StateMachineTest for Conformance<FOCUSED> {
    type SystemUnderTest = Fronts;
    type Reference = Conformance<FOCUSED>;

    fn init_test(model: &Model) -> Fronts {
        let config = &model.reference.config;
        Fronts {
            owned: Sut::with_shards(config, Some(2)),
            split: Sut::with_shards(config, Some(2)).split(),
        }
    }

    fn apply(mut sut: Fronts, model: &Model, call: Call) -> Fronts {
        let (expected, many) = model.last.as_ref().expect("the reference ran the call");
        let observed = sut.owned.invoke_mut(&call);
        if let Err(mismatch) = compare_many(&call, &observed, expected, many) {
            panic!("real barrier and reference disagree: {mismatch}");
        }
        let observed = sut.split.invoke_mut(&call);
        if let Err(mismatch) = compare_many(&call, &observed, expected, many) {
            panic!("split handles and reference disagree: {mismatch}");
        }
        sut
    }

    fn check_invariants(sut: &Fronts, model: &Model) {
        let (reference, keys) = (&model.reference, 0..Self::KEYS);
        let owned = compare_state(&sut.owned, reference, keys.clone())
            .and_then(|()| compare_counts(&sut.owned, &model.counts));
        if let Err(mismatch) = owned {
            panic!("real barrier and reference disagree after the step: {mismatch}");
        }
        let split = compare_state(&sut.split, reference, keys)
            .and_then(|()| compare_counts(&sut.split, &model.counts));
        if let Err(mismatch) = split {
            panic!("split handles and reference disagree after the step: {mismatch}");
        }
    }
}

/// `PROPTEST_CASES` if set, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn config(default_cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(default_cases),
        max_shrink_iters: 8192,
        ..ProptestConfig::default()
    }
}

prop_state_machine! {
    #![proptest_config(config(2000))]

    /// The real barrier answers, reports and panics exactly as the reference does:
    /// three keys, jobs 0..8. 2,000 sequences unless `PROPTEST_CASES` says otherwise.
    #[test]
    fn real_barrier_conforms_to_the_reference(sequential 1..60 => Conformance<false>);
}

prop_state_machine! {
    #![proptest_config(config(5000))]

    /// The same on one key, jobs 0..3, with the modes changing often. 5,000
    /// sequences unless `PROPTEST_CASES` says otherwise.
    #[test]
    fn real_barrier_conforms_to_the_reference_through_mode_changes(
        sequential 1..60 => Conformance<true>
    );
}

/// All 256 keys, one shard, waves of calls: most keys fail (or enter under a key
/// threshold), then most are released, aborted or left, with `sync`s between. The
/// shard's slab fills and empties again and again, so it is compacted, and effects
/// are queued on records that are removed and made again before the `sync`. At
/// the end of each round every timer runs out and `sync` expires the modes and
/// idle windows of all keys at once (R-EXPIRE).
#[test]
fn many_keys_in_waves() {
    let mut rng = Rng(0x5eed);
    let mut compacting_waves = 0;
    for round in 0..12u64 {
        let config = RefConfig {
            drain_limit: rng.below(3) as usize,
            key_threshold: rng.pick(&[0, 0, 2, 200]),
            disabled_for: 1_000,
            half_enabled_for: 1_000,
            drain_idle_for: 1_000,
            panic_on_illegal_sequence: false,
        };
        let sut = Sut::with_shards(&config, Some(1));
        let mut reference = Reference::new(config);
        let mut job = 0i64;
        let counts = std::cell::Cell::new(Counts::default());
        let run = |call: Call, reference: &mut Reference<Key>| {
            let mut added = counts.get();
            let (expected, _) = call.run_counted(reference, &mut added);
            counts.set(added);
            let observed = sut.invoke(&call);
            if let Err(mismatch) = compare(&call, &observed, &expected, false) {
                panic!("round {round}: real barrier and reference disagree: {mismatch}");
            }
            expected.ret
        };
        // Per key, the last job that entered.
        let mut entered = [0i64; 256];
        for wave in 0..8 {
            // Fill: most keys get a failed job or a tracked one.
            for key in 0..=255u8 {
                if rng.below(10) < 9 {
                    job += 1;
                    let call = if rng.below(3) == 0 {
                        entered[usize::from(key)] = job;
                        Call::Enter(key, job)
                    } else {
                        Call::State(key, job, JobState::Failed)
                    };
                    run(call, &mut reference);
                }
            }
            let full = reference.size();
            // Drain: most keys' failed and entered jobs end, some before and some
            // after a `sync`, and a few keys take a new job.
            for key in 0..=255u8 {
                if rng.below(10) < 9 {
                    let end = [JobState::Succeeded, JobState::Aborted, JobState::Filtered];
                    if let Ret::Peek(Some(failed)) = run(Call::Peek(key), &mut reference) {
                        run(Call::State(key, failed, rng.pick(&end)), &mut reference);
                    }
                    let own = entered[usize::from(key)];
                    match rng.below(4) {
                        0 => drop(run(Call::Leave(key, own), &mut reference)),
                        1 => drop(run(
                            Call::State(key, own, JobState::Waiting),
                            &mut reference,
                        )),
                        _ => drop(run(Call::State(key, own, rng.pick(&end)), &mut reference)),
                    }
                    if rng.below(8) == 0 {
                        job += 1;
                        entered[usize::from(key)] = job;
                        run(Call::Enter(key, job), &mut reference);
                    }
                }
                if rng.below(40) == 0 {
                    run(Call::Sync, &mut reference);
                }
            }
            run(Call::Sync, &mut reference);
            if full > 64 && reference.size() * 4 < full {
                compacting_waves += 1;
            }
            let same = compare_state(&sut, &reference, 0..=255)
                .and_then(|()| compare_counts(&sut, &counts.get()));
            if let Err(mismatch) = same {
                panic!("round {round}, wave {wave}: after the wave: {mismatch}");
            }
        }
        // The keys go quiet: every timer runs out, and two `sync`s (R-EXPIRE) take
        // the hot keys back through `HalfEnabled` to `Enabled` and close the idle
        // drain windows, across the whole shard at once.
        for step in 0..2 {
            run(Call::Advance(1_001), &mut reference);
            run(Call::Sync, &mut reference);
            let same = compare_state(&sut, &reference, 0..=255)
                .and_then(|()| compare_counts(&sut, &counts.get()));
            if let Err(mismatch) = same {
                panic!("round {round}, quiet step {step}: {mismatch}");
            }
        }
    }
    // The waves did empty the shard enough, often enough, to compact it.
    assert!(compacting_waves >= 20, "{compacting_waves}");
}
