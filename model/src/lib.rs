//! An independent statement of the eventorder barrier's specification
//! (`SPEC.md`), and an exhaustive check of the router pipeline that uses it.
//!
//! * [`reference`](mod@reference): the barrier as a plain, deterministic value, one function per
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
//! # Findings
//!
//! What the checker found about SPEC.md as it stands (each is reproduced by
//! `cargo run --release -p eventorder-model -- check`, which prints the
//! counterexamples):
//!
//! 1. **Toggling `ordering_disabled` breaks G-GC and G-LIVE.** R-MODE switches a
//!    record to `Disabled` but keeps its `failed` job and tracked `inflight`,
//!    while R-EFF-RELEASE ignores every report made while the key is `Disabled`.
//!    So a failed job that ends while the key is switched off stays `failed` for
//!    good once the key is back (its later jobs are refused forever: G-LIVE), and
//!    a job reported while the key is off stays in `inflight` for good (the record
//!    is never collected: G-GC). A hot key (R-ENTER-HOT) does not have this
//!    problem, since it replaces the record. The shipped configuration
//!    "ordering_disabled toggle" is therefore an expected refutation of both.
//! 2. **Drained jobs must go through the worker.** If the pickup loop aborts a
//!    drained failed job straight to the commit loop, a job admitted before the
//!    failure and still queued to the worker can be sent after a job re-admitted
//!    behind it (G-ORDER). The model hands drained jobs to their worker, as the
//!    router does; SPEC.md does not say which.
//! 3. **Jobs from a period with ordering off.** A failed job admitted while the
//!    key was off can still block the key when it is `Enabled` again, and an
//!    older job then arrives as an illegal sequence. G-ORDER is therefore checked
//!    only once such leftover jobs are done (see [`properties`]).
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
