//! An independent statement of the eventorder barrier's specification
//! (`SPEC.md`), and an exhaustive check of the router pipeline that uses it.
//!
//! * [`reference`](mod@reference): the barrier of SPEC v3 as a plain,
//!   deterministic value, one function per rule (`R-…`), rounds and the warm
//!   start included. It is the oracle of the conformance tests of the real
//!   barrier and the barrier inside the model. It has no defect switch.
//! * [`pipeline`]: the router's pickup loop (a round of the reference over a
//!   bounded batch, SPEC.md section 1), workers and commit loop, clock ticks, predicate toggles, live changes of
//!   the settings, and router restarts with retry backoff under a caller
//!   contract ([`pipeline::RestartContract`]), as a stateright
//!   [`Model`](stateright::Model).
//! * [`properties`]: the seven guarantees of SPEC.md section 6 (`G-ORDER`,
//!   `G-BLOCK`, `G-DRAIN`, `G-LIMIT`, `G-GC`, `G-LIVE`, `G-QUIET`), the
//!   `sometimes` properties that show the interesting paths are reached, and
//!   each guarantee's antecedent ([`properties::antecedents`]: `check` fails
//!   when one is reached in no shipped configuration).
//! * [`mutants`]: a deliberately broken barrier (or warm start) for every rule
//!   with behaviour, built by a wrapper around the reference
//!   ([`mutants::Mutated`]); each must be refuted.
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
//!    that fails later. v2 refused them and reported illegal sequences (G-QUIET
//!    of v2 held only because every report was about a leftover: a false alarm,
//!    a crash under the production policy). SPEC v3 lets older jobs go first and
//!    reports none; v2's report is the mutant [`Mutant::ReportsIllegalLikeV2`]
//!    (G-QUIET).
//! 4. **G-DRAIN and a live `drain_limit` change (v2; resolved by v3).** A window
//!    filled while `drain_limit` was 0 kept its jobs when the limit came back.
//!    v3 states G-DRAIN at admission and installs settings at `sync`: the
//!    configuration "live change: limits off and back" passes.
//! 5. **G-ORDER's batch clause and a live `drain_limit` change (v2; resolved by
//!    v3).** Settings change at `sync` only, and the round skips the key after a
//!    refusal: "live change mid-batch" passes.
//! 6. **G-LIMIT's count.** Read literally, "the jobs admitted into that record
//!    since it was created or last reset" includes the job accepted at the
//!    R-ENTER-HOT reset and those accepted while `Disabled`, which R-ENTER-HOT and
//!    R-ENTER-DISABLED do not track. The model counts the admissions made while
//!    the key is `Enabled` or `HalfEnabled`, as v3 words it; see [`properties`].
//! 7. **Restarts need the warm start (R-RESTART).** After a restart the barrier
//!    is empty; a failed job waiting out its retry backoff is not in the batch,
//!    so a fresh barrier admits the key's later job, which is delivered first
//!    (G-ORDER across restarts, 11 steps, configuration "restart, no contract",
//!    an expected refutation). `recover` with every persisted failed job makes
//!    every guarantee hold across restarts; its mutants
//!    [`Mutant::WarmStartRaces`], [`Mutant::WarmStartSkipsLastKey`] and v2's
//!    [`Mutant::WarmStartOldestOnly`] are refuted.
//! 8. **Ordering across restarts assumes a deterministic destination.** A job
//!    whose terminal answer was lost in a restart and that is answered
//!    differently when re-sent (filtered, then delivered) lands after a later
//!    job: no barrier contract prevents it (`restart --any-answers`, 10 steps).
//!    The model assumes the same answer ([`pipeline::PipelineConfig::repeat_answers`]).
//! 9. **The first warm start after ordering was off (v2; resolved by v3).** It
//!    could block a key on a failed job younger than a pending job; under v2
//!    that job's `enter` was an illegal sequence. With older jobs first it goes
//!    first, and "restart, toggle" passes every guarantee.
//! 10. **v2 livelocks under bounded batches.** v2's R-ENTER-FAILED
//!     ([`Mutant::OlderJobsHeldLikeV2`]) is refuted by G-LIVE in 19 steps on
//!     "hot key, batch 1": a refused leftover older than the failed job is the
//!     whole batch at every round. G-LIVE sees it because the model is acyclic
//!     ([`check::find_cycle`]) and checks every end state.
//! 11. **A key needs the set of its failed jobs.** A single slot (`min(f, job)`,
//!     or keeping `f`) forgets a failed job and a later job is sent while it is
//!     failed ([`Mutant::FailedSlotMin`], [`Mutant::FailedSlotKeepsFirst`],
//!     G-BLOCK).
//! 12. **R-OFFER's `OutOfOrder` guards a batch that repeats a job**
//!     ([`Mutant::OutOfOrderAccepted`], G-ORDER).
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
pub mod names;
pub mod pipeline;
pub mod properties;
pub mod reference;

pub use mutants::Mutant;
