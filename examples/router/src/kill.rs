//! The kill driver: runs the router (`eventorder-router --db ...`) as a child
//! process on a fresh database, SIGKILLs it at random moments (`Child::kill`
//! sends SIGKILL on unix) and restarts it on the same database, until it exits
//! on its own; then audits the database ([`crate::audit`]).
//!
//! Used by the `kill-run` binary and by `tests/kill.rs`.

use std::{
    fmt, fs,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use crate::{
    audit::{self, Audit},
    rng::Rng,
};

/// The router's workload in a kill run. The defaults make keys spend most of
/// their time blocked on a failed job in a long backoff, so that a kill almost
/// always finds some key with a persisted failed job in backoff and later jobs
/// pending: the window in which a restart without the warm start breaks order.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Ordering keys (`--keys`).
    pub keys: usize,
    /// Jobs (`--jobs`).
    pub jobs: usize,
    /// Probability that a send fails retryably (`--failure-rate`).
    pub failure_rate: f64,
    /// Base retry backoff in ms, doubled per failure (`--retry-backoff`).
    pub retry_backoff_ms: u64,
    /// Sends a job may fail before it is drained (`--max-attempts`).
    pub max_attempts: u32,
    /// Time a send takes, in µs (`--send-latency`).
    pub send_latency_us: u64,
    /// Worker threads (`--workers`).
    pub workers: usize,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            keys: 50,
            jobs: 3000,
            failure_rate: 0.1,
            retry_backoff_ms: 300,
            max_attempts: 3,
            send_latency_us: 100,
            workers: 4,
        }
    }
}

impl Workload {
    /// The router's options for this workload: the production settings
    /// (`--key-threshold 200 --drain-limit 1`). With the default workload no key
    /// can go hot (uniform keys, 60 jobs a key on average, far from 200 in all),
    /// so ordering is on for every key all the time and every key's deliveries
    /// can be checked.
    pub fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        let mut opt = |name: &str, value: String| {
            args.push(format!("--{name}"));
            args.push(value);
        };
        opt("keys", self.keys.to_string());
        opt("jobs", self.jobs.to_string());
        opt("failure-rate", self.failure_rate.to_string());
        opt("retry-backoff", self.retry_backoff_ms.to_string());
        opt("max-attempts", self.max_attempts.to_string());
        opt("send-latency", self.send_latency_us.to_string());
        opt("workers", self.workers.to_string());
        opt("key-threshold", "200".to_string());
        opt("drain-limit", "1".to_string());
        // Not the router's default day: uniform keys (no key goes hot, so the
        // audit can check every key's first deliveries) and no outage.
        opt("skew", "0".to_string());
        opt("down-for", "0".to_string());
        args
    }
}

/// How a run kills the router.
#[derive(Clone, Debug)]
pub struct Config {
    /// The router's workload.
    pub workload: Workload,
    /// Kills per run; after the last one the router is left to finish. A router
    /// that finishes earlier ends the run with fewer kills.
    pub kills: u32,
    /// A kill comes this many ms (uniform in the range, seeded) after a start.
    pub interval_ms: (u64, u64),
    /// Pass `--skip-warm-start` to the router (the order can then break).
    pub skip_warm_start: bool,
    /// Give up on a run after this long.
    pub timeout: Duration,
    /// Keep the run's directory (database and the router's output per start).
    pub keep: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            workload: Workload::default(),
            kills: 8,
            interval_ms: (100, 400),
            skip_warm_start: false,
            timeout: Duration::from_secs(120),
            keep: false,
        }
    }
}

/// One run: its seed, the kills, how the router ended and the audit.
#[derive(Clone, Debug)]
pub struct RunReport {
    /// The run's seed (the router's `--seed`, and the kill moments').
    pub seed: u64,
    /// SIGKILLs sent.
    pub kills: u32,
    /// The router's exit code when it finished on its own (0: its own order
    /// check of its last start held; 1: it saw a violation).
    pub exit_code: i32,
    /// What the database says.
    pub audit: Audit,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
    /// The run's directory, if kept.
    pub kept: Option<PathBuf>,
}

impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed {}: {} kills, {} starts, {:.1} s; {}; {} keys exposed at kills",
            self.seed,
            self.kills,
            self.audit.starts,
            self.elapsed.as_secs_f64(),
            self.audit,
            self.audit.exposed_keys
        )?;
        if self.exit_code != 0 {
            write!(f, "; the router's own check of its last start failed too")?;
        }
        Ok(())
    }
}

/// The `eventorder-router` executable next to the running one (for the
/// `kill-run` binary, which cargo builds into the same directory).
///
/// # Errors
/// The current executable's path is unknown, or there is no router beside it.
pub fn sibling_router() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current executable: {e}"))?;
    let name = format!("eventorder-router{}", std::env::consts::EXE_SUFFIX);
    let router = exe.with_file_name(name);
    if router.is_file() {
        Ok(router)
    } else {
        Err(format!(
            "no router at {} (build it: cargo build --release -p eventorder-router)",
            router.display()
        ))
    }
}

/// Runs the router `router` with kills until it finishes on its own, on a fresh
/// database in a temporary directory, and audits the database.
///
/// # Errors
/// The router cannot be started, exits with another status than 0 or 1 (an
/// error), or the run takes longer than `config.timeout`.
pub fn run(router: &Path, config: &Config, seed: u64) -> Result<RunReport, String> {
    let started = Instant::now();
    let dir = temp_dir(seed)?;
    let db = dir.join("router.sqlite");
    let mut rng = Rng::new(seed, 0x4B49_4C4C);
    let (lo, hi) = config.interval_ms;
    let mut kills = 0;
    let mut starts = 0;
    let exit_code = loop {
        starts += 1;
        let mut child = spawn(router, config, seed, &db, &dir, starts)?;
        let kill_at = (kills < config.kills).then(|| {
            let ms = lo + rng.next_u64() % (hi.saturating_sub(lo) + 1);
            Instant::now() + Duration::from_millis(ms)
        });
        match wait_or_kill(&mut child, kill_at, started + config.timeout)? {
            Ended::Killed => kills += 1,
            Ended::Exited(Some(code @ (0 | 1))) => break code,
            Ended::Exited(code) => {
                return Err(format!(
                "seed {seed}: the router's start {starts} exited with {code:?}; its output:\n{}",
                output_tail(&dir, starts)
            ))
            }
            Ended::TimedOut => {
                return Err(format!(
                    "seed {seed}: no end after {:?} ({kills} kills); the run is in {}",
                    config.timeout,
                    dir.display()
                ))
            }
        }
    };
    let audit = audit::audit(&db)?;
    let kept = if config.keep {
        Some(dir)
    } else {
        let _ = fs::remove_dir_all(&dir);
        None
    };
    Ok(RunReport {
        seed,
        kills,
        exit_code,
        audit,
        elapsed: started.elapsed(),
        kept,
    })
}

enum Ended {
    Killed,
    Exited(Option<i32>),
    TimedOut,
}

/// Waits for `child` to exit; SIGKILLs it at `kill_at`, or at `deadline`.
fn wait_or_kill(
    child: &mut Child,
    kill_at: Option<Instant>,
    deadline: Instant,
) -> Result<Ended, String> {
    let io = |e: std::io::Error| format!("router process: {e}");
    loop {
        if let Some(status) = child.try_wait().map_err(io)? {
            return Ok(Ended::Exited(status.code()));
        }
        let now = Instant::now();
        let timed_out = now >= deadline;
        if timed_out || kill_at.is_some_and(|at| now >= at) {
            child.kill().map_err(io)?;
            let status = child.wait().map_err(io)?;
            return Ok(match status.code() {
                // It finished on its own just before the kill.
                Some(code @ (0 | 1)) => Ended::Exited(Some(code)),
                _ if timed_out => Ended::TimedOut,
                _ => Ended::Killed,
            });
        }
        thread::sleep(Duration::from_millis(2));
    }
}

fn spawn(
    router: &Path,
    config: &Config,
    seed: u64,
    db: &Path,
    dir: &Path,
    start: u32,
) -> Result<Child, String> {
    let file = |ext: &str| {
        let path = dir.join(format!("start-{start}.{ext}"));
        fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))
    };
    let mut cmd = Command::new(router);
    cmd.args(config.workload.args())
        .arg("--seed")
        .arg(seed.to_string())
        .arg("--db")
        .arg(db)
        .arg("--quiet")
        .stdin(Stdio::null())
        .stdout(file("out")?)
        .stderr(file("err")?);
    if config.skip_warm_start {
        cmd.arg("--skip-warm-start");
    }
    cmd.spawn()
        .map_err(|e| format!("cannot start {}: {e}", router.display()))
}

fn temp_dir(seed: u64) -> Result<PathBuf, String> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "eventorder-kill-{}-{seed}-{nanos}",
        std::process::id()
    ));
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn output_tail(dir: &Path, start: u32) -> String {
    let mut text = String::new();
    for ext in ["out", "err"] {
        let content =
            fs::read_to_string(dir.join(format!("start-{start}.{ext}"))).unwrap_or_default();
        let lines: Vec<&str> = content.lines().collect();
        for line in &lines[lines.len().saturating_sub(15)..] {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}
