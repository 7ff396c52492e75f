//! The crate's one error type.

use crate::JobState;

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

    /// A configuration that cannot be used, with the reason.
    #[error("invalid barrier configuration: {0}")]
    InvalidConfig(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
