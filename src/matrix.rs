//! The transition matrix: every (record shape, operation, job relation) with the
//! record after it and the answer, written as text
//! and compared with the committed `spec/transitions.txt`, so that a changed rule
//! shows as a diff in review.
//!
//! Regenerate after a deliberate change with
//! `EVENTORDER_BLESS=1 cargo test --lib matrix::`, then read the diff.
//!
//! Each line also says whether a fast path of `store::fast` answered the case
//! (`fast`), and the test checks that it agreed with the general transition:
//! this covers every stored shape × job relation × operation of the fast paths.

use std::fmt::Write;

use crate::{
    machine::{
        transitions, Applied, Blocker, Inflight, JobSet, Mode, Nanos, Now, Ordered, Record, Rules,
        Step, Window,
    },
    store::{fast, pack, Stored},
    JobId,
};

/// The committed matrix.
const COMMITTED: &str = include_str!("../spec/transitions.txt");

/// The rules of every case: a drain limit of 1, a key threshold of 2, every timer
/// 10 ns; records made at time 0, calls at 5 (no timer due) or 100 (all due).
const RULES: Rules = Rules {
    drain_limit: 1,
    key_threshold: 2,
    disabled_for: 10,
    half_enabled_for: 10,
    drain_idle_for: 10,
};

fn set(ids: &[i64]) -> JobSet {
    let mut s = JobSet::new();
    for &id in ids {
        s.insert(JobId(id));
    }
    s
}

/// Every record shape: none, `Disabled` (tracked or not), and each mode with
/// ordering on × blocker × in-flight set. The failed job is 5.
fn shapes() -> Vec<Option<Record>> {
    let mut shapes = vec![
        None,
        Some(Record::disabled(0, false)),
        Some(Record::disabled(0, true)),
    ];
    let blockers = [
        Blocker::Clear,
        Blocker::failed(JobId(5)),
        Blocker::Failed(set(&[5, 7])),
        Blocker::Drain(Window::Idle { since: 0 }),
        Blocker::Drain(Window::Holding(set(&[5]))),
        Blocker::Drain(Window::Holding(set(&[5, 6]))),
    ];
    let inflights = [
        Inflight::Untracked,
        Inflight::Tracked(set(&[])),
        Inflight::Tracked(set(&[5])),
        Inflight::Tracked(set(&[4, 5])),
    ];
    for half_enabled_since in [None, Some(0)] {
        for blocker in &blockers {
            for inflight in &inflights {
                shapes.push(Some(Record::On(Ordered {
                    half_enabled_since,
                    blocker: blocker.clone(),
                    inflight: inflight.clone(),
                })));
            }
        }
    }
    shapes
}

fn jobs(set: &JobSet) -> String {
    let ids: Vec<String> = set.to_vec().iter().map(|j| j.0.to_string()).collect();
    format!("{{{}}}", ids.join(","))
}

fn record(record: Option<&Record>) -> String {
    let Some(record) = record else {
        return "none".into();
    };
    let mode = match record.mode() {
        Mode::Enabled => "Enabled".to_string(),
        Mode::Disabled { since } => format!("Disabled@{since}"),
        Mode::HalfEnabled { since } => format!("HalfEnabled@{since}"),
    };
    match record {
        Record::Disabled { tracked, .. } => {
            format!("{mode} {}", if *tracked { "tracked" } else { "untracked" })
        }
        Record::On(on) => {
            let blocker = match &on.blocker {
                Blocker::Clear => "clear".to_string(),
                Blocker::Failed(f) => match f.single() {
                    Some(f) => format!("failed {}", f.0),
                    None => format!("failed {}", jobs(f)),
                },
                Blocker::Drain(Window::Idle { since }) => format!("drain idle@{since}"),
                Blocker::Drain(Window::Holding(s)) => format!("drain {}", jobs(s)),
            };
            let inflight = match &on.inflight {
                Inflight::Untracked => "untracked".to_string(),
                Inflight::Tracked(s) => format!("tracked {}", jobs(s)),
            };
            format!("{mode}, {blocker}, {inflight}")
        }
    }
}

/// One line of the matrix.
fn line<A>(
    before: &Option<Record>,
    op: &str,
    step: &Step<A>,
    answer: String,
    fast: bool,
) -> String {
    format!(
        "{} | {op} -> {} | {answer}{}\n",
        record(before.as_ref()),
        record(step.record.as_ref()),
        if fast { " | fast" } else { "" }
    )
}

/// The stored form of a record, if it is one of the unboxed shapes the fast
/// paths work on (or no record).
fn unboxed(record: &Option<Record>) -> Option<Option<Stored>> {
    match record {
        None => Some(None),
        Some(r) => match pack(r.clone()) {
            Stored::Boxed(_) => None,
            stored => Some(Some(stored)),
        },
    }
}

/// Whether the fast `enter` answered, checked against the general step.
fn fast_enter(before: &Option<Record>, job: JobId, step: &Step<crate::Admission>) -> bool {
    let Some(stored) = unboxed(before) else {
        return false;
    };
    let Some(outcome) = fast::enter(stored.as_ref(), job, &RULES) else {
        return false;
    };
    let after = fast::outcome_record(stored.as_ref(), outcome);
    assert_eq!(
        step.answer,
        crate::Admission::ACCEPTED,
        "{before:?} {job:?}"
    );
    assert!(step.notes.is_empty());
    assert_eq!(step.record, after, "fast enter {before:?} {job:?}");
    true
}

/// Whether the fast effect answered, checked against the general step.
fn fast_apply(before: &Option<Record>, job: JobId, effect: Applied, step: &Step<()>) -> bool {
    let Some(Some(stored)) = unboxed(before) else {
        return false;
    };
    let Some(outcome) = fast::apply(&stored, job, effect, &RULES) else {
        return false;
    };
    let after = fast::outcome_record(Some(&stored), outcome);
    assert!(step.notes.is_empty());
    assert_eq!(step.record, after, "fast {effect:?} {before:?} {job:?}");
    true
}

/// The whole matrix, as text.
fn matrix() -> String {
    let mut out = String::new();
    writeln!(
        out,
        "# The transition matrix (src/matrix.rs writes it; a test compares it).\n\
         # Rules: drain_limit 1, key_threshold 2, disabled_for = half_enabled_for =\n\
         # drain_idle_for = 10 ns. Records made at 0; calls at 5 (no timer due) or\n\
         # 100 (every timer due). The failed job is 5 (or the set {{5,7}}); jobs 4\n\
         # (older), 5, 6 (newer). SPEC v3 reports no illegal sequence (R-ILLEGAL).\n\
         # record before | operation -> record after | answer [| fast]"
    )
    .unwrap();
    for before in shapes() {
        writeln!(out, "\n## {}", record(before.as_ref())).unwrap();
        for now in [5, 100] {
            for off in [false, true] {
                for job in [4, 5, 6].map(JobId) {
                    let read = move || now;
                    let step =
                        transitions::enter(before.clone(), job, &Now::lazy(&read), &RULES, off);
                    let fast = !off && fast_enter(&before, job, &step);
                    let a = &step.answer;
                    let answer = match (a.accepted, a.previous_failed) {
                        (true, None) => "accepted".to_string(),
                        (accepted, failed) => format!(
                            "{} previous_failed {}",
                            if accepted { "accepted" } else { "rejected" },
                            failed.map_or("none".into(), |f| f.0.to_string())
                        ),
                    };
                    let op = format!(
                        "enter({}) at {now}{}",
                        job.0,
                        if off { ", predicate holds" } else { "" }
                    );
                    out.push_str(&line(&before, &op, &step, answer, fast));
                }
            }
        }
        for job in [4, 5, 6].map(JobId) {
            let hold = transitions::wait(before.as_ref(), job);
            let answer = format!(
                "{} previous_failed {}",
                if hold.wait { "wait" } else { "go" },
                hold.previous_failed
                    .map_or("none".into(), |f| f.0.to_string())
            );
            let step = Step {
                record: before.clone(),
                answer: (),
                notes: Default::default(),
            };
            out.push_str(&line(
                &before,
                &format!("wait({})", job.0),
                &step,
                answer,
                false,
            ));
        }
        for (name, effect) in [
            ("leave/waiting", Applied::Leave),
            ("failed", Applied::Fail),
            ("succeeded/filtered", Applied::Release),
            ("aborted", Applied::Abort),
        ] {
            for job in [4, 5, 6].map(JobId) {
                let step = transitions::apply(before.clone(), job, effect, &Now::at(5), &RULES);
                let fast = effect != Applied::Fail && fast_apply(&before, job, effect, &step);
                let op = format!("{name}({}) at 5", job.0);
                out.push_str(&line(&before, &op, &step, "-".into(), fast));
            }
        }
        if let Some(r) = &before {
            for now in [5, 100] {
                let step = transitions::expire(r.clone(), now as Nanos, &RULES);
                out.push_str(&line(
                    &before,
                    &format!("sync expires at {now}"),
                    &step,
                    "-".into(),
                    false,
                ));
            }
        }
    }
    out
}

#[test]
fn the_transition_matrix_is_the_committed_one() {
    let now = matrix();
    if std::env::var_os("EVENTORDER_BLESS").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/transitions.txt");
        std::fs::write(path, &now).unwrap();
        return;
    }
    if now != COMMITTED {
        let first = now
            .lines()
            .zip(COMMITTED.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(now.lines().count().min(COMMITTED.lines().count()));
        let show = |text: &str| {
            text.lines()
                .skip(first)
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        };
        panic!(
            "the transitions changed (first at line {}):\nnow:\n{}\ncommitted:\n{}\n\
             If the change is meant, run `EVENTORDER_BLESS=1 cargo test --lib matrix::` \
             and review the diff of spec/transitions.txt.",
            first + 1,
            show(&now),
            show(COMMITTED)
        );
    }
}

#[test]
fn the_fast_paths_answer_the_calls_of_a_tracked_lifecycle() {
    // Spot checks that the matrix's `fast` column is not empty where it matters.
    let text = matrix();
    for needle in [
        "none | enter(5) at 5 -> Enabled, clear, tracked {5} | accepted | fast",
        "Enabled, clear, tracked {5} | succeeded/filtered(5) at 5 -> none | - | fast",
        "Enabled, failed 5, untracked | succeeded/filtered(5) at 5 -> none | - | fast",
        "Enabled, failed 5, untracked | aborted(4) at 5 -> Enabled, failed 5, untracked | - | fast",
    ] {
        assert!(text.contains(needle), "missing: {needle}");
    }
}
