//! Every mutant of the reference barrier is refuted by the property it breaks,
//! with a short counterexample.

use eventorder_model::check::check_mutant;
use eventorder_model::Mutant;

#[test]
fn every_mutant_is_refuted() {
    let survivors: Vec<Mutant> = Mutant::ALL
        .into_iter()
        .filter(|&mutant| check_mutant(mutant).counterexample.is_none())
        .collect();
    assert!(survivors.is_empty(), "surviving mutants: {survivors:?}");
}

#[test]
fn every_guarantee_refutes_some_mutant() {
    for guarantee in eventorder_model::properties::GUARANTEES {
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
        text.contains(" 5. worker: send k0:j2 → failed  ⚠ breaks blocking"),
        "{text}"
    );
}
