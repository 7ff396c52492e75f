//! What the router simulation (`src/main.rs`, binary `eventorder-router`) shares
//! with its kill test: the SQLite schema of the durable job store (`--db`), the
//! audit of a finished database, the kill driver (binary `kill-run` and
//! `tests/kill.rs`) and the seeded random numbers.
//!
//! See `README.md` beside this crate, section "Restarts: the kill test".

pub mod audit;
pub mod kill;
pub mod rng;
pub mod schema;
