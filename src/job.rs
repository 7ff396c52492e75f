//! Job identity and job states: [`JobId`], [`JobState`] (generated from
//! `spec/job_states.toml`) and the barrier [`Effect`] of each state.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A job's id: unique, and increasing in arrival order (SPEC.md section 1).
///
/// A transparent newtype over `i64`:
///
/// ```
/// use eventorder::JobId;
/// let j: JobId = 5.into();
/// assert_eq!(j, JobId(5));
/// assert_eq!(j.0, 5);
/// assert!(JobId(4) < j);
/// assert_eq!(j.to_string(), "5");
/// ```
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct JobId(pub i64);

impl From<i64> for JobId {
    fn from(id: i64) -> Self {
        JobId(id)
    }
}

impl From<JobId> for i64 {
    fn from(id: JobId) -> Self {
        id.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// What [`Barrier::state_changed`](crate::Barrier::state_changed) does with a job
/// state: the `effect` column of `spec/job_states.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// R-EFF-LEAVE: the job leaves the in-flight set and the drain window. Queued until `sync`.
    Leave,
    /// R-EFF-FAILED: the job becomes the key's failed job and blocks later jobs. Immediate.
    Fail,
    /// R-EFF-RELEASE: the job ended; if it was the failed job, the key is unblocked. Queued.
    Release,
    /// R-EFF-ABORT: like `Release`, and a drain window opens when the failed job was aborted. Queued.
    Abort,
    /// R-STATE-SUPPORTED: the barrier does not take this state (`Error::UnsupportedState`).
    Unsupported,
}

impl Effect {
    /// The spelling used in `spec/job_states.toml`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Effect::Leave => "leave",
            Effect::Fail => "fail",
            Effect::Release => "release",
            Effect::Abort => "abort",
            Effect::Unsupported => "unsupported",
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

include!(concat!(env!("OUT_DIR"), "/job_states.rs"));

impl JobState {
    /// Whether [`Barrier::state_changed`](crate::Barrier::state_changed) takes this
    /// state (R-STATE-SUPPORTED).
    pub const fn is_supported(self) -> bool {
        !matches!(self.effect(), Effect::Unsupported)
    }

    /// The wire names of the states the barrier takes, in table order, as
    /// English ("succeeded, filtered, failed, aborted or waiting"): the list of
    /// R-STATE-SUPPORTED, from `spec/job_states.toml`.
    pub fn supported_names() -> String {
        let names: Vec<&str> = JobState::ALL
            .iter()
            .filter(|s| s.is_supported())
            .map(|s| s.as_str())
            .collect();
        match names.split_last() {
            None => String::new(),
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        }
    }

    /// Whether the job is over once it reaches this state (`succeeded`, `filtered`,
    /// `aborted`: the states whose effect releases the key).
    pub const fn is_terminal(self) -> bool {
        matches!(self.effect(), Effect::Release | Effect::Abort)
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn every_state_round_trips_through_its_wire_name() {
        for &s in JobState::ALL {
            assert_eq!(s.as_str().parse::<JobState>(), Ok(s));
            assert_eq!(s.to_string(), s.as_str());
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<JobState>(&json).unwrap(), s);
        }
    }

    #[test]
    fn names_are_exact() {
        for bad in ["Failed", "", " failed", "FAILED", "succeed"] {
            assert_eq!(
                bad.parse::<JobState>(),
                Err(Error::UnknownState(bad.to_owned()))
            );
        }
    }

    #[test]
    fn the_spec_states_have_the_spec_effects() {
        // R-STATE-SUPPORTED: these five are taken; others listed in the spec are not.
        assert_eq!(JobState::Waiting.effect(), Effect::Leave);
        assert_eq!(JobState::Failed.effect(), Effect::Fail);
        assert_eq!(JobState::Succeeded.effect(), Effect::Release);
        assert_eq!(JobState::Filtered.effect(), Effect::Release);
        assert_eq!(JobState::Aborted.effect(), Effect::Abort);
        assert!(!JobState::Executing.is_supported());
        assert!(JobState::Aborted.is_terminal() && !JobState::Failed.is_terminal());
    }
}
