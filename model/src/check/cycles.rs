//! The acyclicity search that makes G-LIVE's end-state check complete.

use crate::pipeline::{Action, PipelineConfig};
use stateright::Model;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

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
