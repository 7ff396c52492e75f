//! The warm start after a restart (SPEC.md R-RESTART): `Barrier::recover`
//! against the reference barrier's `recover` (`eventorder-model`).
//!
//! The contract (v3): every job persisted as `failed`, reported as `failed`, in
//! any order, on a new barrier. Each case draws a set of failed jobs over a few
//! keys and hands them to both in the same random order. Then both must hold the
//! same records (every failed job of every key), and answer the same to the
//! first round after the restart, which offers every key's jobs in job-id order
//! (a failed job left out of the batch, as when its retry is not yet due,
//! included), and to a `wait` for every job.
//!
//! Seeded bug: `RecoverOldestOnly` (SPEC v2's warm start; scripts/inject-bugs.sh).

mod support;

use eventorder::JobId;
use eventorder_model::reference::{RefConfig, RefState, Reference};
use proptest::prelude::*;
use proptest::sample::subsequence;
use support::{compare, compare_many, compare_state, Action, Call, Key, Sut};

const KEYS: Key = 4;
const JOBS: i64 = 24;

fn production() -> RefConfig {
    RefConfig {
        drain_limit: 1,
        key_threshold: 200,
        ..RefConfig::default()
    }
}

/// A key for each job id, a shuffled subset of the ids as the failed jobs, and a
/// subset of those left out of the batch (not yet due).
fn restart() -> impl Strategy<Value = (Vec<Key>, Vec<i64>, Vec<i64>)> {
    (
        proptest::collection::vec(0..KEYS, JOBS as usize),
        subsequence((1..=JOBS).collect::<Vec<_>>(), 0..=12),
    )
        .prop_flat_map(|(keys, failed)| {
            let n = failed.len();
            (
                Just(keys),
                Just(failed.clone()).prop_shuffle(),
                subsequence(failed, 0..=n),
            )
        })
}

fn check(keys: &[Key], failed: &[i64], not_due: &[i64]) -> Result<(), String> {
    let config = production();
    let mut sut = Sut::new(&config);
    let key_of = |job: i64| keys[(job - 1) as usize];
    let recovered = sut
        .barrier
        .recover(failed.iter().map(|&j| (key_of(j), JobId(j))))
        .map_err(|e| format!("recover: {e}"))?;

    let mut reference = Reference::new(config.clone());
    let expected = reference
        .recover(failed.iter().map(|&j| (key_of(j), j)))
        .map_err(|e| format!("reference recover: {e:?}"))?;
    if recovered != expected {
        return Err(format!(
            "recover returned {recovered}, the reference's {expected}"
        ));
    }
    let events = std::mem::take(&mut *sut.events.lock().unwrap());
    if !events.is_empty() {
        return Err(format!("recover reported illegal sequences: {events:?}"));
    }
    compare_state(&sut, &reference, 0..KEYS)?;

    // What the workers would be told, then the first round after the restart:
    // every job but those not yet due, in job-id order.
    for j in 1..=JOBS {
        let call = Call::Wait(key_of(j), j);
        let expected = reference.invoke(call.op());
        compare(&call, &sut.invoke(&call), &expected, false)?;
    }
    let batch: Vec<(Key, i64)> = (1..=JOBS)
        .filter(|j| !not_due.contains(j))
        .map(|j| (key_of(j), j))
        .collect();
    let round = Call::Round(vec![Action::OfferAll(batch)]);
    let (expected, many) = round.run(&mut reference);
    compare_many(&round, &sut.invoke_mut(&round), &expected, &many)?;
    compare_state(&sut, &reference, 0..KEYS)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn recover_is_every_failed_job_in_any_order((keys, failed, not_due) in restart()) {
        if let Err(e) = check(&keys, &failed, &not_due) {
            prop_assert!(false, "{}", e);
        }
    }
}

/// The case the contract is for: a key's failed job is not yet due, its later job
/// is in the first batch after the restart, and must be refused.
#[test]
fn a_later_job_waits_for_a_failed_job_in_backoff() {
    let keys = vec![0; JOBS as usize];
    check(&keys, &[3], &[3]).unwrap();
    let sut = Sut::new(&production());
    sut.barrier.recover([(0, JobId(3))]).unwrap();
    sut.barrier.sync();
    let a = sut.barrier.enter(&0, JobId(4));
    assert!(!a.accepted);
    assert_eq!(a.previous_failed, Some(JobId(3)));
}

/// The case v3's warm start is for: a leftover (job 2) older than a key's failed
/// jobs 5 and 7. SPEC v2 reported only the key's oldest non-terminal job if
/// failed, so nothing here (job 2 is not failed); then job 6 overtook job 5.
/// Now job 2 goes first, and job 6 waits for job 5, then for job 7's turn.
#[test]
fn a_leftover_goes_first_and_every_failed_job_still_blocks() {
    let mut sut = Sut::new(&production());
    sut.barrier.recover([(0, JobId(7)), (0, JobId(5))]).unwrap();
    let mut round = sut.barrier.round();
    assert!(round.offer(&0, JobId(2)).unwrap().is_admitted());
    assert!(!round.offer(&0, JobId(6)).unwrap().is_admitted());
    drop(round);
    sut.barrier
        .state_changed(&0, JobId(5), eventorder::JobState::Succeeded)
        .unwrap();
    let mut round = sut.barrier.round();
    let six = round.offer(&0, JobId(6)).unwrap();
    assert!(six.is_admitted(), "older than job 7: {six:?}");
    assert!(!round.offer(&0, JobId(8)).unwrap().is_admitted());
}

/// The reference side of the check is not vacuous: without the warm start the
/// same batch admits the later job.
#[test]
fn without_the_warm_start_the_later_job_is_admitted() {
    let mut reference = Reference::<Key>::new(production());
    reference.invoke(Call::Sync.op());
    let out = reference.invoke(Call::Enter(0, 4).op());
    assert_eq!(out.admission(), (true, None));
    let mut warm = Reference::<Key>::new(production());
    warm.invoke(eventorder_model::reference::Op::StateChanged(
        0,
        3,
        RefState::Failed,
    ));
    assert_eq!(
        warm.invoke(Call::Enter(0, 4).op()).admission(),
        (false, Some(3))
    );
}
