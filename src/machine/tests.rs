//! Unit tests of every transition, rule by rule.

use super::{transitions::*, *};
use crate::{Admission, Hold, JobId};

const T: Nanos = 1_000;

fn rules(drain_limit: usize, key_threshold: usize) -> Rules {
    Rules {
        drain_limit,
        key_threshold,
        disabled_for: 10 * T,
        half_enabled_for: 5 * T,
        drain_idle_for: 20 * T,
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

/// A record with ordering on: `Enabled`, or `HalfEnabled` for a `Mode::HalfEnabled`.
fn rec(mode: Mode, blocker: Blocker, inflight: Inflight) -> Record {
    let half_enabled_since = match mode {
        Mode::Enabled => None,
        Mode::HalfEnabled { since } => Some(since),
        Mode::Disabled { .. } => unreachable!("use Record::disabled"),
    };
    Record::On(Ordered {
        half_enabled_since,
        blocker,
        inflight,
    })
}

fn holding(ids: &[i64]) -> Blocker {
    Blocker::Drain(Window::Holding(set(ids)))
}

fn idle(since: Nanos) -> Blocker {
    Blocker::Drain(Window::Idle { since })
}

fn on(record: Record) -> Ordered {
    match record {
        Record::On(on) => on,
        other => panic!("not on: {other:?}"),
    }
}

fn failed_rec(f: i64) -> Record {
    rec(Mode::Enabled, Blocker::failed(j(f)), Inflight::Untracked)
}

fn enter_at(record: Option<Record>, job: i64, now: Nanos, r: Rules, off: bool) -> Step<Admission> {
    let read = move || now;
    let now = Now::lazy(&read);
    enter(record, j(job), &now, &r, off)
}

fn apply_to(record: Option<Record>, job: i64, effect: Applied, r: Rules) -> Step<()> {
    apply_at(record, job, effect, 0, r)
}

fn apply_at(record: Option<Record>, job: i64, effect: Applied, now: Nanos, r: Rules) -> Step<()> {
    apply(record, j(job), effect, &Now::at(now), &r)
}

fn refresh_at(record: Record, now: Nanos, r: &Rules, off: bool) -> (Record, Notes) {
    let read = move || now;
    refresh_mode(record, &Now::lazy(&read), r, off)
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
fn r_mode_predicate_resets_then_one_timer_step_strictly() {
    let r = rules(0, 0);
    let enabled = Record::default();
    // predicate: a fresh Disabled record since now, whatever the record held.
    let blocked = rec(
        Mode::Enabled,
        Blocker::failed(j(3)),
        Inflight::Tracked(set(&[3, 4])),
    );
    let (reset, notes) = refresh_at(blocked, 0, &rules(0, 2), true);
    assert_eq!(reset, Record::disabled(0, true));
    assert!(notes.contains(Notes::PREDICATE_DISABLED));
    let half_drain = rec(
        Mode::HalfEnabled { since: 1 },
        holding(&[5]),
        Inflight::Untracked,
    );
    assert_eq!(
        refresh_at(half_drain, 2, &r, true).0,
        Record::disabled(2, false)
    );
    // Disabled exactly disabled_for old: stays; one tick more: HalfEnabled since now.
    assert_eq!(
        refresh_at(Record::disabled(0, true), 10 * T, &r, false).0,
        Record::disabled(0, true)
    );
    let (half, notes) = refresh_at(Record::disabled(0, true), 10 * T + 1, &r, false);
    assert_eq!(
        half,
        rec(
            Mode::HalfEnabled { since: 10 * T + 1 },
            Blocker::Clear,
            Inflight::Tracked(JobSet::new())
        )
    );
    assert!(notes.contains(Notes::HALF_ENABLED));
    let (half, _) = refresh_at(Record::disabled(0, false), 10 * T + 1, &r, false);
    assert_eq!(on(half).inflight, Inflight::Untracked);
    // Only one step per call, even if both timers ran out.
    assert_eq!(
        refresh_at(Record::disabled(0, false), 100 * T, &r, false)
            .0
            .mode(),
        Mode::HalfEnabled { since: 100 * T }
    );
    let half = rec(
        Mode::HalfEnabled { since: 0 },
        Blocker::failed(j(2)),
        Inflight::Untracked,
    );
    assert_eq!(refresh_at(half.clone(), 5 * T, &r, false).0, half);
    assert_eq!(
        refresh_at(half, 5 * T + 1, &r, false),
        (
            rec(Mode::Enabled, Blocker::failed(j(2)), Inflight::Untracked),
            Notes::RE_ENABLED
        )
    );
    // The predicate on an Enabled record with nothing in it.
    assert_eq!(
        refresh_at(enabled, 4, &r, true).0,
        Record::disabled(4, false)
    );
}

#[test]
fn r_mode_enabled_never_reads_the_clock() {
    let read = || panic!("clock read");
    let n = Now::lazy(&read);
    let blocked = rec(Mode::Enabled, Blocker::failed(j(1)), Inflight::Untracked);
    assert_eq!(
        refresh_mode(blocked.clone(), &n, &rules(0, 0), false).0,
        blocked
    );
}

#[test]
fn r_mode_reset_lets_a_blocked_key_come_back() {
    // SPEC.md v1's stuck key: failed job, predicate on, then off again.
    let r = rules(1, 0);
    let s = enter_at(Some(failed_rec(3)), 4, 0, r, true);
    assert_eq!(s.answer, Admission::ACCEPTED);
    assert_eq!(s.record, Some(Record::disabled(0, false)));
    // Reports while Disabled change nothing.
    let off = s.record.unwrap();
    assert_eq!(
        apply_to(Some(off.clone()), 3, Applied::Abort, r).record,
        Some(off.clone())
    );
    // The timers run out: the key admits later jobs again.
    let half = enter_at(Some(off), 5, 10 * T + 1, r, false);
    assert_eq!(half.answer, Admission::ACCEPTED);
    let s = enter_at(half.record, 6, 16 * T + 2, r, false);
    assert_eq!(s.answer, Admission::ACCEPTED);
    assert_eq!(s.record, None, "Enabled with nothing held: collected");
}

#[test]
fn r_enter_disabled_accepts_and_tracks_nothing() {
    let before = Record::disabled(0, true);
    let s = enter_at(Some(before.clone()), 5, T, rules(1, 2), false);
    assert_eq!(s.answer, Admission::ACCEPTED);
    assert_eq!(s.record, Some(before));
}

#[test]
fn r_enter_hot_replaces_the_record() {
    let before = rec(
        Mode::Enabled,
        Blocker::failed(j(1)),
        Inflight::Tracked(set(&[1, 2])),
    );
    let s = enter_at(Some(before.clone()), 3, 7, rules(0, 2), false);
    assert_eq!(s.answer, Admission::ACCEPTED);
    assert_eq!(s.record, Some(Record::disabled(7, true)));
    assert!(s.notes.contains(Notes::WENT_HOT));
    // A job already in flight does not make the key hot.
    let again = enter_at(Some(before), 2, 7, rules(0, 2), false);
    assert_eq!(again.answer.previous_failed, Some(j(1)));
    assert!(!again.answer.accepted);
}

#[test]
fn r_enter_drain_rejects_beyond_the_limit() {
    let before = rec(Mode::Enabled, holding(&[4]), Inflight::Untracked);
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
    assert_eq!(on(s.record.unwrap()).blocker, holding(&[4, 5]));
}

#[test]
fn r_enter_failed_admits_the_failed_job_and_older_ones() {
    let s = enter_at(Some(failed_rec(3)), 4, 0, rules(0, 0), false);
    assert_eq!(
        s.answer,
        Admission {
            accepted: false,
            previous_failed: Some(j(3))
        }
    );
    let s = enter_at(Some(failed_rec(3)), 3, 0, rules(0, 0), false);
    assert!(s.answer.accepted);
    // Older than the failed job: it goes first (SPEC v3), in every mode.
    for mode in [Mode::Enabled, Mode::HalfEnabled { since: 0 }] {
        let blocked = rec(mode, Blocker::failed(j(3)), Inflight::Tracked(set(&[])));
        let s = enter_at(Some(blocked), 2, 0, rules(0, 5), false);
        assert_eq!(
            s.answer,
            Admission {
                accepted: true,
                previous_failed: Some(j(3))
            }
        );
        assert_eq!(on(s.record.unwrap()).inflight, Inflight::Tracked(set(&[2])));
    }
    // A set of failed jobs blocks by its oldest.
    let two = rec(
        Mode::Enabled,
        Blocker::Failed(set(&[3, 7])),
        Inflight::Untracked,
    );
    for (job, accepted) in [(2, true), (3, true), (4, false), (7, false), (8, false)] {
        let s = enter_at(Some(two.clone()), job, 0, rules(0, 0), false);
        assert_eq!(s.answer.accepted, accepted, "job {job}");
        assert_eq!(s.answer.previous_failed, Some(j(3)));
    }
}

#[test]
fn r_enter_track_adds_to_inflight_and_drain_which_is_then_not_idle() {
    let before = rec(Mode::Enabled, idle(0), Inflight::Tracked(set(&[1])));
    let s = enter_at(Some(before), 2, 0, rules(2, 5), false);
    let r = on(s.record.unwrap());
    assert_eq!(r.inflight, Inflight::Tracked(set(&[1, 2])));
    assert_eq!(r.blocker, holding(&[2]));
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
    assert_eq!(wait(None, j(1)), Hold::GO);
    let f = failed_rec(3);
    assert_eq!(
        wait(Some(&f), j(4)),
        Hold {
            wait: true,
            previous_failed: Some(j(3))
        }
    );
    for older_or_same in [3, 2] {
        assert_eq!(
            wait(Some(&f), j(older_or_same)),
            Hold {
                wait: false,
                previous_failed: Some(j(3))
            }
        );
    }
    let two = rec(
        Mode::HalfEnabled { since: 0 },
        Blocker::Failed(set(&[3, 7])),
        Inflight::Untracked,
    );
    assert!(wait(Some(&two), j(5)).wait);
    assert!(!wait(Some(&two), j(3)).wait);
    assert_eq!(wait(Some(&Record::disabled(0, true)), j(4)), Hold::GO);
    let drain = rec(Mode::Enabled, holding(&[9]), Inflight::Untracked);
    assert_eq!(wait(Some(&drain), j(4)), Hold::GO);
}

#[test]
fn r_eff_leave_and_r_leave_forget_the_job_and_collect() {
    let r = rules(1, 3);
    assert_eq!(apply_to(None, 1, Applied::Leave, r).record, None);
    let tracked = rec(Mode::Enabled, Blocker::Clear, Inflight::Tracked(set(&[1])));
    assert_eq!(apply_to(Some(tracked), 1, Applied::Leave, r).record, None);
    // The window's last job leaves: idle since now, still something.
    let drain = rec(Mode::Enabled, holding(&[1]), Inflight::Untracked);
    let after = apply_at(Some(drain.clone()), 1, Applied::Leave, 7, r);
    assert_eq!(on(after.record.unwrap()).blocker, idle(7));
    // A job the window does not hold changes nothing (not even the idle time).
    assert_eq!(
        apply_at(Some(drain.clone()), 2, Applied::Leave, 7, r).record,
        Some(drain)
    );
    let idle_rec = rec(Mode::Enabled, idle(3), Inflight::Untracked);
    assert_eq!(
        apply_at(Some(idle_rec.clone()), 2, Applied::Leave, 7, r).record,
        Some(idle_rec)
    );
    let two = rec(Mode::Enabled, holding(&[1, 2]), Inflight::Untracked);
    assert_eq!(
        on(apply_at(Some(two), 1, Applied::Leave, 7, r).record.unwrap()).blocker,
        holding(&[2])
    );
    // A Disabled record holds nothing to forget.
    let off = Record::disabled(0, true);
    assert_eq!(
        apply_to(Some(off.clone()), 1, Applied::Leave, r).record,
        Some(off)
    );
}

#[test]
fn r_eff_failed_blocks_keeps_every_failed_job_and_closes_the_window() {
    let r = rules(1, 0);
    assert_eq!(
        apply_to(None, 5, Applied::Fail, r).record,
        Some(failed_rec(5))
    );
    let both = rec(
        Mode::Enabled,
        Blocker::Failed(set(&[3, 5])),
        Inflight::Untracked,
    );
    let s = apply_to(Some(failed_rec(5)), 3, Applied::Fail, r);
    assert_eq!(s.record, Some(both.clone()));
    assert_eq!(s.record.as_ref().and_then(Record::failed), Some(j(3)));
    let s = apply_to(Some(failed_rec(3)), 5, Applied::Fail, r);
    assert_eq!(s.record, Some(both));
    let s = apply_to(Some(failed_rec(5)), 5, Applied::Fail, r);
    assert_eq!(s.record, Some(failed_rec(5)), "the same job twice is one");
    let drain = rec(Mode::Enabled, holding(&[6]), Inflight::Tracked(set(&[6])));
    let s = apply_to(Some(drain), 6, Applied::Fail, r);
    assert_eq!(
        s.record,
        Some(rec(
            Mode::Enabled,
            Blocker::failed(j(6)),
            Inflight::Tracked(JobSet::new())
        ))
    );
    let idle_rec = rec(Mode::Enabled, idle(2), Inflight::Untracked);
    assert_eq!(
        apply_to(Some(idle_rec), 8, Applied::Fail, r).record,
        Some(failed_rec(8))
    );
    let off = Record::disabled(0, false);
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
    let drain = rec(Mode::Enabled, holding(&[6]), Inflight::Untracked);
    assert_eq!(apply_to(Some(drain), 9, Applied::Release, r).record, None);
    let idle_rec = rec(Mode::Enabled, idle(6), Inflight::Untracked);
    assert_eq!(
        apply_to(Some(idle_rec), 9, Applied::Release, r).record,
        None
    );
    let off = Record::disabled(0, true);
    assert_eq!(
        apply_to(Some(off.clone()), 5, Applied::Release, r).record,
        Some(off)
    );
    // Of several failed jobs, a release ends one; the next oldest blocks.
    let two = rec(
        Mode::Enabled,
        Blocker::Failed(set(&[3, 7])),
        Inflight::Untracked,
    );
    for (job, left) in [(3, 7), (7, 3)] {
        let s = apply_to(Some(two.clone()), job, Applied::Release, r);
        assert_eq!(s.record, Some(failed_rec(left)), "release {job}");
    }
    assert_eq!(
        apply_to(Some(two.clone()), 5, Applied::Release, r).record,
        Some(two),
        "stale"
    );
}

#[test]
fn r_eff_abort_opens_an_idle_drain_window_only_for_the_failed_job() {
    let s = apply_at(Some(failed_rec(5)), 5, Applied::Abort, 9, rules(1, 0));
    assert_eq!(
        s.record,
        Some(rec(Mode::Enabled, idle(9), Inflight::Untracked))
    );
    assert!(s.notes.contains(Notes::DRAIN_OPENED));
    assert_eq!(
        apply_to(Some(failed_rec(5)), 5, Applied::Abort, rules(0, 0)).record,
        None
    );
    let drain = rec(Mode::Enabled, holding(&[6]), Inflight::Untracked);
    assert_eq!(
        apply_to(Some(drain), 6, Applied::Abort, rules(1, 0)).record,
        None
    );
    assert_eq!(
        apply_to(Some(failed_rec(5)), 6, Applied::Abort, rules(1, 0)).record,
        Some(failed_rec(5))
    );
    // An abort that leaves another failed job opens no window.
    let two = rec(
        Mode::Enabled,
        Blocker::Failed(set(&[3, 7])),
        Inflight::Untracked,
    );
    let s = apply_at(Some(two), 3, Applied::Abort, 9, rules(1, 0));
    assert_eq!(s.record, Some(failed_rec(7)));
    assert!(!s.notes.contains(Notes::DRAIN_OPENED));
}

#[test]
fn r_expire_takes_one_timer_step_strictly_and_collects() {
    let r = rules(1, 2);
    // Disabled: exactly disabled_for is not enough.
    let off = Record::disabled(0, true);
    assert_eq!(expire(off.clone(), 10 * T, &r).record, Some(off.clone()));
    let s = expire(off, 10 * T + 1, &r);
    assert_eq!(
        s.record.as_ref().map(Record::mode),
        Some(Mode::HalfEnabled { since: 10 * T + 1 })
    );
    assert!(s.notes.contains(Notes::HALF_ENABLED));
    // One step only, however late.
    let s = expire(Record::disabled(0, false), 100 * T, &r);
    assert_eq!(
        s.record.as_ref().map(Record::mode),
        Some(Mode::HalfEnabled { since: 100 * T })
    );
    // HalfEnabled with nothing else: Enabled, then removed (R-GC).
    let half = s.record.unwrap();
    assert_eq!(expire(half.clone(), 105 * T, &r).record, Some(half.clone()));
    let s = expire(half, 105 * T + 1, &r);
    assert_eq!(s.record, None);
    assert!(s.notes.contains(Notes::RE_ENABLED));
    // HalfEnabled with a failed job: Enabled, the failed job kept.
    let blocked = rec(
        Mode::HalfEnabled { since: 0 },
        Blocker::failed(j(4)),
        Inflight::Untracked,
    );
    assert_eq!(expire(blocked, 6 * T, &r).record, Some(failed_rec(4)));
    // Nothing due: nothing changes, and the predicate is never asked (it has no say).
    assert_eq!(
        expire(failed_rec(4), u64::MAX, &r).record,
        Some(failed_rec(4))
    );
}

#[test]
fn r_expire_closes_a_window_idle_for_longer_than_drain_idle_for() {
    let r = rules(1, 0);
    let idle_rec = rec(Mode::Enabled, idle(T), Inflight::Untracked);
    assert_eq!(
        expire(idle_rec.clone(), 21 * T, &r).record,
        Some(idle_rec.clone())
    );
    let s = expire(idle_rec, 21 * T + 1, &r);
    assert_eq!(s.record, None);
    assert!(s
        .notes
        .contains(Notes::DRAIN_CLOSED | Notes::WINDOW_EXPIRED));
    // A window that holds a job is never closed by time.
    let busy = rec(Mode::Enabled, holding(&[3]), Inflight::Untracked);
    assert_eq!(expire(busy.clone(), u64::MAX, &r).record, Some(busy));
    // An idle window beside tracked jobs: the window closes, the record stays.
    let tracked = rec(Mode::Enabled, idle(0), Inflight::Tracked(set(&[3])));
    assert_eq!(
        expire(tracked, 21 * T, &r).record,
        Some(rec(
            Mode::Enabled,
            Blocker::Clear,
            Inflight::Tracked(set(&[3]))
        ))
    );
    // Both timers at once: the mode steps and the window closes.
    let both = rec(Mode::HalfEnabled { since: 0 }, idle(0), Inflight::Untracked);
    assert_eq!(expire(both, 30 * T, &r).record, None);
}

#[test]
fn a_deadline_is_the_earliest_timer() {
    let r = rules(1, 0);
    assert_eq!(failed_rec(1).deadline(&r), None);
    assert_eq!(Record::default().deadline(&r), None);
    assert_eq!(
        rec(Mode::Enabled, holding(&[1]), Inflight::Untracked).deadline(&r),
        None
    );
    assert_eq!(Record::disabled(3, true).deadline(&r), Some(3 + 10 * T));
    let half = rec(
        Mode::HalfEnabled { since: 3 },
        Blocker::failed(j(1)),
        Inflight::Untracked,
    );
    assert_eq!(half.deadline(&r), Some(3 + 5 * T));
    let idle_rec = rec(Mode::Enabled, idle(4), Inflight::Untracked);
    assert_eq!(idle_rec.deadline(&r), Some(4 + 20 * T));
    let both = rec(Mode::HalfEnabled { since: 0 }, idle(0), Inflight::Untracked);
    assert_eq!(both.deadline(&r), Some(5 * T));
    // Saturates instead of wrapping: never due.
    assert_eq!(
        Record::disabled(u64::MAX - 1, true).deadline(&r),
        Some(u64::MAX)
    );
    // Exactly at its deadline a record is not due (the timers compare strictly),
    // one nanosecond later it is.
    for record in [Record::disabled(3, true), half, idle_rec] {
        let d = record.deadline(&r).unwrap();
        assert_eq!(expire(record.clone(), d, &r).record, Some(record.clone()));
        assert_ne!(expire(record.clone(), d + 1, &r).record, Some(record));
    }
}
