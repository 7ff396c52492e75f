//! An independent statement of the eventorder barrier's specification
//! (`SPEC.md`), and an exhaustive check of the router pipeline that uses it.
//!
//! * [`reference`]: the barrier as a plain, deterministic value, one function per
//!   rule (`R-…`). It is the oracle of the conformance tests of the real barrier
//!   and the barrier inside the model.
//! * [`pipeline`]: the router's pickup loop, workers and commit loop as a
//!   stateright [`Model`](stateright::Model) over the reference.
//! * [`properties`]: the guarantees `G-ORDER`, `G-BLOCK`, `G-DRAIN`, `G-GC`,
//!   `G-LIVE` and the `sometimes` properties that show the interesting paths are
//!   reached.
//! * [`mutants`]: deliberately broken barriers the checker must refute.
//! * [`check`]: the shipped configurations and the functions that check them.
//!
//! This crate does not depend on the `eventorder` crate, on purpose.
//!
//! ```no_run
//! use eventorder_model::check::{run_check, shipped};
//! for config in shipped() {
//!     let report = run_check(&config, 2, false);
//!     assert!(report.as_expected(), "{}: {:?}", config.name, report.failed());
//! }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod check;
pub mod mutants;
pub mod pipeline;
pub mod properties;
pub mod reference;

pub use mutants::Mutant;
