//! The durable job store (`--db PATH`): jobs, their statuses and the fake
//! destinations' delivery log in an SQLite file (schema in
//! `eventorder_router::schema`), so that the router can be killed and restarted.
//!
//! On the first start the file is created and seeded with the jobs; on a restart
//! the jobs are loaded, every non-terminal one pending again (a failed job keeps
//! its attempts and its retry time), and the start is recorded in `restarts`.
//! One connection, behind a mutex, serves the commit loop and the destinations.
//!
//! One router process at a time (SPEC.md R-RESTART: two processes on one job
//! store are two pickup loops): the connection runs in SQLite's exclusive locking
//! mode and takes the database's write lock before anything else, and keeps it
//! for the life of the process. A second router on the same file finds it locked
//! and exits with [`LOCKED_EXIT`]. The lock is the operating system's file lock,
//! so it goes with the process, a SIGKILL included: it is never left stale.

use std::{
    fmt::{self, Display},
    path::Path,
    sync::{
        atomic::{AtomicI64, Ordering::Relaxed},
        Mutex,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use eventorder_router::schema::{self, FAILED, IS_TERMINAL, PENDING, WAITING};
use rusqlite::{params, Connection, ErrorCode, OpenFlags};

use crate::store::JobRow;

/// The options a database is seeded with; a restart must use the same keys and
/// destinations (they name the keys).
pub struct Meta {
    pub keys: usize,
    pub destinations: usize,
    pub jobs: usize,
    pub seed: u64,
}

/// An open database: the connection and this start's number (1 on the first).
pub struct Db {
    conn: Mutex<Connection>,
    start: AtomicI64,
}

/// What opening a database found.
pub struct Opened {
    pub db: Db,
    /// The jobs, job `i + 1` at index `i`, for the in-memory store.
    pub rows: Vec<JobRow>,
    /// The warm start's jobs (R-RESTART): every job whose persisted status is
    /// `failed`, as (key, job), in ascending job id.
    pub failed: Vec<(u32, i64)>,
    /// Keys with a failed job in its backoff and a later non-terminal job: the
    /// keys whose order a restart without the warm start can break.
    pub exposed_keys: usize,
    /// The database was empty and has just been seeded.
    pub seeded: bool,
}

/// What a start found in the database, as recorded in `restarts`.
pub struct Start {
    pub number: i64,
    pub non_terminal: i64,
    pub failed: i64,
    pub delivered_not_terminal: i64,
}

/// The exit status of a router that finds its database held by another process
/// (`EX_TEMPFAIL`: try again once the other one is gone).
pub const LOCKED_EXIT: u8 = 75;

/// Why a database could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// Another process holds the database (one router process at a time).
    Locked(String),
    /// Anything else: not a database, does not fit the options, I/O.
    Failed(String),
}

impl Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Locked(e) | OpenError::Failed(e) => f.write_str(e),
        }
    }
}

impl From<String> for OpenError {
    fn from(e: String) -> Self {
        OpenError::Failed(e)
    }
}

/// Opens the database at `path` for this process alone: exclusive locking mode
/// (set before the first access, so that WAL needs no shared memory and the
/// lock is a plain file lock), WAL, then an exclusive transaction that takes the
/// write lock, which exclusive mode keeps until the connection closes.
fn open_exclusive(path: &Path) -> Result<Connection, OpenError> {
    let failed = |e: rusqlite::Error| {
        OpenError::Failed(format!("cannot open database {}: {e}", path.display()))
    };
    let locked_or_failed = |e: rusqlite::Error| {
        if matches!(
            e.sqlite_error_code(),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
        ) {
            OpenError::Locked(format!(
                "database {} is in use by another router process (one router process \
                 at a time, SPEC R-RESTART): stop it first, or use another file ({e})",
                path.display()
            ))
        } else {
            failed(e)
        }
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(failed)?;
    // A holder keeps the lock for its whole life: no use waiting long for it.
    conn.busy_timeout(Duration::from_millis(200))
        .map_err(failed)?;
    conn.pragma_update_and_check(None, "locking_mode", "EXCLUSIVE", |r| r.get::<_, String>(0))
        .map_err(failed)?;
    // WAL: a commit is a write to the log, no fsync with synchronous=NORMAL;
    // that survives the process being killed (not a power cut, which a
    // simulation does not need).
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
        .map_err(locked_or_failed)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(locked_or_failed)?;
    conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;")
        .map_err(locked_or_failed)?;
    // Reading the schema makes a file that is not a database fail here.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(locked_or_failed)?;
    conn.busy_timeout(Duration::from_secs(10)).map_err(failed)?;
    Ok(conn)
}

/// Wall-clock time, ms since the Unix epoch.
pub fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The job store cannot go on: stop the process, as a crash would (every
/// committed status is safe; a restart carries on from there).
pub fn fatal(what: &str, e: impl Display) -> ! {
    eprintln!("error: {what}: {e}");
    std::process::exit(74)
}

fn sql<T>(path: &Path, r: rusqlite::Result<T>) -> Result<T, String> {
    r.map_err(|e| format!("database {}: {e}", path.display()))
}

/// Opens the database at `path`: seeds it with `meta` and the job keys from
/// `seed` if it holds no job yet, otherwise checks it against `meta` and loads
/// it. `wall_start_ms` is the wall-clock time of the run's start (the store's
/// time 0). The database stays locked for this process until it exits.
///
/// # Errors
/// [`OpenError::Locked`] if another process holds the database;
/// [`OpenError::Failed`] if it cannot be opened or does not fit `meta`.
pub fn open(
    path: &Path,
    meta: Meta,
    seed: impl FnOnce() -> Vec<u32>,
    wall_start_ms: i64,
) -> Result<Opened, OpenError> {
    let mut conn = open_exclusive(path)?;
    let tx = sql(path, conn.transaction())?;
    sql(path, tx.execute_batch(schema::CREATE))?;
    let jobs: i64 = sql(
        path,
        tx.query_row("SELECT count(*) FROM jobs", [], |r| r.get(0)),
    )?;
    let seeded = jobs == 0;
    let meta = if seeded {
        let keys = seed();
        let mut m = sql(
            path,
            tx.prepare("INSERT INTO meta (name, value) VALUES (?1, ?2)"),
        )?;
        for (name, value) in [
            ("keys", meta.keys as i64),
            ("destinations", meta.destinations as i64),
            ("jobs", keys.len() as i64),
            ("seed", meta.seed as i64),
        ] {
            sql(path, m.execute(params![name, value]))?;
        }
        let mut j = sql(
            path,
            tx.prepare("INSERT INTO jobs (id, key, status) VALUES (?1, ?2, ?3)"),
        )?;
        for (i, key) in keys.iter().enumerate() {
            sql(path, j.execute(params![i as i64 + 1, key, PENDING]))?;
        }
        meta
    } else {
        let stored = |name: &str| -> Result<i64, String> {
            tx.query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .map_err(|e| format!("database {}: no {name} in meta: {e}", path.display()))
        };
        let seeded_with = Meta {
            keys: stored("keys")? as usize,
            destinations: stored("destinations")? as usize,
            jobs: stored("jobs")? as usize,
            seed: stored("seed")? as u64,
        };
        if (seeded_with.keys, seeded_with.destinations) != (meta.keys, meta.destinations) {
            return Err(OpenError::Failed(format!(
                "database {} was seeded with --keys {} --destinations {} (and --jobs {} \
                 --seed {}): restart with the same --keys and --destinations",
                path.display(),
                seeded_with.keys,
                seeded_with.destinations,
                seeded_with.jobs,
                seeded_with.seed
            )));
        }
        seeded_with
    };
    sql(path, tx.commit())?;
    let (rows, failed, exposed_keys) = load(&conn, path, meta.keys, wall_start_ms)?;
    Ok(Opened {
        db: Db {
            conn: Mutex::new(conn),
            start: AtomicI64::new(0),
        },
        rows,
        failed,
        exposed_keys,
        seeded,
    })
}

type Loaded = (Vec<JobRow>, Vec<(u32, i64)>, usize);

/// Reads every job: non-terminal ones are pending again, a failed one after its
/// persisted retry time.
fn load(conn: &Connection, path: &Path, keys: usize, wall_start_ms: i64) -> Result<Loaded, String> {
    let mut stmt = sql(
        path,
        conn.prepare("SELECT id, key, status, attempts, retry_at_ms FROM jobs ORDER BY id"),
    )?;
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    // Per key: its oldest failed job still in backoff, and its newest
    // non-terminal job.
    let mut backoff: Vec<Option<i64>> = vec![None; keys];
    let mut newest: Vec<i64> = vec![0; keys];
    let now_ms = wall_ms();
    let mut query = sql(path, stmt.query([]))?;
    while let Some(r) = sql(path, query.next())? {
        let read = || -> rusqlite::Result<(i64, i64, String, i64, i64)> {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        };
        let (id, key, status, attempts, retry_at_ms) = sql(path, read())?;
        let bad = |what: &str| format!("database {}: job {id}: {what}", path.display());
        if id != rows.len() as i64 + 1 {
            return Err(bad("job ids are not 1, 2, 3, ..."));
        }
        if !(0..keys as i64).contains(&key) || attempts < 0 {
            return Err(bad("key or attempts out of range"));
        }
        let k = key as usize;
        let terminal = schema::is_terminal(&status);
        // R-RESTART (v3): every job persisted as failed, not only a key's oldest
        // non-terminal one (v2): with older jobs first, a failed job behind an
        // older leftover must block the key too.
        if status == FAILED {
            failed.push((key as u32, id));
        }
        let retry_at = if status == FAILED {
            if retry_at_ms > now_ms && backoff[k].is_none() {
                backoff[k] = Some(id);
            }
            // ns since the run's start; a retry time already past is due now.
            (retry_at_ms - wall_start_ms).max(0) as u64 * 1_000_000
        } else if terminal || status == PENDING || status == WAITING {
            0
        } else {
            return Err(bad(&format!("unknown status {status:?}")));
        };
        if !terminal {
            newest[k] = id;
        }
        rows.push(JobRow {
            key: key as u32,
            attempts: attempts as u32,
            retry_at,
            terminal,
        });
    }
    let exposed = (0..keys)
        .filter(|&k| backoff[k].is_some_and(|f| newest[k] > f))
        .count();
    Ok((rows, failed, exposed))
}

impl Db {
    /// Records this start in `restarts` (after the warm start, before the pipeline
    /// starts) and returns what it found.
    pub fn record_start(
        &self,
        exposed_keys: usize,
        warm_started_keys: Option<usize>,
    ) -> rusqlite::Result<Start> {
        let mut conn = self.conn.lock().unwrap();
        let tx = conn.transaction()?;
        let count = |q: &str| tx.query_row(q, [], |r| r.get::<_, i64>(0));
        let number = count("SELECT coalesce(max(start), 0) + 1 FROM restarts")?;
        let non_terminal = count(&format!(
            "SELECT count(*) FROM jobs WHERE NOT {IS_TERMINAL}"
        ))?;
        let failed = count("SELECT count(*) FROM jobs WHERE status = 'failed'")?;
        let delivered_not_terminal = count(&format!(
            "SELECT count(DISTINCT d.job) FROM deliveries d JOIN jobs j ON j.id = d.job \
             WHERE NOT j.{IS_TERMINAL}"
        ))?;
        tx.execute(
            "INSERT INTO restarts (start, at_ms, non_terminal, failed, delivered_not_terminal, \
             exposed_keys, warm_started_keys, warm_start) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                number,
                wall_ms(),
                non_terminal,
                failed,
                delivered_not_terminal,
                exposed_keys as i64,
                warm_started_keys.unwrap_or(0) as i64,
                warm_started_keys.is_some(),
            ],
        )?;
        tx.commit()?;
        self.start.store(number, Relaxed);
        Ok(Start {
            number,
            non_terminal,
            failed,
            delivered_not_terminal,
        })
    }

    /// The commit loop's transaction: (job, status, attempts, retry time in
    /// wall-clock ms) for each job of the batch.
    pub fn persist(&self, statuses: &[(i64, &str, u32, i64)]) -> rusqlite::Result<()> {
        let mut conn = self.conn.lock().unwrap();
        let tx = conn.transaction()?;
        {
            let mut update = tx.prepare_cached(
                "UPDATE jobs SET status = ?2, attempts = ?3, retry_at_ms = ?4 WHERE id = ?1",
            )?;
            for &(job, status, attempts, retry_at_ms) in statuses {
                update.execute(params![job, status, attempts, retry_at_ms])?;
            }
        }
        tx.commit()
    }

    /// This start's number (0 before [`record_start`](Db::record_start)).
    pub fn start(&self) -> i64 {
        self.start.load(Relaxed)
    }

    /// The destination accepted `job` of `key`: append it to the delivery log.
    pub fn log_delivery(&self, job: i64, key: u32) -> rusqlite::Result<()> {
        let start = self.start.load(Relaxed);
        let conn = self.conn.lock().unwrap();
        conn.prepare_cached("INSERT INTO deliveries (job, key, start) VALUES (?1, ?2, ?3)")?
            .execute(params![job, key, start])?;
        Ok(())
    }

    /// Deliveries logged so far, and how many of them repeat an earlier one.
    pub fn deliveries(&self) -> rusqlite::Result<(i64, i64)> {
        let conn = self.conn.lock().unwrap();
        conn.query_row(
            "SELECT count(*), count(*) - count(DISTINCT job) FROM deliveries",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }
}
