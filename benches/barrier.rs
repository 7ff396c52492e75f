//! Hot-path benchmarks of the barrier, against an in-run baseline (issue 5).
//!
//! Run with `cargo bench --bench barrier`. Criterion measures every scenario first;
//! then a summary table is printed, measured again with a plain timing loop
//! (`Instant` around many jobs, several rounds, best and median kept), with each
//! figure as ns per operation and as a ratio to the baseline measured in the same
//! run. Set `EVENTORDER_BENCH_SUMMARY_ONLY=1` to skip criterion and print only the
//! table.
//!
//! Keys have the router's shape (a `BarrierKey` of three short strings); 10,000
//! distinct keys are built up front and cycled, and job ids increase.
//!
//! Scenarios, all per job unless said otherwise:
//! - baseline: one lookup of the same keys in a `Mutex<HashMap<BarrierKey, u64>>`
//!   (std mutex, std map with the barrier's hasher, foldhash), holding all keys:
//!   the floor of any locked keyed structure;
//! - (a) `enter` + `wait`, no record;
//! - (b) lifecycle: `enter`, `wait`, `state_changed(succeeded)`, `sync` every 100 jobs;
//! - (c) (b) with a fixed 1% of the keys blocked by a failed job (their jobs are
//!   rejected and told to wait, and never reported);
//! - (d) (b) with `key_threshold = 200`: every job is tracked, so a record is made
//!   at `enter` and removed at the next `sync`;
//! - (e) (b) and (c) on two threads, each with its own half of the keys, on one
//!   barrier: throughput relative to one thread running its half alone;
//! - (f) `sync` applying 10,000 queued effects (per effect).

use std::{
    collections::HashMap,
    hint::black_box,
    sync::{Barrier as StartLine, Mutex},
    time::{Duration, Instant},
};

use criterion::{BenchmarkId, Criterion, Throughput};
use eventorder::{Barrier, BarrierKey, JobId, JobState};

const KEYS: usize = 10_000;
const SYNC_EVERY: u64 = 100;

fn router_keys(n: usize) -> Vec<BarrierKey> {
    (0..n)
        .map(|i| {
            BarrierKey::new(
                &format!("ws-{:04}", i % 97),
                &format!("dest-{:03}", i % 31),
                &format!("user-{i:06}"),
            )
        })
        .collect()
}

/// The baseline: one locked lookup per operation.
struct Baseline {
    map: Mutex<HashMap<BarrierKey, u64, foldhash::fast::RandomState>>,
    keys: Vec<BarrierKey>,
    at: usize,
}

impl Baseline {
    fn new(keys: &[BarrierKey]) -> Self {
        let map = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), i as u64))
            .collect();
        Baseline {
            map: Mutex::new(map),
            keys: keys.to_vec(),
            at: 0,
        }
    }

    fn run(&mut self, ops: u64) {
        let mut sum = 0u64;
        for _ in 0..ops {
            let key = &self.keys[self.at];
            self.at = if self.at + 1 == self.keys.len() {
                0
            } else {
                self.at + 1
            };
            sum = sum.wrapping_add(*self.map.lock().unwrap().get(key).unwrap_or(&0));
        }
        black_box(sum);
    }
}

/// What one job does in a scenario.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Job {
    /// (a) `enter` + `wait`.
    EnterWait,
    /// (b)–(d): `enter`, `wait`, `state_changed(succeeded)` if sent; `sync` every
    /// 100 jobs.
    Lifecycle,
}

/// One pickup/worker/commit pipeline over a slice of keys, on a shared barrier.
struct Workload<'a> {
    barrier: &'a Barrier,
    keys: &'a [BarrierKey],
    job: Job,
    at: usize,
    next_job: i64,
    /// Job ids step by this (two threads use interleaved ids).
    stride: i64,
}

impl<'a> Workload<'a> {
    fn new(barrier: &'a Barrier, keys: &'a [BarrierKey], job: Job) -> Self {
        Workload {
            barrier,
            keys,
            job,
            at: 0,
            next_job: 1,
            stride: 1,
        }
    }

    fn run(&mut self, jobs: u64) {
        let b = self.barrier;
        for i in 0..jobs {
            let key = &self.keys[self.at];
            self.at = if self.at + 1 == self.keys.len() {
                0
            } else {
                self.at + 1
            };
            let job = JobId(self.next_job);
            self.next_job += self.stride;
            let admission = b.enter(key, job);
            let hold = b.wait(key, job);
            if self.job == Job::Lifecycle {
                if admission.accepted && !hold.wait {
                    b.state_changed(key, job, JobState::Succeeded).unwrap();
                }
                if i % SYNC_EVERY == SYNC_EVERY - 1 {
                    b.sync();
                }
            } else {
                black_box((admission, hold));
            }
        }
    }
}

/// The barriers of the scenarios.
fn plain() -> Barrier {
    Barrier::new()
}

fn blocked(keys: &[BarrierKey]) -> Barrier {
    let b = Barrier::new();
    for key in keys.iter().step_by(100) {
        b.state_changed(key, JobId(0), JobState::Failed).unwrap();
    }
    b
}

fn tracked() -> Barrier {
    Barrier::builder().key_threshold(200).build()
}

/// A barrier with one tracked job per key, each reported `succeeded`: `sync` has
/// `keys.len()` effects to apply.
fn queued(keys: &[BarrierKey]) -> Barrier {
    let b = tracked();
    for key in keys {
        b.enter(key, JobId(1));
        b.state_changed(key, JobId(1), JobState::Succeeded).unwrap();
    }
    b
}

/// Runs `jobs` jobs on each of two threads (each its own half of the keys) on one
/// barrier; returns the wall time.
fn two_threads(
    barrier: &Barrier,
    keys: &[BarrierKey],
    jobs: u64,
    state: &mut [i64; 2],
) -> Duration {
    let (left, right) = keys.split_at(keys.len() / 2);
    let start = StartLine::new(3);
    let ids = *state;
    let elapsed = std::thread::scope(|s| {
        for (t, half) in [left, right].into_iter().enumerate() {
            let start = &start;
            s.spawn(move || {
                let mut w = Workload::new(barrier, half, Job::Lifecycle);
                w.stride = 2;
                w.next_job = ids[t] * 2 + t as i64;
                start.wait();
                w.run(jobs);
            });
        }
        start.wait();
        let t = Instant::now();
        // The scope joins both threads before returning.
        t
    });
    let wall = elapsed.elapsed();
    state[0] += jobs as i64;
    state[1] += jobs as i64;
    wall
}

fn criterion_benches(c: &mut Criterion, keys: &[BarrierKey]) {
    let mut g = c.benchmark_group("barrier");
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
        .throughput(Throughput::Elements(1));

    let mut base = Baseline::new(keys);
    g.bench_function("baseline_mutex_hashmap_lookup", |b| {
        b.iter_custom(|n| time(|| base.run(n)))
    });

    let barrier = plain();
    let mut w = Workload::new(&barrier, keys, Job::EnterWait);
    g.bench_function("a_enter_wait_no_record", |b| {
        b.iter_custom(|n| time(|| w.run(n)))
    });

    let barrier = plain();
    let mut w = Workload::new(&barrier, keys, Job::Lifecycle);
    g.bench_function("b_lifecycle", |b| b.iter_custom(|n| time(|| w.run(n))));

    let barrier = blocked(keys);
    let mut w = Workload::new(&barrier, keys, Job::Lifecycle);
    g.bench_function("c_lifecycle_1pct_blocked", |b| {
        b.iter_custom(|n| time(|| w.run(n)))
    });

    let barrier = tracked();
    let mut w = Workload::new(&barrier, keys, Job::Lifecycle);
    g.bench_function("d_lifecycle_key_threshold", |b| {
        b.iter_custom(|n| time(|| w.run(n)))
    });

    for (name, barrier) in [("b", plain()), ("c", blocked(keys))] {
        let mut ids = [1, 1];
        g.bench_function(BenchmarkId::new("e_two_threads_per_job", name), |b| {
            // Wall time per job of both threads together (2n jobs in all).
            b.iter_custom(|n| {
                let n = n.div_ceil(2).max(1);
                two_threads(&barrier, keys, n, &mut ids)
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("barrier_sync");
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .throughput(Throughput::Elements(KEYS as u64));
    g.bench_function("f_sync_10000_effects", |b| {
        b.iter_batched(
            || queued(keys),
            |barrier| {
                assert_eq!(barrier.sync(), KEYS);
                barrier
            },
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn time(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

/// Best and median of `rounds` measurements, in ns per op.
struct Figure {
    best: f64,
    median: f64,
}

fn rounds(rounds: usize, mut one: impl FnMut() -> f64) -> Figure {
    let mut v: Vec<f64> = (0..rounds).map(|_| one()).collect();
    v.sort_by(f64::total_cmp);
    Figure {
        best: v[0],
        median: v[v.len() / 2],
    }
}

fn per_op(d: Duration, ops: u64) -> f64 {
    d.as_nanos() as f64 / ops as f64
}

fn summary(keys: &[BarrierKey]) {
    const JOBS: u64 = 2_000_000;
    const ROUNDS: usize = 9;

    let measure = |barrier: &Barrier, job: Job| {
        let mut w = Workload::new(barrier, keys, job);
        w.run(JOBS / 4); // warm up: tables and queues at their working size
        rounds(ROUNDS, || per_op(time(|| w.run(JOBS)), JOBS))
    };

    let mut base = Baseline::new(keys);
    base.run(JOBS / 4);
    let baseline = rounds(ROUNDS, || per_op(time(|| base.run(JOBS)), JOBS));

    let a = measure(&plain(), Job::EnterWait);
    let b = measure(&plain(), Job::Lifecycle);
    let blocked_barrier = blocked(keys);
    let c = measure(&blocked_barrier, Job::Lifecycle);
    let d = measure(&tracked(), Job::Lifecycle);

    // (e): one thread on its half alone, then both halves at once, alternately, so
    // that both see the same background load; the ratio of each pair is kept.
    let scaling = |barrier: &Barrier| {
        let (left, _) = keys.split_at(keys.len() / 2);
        let mut ids = [1, 1];
        two_threads(barrier, keys, JOBS / 8, &mut ids);
        let mut one_thread = Workload::new(barrier, left, Job::Lifecycle);
        one_thread.stride = 2;
        one_thread.next_job = 1 << 40;
        one_thread.run(JOBS / 8);
        let mut pairs: Vec<(f64, f64)> = (0..ROUNDS)
            .map(|_| {
                let one = per_op(time(|| one_thread.run(JOBS / 2)), JOBS / 2);
                let two = per_op(two_threads(barrier, keys, JOBS / 2, &mut ids), JOBS);
                (one, two)
            })
            .collect();
        pairs.sort_by(|x, y| (x.0 / x.1).total_cmp(&(y.0 / y.1)));
        let (one_best, two_best) = pairs
            .iter()
            .fold((f64::MAX, f64::MAX), |(o, t), p| (o.min(p.0), t.min(p.1)));
        (
            Figure {
                best: two_best,
                median: pairs[pairs.len() / 2].1,
            },
            one_best / two_best,
            pairs[pairs.len() / 2].0 / pairs[pairs.len() / 2].1,
        )
    };
    let (eb, eb_best, eb_median) = scaling(&plain());
    let (ec, ec_best, ec_median) = scaling(&blocked(keys));

    // (f): 10,000 queued effects per sync, per effect.
    let f = rounds(ROUNDS, || {
        let barrier = queued(keys);
        let t = time(|| assert_eq!(barrier.sync(), KEYS));
        per_op(t, KEYS as u64)
    });

    println!();
    println!(
        "eventorder barrier: {} keys of the router's shape, {} jobs per round, best and median of {} rounds",
        KEYS, JOBS, ROUNDS
    );
    println!(
        "machine: {} available cores; ratio = best ns/op over the baseline's best ns/op",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!();
    println!("| scenario | ns/op (best) | ns/op (median) | × baseline |");
    println!("|---|---:|---:|---:|");
    let row = |name: &str, fig: &Figure| {
        println!(
            "| {name} | {:.1} | {:.1} | {:.2} |",
            fig.best,
            fig.median,
            fig.best / baseline.best
        )
    };
    row("baseline: Mutex<HashMap> lookup", &baseline);
    row("(a) enter + wait, no record", &a);
    row("(b) lifecycle, per job", &b);
    row("(c) lifecycle, 1% of keys blocked", &c);
    row("(d) lifecycle, key_threshold = 200", &d);
    row("(e) (b) on two threads, wall time per job", &eb);
    row("(e) (c) on two threads, wall time per job", &ec);
    row("(f) sync of 10,000 queued effects, per effect", &f);
    println!();
    println!("| two threads | throughput vs one thread (best) | (median pair) |");
    println!("|---|---:|---:|");
    println!("| (b) lifecycle | {eb_best:.2}× | {eb_median:.2}× |");
    println!("| (c) lifecycle, 1% blocked | {ec_best:.2}× | {ec_median:.2}× |");
    println!();
    println!(
        "blocked-key barrier: {} records, stats {:?}",
        blocked_barrier.size(),
        blocked_barrier.stats()
    );
}

fn main() {
    let keys = router_keys(KEYS);
    if std::env::var_os("EVENTORDER_BENCH_SUMMARY_ONLY").is_none() {
        let mut c = Criterion::default().configure_from_args();
        criterion_benches(&mut c, &keys);
        c.final_summary();
    }
    // `cargo bench -- <filter>` and `cargo test --benches` pass arguments; the table
    // is printed only for a full bench run.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filtered = args.iter().any(|a| !a.starts_with('-'));
    let testing = args.iter().any(|a| a == "--test" || a == "--list");
    if !filtered && !testing {
        summary(&keys);
    }
}
