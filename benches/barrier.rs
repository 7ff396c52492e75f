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
//! - (e) (b), (c) and (d) on two threads, each with its own half of the keys, on
//!   one barrier: throughput relative to one thread running its half alone;
//! - (g) the router's production configuration (`Config::production()`:
//!   `key_threshold = 200`, `drain_limit = 1`): (d) with a fixed 1% of the keys
//!   blocked as in (c), and one job in 1,000 reported `failed`; the key's next
//!   visit offers that job again (accepted: it is the failed job) and reports it
//!   `aborted`, which opens a drain window at the next `sync`; the visit after
//!   admits one job into the window, whose `succeeded` closes it;
//! - (ceiling) the baseline on two threads that share nothing: what this machine
//!   gives two threads at the moment, to read (e) against;
//! - (floor of (d)) what (d) cannot go below (issue 13): per job, two locked
//!   lookups in the baseline's map (standing for `enter` and the queued report,
//!   the two calls of a tracked job that must lock) and the lock-free `wait` of
//!   (d), in the same loop as (d), with no `sync` at all.
//!
//! - (d) and (g) through rounds, and the spec floor of (d) (issue 20): see
//!   `barrier/rounds.rs`.
//!
//! For profiling: `EVENTORDER_BENCH_PROFILE=baseline|floor|spec-floor|a|b|c|d|g|d-rounds|g-rounds|e-b|e-c|e-d`
//! runs one scenario alone (and `d-split`, (d) with every call in a function of
//! its own for a profiler to tell them apart, and `d-enter-leave`,
//! `d-enter-wait-leave`, `d-lock` pieces of (d)), `EVENTORDER_BENCH_JOBS` jobs (default 20,000,000),
//! `EVENTORDER_BENCH_KEYS` sets the number of keys there, and
//! `EVENTORDER_BENCH_SHARDS` sets the shard count of every barrier here.

#[path = "barrier/rounds.rs"]
mod rounds;
mod support;

use std::{hint::black_box, sync::Mutex, time::Duration};

use criterion::{BenchmarkId, Criterion, Throughput};
use eventorder::{Barrier, BarrierKey, JobId, JobState};
use rounds::{Rounds, SpecFloor};
use support::{
    cycle, figure, interleaved, on_two_threads, plain, production, router_keys, sample, time,
    tracked, Baseline, Map, Sample, Table, JOBS, KEYS, ROUNDS,
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
    /// (g): [`Job::Lifecycle`], except that one job sent in [`FAIL_EVERY`] is
    /// reported `failed`, and offered again and reported `aborted` at its key's
    /// next visit (instead of a new job).
    FailSome,
}

/// (g): one job sent in this many fails.
const FAIL_EVERY: u64 = 1_000;

/// One pickup/worker/commit pipeline over a slice of keys, on a shared barrier.
struct Workload<'a> {
    barrier: &'a Barrier,
    keys: &'a [BarrierKey],
    job: Job,
    at: usize,
    next_job: i64,
    /// Job ids step by this (two threads use interleaved ids).
    stride: i64,
    /// (g): per key (by index), its failed job waiting to be offered again.
    failed: Vec<Option<JobId>>,
    /// (g): jobs sent so far.
    sent: u64,
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
            failed: if job == Job::FailSome {
                vec![None; keys.len()]
            } else {
                Vec::new()
            },
            sent: 0,
        }
    }

    /// (g): counts a job sent; whether it is one of the jobs that fail.
    fn fails(&mut self) -> bool {
        self.sent += 1;
        self.sent.is_multiple_of(FAIL_EVERY)
    }

    fn run(&mut self, jobs: u64) {
        let b = self.barrier;
        // Every answer is folded into `sum`, kept from the optimizer once at the
        // end, as the baseline does with its lookups. (Passing each pair of answers
        // to `black_box` spills 48 bytes to the stack and reads them back across a
        // store boundary: a store-forwarding stall that measured about half of (a).)
        let mut sum = 0u64;
        for i in 0..jobs {
            let at = cycle(&mut self.at, self.keys.len());
            let key = &self.keys[at];
            if self.job == Job::FailSome {
                if let Some(failed) = self.failed[at].take() {
                    // The failed job again: admitted (it is the key's failed job),
                    // sent, and aborted (its retries are over).
                    let admission = b.enter(key, failed);
                    let hold = b.wait(key, failed);
                    debug_assert!(admission.accepted && !hold.wait);
                    b.state_changed(key, failed, JobState::Aborted).unwrap();
                    if i % SYNC_EVERY == SYNC_EVERY - 1 {
                        b.sync();
                    }
                    continue;
                }
            }
            let job = JobId(self.next_job);
            self.next_job += self.stride;
            let admission = b.enter(key, job);
            let hold = b.wait(key, job);
            if self.job != Job::EnterWait {
                if admission.accepted && !hold.wait {
                    if self.job == Job::FailSome && self.fails() {
                        b.state_changed(key, job, JobState::Failed).unwrap();
                        self.failed[at] = Some(job);
                    } else {
                        b.state_changed(key, job, JobState::Succeeded).unwrap();
                    }
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

/// The floor of (d): per job, a locked lookup for `enter`, the lock-free `wait`
/// of (d) (a key with no failed job), a locked lookup for the queued report, in
/// (d)'s loop, without `sync`.
struct Floor<'a> {
    map: Mutex<Map>,
    /// For `wait` only: no record is ever made in it.
    barrier: Barrier,
    keys: &'a [BarrierKey],
    at: usize,
    next_job: i64,
}

impl<'a> Floor<'a> {
    fn new(keys: &'a [BarrierKey]) -> Self {
        let map = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), i as u64))
            .collect();
        Floor {
            map: Mutex::new(map),
            barrier: tracked(),
            keys,
            at: 0,
            next_job: 1,
        }
    }

    fn run(&mut self, jobs: u64) {
        let mut sum = 0u64;
        let lookup = |key: &BarrierKey| *self.map.lock().unwrap().get(key).unwrap_or(&0);
        for i in 0..jobs {
            let key = &self.keys[cycle(&mut self.at, self.keys.len())];
            let job = JobId(self.next_job);
            self.next_job += 1;
            let entered = lookup(key);
            let hold = self.barrier.wait(key, job);
            if entered != u64::MAX && !hold.wait {
                sum = sum.wrapping_add(lookup(key));
            }
            if i % SYNC_EVERY == SYNC_EVERY - 1 {
                sum = sum.wrapping_add(1);
            }
        }
        black_box(sum);
    }
}

/// (c)'s barrier: one key in 100 blocked by a failed job.
fn blocked(keys: &[BarrierKey]) -> Barrier {
    block(plain(), keys)
}

/// (g)'s barrier: the production configuration, one key in 100 blocked by a
/// failed job.
fn production_blocked(keys: &[BarrierKey]) -> Barrier {
    block(production(), keys)
}

/// `b` with one key in 100 blocked by a failed job.
fn block(b: Barrier, keys: &[BarrierKey]) -> Barrier {
    for key in keys.iter().step_by(100) {
        b.state_changed(key, JobId(0), JobState::Failed).unwrap();
    }
    b
}

/// The number of jobs of a profiling run (`EVENTORDER_BENCH_JOBS`).
fn profile_jobs() -> u64 {
    std::env::var("EVENTORDER_BENCH_JOBS").map_or(20_000_000, |n| n.parse().unwrap())
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

    let barrier = production_blocked(keys);
    let mut w = Workload::new(&barrier, keys, Job::FailSome);
    g.bench_function("g_production_1pct_blocked_0_1pct_failing", |b| {
        b.iter_custom(|n| time(|| w.run(n)))
    });

    let mut r = Rounds::new(tracked(), keys, false);
    g.bench_function("d_through_rounds", |b| b.iter_custom(|n| time(|| r.run(n))));

    let mut r = Rounds::new(production_blocked(keys), keys, true);
    g.bench_function("g_through_rounds", |b| b.iter_custom(|n| time(|| r.run(n))));

    for (name, barrier) in [("b", plain()), ("c", blocked(keys)), ("d", tracked())] {
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
    let (plain_a, plain_b, blocked_barrier, tracked_d, production_g) = (
        plain(),
        plain(),
        blocked(keys),
        tracked(),
        production_blocked(keys),
    );
    let mut base = Baseline::<Mutex<Map>>::new(keys);
    let mut parking = Baseline::<parking_lot::Mutex<Map>>::new(keys);
    let mut wa = Workload::new(&plain_a, keys, Job::EnterWait);
    let mut wb = Workload::new(&plain_b, keys, Job::Lifecycle);
    let mut wc = Workload::new(&blocked_barrier, keys, Job::Lifecycle);
    let mut wd = Workload::new(&tracked_d, keys, Job::Lifecycle);
    let mut wg = Workload::new(&production_g, keys, Job::FailSome);
    let mut floor = Floor::new(keys);
    let mut spec_floor = SpecFloor::new(keys);
    let mut rd = Rounds::new(tracked(), keys, false);
    let mut rg = Rounds::new(production_blocked(keys), keys, true);
    let [baseline, parking, a, b, c, d, g, floor, spec, d_rounds, g_rounds] = interleaved(
        [
            Box::new(|n| base.run(n)),
            Box::new(|n| parking.run(n)),
            Box::new(|n| wa.run(n)),
            Box::new(|n| wb.run(n)),
            Box::new(|n| wc.run(n)),
            Box::new(|n| wd.run(n)),
            Box::new(|n| wg.run(n)),
            Box::new(|n| floor.run(n)),
            Box::new(|n| spec_floor.run(n)),
            Box::new(|n| rd.run(n)),
            Box::new(|n| rg.run(n)),
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
    let (ed, ed_speedup) = scaling(&tracked());

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

    // The Go figures were measured on the development machine (docs/performance.md).
    let table = Table::with_quoted(
        "barrier",
        &format!("{JOBS} jobs per round, {ROUNDS} rounds"),
        &baseline,
        Some("Go v1.1.2, ns (quoted)"),
    );
    table.row("(reference) the same with parking_lot::Mutex", &parking);
    table.row_quoting("(a) enter + wait, no record", &a, "30");
    table.row_quoting("(b) lifecycle, per job", &b, "141");
    table.row_quoting("(c) lifecycle, 1% of keys blocked", &c, "237");
    table.row(
        "(floor of (d)) two locked lookups + (d)'s lock-free wait, per job, no sync",
        &floor,
    );
    table.row(
        "(spec floor of (d)) insert + lookup + remove, each locked, + (d)'s wait, per job",
        &spec,
    );
    table.row_quoting("(d) lifecycle, key_threshold = 200", &d, "≈ 560");
    table.row(
        "(g) production config, 1% blocked, 0.1% failing then aborted",
        &g,
    );
    table.row(
        "(d) through rounds: offer_all + wait + report_all, batches of 100",
        &d_rounds,
    );
    table.row("(g) through rounds, batches of 100", &g_rounds);
    table.row("(e) (b) on two threads, per job", &eb);
    table.row("(e) (c) on two threads, per job", &ec);
    table.row("(e) (d) on two threads, per job", &ed);
    println!();
    println!("| two threads vs one | CPU best | CPU median | wall best |");
    println!("|---|---:|---:|---:|");
    for (name, (best, median, wall)) in [
        ("(b) lifecycle", eb_speedup),
        ("(c) lifecycle, 1% blocked", ec_speedup),
        ("(d) lifecycle, key_threshold = 200", ed_speedup),
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
    println!(
        "check: the production barrier of (g) holds {} records; {:?}",
        production_g.size(),
        production_g.stats()
    );
    println!(
        "check: the production barrier of (g) through rounds holds {} records; {:?}",
        rg.workers().size(),
        rg.workers().stats()
    );
    println!(
        "(d) / (spec floor of (d)): {:.2}× CPU best, {:.2}× CPU median",
        d.cpu_best / spec.cpu_best,
        d.cpu_median / spec.cpu_median
    );
    println!(
        "(d) through rounds / (d): {:.2}× CPU best; (g) through rounds / (g): {:.2}× CPU best",
        d_rounds.cpu_best / d.cpu_best,
        g_rounds.cpu_best / g.cpu_best
    );
    println!(
        "(d) / (floor of (d)): {:.2}× CPU best, {:.2}× CPU median",
        d.cpu_best / floor.cpu_best,
        d.cpu_median / floor.cpu_median
    );
}

/// `EVENTORDER_BENCH_PROFILE=<scenario>` runs that scenario alone for
/// `EVENTORDER_BENCH_JOBS` jobs (for a profiler) and nothing else.
fn profile(keys: &[BarrierKey], scenario: &str) {
    let n = profile_jobs();
    let (barrier, job) = match scenario {
        "baseline" => {
            let mut base = Baseline::<Mutex<Map>>::new(keys);
            let s = sample(|| base.run(n));
            println!(
                "({scenario}) {:.1} ns/lookup CPU",
                s.cpu.as_nanos() as f64 / n as f64
            );
            return;
        }
        "floor" => {
            let mut floor = Floor::new(keys);
            let s = sample(|| floor.run(n));
            println!(
                "({scenario}) {:.1} ns/job CPU",
                s.cpu.as_nanos() as f64 / n as f64
            );
            return;
        }
        "spec-floor" => {
            let mut floor = SpecFloor::new(keys);
            let s = sample(|| floor.run(n));
            println!(
                "({scenario}) {:.1} ns/job CPU",
                s.cpu.as_nanos() as f64 / n as f64
            );
            return;
        }
        "d-rounds" | "g-rounds" => {
            let mut r = if scenario == "d-rounds" {
                Rounds::new(tracked(), keys, false)
            } else {
                Rounds::new(production_blocked(keys), keys, true)
            };
            let s = sample(|| r.run(n));
            println!(
                "({scenario}) {:.1} ns/job CPU",
                s.cpu.as_nanos() as f64 / n as f64
            );
            return;
        }
        "a" => (plain(), Job::EnterWait),
        "b" => (plain(), Job::Lifecycle),
        "c" => (blocked(keys), Job::Lifecycle),
        "d" => (tracked(), Job::Lifecycle),
        "g" => (production_blocked(keys), Job::FailSome),
        // Pieces of (d), to see where its time goes.
        "d-enter-leave" | "d-enter-wait-leave" | "d-lock" => {
            let barrier = tracked();
            let wait = scenario == "d-enter-wait-leave";
            let lock = scenario == "d-lock";
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
        // (d) with each call in a function of its own, never inlined, so that a
        // profiler (callgrind's inclusive counts) can tell the calls apart; each
        // wrapper adds a call and a return.
        "d-split" => {
            let barrier = tracked();
            let s = sample(|| split::lifecycle(&barrier, keys, n));
            println!(
                "({scenario}) {:.1} ns/job CPU",
                s.cpu.as_nanos() as f64 / n as f64
            );
            return;
        }
        "e-b" | "e-c" | "e-d" => {
            let barrier = match scenario {
                "e-b" => plain(),
                "e-c" => blocked(keys),
                _ => tracked(),
            };
            let mut ids = [1, 1];
            let s = two_threads_sampled(&barrier, keys, n / 2, &mut ids);
            println!(
                "({scenario}) {:.1} ns/job wall, {:.1} ns/job CPU",
                s.wall.as_nanos() as f64 / n as f64,
                s.cpu.as_nanos() as f64 / n as f64
            );
            return;
        }
        other => panic!("EVENTORDER_BENCH_PROFILE: unknown scenario {other:?}"),
    };
    let mut w = Workload::new(&barrier, keys, job);
    let s = sample(|| w.run(n));
    println!(
        "({scenario}) {:.1} ns/job CPU",
        s.cpu.as_nanos() as f64 / n as f64
    );
}

/// (d) with every barrier call behind a function of its own (for profiling).
mod split {
    use super::{cycle, SYNC_EVERY};
    use eventorder::{Admission, Barrier, BarrierKey, Hold, JobId, JobState};
    use std::hint::black_box;

    #[inline(never)]
    pub fn enter(b: &Barrier, key: &BarrierKey, job: JobId) -> Admission {
        b.enter(key, job)
    }

    #[inline(never)]
    pub fn wait(b: &Barrier, key: &BarrierKey, job: JobId) -> Hold {
        b.wait(key, job)
    }

    #[inline(never)]
    pub fn succeeded(b: &Barrier, key: &BarrierKey, job: JobId) {
        b.state_changed(key, job, JobState::Succeeded).unwrap();
    }

    #[inline(never)]
    pub fn sync(b: &Barrier) -> usize {
        b.sync()
    }

    pub fn lifecycle(b: &Barrier, keys: &[BarrierKey], jobs: u64) {
        let mut at = 0;
        let mut synced = 0;
        for i in 0..jobs {
            let key = &keys[cycle(&mut at, keys.len())];
            let job = JobId(i as i64 + 1);
            let admission = enter(b, key, job);
            let hold = wait(b, key, job);
            if admission.accepted && !hold.wait {
                succeeded(b, key, job);
            }
            if i % SYNC_EVERY == SYNC_EVERY - 1 {
                synced += sync(b);
            }
        }
        black_box(synced);
    }
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
