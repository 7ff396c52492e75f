//! Runs every data-driven scenario of `spec/scenarios/*.toml` against the real
//! barrier, and fails if any rule id (`R-…`) of SPEC.md has no scenario.
//!
//! A scenario is a config and a list of steps; each step is one call with its
//! expected answer (a `round` step is a whole round: its offers, undos and skips).
//! No step may report an illegal sequence or panic (R-ILLEGAL: v3 reports none,
//! under either policy). See `spec/scenarios/README.md` for the format.

#[path = "support/panics.rs"]
mod panics;

use std::{
    collections::{BTreeMap, BTreeSet, HashSet},
    fs,
    panic::{catch_unwind, AssertUnwindSafe},
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use eventorder::{
    Barrier, Config, Error, IllegalSequence, JobId, JobState, KeyMode, ManualClock, Offer,
    WorkerHandle,
};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    scenario: Vec<Scenario>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    name: String,
    rules: Vec<String>,
    #[serde(default)]
    config: Config,
    /// Keys for which the `ordering_disabled` predicate holds at the start.
    #[serde(default)]
    ordering_disabled: Vec<String>,
    step: Vec<Step>,
}

/// One call with its expected answer. Unknown fields are errors, so a misspelt
/// expectation cannot pass silently.
#[derive(Deserialize)]
#[serde(transparent)]
struct Step {
    op: Op,
}

#[derive(Deserialize, Debug)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
enum Op {
    Enter {
        key: String,
        job: i64,
        accepted: bool,
        previous_failed: Option<i64>,
    },
    Wait {
        key: String,
        job: i64,
        wait: bool,
        previous_failed: Option<i64>,
    },
    /// `state_changed`, with the state by wire name; `error` is "unknown" or
    /// "unsupported" when the call must fail.
    State {
        key: String,
        job: i64,
        state: String,
        error: Option<String>,
    },
    Leave {
        key: String,
        job: i64,
    },
    /// `recover` (R-RESTART) with `(key, job)` pairs in the order given; `keys` is
    /// the answer, or `error = "too_late"` when the call must fail.
    Recover {
        failed: Vec<(String, i64)>,
        keys: Option<usize>,
        error: Option<String>,
    },
    Peek {
        key: String,
        failed: Option<i64>,
    },
    Disabled {
        key: String,
        disabled: bool,
    },
    Sync {
        applied: usize,
    },
    Size {
        size: usize,
    },
    /// Moves the manual clock, e.g. `by = "10m"`.
    Advance {
        by: String,
    },
    /// Turns the `ordering_disabled` predicate on or off for a key.
    Predicate {
        key: String,
        disabled: bool,
    },
    /// `reconfigure`: either `config`, a whole `Config` (omitted settings take their
    /// defaults), or `set`, only the named settings changed from the config in force.
    Reconfigure {
        config: Option<Config>,
        set: Option<toml::Table>,
    },
    /// Inspects the key's record through the snapshot (SPEC.md section 3); each
    /// field is checked only when given.
    Record {
        key: String,
        /// "none" (no record), "enabled", "disabled" or "half_enabled".
        mode: Option<String>,
        /// The tracked in-flight set, or "untracked".
        inflight: Option<Jobs>,
        /// The drain window's jobs, or "closed" (no window).
        drain: Option<Jobs>,
        /// The key's failed jobs (R-EFF-FAILED's set), `[]` for none.
        failed: Option<Vec<i64>>,
    },
    /// A round (R-ROUND): starts it (its `sync` applies `applied` effects, when
    /// given), runs its actions in order, and ends it.
    Round {
        applied: Option<usize>,
        #[serde(default)]
        actions: Vec<Action>,
    },
    /// `report_all` (the commit loop's batch): `(key, job, state)` triples; each
    /// result must be Ok.
    Reports {
        reports: Vec<(String, i64, String)>,
    },
}

/// One action inside a round.
#[derive(Deserialize, Debug)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
enum Action {
    /// `offer`: `answer` is "admitted", "refused", "skipped" or "out_of_order".
    Offer {
        key: String,
        job: i64,
        answer: String,
        previous_failed: Option<i64>,
    },
    /// `offer_all` over `(key, job)` pairs: `answers` as for `offer`, one each
    /// (without the previous failed job).
    OfferAll {
        jobs: Vec<(String, i64)>,
        answers: Vec<String>,
    },
    Undo {
        key: String,
        job: i64,
    },
    Skip {
        key: String,
    },
}

/// An offer's answer in a scenario's words, with its previous failed job.
fn offer_words(offer: &Result<Offer, Error>) -> (String, Option<i64>) {
    match offer {
        Ok(Offer::Admitted { previous_failed }) => {
            ("admitted".into(), previous_failed.map(|j| j.0))
        }
        Ok(Offer::Refused { previous_failed }) => ("refused".into(), previous_failed.map(|j| j.0)),
        Ok(Offer::Skipped) => ("skipped".into(), None),
        Err(Error::OutOfOrder { .. }) => ("out_of_order".into(), None),
        Err(e) => (format!("other: {e}"), None),
    }
}

/// A set of jobs, or a word for its absence ("untracked", "closed").
#[derive(Deserialize, Debug)]
#[serde(untagged)]
enum Jobs {
    Set(Vec<i64>),
    Word(String),
}

impl Jobs {
    /// The expected set (sorted), or `None` for the word `absent`.
    fn expected(&self, absent: &str) -> Result<Option<Vec<i64>>, String> {
        match self {
            Jobs::Set(jobs) => {
                let mut jobs = jobs.clone();
                jobs.sort_unstable();
                Ok(Some(jobs))
            }
            Jobs::Word(w) if w == absent => Ok(None),
            Jobs::Word(w) => Err(format!("expected a list of jobs or {absent:?}, not {w:?}")),
        }
    }
}

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/scenarios")
}

fn load_all() -> Vec<(String, Scenario)> {
    let mut files: Vec<_> = fs::read_dir(scenario_dir())
        .expect("spec/scenarios exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenario files");
    let mut all = Vec::new();
    for path in files {
        let text = fs::read_to_string(&path).expect("readable scenario file");
        let file: File =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        for s in file.scenario {
            all.push((format!("{stem}: {}", s.name), s));
        }
    }
    all
}

/// Runs one scenario; returns a description of the first mismatch.
fn run(scenario: &Scenario) -> Result<(), String> {
    let clock = ManualClock::new();
    let predicate: Arc<Mutex<HashSet<String>>> = Arc::new(Mutex::new(
        scenario.ordering_disabled.iter().cloned().collect(),
    ));
    let events: Arc<Mutex<Vec<IllegalSequence<String>>>> = Arc::default();
    let barrier: Barrier<String, ManualClock> = {
        let predicate = Arc::clone(&predicate);
        let events = Arc::clone(&events);
        Barrier::builder()
            .config(scenario.config.clone())
            .ordering_disabled(move |k: &String| predicate.lock().unwrap().contains(k))
            .on_illegal_sequence(move |e| events.lock().unwrap().push(e.clone()))
            .clock(clock.clone())
            .try_build()
            .map_err(|e| e.to_string())?
    };
    // Rounds need the pickup handle; every other call goes through either handle.
    let (mut pickup, workers) = barrier.split();

    for (n, step) in scenario.step.iter().enumerate() {
        let at = |msg: String| format!("step {} ({:?}): {msg}", n + 1, step.op);
        let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<(), String> {
            match &step.op {
                Op::Enter {
                    key,
                    job,
                    accepted,
                    previous_failed,
                } => {
                    let a = pickup.enter(key, JobId(*job));
                    expect_eq(
                        (a.accepted, a.previous_failed.map(|j| j.0)),
                        (*accepted, *previous_failed),
                    )
                }
                Op::Wait {
                    key,
                    job,
                    wait,
                    previous_failed,
                } => {
                    let h = workers.wait(key, JobId(*job));
                    expect_eq(
                        (h.wait, h.previous_failed.map(|j| j.0)),
                        (*wait, *previous_failed),
                    )
                }
                Op::State {
                    key,
                    job,
                    state,
                    error,
                } => {
                    let got = state
                        .parse::<JobState>()
                        .and_then(|s| workers.state_changed(key, JobId(*job), s));
                    let got = match got {
                        Ok(()) => None,
                        Err(Error::UnknownState(_)) => Some("unknown".to_owned()),
                        Err(Error::UnsupportedState(_)) => Some("unsupported".to_owned()),
                        Err(e) => Some(format!("other: {e}")),
                    };
                    expect_eq(got, error.clone())
                }
                Op::Leave { key, job } => {
                    pickup.leave(key, JobId(*job));
                    Ok(())
                }
                Op::Recover {
                    failed,
                    keys,
                    error,
                } => {
                    let got = pickup.recover(failed.iter().map(|(k, j)| (k.clone(), JobId(*j))));
                    let got = match got {
                        Ok(n) => (Some(n), None),
                        Err(Error::RecoverTooLate { .. }) => (None, Some("too_late".to_owned())),
                        Err(e) => (None, Some(format!("other: {e}"))),
                    };
                    expect_eq(got, (*keys, error.clone()))
                }
                Op::Peek { key, failed } => expect_eq(workers.peek(key).map(|j| j.0), *failed),
                Op::Disabled { key, disabled } => expect_eq(workers.is_disabled(key), *disabled),
                Op::Sync { applied } => expect_eq(pickup.sync(), *applied),
                Op::Size { size } => expect_eq(workers.size(), *size),
                Op::Advance { by } => {
                    let by: Duration = humantime::parse_duration(by)
                        .map_err(|e| format!("bad duration {by:?}: {e}"))?;
                    clock.advance(by);
                    Ok(())
                }
                Op::Predicate { key, disabled } => {
                    let mut set = predicate.lock().unwrap();
                    if *disabled {
                        set.insert(key.clone());
                    } else {
                        set.remove(key);
                    }
                    Ok(())
                }
                Op::Reconfigure { config, set } => {
                    let config = match (config, set) {
                        (Some(config), None) => config.clone(),
                        (None, Some(changes)) => {
                            let mut current = toml::Table::try_from(
                                workers.pending_config().unwrap_or_else(|| workers.config()),
                            )
                            .map_err(|e| e.to_string())?;
                            current.extend(changes.clone());
                            toml::Value::Table(current)
                                .try_into()
                                .map_err(|e: toml::de::Error| format!("bad set: {e}"))?
                        }
                        _ => return Err("reconfigure takes one of config and set".into()),
                    };
                    workers.reconfigure(config);
                    Ok(())
                }
                Op::Record {
                    key,
                    mode,
                    inflight,
                    drain,
                    failed,
                } => check_record(&workers, key, mode, inflight, drain, failed),
                Op::Round { applied, actions } => {
                    let (mut round, synced) = pickup.round_counted();
                    if let Some(applied) = applied {
                        expect_eq(synced, *applied).map_err(|e| format!("sync: {e}"))?;
                    }
                    for (i, action) in actions.iter().enumerate() {
                        let at = |e: String| format!("action {} ({action:?}): {e}", i + 1);
                        match action {
                            Action::Offer {
                                key,
                                job,
                                answer,
                                previous_failed,
                            } => {
                                let got = offer_words(&round.offer(key, JobId(*job)));
                                expect_eq(got, (answer.clone(), *previous_failed)).map_err(at)?;
                            }
                            Action::OfferAll { jobs, answers } => {
                                let got: Vec<String> = round
                                    .offer_all(jobs.iter().map(|(k, j)| (k, JobId(*j))))
                                    .iter()
                                    .map(|o| offer_words(o).0)
                                    .collect();
                                expect_eq(&got, answers).map_err(at)?;
                            }
                            Action::Undo { key, job } => round.undo(key, JobId(*job)),
                            Action::Skip { key } => round.skip(key),
                        }
                    }
                    Ok(())
                }
                Op::Reports { reports } => {
                    let parsed: Vec<(&String, JobId, JobState)> = reports
                        .iter()
                        .map(|(k, j, s)| Ok((k, JobId(*j), s.parse::<JobState>()?)))
                        .collect::<Result<_, Error>>()
                        .map_err(|e| e.to_string())?;
                    let results = workers.report_all(parsed);
                    expect_eq(results.iter().all(Result::is_ok), true)
                }
            }
        }));
        let reported = std::mem::take(&mut *events.lock().unwrap());
        match outcome {
            Ok(result) => result.map_err(at)?,
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                return Err(at(format!("panicked: {msg}")));
            }
        }
        if !reported.is_empty() {
            return Err(at(format!(
                "R-ILLEGAL: v3 reports no illegal sequence, got {reported:?}"
            )));
        }
    }
    Ok(())
}

fn check_record(
    barrier: &WorkerHandle<String, ManualClock>,
    key: &String,
    mode: &Option<String>,
    inflight: &Option<Jobs>,
    drain: &Option<Jobs>,
    failed: &Option<Vec<i64>>,
) -> Result<(), String> {
    let snapshot = barrier.snapshot();
    let record = snapshot.record(key);
    if let Some(failed) = failed {
        let got: Vec<i64> =
            record.map_or(Vec::new(), |r| r.failed_jobs.iter().map(|j| j.0).collect());
        expect_eq(&got, failed).map_err(|e| format!("failed: {e}"))?;
    }
    if let Some(mode) = mode {
        let got = match record.map(|r| r.mode) {
            None => "none",
            Some(KeyMode::Enabled) => "enabled",
            Some(KeyMode::Disabled { .. }) => "disabled",
            Some(KeyMode::HalfEnabled { .. }) => "half_enabled",
        };
        expect_eq(got, mode.as_str()).map_err(|e| format!("mode: {e}"))?;
    }
    let sorted = |jobs: &Option<Vec<JobId>>| {
        jobs.as_ref().map(|jobs| {
            let mut jobs: Vec<i64> = jobs.iter().map(|j| j.0).collect();
            jobs.sort_unstable();
            jobs
        })
    };
    for (what, expected, absent, got) in [
        (
            "inflight",
            inflight,
            "untracked",
            record.map(|r| sorted(&r.inflight)),
        ),
        ("drain", drain, "closed", record.map(|r| sorted(&r.drain))),
    ] {
        let Some(expected) = expected else { continue };
        let got = got.ok_or_else(|| format!("{what}: {key:?} has no record"))?;
        expect_eq(got, expected.expected(absent)?).map_err(|e| format!("{what}: {e}"))?;
    }
    Ok(())
}

fn expect_eq<T: PartialEq + std::fmt::Debug>(got: T, expected: T) -> Result<(), String> {
    if got == expected {
        Ok(())
    } else {
        Err(format!("expected {expected:?}, got {got:?}"))
    }
}

#[test]
fn every_scenario_passes() {
    let all = load_all();
    let mut failures = Vec::new();
    // The runner catches each step's panic and reports it as a failure.
    panics::quietly(|| {
        for (name, scenario) in &all {
            if let Err(e) = run(scenario) {
                failures.push(format!("{name}: {e}"));
            }
        }
    });
    println!("{} scenarios run", all.len());
    assert!(
        failures.is_empty(),
        "failing scenarios:\n{}",
        failures.join("\n")
    );
}

/// Every rule id of SPEC.md is exercised by at least one scenario, and every id a
/// scenario cites exists.
#[test]
fn every_rule_has_a_scenario() {
    let spec = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/SPEC.md"))
        .expect("spec/SPEC.md");
    let ids = rule_ids(&spec);
    assert!(ids.len() >= 20, "found only {ids:?} in SPEC.md");
    // Rules defined outside section 4 (R-CONFIG in section 2) and the v2 ones too.
    for id in ["R-CONFIG", "R-EXPIRE", "R-ENTER-1", "R-MODE", "R-GC"] {
        assert!(ids.contains(id), "the rule-id reader missed {id}: {ids:?}");
    }
    let mut covered: BTreeMap<String, usize> = BTreeMap::new();
    for (name, s) in load_all() {
        for r in &s.rules {
            assert!(
                ids.contains(r),
                "{name} cites {r}, which SPEC.md does not define"
            );
            *covered.entry(r.clone()).or_default() += 1;
        }
    }
    let missing: Vec<_> = ids.iter().filter(|id| !covered.contains_key(*id)).collect();
    assert!(missing.is_empty(), "rules with no scenario: {missing:?}");
}

/// The repository's copy of the spec is the shared one, when that is at hand.
#[test]
fn spec_copy_is_current() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/SPEC.md");
    let Ok(authoritative) = fs::read_to_string(&shared) else {
        println!("{} not present: skipping the comparison", shared.display());
        return;
    };
    let copy = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/SPEC.md"))
        .expect("spec/SPEC.md");
    assert!(
        copy == authoritative,
        "spec/SPEC.md differs from {}: copy it over",
        shared.display()
    );
}

fn rule_ids(spec: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for (i, _) in spec.match_indices("**R-") {
        let rest = &spec[i + 2..];
        let end = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'))
            .unwrap_or(rest.len());
        ids.insert(rest[..end].trim_end_matches('-').to_owned());
    }
    ids
}
