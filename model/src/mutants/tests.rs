//! Each mutant changes its rule, and only a mutant does: without one, [`Mutated`]
//! is the reference.

use super::*;
use crate::reference::{JobId, Mode, Offered, RefConfig, RefState, Reference, Window};

type B = Mutated<&'static str>;

const K: &str = "k";

fn with(mutant: Mutant, drain_limit: usize, key_threshold: usize) -> B {
    let config = RefConfig {
        drain_limit,
        key_threshold,
        drain_idle_for: 0,
        ..RefConfig::default()
    };
    Mutated::new(config, Some(mutant))
}

fn fail(b: &mut B, job: JobId) {
    b.state_changed(&K, job, RefState::Failed);
}

fn report(b: &mut B, job: JobId, state: RefState) {
    b.state_changed(&K, job, state);
}

#[test]
fn without_a_mutant_it_is_the_reference() {
    let config = RefConfig {
        drain_limit: 1,
        key_threshold: 2,
        ..RefConfig::default()
    };
    let mut m: B = Mutated::new(config.clone(), None);
    let mut r: Reference<&str> = Reference::new(config.clone());
    let mut d: B = Mutated::new(config, Some(Mutant::WarmStartOldestOnly));
    assert_eq!(
        d.mutant(),
        None,
        "a caller's mutant leaves the barrier alone"
    );
    for (job, state) in [(1, RefState::Failed), (1, RefState::Aborted)] {
        assert_eq!(m.enter(&K, job), r.enter(&K, job));
        assert_eq!(d.enter(&K, job), r.enter(&K, job));
        m.state_changed(&K, job, state);
        d.state_changed(&K, job, state);
        r.state_changed(&K, job, state);
        assert_eq!(m.sync(), r.sync());
        d.sync();
        assert_eq!(*m, r);
        assert_eq!(*d, r);
    }
}

#[test]
fn reads_and_queues() {
    let mut b = with(Mutant::WaitIgnoresFailed, 0, 0);
    fail(&mut b, 1);
    assert_eq!(b.wait(&K, 2).hold(), (false, None));

    let mut b = with(Mutant::FailedQueued, 0, 0);
    fail(&mut b, 1);
    assert_eq!(b.peek(&K), None);
    b.sync();
    assert_eq!(b.peek(&K), Some(1));

    let mut b = with(Mutant::EffectsAppliedImmediately, 1, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Aborted);
    assert_eq!(b.records[&K].drain, Some(Window::empty(0)));

    let mut b = with(Mutant::UnsupportedStateReleases, 0, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Unsupported);
    b.sync();
    assert_eq!(b.peek(&K), None, "`executing` released the failed job");

    let mut b = with(Mutant::FailedWithoutRecordDropped, 0, 0);
    fail(&mut b, 1);
    assert_eq!(b.size(), 0);

    let mut b = with(Mutant::SyncDropsLastEffect, 0, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Succeeded);
    b.sync();
    assert_eq!(b.peek(&K), Some(1), "the release was lost");
}

#[test]
fn effects() {
    let mut b = with(Mutant::AbortOpensNoDrainWindow, 1, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Aborted);
    b.sync();
    assert_eq!(b.size(), 0);

    let mut b = with(Mutant::NeverCollectInactive, 0, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Succeeded);
    b.sync();
    assert_eq!(b.size(), 1);

    let mut b = with(Mutant::StaleReleaseClearsFailed, 0, 0);
    fail(&mut b, 1);
    report(&mut b, 2, RefState::Filtered);
    b.sync();
    assert_eq!(b.peek(&K), None);

    let mut b = with(Mutant::WaitingKeepsInflight, 0, 2);
    b.enter(&K, 1);
    report(&mut b, 1, RefState::Waiting);
    b.sync();
    assert_eq!(b.records[&K].inflight, Some([1].into()));

    let mut b = with(Mutant::LeaveIgnored, 0, 2);
    b.enter(&K, 1);
    b.leave(&K, 1);
    assert_eq!(b.records[&K].inflight, Some([1].into()));
}

#[test]
fn enter() {
    let mut b = with(Mutant::EnterRefusesFailedJob, 0, 0);
    fail(&mut b, 1);
    assert_eq!(b.enter(&K, 1).admission(), (false, Some(1)));

    let mut b = with(Mutant::DrainLimitOffByOne, 1, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Aborted);
    b.sync();
    b.enter(&K, 2);
    assert_eq!(b.enter(&K, 3).admission(), (true, None));

    let mut b = with(Mutant::TrackSkipsInflight, 0, 2);
    b.enter(&K, 1);
    assert_eq!(b.size(), 0, "nothing tracked: the record is inactive");

    let mut b = with(Mutant::FreshRecordUntracked, 0, 2);
    b.enter(&K, 1);
    b.enter(&K, 2);
    assert_eq!(b.records.get(&K).map(|r| r.inflight.clone()), None);

    let mut b = with(Mutant::HotOneEarly, 0, 2);
    b.enter(&K, 1);
    b.enter(&K, 2);
    assert!(b.is_disabled(&K), "hot at one job in flight");

    let mut b = with(Mutant::HotOneLate, 0, 1);
    b.enter(&K, 1);
    b.enter(&K, 2);
    assert_eq!(b.records[&K].inflight, Some([1, 2].into()), "not hot at 1");

    let mut b = with(Mutant::DisabledTracksJobs, 0, 1);
    b.enter(&K, 1);
    b.enter(&K, 2);
    b.enter(&K, 3);
    assert_eq!(b.records[&K].inflight, Some([3].into()));

    let mut b = with(Mutant::ReportsIllegalLikeV2, 0, 0);
    fail(&mut b, 2);
    assert_eq!(b.enter(&K, 3).illegal, None);
    let out = b.enter(&K, 1);
    assert_eq!(out.admission(), (true, Some(2)), "v3's answer");
    assert_eq!(out.illegal.map(|i| (i.failed, i.job)), Some((2, 1)));

    let mut b = with(Mutant::OlderJobsHeldLikeV2, 0, 3);
    b.enter(&K, 1);
    fail(&mut b, 2);
    assert_eq!(b.enter(&K, 0).admission(), (false, Some(2)));
    assert_eq!(b.wait(&K, 1).hold(), (true, Some(2)));
    assert_eq!(
        b.records[&K].inflight,
        Some([1].into()),
        "1 stays in flight"
    );
    assert_eq!(b.enter(&K, 2).admission(), (true, Some(2)));

    let mut b = with(Mutant::ThresholdZeroMakesHot, 0, 2);
    b.enter(&K, 1);
    b.reconfigure(RefConfig {
        key_threshold: 0,
        ..b.config.clone()
    });
    b.sync();
    b.enter(&K, 2);
    assert!(b.is_disabled(&K), "the Go version's hot key");
    assert_eq!(b.records[&K].inflight, None, "reset with threshold 0");
}

#[test]
fn modes_and_timers() {
    let mut b = with(Mutant::PredicateOnlySwitchesMode, 0, 0);
    fail(&mut b, 1);
    b.set_ordering_disabled(&K, true);
    b.enter(&K, 2);
    assert_eq!(b.peek(&K), Some(1), "failed job kept");
    assert!(b.is_disabled(&K));

    let mut b = with(Mutant::HalfEnabledFallsBack, 0, 1);
    b.enter(&K, 1);
    b.enter(&K, 2);
    b.advance(11);
    b.sync();
    assert!(matches!(b.mode(&K), Mode::HalfEnabled { .. }));
    b.advance(6);
    b.sync();
    assert!(b.is_disabled(&K), "back to Disabled, not Enabled");

    let mut b = with(Mutant::SyncNeverExpires, 0, 1);
    b.enter(&K, 1);
    b.enter(&K, 2);
    b.advance(100);
    b.sync();
    assert!(b.is_disabled(&K));

    let mut b = with(Mutant::IdleWindowClosesEarly, 1, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Aborted);
    b.sync();
    assert_eq!(b.size(), 0, "closed at the sync that opened it");

    let mut b = with(Mutant::TrackKeepsWindowIdle, 1, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Aborted);
    b.sync();
    b.enter(&K, 2);
    b.advance(1);
    b.sync();
    assert_eq!(b.size(), 0, "closed while it held job 2");
}

#[test]
fn ghost_mode_mutants() {
    let mut b = with(Mutant::HotRefuses, 0, 1);
    b.enter(&K, 1);
    assert_eq!(b.enter(&K, 2).admission(), (false, None), "refused");
    assert!(!b.is_disabled(&K), "not hot");

    let mut b = with(Mutant::PredicateWithoutRecord, 0, 0);
    b.set_ordering_disabled(&K, true);
    assert_eq!(b.enter(&K, 1).admission(), (true, None));
    assert!(b.is_disabled(&K), "a record created with threshold 0");

    let mut b = with(Mutant::HalfEnabledOverstays, 0, 1);
    b.enter(&K, 1);
    b.enter(&K, 2);
    b.advance(11);
    b.sync();
    b.advance(6);
    b.sync();
    assert!(
        matches!(b.mode(&K), Mode::HalfEnabled { .. }),
        "6 > 5 ticks"
    );
    b.advance(1);
    b.sync();
    assert_eq!(b.size(), 0);

    let mut b = with(Mutant::ComebackOneSyncLate, 0, 1);
    b.enter(&K, 1);
    b.enter(&K, 2);
    b.advance(11);
    b.sync();
    b.advance(6);
    b.sync();
    assert!(
        matches!(b.mode(&K), Mode::HalfEnabled { .. }),
        "one sync late"
    );
    b.sync();
    assert_eq!(b.size(), 0, "collected at the second sync");

    let mut b = with(Mutant::DrainLimitReadsPending, 1, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Aborted);
    b.sync();
    b.enter(&K, 2);
    b.reconfigure(RefConfig {
        drain_limit: 2,
        ..b.config.clone()
    });
    assert_eq!(
        b.enter(&K, 3).admission(),
        (true, None),
        "limit 2 read early"
    );
}

#[test]
fn failed_slots() {
    let mut b = with(Mutant::FailedSlotMin, 0, 0);
    fail(&mut b, 3);
    fail(&mut b, 1);
    assert_eq!(b.records[&K].failed, [1].into(), "3 forgotten");

    let mut b = with(Mutant::FailedSlotKeepsFirst, 0, 0);
    fail(&mut b, 3);
    fail(&mut b, 1);
    assert_eq!(b.records[&K].failed, [3].into(), "1 forgotten");
}

#[test]
fn rounds() {
    let mut b = with(Mutant::NoSkipAfterRefusal, 0, 0);
    fail(&mut b, 1);
    assert_eq!(
        b.offer(&K, 2).0,
        Offered::Refused {
            previous_failed: Some(1)
        }
    );
    assert_eq!(
        b.offer(&K, 3).0,
        Offered::Refused {
            previous_failed: Some(1)
        }
    );

    let mut b = with(Mutant::UndoWithoutSkip, 0, 0);
    assert_eq!(
        b.offer(&K, 1).0,
        Offered::Admitted {
            previous_failed: None
        }
    );
    b.undo(&K, 1);
    assert_eq!(
        b.offer(&K, 2).0,
        Offered::Admitted {
            previous_failed: None
        }
    );

    let mut b = with(Mutant::OutOfOrderAccepted, 0, 0);
    b.offer(&K, 2);
    assert_eq!(
        b.offer(&K, 1).0,
        Offered::Admitted {
            previous_failed: None
        }
    );

    let mut b = with(Mutant::RoundKeepsSkips, 0, 0);
    b.skip(&K);
    b.round();
    assert_eq!(b.offer(&K, 1).0, Offered::Skipped);

    // Without a mutant, the round is the reference's.
    let mut m: B = Mutated::new(RefConfig::default(), None);
    let mut r: Reference<&str> = Reference::new(RefConfig::default());
    fail(&mut m, 2);
    r.state_changed(&K, 2, RefState::Failed);
    for job in [1, 1, 2, 3, 4] {
        assert_eq!(m.offer(&K, job).0, r.offer(&K, job));
    }
    assert_eq!(*m, r);
}
