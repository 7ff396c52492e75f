//! The configurations `check` runs (and `check --deep`), by name.

use crate::pipeline::PipelineConfig;
use crate::properties::paths;
use crate::reference::RefConfig;

pub use crate::names;

use names::*;

fn settings(drain_limit: usize, key_threshold: usize, timers: [u64; 3]) -> RefConfig {
    RefConfig {
        drain_limit,
        key_threshold,
        disabled_for: timers[0],
        half_enabled_for: timers[1],
        drain_idle_for: timers[2],
        panic_on_illegal_sequence: false,
    }
}

/// The configurations `check` runs. Two are expected refutations, deliberate
/// misuse: two pickup loops sharing a barrier break G-ORDER (R-SYNC), and a
/// restart without a contract breaks G-ORDER and G-BLOCK (R-RESTART). Every
/// other configuration must satisfy every guarantee and reach every path it
/// names.
pub fn shipped() -> Vec<PipelineConfig> {
    vec![
        PipelineConfig {
            name: BASE,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            report_executing: true,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: HOT,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            key_threshold: 2,
            disabled_for: 1,
            half_enabled_for: 1,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: HOT_LEAVE,
            keys: 1,
            jobs_per_key: 6,
            failures: 0,
            key_threshold: 3,
            disabled_for: 0,
            half_enabled_for: 0,
            leaves: 1,
            paths: &[
                paths::ORDER_AFTER_COMEBACK,
                paths::LEAVE_TRACKED,
                paths::ORDER_ACROSS_PERIODS,
            ],
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: HOT_DRAIN,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            drain_limit: 1,
            key_threshold: 1,
            disabled_for: 1,
            half_enabled_for: 1,
            paths: &[paths::HOT_DROPS_WINDOW],
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: TOGGLE,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            key_threshold: 9,
            disabled_for: 0,
            half_enabled_for: 0,
            toggles: 2,
            paths: &[paths::OLDER_THAN_FAILED],
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: TOGGLE_DRAIN,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            drain_limit: 1,
            key_threshold: 2,
            disabled_for: 1,
            half_enabled_for: 1,
            toggles: 2,
            paths: &[paths::PREDICATE_DROPS_WINDOW],
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: LIVE_OFF,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            drain_limit: 1,
            key_threshold: 2,
            toggles: 1,
            live_settings: vec![settings(0, 0, [0, 2, 0])],
            reconfigures: 2,
            // Finding 4 (resolved by v3): G-DRAIN, stated at admission, holds
            // across `drain_limit` 1 -> 0 -> 1.
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: LIVE_ON,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            disabled_for: 0,
            half_enabled_for: 0,
            drain_idle_for: 0,
            toggles: 1,
            live_settings: vec![settings(2, 2, [2, 1, 2])],
            reconfigures: 2,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: LIVE_MID_BATCH,
            keys: 1,
            jobs_per_key: 4,
            failures: 1,
            drain_limit: 1,
            live_settings: vec![settings(0, 0, [1, 1, 1])],
            reconfigures: 1,
            // Finding 5 (resolved by v3): settings change at `sync` only, and
            // the round skips the key after a refusal.
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: LEAVE_DRAIN,
            keys: 1,
            jobs_per_key: 3,
            failures: 2,
            drain_limit: 1,
            leaves: 2,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: DRAIN_2,
            keys: 1,
            jobs_per_key: 4,
            failures: 1,
            drain_limit: 2,
            drain_idle_for: 0,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: TWO_BY_TWO,
            keys: 2,
            jobs_per_key: 2,
            failures: 2,
            drain_limit: 1,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: TWO_BY_THREE_ONE,
            keys: 2,
            jobs_per_key: 3,
            failures: 1,
            drain_limit: 1,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: HOT_BATCH_1,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            key_threshold: 2,
            batch: 1,
            paths: &[paths::OLDER_THAN_FAILED],
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: HOT_BATCH_2,
            keys: 1,
            jobs_per_key: 4,
            failures: 1,
            key_threshold: 2,
            batch: 2,
            paths: &[paths::OLDER_THAN_FAILED],
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: TWO_KEYS_BATCH_2,
            keys: 2,
            jobs_per_key: 2,
            failures: 2,
            drain_limit: 1,
            batch: 2,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: TWO_KEYS_BATCH_1,
            keys: 2,
            jobs_per_key: 2,
            failures: 1,
            batch: 1,
            backoff: true,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: MISORDERED,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            repeated_reads: 1,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: LIVE_DRAIN,
            keys: 1,
            jobs_per_key: 4,
            failures: 1,
            drain_limit: 2,
            drain_idle_for: 0,
            live_settings: vec![settings(1, 0, [1, 1, 0])],
            reconfigures: 2,
            paths: &[paths::WINDOW_LIMIT_LOWERED, paths::WINDOW_LIMIT_RAISED],
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: TWO_LOOPS,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            drain_limit: 1,
            pickup_loops: 2,
            // The second loop's `sync` lands in the first one's round: a later
            // job overtakes an earlier one (G-ORDER).
            expect_refuted: &[("G-ORDER", 18)],
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: LIVE_DRAIN_UP,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            drain_limit: 1,
            key_threshold: 2,
            live_settings: vec![settings(2, 2, [1, 1, 1])],
            reconfigures: 1,
            // A window opened under `drain_limit` 1 and held while it is
            // raised to 2, beside a hot key (issue 19).
            paths: &[paths::WINDOW_LIMIT_RAISED],
            ..PipelineConfig::default()
        },
    ]
    .into_iter()
    .chain(super::restarts::shipped())
    .collect()
}

/// The larger configurations `check --deep` adds (minutes each).
pub fn deep() -> Vec<PipelineConfig> {
    vec![
        PipelineConfig {
            name: TWO_BY_THREE_TWO,
            keys: 2,
            jobs_per_key: 3,
            failures: 2,
            drain_limit: 1,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: DEEP_TWO_KEYS_HOT_TOGGLE,
            keys: 2,
            jobs_per_key: 2,
            failures: 1,
            drain_limit: 1,
            key_threshold: 1,
            toggles: 1,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: DEEP_HOT_LEAVE_FAILURES,
            keys: 1,
            jobs_per_key: 4,
            failures: 1,
            drain_limit: 1,
            key_threshold: 2,
            disabled_for: 0,
            half_enabled_for: 0,
            leaves: 1,
            paths: &[paths::LEAVE_TRACKED],
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: DEEP_LIVE,
            keys: 1,
            jobs_per_key: 4,
            failures: 1,
            disabled_for: 0,
            half_enabled_for: 0,
            drain_idle_for: 0,
            live_settings: vec![settings(2, 2, [1, 1, 1])],
            reconfigures: 2,
            ..PipelineConfig::default()
        },
    ]
    .into_iter()
    .chain(super::restarts::deep())
    .collect()
}

/// The shipped, deep or slow configuration of that name.
pub fn configuration(name: &str) -> Option<PipelineConfig> {
    shipped()
        .into_iter()
        .chain(deep())
        .chain(super::restarts::slow())
        .find(|c| c.name == name)
}
