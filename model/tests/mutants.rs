//! Every mutant is refuted by the guarantee it names, on the configuration it
//! names, with a shortest counterexample of the pinned length; every rule of
//! SPEC.md with behaviour has a mutant, and every guarantee refutes one.

use eventorder_model::check::{check_mutant, configuration};
use eventorder_model::mutants::READ_ONLY_RULES;
use eventorder_model::properties::GUARANTEES;
use eventorder_model::Mutant;

/// Shortest counterexample lengths (steps), as `mutants` prints them.
const STEPS: [(Mutant, usize); 40] = [
    (Mutant::WaitIgnoresFailed, 5),
    (Mutant::AbortOpensNoDrainWindow, 18),
    (Mutant::DrainLimitOffByOne, 18),
    (Mutant::EffectsAppliedImmediately, 17),
    (Mutant::FailedQueued, 5),
    (Mutant::StaleReleaseClearsFailed, 12),
    (Mutant::NeverCollectInactive, 15),
    (Mutant::EnterRefusesFailedJob, 10),
    (Mutant::PredicateOnlySwitchesMode, 22),
    (Mutant::HalfEnabledFallsBack, 10),
    (Mutant::SyncNeverExpires, 15),
    (Mutant::IdleWindowClosesEarly, 18),
    (Mutant::TrackKeepsWindowIdle, 21),
    (Mutant::TrackSkipsInflight, 2),
    (Mutant::FreshRecordUntracked, 2),
    (Mutant::DisabledTracksJobs, 8),
    (Mutant::HotOneEarly, 3),
    (Mutant::HotOneLate, 4),
    (Mutant::UnsupportedStateReleases, 14),
    (Mutant::WaitingKeepsInflight, 9),
    (Mutant::FailedWithoutRecordDropped, 5),
    (Mutant::LeaveIgnored, 3),
    (Mutant::SyncDropsLastEffect, 15),
    (Mutant::ThresholdZeroMakesHot, 8),
    (Mutant::ReportsIllegalLikeV2, 13),
    (Mutant::OlderJobsHeldLikeV2, 19),
    (Mutant::FailedSlotMin, 30),
    (Mutant::FailedSlotKeepsFirst, 24),
    (Mutant::RoundKeepsSkips, 10),
    (Mutant::NoSkipAfterRefusal, 6),
    (Mutant::UndoWithoutSkip, 10),
    (Mutant::OutOfOrderAccepted, 9),
    (Mutant::HotRefuses, 4),
    (Mutant::PredicateWithoutRecord, 3),
    (Mutant::HalfEnabledOverstays, 10),
    (Mutant::ComebackOneSyncLate, 16),
    (Mutant::DrainLimitReadsPending, 19),
    (Mutant::WarmStartRaces, 14),
    (Mutant::WarmStartSkipsLastKey, 16),
    (Mutant::WarmStartOldestOnly, 21),
];

#[test]
fn every_mutant_is_refuted_in_its_configuration() {
    assert_eq!(STEPS.map(|(m, _)| m), Mutant::ALL);
    let mut wrong = Vec::new();
    for (mutant, steps) in STEPS {
        let report = check_mutant(mutant);
        if report.counterexample.is_none() || report.steps != steps {
            wrong.push((mutant, report.steps, steps));
        }
    }
    assert!(wrong.is_empty(), "(mutant, steps, pinned): {wrong:?}");
}

#[test]
fn the_unmutated_configurations_satisfy_what_refutes_the_mutants() {
    // The counterexample is the mutant's doing: the same configuration without
    // it has none (the configuration tests check them in full).
    for mutant in Mutant::ALL {
        let config = configuration(mutant.configuration()).expect("shipped");
        assert!(
            !config
                .expect_refuted
                .iter()
                .any(|(property, _)| *property == mutant.refuted_by()),
            "{mutant:?}: {} is refuted without the mutant on {}",
            mutant.refuted_by(),
            config.name
        );
    }
}

#[test]
fn every_rule_with_behaviour_has_a_mutant() {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec/SPEC.md"))
        .expect("spec/SPEC.md next to the model crate");
    for v3 in ["**R-ROUND**", "**R-OFFER**", "**R-RESTART**"] {
        assert!(spec.contains(v3), "spec/SPEC.md is not v3: {v3} missing");
    }
    let mut rules: Vec<&str> = spec
        .split("**R-")
        .skip(1)
        .filter_map(|rest| rest.split("**").next())
        .filter(|id| {
            id.chars()
                .all(|c| c.is_ascii_uppercase() || c == '-' || c.is_ascii_digit())
        })
        .collect();
    rules.sort_unstable();
    rules.dedup();
    assert!(rules.len() >= 20, "rules found in SPEC.md: {rules:?}");
    for rule in rules {
        let id = format!("R-{rule}");
        let covered = Mutant::ALL.iter().any(|m| m.rule() == id);
        assert!(
            covered || READ_ONLY_RULES.contains(&id.as_str()),
            "{id} has no mutant"
        );
    }
}

#[test]
fn every_guarantee_refutes_some_mutant() {
    for guarantee in GUARANTEES {
        assert!(
            Mutant::ALL.iter().any(|m| m.refuted_by() == guarantee),
            "no mutant for {guarantee}"
        );
    }
}

#[test]
fn counterexamples_are_short_and_readable() {
    let report = check_mutant(Mutant::WaitIgnoresFailed);
    assert_eq!(report.steps, 5);
    let text = report.counterexample.expect("refuted");
    assert!(
        text.contains(" 5. worker: send k0:j2 → succeeded  ⚠ breaks blocking  ⚠ G-BLOCK violated"),
        "{text}"
    );
}

#[test]
fn the_v2_livelock_is_refuted_by_g_live_under_a_bounded_batch() {
    // v2's R-ENTER-FAILED and R-WAIT (older jobs refused and held): after a
    // hot period, a leftover older than the key's failed job is the whole
    // batch of one, refused every round, and the failed job is never read
    // again. The model's pickup loop starts a round only after something
    // changed, so the livelock is a state with no enabled action, and the
    // state graph is acyclic (`check --cycles`), so G-LIVE's end-state check
    // finds it.
    let report = check_mutant(Mutant::OlderJobsHeldLikeV2);
    assert_eq!(report.property, "G-LIVE");
    let config = configuration(report.configuration).expect("shipped");
    assert_eq!((config.batch, config.key_threshold), (1, 2));
    let text = report.counterexample.expect("refuted");
    assert_eq!(report.steps, 19, "{text}");
    for line in [
        " 6. pickup: offer k0:j3 → admitted, k0 Disabled",
        "14. commit: k0:j2 failed",
        "15. commit: k0:j3 failed",
        "18. pickup: round (sync), read the batch (0 effects applied), k0 → Enabled, batch [k0:j2]",
        "19. pickup: offer k0:j2 → refused (failed job j3), k0 Enabled  ⚠ G-LIVE violated",
    ] {
        assert!(text.contains(line), "{line:?} not in\n{text}");
    }
}
