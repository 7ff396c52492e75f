//! The crate's one error type, and the parsing of job-state names that produces
//! [`Error::UnknownState`] (here rather than beside `JobState`, so that the
//! module graph has no cycle: `job` needs nothing, `error` needs `job`).

use std::str::FromStr;

use crate::{JobId, JobState};

/// Everything that can go wrong when talking to the barrier.
///
/// Messages say what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A state name that `spec/job_states.toml` does not list (names are lowercase
    /// and exact: `"Failed"` and `""` are unknown).
    #[error(
        "unknown job state {0:?}: use one of the lowercase names listed in spec/job_states.toml \
         (e.g. \"succeeded\", \"failed\", \"aborted\"), or add the state there"
    )]
    UnknownState(String),

    /// A state the spec knows but the barrier does not take (R-STATE-SUPPORTED).
    #[error(
        "job state {0} is not taken by the barrier: report only {supported} (a throttled \
         job is undone with `leave`)",
        supported = JobState::supported_names()
    )]
    UnsupportedState(JobState),

    /// A setting the barrier cannot use: which one, the value given, and why.
    ///
    /// From [`Config::validate`](crate::Config::validate) and the parsers
    /// [`Config::from_toml_str`](crate::Config::from_toml_str) and
    /// [`Config::from_json_str`](crate::Config::from_json_str).
    #[error("invalid barrier configuration: {field} = {value}: {reason}")]
    InvalidConfig {
        /// The setting: a field of [`Config`](crate::Config) such as
        /// `"drain_idle_for"`, or [`Error::WHOLE_CONFIG`] for a problem of the
        /// document as a whole (a syntax error, an unknown setting).
        field: &'static str,
        /// The value given, as written (for an unknown setting: its name; for a
        /// syntax error: the document's offending line, or empty).
        value: String,
        /// What is wrong with it and what to write instead.
        reason: String,
    },

    /// [`Barrier::recover`](crate::Barrier::recover) on a barrier that has already
    /// been entered or holds records (R-RESTART: the warm start comes first).
    #[error(
        "recover must run once, on a new barrier, before the first enter: this one has seen \
         {entered} enter calls and holds {records} records (build the barrier at start-up and \
         recover it before the pickup loop starts)"
    )]
    RecoverTooLate {
        /// `enter` calls the barrier had answered.
        entered: u64,
        /// Records it held.
        records: usize,
    },

    /// R-OFFER: a job offered to a round that is not greater than the last job
    /// offered for the same key in that round. The offer has no effect.
    #[error(
        "job {job} offered after job {last} of the same key in one round: offer each key's \
         jobs in ascending job id (read the batch in job-id order); nothing was changed"
    )]
    OutOfOrder {
        /// The last job offered for the key in the round.
        last: JobId,
        /// The job offered out of order.
        job: JobId,
    },
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The `field` of an [`Error::InvalidConfig`] that is not about one setting
    /// but about the document as a whole (a syntax error, an unknown setting).
    pub const WHOLE_CONFIG: &'static str = "config";
}

impl FromStr for JobState {
    type Err = Error;

    /// Parses an exact wire name (R-STATE-SUPPORTED: case-sensitive, so `"Failed"`
    /// and `""` are [`Error::UnknownState`]).
    ///
    /// ```
    /// use eventorder::{Error, JobState};
    /// assert_eq!("failed".parse::<JobState>(), Ok(JobState::Failed));
    /// assert!(matches!("Failed".parse::<JobState>(), Err(Error::UnknownState(_))));
    /// ```
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        JobState::from_wire(name).ok_or_else(|| Error::UnknownState(name.to_owned()))
    }
}
