//! A router simulation on the real barrier. Run with
//! `cargo run --release -p eventorder-router -- --help`.
//!
//! Modules: `cli` (options), `store` (the job store), `db` (the job store's
//! database, with `--db`), `pickup` (the pickup loop), `worker` (workers and fake
//! destinations), `commit` (the commit loop), `verdict` (the order check),
//! `report` (the final report), `ops` (the workers' side of the barrier),
//! `shared`.

mod cli;
mod commit;
mod db;
mod ops;
mod pickup;
mod report;
mod shared;
mod store;
mod verdict;
mod worker;

use std::{
    collections::HashSet,
    process::ExitCode,
    sync::{atomic::Ordering::Relaxed, mpsc, Arc, Mutex},
    thread,
    time::{Duration, Instant},
};

use clap::Parser;
use eventorder::{Barrier, BarrierKey, IllegalSequence, JobId, PickupHandle, SystemClock};
use eventorder_router::rng::{KeySampler, Rng};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{
    cli::Args,
    commit::CommitLoop,
    db::{Db, Meta, OpenError, Opened},
    ops::{Key, WorkerOps, Workers},
    pickup::{Pickup, PickupConfig},
    report::{Illegal, Run},
    shared::Shared,
    store::{Durable, Store},
    worker::{Destination, DestinationConfig, Worker},
};

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(e) = args.check() {
        eprintln!("error: {e}");
        return ExitCode::from(64);
    }
    let keys: Vec<BarrierKey> = (0..args.keys)
        .map(|i| {
            BarrierKey::new(
                &format!("ws-{}", i % 16),
                &format!("dest-{}", i % args.destinations),
                &format!("user-{i}"),
            )
        })
        .collect();
    let loops = 1;
    let loop_of_key: Vec<u8> = vec![0; args.keys];
    let toggled: HashSet<BarrierKey> = keys[..args.toggle_keys].iter().cloned().collect();
    let shared = Shared::new(keys, args.key_threshold > 0 || !toggled.is_empty());
    let mut restart = None;
    let store = match &args.db {
        None => Store::new(job_keys(&args), loop_of_key, loops, args.retry_backoff),
        Some(path) => {
            // The store's time 0, as a wall-clock time (retry times are persisted
            // as wall-clock times, to mean the same after a restart).
            let wall_start_ms = db::wall_ms();
            let meta = Meta {
                keys: args.keys,
                destinations: args.destinations,
                jobs: args.jobs,
                seed: args.seed,
            };
            let opened = match db::open(path, meta, || job_keys(&args), wall_start_ms) {
                Ok(opened) => opened,
                Err(OpenError::Locked(e)) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(db::LOCKED_EXIT);
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(66);
                }
            };
            let Opened { db, rows, .. } = opened;
            let db = Arc::new(db);
            let durable = Durable {
                db: Arc::clone(&db),
                wall_start_ms,
            };
            restart = Some(Restart {
                db,
                failed: opened.failed,
                exposed_keys: opened.exposed_keys,
                seeded: opened.seeded,
            });
            Store::with_jobs(rows, loop_of_key, loops, args.retry_backoff, Some(durable))
        }
    };

    let illegal = Arc::new(Illegal::default());
    let observer = Arc::clone(&illegal);
    let mut builder = Barrier::<BarrierKey>::builder()
        .drain_limit(args.drain_limit)
        .key_threshold(args.key_threshold)
        .disabled_for(Duration::from_millis(args.disabled_for))
        .half_enabled_for(Duration::from_millis(args.half_enabled_for))
        // The production policy, unless --count-illegal.
        .panic_on_illegal_sequence(!args.count_illegal)
        .on_illegal_sequence(move |e: &IllegalSequence<BarrierKey>| observer.record(e));
    if !toggled.is_empty() {
        // --toggle-keys: on for the toggled keys in every other period.
        let every = u128::from(args.toggle_every);
        let start = shared.start;
        builder = builder.ordering_disabled(move |key: &BarrierKey| {
            (start.elapsed().as_millis() / every) % 2 == 1 && toggled.contains(key)
        });
    }
    let (pickup, workers) = builder.build().split();
    if let Err(code) = start_up(&args, &shared, restart, &pickup) {
        return code;
    }
    let run = simulate(&args, &shared, &store, pickup, workers);
    report::print(&args, &shared, &store, &run, &illegal)
}

/// The key of each job (job `i + 1` at index `i`), from `--seed`.
fn job_keys(args: &Args) -> Vec<u32> {
    let mut rng = Rng::new(args.seed, 0);
    let sampler = KeySampler::new(args.keys, args.skew);
    (0..args.jobs).map(|_| sampler.sample(&mut rng)).collect()
}

/// What a start on a database (`--db`) needs before the pickup loop starts.
struct Restart {
    db: Arc<Db>,
    /// Jobs whose persisted status is `failed`: (key, job), ascending job id.
    failed: Vec<(u32, i64)>,
    exposed_keys: usize,
    seeded: bool,
}

/// With `--db`, before the pickup loop's first round: the warm start (unless
/// `--skip-warm-start`), then this start's record in the database.
fn start_up(
    args: &Args,
    shared: &Shared,
    restart: Option<Restart>,
    pickup: &PickupHandle<Key, SystemClock>,
) -> Result<(), ExitCode> {
    let Some(Restart {
        db,
        ref failed,
        exposed_keys,
        seeded,
    }) = restart
    else {
        return Ok(());
    };
    let warm_started = if args.skip_warm_start {
        None
    } else {
        match warm_start(pickup, shared, failed) {
            Ok(keys) => Some(keys),
            Err(e) => {
                eprintln!("error: warm start: {e}");
                return Err(ExitCode::from(70));
            }
        }
    };
    let start = db.record_start(exposed_keys, warm_started).map_err(|e| {
        eprintln!("error: cannot record the start in the database: {e}");
        ExitCode::from(74)
    })?;
    let warm = match warm_started {
        Some(keys) => format!(
            "warm start: {} failed jobs reported, {keys} keys blocked",
            failed.len()
        ),
        None => "warm start SKIPPED".to_string(),
    };
    println!(
        "start {} on {}{}: {} jobs not terminal ({} failed, {} delivered but not terminal, \
         {exposed_keys} keys with a failed job in backoff and later jobs); {warm}",
        start.number,
        args.db
            .as_deref()
            .unwrap_or(std::path::Path::new("?"))
            .display(),
        if seeded { " (seeded)" } else { "" },
        start.non_terminal,
        start.failed,
        start.delivered_not_terminal,
    );
    Ok(())
}

/// The warm start (SPEC.md section 1; R-RESTART, v3): before the first round,
/// every job persisted as `failed` is reported to the new barrier as `failed`
/// (`recover`), even while it waits out its backoff. Each key is then blocked by
/// its oldest failed job, and an older job that is not failed (a leftover of a
/// period with ordering off) still goes first (R-ENTER-FAILED). (v2 reported
/// only a key's oldest non-terminal job, and only if it was failed: with older
/// jobs first that forgets a failed job behind an older leftover.) Returns how
/// many keys hold a failed job.
fn warm_start(
    pickup: &PickupHandle<Key, SystemClock>,
    shared: &Shared,
    failed: &[(u32, i64)],
) -> eventorder::Result<usize> {
    pickup.recover(
        failed
            .iter()
            .map(|&(key, job)| (shared.keys[key as usize].clone(), JobId(job))),
    )
}

/// Runs the pipeline to the end (or the timeout) and collects the logs.
fn simulate(
    args: &Args,
    shared: &Shared,
    store: &Store,
    pickup: PickupHandle<Key, SystemClock>,
    ops: Workers,
) -> Run {
    let started = Instant::now();
    let (commit_tx, commit_rx) = mpsc::channel();
    let (worker_txs, worker_rxs): (Vec<_>, Vec<_>) = (0..args.workers)
        .map(|_| mpsc::sync_channel(args.worker_queue))
        .unzip();
    let down = (args.down_for > 0).then(|| {
        let from = args.down_at * 1_000_000;
        (from, from + args.down_for * 1_000_000)
    });
    let destinations = DestinationConfig {
        destinations: args.destinations,
        failure_rate: args.failure_rate,
        filter_rate: args.filter_rate,
        abort_rate: args.abort_rate,
        down,
        latency: Duration::from_micros(args.send_latency),
    };
    let timed_out = Mutex::new(false);
    let (deliveries, commits) = thread::scope(|s| {
        let committer = s.spawn({
            let commit = CommitLoop {
                ops: ops.clone(),
                shared,
                store,
                statuses: commit_rx,
                batch: args.commit_batch,
                latency: Duration::from_micros(args.commit_latency),
            };
            move || commit.run()
        });
        let workers: Vec<_> = worker_rxs
            .into_iter()
            .map(|queue| {
                let worker = Worker {
                    ops: ops.clone(),
                    shared,
                    queue,
                    commits: commit_tx.clone(),
                    destination: Destination::new(
                        destinations.clone(),
                        args.seed,
                        store.db().cloned(),
                    ),
                };
                s.spawn(move || worker.run())
            })
            .collect();
        let pickup = s.spawn({
            let pickup = Pickup {
                id: 0,
                barrier: pickup,
                shared,
                store,
                workers: worker_txs.clone(),
                config: PickupConfig {
                    batch_size: args.batch_size,
                    max_attempts: args.max_attempts,
                    half_enabled_for: Duration::from_millis(args.half_enabled_for),
                    query_latency: Duration::from_micros(args.query_latency),
                    pickup_cost: Duration::from_micros(args.pickup_cost),
                    modes: shared.modes,
                },
            };
            move || pickup.run()
        });
        drop(worker_txs);
        drop(commit_tx);
        progress(args, shared, store, started, &pickup, &timed_out);
        let mut handle = pickup.join().expect("pickup loop panicked");
        let deliveries: Vec<_> = workers
            .into_iter()
            .map(|w| w.join().expect("worker panicked"))
            .collect();
        let commits = committer.join().expect("commit loop panicked");
        // The pickup loop's next round would start with this: apply what the
        // last reports queued, so that the final snapshot shows what is left.
        handle.sync();
        (deliveries, commits)
    });
    Run {
        elapsed: started.elapsed(),
        deliveries,
        commits,
        timed_out: timed_out.into_inner().unwrap(),
        stats: ops.stats(),
        left: ops.snapshot(),
        dump: ops.describe(),
    }
}

/// Waits for the pickup loop, with a progress bar once the run is past a second,
/// and stops it at the timeout.
fn progress<T>(
    args: &Args,
    shared: &Shared,
    store: &Store,
    started: Instant,
    pickup: &thread::ScopedJoinHandle<'_, T>,
    timed_out: &Mutex<bool>,
) {
    // Drawn only once the run is past a second; counting from the start, so that
    // the rate and the elapsed time are right when it appears.
    let bar =
        ProgressBar::with_draw_target(Some(store.total() as u64), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} jobs {msg}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let mut shown = false;
    while !pickup.is_finished() {
        thread::sleep(Duration::from_millis(50));
        let elapsed = started.elapsed();
        if elapsed > Duration::from_secs(args.timeout) && !shared.stop.load(Relaxed) {
            shared.stop.store(true, Relaxed);
            *timed_out.lock().unwrap() = true;
        }
        if !shown && !args.quiet && elapsed >= Duration::from_secs(1) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            shown = true;
        }
        let c = &shared.counters;
        let done = store.done() as u64;
        bar.set_position(done);
        bar.set_message(format!(
            "({:.0}/s) retries {} waits {} drains {}",
            done as f64 / elapsed.as_secs_f64(),
            c.failures.load(Relaxed),
            c.waits.load(Relaxed),
            c.drained.load(Relaxed)
        ));
    }
    bar.set_position(store.done() as u64);
    if shown {
        bar.finish();
        eprintln!();
    }
}
