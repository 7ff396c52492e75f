//! An independent statement of the eventorder barrier's specification
//! (`SPEC.md`), and an exhaustive check of the router pipeline that uses it.
//!
//! * [`reference`](mod@reference): the barrier as a plain, deterministic value, one function per
//!   rule (`R-…`). It is the oracle of the conformance tests of the real barrier
//!   and the barrier inside the model. It has no defect switch.
//! * [`pipeline`]: the router's pickup loop (following SPEC.md section 1),
//!   workers and commit loop, clock ticks, predicate toggles, live changes of
//!   the settings, and router restarts with retry backoff under a caller
//!   contract ([`pipeline::RestartContract`]), as a stateright
//!   [`Model`](stateright::Model).
//! * [`properties`]: the seven guarantees of SPEC.md section 6 (`G-ORDER`,
//!   `G-BLOCK`, `G-DRAIN`, `G-LIMIT`, `G-GC`, `G-LIVE`, `G-QUIET`) and the
//!   `sometimes` properties that show the interesting paths are reached.
//! * [`mutants`]: a deliberately broken barrier for every rule with behaviour,
//!   built by a wrapper around the reference ([`mutants::Mutated`]), and one
//!   broken definition; each must be refuted.
//! * [`check`]: the shipped configurations and the functions that check them,
//!   with shortest counterexamples.
//!
//! This crate does not depend on the `eventorder` crate, on purpose.
//!
//! # Findings
//!
//! What the checker found about SPEC.md, and where each finding went (each is
//! reproduced by `cargo run --release -p eventorder-model -- check` or `-- mutants`,
//! which print the shortest counterexamples):
//!
//! 1. **Toggling `ordering_disabled` broke G-GC and G-LIVE (SPEC v1).** v1's R-MODE
//!    switched a record to `Disabled` but kept its `failed` job and tracked
//!    `inflight`, while R-EFF-RELEASE ignores every report made while the key is
//!    `Disabled`: a failed job that ended while the key was off blocked the key for
//!    good once it was back. SPEC v2 fixes it (R-MODE resets the record, R-EXPIRE);
//!    v1's R-MODE survives as the mutant [`Mutant::PredicateOnlySwitchesMode`]
//!    (G-LIVE), a `sync` without R-EXPIRE as [`Mutant::SyncNeverExpires`] (G-GC).
//! 2. **Drained jobs must go through the worker.** If the pickup loop aborts a
//!    drained failed job straight to the commit loop, a job admitted before the
//!    failure and still queued to the worker can be sent after a job re-admitted
//!    behind it (G-ORDER). SPEC v2 states it as part of the caller's contract.
//! 3. **Leftovers.** Jobs from a period with ordering off can be older than a job
//!    that fails later, and then meet it as an illegal sequence. SPEC v2 calls them
//!    leftovers (section 6) and asks the pickup loop not to skip a key after
//!    refusing one (section 1). With that pickup loop, G-QUIET holds in every
//!    shipped configuration with one loop; without the clause "or the key's failed
//!    job at that reset" of the definition, it fails in 13 steps (the definition
//!    mutant [`Mutant::LeftoverWithoutFailedAtReset`]).
//! 4. **G-DRAIN and a live `drain_limit` that goes down (SPEC v2).** R-CONFIG lets
//!    a window filled while `drain_limit` was 0 keep its jobs when the limit comes
//!    back: `drain_limit` 1 → 0 → 1 leaves two jobs of the window in flight
//!    (15 steps, configuration "live change: limits off and back", an expected
//!    refutation). The barrier follows its rules; G-DRAIN's wording does not say
//!    that the limit bounds admissions made while it is in force.
//! 5. **G-ORDER's batch clause and a live `drain_limit` change (SPEC v2).** A job
//!    refused by a full window, then `drain_limit` set to 0 (or raised) in the
//!    middle of the batch: the barrier would admit the batch's next job of the
//!    key, which the clause forbids (14 steps, configuration "live change
//!    mid-batch", an expected refutation). A pickup loop that follows section 1
//!    skips that job, so delivery order holds; the clause, stated of the barrier,
//!    does not.
//! 6. **G-LIMIT's count.** Read literally, "the jobs admitted into that record
//!    since it was created or last reset" includes the job accepted at the
//!    R-ENTER-HOT reset and those accepted while `Disabled`, which R-ENTER-HOT and
//!    R-ENTER-DISABLED do not track: the tracked-set clause would fail at the very
//!    `enter` that makes a key hot (4 steps). The model counts the admissions made
//!    while the key is `Enabled` or `HalfEnabled` (R-ENTER-TRACK's), the reading
//!    the rules support; see [`properties`].
//! 7. **Restarts need the warm start (R-RESTART).** After a restart the barrier
//!    is empty; a failed job waiting out its retry backoff is not in the batch,
//!    so a fresh barrier admits the key's later job, which is delivered first
//!    (G-ORDER across restarts, 11 steps, configuration "restart, no contract",
//!    an expected refutation). Reporting every persisted failed job to the new
//!    barrier before the pickup loop's first `enter` (`Barrier::recover`) makes
//!    every guarantee hold across restarts; its mutants
//!    [`Mutant::WarmStartRaces`] and [`Mutant::WarmStartSkipsLastKey`] are
//!    refuted. Skipping keys whose oldest job is not due keeps the delivery
//!    order but loses G-BLOCK and G-DRAIN (`restart --contract skip-not-due`).
//! 8. **Ordering across restarts assumes a deterministic destination.** A job
//!    whose terminal answer was lost in a restart and that is answered
//!    differently when re-sent (filtered, then delivered) lands after a later
//!    job: no barrier contract prevents it (`restart --any-answers`, 10 steps).
//!    The model assumes the same answer ([`pipeline::PipelineConfig::repeat_answers`]).
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
