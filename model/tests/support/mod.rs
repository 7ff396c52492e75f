//! Shared by `configurations.rs` and `restarts.rs`: a configuration by name, its
//! check against a pinned state count, and the `pinned!` macro that makes one
//! test per pinned configuration.

#![allow(dead_code)] // each test file uses its own part

use eventorder_model::check::{configuration, run_check, CheckReport};
use eventorder_model::pipeline::PipelineConfig;

/// The shipped or deep configuration of that name.
pub fn config(name: &str) -> PipelineConfig {
    configuration(name).unwrap_or_else(|| panic!("no configuration {name:?}"))
}

/// Checks the configuration: exactly its expected refutations, every path it
/// names reached, and `pinned` unique states (a complete run).
pub fn check(name: &str, pinned: usize) -> CheckReport {
    let config = config(name);
    let report = run_check(&config, 2, false);
    assert!(
        report.as_expected(),
        "{name}: refuted or unreached {:?}, expected exactly {:?} refuted",
        report.failed(),
        config.expect_refuted
    );
    assert_eq!(report.unique_states, pinned, "{name}: unique states");
    report
}

/// One `#[test]` per `name: configuration => states;` line, calling [`check`].
macro_rules! pinned {
    ($($(#[$attr:meta])* $test:ident: $name:expr => $states:expr;)*) => {
        $(
            $(#[$attr])*
            #[test]
            fn $test() {
                support::check($name, $states);
            }
        )*
    };
}
