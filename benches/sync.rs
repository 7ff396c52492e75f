//! Benchmarks of `sync`, the pickup loop's call that applies queued effects and
//! runs out timers (issue 5), against the same in-run baseline as the hot path
//! (`barrier.rs`; the keys, baseline, sampling and table are shared, `support/`).
//!
//! Run with `cargo bench --bench sync`. Criterion measures the scenarios first;
//! then a summary table is printed, measured again with a plain timing loop
//! (several rounds, best and median kept), with each figure as ns per operation
//! and as a ratio to the baseline, measured in this run too, in turns with (g).
//! The loop reads both the wall clock and the thread's CPU time; the CPU-time
//! figures are the ones compared. Set `EVENTORDER_BENCH_SUMMARY_ONLY=1` to skip
//! criterion and print only the table.
//!
//! Keys have the router's shape (a `BarrierKey` of three short strings); 10,000
//! distinct keys are built up front.
//!
//! Scenarios:
//! - baseline: one lookup of the keys in a `Mutex<HashMap<BarrierKey, u64>>` (std
//!   mutex, std map with the barrier's hasher, foldhash), holding all keys, per
//!   lookup: the floor of any locked keyed structure;
//! - (f) `sync` applying 10,000 queued effects (one tracked job per key, reported
//!   `succeeded`, `key_threshold = 200`), per effect;
//! - (g0) `sync` with nothing queued and nothing due, on an empty barrier; (g1)
//!   the same with one record whose timer runs out in 10 minutes (so `sync` reads
//!   the clock); (g1m) the same on a barrier holding 1,000,000 records (half
//!   blocked by a failed job, half with ordering off by the predicate: a timer 10
//!   minutes away), per sync: R-EXPIRE must not scan the records, so (g1m) is
//!   within noise of (g1), and above (g0) by one clock read only;
//! - (h) a `sync` that expires 10,000 records (idle drain windows closed, records
//!   removed, R-EXPIRE), per record.
//!
//! `EVENTORDER_BENCH_SHARDS` sets the shard count of the barriers of (f) and (g0)
//! (the others are built with the settings their scenario needs).
//! `EVENTORDER_BENCH_PROFILE=f|h|g0|g1|g1m` runs one scenario's `sync` alone (for a
//! profiler).

mod support;

use std::{hint::black_box, sync::Mutex, time::Duration};

use criterion::{BatchSize, Criterion, Throughput};
use eventorder::{Barrier, BarrierKey, JobId, JobState, ManualClock};
use support::{
    figure, interleaved, plain, router_keys, sample, tracked, Baseline, Figure, Map, Sample, Table,
    JOBS, KEYS, ROUNDS,
};

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
            BatchSize::PerIteration,
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
            BatchSize::PerIteration,
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

/// One `sync` a round, each on a fresh barrier from `make` (timed: `sync`; not
/// timed: `check` after it), per op of `ops` a sync. A round is about a
/// millisecond: many rounds.
fn one_sync_a_round<B>(
    make: impl Fn() -> B,
    sync: impl Fn(&B),
    check: impl Fn(&B),
    ops: u64,
) -> Figure {
    let samples: Vec<Sample> = (0..ROUNDS * 5)
        .map(|_| {
            let barrier = make();
            let s = sample(|| sync(&barrier));
            check(&barrier);
            s
        })
        .collect();
    figure(&samples, ops)
}

/// `n` syncs on `barrier`, for (g).
fn idle(barrier: &Barrier) -> impl FnMut(u64) + '_ {
    move |n| {
        for _ in 0..n {
            black_box(barrier.sync());
        }
    }
}

fn summary(keys: &[BarrierKey]) {
    // The baseline, (g0), (g1) and (g1m): a sync with nothing to do, on 0, 1 and
    // 1,000,000 records, taking turns so that all see the same load.
    let mut base = Baseline::<Mutex<Map>>::new(keys);
    let empty = plain();
    let one = quiet_records(&router_keys(2)[1..]);
    let million = quiet_records(&router_keys(1_000_000));
    let [baseline, g0, g1, g1m] = interleaved(
        [
            Box::new(|n| base.run(n)),
            Box::new(idle(&empty)),
            Box::new(idle(&one)),
            Box::new(idle(&million)),
        ],
        JOBS,
    );
    drop(million);

    // (f): 10,000 queued effects per sync, per effect.
    let f = one_sync_a_round(
        || queued(keys),
        |barrier| assert_eq!(barrier.sync(), KEYS),
        |_| {},
        KEYS as u64,
    );

    // (h): one sync that expires 10,000 records, per record.
    let h = one_sync_a_round(
        || expiring(keys),
        |barrier| {
            black_box(barrier.sync());
        },
        |barrier| assert_eq!(barrier.size(), 0),
        KEYS as u64,
    );

    let table = Table::new(
        "sync",
        &format!(
            "baseline and (g) {JOBS} lookups or syncs per round and {ROUNDS} rounds, (f) and (h) one sync per round and {} rounds",
            ROUNDS * 5
        ),
        &baseline,
    );
    table.row("(f) sync of 10,000 queued effects, per effect", &f);
    table.row("(g0) sync, nothing queued or due, 0 records, per sync", &g0);
    table.row(
        "(g1) sync, nothing queued or due, 1 record with a timer, per sync",
        &g1,
    );
    table.row(
        "(g1m) sync, nothing queued or due, 1,000,000 records, per sync",
        &g1m,
    );
    table.row("(h) sync expiring 10,000 records, per record", &h);
    println!(
        "(g1m) / (g1): {:.2}× CPU best, {:.2}× CPU median; (g1m) / (g0): {:.2}× CPU best (the clock read)",
        g1m.cpu_best / g1.cpu_best,
        g1m.cpu_median / g1.cpu_median,
        g1m.cpu_best / g0.cpu_best
    );
}

/// `EVENTORDER_BENCH_PROFILE=f|h` runs that scenario's `sync` alone,
/// `EVENTORDER_BENCH_JOBS` times (default 100), each on a fresh barrier (for a
/// profiler: callgrind's `--toggle-collect` on `Barrier::sync` counts only it);
/// `g0|g1|g1m` runs `EVENTORDER_BENCH_JOBS` idle syncs on one barrier.
fn profile(keys: &[BarrierKey], scenario: &str) {
    let n: usize = std::env::var("EVENTORDER_BENCH_JOBS").map_or(100, |n| n.parse().unwrap());
    if let Some(barrier) = match scenario {
        "g0" => Some(plain()),
        "g1" => Some(quiet_records(&router_keys(2)[1..])),
        "g1m" => Some(quiet_records(&router_keys(1_000_000))),
        _ => None,
    } {
        // (g0), (g1), (g1m): `n` idle syncs, per sync.
        let s = sample(|| {
            for _ in 0..n {
                black_box(profiled_sync(&barrier));
            }
        });
        println!(
            "({scenario}) {:.1} ns per sync, CPU",
            s.cpu.as_nanos() as f64 / n as f64
        );
        return;
    }
    let mut cpu = Duration::ZERO;
    for _ in 0..n {
        cpu += match scenario {
            "f" => {
                let barrier = queued(keys);
                let s = sample(|| assert_eq!(profiled_sync(&barrier), KEYS));
                s.cpu
            }
            "h" => {
                let barrier = expiring(keys);
                let s = sample(|| {
                    black_box(profiled_sync(&barrier));
                });
                assert_eq!(barrier.size(), 0);
                s.cpu
            }
            other => panic!("EVENTORDER_BENCH_PROFILE: unknown scenario {other:?}"),
        };
    }
    println!(
        "({scenario}) {:.1} ns per effect or record, CPU",
        cpu.as_nanos() as f64 / (n * KEYS) as f64
    );
}

/// `Barrier::sync`, in a function of its own that is never inlined, so that
/// callgrind can count inside it alone (`--toggle-collect='sync::profiled_sync*'`).
#[inline(never)]
fn profiled_sync<C: eventorder::Clock>(barrier: &Barrier<BarrierKey, C>) -> usize {
    barrier.sync()
}

fn main() {
    let keys = router_keys(KEYS);
    if let Some(scenario) = std::env::var_os("EVENTORDER_BENCH_PROFILE") {
        profile(&keys, &scenario.to_string_lossy());
        return;
    }
    support::run(|c| criterion_benches(c, &keys), || summary(&keys));
}
