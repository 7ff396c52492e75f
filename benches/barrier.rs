//! Hot-path benchmarks of the barrier, against an in-run baseline (issue 5). The
//! `sync` scenarios (f)–(h) are in `sync.rs`, the heap per key in `memory.rs`; the
//! keys, baseline, sampling and table are shared with `sync.rs` (`support/`).
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
//! Scenarios, all per job:
//! - baseline: one lookup of the same keys in a `Mutex<HashMap<BarrierKey, u64>>`
//!   (std mutex, std map with the barrier's hasher, foldhash), holding all keys:
//!   the floor of any locked keyed structure (and, for reference, the same with
//!   `parking_lot::Mutex`, the barrier's lock);
//! - (a) `enter` + `wait`, no record;
//! - (b) lifecycle: `enter`, `wait`, `state_changed(succeeded)`, `sync` every 100 jobs;
//! - (c) (b) with a fixed 1% of the keys blocked by a failed job (their jobs are
//!   rejected and told to wait, and never reported);
//! - (d) (b) with `key_threshold = 200`: every job is tracked, so a record is made
//!   at `enter` and removed at the next `sync`;
//! - (e) (b) and (c) on two threads, each with its own half of the keys, on one
//!   barrier: throughput relative to one thread running its half alone;
//! - (ceiling) the baseline on two threads that share nothing: what this machine
//!   gives two threads at the moment, to read (e) against.
//!
//! For profiling: `EVENTORDER_BENCH_PROFILE=a|b|c|d|e-b|e-c` runs one scenario
//! alone (and `d-enter-leave`, `d-enter-wait-leave`, `d-lock` pieces of (d), with
//! `EVENTORDER_BENCH_JOBS` jobs), `EVENTORDER_BENCH_KEYS` sets the number of keys
//! there, and `EVENTORDER_BENCH_SHARDS` sets the shard count of every barrier here.

mod support;

use std::{hint::black_box, sync::Mutex, time::Duration};

use criterion::{BenchmarkId, Criterion, Throughput};
use eventorder::{Barrier, BarrierKey, JobId, JobState};
use support::{
    cycle, figure, interleaved, on_two_threads, plain, router_keys, sample, time, tracked,
    Baseline, Map, Sample, Table, JOBS, KEYS, ROUNDS,
};

const SYNC_EVERY: u64 = 100;

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
            let key = &self.keys[cycle(&mut self.at, self.keys.len())];
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

/// (c)'s barrier: one key in 100 blocked by a failed job.
fn blocked(keys: &[BarrierKey]) -> Barrier {
    let b = plain();
    for key in keys.iter().step_by(100) {
        b.state_changed(key, JobId(0), JobState::Failed).unwrap();
    }
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
    let [baseline, parking, a, b, c, d] = interleaved(
        [
            Box::new(|n| base.run(n)),
            Box::new(|n| parking.run(n)),
            Box::new(|n| wa.run(n)),
            Box::new(|n| wb.run(n)),
            Box::new(|n| wc.run(n)),
            Box::new(|n| wd.run(n)),
        ],
        JOBS,
    );

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

    let table = Table::new(
        "barrier",
        &format!("{JOBS} jobs per round, {ROUNDS} rounds"),
        &baseline,
    );
    table.row("(reference) the same with parking_lot::Mutex", &parking);
    table.row("(a) enter + wait, no record", &a);
    table.row("(b) lifecycle, per job", &b);
    table.row("(c) lifecycle, 1% of keys blocked", &c);
    table.row("(d) lifecycle, key_threshold = 200", &d);
    table.row("(e) (b) on two threads, per job", &eb);
    table.row("(e) (c) on two threads, per job", &ec);
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
    if let Some(scenario) = std::env::var_os("EVENTORDER_BENCH_PROFILE") {
        let n = std::env::var("EVENTORDER_BENCH_KEYS").map_or(KEYS, |n| n.parse().unwrap());
        profile(&router_keys(n), &scenario.to_string_lossy());
        return;
    }
    let keys = router_keys(KEYS);
    support::run(|c| criterion_benches(c, &keys), || summary(&keys));
}
