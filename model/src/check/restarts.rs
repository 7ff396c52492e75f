//! The restart configurations (issue 14): what `restart` checks, and what
//! `check` runs of it.

use super::names::*;
use crate::pipeline::{PipelineConfig, RestartContract};
use crate::properties::paths;
use crate::reference::RefConfig;

/// The configurations with restarts that `check` runs under v3's warm start
/// ([`RestartContract::WarmStart`], every persisted failed job).
/// `restart --contract …` runs them under another contract. In the first two,
/// keys never go hot (a `key_threshold` of 0, or above the jobs of a key, like
/// production's 200) and the predicate never holds, so there are no leftovers;
/// in the last two a key goes hot or the predicate holds before a restart, so
/// leftovers (SPEC.md section 6) survive it, and the warm start can block a key
/// on a failed job younger than a job not failed
/// ([`paths::WARM_START_BLOCKS_OLDER`], which they must reach): v3 lets the
/// older job go first, and every guarantee holds (finding 9 resolved).
pub fn restart_configs() -> Vec<PipelineConfig> {
    vec![
        PipelineConfig {
            name: RESTART_ONE_KEY,
            keys: 1,
            jobs_per_key: 3,
            failures: 2,
            drain_limit: 1,
            restarts: 2,
            backoff: true,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: RESTART_TWO_KEYS,
            keys: 2,
            jobs_per_key: 2,
            failures: 1,
            drain_limit: 1,
            key_threshold: 9,
            workers: 1,
            restarts: 1,
            backoff: true,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: RESTART_HOT_TWO,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            key_threshold: 2,
            restarts: 1,
            backoff: true,
            paths: LEFTOVERS_ACROSS,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: RESTART_TOGGLE,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            toggles: 2,
            restarts: 1,
            backoff: true,
            paths: LEFTOVERS_ACROSS,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: RESTART_HOT_BATCH_1,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            key_threshold: 2,
            batch: 1,
            restarts: 1,
            backoff: true,
            paths: LEFTOVERS_ACROSS,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: RESTART_LEAVE,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            drain_limit: 1,
            key_threshold: 9,
            leaves: 1,
            restarts: 1,
            backoff: true,
            paths: &[paths::LEAVE_TRACKED],
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: RESTART_HOT_DRAIN,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            drain_limit: 1,
            key_threshold: 1,
            disabled_for: 0,
            half_enabled_for: 0,
            restarts: 1,
            backoff: true,
            paths: &[paths::HOT_DROPS_WINDOW],
            ..PipelineConfig::default()
        },
    ]
}

/// Settings for a live change: `drain_limit`, `key_threshold` and the timers
/// `disabled_for`, `half_enabled_for`, `drain_idle_for`.
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

/// What the configurations with leftovers across a restart must reach.
const LEFTOVERS_ACROSS: &[&str] = &[paths::WARM_START_BLOCKS_OLDER];

/// The larger configurations with restarts (`check --deep`, `restart --deep`).
pub fn deep() -> Vec<PipelineConfig> {
    vec![
        PipelineConfig {
            name: RESTART_HOT,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            key_threshold: 1,
            restarts: 1,
            backoff: true,
            paths: LEFTOVERS_ACROSS,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: DEEP_RESTART_LIVE,
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            drain_limit: 1,
            key_threshold: 2,
            live_settings: vec![settings(0, 0, [1, 1, 1])],
            reconfigures: 2,
            restarts: 1,
            backoff: true,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: DEEP_RESTART_FOUR_JOBS,
            keys: 1,
            jobs_per_key: 4,
            failures: 1,
            drain_limit: 1,
            key_threshold: 9,
            restarts: 2,
            backoff: true,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: DEEP_RESTART_TWO_KEYS,
            keys: 2,
            jobs_per_key: 2,
            failures: 1,
            drain_limit: 1,
            restarts: 2,
            backoff: true,
            ..PipelineConfig::default()
        },
    ]
}

/// The configurations `check --deep` runs last, whose state counts no test
/// pins: too large for either test tier (a restart with two keys on one worker
/// and a key going hot: more than 100 million states; 1 key x 4 jobs,
/// threshold 2: an estimate of 150 to 450 million, 15 to 45 minutes on two
/// cores).
pub fn slow() -> Vec<PipelineConfig> {
    vec![
        PipelineConfig {
            name: SLOW_RESTART_TWO_KEYS_HOT,
            keys: 2,
            jobs_per_key: 2,
            failures: 1,
            key_threshold: 1,
            workers: 1,
            disabled_for: 0,
            half_enabled_for: 0,
            restarts: 1,
            backoff: true,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: SLOW_RESTART_HOT_FOUR_JOBS,
            keys: 1,
            jobs_per_key: 4,
            failures: 1,
            key_threshold: 2,
            restarts: 1,
            backoff: true,
            paths: LEFTOVERS_ACROSS,
            ..PipelineConfig::default()
        },
    ]
}

/// What `check` runs of the restarts: retry backoff without a restart, the
/// restart configurations, and the expected refutation of a restart without a
/// contract.
pub fn shipped() -> Vec<PipelineConfig> {
    let mut all = vec![PipelineConfig {
        name: BACKOFF,
        keys: 2,
        jobs_per_key: 2,
        failures: 2,
        drain_limit: 1,
        backoff: true,
        ..PipelineConfig::default()
    }];
    all.extend(restart_configs());
    all.push(PipelineConfig {
        name: RESTART_NO_CONTRACT,
        keys: 1,
        jobs_per_key: 2,
        failures: 1,
        drain_limit: 1,
        restarts: 1,
        backoff: true,
        contract: RestartContract::None,
        // Finding: a fresh barrier admits a key's later job while its failed
        // job waits out its backoff (G-ORDER, G-BLOCK).
        expect_refuted: &[("G-ORDER", 11), ("G-BLOCK", 8)],
        ..PipelineConfig::default()
    });
    all
}

/// A configuration under another contract (and, with `any_answers`, without
/// [`PipelineConfig::repeat_answers`]): every guarantee is then expected to
/// hold, so `restart` reports each refutation, with its shortest
/// counterexample (under its own contract, a configuration keeps its expected
/// refutations). A contract without a warm start does not reach
/// [`paths::WARM_START_BLOCKS_OLDER`] (the property is then not checked).
pub fn under(
    config: &PipelineConfig,
    contract: RestartContract,
    any_answers: bool,
) -> PipelineConfig {
    let expect_refuted = if contract == config.contract && !any_answers {
        config.expect_refuted
    } else {
        &[]
    };
    PipelineConfig {
        contract,
        repeat_answers: !any_answers,
        expect_refuted,
        ..config.clone()
    }
}
