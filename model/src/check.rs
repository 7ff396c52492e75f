//! The shipped configurations and the functions that check them.
//!
//! [`shipped`] are the configurations `check` runs (CI runs them, in a few
//! minutes on two cores); [`deep`] adds larger ones for `check --deep`;
//! [`restart_configs`] (and [`deep_restart_configs`]) are those with router
//! restarts, which `restart` runs under a chosen contract.
//!
//! [`run_check`] explores a configuration exhaustively (depth first) and reports
//! each property; [`counterexample`] finds a short path to a property's violation
//! by deepening `target_max_depth` one step at a time (breadth first, so the first
//! depth that shows a violation gives a shortest one), since stateright 0.31 does
//! not return shortest paths by itself.

use crate::pipeline::{Action, PipelineConfig, PipelineState};
use crate::properties::describe_step;
use crate::Mutant;
use stateright::{Checker, Expectation, Model, Path};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::time::{Duration, Instant};

mod configs;
mod restarts;

pub use configs::{configuration, deep, names, shipped};
pub use restarts::{restart_configs, under};

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

/// Whether the state graph of a configuration is acyclic (G-LIVE's end-state
/// check is then complete: every maximal path ends in a state without an
/// enabled action, where G-LIVE requires every job committed; see
/// [`crate::properties`]). A depth-first search over the whole graph (states
/// deduplicated by a 64-bit fingerprint, as stateright does) that keeps the
/// states of the current path: an action leading back to one of them closes a
/// cycle. `Ok` with the number of states, or `Err` with a lasso: the actions
/// from the initial state to the second visit of a state.
pub fn find_cycle(config: &PipelineConfig) -> Result<usize, Vec<Action>> {
    find_cycle_in(&config.model())
}

/// [`find_cycle`] for any model whose states hash: `Ok` with the number of
/// states if its state graph is acyclic, or `Err` with a lasso.
pub fn find_cycle_in<M>(model: &M) -> Result<usize, Vec<M::Action>>
where
    M: Model,
    M::State: Hash,
    M::Action: Clone,
{
    struct Frame<S, A> {
        state: S,
        print: u64,
        into: Option<A>,
        actions: Vec<A>,
        next: usize,
    }
    let fingerprint = |s: &M::State| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        s.hash(&mut hasher);
        hasher.finish()
    };
    let frame = |state: M::State, print: u64, into: Option<M::Action>| {
        let mut actions = Vec::new();
        model.actions(&state, &mut actions);
        Frame {
            state,
            print,
            into,
            actions,
            next: 0,
        }
    };
    // `true`: on the current path; `false`: fully explored.
    let mut on_path: HashMap<u64, bool> = HashMap::new();
    for init in model.init_states() {
        let print = fingerprint(&init);
        if on_path.contains_key(&print) {
            continue;
        }
        on_path.insert(print, true);
        let mut stack = vec![frame(init, print, None)];
        while let Some(top) = stack.last_mut() {
            if top.next == top.actions.len() {
                on_path.insert(top.print, false);
                stack.pop();
                continue;
            }
            let action = top.actions[top.next].clone();
            top.next += 1;
            let Some(after) = model.next_state(&top.state, action.clone()) else {
                continue;
            };
            let print = fingerprint(&after);
            match on_path.get(&print) {
                Some(true) => {
                    let mut lasso: Vec<M::Action> =
                        stack.iter().filter_map(|f| f.into.clone()).collect();
                    lasso.push(action);
                    return Err(lasso);
                }
                Some(false) => {}
                None => {
                    on_path.insert(print, true);
                    stack.push(frame(after, print, Some(action)));
                }
            }
        }
    }
    Ok(on_path.len())
}

#[cfg(test)]
mod cycle_tests {
    use super::find_cycle_in;
    use stateright::Model;

    /// A counter stepping `+1` up to `top`; with `wrap`, `top` steps back to 0.
    struct Counter {
        top: u8,
        wrap: bool,
    }

    impl Model for Counter {
        type State = u8;
        type Action = u8;

        fn init_states(&self) -> Vec<u8> {
            vec![0]
        }

        fn actions(&self, state: &u8, actions: &mut Vec<u8>) {
            if *state < self.top || self.wrap {
                actions.push(*state);
            }
        }

        fn next_state(&self, state: &u8, _: u8) -> Option<u8> {
            Some(if *state == self.top { 0 } else { state + 1 })
        }
    }

    #[test]
    fn an_acyclic_graph_is_counted_and_a_cycle_is_found() {
        assert_eq!(
            find_cycle_in(&Counter {
                top: 3,
                wrap: false
            }),
            Ok(4)
        );
        // 0 -> 1 -> 2 -> 3 -> 0: the lasso is the four actions that close it.
        assert_eq!(
            find_cycle_in(&Counter { top: 3, wrap: true }),
            Err(vec![0, 1, 2, 3])
        );
    }
}
