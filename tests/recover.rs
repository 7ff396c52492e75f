//! The warm start after a restart (`spec/SPEC.md` section 1, R-RESTART):
//! `Barrier::recover` against the reference barrier of `eventorder-model`.
//!
//! The contract says what `recover` must equal: every persisted `failed` job
//! reported as `failed`, in ascending job-id order, on a new barrier. Each case
//! draws a set of failed jobs over a few keys and hands them to `recover` in a
//! random order; the reference is told the same jobs in job-id order. Then both
//! must hold the same records, and answer the same to a pass of `wait` and
//! `enter` over every key's jobs in job-id order, as a pickup loop after the
//! restart would (a failed job left out of the batch, as when its retry is not
//! yet due, included).
//!
//! Seeded bug: `RecoverKeepsInputOrder` (scripts/inject-bugs.sh).

mod support;

use eventorder::JobId;
use eventorder_model::reference::{RefConfig, RefState, Reference};
use proptest::prelude::*;
use proptest::sample::subsequence;
use support::{compare, compare_state, Call, Key, Sut};

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
    let sut = Sut::new(&config);
    let key_of = |job: i64| keys[(job - 1) as usize];
    let recovered = sut
        .barrier
        .recover(failed.iter().map(|&j| (key_of(j), JobId(j))))
        .map_err(|e| format!("recover: {e}"))?;

    let mut reference = Reference::new(config.clone());
    let mut sorted = failed.to_vec();
    sorted.sort_unstable();
    for &j in &sorted {
        reference.invoke(Call::State(key_of(j), j, eventorder::JobState::Failed).op());
    }
    if recovered != reference.size() {
        return Err(format!(
            "recover returned {recovered}, the reference holds {} records",
            reference.size()
        ));
    }
    let events = std::mem::take(&mut *sut.events.lock().unwrap());
    if !events.is_empty() {
        return Err(format!("recover reported illegal sequences: {events:?}"));
    }
    compare_state(&sut, &reference, 0..KEYS)?;

    // The first batch after the restart: every job but those not yet due.
    let batch =
        [Call::Sync]
            .into_iter()
            .chain((1..=JOBS).filter(|j| !not_due.contains(j)).flat_map(|j| {
                let k = key_of(j);
                [Call::Wait(k, j), Call::Enter(k, j)]
            }));
    for call in batch {
        let expected = reference.invoke(call.op());
        compare(&call, &sut.invoke(&call), &expected, false)?;
    }
    compare_state(&sut, &reference, 0..KEYS)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn recover_is_the_failed_reports_in_job_id_order((keys, failed, not_due) in restart()) {
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
