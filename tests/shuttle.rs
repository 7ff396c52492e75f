//! Model-checked interleavings of the sharded barrier (issue 4(a)), with shuttle.
//!
//! Built only with the test-only `--cfg eventorder_shuttle` (a cfg flag, not a
//! Cargo feature), which swaps the barrier's
//! shard locks and lock-free atomics (`Presence`, `untracked_enter`) for shuttle's
//! (see `src/sync.rs`): every lock and every atomic access of a call is then a
//! point where shuttle's scheduler may switch threads, so an execution can stop a
//! call between its lock-free check and its lock, or between two shards of a
//! `sync`. Run with
//! `RUSTFLAGS="--cfg eventorder_shuttle" CARGO_TARGET_DIR=target/shuttle cargo test --release --test shuttle`
//! (its own target dir, so that the flag does not rebuild `target/`).
//!
//! Each scenario runs the router's roles as shuttle threads on one barrier (a
//! pickup thread: `sync`, `enter`; a worker: `wait`, `failed`, `succeeded`; a
//! commit thread: `succeeded`, `filtered`, `aborted`, `waiting`), over two keys,
//! with one shard (the keys share a lock and a `Presence`) or two (one key on
//! each: under the cfg the key hasher has a fixed seed, chosen so that the keys 0
//! and 1 land in different shards of two, see `src/hashing.rs`, and every
//! execution places them alike); then, after joining them, one
//! `sync` (the pickup loop's next iteration). Every call is stamped when it starts
//! and when it returns (shuttle runs one thread at a time, so the stamps are the
//! real-time order). After each execution the history must be linearizable
//! against the reference of `eventorder-model`: some order of the calls that
//! keeps every call after those that returned before it started gives every call
//! the same answer and illegal-sequence report on the reference, and ends in the
//! same state (size, queued effects, `peek` and `is_disabled` of both keys, every
//! record). With one shard that is the whole history at once. With two it is per
//! key (the calls on each key, with every `sync`), as `Barrier`'s docs promise:
//! `sync` visits the shards one after the other, so a whole two-shard history
//! need not be linearizable, and shuttle finds such schedules quickly (a `sync`
//! that applies an effect on one shard queued after another effect it missed on
//! the other); the per-key checks still compare every answer but the count of
//! `sync`, and the counts must add up to the effects the two keys' linearizations
//! applied. The reference applies queued effects in the order they were queued,
//! so that covers R-SYNC too; `queued_effects_apply_in_queue_order` pins it on a
//! history whose final state depends on that order.
//!
//! Not covered here: the striped `entered` counters of lock-free `enter` calls
//! (std atomics even under the cfg; they only feed `Stats`).

#![cfg(eventorder_shuttle)]

mod support;

use std::{
    cell::RefCell,
    collections::BTreeSet,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Instant,
};

use eventorder::{Barrier, IllegalSequence, JobState, ManualClock};
use eventorder_model::reference::{RefConfig, Reference};
use support::{linearize::linearize, Call, Event, Key, Rng, Sut};

shuttle::thread_local! {
    /// The illegal-sequence reports of the current shuttle thread's calls (the
    /// observer runs on the calling thread).
    static REPORTS: RefCell<Vec<IllegalSequence<Key>>> = RefCell::new(Vec::new());
}

/// Shuttle's settings for these tests: a larger stack for each shuttle thread
/// (a shard's `Presence`, 512 shuttle atomics, is built on the stack), and no
/// warning about the barrier's acquire/release orderings (shuttle runs every
/// atomic access sequentially consistently, so it checks the interleavings of
/// the calls, not weak-memory reorderings).
fn shuttle_config() -> shuttle::Config {
    let mut config = shuttle::Config::new();
    config.stack_size = 1 << 22;
    config.silence_warnings = true;
    config
}

/// `f` under `iterations` random schedules from `seed`.
fn random_schedules(f: impl Fn() + Send + Sync + 'static, seed: u64, iterations: usize) {
    let scheduler = shuttle::scheduler::RandomScheduler::new_from_seed(seed, iterations);
    shuttle::Runner::new(scheduler, shuttle_config()).run(f);
}

/// `f` under every schedule (depth-first).
fn every_schedule(f: impl Fn() + Send + Sync + 'static) {
    let scheduler = shuttle::scheduler::DfsScheduler::new(None, false);
    shuttle::Runner::new(scheduler, shuttle_config()).run(f);
}

/// A barrier for the reference configuration whose observer files each report
/// with the shuttle thread that made the call. Must run inside an execution.
fn sut(config: &RefConfig, shards: usize) -> Sut {
    let clock = ManualClock::new();
    let barrier: Barrier<Key, ManualClock> = Barrier::builder()
        .config(support::real_config(config))
        .shards(shards)
        .on_illegal_sequence(|e: &IllegalSequence<Key>| {
            REPORTS.with(|r| r.borrow_mut().push(e.clone()))
        })
        .clock(clock.clone())
        .build();
    Sut {
        barrier,
        clock,
        disabled: Arc::new(Mutex::new(BTreeSet::new())),
        events: Arc::default(),
        asks: Arc::default(),
    }
}

/// Runs `setup` (sequentially), then each script on its own shuttle thread, then
/// one `sync`; returns the history (setup calls included).
fn run(sut: &Arc<Sut>, setup: &[Call], scripts: &[Vec<Call>]) -> Vec<Event> {
    let stamps = Arc::new(AtomicU64::new(0));
    let call = |thread: usize, call: &Call, sut: &Sut, stamps: &AtomicU64| {
        // std atomics: no scheduling point, and shuttle runs one thread at a time.
        let start = stamps.fetch_add(1, Ordering::SeqCst);
        let mut observed = sut.invoke(call);
        let end = stamps.fetch_add(1, Ordering::SeqCst);
        observed.events = REPORTS.with(|r| std::mem::take(&mut *r.borrow_mut()));
        Event {
            thread,
            call: call.clone(),
            start,
            end,
            observed,
        }
    };
    let mut events: Vec<Event> = setup
        .iter()
        .map(|c| call(usize::MAX, c, sut, &stamps))
        .collect();
    let handles: Vec<_> = scripts
        .iter()
        .cloned()
        .enumerate()
        .map(|(t, script)| {
            let (sut, stamps) = (Arc::clone(sut), Arc::clone(&stamps));
            shuttle::thread::spawn(move || {
                script
                    .iter()
                    .flat_map(|c| call(t, c, &sut, &stamps).split_batch())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for h in handles {
        events.extend(h.join().expect("a pipeline thread panicked"));
    }
    events.push(call(usize::MAX, &Call::Sync, sut, &stamps));
    events
}

fn describe(events: &[Event], sut: &Sut) -> String {
    let mut history: Vec<_> = events.iter().collect();
    history.sort_by_key(|e| e.start);
    let lines: Vec<_> = history
        .iter()
        .map(|e| {
            let who = match e.thread {
                usize::MAX => "main".to_string(),
                t => format!("t{t}"),
            };
            format!(
                "  [{:>3}..{:>3}] {who:>4} {:?} -> {:?}",
                e.start, e.end, e.call, e.observed
            )
        })
        .collect();
    format!("{}\nfinal barrier: {}", lines.join("\n"), sut.barrier)
}

/// One scenario: a configuration, a shard count, setup calls and the threads'
/// scripts.
#[derive(Clone, Debug)]
struct Scenario {
    config: RefConfig,
    shards: usize,
    setup: Vec<Call>,
    scripts: Vec<Vec<Call>>,
}

/// What the executions of a scenario saw, over all its executions.
#[derive(Default)]
struct Tally {
    executions: AtomicUsize,
    calls: AtomicUsize,
    /// Executions in which calls of different threads overlapped in time.
    overlapping: AtomicUsize,
}

/// Checks one execution: the history must be linearizable against the reference.
fn check_execution(scenario: &Scenario, tally: &Tally) -> Reference<Key> {
    let sut = Arc::new(sut(&scenario.config, scenario.shards));
    let events = run(&sut, &scenario.setup, &scenario.scripts);
    tally.executions.fetch_add(1, Ordering::Relaxed);
    tally.calls.fetch_add(events.len(), Ordering::Relaxed);
    let overlap = events.iter().any(|a| {
        events
            .iter()
            .any(|b| a.thread != b.thread && a.start < b.end && b.start < a.end)
    });
    tally
        .overlapping
        .fetch_add(usize::from(overlap), Ordering::Relaxed);
    match linearize(&events, &sut, &Reference::new(scenario.config.clone())) {
        Some(reference) => reference,
        None => panic!(
            "no sequential order of these calls gives the same answers and final state \
             on the reference ({:?}, {} shard(s)):\n{}",
            scenario.config,
            scenario.shards,
            describe(&events, &sut)
        ),
    }
}

/// Runs `iterations` random shuttle schedules (from a fixed seed) of every
/// scenario and prints what they covered.
fn check_random(name: &str, scenarios: &[Scenario], seed: u64, iterations: usize) {
    let started = Instant::now();
    let tally = Arc::new(Tally::default());
    for (i, scenario) in scenarios.iter().enumerate() {
        let (scenario, t) = (scenario.clone(), Arc::clone(&tally));
        random_schedules(
            move || {
                check_execution(&scenario, &t);
            },
            seed.wrapping_add(i as u64),
            iterations,
        );
    }
    println!(
        "{name}: {} scenarios x {iterations} schedules = {} executions ({} with overlapping \
         calls), {} calls, all linearizable, in {:.1?}",
        scenarios.len(),
        tally.executions.load(Ordering::Relaxed),
        tally.overlapping.load(Ordering::Relaxed),
        tally.calls.load(Ordering::Relaxed),
        started.elapsed()
    );
}

fn config(drain_limit: usize, key_threshold: usize) -> RefConfig {
    RefConfig {
        drain_limit,
        key_threshold,
        disabled_for: 10,
        half_enabled_for: 10,
        drain_idle_for: 10,
        panic_on_illegal_sequence: false,
    }
}

/// Random three-role scripts over keys 0 and 1 and jobs 1..=3.
fn random_scenario(rng: &mut Rng, shards: usize) -> Scenario {
    let key = |rng: &mut Rng| rng.below(2) as Key;
    let job = |rng: &mut Rng| 1 + rng.below(3) as i64;
    let len = |rng: &mut Rng| 2 + rng.below(4) as usize;
    let pickup = (0..len(rng))
        .map(|_| match rng.below(3) {
            0 => Call::Sync,
            _ => Call::Enter(key(rng), job(rng)),
        })
        .collect();
    let worker = (0..len(rng))
        .map(|_| match rng.below(4) {
            0 | 1 => Call::Wait(key(rng), job(rng)),
            2 => Call::State(key(rng), job(rng), JobState::Failed),
            _ => Call::State(key(rng), job(rng), JobState::Succeeded),
        })
        .collect();
    let states = [
        JobState::Succeeded,
        JobState::Filtered,
        JobState::Aborted,
        JobState::Waiting,
    ];
    // The commit loop reports some of its states as a batch (`report_all`),
    // beside the workers' `wait`s: each report of the batch is checked as a
    // call of its own spanning the batch (`Event::split_batch`).
    let commit = (0..len(rng))
        .map(|_| match rng.below(3) {
            0 => Call::ReportAll(
                (0..2)
                    .map(|_| (key(rng), job(rng), states[rng.below(4) as usize]))
                    .collect(),
            ),
            _ => Call::State(key(rng), job(rng), states[rng.below(4) as usize]),
        })
        .collect();
    Scenario {
        config: config(rng.below(3) as usize, [0, 0, 2][rng.below(3) as usize]),
        shards,
        setup: Vec::new(),
        scripts: vec![pickup, worker, commit],
    }
}

/// The router's pipeline on two keys, scripted: key 0's first job fails and is
/// aborted (opening a drain window), key 1's succeeds, while the pickup loop
/// syncs and admits the next jobs.
fn pipeline_scenario(shards: usize, drain_limit: usize, key_threshold: usize) -> Scenario {
    Scenario {
        config: config(drain_limit, key_threshold),
        shards,
        setup: vec![Call::Enter(0, 1), Call::Enter(1, 1)],
        scripts: vec![
            // pickup
            vec![
                Call::Sync,
                Call::Enter(0, 2),
                Call::Enter(1, 2),
                Call::Sync,
                Call::Enter(0, 3),
            ],
            // worker
            vec![
                Call::Wait(0, 1),
                Call::State(0, 1, JobState::Failed),
                Call::Wait(1, 1),
                Call::Wait(0, 2),
            ],
            // commit
            vec![
                Call::State(1, 1, JobState::Succeeded),
                Call::State(0, 1, JobState::Aborted),
                Call::State(0, 2, JobState::Succeeded),
            ],
        ],
    }
}

/// The smallest scenarios, small enough for an exhaustive (depth-first) search
/// of their schedules, on one shard only: with two, the keys' placement changes
/// from barrier to barrier (the hasher's seed), which shuttle's depth-first
/// scheduler cannot replay. First, a worker reports a failure on key 0 while
/// the pickup loop syncs and admits key 0's next job; second, the commit loop
/// reports key 0's failed job aborted (a drain window opens) and job 2 succeeded
/// while the pickup loop syncs and admits job 2, so that the two effects are
/// queued and applied around the `sync` in every possible way; third, a batch
/// of reports beside a worker's `wait`s.
#[test]
fn smallest_scenarios_every_schedule() {
    let scenarios = [
        Scenario {
            config: config(1, 0),
            shards: 1,
            setup: vec![Call::Enter(0, 1)],
            scripts: vec![
                vec![Call::Sync, Call::Enter(0, 2)],
                vec![
                    Call::State(0, 1, JobState::Failed),
                    Call::State(1, 1, JobState::Succeeded),
                ],
            ],
        },
        Scenario {
            config: config(1, 0),
            shards: 1,
            setup: vec![Call::State(0, 1, JobState::Failed), Call::Enter(1, 1)],
            scripts: vec![
                vec![Call::Sync, Call::Enter(0, 2)],
                vec![
                    Call::State(0, 1, JobState::Aborted),
                    Call::State(0, 2, JobState::Succeeded),
                ],
            ],
        },
        // Third (issue 20): the commit loop reports a batch (`report_all`: key
        // 0's job 1 failed, key 1's job 1 succeeded, key 0's job 1 aborted)
        // while a worker asks whether key 0's job 2 must wait, twice.
        Scenario {
            config: config(1, 2),
            shards: 1,
            setup: vec![Call::Enter(0, 1), Call::Enter(1, 1), Call::Enter(0, 2)],
            scripts: vec![
                vec![Call::Wait(0, 2), Call::Wait(0, 2)],
                vec![Call::ReportAll(vec![
                    (0, 1, JobState::Failed),
                    (1, 1, JobState::Succeeded),
                    (0, 1, JobState::Aborted),
                ])],
            ],
        },
    ];
    for (i, scenario) in scenarios.into_iter().enumerate() {
        let started = Instant::now();
        let tally = Arc::new(Tally::default());
        let t = Arc::clone(&tally);
        every_schedule(move || {
            check_execution(&scenario, &t);
        });
        println!(
            "every schedule of smallest scenario {i}: {} executions ({} with overlapping \
             calls), all linearizable, in {:.1?}",
            tally.executions.load(Ordering::Relaxed),
            tally.overlapping.load(Ordering::Relaxed),
            started.elapsed()
        );
    }
}

/// The scripted pipeline, one shard and two, with and without a key threshold
/// (the lock-free `enter` path needs none) and drain window.
#[test]
fn scripted_pipeline_is_linearizable() {
    let scenarios: Vec<_> = [1, 2]
        .into_iter()
        .flat_map(|shards| [(1, 0), (1, 2), (0, 0)].map(|(d, k)| pipeline_scenario(shards, d, k)))
        .collect();
    check_random("scripted pipeline", &scenarios, 0x5107_71E5, 15_000);
}

/// Random three-role scripts, keys forced into one shard.
#[test]
fn random_pipelines_one_shard_are_linearizable() {
    let mut rng = Rng(0x0A5E_0001);
    let scenarios: Vec<_> = (0..64).map(|_| random_scenario(&mut rng, 1)).collect();
    check_random("random pipelines, 1 shard", &scenarios, 0x5107_0001, 1500);
}

/// Random three-role scripts on two shards.
#[test]
fn random_pipelines_two_shards_are_linearizable() {
    let mut rng = Rng(0x0A5E_0002);
    let scenarios: Vec<_> = (0..64).map(|_| random_scenario(&mut rng, 2)).collect();
    check_random("random pipelines, 2 shards", &scenarios, 0x5107_0002, 1500);
}

/// R-SYNC: a key's effects, queued from two threads while the pickup loop
/// syncs, apply in the order they were queued. Key 0's job 1 has failed; the
/// commit loop reports it aborted (drain limit 1: a drain window opens) while a
/// worker reports job 2 succeeded. Applied abort-then-success, the success
/// closes the window and the key holds nothing; applied success-then-abort, the
/// success is a stale report and the window stays open. The final state must be
/// the reference's for the order in which the two were queued: when the two calls
/// did not overlap, that is their real-time order; when they did, either (the
/// linearization decides). Both outcomes must show up over the schedules.
#[test]
fn queued_effects_apply_in_queue_order() {
    let scenario = |shards| Scenario {
        config: config(1, 0),
        shards,
        setup: vec![Call::State(0, 1, JobState::Failed), Call::Enter(1, 1)],
        scripts: vec![
            // pickup
            vec![Call::Sync, Call::Sync],
            // commit
            vec![
                Call::State(0, 1, JobState::Aborted),
                Call::State(1, 1, JobState::Succeeded),
            ],
            // worker
            vec![Call::State(0, 2, JobState::Succeeded)],
        ],
    };
    let started = Instant::now();
    // [window closed, window open], and how many of the executions had the two
    // reports in a fixed real-time order.
    let outcomes = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let ordered = Arc::new(AtomicUsize::new(0));
    let iterations = 20_000;
    for shards in [1, 2] {
        let scenario = scenario(shards);
        let (outcomes, ordered) = (Arc::clone(&outcomes), Arc::clone(&ordered));
        random_schedules(
            move || {
                let sut = Arc::new(sut(&scenario.config, scenario.shards));
                let events = run(&sut, &scenario.setup, &scenario.scripts);
                let reference = linearize(&events, &sut, &Reference::new(scenario.config.clone()))
                    .unwrap_or_else(|| panic!("not linearizable:\n{}", describe(&events, &sut)));
                let abort = events
                    .iter()
                    .find(|e| e.call == Call::State(0, 1, JobState::Aborted))
                    .expect("the abort");
                let success = events
                    .iter()
                    .find(|e| e.call == Call::State(0, 2, JobState::Succeeded))
                    .expect("the success");
                let open = reference.records.contains_key(&0);
                // Queue order is real-time order when the calls did not overlap.
                if abort.end < success.start || success.end < abort.start {
                    ordered.fetch_add(1, Ordering::Relaxed);
                    assert_eq!(
                        open,
                        success.end < abort.start,
                        "key 0's effects did not apply in queue order:\n{}",
                        describe(&events, &sut)
                    );
                }
                assert_eq!(
                    sut.barrier.size(),
                    usize::from(open),
                    "size after the final sync:\n{}",
                    describe(&events, &sut)
                );
                outcomes[usize::from(open)].fetch_add(1, Ordering::Relaxed);
            },
            0x0DE2_0000 + shards as u64,
            iterations,
        );
    }
    let [closed, open] = [0, 1].map(|i| outcomes[i].load(Ordering::Relaxed));
    println!(
        "queue order: {} executions ({} with the two reports in a fixed order): window \
         closed {closed}, left open {open}, in {:.1?}",
        2 * iterations,
        ordered.load(Ordering::Relaxed),
        started.elapsed()
    );
    assert!(
        closed > 0 && open > 0,
        "both queue orders must occur over the schedules"
    );
}
