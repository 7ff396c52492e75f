//! [`Snapshot`] and the human-readable dump: what an operator needs to answer "why
//! is this key stuck?".

use std::{fmt, time::Duration};

use serde::{Deserialize, Serialize};

use crate::{
    config::duration_serde,
    machine::{Mode, Nanos, Record, Rules, Window},
    Config, Effect, JobId, Stats,
};

/// Every record of a barrier, its queued effects, settings and counters, taken one
/// shard at a time (each shard consistent; not one atomic cut across shards while
/// other threads are calling). Serialisable with serde.
///
/// ```
/// use eventorder::{Barrier, JobId, JobState, KeyMode};
///
/// let barrier: Barrier<String> = Barrier::new();
/// let key = "user-7".to_string();
/// barrier.state_changed(&key, JobId(3), JobState::Failed)?;
/// let snap = barrier.snapshot();
/// let record = snap.record(&key).expect("the key is blocked");
/// assert_eq!(record.failed, Some(JobId(3)));
/// assert_eq!(record.mode, KeyMode::Enabled);
/// println!("{}", serde_json::to_string_pretty(&snap).unwrap());
/// # Ok::<(), eventorder::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Snapshot<K> {
    /// One entry per record (R-SIZE counts them).
    pub records: Vec<RecordSnapshot<K>>,
    /// Effects waiting for the next `sync`.
    pub queued_effects: usize,
    /// The settings in force.
    pub config: Config,
    /// The cumulative counters.
    pub stats: Stats,
}

/// One key's record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecordSnapshot<K> {
    /// The key.
    pub key: K,
    /// Whether ordering is on, and for how long the key has been in that mode.
    pub mode: KeyMode,
    /// The failed job holding later jobs back, if any: the oldest of
    /// `failed_jobs`.
    pub failed: Option<JobId>,
    /// Every failed job of the key, ascending (R-EFF-FAILED): almost always
    /// one, or none.
    #[serde(default)]
    pub failed_jobs: Vec<JobId>,
    /// Jobs admitted and not yet reported, when counted (`None`: not counted).
    pub inflight: Option<Vec<JobId>>,
    /// The drain window's jobs, when a window is open.
    pub drain: Option<Vec<JobId>>,
    /// How long the open drain window has held no job (`None`: no window, or it
    /// holds jobs).
    #[serde(default, with = "crate::config::option_duration_serde")]
    pub drain_idle: Option<Duration>,
    /// For an idle drain window: how much longer it may stay idle before a `sync`
    /// closes it (R-EXPIRE closes a window idle for longer than `drain_idle_for`;
    /// zero: a `sync` any moment later closes it, one at this very instant does
    /// not).
    #[serde(default, with = "crate::config::option_duration_serde")]
    pub drain_closes_in: Option<Duration>,
    /// Effects queued for this key, waiting for the next `sync`.
    pub queued_effects: usize,
    /// Those effects, in the order the next `sync` applies them (R-SYNC): the
    /// job reported and what its state does (`Leave`, `Release` or `Abort`;
    /// `failed` takes effect at once and is never queued).
    #[serde(default)]
    pub queue: Vec<(JobId, Effect)>,
}

/// A key's ordering mode (R-MODE), with how long it has been in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum KeyMode {
    /// Ordering fully on.
    Enabled,
    /// Ordering off (the key went hot, or the predicate said so).
    Disabled {
        /// Time since it turned `Disabled`.
        #[serde(with = "duration_serde")]
        elapsed: Duration,
    },
    /// Ordering on again after a `Disabled` period, while the key's jobs still
    /// count as leftovers (SPEC.md section 6); it answers as `Enabled` does.
    HalfEnabled {
        /// Time since it turned `HalfEnabled`.
        #[serde(with = "duration_serde")]
        elapsed: Duration,
    },
}

impl<K: PartialEq> Snapshot<K> {
    /// The record of `key`, if it has one.
    pub fn record(&self, key: &K) -> Option<&RecordSnapshot<K>> {
        self.records.iter().find(|r| r.key == *key)
    }
}

impl<K> RecordSnapshot<K> {
    pub(crate) fn new(
        key: K,
        record: &Record,
        now: Nanos,
        rules: &Rules,
        queue: Vec<(JobId, Effect)>,
    ) -> Self {
        let elapsed = |since: Nanos| Duration::from_nanos(now.saturating_sub(since));
        let idle_since = match record.window() {
            Some(&Window::Idle { since }) => Some(since),
            _ => None,
        };
        RecordSnapshot {
            key,
            mode: match record.mode() {
                Mode::Enabled => KeyMode::Enabled,
                Mode::Disabled { since } => KeyMode::Disabled {
                    elapsed: elapsed(since),
                },
                Mode::HalfEnabled { since } => KeyMode::HalfEnabled {
                    elapsed: elapsed(since),
                },
            },
            failed: record.failed(),
            failed_jobs: record
                .failed_jobs()
                .map(|set| set.to_vec())
                .unwrap_or_default(),
            inflight: record.tracked(),
            drain: record.window().map(Window::jobs),
            drain_idle: idle_since.map(elapsed),
            drain_closes_in: idle_since.map(|since| {
                // Bug ClosesInWrongTimer takes the wrong timer.
                let timer = if crate::machine::bug!(ClosesInWrongTimer) {
                    rules.disabled_for
                } else {
                    rules.drain_idle_for
                };
                let closes = since.saturating_add(timer);
                Duration::from_nanos(closes.saturating_sub(now))
            }),
            queued_effects: queue.len(),
            queue,
        }
    }
}

impl<K: fmt::Debug> fmt::Display for RecordSnapshot<K> {
    /// One line: the key and, in words, what holds it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: ", self.key)?;
        match self.mode {
            KeyMode::Enabled => f.write_str("ordering on")?,
            KeyMode::Disabled { elapsed } => write!(
                f,
                "ordering OFF for {} (hot key or ordering_disabled)",
                humantime::format_duration(round(elapsed))
            )?,
            KeyMode::HalfEnabled { elapsed } => write!(
                f,
                "ordering half-on for {}",
                humantime::format_duration(round(elapsed))
            )?,
        }
        if let Some(failed) = self.failed {
            write!(f, "; BLOCKED by failed job {failed}: later jobs wait until it succeeds, is filtered or aborted")?;
            if let [_, more @ ..] = self.failed_jobs.as_slice() {
                if !more.is_empty() {
                    let more: Vec<String> = more.iter().map(ToString::to_string).collect();
                    write!(f, " (then by failed jobs {})", more.join(", "))?;
                }
            }
        }
        match (&self.drain, self.drain_idle, self.drain_closes_in) {
            (Some(_), Some(idle), Some(closes_in)) if closes_in.is_zero() => write!(
                f,
                "; drain window open, idle for {}: a sync any moment later closes it",
                humantime::format_duration(round(idle))
            )?,
            (Some(_), Some(idle), Some(closes_in)) => write!(
                f,
                "; drain window open, idle for {}: a sync closes it after {} more",
                humantime::format_duration(round(idle)),
                humantime::format_duration(round(closes_in))
            )?,
            (Some(drain), _, _) => write!(
                f,
                "; drain window open with {} job(s) {drain:?}",
                drain.len()
            )?,
            (None, _, _) => {}
        }
        if let Some(inflight) = &self.inflight {
            write!(f, "; {} job(s) in flight", inflight.len())?;
        }
        if self.queued_effects > 0 {
            write!(
                f,
                "; {} effect(s) queued for the next sync",
                self.queued_effects
            )?;
        }
        Ok(())
    }
}

fn round(d: Duration) -> Duration {
    Duration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
