//! What `check` requires beyond "every guarantee holds": an expected refutation
//! names the guarantee *and* its shortest counterexample's length, and every
//! guarantee's antecedent is reached in some configuration (a guarantee whose
//! antecedent is never reached holds vacuously).

use eventorder_model::check::{names, run_check, vacuous};
use eventorder_model::pipeline::PipelineConfig;
use eventorder_model::properties::antecedents::{ANTECEDENTS, PREFIX};
use eventorder_model::properties::GUARANTEES;

#[allow(unused_macros)] // the pins are in `configurations.rs` and `restarts.rs`
mod support;
use support::config;

#[test]
fn an_expected_refutation_must_have_the_expected_length() {
    let shipped = config(names::TWO_LOOPS);
    assert_eq!(shipped.expect_refuted, [("G-ORDER", 18)]);
    let report = run_check(&shipped, 2, false);
    assert!(report.as_expected(), "{:?}", report.failed());
    assert_eq!(report.steps("G-ORDER"), Some(18));
    for wrong in [17, 19] {
        let wrong = PipelineConfig {
            expect_refuted: Box::leak(Box::new([("G-ORDER", wrong)])),
            ..shipped.clone()
        };
        assert!(!run_check(&wrong, 2, false).as_expected(), "{wrong:?}");
    }
    // The name matters too, and so does every other guarantee.
    let other = PipelineConfig {
        expect_refuted: &[("G-BLOCK", 18)],
        ..shipped.clone()
    };
    assert!(!run_check(&other, 2, false).as_expected());
    let extra = PipelineConfig {
        expect_refuted: &[("G-ORDER", 18), ("G-BLOCK", 5)],
        ..shipped
    };
    assert!(!run_check(&extra, 2, false).as_expected());
}

#[test]
fn every_guarantee_has_one_antecedent() {
    let named: Vec<&str> = ANTECEDENTS.iter().map(|a| a.guarantee).collect();
    assert_eq!(named, GUARANTEES);
    for a in &ANTECEDENTS {
        assert!(a.name.starts_with(&format!("{PREFIX}{}: ", a.guarantee)));
    }
}

#[test]
fn a_guarantee_vacuous_in_every_configuration_fails_the_check() {
    // "base" has no drain window, no threshold and no leftover: G-DRAIN,
    // G-LIMIT and G-QUIET hold vacuously there.
    let base = run_check(&config(names::BASE), 2, false);
    assert!(base.as_expected());
    let reached = |report: &eventorder_model::check::CheckReport, g: &str| {
        report.antecedents().contains(&(g, true))
    };
    for g in ["G-DRAIN", "G-LIMIT", "G-QUIET"] {
        assert!(!reached(&base, g), "{g}");
    }
    assert_eq!(
        vacuous(std::slice::from_ref(&base)),
        ["G-DRAIN", "G-LIMIT", "G-QUIET"]
    );
    // "hot key + drain 1" reaches G-DRAIN's, G-LIMIT's and G-QUIET's
    // antecedents, not G-ORDER's (a key that goes hot at its second job never
    // ends two ordered jobs in one `Enabled` period), which "base" reaches.
    let hot_drain = run_check(&config(names::HOT_DRAIN), 2, false);
    for g in ["G-DRAIN", "G-LIMIT", "G-QUIET"] {
        assert!(reached(&hot_drain, g), "{g}");
    }
    assert_eq!(vacuous(std::slice::from_ref(&hot_drain)), ["G-ORDER"]);
    assert!(vacuous(&[base, hot_drain]).is_empty());
}

#[test]
fn the_binary_fails_when_a_guarantee_is_vacuous_in_every_configuration_it_checks() {
    // On the whole shipped set the requirement is on by default; on a part of
    // it (`--only`) `--require-antecedents` turns it on.
    let run = |extra: &[&str]| {
        let mut args = vec!["check", "--only", "base: 1 key"];
        args.extend_from_slice(extra);
        std::process::Command::new(env!("CARGO_BIN_EXE_eventorder-model"))
            .args(&args)
            .output()
            .expect("run eventorder-model check")
    };
    let required = run(&["--require-antecedents"]);
    let text = String::from_utf8_lossy(&required.stdout);
    assert!(!required.status.success(), "{text}");
    assert!(
        text.contains("vacuous in every configuration checked: G-DRAIN, G-LIMIT, G-QUIET\n"),
        "{text}"
    );
    let partial = run(&[]);
    let text = String::from_utf8_lossy(&partial.stdout);
    assert!(partial.status.success(), "{text}");
    assert!(text.contains("(not required of a partial set)"), "{text}");
}

#[test]
fn threshold_nine_with_three_jobs_never_reaches_g_limit() {
    // A key_threshold above a key's jobs: G-LIMIT is vacuous. The same
    // configuration with threshold 2 reaches it.
    let nine = PipelineConfig {
        name: "threshold 9",
        key_threshold: 9,
        ..PipelineConfig::default()
    };
    let report = run_check(&nine, 2, false);
    assert!(!report.antecedents().contains(&("G-LIMIT", true)));
    let two = PipelineConfig {
        name: "threshold 1",
        key_threshold: 1,
        ..nine
    };
    let report = run_check(&two, 2, false);
    assert!(report.antecedents().contains(&("G-LIMIT", true)));
}
