//! Concurrency: the barrier inside a real router pipeline, with real threads.
//!
//! SPEC.md section 1 pipeline: one pickup loop (a round per iteration: `sync`, then
//! a batch of pending jobs in ascending id offered to the round, admitted jobs
//! queued to a worker, `undo` for throttled ones), four workers (`wait`, then "send": a retryable failure is
//! reported `failed` at once), one commit loop (persists each new status, then
//! reports `succeeded`, `filtered`, `aborted` or `waiting`). Each key's jobs go to
//! one worker, FIFO, as SPEC.md section 6 assumes.
//!
//! 100 keys (skewed: a few keys carry much of the traffic), 20,000 jobs, seeded
//! random failures (finite per job), filters, aborts and throttles. Checked:
//!
//! - **G-ORDER** per key: deliveries (sends answered `succeeded`) and terminal
//!   commits are in ascending job id; within one pickup batch, once a key's job is
//!   refused no later job of that key is admitted.
//! - **G-BLOCK**: a worker about to send job `j` never sees a failed job `f < j`.
//! - **G-LIVE**: every job reaches a terminal state (bounded in time: the run stops
//!   with a clear failure and a dump of the barrier if it does not finish in
//!   `EVENTORDER_STRESS_TIMEOUT_SECS`, default 60 s; nothing else is timed).
//! - **G-GC**: once every job is terminal and `sync` has run, `size()` counts only
//!   records with an open drain window or a non-`Enabled` mode (via `snapshot()`),
//!   and once the clock passes every timer, with a `sync` after each, none.
//! - No illegal sequence is reported (G-QUIET v3), in either run.
//!
//! A second run turns on hot keys (a small `key_threshold`, a moving manual clock
//! with short timers) and an `ordering_disabled` predicate for a tenth of the keys,
//! where ordering is off by design: it checks liveness and G-GC only.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        mpsc, Arc, Mutex,
    },
    thread,
    time::{Duration, Instant},
};

use eventorder::{Barrier, Config, JobId, JobState, KeyMode, ManualClock, Offer};

type Key = u32;

const KEYS: u32 = 100;
const JOBS: i64 = 20_000;
const WORKERS: usize = 4;
const ARRIVALS_PER_ITERATION: i64 = 250;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Final {
    Succeeded,
    Filtered,
    Aborted,
}

/// What happens to a job when a worker sends it: `fails` retryable failures, then
/// its final state.
#[derive(Clone, Copy, Debug)]
struct Script {
    key: Key,
    fails: u32,
    last: Final,
    /// The pickup loop throttles it (enter, then leave) on its first admission.
    throttled_once: bool,
}

fn scripts(seed: u64) -> Vec<Script> {
    let mut rng = fastrand::Rng::with_seed(seed);
    // True with probability `percent` / 100.
    let chance = |rng: &mut fastrand::Rng, percent: u32| rng.u32(..100) < percent;
    (0..JOBS)
        .map(|_| {
            // Skewed keys: 40% of the jobs go to keys 0..5.
            let key = if chance(&mut rng, 40) {
                rng.u32(..5)
            } else {
                rng.u32(..KEYS)
            };
            let fails = if chance(&mut rng, 6) {
                rng.u32(1..=3)
            } else {
                0
            };
            let last = match rng.u32(..100) {
                0..=84 => Final::Succeeded,
                85..=92 => Final::Filtered,
                _ => Final::Aborted,
            };
            Script {
                key,
                fails,
                last,
                throttled_once: chance(&mut rng, 2),
            }
        })
        .collect()
}

/// A status a worker hands to the commit loop.
#[derive(Clone, Copy, Debug)]
enum Status {
    Waiting,
    Failed,
    Terminal(Final),
}

/// The jobs store: pending job ids (in id order) and how many jobs are terminal.
struct Store {
    pending: BTreeSet<i64>,
    arrived: i64,
    terminal: usize,
}

struct Setup {
    name: &'static str,
    seed: u64,
    config: Config,
    /// Keys for which `ordering_disabled` holds (always).
    ordering_disabled: fn(&Key) -> bool,
    /// Advance the manual clock by this much per pickup iteration.
    tick: Duration,
    /// Ordering is on for every key all the time: check G-ORDER and G-BLOCK.
    strict: bool,
    /// How many pending jobs (the oldest) one pickup batch reads. With ordering
    /// off for a while, a key can be left with pending jobs older than its failed
    /// job, refused until that job ends: if such jobs filled every batch, the
    /// failed job itself would never be read again (a pipeline artefact, not the
    /// barrier's), so that run reads every pending job.
    batch: usize,
}

struct Outcome {
    deliveries: usize,
    commits: usize,
    failures_reported: usize,
    illegal: usize,
    iterations: usize,
    /// Records left after the final sync (G-GC exceptions).
    records_left: usize,
}

fn timeout() -> Duration {
    let secs = std::env::var("EVENTORDER_STRESS_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

fn run(setup: Setup) -> Outcome {
    let scripts = Arc::new(scripts(setup.seed));
    let clock = ManualClock::new();
    let illegal = Arc::new(AtomicUsize::new(0));
    let barrier: Barrier<Key, ManualClock> = Barrier::builder()
        .config(setup.config.clone())
        .ordering_disabled(setup.ordering_disabled)
        .on_illegal_sequence({
            let illegal = Arc::clone(&illegal);
            move |_| {
                illegal.fetch_add(1, Ordering::Relaxed);
            }
        })
        .clock(clock.clone())
        .build();
    let (mut pickup, handle) = barrier.split();
    let store = Arc::new(Mutex::new(Store {
        pending: BTreeSet::new(),
        arrived: 0,
        terminal: 0,
    }));
    let stop = Arc::new(AtomicBool::new(false));
    let violations: Arc<Mutex<Vec<String>>> = Arc::default();
    let violate = {
        let violations = Arc::clone(&violations);
        move |msg: String| {
            let mut v = violations.lock().unwrap();
            if v.len() < 20 {
                v.push(msg);
            }
        }
    };

    let (commit_tx, commit_rx) = mpsc::channel::<(Key, i64, Status)>();
    let mut worker_txs = Vec::new();
    let mut threads = Vec::new();
    let deliveries = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));

    // Workers: a key's jobs always go to worker `key % WORKERS`, in queue order.
    for _ in 0..WORKERS {
        let (tx, rx) = mpsc::channel::<(Key, i64)>();
        worker_txs.push(tx);
        let (handle, scripts, commit_tx, stop, violate) = (
            handle.clone(),
            Arc::clone(&scripts),
            commit_tx.clone(),
            Arc::clone(&stop),
            violate.clone(),
        );
        let (deliveries, failures) = (Arc::clone(&deliveries), Arc::clone(&failures));
        let strict = setup.strict;
        threads.push(thread::spawn(move || {
            let mut attempts: HashMap<i64, u32> = HashMap::new();
            let mut delivered: HashMap<Key, i64> = HashMap::new();
            while !stop.load(Ordering::Relaxed) {
                let Ok((key, job)) = rx.recv_timeout(Duration::from_millis(20)) else {
                    continue;
                };
                if handle.wait(&key, JobId(job)).wait {
                    commit_tx.send((key, job, Status::Waiting)).unwrap();
                    continue;
                }
                if strict {
                    // G-BLOCK: only this worker reports this key's failures, so the
                    // failed job cannot change between `wait` and the send.
                    if let Some(f) = handle.peek(&key) {
                        if f.0 < job {
                            violate(format!(
                                "G-BLOCK: key {key}: job {job} sent while job {f} is failed"
                            ));
                        }
                    }
                }
                let script = scripts[(job - 1) as usize];
                let attempt = attempts.entry(job).or_insert(0);
                *attempt += 1;
                if *attempt <= script.fails {
                    failures.fetch_add(1, Ordering::Relaxed);
                    // Retryable failure: reported at once, by the worker.
                    handle
                        .state_changed(&key, JobId(job), JobState::Failed)
                        .unwrap();
                    commit_tx.send((key, job, Status::Failed)).unwrap();
                    continue;
                }
                if script.last == Final::Succeeded {
                    deliveries.fetch_add(1, Ordering::Relaxed);
                    if strict {
                        let last = delivered.insert(key, job);
                        if let Some(last) = last.filter(|&last| last > job) {
                            violate(format!(
                                "G-ORDER: key {key}: job {job} delivered after job {last}"
                            ));
                        }
                    }
                }
                commit_tx
                    .send((key, job, Status::Terminal(script.last)))
                    .unwrap();
            }
        }));
    }

    // The commit loop: persist, then report.
    let commits = Arc::new(AtomicUsize::new(0));
    {
        let (handle, store, stop, violate, commits) = (
            handle.clone(),
            Arc::clone(&store),
            Arc::clone(&stop),
            violate.clone(),
            Arc::clone(&commits),
        );
        let strict = setup.strict;
        threads.push(thread::spawn(move || {
            let mut committed: HashMap<Key, i64> = HashMap::new();
            while !stop.load(Ordering::Relaxed) {
                let Ok((key, job, status)) = commit_rx.recv_timeout(Duration::from_millis(20))
                else {
                    continue;
                };
                let state = match status {
                    Status::Failed => {
                        // Non-terminal: back to pending; the worker already reported.
                        store.lock().unwrap().pending.insert(job);
                        continue;
                    }
                    Status::Waiting => {
                        store.lock().unwrap().pending.insert(job);
                        JobState::Waiting
                    }
                    Status::Terminal(last) => {
                        store.lock().unwrap().terminal += 1;
                        commits.fetch_add(1, Ordering::Relaxed);
                        if strict {
                            let previous = committed.insert(key, job);
                            if let Some(previous) = previous.filter(|&p| p > job) {
                                violate(format!(
                                    "G-ORDER: key {key}: job {job} committed after job {previous}"
                                ));
                            }
                        }
                        match last {
                            Final::Succeeded => JobState::Succeeded,
                            Final::Filtered => JobState::Filtered,
                            Final::Aborted => JobState::Aborted,
                        }
                    }
                };
                handle.state_changed(&key, JobId(job), state).unwrap();
            }
        }));
    }

    // The pickup loop, on this test's own thread: it owns `sync`.
    let deadline = Instant::now() + timeout();
    let mut throttled: BTreeSet<i64> = BTreeSet::new();
    let mut iterations = 0;
    loop {
        let mut round = pickup.round();
        clock.advance(setup.tick);
        iterations += 1;
        let batch: Vec<i64> = {
            let mut store = store.lock().unwrap();
            if store.terminal == JOBS as usize {
                break;
            }
            let from = store.arrived + 1;
            store.arrived = (store.arrived + ARRIVALS_PER_ITERATION).min(JOBS);
            let to = store.arrived;
            store.pending.extend(from..=to);
            store.pending.iter().take(setup.batch).copied().collect()
        };
        if Instant::now() > deadline {
            stop.store(true, Ordering::Relaxed);
            let store = store.lock().unwrap();
            panic!(
                "{}: G-LIVE: not every job reached a terminal state within {:?} \
                 ({} of {JOBS} terminal, {} pending, first pending {:?});\nbarrier: {}",
                setup.name,
                timeout(),
                store.terminal,
                store.pending.len(),
                store.pending.iter().take(10).collect::<Vec<_>>(),
                handle
            );
        }
        // The test's own record of refusals in this round (not the round's).
        let mut refused: BTreeSet<Key> = BTreeSet::new();
        let mut admitted = 0;
        for job in batch {
            let script = scripts[(job - 1) as usize];
            let key = script.key;
            match round
                .offer(&key, JobId(job))
                .expect("the batch is in job-id order")
            {
                Offer::Admitted { .. } => {}
                Offer::Refused { .. } => {
                    refused.insert(key);
                    continue;
                }
                Offer::Skipped => continue,
            }
            if setup.strict && refused.contains(&key) {
                violate(format!(
                    "G-ORDER: key {key}: job {job} admitted after a refusal in the same batch"
                ));
            }
            if script.throttled_once && throttled.insert(job) {
                // Throttled after all: undo the admission; the round skips the
                // key's later jobs in this batch.
                round.undo(&key, JobId(job));
                continue;
            }
            store.lock().unwrap().pending.remove(&job);
            worker_txs[key as usize % WORKERS]
                .send((key, job))
                .expect("worker alive");
            admitted += 1;
        }
        if admitted == 0 {
            thread::sleep(Duration::from_micros(200));
        }
    }
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().expect("pipeline thread panicked");
    }
    // Every job is terminal; the last reports are queued: the pickup loop's sync.
    pickup.sync();
    let violations = violations.lock().unwrap();
    assert!(
        violations.is_empty(),
        "{}: {} violation(s):\n{}",
        setup.name,
        violations.len(),
        violations.join("\n")
    );

    // G-GC: only open drain windows and non-Enabled modes keep a record.
    let snap = handle.snapshot();
    assert_eq!(snap.queued_effects, 0, "{}: sync left effects", setup.name);
    let mut held = BTreeMap::new();
    for r in &snap.records {
        let open_window = r.drain.is_some();
        let not_enabled = r.mode != KeyMode::Enabled;
        assert!(
            open_window || not_enabled,
            "{}: G-GC: key {} keeps a record with nothing to hold: {r}",
            setup.name,
            r.key
        );
        if r.mode == KeyMode::Enabled {
            assert_eq!(r.failed, None, "{}: G-GC: {r}", setup.name);
            assert!(
                r.inflight.as_ref().is_none_or(Vec::is_empty),
                "{}: G-GC: {r}",
                setup.name
            );
            assert!(
                r.drain.as_ref().is_some_and(Vec::is_empty),
                "{}: G-GC: {r}",
                setup.name
            );
        }
        held.insert(r.key, r.clone());
    }
    assert_eq!(
        handle.size(),
        held.len(),
        "{}: size() disagrees with the snapshot",
        setup.name
    );
    // G-GC without exceptions (SPEC.md v2): once the timers run out, with a sync
    // after each, no record is left, though no key is entered again.
    let config = handle.config();
    clock.advance(config.disabled_for.max(config.drain_idle_for) + Duration::from_nanos(1));
    pickup.sync();
    clock.advance(config.half_enabled_for + Duration::from_nanos(1));
    pickup.sync();
    assert_eq!(
        handle.size(),
        0,
        "{}: G-GC: records left once every timer ran out:\n{}",
        setup.name,
        handle.snapshot().records.len()
    );
    Outcome {
        deliveries: deliveries.load(Ordering::Relaxed),
        commits: commits.load(Ordering::Relaxed),
        failures_reported: failures.load(Ordering::Relaxed),
        illegal: illegal.load(Ordering::Relaxed),
        iterations,
        records_left: held.len(),
    }
}

#[test]
fn router_pipeline_keeps_per_key_order_and_settles() {
    let outcome = run(Setup {
        name: "ordering on",
        seed: 0x5EED_0001,
        config: Config {
            drain_limit: 1,
            ..Config::default()
        },
        ordering_disabled: |_| false,
        tick: Duration::ZERO,
        strict: true,
        batch: 400,
    });
    assert_eq!(outcome.commits, JOBS as usize);
    assert_eq!(outcome.illegal, 0, "illegal sequences while ordering is on");
    assert!(
        outcome.failures_reported > 500,
        "too few failures to matter"
    );
    assert!(outcome.deliveries > 15_000);
    eprintln!(
        "ordering on: {} deliveries, {} failures, {} pickup iterations, {} open drain windows left",
        outcome.deliveries, outcome.failures_reported, outcome.iterations, outcome.records_left
    );
}

#[test]
fn router_pipeline_with_hot_keys_and_disabled_keys_is_live_and_settles() {
    let outcome = run(Setup {
        name: "hot keys",
        seed: 0x5EED_0002,
        config: Config {
            drain_limit: 2,
            key_threshold: 6,
            disabled_for: Duration::from_millis(5),
            half_enabled_for: Duration::from_millis(5),
            drain_idle_for: Duration::from_millis(5),
            // The production policy: a report would panic the pickup loop.
            panic_on_illegal_sequence: true,
        },
        ordering_disabled: |key| key % 10 == 7,
        tick: Duration::from_millis(1),
        strict: false,
        // Bounded batches: refused leftovers must not starve a failed job (the
        // v2 livelock of issue 18).
        batch: 20,
    });
    assert_eq!(outcome.commits, JOBS as usize);
    assert_eq!(outcome.illegal, 0, "G-QUIET: no illegal sequence in v3");
    eprintln!(
        "hot keys: {} deliveries, {} failures, {} illegal sequences reported, {} iterations, \
         {} records left",
        outcome.deliveries,
        outcome.failures_reported,
        outcome.illegal,
        outcome.iterations,
        outcome.records_left
    );
}

/// Linearizability of the calls that may answer without a lock (a key with no
/// record): a failure recorded by one thread is seen by every `enter`, `wait`
/// and `peek` that another thread starts after learning of it (through a
/// channel), and a failure cleared by `sync` is seen as cleared likewise. Two
/// stirring threads keep creating and removing records of other keys in the
/// same shards (and hash slots), and the key threshold is 0 (`enter` on a key
/// with no record takes no lock) in one run and 2 in the other.
#[test]
fn a_failure_is_visible_to_every_call_that_starts_after_it() {
    for key_threshold in [0, 2] {
        let barrier: Arc<Barrier<u64, ManualClock>> = Arc::new(
            Barrier::builder()
                .config(Config {
                    key_threshold,
                    ..Config::default()
                })
                .shards(2)
                .clock(ManualClock::new())
                .build(),
        );
        const ROUNDS: u64 = 5_000;
        let stop = Arc::new(AtomicBool::new(false));
        let mut stirrers = Vec::new();
        for t in 0..2u64 {
            let (barrier, stop) = (Arc::clone(&barrier), Arc::clone(&stop));
            stirrers.push(thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    // Keys far from the checked ones: records appear and vanish.
                    let key = 1_000_000 + t * 1_000 + n % 64;
                    barrier.leave(&key, JobId(1));
                    barrier
                        .state_changed(&key, JobId(1), JobState::Failed)
                        .unwrap();
                    barrier.enter(&key, JobId(2));
                    barrier.leave(&key, JobId(2));
                    n += 1;
                }
            }));
        }
        let (to_checker, from_failer) = mpsc::channel::<u64>();
        let (to_failer, from_checker) = mpsc::channel::<u64>();
        let failer = {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                for key in 0..ROUNDS {
                    barrier
                        .state_changed(&key, JobId(10), JobState::Failed)
                        .unwrap();
                    to_checker.send(key).unwrap();
                    // The checker saw it; now clear it (the pickup loop's sync).
                    let key = from_checker.recv().unwrap();
                    barrier
                        .state_changed(&key, JobId(10), JobState::Succeeded)
                        .unwrap();
                    barrier.sync();
                    to_checker.send(key).unwrap();
                }
            })
        };
        let mut stale = Vec::new();
        for _ in 0..ROUNDS {
            let key = from_failer.recv().unwrap();
            let admission = barrier.enter(&key, JobId(11));
            let hold = barrier.wait(&key, JobId(11));
            let peek = barrier.peek(&key);
            if admission.accepted || !hold.wait || peek != Some(JobId(10)) {
                stale.push(format!(
                    "key {key}: after failed(10): {admission:?} {hold:?} peek {peek:?}"
                ));
            }
            to_failer.send(key).unwrap();
            let key = from_failer.recv().unwrap();
            let admission = barrier.enter(&key, JobId(11));
            barrier.leave(&key, JobId(11));
            if !admission.accepted || barrier.peek(&key).is_some() {
                stale.push(format!(
                    "key {key}: after succeeded(10) and sync: {admission:?}"
                ));
            }
        }
        failer.join().unwrap();
        stop.store(true, Ordering::Relaxed);
        for s in stirrers {
            s.join().unwrap();
        }
        assert!(
            stale.is_empty(),
            "key_threshold {key_threshold}: {} stale answers, first: {:?}",
            stale.len(),
            &stale[..stale.len().min(5)]
        );
    }
}
