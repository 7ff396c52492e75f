//! Exhaustive replay: every transition of a bounded part of the reference's state
//! space, replayed on the real barrier.
//!
//! For each bounded configuration below, a breadth-first search walks the
//! reachable states of the reference barrier of `eventorder-model` (one or two
//! keys, job ids 1..=3, every operation of the public API (see `tests/api_contract.rs`), `state_changed` with the five
//! supported states and `executing`, predicate toggles, a one-tick clock advance,
//! live `reconfigure` (R-CONFIG, installed at the next `sync`) among three
//! settings: the configuration's own, one with other timers — `drain_idle_for`
//! included — and one with other limits; two whole rounds (every job of every
//! key offered in job-id order; an admission undone, then a later offer) and a
//! batch of reports). With the one-tick advance and `sync` among the calls, every timer
//! (`disabled_for`, `half_enabled_for`, `drain_idle_for`) is crossed, exactly and
//! by one, before a `sync` (R-EXPIRE), also right after a live change of the
//! timers; and the predicate is switched on and off over failed jobs and drain
//! windows (R-MODE's reset). States are deduplicated with the reference's own
//! `Hash`/`Eq`, after abstractions that do not change any future answer: time is
//! shifted so that `now` is fixed and ages one tick past the longest value of
//! their timer are capped, and the two keys are put in a canonical order (they
//! are symmetric). At most [`MAX_QUEUED`] effects wait for a `sync` (states with
//! more are checked but not expanded). Each configuration walks the first states
//! in BFS order. The fast tier (`cargo test --workspace --release`, a few
//! seconds here): 20,000 with one key, 4,000 with two (BFS depth 5 or 6, and 4).
//! The deep tier (`-- --ignored`): the whole reachable space of one key,
//! production-like (which includes any first states of it), 150,000 states of
//! one key under the panic policy and 25,000 with two keys (the bounded model
//! check of `eventorder-model` covers longer runs of the reference itself). A pending `reconfigure` (R-CONFIG: installed at the
//! next `sync`) is part of the state, so the one-key space is about four times
//! SPEC v2's.
//!
//! Counts, pinned below (states, transitions, of which changing the state,
//! depth). One key, production-like (drain limit 1, key threshold 2, 1-tick
//! timers, report policy): 20,000, 800,000, 482,840, 5 (the whole space, deep:
//! 984,456, 39,378,240, 25,846,401, 23); one key, panic policy (drain limit 2,
//! no key threshold): 20,000, 800,000, 475,672, 6 (deep: 150,000, 6,000,000,
//! 3,723,911, 10); two keys, production-like: 4,000, 284,000, 143,140, 4 (deep:
//! 25,000, 1,775,000, 939,655, 5); two keys, panic policy: 4,000, 284,000,
//! 142,138, 4 (deep: 25,000, 1,775,000, 930,682, 5). Under a cap the state and
//! transition counts follow from the cap; the changing count and the depth
//! follow from the rules, so each pin can fail.
//!
//! Every (state, operation) pair is a transition: the real barrier is rebuilt by
//! replaying the BFS path to the state (a shortest one), then the operation is run
//! on both; the answer (no illegal-sequence report or panic may occur), and then the whole
//! observable state (size, queued effects, peek and is_disabled of both keys,
//! every record field) are compared. The number of distinct transitions checked
//! is printed and pinned, so a change in the reference's shape or in the bounds
//! shows up here.

mod support;

use std::collections::{HashSet, VecDeque};

use eventorder::JobState;
use eventorder_model::reference::{RefConfig, Reference};
use support::{compare_many, compare_state, Action, Call, Key, Sut};

const JOBS: [i64; 3] = [1, 2, 3];
/// States with more queued effects than this are checked, not expanded.
const MAX_QUEUED: usize = 2;

/// Every call from any state: 2 keys × 3 jobs × (enter, wait, leave, six states)
/// plus sync, size, peek, is_disabled, advance, predicate toggles and a live
/// `reconfigure` to each of the `settings`.
fn calls(keys: &[Key], settings: &[RefConfig]) -> Vec<Call> {
    let mut calls = Vec::new();
    for &k in keys {
        for j in JOBS {
            calls.push(Call::Enter(k, j));
            calls.push(Call::Wait(k, j));
            calls.push(Call::Leave(k, j));
            for s in support::states_to_try() {
                calls.push(Call::State(k, j, s));
            }
        }
        calls.push(Call::Peek(k));
        calls.push(Call::IsDisabled(k));
        calls.push(Call::Predicate(k, true));
        calls.push(Call::Predicate(k, false));
    }
    calls.push(Call::Sync);
    calls.push(Call::Size);
    calls.push(Call::Advance(1));
    // Rounds (R-ROUND, R-OFFER): the whole batch in job-id order (a refusal
    // skips the key's later jobs), and an admission undone (the key skipped).
    let batch: Vec<(Key, i64)> = JOBS
        .iter()
        .flat_map(|&j| keys.iter().map(move |&k| (k, j)))
        .collect();
    calls.push(Call::Round(vec![Action::OfferAll(batch)]));
    calls.push(Call::Round(vec![
        Action::Offer(keys[0], 1),
        Action::Undo(keys[0], 1),
        Action::Offer(keys[0], 2),
    ]));
    // A batch of reports (report_all).
    calls.push(Call::ReportAll(vec![
        (keys[0], 1, JobState::Succeeded),
        (keys[0], 2, JobState::Failed),
    ]));
    calls.extend(settings.iter().cloned().map(Call::Reconfigure));
    calls
}

/// The longest value of each timer among `settings` (for the time abstraction).
fn longest_timers(settings: &[RefConfig]) -> RefConfig {
    let longest = |timer: fn(&RefConfig) -> u64| settings.iter().map(timer).max().unwrap_or(0);
    RefConfig {
        disabled_for: longest(|c| c.disabled_for),
        half_enabled_for: longest(|c| c.half_enabled_for),
        drain_idle_for: longest(|c| c.drain_idle_for),
        ..RefConfig::default()
    }
}

/// The state with time shifted so that `now` is fixed and ages capped one tick
/// past the longest value their timer takes among the settings (the reference's
/// own [`Reference::normalize_clock_for`], which also covers the drain windows'
/// idle time), and the two keys in the order that makes the smaller value: equal
/// canonical states answer every future call alike (up to the key swap).
fn canonical(r: &Reference<Key>, timers: &RefConfig) -> Reference<Key> {
    let mut c = r.clone();
    c.normalize_clock_for(timers);
    let swapped = swap_keys(&c);
    if c.records.keys().chain(&c.ordering_disabled).any(|&k| k > 1) {
        c
    } else if key_order(&swapped) < key_order(&c) {
        swapped
    } else {
        c
    }
}

/// The same state with keys 0 and 1 exchanged.
fn swap_keys(r: &Reference<Key>) -> Reference<Key> {
    let other = |k: Key| 1 - k;
    let mut s = r.clone();
    s.records = r
        .records
        .iter()
        .map(|(k, v)| (other(*k), v.clone()))
        .collect();
    s.queue = r
        .queue
        .iter()
        .map(|(k, j, e)| (other(*k), *j, *e))
        .collect();
    s.ordering_disabled = r.ordering_disabled.iter().map(|k| other(*k)).collect();
    s
}

/// A total order on states, only to pick one of two symmetric states.
fn key_order(r: &Reference<Key>) -> String {
    format!("{:?}", (&r.records, &r.queue, &r.ordering_disabled))
}

struct Report {
    states: usize,
    transitions: usize,
    /// Transitions after which the reference's state is not the one before.
    changing: usize,
    max_depth: usize,
}

/// The real barrier rebuilt by replaying `path` (two shards: effects of two keys
/// may or may not share one).
fn rebuild(config: &RefConfig, path: &[Call]) -> Sut {
    let mut sut = Sut::with_shards(config, Some(2));
    for call in path {
        sut.invoke_mut(call);
    }
    sut
}

/// BFS from the initial state over `keys`, expanding at most `max_states` states.
/// The barrier starts with `settings[0]` and may be reconfigured to any of them
/// (they share the illegal-sequence policy).
fn explore(settings: &[RefConfig], keys: &[Key], max_states: usize) -> Report {
    let config = settings[0].clone();
    let calls = calls(keys, settings);
    let timers = longest_timers(settings);
    let mut seen: HashSet<Reference<Key>> = HashSet::new();
    let mut frontier: VecDeque<(Reference<Key>, Vec<Call>)> = VecDeque::new();
    let initial = Reference::new(config.clone());
    seen.insert(canonical(&initial, &timers));
    frontier.push_back((initial, Vec::new()));
    let (mut expanded, mut transitions, mut changing, mut max_depth) = (0, 0, 0, 0);
    while let Some((state, path)) = frontier.pop_front() {
        expanded += 1;
        max_depth = max_depth.max(path.len());
        // Calls that leave the reference unchanged run one after the other on one
        // rebuilt barrier (its whole state is compared after each, so a call that
        // wrongly changes it is caught at that call); the others each get a fresh
        // rebuild.
        let mut unchanged = rebuild(&config, &path);
        for call in &calls {
            let mut next = state.clone();
            let (expected, many) = call.run(&mut next);
            let keeps = next == state;
            let mut fresh;
            let sut = if keeps {
                &mut unchanged
            } else {
                fresh = rebuild(&config, &path);
                &mut fresh
            };
            let observed = sut.invoke_mut(call);
            let checked = compare_many(call, &observed, &expected, &many)
                .and_then(|()| compare_state(sut, &next, keys.iter().copied()));
            if let Err(mismatch) = checked {
                panic!(
                    "real barrier and reference disagree ({config:?}):\n  {mismatch}\n  \
                     sequence ({} calls): {:?}",
                    path.len() + 1,
                    path.iter().chain([call]).collect::<Vec<_>>()
                );
            }
            transitions += 1;
            changing += usize::from(!keeps);
            if keeps || next.queue.len() > MAX_QUEUED || seen.len() >= max_states {
                continue;
            }
            if seen.insert(canonical(&next, &timers)) {
                let mut longer = path.clone();
                longer.push(call.clone());
                frontier.push_back((next, longer));
            }
        }
    }
    Report {
        states: expanded,
        transitions,
        changing,
        max_depth,
    }
}

/// Explores, prints the counts and compares them with the pinned ones.
fn check(
    name: &str,
    settings: &[RefConfig],
    keys: &[Key],
    max_states: usize,
    pinned: (usize, usize, usize, usize),
) {
    let report = explore(settings, keys, max_states);
    println!(
        "{name}: {} reference states expanded (BFS depth up to {}), {} distinct transitions \
         replayed on the real barrier, {} of them changing the state",
        report.states, report.max_depth, report.transitions, report.changing
    );
    // Under a cap, the states and transitions follow from the cap and the number
    // of calls; how many transitions change the state, and how deep the search
    // got, follow from the rules: those make the pin able to fail.
    assert_eq!(
        (
            report.states,
            report.transitions,
            report.changing,
            report.max_depth
        ),
        pinned,
        "{name}: the explored state space changed shape: update the pinned counts only if \
         the reference or the bounds changed on purpose"
    );
}

/// Production-like: drain limit 1, key threshold 2, one-tick timers, report
/// policy; live changes (R-CONFIG) to other timers (0, 2 and 0 ticks), and to no
/// drain limit and no key threshold.
fn production_like() -> [RefConfig; 3] {
    let base = RefConfig {
        drain_limit: 1,
        key_threshold: 2,
        disabled_for: 1,
        half_enabled_for: 1,
        drain_idle_for: 1,
        panic_on_illegal_sequence: false,
    };
    let retimed = RefConfig {
        disabled_for: 0,
        half_enabled_for: 2,
        drain_idle_for: 0,
        ..base.clone()
    };
    let unlimited = RefConfig {
        drain_limit: 0,
        key_threshold: 0,
        ..base.clone()
    };
    [base, retimed, unlimited]
}

/// No hot keys, a wider drain window, the panic policy; live changes to other
/// timers (2, 0 and 2 ticks), and to drain limit 0 with key threshold 1.
fn panicking() -> [RefConfig; 3] {
    let base = RefConfig {
        drain_limit: 2,
        key_threshold: 0,
        disabled_for: 0,
        half_enabled_for: 1,
        drain_idle_for: 0,
        panic_on_illegal_sequence: true,
    };
    let retimed = RefConfig {
        disabled_for: 2,
        half_enabled_for: 0,
        drain_idle_for: 2,
        ..base.clone()
    };
    let other_limits = RefConfig {
        drain_limit: 0,
        key_threshold: 1,
        ..base.clone()
    };
    [base, retimed, other_limits]
}

// The fast tier (`cargo test --workspace --release`): the first states of each
// configuration in BFS order, a few seconds in all.

/// One key, production-like: the first 20,000 states in BFS order.
#[test]
fn every_transition_of_one_key_production_like() {
    check(
        "one key, production-like",
        &production_like(),
        &[0],
        20_000,
        (20_000, 800_000, 482_840, 5),
    );
}

/// One key under the panic policy: the first 20,000 states in BFS order.
#[test]
fn every_transition_of_one_key_panic_policy() {
    check(
        "one key, panic policy",
        &panicking(),
        &[0],
        20_000,
        (20_000, 800_000, 475_672, 6),
    );
}

/// Two keys (sharing a shard or not), production-like, the first 4,000 states.
#[test]
fn every_transition_of_two_keys_production_like() {
    check(
        "two keys, production-like",
        &production_like(),
        &[0, 1],
        4_000,
        (4_000, 284_000, 143_140, 4),
    );
}

/// Two keys under the panic policy, the first 4,000 states.
#[test]
fn every_transition_of_two_keys_panic_policy() {
    check(
        "two keys, panic policy",
        &panicking(),
        &[0, 1],
        4_000,
        (4_000, 284_000, 142_138, 4),
    );
}

// The deep tier (`cargo test --workspace --release -- --ignored`): larger parts
// of the same spaces, and the whole one-key production-like space.

/// One key, production-like, the whole reachable state space (984,456 states,
/// 39,378,240 transitions, 25,846,401 changing, depth 23).
#[test]
#[ignore = "deep tier: a few minutes"]
fn every_transition_of_one_key_production_like_whole_space() {
    check(
        "one key, production-like, whole space",
        &production_like(),
        &[0],
        usize::MAX,
        (984_456, 39_378_240, 25_846_401, 23),
    );
}

/// One key under the panic policy: the first 150,000 states in BFS order.
#[test]
#[ignore = "deep tier: about 10 s"]
fn every_transition_of_one_key_panic_policy_deep() {
    check(
        "one key, panic policy, deep",
        &panicking(),
        &[0],
        150_000,
        (150_000, 6_000_000, 3_723_911, 10),
    );
}

/// Two keys (sharing a shard or not), production-like, the first 25,000 states.
#[test]
#[ignore = "deep tier: about 5 s"]
fn every_transition_of_two_keys_production_like_deep() {
    check(
        "two keys, production-like, deep",
        &production_like(),
        &[0, 1],
        25_000,
        (25_000, 1_775_000, 939_655, 5),
    );
}

/// Two keys under the panic policy, the first 25,000 states.
#[test]
#[ignore = "deep tier: about 5 s"]
fn every_transition_of_two_keys_panic_policy_deep() {
    check(
        "two keys, panic policy, deep",
        &panicking(),
        &[0, 1],
        25_000,
        (25_000, 1_775_000, 930_682, 5),
    );
}
