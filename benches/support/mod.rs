//! Shared by the timing benches `barrier.rs` (hot path) and `sync.rs` (`sync`):
//! the keys, the in-run baseline, the sampling (the thread's CPU time and the
//! wall clock), the figures kept from the rounds, the two-thread harness, the
//! summary table and the order a bench's `main` runs things in.
//!
//! The baseline is one lookup of the keys in a `Mutex<HashMap<BarrierKey, u64>>`
//! (std mutex, std map with the barrier's hasher, foldhash), holding all keys: the
//! floor of any locked keyed structure. Each bench measures it in its own run and
//! prints every figure as a ratio to it.
//!
//! The sampling reads both the wall clock and the thread's CPU time: on a shared
//! machine the wall clock also counts the time the thread was descheduled, the CPU
//! time does not, so the CPU-time figures are the ones compared.

#![allow(dead_code)] // each bench uses its own part

pub mod keys;

pub use keys::router_keys;

use std::{
    collections::HashMap,
    hint::black_box,
    sync::{Barrier as StartLine, Mutex},
    time::{Duration, Instant},
};

use criterion::Criterion;
use eventorder::{Barrier, BarrierKey};

/// The number of distinct keys the scenarios cycle through.
pub const KEYS: usize = 10_000;
/// Operations per round of the summary table.
pub const JOBS: u64 = 1_000_000;
/// Rounds per figure of the summary table (best and median kept).
pub const ROUNDS: usize = 9;

pub type Map = HashMap<BarrierKey, u64, foldhash::fast::RandomState>;

/// A map behind a lock: the baseline's.
pub trait LockedMap {
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

/// The index `*at` of a key among `len` keys cycled, moving `*at` to the next one.
#[inline(always)]
pub fn cycle(at: &mut usize, len: usize) -> usize {
    let i = *at;
    *at = if i + 1 == len { 0 } else { i + 1 };
    i
}

/// The baseline: one locked lookup per operation.
pub struct Baseline<M = Mutex<Map>> {
    map: M,
    keys: Vec<BarrierKey>,
    at: usize,
}

impl<M: LockedMap> Baseline<M> {
    pub fn new(keys: &[BarrierKey]) -> Self {
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

    // Never inlined, so that callgrind can count inside it alone (one call per
    // run, not per lookup).
    #[inline(never)]
    pub fn run(&mut self, ops: u64) {
        let mut sum = 0u64;
        for _ in 0..ops {
            let key = &self.keys[cycle(&mut self.at, self.keys.len())];
            sum = sum.wrapping_add(self.map.get(key));
        }
        black_box(sum);
    }
}

/// A barrier with default settings, except for the shard count if
/// `EVENTORDER_BENCH_SHARDS` is set (to compare shard counts).
pub fn plain() -> Barrier {
    match std::env::var("EVENTORDER_BENCH_SHARDS") {
        Ok(n) => Barrier::builder().shards(n.parse().unwrap()).build(),
        Err(_) => Barrier::new(),
    }
}

/// [`plain`] with `key_threshold = 200`: every job is tracked.
pub fn tracked() -> Barrier {
    let b = plain();
    b.reconfigure(eventorder::Config {
        key_threshold: 200,
        ..b.config()
    });
    // R-CONFIG (SPEC v3): the change is installed at the next `sync`.
    b.sync();
    b
}

/// [`plain`] with the router's production settings ([`eventorder::Config::production`]:
/// `key_threshold = 200`, `drain_limit = 1`, its timers).
pub fn production() -> Barrier {
    let b = plain();
    b.reconfigure(eventorder::Config::production());
    // R-CONFIG (SPEC v3): the change is installed at the next `sync`.
    b.sync();
    b
}

/// The wall time of `f` (for criterion's `iter_custom`).
pub fn time(f: impl FnOnce()) -> Duration {
    let t = Instant::now();
    f();
    t.elapsed()
}

/// The CPU time the calling thread has used.
pub fn thread_cpu() -> Duration {
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
pub struct Sample {
    pub cpu: Duration,
    pub wall: Duration,
}

pub fn sample(f: impl FnOnce()) -> Sample {
    let wall = Instant::now();
    let cpu = thread_cpu();
    f();
    Sample {
        cpu: thread_cpu() - cpu,
        wall: wall.elapsed(),
    }
}

/// Best and median over the rounds, in ns per op.
pub struct Figure {
    pub cpu_best: f64,
    pub cpu_median: f64,
    pub wall_best: f64,
    pub wall_median: f64,
}

pub fn figure(samples: &[Sample], ops: u64) -> Figure {
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

/// Runs every scenario `ops` operations a round, taking turns one round each so
/// that they all see about the same background load, [`ROUNDS`] rounds, after a
/// warm-up of `ops / 4` each (tables and queues at their working size); returns
/// each scenario's figure per op.
pub fn interleaved<const N: usize>(
    mut scenarios: [Box<dyn FnMut(u64) + '_>; N],
    ops: u64,
) -> [Figure; N] {
    for run in scenarios.iter_mut() {
        run(ops / 4);
    }
    let mut samples: [Vec<Sample>; N] = std::array::from_fn(|_| Vec::new());
    for _ in 0..ROUNDS {
        for (run, samples) in scenarios.iter_mut().zip(samples.iter_mut()) {
            samples.push(sample(|| run(ops)));
        }
    }
    samples.map(|samples| figure(&samples, ops))
}

/// On threads 0 and 1, `prepare(t)` and then, both released together, `run` on what
/// it made (returning the thread's CPU time); returns the wall time from the release
/// and the larger of the two threads' CPU times.
pub fn on_two_threads<W>(
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

/// The summary table: ns per op, and each row's ratio to the in-run baseline, and
/// optionally a last column of figures quoted from elsewhere (the Go version's).
pub struct Table {
    baseline_cpu_best: f64,
    quoted: Option<&'static str>,
}

impl Table {
    /// Prints the table's head, `title` and `rounds` (how the figures were taken)
    /// on its first line, and the baseline's row.
    pub fn new(title: &str, rounds: &str, baseline: &Figure) -> Table {
        Self::with_quoted(title, rounds, baseline, None)
    }

    /// [`Table::new`] with a last column headed `quoted`, filled by [`Table::row_quoting`].
    pub fn with_quoted(
        title: &str,
        rounds: &str,
        baseline: &Figure,
        quoted: Option<&'static str>,
    ) -> Table {
        println!();
        println!(
            "eventorder {title}: {KEYS} keys of the router's shape, {rounds}, {} available cores, {} shards",
            std::thread::available_parallelism().map_or(1, |n| n.get()),
            plain().shard_count()
        );
        println!("ns per op; CPU = the thread's CPU time (compared), wall = wall clock; × baseline = CPU best / baseline's CPU best");
        println!();
        match quoted {
            Some(head) => {
                println!("| scenario | CPU best | CPU median | wall best | wall median | × baseline | {head} |");
                println!("|---|---:|---:|---:|---:|---:|---:|");
            }
            None => {
                println!(
                    "| scenario | CPU best | CPU median | wall best | wall median | × baseline |"
                );
                println!("|---|---:|---:|---:|---:|---:|");
            }
        }
        let table = Table {
            baseline_cpu_best: baseline.cpu_best,
            quoted,
        };
        table.row("baseline: `Mutex<HashMap>` lookup", baseline);
        table
    }

    pub fn row(&self, name: &str, fig: &Figure) {
        self.row_quoting(name, fig, "");
    }

    /// A row with `quote` in the quoted column (if the table has one).
    pub fn row_quoting(&self, name: &str, fig: &Figure, quote: &str) {
        let last = match self.quoted {
            Some(_) => format!(" {quote} |"),
            None => String::new(),
        };
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} |{last}",
            fig.cpu_best,
            fig.cpu_median,
            fig.wall_best,
            fig.wall_median,
            fig.cpu_best / self.baseline_cpu_best
        )
    }
}

/// A timing bench's `main` after its own modes: criterion first (unless
/// `EVENTORDER_BENCH_SUMMARY_ONLY` is set), then the summary table.
///
/// The table is printed for a full `cargo bench` run (which passes `--bench`), not
/// for `cargo bench -- <filter>`, nor under `cargo test --benches` (no `--bench`:
/// criterion then only checks that each benchmark runs); with
/// `EVENTORDER_BENCH_SUMMARY_ONLY` it is the only thing printed.
pub fn run(criterion_benches: impl FnOnce(&mut Criterion), summary: impl FnOnce()) {
    let summary_only = std::env::var_os("EVENTORDER_BENCH_SUMMARY_ONLY").is_some();
    if !summary_only {
        let mut c = Criterion::default().configure_from_args();
        criterion_benches(&mut c);
        c.final_summary();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filtered = args.iter().any(|a| !a.starts_with('-'));
    let benching = args.iter().any(|a| a == "--bench");
    if summary_only || (benching && !filtered) {
        summary();
    }
}
