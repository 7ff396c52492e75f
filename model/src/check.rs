//! The shipped configurations and the functions that check them.
//!
//! [`shipped`] are the configurations `check` runs (CI runs them, in a few
//! minutes on two cores); [`deep`] adds larger ones for `check --deep`, and
//! [`slow`] the largest (not pinned by a test);
//! [`restart_configs`] (and [`deep_restart_configs`]) are those with router
//! restarts, which `restart` runs under a chosen contract.
//!
//! [`run_check`] explores a configuration exhaustively (depth first) and reports
//! each property; [`counterexample`] finds a short path to a property's violation
//! by deepening `target_max_depth` one step at a time (breadth first, so the first
//! depth that shows a violation gives a shortest one), since stateright 0.31 does
//! not return shortest paths by itself.

use crate::pipeline::{Action, PipelineConfig, PipelineState};
use crate::properties::{antecedents, describe_step, GUARANTEES};
use crate::Mutant;
use stateright::{Checker, Expectation, Model, Path};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::time::{Duration, Instant};

mod configs;
mod cycles;
mod restarts;
pub mod table;

pub use configs::{configuration, deep, names, shipped};
pub use cycles::{find_cycle, find_cycle_in};
pub use restarts::{restart_configs, under};

/// The configurations `check --deep` also runs, whose state counts no test
/// pins: too large for either test tier (tens of minutes each).
pub fn slow() -> Vec<PipelineConfig> {
    restarts::slow()
}

/// The restart configurations `check --deep` adds.
pub fn deep_restart_configs() -> Vec<PipelineConfig> {
    restarts::deep()
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
    /// Wall time (the counterexample searches of [`Self::refutations`]
    /// included).
    pub seconds: f64,
    /// Each property and whether it held (`always`: no violation; `sometimes`:
    /// an example was found), the guarantees' antecedents included.
    pub results: Vec<(&'static str, bool)>,
    /// Each refuted guarantee, with its shortest counterexample.
    pub refutations: Vec<Refutation>,
}

/// A refuted guarantee and its shortest counterexample.
#[derive(Clone, Debug)]
pub struct Refutation {
    /// The guarantee.
    pub property: &'static str,
    /// The shortest counterexample's number of steps and its readable text
    /// ([`format_path`]); `None` if there is none within [`REFUTATION_DEPTH`]
    /// steps.
    pub counterexample: Option<(usize, String)>,
}

/// How deep [`run_check`] looks for a refuted guarantee's shortest
/// counterexample.
pub const REFUTATION_DEPTH: usize = 80;

impl CheckReport {
    /// The properties that did not hold (the antecedents aside: a guarantee
    /// whose antecedent is not reached holds vacuously, see
    /// [`Self::antecedents`]).
    pub fn failed(&self) -> Vec<&'static str> {
        self.results
            .iter()
            .filter(|(name, held)| !held && antecedents::guarantee_of(name).is_none())
            .map(|(name, _)| *name)
            .collect()
    }

    /// Each guarantee, and whether its antecedent was reached
    /// ([`crate::properties::antecedents`]).
    pub fn antecedents(&self) -> Vec<(&'static str, bool)> {
        self.results
            .iter()
            .filter_map(|&(name, reached)| {
                antecedents::guarantee_of(name).map(|guarantee| (guarantee, reached))
            })
            .collect()
    }

    /// The length of the shortest counterexample of a refuted guarantee
    /// (`None` if it held, or has none within [`REFUTATION_DEPTH`] steps).
    pub fn steps(&self, property: &str) -> Option<usize> {
        self.refutations
            .iter()
            .find(|r| r.property == property)
            .and_then(|r| r.counterexample.as_ref())
            .map(|(steps, _)| *steps)
    }

    /// Whether the result is what the configuration expects: exactly the
    /// properties of [`PipelineConfig::expect_refuted`] are refuted, each with
    /// a shortest counterexample of the expected length, and every other
    /// property holds (every path the configuration names is reached).
    pub fn as_expected(&self) -> bool {
        let expected = self.config.expect_refuted;
        let failed = self.failed();
        expected
            .iter()
            .all(|&(name, steps)| failed.contains(&name) && self.steps(name) == Some(steps))
            && failed
                .iter()
                .all(|name| expected.iter().any(|(e, _)| e == name))
    }
}

/// The guarantees whose antecedent was reached in none of the reports: they
/// hold vacuously on every configuration checked. `check` fails when this is
/// not empty for the whole shipped set.
pub fn vacuous(reports: &[CheckReport]) -> Vec<&'static str> {
    GUARANTEES
        .iter()
        .copied()
        .filter(|guarantee| {
            !reports.iter().any(|report| {
                report
                    .antecedents()
                    .iter()
                    .any(|&(g, reached)| g == *guarantee && reached)
            })
        })
        .collect()
}

/// Explore a configuration completely (depth first, `threads` threads), then
/// look for a shortest counterexample of each refuted guarantee (up to
/// [`REFUTATION_DEPTH`] steps). With `progress`, print the state count to
/// stderr every few seconds.
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
    let results: Vec<(&'static str, bool)> = config
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
    let refutations = results
        .iter()
        .filter(|(name, held)| !held && GUARANTEES.contains(name))
        .map(|&(property, _)| Refutation {
            property,
            counterexample: counterexample(config, property, REFUTATION_DEPTH).map(|path| {
                let steps = path.clone().into_actions().len();
                (steps, format_path(config, &path))
            }),
        })
        .collect();
    CheckReport {
        config: config.clone(),
        unique_states: checker.unique_state_count(),
        max_depth: checker.max_depth(),
        seconds: start.elapsed().as_secs_f64(),
        results,
        refutations,
    }
}

/// A shortest path to a violation of `property` (an `always` property; for a
/// `sometimes` property, to an example), with at most `max_depth` steps;
/// `None` if there is none that short.
///
/// stateright 0.31 does not return shortest paths, so this is a plain
/// breadth-first search over the same model (its states deduplicated by a
/// 64-bit fingerprint, as stateright does), level by level: the first violation
/// found is at the smallest depth.
pub fn counterexample(
    config: &PipelineConfig,
    property: &'static str,
    max_depth: usize,
) -> Option<Path<PipelineState, Action>> {
    let model = config.model();
    let property = model
        .properties()
        .into_iter()
        .find(|p| p.name == property)?;
    let found = |s: &PipelineState| match property.expectation {
        Expectation::Always | Expectation::Eventually => !(property.condition)(&model, s),
        Expectation::Sometimes => (property.condition)(&model, s),
    };
    let fingerprint = |s: &PipelineState| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        s.hash(&mut hasher);
        hasher.finish()
    };
    // Each state's fingerprint, with its parent's and the action from it.
    let mut parents: HashMap<u64, Option<(u64, Action)>> = HashMap::new();
    let mut frontier = Vec::new();
    let mut hit = None;
    for state in model.init_states() {
        let print = fingerprint(&state);
        if parents.insert(print, None).is_none() {
            if found(&state) {
                hit = Some(print);
            }
            frontier.push(state);
        }
    }
    let mut actions = Vec::new();
    for _ in 0..max_depth {
        if hit.is_some() || frontier.is_empty() {
            break;
        }
        let mut next = Vec::new();
        'level: for state in frontier {
            let from = fingerprint(&state);
            actions.clear();
            model.actions(&state, &mut actions);
            for action in actions.drain(..) {
                let Some(after) = model.next_state(&state, action.clone()) else {
                    continue;
                };
                let print = fingerprint(&after);
                if parents.contains_key(&print) {
                    continue;
                }
                parents.insert(print, Some((from, action)));
                if found(&after) {
                    hit = Some(print);
                    break 'level;
                }
                next.push(after);
            }
        }
        frontier = next;
    }
    let mut print = hit?;
    let mut steps = Vec::new();
    while let Some(Some((parent, action))) = parents.get(&print) {
        steps.push(action.clone());
        print = *parent;
    }
    steps.reverse();
    let init = model
        .init_states()
        .into_iter()
        .find(|s| fingerprint(s) == print)?;
    Path::from_actions(&model, init, &steps)
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
    /// The configuration it is checked on.
    pub configuration: &'static str,
    /// The property expected to refute it.
    pub property: &'static str,
    /// The readable counterexample, if it was refuted.
    pub counterexample: Option<String>,
    /// Its number of steps.
    pub steps: usize,
    /// Wall time of the search.
    pub seconds: f64,
}

/// Check one mutant on its configuration ([`Mutant::configuration`]): look for a
/// shortest counterexample of the property that must refute it (deepening up to
/// 60 steps).
pub fn check_mutant(mutant: Mutant) -> MutantReport {
    let start = Instant::now();
    let name = mutant.configuration();
    let config = PipelineConfig {
        mutant: Some(mutant),
        ..configuration(name).unwrap_or_else(|| panic!("no configuration {name:?}"))
    };
    let property = mutant.refuted_by();
    let path = counterexample(&config, property, 60);
    MutantReport {
        mutant,
        configuration: name,
        property,
        steps: path.as_ref().map_or(0, |p| p.clone().into_actions().len()),
        counterexample: path.map(|p| format_path(&config, &p)),
        seconds: start.elapsed().as_secs_f64(),
    }
}
