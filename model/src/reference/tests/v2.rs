//! The rules SPEC v2 added or changed, part 1: R-MODE's reset and R-EXPIRE (mode
//! steps and idle windows, with strict comparisons). Part 2, in `v2_config.rs`:
//! the drain windows' `idle_since`, R-CONFIG and the clock helpers of the model
//! checker.

use super::*;

/// A window opened at tick 0 by a failed job's abort (drain limit 1): `sync` at 0.
pub(super) fn with_open_window(drain_idle_for: Tick) -> Ref {
    let mut b = Reference::new(RefConfig {
        drain_limit: 1,
        drain_idle_for,
        ..RefConfig::default()
    });
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Aborted);
    b.sync();
    assert_eq!(b.records[&K].drain, Some(Window::empty(0)));
    b
}

/// A hot key (threshold 1): `Disabled { since: 0 }`.
pub(super) fn hot() -> Ref {
    let mut b = barrier(0, 1);
    b.enter(&K, 1);
    b.enter(&K, 2);
    assert_eq!(b.mode(&K), Mode::Disabled { since: 0 });
    b
}

// ------------------------------------------------------------- R-MODE reset

#[test]
fn r_mode_predicate_resets_a_failed_record() {
    let mut b = barrier(0, 5);
    b.enter(&K, 1);
    b.enter(&K, 2);
    fail(&mut b, 1);
    b.advance(3);
    b.set_ordering_disabled(&K, true);
    assert_eq!(
        b.enter(&K, 3).admission(),
        (true, None),
        "no previous failed"
    );
    assert_eq!(
        b.records[&K],
        Record {
            mode: Mode::Disabled { since: 3 },
            failed: BTreeSet::new(),
            inflight: Some(BTreeSet::new()),
            drain: None,
        },
        "reset as by R-ENTER-HOT; R-ENTER-DISABLED tracks nothing"
    );
}

#[test]
fn r_mode_predicate_drops_the_drain_window() {
    let mut b = with_open_window(10);
    b.enter(&K, 2);
    b.set_ordering_disabled(&K, true);
    assert_eq!(
        b.enter(&K, 3).admission(),
        (true, None),
        "window not full any more"
    );
    assert_eq!(
        b.records[&K],
        Record::reset(0, false),
        "untracked: threshold 0"
    );
}

#[test]
fn r_mode_reset_tracks_iff_key_threshold() {
    // A record that R-EFF-FAILED created (untracked) is tracked after a reset
    // while `key_threshold > 0`.
    let mut b = barrier(0, 2);
    fail(&mut b, 1);
    assert_eq!(b.records[&K].inflight, None);
    b.set_ordering_disabled(&K, true);
    b.enter(&K, 2);
    assert_eq!(b.records[&K].inflight, Some(BTreeSet::new()));
    // With threshold 0, R-ENTER-1 creates nothing for a fresh key, predicate or not.
    let mut b = barrier(0, 0);
    b.set_ordering_disabled(&K, true);
    assert_eq!(b.enter(&K, 1).admission(), (true, None));
    assert_eq!(b.size(), 0);
}

#[test]
fn r_mode_reset_is_repeated_at_every_enter_and_stays_disabled_within_the_call() {
    let mut b = Reference::new(RefConfig {
        key_threshold: 3,
        disabled_for: 0,
        half_enabled_for: 0,
        ..RefConfig::default()
    });
    b.set_ordering_disabled(&K, true);
    b.enter(&K, 1);
    assert_eq!(b.mode(&K), Mode::Disabled { since: 0 }, "0 is not > 0");
    b.advance(1);
    b.enter(&K, 2);
    assert_eq!(
        b.mode(&K),
        Mode::Disabled { since: 1 },
        "reset again, not stepped"
    );
}

#[test]
fn r_mode_a_failed_job_ended_while_off_does_not_block_the_key_later() {
    // SPEC v1's stuck key: the failed job ends while the predicate holds.
    let mut b = barrier(0, 9);
    b.enter(&K, 1);
    b.enter(&K, 2);
    fail(&mut b, 1);
    b.set_ordering_disabled(&K, true);
    assert_eq!(b.enter(&K, 1).admission(), (true, None));
    report(&mut b, 1, RefState::Succeeded);
    report(&mut b, 2, RefState::Succeeded);
    b.sync(); // ignored: Disabled
    b.set_ordering_disabled(&K, false);
    b.advance(11);
    b.sync(); // R-EXPIRE: HalfEnabled
    assert_eq!(b.mode(&K), Mode::HalfEnabled { since: 11 });
    assert_eq!(b.enter(&K, 3).admission(), (true, None), "not blocked");
    report(&mut b, 3, RefState::Succeeded);
    b.advance(6);
    b.sync();
    assert_eq!(b.size(), 0, "and the record goes away");
}

// ------------------------------------------------------ R-EXPIRE: the modes

#[test]
fn r_expire_steps_the_modes_strictly_one_step_per_sync() {
    let mut b = hot(); // disabled_for 10, half_enabled_for 5
    b.advance(10);
    b.sync();
    assert_eq!(b.mode(&K), Mode::Disabled { since: 0 }, "10 is not > 10");
    b.advance(1);
    b.sync();
    assert_eq!(b.mode(&K), Mode::HalfEnabled { since: 11 });
    b.advance(5);
    b.sync();
    assert_eq!(b.mode(&K), Mode::HalfEnabled { since: 11 }, "5 is not > 5");
    b.advance(1);
    assert_eq!(b.sync().ret, Ret::Applied(0), "expiry is not an effect");
    assert_eq!(b.size(), 0, "Enabled and inactive: R-GC");

    let mut b = hot();
    b.advance(100);
    b.sync();
    assert_eq!(
        b.mode(&K),
        Mode::HalfEnabled { since: 100 },
        "one step at most"
    );
    b.sync();
    assert_eq!(b.mode(&K), Mode::HalfEnabled { since: 100 }, "same now");
}

#[test]
fn r_expire_visits_every_record_not_only_the_synced_keys() {
    let mut b = barrier(0, 1);
    for key in ["a", "b"] {
        b.enter(&key, 1);
        b.enter(&key, 2);
    }
    b.advance(11);
    b.sync();
    assert_eq!(b.mode(&"a"), Mode::HalfEnabled { since: 11 });
    assert_eq!(b.mode(&"b"), Mode::HalfEnabled { since: 11 });
}

#[test]
fn r_expire_takes_no_predicate() {
    let mut b = barrier(0, 1);
    b.set_ordering_disabled(&K, true);
    b.enter(&K, 1);
    b.advance(11);
    b.sync();
    assert_eq!(
        b.mode(&K),
        Mode::HalfEnabled { since: 11 },
        "predicate holds"
    );
    assert!(!b.is_disabled(&K));
    // A `failed` report blocks the key as any key's…
    fail(&mut b, 2);
    assert_eq!(b.wait(&K, 3).hold(), (true, Some(2)));
    // …until its next `enter` resets it.
    assert_eq!(b.enter(&K, 3).admission(), (true, None));
    assert!(b.is_disabled(&K));
}

#[test]
fn r_expire_keeps_a_record_that_still_holds_something() {
    let mut b = hot();
    b.advance(11);
    b.sync();
    b.enter(&K, 3); // HalfEnabled, tracked
    b.advance(6);
    b.sync();
    assert_eq!(b.mode(&K), Mode::Enabled);
    assert_eq!(b.size(), 1, "job 3 in flight");
    b.leave(&K, 3);
    assert_eq!(b.size(), 0);
}

#[test]
fn r_expire_applies_the_effects_first_at_the_same_now() {
    // The waiting report empties the window at the sync: idle since that sync's
    // now, so even a zero `drain_idle_for` does not close it at that sync.
    let mut b = with_open_window(0);
    b.enter(&K, 2);
    b.advance(5);
    report(&mut b, 2, RefState::Waiting);
    b.sync();
    assert_eq!(b.records[&K].drain, Some(Window::empty(5)));
    b.advance(1);
    b.sync();
    assert_eq!(b.size(), 0, "1 > 0: closed, then R-GC");
}

// -------------------------------------------- R-EXPIRE: idle drain windows

#[test]
fn r_expire_closes_an_idle_window_strictly_after_drain_idle_for() {
    let mut b = with_open_window(10);
    b.advance(10);
    b.sync();
    assert_eq!(
        b.records[&K].drain,
        Some(Window::empty(0)),
        "10 is not > 10"
    );
    b.advance(1);
    b.sync();
    assert_eq!(b.size(), 0, "closed, then R-GC");
}

#[test]
fn r_expire_never_closes_a_window_that_holds_a_job() {
    let mut b = with_open_window(0);
    b.enter(&K, 2);
    b.advance(1_000);
    b.sync();
    assert_eq!(b.records[&K].drain, Some(Window::holding([2], 0)));
    assert_eq!(b.enter(&K, 3).admission(), (false, None), "still limiting");
}

#[test]
fn r_expire_an_empty_window_closes_at_sync_only() {
    let mut b = with_open_window(0);
    b.advance(5);
    assert_eq!(b.enter(&K, 2).admission(), (true, None));
    assert_eq!(
        b.records[&K].drain,
        Some(Window::holding([2], 5)),
        "enter does not close it"
    );
}
