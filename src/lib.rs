#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The Rust examples of docs/*.md (linked from the README) run as doc tests too.
#[cfg(doctest)]
mod docs {
    #[doc = include_str!("../docs/architecture.md")]
    mod architecture {}
    #[doc = include_str!("../docs/configuration.md")]
    mod configuration {}
    #[doc = include_str!("../docs/go-mapping.md")]
    mod go_mapping {}
    #[doc = include_str!("../docs/introspection.md")]
    mod introspection {}
    #[doc = include_str!("../docs/job-states.md")]
    mod job_states {}
    #[doc = include_str!("../docs/performance.md")]
    mod performance {}
    #[doc = include_str!("../docs/restarts.md")]
    mod restarts {}
    #[doc = include_str!("../docs/simulation.md")]
    mod simulation {}
    #[doc = include_str!("../docs/verification.md")]
    mod verification {}
}

mod answers;
mod barrier;
mod clock;
pub mod config;
mod error;
mod hashing;
mod job;
mod key;
mod machine;
#[cfg(test)]
mod matrix;
mod padded;
mod presence;
mod shard;
mod snapshot;
mod stats;
mod store;
mod striped;
mod sync;

// Test-only fault injection (`--cfg eventorder_inject_bugs`, set by
// scripts/inject-bugs.sh).
#[cfg(eventorder_inject_bugs)]
#[doc(hidden)]
#[path = "inject.rs"]
pub mod __inject;

pub use answers::{Admission, Hold, IllegalSequence, Location};
pub use barrier::{
    Barrier, Builder, Offer, OrderingKey, PickupHandle, Round, WorkerHandle, MAX_SHARDS,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use error::{Error, Result};
pub use job::{Effect, JobId, JobState};
pub use key::BarrierKey;

pub use snapshot::{KeyMode, RecordSnapshot, Snapshot};
pub use stats::Stats;
