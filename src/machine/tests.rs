//! Unit tests of every transition, rule by rule.

use super::{transitions::*, *};
use crate::{Admission, Hold, JobId, Location};

const T: Nanos = 1_000;

fn rules(drain_limit: usize, key_threshold: usize) -> Rules {
    Rules {
        drain_limit,
        key_threshold,
        disabled_for: 10 * T,
        half_enabled_for: 5 * T,
    }
}

fn j(id: i64) -> JobId {
    JobId(id)
}

fn set(ids: &[i64]) -> JobSet {
    let mut s = JobSet::new();
    for &id in ids {
        s.insert(j(id));
    }
    s
}

fn rec(mode: Mode, blocker: Blocker, inflight: Inflight) -> Record {
    Record {
        mode,
        blocker,
        inflight,
    }
}

fn failed_rec(f: i64) -> Record {
    rec(Mode::Enabled, Blocker::Failed(j(f)), Inflight::Untracked)
}

fn enter_at(record: Option<Record>, job: i64, now: Nanos, r: Rules, off: bool) -> Step<Admission> {
    let read = move || now;
    let now = Now::lazy(&read);
    enter(record, j(job), &now, &r, || off)
}

fn apply_to(record: Option<Record>, job: i64, effect: Applied, r: Rules) -> Step<()> {
    apply(record, j(job), effect, &r)
}

#[test]
fn r_enter_1_no_record_no_threshold_creates_nothing() {
    let s = enter_at(None, 1, 0, rules(0, 0), true);
    assert_eq!(s.answer, Admission::ACCEPTED);
    assert_eq!(s.record, None, "the predicate is not even asked");
}

#[test]
fn r_enter_1_with_threshold_creates_a_tracked_record() {
    let s = enter_at(None, 1, 0, rules(0, 2), false);
    assert_eq!(s.answer, Admission::ACCEPTED);
    assert_eq!(
        s.record,
        Some(rec(
            Mode::Enabled,
            Blocker::Clear,
            Inflight::Tracked(set(&[1]))
        ))
    );
}

#[test]
fn r_mode_predicate_then_one_timer_step_strictly() {
    let r = rules(0, 0);
    let never = || false;
    let read = || 0;
    let at = |t: Nanos| move || t;
    // predicate: Disabled since now.
    let n = Now::lazy(&read);
    assert_eq!(
        refresh_mode(Mode::Enabled, &n, &r, || true).0,
        Mode::Disabled { since: 0 }
    );
    // Disabled exactly disabled_for old: stays; one tick more: HalfEnabled since now.
    let f = at(10 * T);
    assert_eq!(
        refresh_mode(Mode::Disabled { since: 0 }, &Now::lazy(&f), &r, never).0,
        Mode::Disabled { since: 0 }
    );
    let f = at(10 * T + 1);
    let (mode, notes) = refresh_mode(Mode::Disabled { since: 0 }, &Now::lazy(&f), &r, never);
    assert_eq!(mode, Mode::HalfEnabled { since: 10 * T + 1 });
    assert!(notes.contains(Notes::HALF_ENABLED));
    // Only one step per call, even if both timers ran out.
    let f = at(100 * T);
    assert_eq!(
        refresh_mode(Mode::Disabled { since: 0 }, &Now::lazy(&f), &r, never).0,
        Mode::HalfEnabled { since: 100 * T }
    );
    let f = at(5 * T);
    assert_eq!(
        refresh_mode(Mode::HalfEnabled { since: 0 }, &Now::lazy(&f), &r, never).0,
        Mode::HalfEnabled { since: 0 }
    );
    let f = at(5 * T + 1);
    assert_eq!(
        refresh_mode(Mode::HalfEnabled { since: 0 }, &Now::lazy(&f), &r, never),
        (Mode::Enabled, Notes::RE_ENABLED)
    );
}

#[test]
fn r_mode_enabled_never_reads_the_clock() {
    let read = || panic!("clock read");
    let n = Now::lazy(&read);
    assert_eq!(
        refresh_mode(Mode::Enabled, &n, &rules(0, 0), || false).0,
        Mode::Enabled
    );
}

#[test]
fn r_enter_disabled_accepts_and_tracks_nothing() {
    let before = rec(
        Mode::Disabled { since: 0 },
        Blocker::Failed(j(1)),
        Inflight::Tracked(set(&[1])),
    );
    let s = enter_at(Some(before.clone()), 5, T, rules(1, 2), false);
    assert_eq!(s.answer, Admission::ACCEPTED);
    assert_eq!(s.record, Some(before));
}

#[test]
fn r_enter_hot_replaces_the_record() {
    let before = rec(
        Mode::Enabled,
        Blocker::Failed(j(1)),
        Inflight::Tracked(set(&[1, 2])),
    );
    let s = enter_at(Some(before.clone()), 3, 7, rules(0, 2), false);
    assert_eq!(s.answer, Admission::ACCEPTED);
    assert_eq!(
        s.record,
        Some(rec(
            Mode::Disabled { since: 7 },
            Blocker::Clear,
            Inflight::Tracked(JobSet::new())
        ))
    );
    assert!(s.notes.contains(Notes::WENT_HOT));
    // A job already in flight does not make the key hot.
    let again = enter_at(Some(before), 2, 7, rules(0, 2), false);
    assert_eq!(again.answer.previous_failed, Some(j(1)));
    assert!(!again.answer.accepted);
}

#[test]
fn r_enter_drain_rejects_beyond_the_limit() {
    let before = rec(
        Mode::Enabled,
        Blocker::Drain(set(&[4])),
        Inflight::Untracked,
    );
    let s = enter_at(Some(before.clone()), 5, 0, rules(1, 0), false);
    assert_eq!(s.answer, Admission::REJECTED);
    assert_eq!(s.record.as_ref(), Some(&before));
    // The job already in the window passes again.
    assert!(
        enter_at(Some(before.clone()), 4, 0, rules(1, 0), false)
            .answer
            .accepted
    );
    // A limit of 0 (reconfigured) stops limiting: accepted and added.
    let s = enter_at(Some(before), 5, 0, rules(0, 0), false);
    assert!(s.answer.accepted);
    assert_eq!(s.record.unwrap().blocker, Blocker::Drain(set(&[4, 5])));
}

#[test]
fn r_enter_failed_admits_only_the_failed_job() {
    let s = enter_at(Some(failed_rec(3)), 4, 0, rules(0, 0), false);
    assert_eq!(
        s.answer,
        Admission {
            accepted: false,
            previous_failed: Some(j(3))
        }
    );
    assert_eq!(s.illegal, None);
    let s = enter_at(Some(failed_rec(3)), 3, 0, rules(0, 0), false);
    assert!(s.answer.accepted);
    // Older than the failed job while Enabled: illegal at enter, still rejected.
    let s = enter_at(Some(failed_rec(3)), 2, 0, rules(0, 0), false);
    assert!(!s.answer.accepted);
    assert_eq!(
        s.illegal,
        Some(Violation {
            location: Location::Enter,
            failed: j(3),
            job: j(2)
        })
    );
    // HalfEnabled is lenient: no report.
    let half = rec(
        Mode::HalfEnabled { since: 0 },
        Blocker::Failed(j(3)),
        Inflight::Untracked,
    );
    assert_eq!(enter_at(Some(half), 2, 0, rules(0, 0), false).illegal, None);
}

#[test]
fn r_enter_track_adds_to_inflight_and_drain() {
    let before = rec(
        Mode::Enabled,
        Blocker::Drain(JobSet::new()),
        Inflight::Tracked(set(&[1])),
    );
    let s = enter_at(Some(before), 2, 0, rules(2, 5), false);
    let r = s.record.unwrap();
    assert_eq!(r.inflight, Inflight::Tracked(set(&[1, 2])));
    assert_eq!(r.blocker, Blocker::Drain(set(&[2])));
}

#[test]
fn r_gc_enter_removes_a_record_it_leaves_inactive() {
    // HalfEnabled times out to Enabled; nothing else held: removed by this enter.
    let half = rec(
        Mode::HalfEnabled { since: 0 },
        Blocker::Clear,
        Inflight::Untracked,
    );
    let s = enter_at(Some(half), 1, 6 * T, rules(0, 0), false);
    assert!(s.answer.accepted);
    assert_eq!(s.record, None);
    assert!(s.notes.contains(Notes::RE_ENABLED));
}

#[test]
fn r_wait_holds_later_jobs_behind_the_failed_one() {
    assert_eq!(wait(None, j(1)), (Hold::GO, None));
    let f = failed_rec(3);
    assert_eq!(
        wait(Some(&f), j(4)).0,
        Hold {
            wait: true,
            previous_failed: Some(j(3))
        }
    );
    assert_eq!(
        wait(Some(&f), j(3)).0,
        Hold {
            wait: false,
            previous_failed: Some(j(3))
        }
    );
    let (h, illegal) = wait(Some(&f), j(2));
    assert!(h.wait);
    assert_eq!(illegal.map(|v| v.location), Some(Location::Wait));
    let off = rec(
        Mode::Disabled { since: 0 },
        Blocker::Failed(j(3)),
        Inflight::Untracked,
    );
    assert_eq!(wait(Some(&off), j(4)), (Hold::GO, None));
    let drain = rec(
        Mode::Enabled,
        Blocker::Drain(set(&[9])),
        Inflight::Untracked,
    );
    assert_eq!(wait(Some(&drain), j(4)), (Hold::GO, None));
}

#[test]
fn r_eff_leave_and_r_leave_forget_the_job_and_collect() {
    let r = rules(1, 3);
    assert_eq!(apply_to(None, 1, Applied::Leave, r).record, None);
    let tracked = rec(Mode::Enabled, Blocker::Clear, Inflight::Tracked(set(&[1])));
    assert_eq!(apply_to(Some(tracked), 1, Applied::Leave, r).record, None);
    let drain = rec(
        Mode::Enabled,
        Blocker::Drain(set(&[1])),
        Inflight::Untracked,
    );
    assert_eq!(
        apply_to(Some(drain), 1, Applied::Leave, r)
            .record
            .unwrap()
            .blocker,
        Blocker::Drain(JobSet::new()),
        "an empty drain window is still something"
    );
}

#[test]
fn r_eff_failed_blocks_keeps_the_oldest_and_closes_the_window() {
    let r = rules(1, 0);
    assert_eq!(
        apply_to(None, 5, Applied::Fail, r).record,
        Some(failed_rec(5))
    );
    let s = apply_to(Some(failed_rec(5)), 3, Applied::Fail, r);
    assert_eq!(s.record, Some(failed_rec(5)));
    assert_eq!(
        s.illegal,
        Some(Violation {
            location: Location::JobFailed,
            failed: j(5),
            job: j(3)
        })
    );
    let s = apply_to(Some(failed_rec(5)), 7, Applied::Fail, r);
    assert_eq!((s.record, s.illegal), (Some(failed_rec(5)), None));
    let drain = rec(
        Mode::Enabled,
        Blocker::Drain(set(&[6])),
        Inflight::Tracked(set(&[6])),
    );
    let s = apply_to(Some(drain), 6, Applied::Fail, r);
    assert_eq!(
        s.record,
        Some(rec(
            Mode::Enabled,
            Blocker::Failed(j(6)),
            Inflight::Tracked(JobSet::new())
        ))
    );
    let off = rec(
        Mode::Disabled { since: 0 },
        Blocker::Clear,
        Inflight::Untracked,
    );
    assert_eq!(
        apply_to(Some(off.clone()), 6, Applied::Fail, r).record,
        Some(off)
    );
}

#[test]
fn r_eff_release_unblocks_ignores_stale_reports_and_collects() {
    let r = rules(1, 0);
    assert_eq!(apply_to(None, 5, Applied::Release, r).record, None);
    assert_eq!(
        apply_to(Some(failed_rec(5)), 5, Applied::Release, r).record,
        None
    );
    assert_eq!(
        apply_to(Some(failed_rec(5)), 4, Applied::Release, r).record,
        Some(failed_rec(5)),
        "stale"
    );
    let drain = rec(
        Mode::Enabled,
        Blocker::Drain(set(&[6])),
        Inflight::Untracked,
    );
    assert_eq!(apply_to(Some(drain), 9, Applied::Release, r).record, None);
    let off = rec(
        Mode::Disabled { since: 0 },
        Blocker::Failed(j(5)),
        Inflight::Untracked,
    );
    assert_eq!(
        apply_to(Some(off.clone()), 5, Applied::Release, r).record,
        Some(off)
    );
}

#[test]
fn r_eff_abort_opens_a_drain_window_only_for_the_failed_job() {
    let s = apply_to(Some(failed_rec(5)), 5, Applied::Abort, rules(1, 0));
    assert_eq!(
        s.record,
        Some(rec(
            Mode::Enabled,
            Blocker::Drain(JobSet::new()),
            Inflight::Untracked
        ))
    );
    assert!(s.notes.contains(Notes::DRAIN_OPENED));
    assert_eq!(
        apply_to(Some(failed_rec(5)), 5, Applied::Abort, rules(0, 0)).record,
        None
    );
    let drain = rec(
        Mode::Enabled,
        Blocker::Drain(set(&[6])),
        Inflight::Untracked,
    );
    assert_eq!(
        apply_to(Some(drain), 6, Applied::Abort, rules(1, 0)).record,
        None
    );
    assert_eq!(
        apply_to(Some(failed_rec(5)), 6, Applied::Abort, rules(1, 0)).record,
        Some(failed_rec(5))
    );
}
