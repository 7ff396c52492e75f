//! The restart configurations (issue 14): what `restart` checks, and what
//! `check` runs of it.

use super::names::*;
use crate::pipeline::{PipelineConfig, RestartContract};
use crate::properties::paths;

/// The configurations with restarts that `check` runs under the first warm start
/// ([`RestartContract::WarmStart`], every persisted failed job); `check` also
/// runs the last two under the shipped, oldest-only one
/// ([`RestartContract::WarmStartOldest`], see `shipped`).
/// `restart --contract …` runs them under another contract. In the first two,
/// keys never go hot (a `key_threshold` of 0, or above the jobs of a key, like
/// production's 200) and the predicate never holds, so there are no leftovers;
/// in the last two a key goes hot or the predicate holds before a restart, so
/// leftovers (SPEC.md section 6) survive it, and the warm start can block a key
/// on a failed job younger than a job not failed
/// ([`paths::WARM_START_BLOCKS_OLDER`], which they must reach): with two
/// toggles the older job need not be a leftover, and the warm start is refuted.
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
            // Finding: the predicate resets the key while a job that is not a
            // leftover is pending and a later one in flight; that one fails
            // while `Disabled` (persisted `failed`), the predicate is switched
            // off, the router restarts, and the warm start blocks the key on
            // it: the older job's `enter` is an illegal sequence (G-QUIET) and
            // section 1's exception then admits the failed job past it in the
            // same batch (G-ORDER's batch clause).
            expect_refuted: &["G-ORDER", "G-QUIET"],
            ..PipelineConfig::default()
        },
    ]
}

/// What the configurations with leftovers across a restart must reach (under
/// [`RestartContract::WarmStart`]; under [`RestartContract::WarmStartOldest`] it
/// must not be reached, see [`under`]).
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
    // The shipped contract (R-RESTART, oldest-only) where ordering was off
    // before the restart: every guarantee holds, and the warm start never blocks
    // a key on a failed job younger than a job not failed.
    for (name, oldest) in [
        (RESTART_HOT_TWO, RESTART_HOT_TWO_OLDEST),
        (RESTART_TOGGLE, RESTART_TOGGLE_OLDEST),
    ] {
        let config = restart_configs()
            .into_iter()
            .find(|c| c.name == name)
            .expect("a restart configuration");
        all.push(PipelineConfig {
            name: oldest,
            ..under(&config, RestartContract::WarmStartOldest, false)
        });
    }
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
/// counterexample (under its own contract, a configuration keeps its expected
/// refutations). Under [`RestartContract::WarmStartOldest`], the path
/// [`paths::WARM_START_BLOCKS_OLDER`] is expected never to be reached.
pub fn under(
    config: &PipelineConfig,
    contract: RestartContract,
    any_answers: bool,
) -> PipelineConfig {
    let oldest = contract == RestartContract::WarmStartOldest
        && config.paths.contains(&paths::WARM_START_BLOCKS_OLDER);
    let expect_refuted = if oldest {
        LEFTOVERS_ACROSS
    } else if contract == config.contract && !any_answers {
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
