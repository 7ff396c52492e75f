// The README is the crate docs; its links to the guides are reference links whose
// repository-relative targets (for GitHub) are overridden here by the first
// definition of each label (for rustdoc and docs.rs): see `src/guide.rs`.
#![doc = include_str!("guide/links.md")]
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod guide;

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
