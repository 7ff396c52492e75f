//! The audit of a database after a run with kills: was anything lost, did every
//! key's first deliveries come in job-id order, and are the duplicate deliveries
//! within what the kills can explain.

use std::{collections::HashMap, fmt, path::Path};

use crate::schema::{self, IS_TERMINAL};

/// A key whose first deliveries are out of job-id order: `job` was first
/// delivered after `after`, a later job of the same key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The key's index.
    pub key: u32,
    /// The earlier job, delivered (for the first time) too late.
    pub job: i64,
    /// The later job of the key that was delivered before it.
    pub after: i64,
}

/// What the database says about a finished run.
#[derive(Clone, Debug, Default)]
pub struct Audit {
    /// Jobs in the store.
    pub jobs: u64,
    /// Jobs whose persisted status is terminal.
    pub terminal: u64,
    /// Deliveries logged by the destinations, duplicates included.
    pub deliveries: u64,
    /// Deliveries of a job that had been delivered before.
    pub duplicates: u64,
    /// The bound on duplicates: over every restart, the jobs that were delivered
    /// but not persisted as terminal when the router was killed.
    pub duplicate_bound: u64,
    /// Starts of the router on the database (kills + 1 for a finished run).
    pub starts: u64,
    /// Over every restart: keys that had a persisted failed job in its backoff
    /// and a later non-terminal job (the window a warm start protects).
    pub exposed_keys: u64,
    /// Over every restart: the jobs that were not terminal.
    pub non_terminal_at_kills: u64,
    /// The first key found with first deliveries out of job-id order (the one
    /// whose offending delivery came earliest), if any.
    pub broken: Option<Broken>,
    /// Keys with first deliveries out of job-id order.
    pub broken_keys: u64,
    /// First deliveries out of job-id order, over all keys.
    pub out_of_order: u64,
}

impl Audit {
    /// Every job terminal (nothing lost).
    pub fn complete(&self) -> bool {
        self.terminal == self.jobs
    }

    /// Every job terminal, first deliveries in job-id order, duplicates within
    /// the bound.
    pub fn ok(&self) -> bool {
        self.complete() && self.broken.is_none() && self.duplicates <= self.duplicate_bound
    }

    /// "order ok", or the first offending key and job pair.
    pub fn verdict(&self) -> String {
        match &self.broken {
            None => "order ok".to_string(),
            Some(b) => format!(
                "BROKEN ORDER ({} first deliveries on {} keys): key {} job {} first delivered \
                 after job {}",
                self.out_of_order, self.broken_keys, b.key, b.job, b.after
            ),
        }
    }
}

impl fmt::Display for Audit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} jobs terminal, {} deliveries, {} duplicates (bound {}), {}",
            self.terminal,
            self.jobs,
            self.deliveries,
            self.duplicates,
            self.duplicate_bound,
            self.verdict()
        )
    }
}

/// Reads the database at `path` after a run.
///
/// # Errors
/// The file cannot be opened or lacks the router's tables.
pub fn audit(path: &Path) -> Result<Audit, String> {
    let err = |e: rusqlite::Error| format!("database {}: {e}", path.display());
    let conn = schema::open(path, true).map_err(err)?;
    let count = |q: &str| conn.query_row(q, [], |r| r.get::<_, i64>(0)).map_err(err);
    let mut a = Audit {
        jobs: count("SELECT count(*) FROM jobs")? as u64,
        terminal: count(&format!("SELECT count(*) FROM jobs WHERE {IS_TERMINAL}"))? as u64,
        starts: count("SELECT count(*) FROM restarts")? as u64,
        duplicate_bound: count("SELECT coalesce(sum(delivered_not_terminal), 0) FROM restarts")?
            as u64,
        exposed_keys: count("SELECT coalesce(sum(exposed_keys), 0) FROM restarts WHERE start > 1")?
            as u64,
        non_terminal_at_kills: count(
            "SELECT coalesce(sum(non_terminal), 0) FROM restarts WHERE start > 1",
        )? as u64,
        ..Audit::default()
    };
    let mut stmt = conn
        .prepare("SELECT job, key FROM deliveries ORDER BY seq")
        .map_err(err)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, u32>(1)?)))
        .map_err(err)?;
    // Per key: the newest job first delivered so far.
    let mut newest: HashMap<u32, i64> = HashMap::new();
    let mut delivered = std::collections::HashSet::new();
    let mut broken_keys = std::collections::HashSet::new();
    for row in rows {
        let (job, key) = row.map_err(err)?;
        a.deliveries += 1;
        if !delivered.insert(job) {
            a.duplicates += 1;
            continue;
        }
        let top = newest.entry(key).or_insert(job);
        if *top > job {
            a.out_of_order += 1;
            broken_keys.insert(key);
            a.broken.get_or_insert(Broken {
                key,
                job,
                after: *top,
            });
        } else {
            *top = job;
        }
    }
    a.broken_keys = broken_keys.len() as u64;
    Ok(a)
}
