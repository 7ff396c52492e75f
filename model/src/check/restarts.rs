//! The restart configurations (issue 14): what `restart` checks, and what
//! `check` runs of it.

use super::names::*;
use crate::pipeline::{PipelineConfig, RestartContract};

/// The configurations with restarts that `check` runs, under the shipped
/// contract ([`RestartContract::WarmStart`]): every guarantee must hold.
/// `restart --contract …` runs them under another contract. Keys never go hot
/// (a `key_threshold` of 0, or above the jobs of a key, like production's 200)
/// and the predicate never holds, so there are no leftovers.
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
    ]
}

/// The larger configurations with restarts (`check --deep`, `restart --deep`).
pub fn deep() -> Vec<PipelineConfig> {
    vec![
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
        // job waits out its backoff (G-ORDER, G-BLOCK), and then meets the
        // failed job as an illegal sequence (G-QUIET).
        expect_refuted: &["G-ORDER", "G-BLOCK", "G-QUIET"],
        ..PipelineConfig::default()
    });
    all
}

/// A configuration under another contract (and, with `any_answers`, without
/// [`PipelineConfig::repeat_answers`]): every guarantee is then expected to
/// hold, so `restart` reports each refutation, with its shortest
/// counterexample.
pub fn under(
    config: &PipelineConfig,
    contract: RestartContract,
    any_answers: bool,
) -> PipelineConfig {
    PipelineConfig {
        contract,
        repeat_answers: !any_answers,
        expect_refuted: &[],
        ..config.clone()
    }
}
