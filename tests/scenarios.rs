//! Runs every data-driven scenario of `spec/scenarios/*.toml` against the real
//! barrier, and fails if any rule id (`R-…`) of SPEC.md has no scenario.
//!
//! A scenario is a config and a list of steps; each step is one call with its
//! expected answer and the illegal-sequence event (or panic) it must produce. See
//! `spec/scenarios/README.md` for the format.

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
    Barrier, Config, Error, IllegalSequence, JobId, JobState, KeyMode, Location, ManualClock,
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

/// One call: the operation with its expected answer, and the illegal sequence it
/// must report (or panic with, under the panic policy); absent: none. Unknown
/// fields are errors, so a misspelt expectation cannot pass silently.
#[derive(Deserialize)]
#[serde(try_from = "toml::Table")]
struct Step {
    op: Op,
    illegal: Option<ExpectedIllegal>,
}

impl TryFrom<toml::Table> for Step {
    type Error = String;

    fn try_from(mut table: toml::Table) -> Result<Self, String> {
        let illegal = match table.remove("illegal") {
            Some(v) => Some(v.try_into().map_err(|e: toml::de::Error| e.to_string())?),
            None => None,
        };
        let op = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| e.to_string())?;
        Ok(Step { op, illegal })
    }
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
    },
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

#[derive(Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
struct ExpectedIllegal {
    location: Location,
    key: String,
    failed: i64,
    job: i64,
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
    let mut panic_policy = scenario.config.panic_on_illegal_sequence;

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
                    let a = barrier.enter(key, JobId(*job));
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
                    let h = barrier.wait(key, JobId(*job));
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
                        .and_then(|s| barrier.state_changed(key, JobId(*job), s));
                    let got = match got {
                        Ok(()) => None,
                        Err(Error::UnknownState(_)) => Some("unknown".to_owned()),
                        Err(Error::UnsupportedState(_)) => Some("unsupported".to_owned()),
                        Err(e) => Some(format!("other: {e}")),
                    };
                    expect_eq(got, error.clone())
                }
                Op::Leave { key, job } => {
                    barrier.leave(key, JobId(*job));
                    Ok(())
                }
                Op::Recover {
                    failed,
                    keys,
                    error,
                } => {
                    let got = barrier.recover(failed.iter().map(|(k, j)| (k.clone(), JobId(*j))));
                    let got = match got {
                        Ok(n) => (Some(n), None),
                        Err(Error::RecoverTooLate { .. }) => (None, Some("too_late".to_owned())),
                        Err(e) => (None, Some(format!("other: {e}"))),
                    };
                    expect_eq(got, (*keys, error.clone()))
                }
                Op::Peek { key, failed } => expect_eq(barrier.peek(key).map(|j| j.0), *failed),
                Op::Disabled { key, disabled } => expect_eq(barrier.is_disabled(key), *disabled),
                Op::Sync { applied } => expect_eq(barrier.sync(), *applied),
                Op::Size { size } => expect_eq(barrier.size(), *size),
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
                            let mut current = toml::Table::try_from(barrier.config())
                                .map_err(|e| e.to_string())?;
                            current.extend(changes.clone());
                            toml::Value::Table(current)
                                .try_into()
                                .map_err(|e: toml::de::Error| format!("bad set: {e}"))?
                        }
                        _ => return Err("reconfigure takes one of config and set".into()),
                    };
                    barrier.reconfigure(config);
                    Ok(())
                }
                Op::Record {
                    key,
                    mode,
                    inflight,
                    drain,
                } => check_record(&barrier, key, mode, inflight, drain),
            }
        }));
        let reported = std::mem::take(&mut *events.lock().unwrap());
        let seen: Option<ExpectedIllegal> = match outcome {
            Ok(result) => {
                result.map_err(at)?;
                if reported.len() > 1 {
                    return Err(at(format!("more than one report: {reported:?}")));
                }
                reported.into_iter().next().map(|e| ExpectedIllegal {
                    location: e.location,
                    key: e.key,
                    failed: e.failed.0,
                    job: e.job.0,
                })
            }
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                if !panic_policy {
                    return Err(at(format!("panicked under the report policy: {msg}")));
                }
                if !reported.is_empty() {
                    return Err(at("both panicked and reported".into()));
                }
                // The panic message names the event; parse it back from what we expect.
                let expected = step
                    .illegal
                    .as_ref()
                    .ok_or_else(|| at(format!("unexpected panic: {msg}")))?;
                let needle = format!(
                    "illegal sequence at {} for key {:?}: job {} is older than the failed job {}",
                    expected.location, expected.key, expected.job, expected.failed
                );
                if !msg.contains(&needle) {
                    return Err(at(format!("panic {msg:?} does not say {needle:?}")));
                }
                Some(expected.clone())
            }
        };
        if seen != step.illegal {
            return Err(at(format!(
                "illegal sequence: expected {:?}, got {seen:?}",
                step.illegal
            )));
        }
        if let Op::Reconfigure { .. } = &step.op {
            panic_policy = barrier.config().panic_on_illegal_sequence;
        }
    }
    Ok(())
}

fn check_record(
    barrier: &Barrier<String, ManualClock>,
    key: &String,
    mode: &Option<String>,
    inflight: &Option<Jobs>,
    drain: &Option<Jobs>,
) -> Result<(), String> {
    let snapshot = barrier.snapshot();
    let record = snapshot.record(key);
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
