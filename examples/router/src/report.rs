//! The final report and the verdict.

use std::{
    process::ExitCode,
    sync::{
        atomic::{AtomicU64, Ordering::Relaxed},
        Mutex,
    },
    time::Duration,
};

use eventorder::{BarrierKey, IllegalSequence, KeyMode, Snapshot, Stats};

use crate::{cli::Args, shared::Shared, store::Store, verdict};

/// The illegal-sequence observer: counts reports and keeps the first few (with
/// `--count-illegal`; under the default panic policy the first one panics).
#[derive(Default)]
pub struct Illegal {
    pub count: AtomicU64,
    pub examples: Mutex<Vec<String>>,
}

impl Illegal {
    pub fn record(&self, event: &IllegalSequence<BarrierKey>) {
        self.count.fetch_add(1, Relaxed);
        let mut examples = self.examples.lock().unwrap();
        if examples.len() < 3 {
            examples.push(format!(
                "at {}: key {} job {} is older than its failed job {}",
                event.location, event.key, event.job, event.failed
            ));
        }
    }
}

/// What a run produced.
pub struct Run {
    pub elapsed: Duration,
    pub deliveries: Vec<Vec<verdict::Entry>>,
    pub commits: Vec<verdict::Entry>,
    pub timed_out: bool,
    pub stats: Stats,
    /// The barrier at the end.
    pub left: Snapshot<BarrierKey>,
    pub dump: String,
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// Prints the report and returns the exit status (see `--help`).
pub fn print(
    args: &Args,
    shared: &Shared,
    store: &Store,
    run: &Run,
    illegal: &Illegal,
) -> ExitCode {
    let c = &shared.counters;
    let n = |a: &AtomicU64| a.load(Relaxed);
    let secs = run.elapsed.as_secs_f64();
    println!(
        "router simulation: {} jobs, {} keys (skew {}), {} workers, one pickup loop in rounds, \
         seed {}",
        args.jobs, args.keys, args.skew, args.workers, args.seed
    );
    println!(
        "  barrier: drain_limit {}, key_threshold {}, disabled_for {} ms, half_enabled_for {} ms, \
         {} on an illegal sequence",
        args.drain_limit,
        args.key_threshold,
        args.disabled_for,
        args.half_enabled_for,
        if args.count_illegal { "count" } else { "panic" }
    );
    if args.toggle_keys > 0 {
        println!(
            "  ordering_disabled: on for the {} most popular keys in every other {} ms period",
            args.toggle_keys, args.toggle_every
        );
    }
    let down = if args.down_for > 0 {
        format!(
            "dest-0 down for {} ms from {} ms",
            args.down_for, args.down_at
        )
    } else {
        "no destination down".to_string()
    };
    println!(
        "  destinations: failure {:.1}%, filter {:.1}%, abort {:.1}%, {down}; max attempts {}",
        100.0 * args.failure_rate,
        100.0 * args.filter_rate,
        100.0 * args.abort_rate,
        args.max_attempts
    );
    println!(
        "  latencies: send {} µs, pending-jobs query {} µs, commit {} µs, pickup per job {} µs; \
         batch {}, worker queue {}",
        args.send_latency,
        args.query_latency,
        args.commit_latency,
        args.pickup_cost,
        args.batch_size,
        args.worker_queue
    );
    println!();
    println!(
        "finished {} of {} jobs in {secs:.2} s: {:.0} jobs/s",
        store.done(),
        store.total(),
        (store.done() - store.done_at_start()) as f64 / secs.max(1e-9)
    );
    println!(
        "  delivered {}, filtered {}, aborted by destination {}, drained {}",
        n(&c.delivered),
        n(&c.filtered),
        n(&c.aborted),
        n(&c.drained)
    );
    println!(
        "  retries (failed sends, back to pending): {}",
        n(&c.failures)
    );
    println!("  waits (worker told to wait): {}", n(&c.waits));
    println!(
        "  rounds: {}; offers: {} admitted ({} failed jobs retried, {} jobs older than their \
         key's failed job let go first), {} refused behind a failed job, {} refused by a full \
         drain window, {} skipped by the round after a refusal or undo",
        n(&c.batches),
        n(&c.admitted),
        n(&c.failed_retried),
        n(&c.older_first),
        n(&c.refused_failed),
        n(&c.refused_drain),
        n(&c.skipped)
    );
    println!(
        "  worker queue full: {} (admissions undone with Round::undo: {})",
        n(&c.queue_full),
        n(&c.undone)
    );
    println!(
        "  drains: {} jobs drained (past their retry limit), {} drain windows opened",
        n(&c.drained),
        run.stats.drains_opened
    );
    println!(
        "  keys with ordering switched off (hot, or by the predicate): {} (the barrier counted \
         {} times a key went hot, {} times a key came fully back on)",
        n(&c.hot_keys),
        run.stats.keys_gone_hot,
        run.stats.keys_re_enabled
    );
    let blocked = Duration::from_nanos(n(&c.max_blocked_ns));
    if blocked.is_zero() {
        println!("  longest time a key was blocked: none was");
    } else {
        let key = &shared.keys[n(&c.max_blocked_key) as usize];
        println!(
            "  longest time a key was blocked: {:.1} ms (key {key})",
            blocked.as_secs_f64() * 1e3
        );
    }
    let s = &run.stats;
    println!(
        "  illegal sequences: {} (enter {}, wait {}, job_failed {}; observer saw {})",
        s.illegal_sequences(),
        s.illegal_enter,
        s.illegal_wait,
        s.illegal_job_failed,
        n(&illegal.count)
    );
    for e in illegal.examples.lock().unwrap().iter() {
        println!("    {e}");
    }
    let records = &run.left.records;
    let drains = records.iter().filter(|r| r.drain.is_some()).count();
    let failed = records.iter().filter(|r| r.failed.is_some()).count();
    let off = records
        .iter()
        .filter(|r| r.mode != KeyMode::Enabled)
        .count();
    println!(
        "  barrier records left at the end: {} ({drains} empty drain windows, {off} keys not fully \
         ordered yet, {failed} blocked; see SPEC G-GC)",
        records.len()
    );

    if let Some(db) = store.db() {
        match db.deliveries() {
            Ok((logged, repeated)) => println!(
                "  database: start {}; {} jobs were terminal at this start; {logged} deliveries \
                 logged over all starts, {repeated} of them repeats",
                db.start(),
                store.done_at_start()
            ),
            Err(e) => println!("  database: cannot count the deliveries: {e}"),
        }
    }
    let keys = args.keys;
    let delivery = verdict::check(run.deliveries.iter().map(Vec::as_slice), keys);
    let commit = verdict::check([run.commits.as_slice()], keys);
    println!();
    println!("order check (against the delivery log and the commit log):");
    for (what, check) in [("delivery", &delivery), ("commit", &commit)] {
        println!(
            "  {what} order: {} checked, {} out of order ({:.3}%), on {} of {keys} keys",
            check.checked,
            check.violations,
            pct(check.violations, check.checked),
            check.keys
        );
        for &(key, job, later) in &check.examples {
            let key = &shared.keys[key as usize];
            println!("    key {key}: job {job} after job {later}");
        }
    }
    if run.timed_out {
        println!();
        println!(
            "TIMEOUT after {} s: {} jobs never reached a terminal state. Barrier:",
            args.timeout,
            store.total() - store.done()
        );
        for line in run.dump.lines().take(25) {
            println!("  {line}");
        }
    }
    let violated = delivery.violations + commit.violations > 0;
    println!();
    if violated {
        println!("VERDICT: ORDER VIOLATED");
        ExitCode::from(1)
    } else if run.timed_out {
        println!("VERDICT: order held so far, but the run did not finish");
        ExitCode::from(2)
    } else {
        println!("VERDICT: order held");
        ExitCode::SUCCESS
    }
}
