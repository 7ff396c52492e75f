//! The one linearizability checker of the concurrency tests (`shuttle.rs` on
//! shuttle's schedules, `linearizability.rs` on real threads): a Wing–Gong
//! search of a concurrent history against the reference barrier.

use std::collections::HashSet;

use eventorder_model::reference::{Reference, Ret};

use super::{compare, compare_state, Call, Event, Key, Sut};

/// The key a call is about (`None` for `sync`, which is about every key).
pub fn key_of(call: &Call) -> Option<Key> {
    match *call {
        Call::Enter(k, _) | Call::Wait(k, _) | Call::State(k, _, _) | Call::Leave(k, _) => Some(k),
        Call::Peek(k) | Call::IsDisabled(k) => Some(k),
        Call::Sync => None,
        ref other => panic!("{other:?} is not used in these scenarios"),
    }
}

/// Every reference state a linearization of `events` can end in (Wing–Gong
/// search, memoized on the set of calls placed and the state they lead to), each
/// with the number of effects its `sync` calls applied. A call may be placed only
/// if it started before every unplaced call ended (real-time order). With
/// `sync_counts` false, a `sync`'s answer (a count over every key) is not
/// compared: the per-key projections below cannot split it.
pub fn final_states(
    events: &[&Event],
    initial: &Reference<Key>,
    sync_counts: bool,
) -> HashSet<(Reference<Key>, usize)> {
    let n = events.len();
    assert!(n < 64, "a history of {n} calls is too long to search");
    let all = (1u64 << n) - 1;
    let mut seen: HashSet<(u64, Reference<Key>, usize)> = HashSet::new();
    let mut finals = HashSet::new();
    let mut todo = vec![(0u64, initial.clone(), 0usize)];
    while let Some((placed, reference, applied)) = todo.pop() {
        if placed == all {
            finals.insert((reference, applied));
            continue;
        }
        let deadline = (0..n)
            .filter(|&i| placed & (1 << i) == 0)
            .map(|i| events[i].end)
            .min()
            .unwrap_or(u64::MAX);
        for (i, e) in events.iter().enumerate() {
            if placed & (1 << i) != 0 || e.start > deadline {
                continue;
            }
            let mut next = reference.clone();
            let expected = next.invoke(e.call.op());
            let ok = if e.call == Call::Sync && !sync_counts {
                e.observed.panic.is_none() && e.observed.events.is_empty()
            } else {
                compare(&e.call, &e.observed, &expected, false).is_ok()
            };
            if ok {
                let applied = applied
                    + match expected.ret {
                        Ret::Applied(k) => k,
                        _ => 0,
                    };
                let state = (placed | 1 << i, next, applied);
                if seen.insert(state.clone()) {
                    todo.push(state);
                }
            }
        }
    }
    finals
}

/// Checks that the history is linearizable against the reference and ends in
/// the barrier's final state; returns that reference state, or `None`.
///
/// With one shard, every call (`sync` included, which then takes one lock) must
/// take effect at one instant: the whole history is linearized at once. With
/// more, `sync` visits the shards one after the other (documented on
/// `Barrier`: not one atomic cut across shards), so linearizability holds per
/// key: the calls on each key, with every `sync`, are linearized separately
/// (their answers compared, except the cross-key count of `sync`), and the two
/// keys' final states together must be the barrier's, with as many effects
/// applied in all as the real `sync` calls reported.
pub fn linearize(events: &[Event], sut: &Sut, initial: &Reference<Key>) -> Option<Reference<Key>> {
    linearize_as(events, sut, initial, sut.barrier.shard_count() > 1)
}

/// [`linearize`], per key (`per_key`) or as a whole, whatever the shard count
/// (a history whose `sync` calls race no queued report of another shard is
/// linearizable as a whole on any number of shards).
pub fn linearize_as(
    events: &[Event],
    sut: &Sut,
    initial: &Reference<Key>,
    per_key: bool,
) -> Option<Reference<Key>> {
    if !per_key {
        let all: Vec<_> = events.iter().collect();
        return final_states(&all, initial, true)
            .into_iter()
            .map(|(reference, _)| reference)
            .find(|reference| compare_state(sut, reference, [0, 1]).is_ok());
    }
    let real_applied: usize = events
        .iter()
        .filter_map(|e| match e.observed.ret {
            Some(Ret::Applied(k)) => Some(k),
            _ => None,
        })
        .sum();
    let [finals0, finals1] = [0, 1].map(|key: Key| {
        let projection: Vec<_> = events
            .iter()
            .filter(|e| key_of(&e.call).is_none_or(|k| k == key))
            .collect();
        final_states(&projection, initial, false)
    });
    for (a, applied0) in &finals0 {
        for (b, applied1) in &finals1 {
            if applied0 + applied1 != real_applied {
                continue;
            }
            let mut both = a.clone();
            both.records.retain(|k, _| *k == 0);
            both.records.extend(
                b.records
                    .iter()
                    .filter(|(k, _)| **k == 1)
                    .map(|(k, r)| (*k, r.clone())),
            );
            both.queue.retain(|(k, _, _)| *k == 0);
            both.queue
                .extend(b.queue.iter().filter(|(k, _, _)| *k == 1).cloned());
            if compare_state(sut, &both, [0, 1]).is_ok() {
                return Some(both);
            }
        }
    }
    None
}
