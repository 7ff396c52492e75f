//! The shipped configurations and the functions that check them.
//!
//! [`run_check`] explores a configuration exhaustively (depth first) and reports
//! each property; [`counterexample`] finds a short path to a property's violation
//! by deepening `target_max_depth` one step at a time (breadth first, so the first
//! depth that shows a violation gives a shortest one), since stateright 0.31 does
//! not return shortest paths by itself.

use crate::pipeline::{Action, PipelineConfig, PipelineState};
use crate::properties::describe_step;
use crate::reference::RefConfig;
use crate::Mutant;
use stateright::{Checker, Expectation, HasDiscoveries, Model, Path};
use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

/// The configurations `check` runs. One is an expected refutation: two pickup
/// loops sharing a barrier break G-ORDER (R-SYNC). Every other configuration
/// must satisfy every guarantee, among them SPEC v1's stuck key
/// ("ordering_disabled toggle"), predicate toggles over failed jobs, drain
/// windows and a hot key, and live changes of the settings (R-CONFIG).
pub fn shipped() -> Vec<PipelineConfig> {
    vec![
        PipelineConfig {
            name: "hot key (threshold 2, timers 1+1)",
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            key_threshold: 2,
            disabled_for: 1,
            half_enabled_for: 1,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: "ordering_disabled toggle",
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            key_threshold: 9,
            disabled_for: 0,
            half_enabled_for: 0,
            toggles: 2,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: "toggle + hot key + drain 1",
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            drain_limit: 1,
            key_threshold: 2,
            disabled_for: 1,
            half_enabled_for: 1,
            toggles: 2,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: "live change: limits off, timers changed",
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            drain_limit: 1,
            key_threshold: 2,
            disabled_for: 1,
            half_enabled_for: 1,
            drain_idle_for: 1,
            toggles: 1,
            live_change: Some(RefConfig {
                drain_limit: 0,
                key_threshold: 0,
                disabled_for: 0,
                half_enabled_for: 2,
                drain_idle_for: 0,
                panic_on_illegal_sequence: false,
            }),
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: "live change: limits on, timers changed",
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            drain_limit: 0,
            key_threshold: 0,
            disabled_for: 0,
            half_enabled_for: 0,
            drain_idle_for: 0,
            toggles: 1,
            live_change: Some(RefConfig {
                drain_limit: 1,
                key_threshold: 2,
                disabled_for: 2,
                half_enabled_for: 1,
                drain_idle_for: 2,
                panic_on_illegal_sequence: false,
            }),
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: "leave + drain 1",
            keys: 1,
            jobs_per_key: 3,
            failures: 2,
            drain_limit: 1,
            leaves: 2,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: "2 keys x 2 jobs x 2 failures, drain 1",
            keys: 2,
            jobs_per_key: 2,
            failures: 2,
            drain_limit: 1,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: "2 keys x 3 jobs x 1 failure, drain 1",
            keys: 2,
            jobs_per_key: 3,
            failures: 1,
            drain_limit: 1,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: "2 keys x 3 jobs x 2 failures, drain 1",
            keys: 2,
            jobs_per_key: 3,
            failures: 2,
            drain_limit: 1,
            ..PipelineConfig::default()
        },
        PipelineConfig {
            name: "two pickup loops, one barrier",
            keys: 1,
            jobs_per_key: 3,
            failures: 1,
            drain_limit: 1,
            pickup_loops: 2,
            expect_refuted: &["G-ORDER"],
            ..PipelineConfig::default()
        },
    ]
}

/// The result of checking one configuration.
#[derive(Clone, Debug)]
pub struct CheckReport {
    /// What was checked.
    pub config: PipelineConfig,
    /// Unique states explored.
    pub unique_states: usize,
    /// The deepest path explored.
    pub max_depth: usize,
    /// Wall time.
    pub seconds: f64,
    /// Each property and whether it held (`always`: no violation; `sometimes`:
    /// an example was found).
    pub results: Vec<(&'static str, bool)>,
}

impl CheckReport {
    /// The properties that did not hold.
    pub fn failed(&self) -> Vec<&'static str> {
        self.results
            .iter()
            .filter(|(_, held)| !held)
            .map(|(name, _)| *name)
            .collect()
    }

    /// Whether the result is what the configuration expects: exactly the
    /// properties of [`PipelineConfig::expect_refuted`] are refuted.
    pub fn as_expected(&self) -> bool {
        let expected = self.config.expect_refuted;
        let failed = self.failed();
        expected.iter().all(|name| failed.contains(name))
            && failed.iter().all(|name| expected.contains(name))
    }
}

/// Explore a configuration completely (depth first, `threads` threads). With
/// `progress`, print the state count to stderr every few seconds.
pub fn run_check(config: &PipelineConfig, threads: usize, progress: bool) -> CheckReport {
    let start = Instant::now();
    let checker = config.model().checker().threads(threads).spawn_dfs();
    let mut last = Instant::now();
    while !checker.is_done() {
        std::thread::sleep(Duration::from_millis(100));
        if progress && last.elapsed() >= Duration::from_secs(3) {
            last = Instant::now();
            eprint!(
                "\r  … {}: {} states, depth {}, {:.0} s   ",
                config.name,
                checker.unique_state_count(),
                checker.max_depth(),
                start.elapsed().as_secs_f64()
            );
            let _ = std::io::stderr().flush();
        }
    }
    let checker = checker.join();
    if progress && start.elapsed() >= Duration::from_secs(3) {
        eprint!("\r{:120}\r", "");
    }
    let discoveries = checker.discoveries();
    let results = config
        .model()
        .properties()
        .iter()
        .map(|p| {
            let found = discoveries.contains_key(p.name);
            let held = match p.expectation {
                Expectation::Sometimes => found,
                Expectation::Always | Expectation::Eventually => !found,
            };
            (p.name, held)
        })
        .collect();
    CheckReport {
        config: config.clone(),
        unique_states: checker.unique_state_count(),
        max_depth: checker.max_depth(),
        seconds: start.elapsed().as_secs_f64(),
        results,
    }
}

/// A short path to a violation of `property`, searched with growing depth
/// bounds up to `max_depth`; `None` if there is none within that depth.
pub fn counterexample(
    config: &PipelineConfig,
    property: &'static str,
    max_depth: usize,
) -> Option<Path<PipelineState, Action>> {
    (2..=max_depth).find_map(|depth| {
        let checker = config
            .model()
            .checker()
            .threads(1)
            .target_max_depth(depth)
            .finish_when(HasDiscoveries::AnyOf(BTreeSet::from([property])))
            .spawn_bfs()
            .join();
        checker.discovery(property)
    })
}

/// A path as a numbered list of readable steps.
pub fn format_path(config: &PipelineConfig, path: &Path<PipelineState, Action>) -> String {
    let steps = path.clone().into_vec();
    let mut out = String::new();
    for (n, (state, action)) in steps.iter().enumerate() {
        if let Some(action) = action {
            out += &format!("  {:>2}. {}\n", n + 1, describe_step(config, state, action));
        }
    }
    out
}

/// A mutant's configuration and whether the checker refuted it, with the
/// counterexample (as [`format_path`] prints it).
#[derive(Clone, Debug)]
pub struct MutantReport {
    /// The mutant.
    pub mutant: Mutant,
    /// The property expected to refute it.
    pub property: &'static str,
    /// The readable counterexample, if it was refuted.
    pub counterexample: Option<String>,
    /// Its number of steps.
    pub steps: usize,
}

/// Check one mutant: look for a short counterexample of the property that must
/// refute it (deepening up to 40 steps).
pub fn check_mutant(mutant: Mutant) -> MutantReport {
    let config = PipelineConfig {
        mutant: Some(mutant),
        ..mutant.configuration()
    };
    let property = mutant.refuted_by();
    let path = counterexample(&config, property, 40);
    MutantReport {
        mutant,
        property,
        steps: path.as_ref().map_or(0, |p| p.clone().into_actions().len()),
        counterexample: path.map(|p| format_path(&config, &p)),
    }
}
