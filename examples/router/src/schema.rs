//! The durable job store's SQLite schema (`--db PATH`), shared by the router,
//! which writes it, and the audit, which reads it.
//!
//! - `meta`: the options the database was seeded with (`keys`, `destinations`,
//!   `jobs`, `seed`).
//! - `jobs`: one row per job: its key index, its last persisted status (one of
//!   [`PENDING`], [`WAITING`], [`FAILED`] or a [`TERMINAL`] one), the sends it
//!   failed (`attempts`) and, for a failed job, the wall-clock time (ms since
//!   the Unix epoch) before which it is not retried (`retry_at_ms`).
//! - `deliveries`: the fake destinations' log, one row per accepted send, written
//!   the moment the destination accepts it (the destination is outside the
//!   router: its log survives a router kill). `seq` gives the delivery order.
//! - `restarts`: one row per start of the router on the database.

use std::{path::Path, time::Duration};

use rusqlite::{Connection, OpenFlags};

/// Never picked up yet (or, after a restart, picked up but not persisted since).
pub const PENDING: &str = "pending";
/// Told to wait by the barrier: pending again at once.
pub const WAITING: &str = "waiting";
/// Failed retryably: pending again after its backoff (`retry_at_ms`).
pub const FAILED: &str = "failed";
/// The terminal statuses.
pub const TERMINAL: [&str; 3] = ["succeeded", "filtered", "aborted"];

/// The SQL condition "`status` is terminal", for queries.
pub const IS_TERMINAL: &str = "status IN ('succeeded', 'filtered', 'aborted')";

/// Creates the tables that do not exist yet.
pub const CREATE: &str = "
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id          INTEGER PRIMARY KEY,
    key         INTEGER NOT NULL,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    retry_at_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status);
CREATE TABLE IF NOT EXISTS deliveries (
    seq   INTEGER PRIMARY KEY AUTOINCREMENT,
    job   INTEGER NOT NULL,
    key   INTEGER NOT NULL,
    start INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS restarts (
    start                  INTEGER PRIMARY KEY,
    at_ms                  INTEGER NOT NULL,
    non_terminal           INTEGER NOT NULL,
    failed                 INTEGER NOT NULL,
    delivered_not_terminal INTEGER NOT NULL,
    exposed_keys           INTEGER NOT NULL,
    warm_started_keys      INTEGER NOT NULL,
    warm_start             INTEGER NOT NULL
);
";

/// Whether `status` is terminal.
pub fn is_terminal(status: &str) -> bool {
    TERMINAL.contains(&status)
}

/// Opens (and creates, unless `read_only`) the database at `path`, in WAL mode:
/// a committed transaction survives a kill of the process.
///
/// # Errors
/// The path cannot be opened or is not an SQLite database.
pub fn open(path: &Path, read_only: bool) -> rusqlite::Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    if !read_only {
        // WAL: a commit is a write to the log, no fsync with synchronous=NORMAL;
        // that survives the process being killed (not a power cut, which a
        // simulation does not need).
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    // Reading the schema makes a file that is not a database fail here.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(conn)
}
