//! Runs the router on a database again and again, SIGKILLing it at random
//! moments and restarting it, then audits each database: nothing lost, every
//! key's first deliveries in job-id order, duplicates within what the kills
//! explain. `cargo run --release -p eventorder-router --bin kill-run -- --help`.
//!
//! Exit status: 0 if every run passed the audit, 1 if any did not (with
//! `--skip-warm-start` that is the expected demonstration), 2 on an error.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use clap::Parser;
use eventorder_router::kill::{self, Config, Workload};

/// SIGKILLs the router (`eventorder-router --db`) at random moments and restarts
/// it on the same database until it finishes, for several runs; prints per run
/// and in total the kills, jobs, duplicate deliveries (and their bound) and the
/// order verdict of the first deliveries.
#[derive(Parser, Debug)]
#[command(name = "kill-run", version, about, long_about)]
struct Args {
    /// Runs, each on a fresh database, with seeds --seed, --seed + 1, ...
    #[arg(long, default_value_t = 20)]
    runs: u64,
    /// The first run's seed (jobs, destination outcomes, kill moments).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Kills per run (fewer if the router finishes first).
    #[arg(long, default_value_t = 8)]
    kills: u32,
    /// Shortest time from a start to its kill, in ms.
    #[arg(long, default_value_t = 100)]
    min_interval: u64,
    /// Longest time from a start to its kill, in ms.
    #[arg(long, default_value_t = 400)]
    max_interval: u64,
    /// Restart without the warm start (the router's --skip-warm-start): order can
    /// break.
    #[arg(long)]
    skip_warm_start: bool,
    /// The router's --keys.
    #[arg(long, default_value_t = Workload::default().keys)]
    keys: usize,
    /// The router's --jobs.
    #[arg(long, default_value_t = Workload::default().jobs)]
    jobs: usize,
    /// The router's --failure-rate.
    #[arg(long, default_value_t = Workload::default().failure_rate)]
    failure_rate: f64,
    /// The router's --retry-backoff (ms, doubled per failure).
    #[arg(long, default_value_t = Workload::default().retry_backoff_ms)]
    retry_backoff: u64,
    /// The router's --max-attempts.
    #[arg(long, default_value_t = Workload::default().max_attempts)]
    max_attempts: u32,
    /// The router's --send-latency (µs).
    #[arg(long, default_value_t = Workload::default().send_latency_us)]
    send_latency: u64,
    /// The router's --workers.
    #[arg(long, default_value_t = Workload::default().workers)]
    workers: usize,
    /// Give up on a run after this many seconds.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Keep each run's directory (database, the router's output per start).
    #[arg(long)]
    keep: bool,
    /// The router executable (default: eventorder-router next to this one).
    #[arg(long)]
    router: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.min_interval > args.max_interval || args.runs == 0 {
        eprintln!("error: --min-interval must be <= --max-interval, and --runs positive");
        return ExitCode::from(2);
    }
    let router = match args.router.clone().map_or_else(kill::sibling_router, Ok) {
        Ok(router) => router,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let config = Config {
        workload: Workload {
            keys: args.keys,
            jobs: args.jobs,
            failure_rate: args.failure_rate,
            retry_backoff_ms: args.retry_backoff,
            max_attempts: args.max_attempts,
            send_latency_us: args.send_latency,
            workers: args.workers,
        },
        kills: args.kills,
        interval_ms: (args.min_interval, args.max_interval),
        skip_warm_start: args.skip_warm_start,
        timeout: Duration::from_secs(args.timeout),
        keep: args.keep,
    };
    println!(
        "kill-run: {} runs of {} jobs on {} keys, {} kills each {}-{} ms after a start, \
         failure rate {}, backoff {} ms, warm start {}",
        args.runs,
        args.jobs,
        args.keys,
        args.kills,
        args.min_interval,
        args.max_interval,
        args.failure_rate,
        args.retry_backoff,
        if args.skip_warm_start {
            "SKIPPED"
        } else {
            "on"
        }
    );
    let (mut kills, mut jobs, mut deliveries, mut duplicates, mut bound, mut exposed) =
        (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    let (mut broken, mut incomplete, mut over_bound) = (0u64, 0u64, 0u64);
    for seed in args.seed..args.seed + args.runs {
        let report = match kill::run(&router, &config, seed) {
            Ok(report) => report,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        println!("  {report}");
        if let Some(dir) = &report.kept {
            println!("    kept in {}", dir.display());
        }
        let a = &report.audit;
        kills += u64::from(report.kills);
        jobs += a.jobs;
        deliveries += a.deliveries;
        duplicates += a.duplicates;
        bound += a.duplicate_bound;
        exposed += a.exposed_keys;
        broken += u64::from(a.broken.is_some());
        incomplete += u64::from(!a.complete());
        over_bound += u64::from(a.duplicates > a.duplicate_bound);
    }
    println!(
        "total: {} runs, {kills} kills, {jobs} jobs, {deliveries} deliveries, {duplicates} \
         duplicates (bound {bound}), {exposed} keys exposed at kills",
        args.runs
    );
    println!(
        "  broken order in {broken} of {} runs; jobs lost in {incomplete} runs; duplicates over \
         the bound in {over_bound} runs",
        args.runs
    );
    if broken + incomplete + over_bound == 0 {
        println!("VERDICT: every run passed (nothing lost, first deliveries in order)");
        ExitCode::SUCCESS
    } else {
        println!(
            "VERDICT: {} runs failed the audit",
            broken.max(incomplete).max(over_bound)
        );
        ExitCode::from(1)
    }
}
