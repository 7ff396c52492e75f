//! One test (or a few) per rule of SPEC.md; the rules SPEC v2 added or changed
//! (R-MODE's reset, R-EXPIRE, the windows' idle time, R-CONFIG) in `tests/v2.rs`
//! and `tests/v2_config.rs`; those v3 added or changed (older jobs first, the
//! set of failed jobs, rounds, the warm start, settings at `sync`) in
//! `tests/v3.rs`.

use super::*;

mod v2;
mod v2_config;
mod v3;

type Ref = Reference<&'static str>;

const K: &str = "k";

fn barrier(drain_limit: usize, key_threshold: usize) -> Ref {
    Reference::new(RefConfig {
        drain_limit,
        key_threshold,
        disabled_for: 10,
        half_enabled_for: 5,
        drain_idle_for: 10,
        panic_on_illegal_sequence: false,
    })
}

fn fail(b: &mut Ref, job: JobId) -> Outcome<&'static str> {
    b.state_changed(&K, job, RefState::Failed)
}

fn report(b: &mut Ref, job: JobId, state: RefState) {
    assert_eq!(
        b.state_changed(&K, job, state).ret,
        Ret::StateChanged(Ok(()))
    );
}

#[test]
fn r_enter_1_no_record_without_threshold_creates_nothing() {
    let mut b = barrier(0, 0);
    assert_eq!(b.enter(&K, 1).admission(), (true, None));
    assert_eq!(b.size(), 0);
}

#[test]
fn r_enter_1_no_record_with_threshold_tracks() {
    let mut b = barrier(0, 5);
    assert_eq!(b.enter(&K, 1).admission(), (true, None));
    assert_eq!(b.records[&K].inflight, Some(BTreeSet::from([1])));
    b.leave(&K, 1);
    assert_eq!(b.size(), 0, "R-GC after leave");
}

#[test]
fn r_mode_ordering_disabled_and_timers_are_strict() {
    let mut b = barrier(0, 5);
    b.set_ordering_disabled(&K, true);
    assert_eq!(b.enter(&K, 1).admission(), (true, None), "R-ENTER-DISABLED");
    assert!(b.is_disabled(&K));
    assert_eq!(
        b.records[&K].inflight,
        Some(BTreeSet::new()),
        "tracks nothing"
    );
    b.set_ordering_disabled(&K, false);
    b.advance(10);
    b.enter(&K, 2);
    assert_eq!(b.mode(&K), Mode::Disabled { since: 0 }, "10 is not > 10");
    b.advance(1);
    b.enter(&K, 3);
    assert_eq!(b.mode(&K), Mode::HalfEnabled { since: 11 });
    b.advance(6);
    b.enter(&K, 4);
    assert_eq!(b.mode(&K), Mode::Enabled, "one step per enter");
}

#[test]
fn r_mode_one_step_at_most() {
    let mut b = barrier(0, 5);
    b.set_ordering_disabled(&K, true);
    b.enter(&K, 1);
    b.set_ordering_disabled(&K, false);
    b.advance(100);
    b.enter(&K, 2);
    assert_eq!(b.mode(&K), Mode::HalfEnabled { since: 100 });
}

#[test]
fn r_enter_hot_replaces_the_record() {
    let mut b = barrier(0, 2);
    fail(&mut b, 9); // creates an untracked record: never hot
    assert_eq!(b.enter(&K, 9).admission(), (true, Some(9)));
    let mut b = barrier(0, 2);
    b.enter(&K, 1);
    b.enter(&K, 2);
    assert_eq!(b.enter(&K, 2).admission(), (true, None), "already in it");
    assert!(!b.is_disabled(&K));
    assert_eq!(b.enter(&K, 3).admission(), (true, None));
    assert_eq!(
        b.records[&K],
        Record {
            mode: Mode::Disabled { since: 0 },
            failed: BTreeSet::new(),
            inflight: Some(BTreeSet::new()),
            drain: None
        }
    );
}

#[test]
fn r_enter_failed_older_jobs_go_first() {
    let mut b = barrier(0, 0);
    assert_eq!(fail(&mut b, 2).illegal, None);
    assert_eq!(b.enter(&K, 3).admission(), (false, Some(2)));
    assert_eq!(b.enter(&K, 2).admission(), (true, Some(2)));
    let out = b.enter(&K, 1);
    assert_eq!(out.admission(), (true, Some(2)), "older jobs go first");
    assert_eq!(out.illegal, None, "v3 reports no illegal sequence");
}

#[test]
fn r_enter_failed_older_jobs_go_first_when_half_enabled_too() {
    let mut b = barrier(0, 5);
    b.set_ordering_disabled(&K, true);
    b.enter(&K, 5);
    b.set_ordering_disabled(&K, false);
    b.advance(11);
    b.enter(&K, 6);
    fail(&mut b, 6);
    let out = b.enter(&K, 1);
    assert_eq!(out.admission(), (true, Some(6)));
    assert_eq!(out.illegal, None);
    assert_eq!(b.enter(&K, 7).admission(), (false, Some(6)));
}

#[test]
fn r_enter_drain_and_track() {
    let mut b = barrier(1, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Aborted);
    assert_eq!(b.sync().ret, Ret::Applied(1));
    assert_eq!(b.records[&K].drain, Some(Window::empty(0)), "R-EFF-ABORT");
    assert_eq!(b.size(), 1, "an empty window is something");
    assert_eq!(b.enter(&K, 2).admission(), (true, None));
    assert_eq!(
        b.enter(&K, 2).admission(),
        (true, None),
        "already in the window"
    );
    assert_eq!(b.enter(&K, 3).admission(), (false, None));
    b.leave(&K, 2);
    assert_eq!(b.enter(&K, 3).admission(), (true, None));
    report(&mut b, 3, RefState::Succeeded);
    b.sync();
    assert_eq!(b.size(), 0, "a release closes the window");
}

#[test]
fn r_wait() {
    let mut b = barrier(0, 0);
    assert_eq!(b.wait(&K, 1).hold(), (false, None), "no record");
    fail(&mut b, 2);
    assert_eq!(b.wait(&K, 2).hold(), (false, Some(2)));
    assert_eq!(b.wait(&K, 3).hold(), (true, Some(2)));
    let out = b.wait(&K, 1);
    assert_eq!(out.hold(), (false, Some(2)), "an older job does not wait");
    assert_eq!(out.illegal, None);
}

#[test]
fn r_wait_disabled_and_never_refreshes() {
    let mut b = barrier(0, 5);
    b.set_ordering_disabled(&K, true);
    b.enter(&K, 1);
    fail(&mut b, 1);
    assert_eq!(b.peek(&K), None, "R-EFF-FAILED: no effect when Disabled");
    b.set_ordering_disabled(&K, false);
    b.advance(50);
    assert_eq!(b.wait(&K, 2).hold(), (false, None));
    assert!(b.is_disabled(&K));
}

#[test]
fn r_state_supported_unsupported_is_an_error_without_effect() {
    let mut b = barrier(0, 0);
    fail(&mut b, 1);
    let before = b.clone();
    let out = b.state_changed(&K, 1, RefState::Unsupported);
    assert_eq!(out.ret, Ret::StateChanged(Err(Unsupported)));
    assert_eq!(b, before);
}

#[test]
fn r_state_queue_only_with_a_record() {
    let mut b = barrier(0, 0);
    report(&mut b, 1, RefState::Succeeded);
    assert!(b.queue.is_empty(), "dropped: no record");
    fail(&mut b, 1);
    assert_eq!(b.peek(&K), Some(1), "failed is immediate");
    report(&mut b, 1, RefState::Succeeded);
    assert_eq!(b.peek(&K), Some(1), "queued until sync");
    assert_eq!(b.sync().ret, Ret::Applied(1));
    assert_eq!(b.peek(&K), None);
    assert_eq!(b.size(), 0);
}

#[test]
fn r_eff_failed_adds_to_the_set_blocked_by_the_oldest() {
    let mut b = barrier(0, 0);
    fail(&mut b, 3);
    assert_eq!(fail(&mut b, 5).illegal, None);
    assert_eq!(fail(&mut b, 2).illegal, None);
    assert_eq!(b.peek(&K), Some(2));
    assert_eq!(b.records[&K].failed, BTreeSet::from([2, 3, 5]));
    assert_eq!(b.records[&K].inflight, None, "untracked");
}

#[test]
fn r_eff_failed_closes_the_window() {
    let mut b = barrier(1, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Aborted);
    b.sync();
    b.enter(&K, 2);
    fail(&mut b, 2);
    assert_eq!(b.records[&K].drain, None);
    assert_eq!(b.peek(&K), Some(2));
}

#[test]
fn r_eff_release_stale_report_stops() {
    let mut b = barrier(0, 5);
    b.enter(&K, 1);
    b.enter(&K, 2);
    fail(&mut b, 1);
    report(&mut b, 2, RefState::Filtered);
    b.sync();
    assert_eq!(b.peek(&K), Some(1));
    assert_eq!(
        b.records[&K].inflight,
        Some(BTreeSet::new()),
        "2 removed anyway"
    );
}

#[test]
fn r_eff_abort_without_drain_limit_opens_nothing() {
    let mut b = barrier(0, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Aborted);
    b.sync();
    assert_eq!(b.size(), 0);
}

#[test]
fn r_eff_leave_waiting_is_queued() {
    let mut b = barrier(0, 5);
    b.enter(&K, 1);
    report(&mut b, 1, RefState::Waiting);
    assert_eq!(b.size(), 1);
    assert_eq!(b.sync().ret, Ret::Applied(1));
    assert_eq!(b.size(), 0);
}

#[test]
fn r_leave_is_idempotent() {
    let mut b = barrier(0, 5);
    b.enter(&K, 1);
    b.leave(&K, 1);
    b.leave(&K, 1);
    assert_eq!(b.size(), 0);
}

#[test]
fn r_sync_counts_effects_that_changed_nothing() {
    let mut b = barrier(0, 5);
    b.enter(&K, 1);
    report(&mut b, 7, RefState::Succeeded);
    report(&mut b, 8, RefState::Waiting);
    assert_eq!(b.invoke(Op::Sync).ret, Ret::Applied(2));
    assert_eq!(b.invoke(Op::Sync).ret, Ret::Applied(0));
}

#[test]
fn r_peek_disabled_size_through_invoke() {
    let mut b = barrier(0, 0);
    b.invoke(Op::StateChanged(K, 4, RefState::Failed));
    assert_eq!(b.invoke(Op::Peek(K)).ret, Ret::Peek(Some(4)));
    assert_eq!(b.invoke(Op::IsDisabled(K)).ret, Ret::Disabled(false));
    assert_eq!(b.invoke(Op::Size).ret, Ret::Size(1));
    b.invoke(Op::Reconfigure(RefConfig {
        key_threshold: 1,
        ..RefConfig::default()
    }));
    b.invoke(Op::Advance(3));
    b.invoke(Op::SetOrderingDisabled(K, true));
    assert_eq!(
        b.invoke(Op::Enter(K, 4)).ret,
        Ret::Admission {
            accepted: true,
            previous_failed: None
        }
    );
    assert_eq!(b.invoke(Op::IsDisabled(K)).ret, Ret::Disabled(true));
    assert_eq!(b.now, 3);
}

#[test]
fn r_gc_applies_inside_enter() {
    // A record that `enter` itself leaves inactive (a refresh to `Enabled` with an
    // untracked `inflight`) is removed by that same `enter`.
    let mut b = Reference::new(RefConfig {
        disabled_for: 0,
        half_enabled_for: 0,
        ..RefConfig::default()
    });
    fail(&mut b, 1); // untracked record, failed 1
    b.set_ordering_disabled(&K, true);
    b.enter(&K, 1); // reset: Disabled { since: 0 }, failed 1 dropped
    b.set_ordering_disabled(&K, false);
    b.advance(1);
    assert_eq!(b.enter(&K, 1).admission(), (true, None)); // HalfEnabled
    assert_eq!(b.records[&K].mode, Mode::HalfEnabled { since: 1 });
    assert_eq!(b.size(), 1, "not Enabled: kept");
    b.advance(1);
    assert_eq!(b.enter(&K, 2).admission(), (true, None)); // Enabled, inactive
    assert_eq!(b.size(), 0);
}

#[test]
fn live_threshold_zero_means_never_hot() {
    let mut b = barrier(0, 1);
    b.enter(&K, 1);
    b.reconfigure(RefConfig {
        key_threshold: 0,
        ..RefConfig::default()
    });
    b.sync();
    assert_eq!(b.enter(&K, 2).admission(), (true, None));
    assert!(!b.is_disabled(&K));
}

#[test]
fn live_drain_limit_zero_stops_limiting() {
    let mut b = barrier(1, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Aborted);
    b.sync();
    b.enter(&K, 2);
    b.reconfigure(RefConfig::default());
    assert_eq!(b.enter(&K, 3).admission(), (false, None), "not before sync");
    b.sync();
    assert_eq!(b.enter(&K, 3).admission(), (true, None));
}
