//! Command-line options.

use clap::Parser;

/// A router simulation on the real `eventorder` barrier: a job store, a pickup
/// loop (each iteration a round: `PickupHandle::round`, then a batch of pending
/// jobs in job-id order offered to the round), N workers sending to fake
/// destinations (`wait` before each send), and a commit loop persisting and
/// reporting statuses (`report_all`). At the end it checks, against the delivery
/// and commit logs, that every key's jobs were delivered and committed in job-id
/// order while ordering was on for the key.
///
/// The defaults are a short production day: the production settings
/// (`drain_limit` 1, `key_threshold` 200, panic on an illegal sequence), skewed
/// keys that go hot, 2% failed sends with retries, and destination 0 down for
/// 300 ms.
///
/// Exit status: 0 if order held, 1 if any order violation was observed, 2 if the
/// run did not finish within --timeout; 64 for bad options, 66 if the database
/// cannot be opened or does not fit the options, 74 if writing to it failed
/// during the run, 75 if another router process holds the database (--db: one
/// router process at a time, SPEC R-RESTART).
#[derive(Parser, Debug, Clone)]
#[command(name = "eventorder-router", version, about, long_about)]
pub struct Args {
    /// Number of ordering keys (workspace:destination:user triples).
    #[arg(long, default_value_t = 1000)]
    pub keys: usize,
    /// Number of jobs in the job store (ids 1..=jobs).
    #[arg(long, default_value_t = 50_000)]
    pub jobs: usize,
    /// Worker threads; keys are partitioned across them (key index mod workers).
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// Capacity of each worker's queue. When it is full the pickup loop undoes
    /// the job's admission (`Round::undo`), which skips the key for the rest of
    /// the round.
    #[arg(long, default_value_t = 1000)]
    pub worker_queue: usize,
    /// Number of destinations; key i sends to destination i mod destinations.
    #[arg(long, default_value_t = 10)]
    pub destinations: usize,
    /// Key popularity skew: 0 = uniform, 1 = Zipf-like (a few keys get most jobs;
    /// with a key threshold that is what makes keys go hot).
    #[arg(long, default_value_t = 1.0)]
    pub skew: f64,
    /// Pending jobs the pickup loop reads per iteration.
    #[arg(long, default_value_t = 1000)]
    pub batch_size: usize,
    /// Statuses the commit loop persists per transaction (at most).
    #[arg(long, default_value_t = 100)]
    pub commit_batch: usize,
    /// Latency of one commit transaction (persisting up to --commit-batch
    /// statuses), in µs.
    #[arg(long, default_value_t = 0)]
    pub commit_latency: u64,
    /// Barrier drain_limit (production value 1; 0 = no drain window).
    #[arg(long, default_value_t = 1)]
    pub drain_limit: usize,
    /// Barrier key_threshold (production value 200; 0 = keys never go hot).
    #[arg(long, default_value_t = 200)]
    pub key_threshold: usize,
    /// Barrier disabled_for, in ms (production: 20 min; scaled down here so that
    /// hot keys come back within a run).
    #[arg(long, default_value_t = 1000)]
    pub disabled_for: u64,
    /// Barrier half_enabled_for, in ms (production: 10 min).
    #[arg(long, default_value_t = 500)]
    pub half_enabled_for: u64,
    /// Probability that a send fails retryably.
    #[arg(long, default_value_t = 0.02)]
    pub failure_rate: f64,
    /// Probability that a send is filtered (terminal).
    #[arg(long, default_value_t = 0.0)]
    pub filter_rate: f64,
    /// Probability that a send is aborted by the destination (terminal).
    #[arg(long, default_value_t = 0.0)]
    pub abort_rate: f64,
    /// Sends a job may fail; a job that failed this many times is drained when
    /// next picked up: not offered, handed to its worker, which aborts it
    /// without sending (`aborted` through the commit loop).
    #[arg(long, default_value_t = 3)]
    pub max_attempts: u32,
    /// Base retry backoff in ms (doubles per failure, capped at 64x).
    #[arg(long, default_value_t = 20)]
    pub retry_backoff: u64,
    /// Destination 0 is down (every send fails) for this many ms ...
    #[arg(long, default_value_t = 300)]
    pub down_for: u64,
    /// ... starting this many ms into the run.
    #[arg(long, default_value_t = 500)]
    pub down_at: u64,
    /// Time a send takes, in µs (0 = instant; a thread sleep, so expect some
    /// tens of µs more).
    #[arg(long, default_value_t = 50)]
    pub send_latency: u64,
    /// Latency of the pickup loop's pending-jobs query, in µs: the batch is what
    /// was pending when the query started, and the loop gets it this much later
    /// (as from a database), before it offers the batch to the round.
    #[arg(long, default_value_t = 5000)]
    pub query_latency: u64,
    /// Time the pickup loop spends per job of a batch, in µs (0 = none), e.g. to
    /// stand in for marking jobs as executing in a database.
    #[arg(long, default_value_t = 0)]
    pub pickup_cost: u64,
    /// Seed for key assignment and destination outcomes (threads still
    /// interleave differently from run to run).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Switch the caller predicate `ordering_disabled` on for the N most popular
    /// keys (key indices 0..N; with --skew those get most of the jobs) during
    /// every other --toggle-every period: off for the first period, on for the
    /// second, off for the third, and so on. While it holds, the barrier resets
    /// the key to `Disabled` at its next offer (R-MODE); after it stops, the key
    /// comes back through `HalfEnabled` on the --disabled-for and
    /// --half-enabled-for timers. 0 = no predicate.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub toggle_keys: usize,
    /// The period of --toggle-keys, in ms.
    #[arg(long, default_value_t = 250, value_name = "MS")]
    pub toggle_every: u64,
    /// Count illegal sequences (the barrier's observer) instead of panicking on
    /// them. The default is the production policy, `panic_on_illegal_sequence`:
    /// SPEC v3 reports no illegal sequence (R-ILLEGAL), so a router that keeps
    /// the contract never panics.
    #[arg(long)]
    pub count_illegal: bool,
    /// Keep the jobs, their statuses and the destinations' delivery log in this
    /// SQLite file, so that the router can be killed and restarted on it. An
    /// empty or new file is seeded with the jobs (--jobs, --seed, ...); an existing
    /// one is carried on: nothing is re-seeded, every non-terminal job is pending
    /// again (a failed one after its retry backoff), and the persisted failed jobs
    /// are reported to the barrier before the first round (the warm start,
    /// `Barrier::recover`: every job persisted as `failed`, SPEC R-RESTART).
    /// Restart with the same --keys and --destinations. Only one router process
    /// may use the file at a time: a second one exits at once with status 75.
    /// Without it the store is in memory.
    #[arg(long, value_name = "PATH")]
    pub db: Option<std::path::PathBuf>,
    /// UNSAFE USAGE, for demonstration (with --db): skip the warm start after a
    /// restart. A key whose failed job is in its backoff then has its later jobs
    /// admitted and delivered first.
    #[arg(long)]
    pub skip_warm_start: bool,
    /// Give up after this many seconds (exit status 2) and show the stuck keys.
    /// (Long enough for slow workloads: a high failure rate with a long backoff
    /// blocks the busiest keys one failed job after another.)
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

impl Args {
    /// Checks the options that clap cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.keys == 0 || self.jobs == 0 || self.workers == 0 || self.destinations == 0 {
            return Err("--keys, --jobs, --workers and --destinations must be positive".into());
        }
        if self.batch_size == 0 || self.commit_batch == 0 || self.worker_queue == 0 {
            return Err("--batch-size, --commit-batch and --worker-queue must be positive".into());
        }
        if self.max_attempts == 0 {
            return Err("--max-attempts must be at least 1".into());
        }
        let rates = [self.failure_rate, self.filter_rate, self.abort_rate];
        if rates.iter().any(|r| !(0.0..=1.0).contains(r)) || rates.iter().sum::<f64>() > 1.0 {
            return Err("rates must be in [0, 1] and sum to at most 1".into());
        }
        if self.toggle_keys > self.keys {
            return Err("--toggle-keys must be at most --keys".into());
        }
        if self.toggle_keys > 0 && self.toggle_every == 0 {
            return Err("--toggle-every must be positive".into());
        }
        if self.skip_warm_start && self.db.is_none() {
            return Err("--skip-warm-start needs --db (only a restart has a warm start)".into());
        }
        if self.keys > u32::MAX as usize {
            return Err("--keys is too large".into());
        }
        if self.skew.is_nan() || self.skew < 0.0 {
            return Err("--skew must be >= 0".into());
        }
        Ok(())
    }
}
