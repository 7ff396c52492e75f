//! The answers of `enter` and `wait`, and the illegal-sequence report.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::JobId;

/// The answer of [`Barrier::enter`](crate::Barrier::enter).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Admission {
    /// The job may enter the pipeline. If not, it stays pending and is picked up again.
    pub accepted: bool,
    /// The key's failed job, when that is what decided the answer (R-ENTER-FAILED).
    pub previous_failed: Option<JobId>,
}

impl Admission {
    /// Accepted, no failed job involved.
    pub const ACCEPTED: Admission = Admission {
        accepted: true,
        previous_failed: None,
    };
    /// Rejected by a full drain window (R-ENTER-DRAIN).
    pub const REJECTED: Admission = Admission {
        accepted: false,
        previous_failed: None,
    };
}

/// The answer of [`Barrier::wait`](crate::Barrier::wait).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hold {
    /// The worker must not send the job now: report it as `waiting`.
    pub wait: bool,
    /// The key's failed job, if it has one and ordering is on (R-WAIT).
    pub previous_failed: Option<JobId>,
}

impl Hold {
    /// Go ahead, no failed job involved.
    pub const GO: Hold = Hold {
        wait: false,
        previous_failed: None,
    };
}

/// Where an illegal sequence was seen (R-ILLEGAL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// In [`Barrier::enter`](crate::Barrier::enter).
    Enter,
    /// In [`Barrier::wait`](crate::Barrier::wait).
    Wait,
    /// In [`Barrier::state_changed`](crate::Barrier::state_changed) with `failed`.
    JobFailed,
}

impl Location {
    /// `"enter"`, `"wait"` or `"job_failed"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Location::Enter => "enter",
            Location::Wait => "wait",
            Location::JobFailed => "job_failed",
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An illegal-sequence report (R-ILLEGAL), for the observer of
/// [`Builder::on_illegal_sequence`](crate::Builder::on_illegal_sequence).
///
/// SPEC v3 reports none: up to v2, a job older than the key's failed job while
/// ordering was fully on was one, and the model showed that with a pickup loop
/// keeping SPEC.md section 1 only a leftover could be such a job (a false alarm);
/// v3 lets older jobs go first. The type stays for source compatibility and for
/// checks a later version may add (sequences a router keeping the contract
/// provably never produces).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IllegalSequence<K> {
    /// The operation that saw it.
    pub location: Location,
    /// The key.
    pub key: K,
    /// The key's failed job.
    pub failed: JobId,
    /// The older job the caller handed in.
    pub job: JobId,
}

impl<K: fmt::Debug> fmt::Display for IllegalSequence<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "illegal sequence at {} for key {:?}: job {}, failed job {} \
             (the router broke the contract of SPEC.md section 1)",
            self.location, self.key, self.job, self.failed
        )
    }
}
