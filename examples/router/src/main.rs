//! A router simulation on the real barrier. Run with
//! `cargo run --release --example router -- --help`.
//!
//! Modules: `cli` (options), `store` (the job store), `pickup` (the pickup loop),
//! `worker` (workers and fake destinations), `commit` (the commit loop),
//! `verdict` (the order check), `report` (the final report), `ops` (the barrier
//! behind split handles or a shared `Arc`), `shared`, `rng`.

mod cli;
mod commit;
mod ops;
mod pickup;
mod report;
mod rng;
mod shared;
mod store;
mod verdict;
mod worker;

use std::{
    process::ExitCode,
    sync::{atomic::Ordering::Relaxed, mpsc, Arc, Mutex},
    thread,
    time::{Duration, Instant},
};

use clap::Parser;
use eventorder::{Barrier, BarrierKey, IllegalSequence};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{
    cli::Args,
    commit::CommitLoop,
    ops::{PickupOps, SharedBarrier, WorkerOps},
    pickup::{Pickup, PickupConfig},
    report::{Illegal, Run},
    rng::{KeySampler, Rng},
    shared::Shared,
    store::Store,
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
    let mut rng = Rng::new(args.seed, 0);
    let sampler = KeySampler::new(args.keys, args.skew);
    let job_keys: Vec<u32> = (0..args.jobs).map(|_| sampler.sample(&mut rng)).collect();
    let loops = args.pickup_loops();
    let loop_of_key: Vec<u8> = (0..args.keys)
        .map(|k| (k * loops / args.keys) as u8)
        .collect();
    let store = Store::new(job_keys, loop_of_key, loops, args.retry_backoff);
    let shared = Shared::new(keys, args.key_threshold);

    let illegal = Arc::new(Illegal::default());
    let observer = Arc::clone(&illegal);
    let barrier = Barrier::<BarrierKey>::builder()
        .drain_limit(args.drain_limit)
        .key_threshold(args.key_threshold)
        .disabled_for(Duration::from_millis(args.disabled_for))
        .half_enabled_for(Duration::from_millis(args.half_enabled_for))
        .panic_on_illegal_sequence(false)
        .on_illegal_sequence(move |e: &IllegalSequence<BarrierKey>| observer.record(e))
        .build();

    let run = if args.two_pickup_loops {
        // The misuse: one barrier, shared, two `sync` callers.
        let shared_barrier: SharedBarrier = Arc::new(barrier);
        let pickups = vec![Arc::clone(&shared_barrier), Arc::clone(&shared_barrier)];
        simulate(&args, &shared, &store, pickups, shared_barrier)
    } else {
        let (pickup, workers) = barrier.split();
        simulate(&args, &shared, &store, vec![pickup], workers)
    };
    report::print(&args, &shared, &store, &run, &illegal)
}

/// Runs the pipeline to the end (or the timeout) and collects the logs.
fn simulate<P: PickupOps, W: WorkerOps>(
    args: &Args,
    shared: &Shared,
    store: &Store,
    pickups: Vec<P>,
    ops: W,
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
            .enumerate()
            .map(|(i, queue)| {
                let worker = Worker {
                    ops: ops.clone(),
                    shared,
                    queue,
                    commits: commit_tx.clone(),
                    destination: Destination::new(destinations.clone(), args.seed, i),
                };
                s.spawn(move || worker.run())
            })
            .collect();
        let pickups: Vec<_> = pickups
            .into_iter()
            .enumerate()
            .map(|(id, barrier)| {
                let pickup = Pickup {
                    id,
                    barrier,
                    ops: ops.clone(),
                    shared,
                    store,
                    workers: worker_txs.clone(),
                    config: PickupConfig {
                        batch_size: args.batch_size,
                        max_attempts: args.max_attempts,
                        half_enabled_for: Duration::from_millis(args.half_enabled_for),
                        query_latency: Duration::from_micros(args.query_latency),
                        pickup_cost: Duration::from_micros(args.pickup_cost),
                        skip_on_any_refusal: args.skip_on_any_refusal,
                    },
                };
                s.spawn(move || pickup.run())
            })
            .collect();
        drop(worker_txs);
        drop(commit_tx);
        progress(args, shared, store, started, &pickups, &timed_out);
        let handles: Vec<P> = pickups
            .into_iter()
            .map(|p| p.join().expect("pickup loop panicked"))
            .collect();
        let deliveries: Vec<_> = workers
            .into_iter()
            .map(|w| w.join().expect("worker panicked"))
            .collect();
        let commits = committer.join().expect("commit loop panicked");
        // The pickup loop's next iteration would start with this: apply what the
        // last reports queued, so that the final snapshot shows what is left.
        handles[0].sync();
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

/// Waits for the pickup loops, with a progress bar once the run is past a second,
/// and stops them at the timeout.
fn progress<T>(
    args: &Args,
    shared: &Shared,
    store: &Store,
    started: Instant,
    pickups: &[thread::ScopedJoinHandle<'_, T>],
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
    while !pickups.iter().all(|p| p.is_finished()) {
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
