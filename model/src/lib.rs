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
//!   reached. (`G-LIMIT` and `G-QUIET`, new in SPEC v2, are not checked yet.)
//! * [`mutants`]: deliberately broken barriers the checker must refute.
//! * [`check`]: the shipped configurations and the functions that check them.
//!
//! This crate does not depend on the `eventorder` crate, on purpose.
//!
//! # Findings
//!
//! What the checker found about SPEC.md, and where each finding went (each is
//! reproduced by `cargo run --release -p eventorder-model -- check` or `-- mutants`,
//! which print the counterexamples):
//!
//! 1. **Toggling `ordering_disabled` broke G-GC and G-LIVE (SPEC v1).** v1's R-MODE
//!    switched a record to `Disabled` but kept its `failed` job and tracked
//!    `inflight`, while R-EFF-RELEASE ignores every report made while the key is
//!    `Disabled`: a failed job that ended while the key was off blocked the key for
//!    good once it was back, and a key that went quiet kept its record. SPEC v2
//!    fixes both: R-MODE resets the record as R-ENTER-HOT does, and `sync` takes
//!    the timer steps and closes idle drain windows (R-EXPIRE). The configuration
//!    "ordering_disabled toggle" now satisfies every guarantee, with G-GC checked
//!    without exceptions; v1's R-MODE survives as the mutant
//!    [`Mutant::PredicateOnlySwitchesMode`], which G-LIVE refutes, and a `sync`
//!    without R-EXPIRE as [`Mutant::SyncNeverExpires`], which G-GC refutes.
//! 2. **Drained jobs must go through the worker.** If the pickup loop aborts a
//!    drained failed job straight to the commit loop, a job admitted before the
//!    failure and still queued to the worker can be sent after a job re-admitted
//!    behind it (G-ORDER). The model hands drained jobs to their worker, as the
//!    router does; SPEC v2 states it as part of the caller's contract (section 1).
//! 3. **Jobs from a period with ordering off.** A failed job admitted while the
//!    key was off can still block the key when it is `Enabled` again, and an
//!    older job then arrives as an illegal sequence. SPEC v2 calls such jobs
//!    *leftovers* and exempts them from G-ORDER; the model checks G-ORDER only
//!    once a key's leftovers are done (see [`properties`]).
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
