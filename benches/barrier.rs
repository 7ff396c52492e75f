//! Hot-path benchmarks of the barrier, against an in-run baseline (issue 5).
//!
//! Run with `cargo bench --bench barrier`. Criterion measures every scenario first;
//! then a summary table is printed, measured again with a plain timing loop (many
//! jobs per round, several rounds, best and median kept), with each figure as ns
//! per operation and as a ratio to the baseline measured in the same run. The loop
//! reads both the wall clock and the thread's CPU time: on a shared machine the
//! wall clock also counts the time the thread was descheduled, the CPU time does
//! not, so the CPU-time figures are the ones compared. Set
//! `EVENTORDER_BENCH_SUMMARY_ONLY=1` to skip criterion and print only the table.
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
//! - (f) `sync` applying 10,000 queued effects (per effect);
//! - (g0) `sync` with nothing queued and nothing due, on an empty barrier; (g1)
//!   the same with one record whose timer runs out in 10 minutes (so `sync` reads
//!   the clock); (g1m) the same on a barrier holding 1,000,000 records (half
//!   blocked by a failed job, half with ordering off by the predicate: a timer 10
//!   minutes away), per sync: R-EXPIRE must not scan the records, so (g1m) is
//!   within noise of (g1), and above (g0) by one clock read only;
//! - (h) a `sync` that expires 10,000 records (idle drain windows closed, records
//!   removed, R-EXPIRE), per record;
//! - (ceiling) the baseline on two threads that share nothing: what this machine
//!   gives two threads at the moment, to read (e) against.
//!
//! For profiling: `EVENTORDER_BENCH_PROFILE=a|b|c|d|e-b|e-c` runs one scenario
//! alone (and `d-enter-leave`, `d-enter-wait-leave`, `d-lock` pieces of (d)),
//! `EVENTORDER_BENCH_KEYS` sets the number of keys there, and
//! `EVENTORDER_BENCH_SHARDS` sets the shard count of every barrier here.

use std::{
    collections::HashMap,
    hint::black_box,
    sync::{Barrier as StartLine, Mutex},
    time::{Duration, Instant},
};

use criterion::{BenchmarkId, Criterion, Throughput};
use eventorder::{Barrier, BarrierKey, JobId, JobState, ManualClock};

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

type Map = HashMap<BarrierKey, u64, foldhash::fast::RandomState>;

/// A map behind a lock: the baseline's.
trait LockedMap {
    fn new(map: Map) -> Self;
    fn get(&self, key: &BarrierKey) -> u64;
}

impl LockedMap for Mutex<Map> {
    fn new(map: Map) -> Self {
        Mutex::new(map)
    }
    fn get(&self, key: &BarrierKey) -> u64 {
        *self.lock().unwrap().get(key).unwrap_or(&0)
    }
}

/// The same with the lock the barrier uses, for reference.
impl LockedMap for parking_lot::Mutex<Map> {
    fn new(map: Map) -> Self {
        parking_lot::Mutex::new(map)
    }
    fn get(&self, key: &BarrierKey) -> u64 {
        *self.lock().get(key).unwrap_or(&0)
    }
}

/// The baseline: one locked lookup per operation.
struct Baseline<M = Mutex<Map>> {
    map: M,
    keys: Vec<BarrierKey>,
    at: usize,
}

impl<M: LockedMap> Baseline<M> {
    fn new(keys: &[BarrierKey]) -> Self {
        let map = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), i as u64))
            .collect();
        Baseline {
            map: M::new(map),
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
            sum = sum.wrapping_add(self.map.get(key));
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
        // Every answer is folded into `sum`, kept from the optimizer once at the
        // end, as the baseline does with its lookups. (Passing each pair of answers
        // to `black_box` spills 48 bytes to the stack and reads them back across a
        // store boundary: a store-forwarding stall that measured about half of (a).)
        let mut sum = 0u64;
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
                let failed = |f: Option<JobId>| f.map_or(0, |j| j.0 as u64);
                sum = sum
                    .wrapping_add(u64::from(admission.accepted) + u64::from(hold.wait))
                    .wrapping_add(failed(admission.previous_failed) ^ failed(hold.previous_failed));
            }
        }
        black_box(sum);
    }
}

/// The barriers of the scenarios: default settings, except for the shard count if
/// `EVENTORDER_BENCH_SHARDS` is set (to compare shard counts).
fn plain() -> Barrier {
    match std::env::var("EVENTORDER_BENCH_SHARDS") {
        Ok(n) => Barrier::builder().shards(n.parse().unwrap()).build(),
        Err(_) => Barrier::new(),
    }
}

fn blocked(keys: &[BarrierKey]) -> Barrier {
    let b = plain();
    for key in keys.iter().step_by(100) {
        b.state_changed(key, JobId(0), JobState::Failed).unwrap();
    }
    b
}

fn tracked() -> Barrier {
    let b = plain();
    b.reconfigure(eventorder::Config {
        key_threshold: 200,
        ..b.config()
    });
    b
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

/// A barrier holding a record for every key of `keys` that no `sync` has anything
/// to do with for 10 minutes: half blocked by a failed job (no timer), half with
/// ordering off by the predicate (their `Disabled` timer runs 10 minutes).
fn quiet_records(keys: &[BarrierKey]) -> Barrier {
    let b: Barrier = Barrier::builder()
        .ordering_disabled(|k: &BarrierKey| k.user().ends_with(['1', '3', '5', '7', '9']))
        .build();
    for key in keys {
        b.state_changed(key, JobId(1), JobState::Failed).unwrap();
        b.enter(key, JobId(2));
    }
    assert_eq!(b.size(), keys.len());
    b.sync();
    b
}

/// A barrier with an idle drain window for every key (`drain_limit = 1`, each
/// key's failed job aborted) and a clock past `drain_idle_for`: its next `sync`
/// closes every window and removes every record (R-EXPIRE).
fn expiring(keys: &[BarrierKey]) -> Barrier<BarrierKey, ManualClock> {
    let clock = ManualClock::new();
    let b = Barrier::builder()
        .drain_limit(1)
        .clock(clock.clone())
        .build();
    for key in keys {
        b.state_changed(key, JobId(1), JobState::Failed).unwrap();
        b.state_changed(key, JobId(1), JobState::Aborted).unwrap();
    }
    b.sync();
    assert_eq!(b.size(), keys.len());
    clock.advance(Duration::from_secs(601));
    b
}

fn criterion_benches(c: &mut Criterion, keys: &[BarrierKey]) {
    let mut g = c.benchmark_group("barrier");
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
        .throughput(Throughput::Elements(1));

    let mut base = Baseline::<Mutex<Map>>::new(keys);
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
                two_threads_sampled(&barrier, keys, n, &mut ids).wall
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
    g.bench_function("h_sync_expires_10000_records", |b| {
        b.iter_batched(
            || expiring(keys),
            |barrier| {
                barrier.sync();
                assert_eq!(barrier.size(), 0);
                barrier
            },
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("barrier_sync_idle");
    g.warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .throughput(Throughput::Elements(1));
    let empty = plain();
    g.bench_function("g0_sync_nothing_due_0_records", |b| {
        b.iter(|| black_box(empty.sync()))
    });
    let million = quiet_records(&router_keys(1_000_000));
    g.bench_function("g1m_sync_nothing_due_1m_records", |b| {
        b.iter(|| black_box(million.sync()))
    });
    g.finish();
}

fn time(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

/// The CPU time the calling thread has used.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `clock_gettime` writes one `timespec` through a pointer to a live,
    // properly aligned local; no other memory is touched.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// One round: the thread's CPU time and the wall time.
#[derive(Clone, Copy)]
struct Sample {
    cpu: Duration,
    wall: Duration,
}

fn sample(f: impl FnOnce()) -> Sample {
    let wall = Instant::now();
    let cpu = thread_cpu();
    f();
    Sample {
        cpu: thread_cpu() - cpu,
        wall: wall.elapsed(),
    }
}

/// Best and median over the rounds, in ns per op.
struct Figure {
    cpu_best: f64,
    cpu_median: f64,
    wall_best: f64,
    wall_median: f64,
}

fn figure(samples: &[Sample], ops: u64) -> Figure {
    let per_op = |d: Duration| d.as_nanos() as f64 / ops as f64;
    let mut cpu: Vec<f64> = samples.iter().map(|s| per_op(s.cpu)).collect();
    let mut wall: Vec<f64> = samples.iter().map(|s| per_op(s.wall)).collect();
    cpu.sort_by(f64::total_cmp);
    wall.sort_by(f64::total_cmp);
    Figure {
        cpu_best: cpu[0],
        cpu_median: cpu[cpu.len() / 2],
        wall_best: wall[0],
        wall_median: wall[wall.len() / 2],
    }
}

/// On threads 0 and 1, `prepare(t)` and then, both released together, `run` on what
/// it made (returning the thread's CPU time); returns the wall time from the release
/// and the larger of the two threads' CPU times.
fn on_two_threads<W>(
    prepare: impl Fn(usize) -> W + Sync,
    run: impl Fn(W) -> Duration + Sync,
) -> Sample {
    let start = StartLine::new(3);
    let (wall, cpu) = std::thread::scope(|s| {
        let threads: Vec<_> = (0..2)
            .map(|t| {
                let (start, prepare, run) = (&start, &prepare, &run);
                s.spawn(move || {
                    let work = prepare(t);
                    start.wait();
                    run(work)
                })
            })
            .collect();
        start.wait();
        let wall = Instant::now();
        let cpu = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .max()
            .unwrap();
        (wall.elapsed(), cpu)
    });
    Sample { cpu, wall }
}

/// Runs `jobs` jobs on each of two threads (each its own half of the keys) on one
/// barrier; returns the wall time and the larger of the two threads' CPU times.
fn two_threads_sampled(
    barrier: &Barrier,
    keys: &[BarrierKey],
    jobs: u64,
    state: &mut [i64; 2],
) -> Sample {
    let halves = keys.split_at(keys.len() / 2);
    let ids = *state;
    let two = on_two_threads(
        |t| {
            let half = if t == 0 { halves.0 } else { halves.1 };
            let mut w = Workload::new(barrier, half, Job::Lifecycle);
            w.stride = 2;
            w.next_job = ids[t] * 2 + t as i64;
            w
        },
        |mut w| sample(|| w.run(jobs)).cpu,
    );
    state[0] += jobs as i64;
    state[1] += jobs as i64;
    two
}

fn summary(keys: &[BarrierKey]) {
    const JOBS: u64 = 1_000_000;
    const ROUNDS: usize = 9;

    // The single-thread scenarios take turns, one round each, so that they all see
    // about the same background load.
    let (plain_a, plain_b, blocked_barrier, tracked_d) =
        (plain(), plain(), blocked(keys), tracked());
    let mut base = Baseline::<Mutex<Map>>::new(keys);
    let mut parking = Baseline::<parking_lot::Mutex<Map>>::new(keys);
    let mut wa = Workload::new(&plain_a, keys, Job::EnterWait);
    let mut wb = Workload::new(&plain_b, keys, Job::Lifecycle);
    let mut wc = Workload::new(&blocked_barrier, keys, Job::Lifecycle);
    let mut wd = Workload::new(&tracked_d, keys, Job::Lifecycle);
    let mut scenarios: Vec<Box<dyn FnMut(u64) + '_>> = vec![
        Box::new(|n| base.run(n)),
        Box::new(|n| parking.run(n)),
        Box::new(|n| wa.run(n)),
        Box::new(|n| wb.run(n)),
        Box::new(|n| wc.run(n)),
        Box::new(|n| wd.run(n)),
    ];
    for run in scenarios.iter_mut() {
        run(JOBS / 4); // warm up: tables and queues at their working size
    }
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); scenarios.len()];
    for _ in 0..ROUNDS {
        for (run, samples) in scenarios.iter_mut().zip(samples.iter_mut()) {
            samples.push(sample(|| run(JOBS)));
        }
    }
    drop(scenarios);
    let [baseline, parking, a, b, c, d] = [0, 1, 2, 3, 4, 5].map(|i| figure(&samples[i], JOBS));

    // (e): one thread on its half alone, then both halves at once, alternately, so
    // that both see about the same background load. Figures per job of the two
    // threads together: wall time over 2n jobs, and the busier thread's CPU time
    // over 2n jobs (the time per job if each thread had a core to itself).
    let scaling = |barrier: &Barrier| {
        let (left, _) = keys.split_at(keys.len() / 2);
        let mut ids = [1, 1];
        two_threads_sampled(barrier, keys, JOBS / 8, &mut ids);
        let mut one_thread = Workload::new(barrier, left, Job::Lifecycle);
        one_thread.stride = 2;
        one_thread.next_job = 1 << 40;
        one_thread.run(JOBS / 8);
        let mut one = Vec::new();
        let mut two = Vec::new();
        for _ in 0..ROUNDS {
            one.push(sample(|| one_thread.run(JOBS)));
            two.push(two_threads_sampled(barrier, keys, JOBS, &mut ids));
        }
        let one = figure(&one, JOBS);
        let two = figure(&two, 2 * JOBS);
        let speedup = (
            one.cpu_best / two.cpu_best,
            one.cpu_median / two.cpu_median,
            one.wall_best / two.wall_best,
        );
        (two, speedup)
    };
    let (eb, eb_speedup) = scaling(&plain());
    let (ec, ec_speedup) = scaling(&blocked(keys));

    // The machine's own ceiling for two threads right now: the baseline on two
    // threads that share nothing (each its own map and lock). A barrier's speedup is
    // best read against this (other tenants, or two vCPUs on one physical core, keep
    // it below 2).
    let ceiling = {
        let mut one = Vec::new();
        let mut two = Vec::new();
        let mut alone = Baseline::<Mutex<Map>>::new(keys);
        for _ in 0..ROUNDS {
            one.push(sample(|| alone.run(JOBS)));
            two.push(on_two_threads(
                |_| Baseline::<Mutex<Map>>::new(keys),
                |mut own| sample(|| own.run(JOBS)).cpu,
            ));
        }
        let one = figure(&one, JOBS);
        let two = figure(&two, 2 * JOBS);
        (
            one.cpu_best / two.cpu_best,
            one.cpu_median / two.cpu_median,
            one.wall_best / two.wall_best,
        )
    };

    // (f): 10,000 queued effects per sync, per effect.
    // A round is one sync of about a millisecond: many rounds.
    let samples: Vec<Sample> = (0..ROUNDS * 5)
        .map(|_| {
            let barrier = queued(keys);
            let s = sample(|| assert_eq!(barrier.sync(), KEYS));
            drop(barrier);
            s
        })
        .collect();
    let f = figure(&samples, KEYS as u64);

    // (g0), (g1m): a sync with nothing to do, on 0 and on 1,000,000 records,
    // alternately so that both see the same load.
    const SYNCS: u64 = 1_000_000;
    let empty = plain();
    let one = quiet_records(&router_keys(2)[1..]);
    let million = quiet_records(&router_keys(1_000_000));
    let mut idle = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..ROUNDS {
        for (barrier, samples) in [&empty, &one, &million].into_iter().zip(idle.iter_mut()) {
            samples.push(sample(|| {
                for _ in 0..SYNCS {
                    black_box(barrier.sync());
                }
            }));
        }
    }
    let [g0, g1, g1m] = idle.map(|samples| figure(&samples, SYNCS));
    drop(million);

    // (h): one sync that expires 10,000 records, per record.
    let samples: Vec<Sample> = (0..ROUNDS * 5)
        .map(|_| {
            let barrier = expiring(keys);
            let s = sample(|| {
                black_box(barrier.sync());
            });
            assert_eq!(barrier.size(), 0);
            s
        })
        .collect();
    let h = figure(&samples, KEYS as u64);

    println!();
    println!(
        "eventorder barrier: {KEYS} keys of the router's shape, {JOBS} jobs per round, {ROUNDS} rounds, {} available cores, {} shards",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        plain().shard_count()
    );
    println!("ns per op; CPU = the thread's CPU time (compared), wall = wall clock; × baseline = CPU best / baseline's CPU best");
    println!();
    println!("| scenario | CPU best | CPU median | wall best | wall median | × baseline |");
    println!("|---|---:|---:|---:|---:|---:|");
    let row = |name: &str, fig: &Figure| {
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} |",
            fig.cpu_best,
            fig.cpu_median,
            fig.wall_best,
            fig.wall_median,
            fig.cpu_best / baseline.cpu_best
        )
    };
    row("baseline: Mutex<HashMap> lookup", &baseline);
    row("(reference) the same with parking_lot::Mutex", &parking);
    row("(a) enter + wait, no record", &a);
    row("(b) lifecycle, per job", &b);
    row("(c) lifecycle, 1% of keys blocked", &c);
    row("(d) lifecycle, key_threshold = 200", &d);
    row("(e) (b) on two threads, per job", &eb);
    row("(e) (c) on two threads, per job", &ec);
    row("(f) sync of 10,000 queued effects, per effect", &f);
    row("(g0) sync, nothing queued or due, 0 records, per sync", &g0);
    row(
        "(g1) sync, nothing queued or due, 1 record with a timer, per sync",
        &g1,
    );
    row(
        "(g1m) sync, nothing queued or due, 1,000,000 records, per sync",
        &g1m,
    );
    row("(h) sync expiring 10,000 records, per record", &h);
    println!(
        "(g1m) / (g1): {:.2}× CPU best, {:.2}× CPU median; (g1m) / (g0): {:.2}× CPU best (the clock read)",
        g1m.cpu_best / g1.cpu_best,
        g1m.cpu_median / g1.cpu_median,
        g1m.cpu_best / g0.cpu_best
    );
    println!();
    println!("| two threads vs one | CPU best | CPU median | wall best |");
    println!("|---|---:|---:|---:|");
    for (name, (best, median, wall)) in [
        ("(b) lifecycle", eb_speedup),
        ("(c) lifecycle, 1% blocked", ec_speedup),
        ("(ceiling) baseline, two threads sharing nothing", ceiling),
    ] {
        println!("| {name} | {best:.2}× | {median:.2}× | {wall:.2}× |");
    }
    println!();
    println!(
        "check: the blocked-key barrier holds {} records; {:?}",
        blocked_barrier.size(),
        blocked_barrier.stats()
    );
}

/// `EVENTORDER_BENCH_PROFILE=a|b|c|d` runs that scenario alone for a while (for a
/// profiler) and nothing else.
fn profile(keys: &[BarrierKey], scenario: &str) {
    let (barrier, job) = match scenario {
        "a" => (plain(), Job::EnterWait),
        "b" => (plain(), Job::Lifecycle),
        "c" => (blocked(keys), Job::Lifecycle),
        "d" => (tracked(), Job::Lifecycle),
        // Pieces of (d), to see where its time goes.
        "d-enter-leave" | "d-enter-wait-leave" | "d-lock" => {
            let barrier = tracked();
            let wait = scenario == "d-enter-wait-leave";
            let lock = scenario == "d-lock";
            let n: u64 =
                std::env::var("EVENTORDER_BENCH_JOBS").map_or(20_000_000, |n| n.parse().unwrap());
            let s = sample(|| {
                for i in 0..n {
                    let key = &keys[i as usize % keys.len()];
                    let job = JobId(i as i64 + 1);
                    if lock {
                        black_box(barrier.size());
                        continue;
                    }
                    black_box(barrier.enter(key, job));
                    if wait {
                        black_box(barrier.wait(key, job));
                    }
                    barrier.leave(key, job);
                }
            });
            println!(
                "({scenario}) {:.1} ns/job CPU",
                s.cpu.as_nanos() as f64 / n as f64
            );
            return;
        }
        "e-b" | "e-c" => {
            let barrier = if scenario == "e-b" {
                plain()
            } else {
                blocked(keys)
            };
            let mut ids = [1, 1];
            let s = two_threads_sampled(&barrier, keys, 10_000_000, &mut ids);
            println!(
                "({scenario}) {:.1} ns/job wall, {:.1} ns/job CPU",
                s.wall.as_nanos() as f64 / 20e6,
                s.cpu.as_nanos() as f64 / 20e6
            );
            return;
        }
        other => panic!("EVENTORDER_BENCH_PROFILE: unknown scenario {other:?}"),
    };
    let mut w = Workload::new(&barrier, keys, job);
    let s = sample(|| w.run(20_000_000));
    println!(
        "({scenario}) {:.1} ns/job CPU",
        s.cpu.as_nanos() as f64 / 20e6
    );
}

fn main() {
    let keys = router_keys(KEYS);
    if let Some(scenario) = std::env::var_os("EVENTORDER_BENCH_PROFILE") {
        let n = std::env::var("EVENTORDER_BENCH_KEYS").map_or(KEYS, |n| n.parse().unwrap());
        profile(&router_keys(n), &scenario.to_string_lossy());
        return;
    }
    if std::env::var_os("EVENTORDER_BENCH_SUMMARY_ONLY").is_none() {
        let mut c = Criterion::default().configure_from_args();
        criterion_benches(&mut c, &keys);
        c.final_summary();
    }
    // The table is printed for a full `cargo bench` run (which passes `--bench`), not
    // for `cargo bench -- <filter>`, nor under `cargo test --benches` (no `--bench`:
    // criterion then only checks that each benchmark runs).
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filtered = args.iter().any(|a| !a.starts_with('-'));
    let benching = args.iter().any(|a| a == "--bench");
    if std::env::var_os("EVENTORDER_BENCH_SUMMARY_ONLY").is_some() || (benching && !filtered) {
        summary(&keys);
    }
}
