//! The rules SPEC v2 added or changed, part 2: the drain windows' `idle_since`,
//! R-CONFIG and the clock helpers of the model checker.

use super::v2::{hot, with_open_window};
use super::*;

// ------------------------------------------------------------- idle_since

#[test]
fn idle_since_opens_at_the_sync_that_applies_the_abort() {
    let mut b = barrier(1, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Aborted);
    b.advance(4);
    b.sync();
    assert_eq!(b.records[&K].drain, Some(Window::empty(4)));
}

#[test]
fn idle_since_enter_clears_it_and_the_last_leave_sets_it() {
    let mut b = Reference::new(RefConfig {
        drain_limit: 2,
        ..RefConfig::default()
    });
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Aborted);
    b.sync();
    b.advance(1);
    b.enter(&K, 2);
    b.enter(&K, 3);
    assert_eq!(b.records[&K].drain.as_ref().unwrap().idle_since, None);
    b.advance(1);
    b.leave(&K, 2);
    assert_eq!(b.records[&K].drain.as_ref().unwrap().idle_since, None);
    b.advance(1);
    b.leave(&K, 3); // R-LEAVE empties it
    assert_eq!(b.records[&K].drain, Some(Window::empty(3)));
    b.advance(1);
    b.leave(&K, 3); // idempotent: a job it does not hold changes nothing
    b.leave(&K, 9);
    report(&mut b, 7, RefState::Waiting);
    b.sync();
    assert_eq!(b.records[&K].drain, Some(Window::empty(3)));
    // Re-entering the same job twice, then one waiting report: idle again.
    b.enter(&K, 4);
    b.enter(&K, 4);
    report(&mut b, 4, RefState::Waiting);
    b.advance(2);
    b.sync();
    assert_eq!(b.records[&K].drain, Some(Window::empty(6)));
}

#[test]
fn idle_since_a_terminal_or_failed_report_closes_the_window_anyway() {
    let mut b = with_open_window(10);
    b.enter(&K, 2);
    report(&mut b, 2, RefState::Succeeded);
    b.sync();
    assert_eq!(b.size(), 0);
    let mut b = with_open_window(10);
    fail(&mut b, 5);
    assert_eq!(b.records[&K].drain, None);
    assert_eq!(b.peek(&K), Some(5));
}

// ----------------------------------------------------------------- R-CONFIG

#[test]
fn r_config_keeps_records_and_queued_effects() {
    let mut b = barrier(0, 5);
    b.enter(&K, 1);
    fail(&mut b, 2);
    report(&mut b, 2, RefState::Succeeded);
    let before = (b.records.clone(), b.queue.clone());
    b.reconfigure(RefConfig::default());
    assert_eq!((b.records.clone(), b.queue.clone()), before);
    assert_eq!(b.sync().ret, Ret::Applied(1));
    assert_eq!(b.peek(&K), None);
}

#[test]
fn r_config_drain_idle_for_is_compared_with_the_existing_idle_since() {
    let mut b = with_open_window(10);
    b.advance(5);
    b.sync();
    assert!(b.records[&K].drain.is_some());
    b.reconfigure(RefConfig {
        drain_limit: 1,
        drain_idle_for: 4,
        ..RefConfig::default()
    });
    b.sync();
    assert_eq!(b.size(), 0, "5 > 4: closed at the next sync");

    let mut b = with_open_window(2);
    b.advance(2);
    b.reconfigure(RefConfig {
        drain_limit: 1,
        drain_idle_for: 20,
        ..RefConfig::default()
    });
    b.advance(1);
    b.sync();
    assert_eq!(b.records[&K].drain, Some(Window::empty(0)), "3 is not > 20");
}

#[test]
fn r_config_mode_timers_are_compared_with_the_existing_since() {
    let mut b = hot(); // Disabled { since: 0 }, disabled_for 10
    b.advance(3);
    b.reconfigure(RefConfig {
        key_threshold: 1,
        disabled_for: 2,
        half_enabled_for: 0,
        ..RefConfig::default()
    });
    b.sync();
    assert_eq!(b.mode(&K), Mode::HalfEnabled { since: 3 }, "3 > 2");
    b.advance(1);
    b.sync();
    assert_eq!(b.size(), 0, "1 > 0: Enabled, then R-GC");

    let mut b = hot();
    b.advance(11);
    b.reconfigure(RefConfig {
        key_threshold: 1,
        disabled_for: 50,
        ..RefConfig::default()
    });
    b.sync();
    assert!(b.is_disabled(&K), "11 is not > 50 any more");
    // `enter` compares the same way.
    b.advance(40);
    b.enter(&K, 3);
    assert_eq!(b.mode(&K), Mode::HalfEnabled { since: 51 });
}

#[test]
fn r_config_drain_limit_zero_lets_an_open_window_refuse_nothing_but_close_as_usual() {
    let mut b = with_open_window(1);
    b.reconfigure(RefConfig {
        drain_idle_for: 1,
        ..RefConfig::default()
    });
    b.sync();
    assert_eq!(b.enter(&K, 2).admission(), (true, None));
    assert_eq!(b.enter(&K, 3).admission(), (true, None));
    assert_eq!(b.records[&K].drain, Some(Window::holding([2, 3], 0)));
    b.leave(&K, 2);
    b.leave(&K, 3);
    b.advance(2);
    b.sync();
    assert_eq!(b.size(), 0);
}

#[test]
fn r_config_key_threshold_zero_means_never_hot_and_the_tracked_set_shrinks() {
    let mut b = barrier(0, 1);
    b.enter(&K, 1);
    b.reconfigure(RefConfig::default());
    b.sync();
    assert_eq!(b.enter(&K, 2).admission(), (true, None));
    assert_eq!(b.enter(&K, 3).admission(), (true, None));
    assert!(!b.is_disabled(&K));
    for job in [1, 2, 3] {
        report(&mut b, job, RefState::Succeeded);
    }
    b.sync();
    assert_eq!(b.size(), 0);
}

// ------------------------------------------------------------ the clock helpers

#[test]
fn timers_running_until_each_timer_has_run_out() {
    let mut b = hot();
    assert!(b.timers_running());
    b.advance(10);
    assert!(b.timers_running(), "10 is not > 10: one more tick matters");
    b.advance(1);
    assert!(
        !b.timers_running(),
        "ran out: only a sync or enter can move on"
    );
    b.sync();
    assert!(b.timers_running(), "HalfEnabled now");

    let mut b = with_open_window(0);
    assert!(b.timers_running());
    b.enter(&K, 2);
    assert!(
        !b.timers_running(),
        "a window that holds a job has no timer"
    );
    assert!(!barrier(0, 0).timers_running());
}

#[test]
fn normalize_clock_keeps_every_answer_and_caps_the_ages() {
    let mut b = hot();
    b.advance(7);
    let mut n = b.clone();
    n.normalize_clock();
    assert_eq!(n.now, 11, "horizon: longest timer + 1");
    assert_eq!(n.mode(&K), Mode::Disabled { since: 4 });
    b.advance(500);
    b.normalize_clock();
    assert_eq!(b.mode(&K), Mode::Disabled { since: 0 }, "age capped at 11");
    let mut w = with_open_window(2);
    w.advance(100);
    w.normalize_clock();
    assert_eq!(
        w.records[&K].drain,
        Some(Window::empty(8)),
        "age capped at 3"
    );
    w.sync();
    assert_eq!(w.size(), 0, "3 > 2: same answer as unnormalized");
}
