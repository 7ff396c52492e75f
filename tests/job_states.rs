//! `spec/job_states.toml` is the source of `JobState`: every entry round-trips and
//! behaves on a real barrier as its `effect` says. Adding a state there needs no
//! change here.

use std::{collections::BTreeSet, fs, path::Path};

use eventorder::{Barrier, Effect, Error, JobId, JobState};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    state: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    variant: String,
    doc: String,
    effect: Effect,
}

fn table() -> Vec<Entry> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/job_states.toml");
    let text = fs::read_to_string(path).expect("spec/job_states.toml");
    toml::from_str::<Table>(&text)
        .expect("valid job state table")
        .state
}

#[test]
fn the_enum_is_exactly_the_table() {
    let entries = table();
    assert_eq!(JobState::ALL.len(), entries.len());
    for (entry, &state) in entries.iter().zip(JobState::ALL) {
        assert_eq!(state.as_str(), entry.name);
        assert_eq!(format!("{state:?}"), entry.variant);
        assert_eq!(state.doc(), entry.doc);
        assert_eq!(state.effect(), entry.effect, "{}", entry.name);
        assert_eq!(entry.name.parse::<JobState>(), Ok(state));
        assert_eq!(state.to_string(), entry.name);
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(json, format!("{:?}", entry.name));
        assert_eq!(serde_json::from_str::<JobState>(&json).unwrap(), state);
        assert!(!entry.name.is_empty());
        assert_ne!(
            entry.name.to_uppercase().parse::<JobState>().ok(),
            Some(state),
            "names are case-sensitive"
        );
    }
    let names: BTreeSet<_> = entries.iter().map(|e| e.name.as_str()).collect();
    for required in [
        "not_picked_yet",
        "executing",
        "waiting",
        "failed",
        "succeeded",
        "aborted",
        "filtered",
        "migrated",
        "importing",
    ] {
        assert!(names.contains(required), "{required} missing from the spec");
    }
}

/// Each state does to a real barrier what its effect says.
#[test]
fn every_state_behaves_per_its_effect() {
    let k = "key".to_string();
    for &state in JobState::ALL {
        let j = JobId(7);
        match state.effect() {
            Effect::Unsupported => {
                let b: Barrier<String> = Barrier::builder().key_threshold(5).build();
                b.enter(&k, j);
                assert_eq!(
                    b.state_changed(&k, j, state),
                    Err(Error::UnsupportedState(state))
                );
                assert_eq!(b.sync(), 0, "{state}: no effect queued");
                assert_eq!(b.size(), 1);
            }
            Effect::Fail => {
                let b: Barrier<String> = Barrier::new();
                b.state_changed(&k, j, state).unwrap();
                assert_eq!(b.peek(&k), Some(j), "{state}: immediate");
                assert!(!b.enter(&k, JobId(8)).accepted);
            }
            Effect::Leave => {
                let b: Barrier<String> = Barrier::builder().key_threshold(5).build();
                b.enter(&k, j);
                b.state_changed(&k, j, state).unwrap();
                assert_eq!(b.size(), 1, "{state}: queued");
                assert_eq!(b.sync(), 1);
                assert_eq!(b.size(), 0, "{state}: left");
            }
            Effect::Release | Effect::Abort => {
                let b: Barrier<String> = Barrier::builder().drain_limit(1).build();
                b.state_changed(&k, j, JobState::Failed).unwrap();
                b.state_changed(&k, j, state).unwrap();
                assert_eq!(b.peek(&k), Some(j), "{state}: queued");
                assert_eq!(b.sync(), 1);
                assert_eq!(b.peek(&k), None, "{state}: released");
                let window = state.effect() == Effect::Abort;
                assert_eq!(b.size(), usize::from(window), "{state}: drain window");
                assert!(state.is_terminal());
            }
        }
    }
}

/// SPEC.md's R-STATE-SUPPORTED list, the `UnsupportedState` message and the
/// table agree: a state added to the table with an effect shows up in the
/// message, and a SPEC.md that forgets it fails here.
#[test]
fn spec_list_and_error_message_follow_the_table() {
    let supported: BTreeSet<String> = table()
        .into_iter()
        .filter(|e| e.effect != Effect::Unsupported)
        .map(|e| e.name)
        .collect();
    let spec = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/SPEC.md"))
        .expect("spec/SPEC.md");
    let rule = spec
        .split("**R-STATE-SUPPORTED**")
        .nth(1)
        .expect("SPEC.md states R-STATE-SUPPORTED");
    let sentence = rule
        .split("Supported states:")
        .nth(1)
        .and_then(|rest| rest.split('.').next())
        .expect("R-STATE-SUPPORTED lists the supported states");
    let listed: BTreeSet<String> = sentence
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    assert_eq!(
        listed, supported,
        "SPEC.md's list against spec/job_states.toml"
    );

    let message = Error::UnsupportedState(JobState::Executing).to_string();
    for name in &supported {
        assert!(
            message.contains(name.as_str()),
            "{name} missing from: {message}"
        );
    }
    let named: BTreeSet<String> = JobState::supported_names()
        .split(", ")
        .flat_map(|part| part.split(" or "))
        .map(str::to_owned)
        .collect();
    assert_eq!(named, supported, "{message}");
}

/// The recipe of `docs/job-states.md`, end to end: a copy of the workspace whose
/// `spec/job_states.toml` has one more line (a state with an existing effect,
/// here `leave`) and whose SPEC.md lists it among the supported states (the
/// recipe's two edits) builds,
/// and its conformance suite (which draws states from `JobState::ALL` and maps
/// them to the reference by `effect()`) draws the new state and passes; so do
/// this file's checks of the table. Nothing else is edited in the copy.
///
/// Costs one build of the copy, in `target/job-state-recipe` (the first one
/// builds the dependencies too: a few minutes; later ones only the crates), so
/// it is in the deep tier.
#[test]
#[ignore = "deep tier: builds a copy of the workspace (minutes)"]
fn adding_a_state_takes_the_recipes_two_edits() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = std::env::temp_dir().join(format!("eventorder-recipe-{}", std::process::id()));
    let _ = fs::remove_dir_all(&copy);
    copy_tree(root, &copy);
    let table = copy.join("spec/job_states.toml");
    let text = fs::read_to_string(&table).unwrap();
    let end = text.rfind(']').expect("the state list ends with ]");
    let line = "  { name = \"waiting_retry\", variant = \"WaitingRetry\", effect = \"leave\", \
                doc = \"Waiting for its retry time (added by the recipe test).\" },\n";
    fs::write(&table, format!("{}{line}{}", &text[..end], &text[end..])).unwrap();
    let spec = copy.join("spec/SPEC.md");
    let text = fs::read_to_string(&spec).unwrap();
    let listed = "Supported states: `succeeded`,";
    assert!(
        text.contains(listed),
        "SPEC.md's R-STATE-SUPPORTED list moved"
    );
    let text = text.replace(listed, "Supported states: `succeeded`, `waiting_retry`,");
    fs::write(&spec, text).unwrap();

    // A target directory of its own: the copy's packages have the same names and
    // versions as this build's, and cargo would let its artifacts replace ours.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("job-state-recipe");
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "test",
            "--release",
            "--test",
            "conformance",
            "--test",
            "job_states",
        ])
        .args([
            "--",
            "--skip",
            "adding_a_state_takes_the_recipes_two_edits",
            "--nocapture",
        ])
        .current_dir(&copy)
        .env("CARGO_TARGET_DIR", target)
        .env("PROPTEST_CASES", "300")
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = fs::remove_dir_all(&copy);
    assert!(out.status.success(), "the copy fails:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("drawn: waiting_retry"),
        "conformance did not draw the new state:\n{stdout}"
    );
}

/// Copies a source tree, leaving out build output and version control.
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if [".git", "target"].iter().any(|skip| name == *skip) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst);
        } else {
            fs::copy(&src, &dst).unwrap();
        }
    }
}
