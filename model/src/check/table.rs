//! `check`'s table: a header, one row per configuration (with a cell per
//! guarantee: held, held vacuously, refuted), and the antecedent counts.

use super::CheckReport;
use crate::properties::{antecedents, GUARANTEES};

/// The table's legend and header, each line ending in a newline.
pub fn header() -> String {
    let header: Vec<String> = GUARANTEES.iter().map(|g| format!("{g:^8}")).collect();
    format!(
        "✓ held, (✓) held vacuously (its antecedent never reached), ✗ refuted\n\
         {:<48} {:>10} {:>5} {:>7} {} {:>7}  verdict\n",
        "configuration",
        "states",
        "depth",
        "seconds",
        header.join(""),
        "paths"
    )
}

/// In how many of the reports each guarantee's antecedent was reached, e.g.
/// `antecedent reached in: G-ORDER 28/29, …`.
pub fn antecedent_counts(reports: &[CheckReport]) -> String {
    let counts: Vec<String> = GUARANTEES
        .iter()
        .map(|g| {
            let n = reports
                .iter()
                .filter(|r| r.antecedents().contains(&(*g, true)))
                .count();
            format!("{g} {n}/{}", reports.len())
        })
        .collect();
    format!("antecedent reached in: {}", counts.join(", "))
}

/// A guarantee's cell: held with its antecedent reached, held vacuously (its
/// antecedent never reached), refuted, or not checked.
fn mark(held: Option<bool>, reached: bool) -> &'static str {
    match (held, reached) {
        (Some(true), true) => "✓",
        (Some(true), false) => "(✓)",
        (Some(false), _) => "✗",
        (None, _) => "-",
    }
}

/// A configuration's row of `check`'s table, with the notes under it (paths
/// never reached, vacuous guarantees), each line ending in a newline.
pub fn row(report: &CheckReport) -> String {
    let mut out = String::new();
    let antecedents = report.antecedents();
    let cells: Vec<String> = GUARANTEES
        .iter()
        .map(|g| {
            let held = report.results.iter().find(|(n, _)| n == g).map(|r| r.1);
            let reached = antecedents.iter().any(|&(a, reached)| a == *g && reached);
            format!("{:^8}", mark(held, reached))
        })
        .collect();
    let sometimes: Vec<&(&str, bool)> = report
        .results
        .iter()
        .filter(|(n, _)| !GUARANTEES.contains(n) && antecedents::guarantee_of(n).is_none())
        .collect();
    let reached = sometimes.iter().filter(|(_, held)| *held).count();
    let expected: Vec<String> = report
        .config
        .expect_refuted
        .iter()
        .map(|(name, steps)| format!("{name} in {steps} steps"))
        .collect();
    let verdict = match (expected.is_empty(), report.as_expected()) {
        (true, true) => "ok".to_string(),
        (true, false) => "FAILED".to_string(),
        (false, true) => format!("ok (expected refutation of {})", expected.join(", ")),
        (false, false) => format!(
            "FAILED (expected refutation of exactly {})",
            expected.join(", ")
        ),
    };
    out += &format!(
        "{:<48} {:>10} {:>5} {:>7.1} {} {:>3}/{:<3}  {}\n",
        report.config.name,
        report.unique_states,
        report.max_depth,
        report.seconds,
        cells.join(""),
        reached,
        sometimes.len(),
        verdict
    );
    for (name, held) in sometimes {
        if !held {
            out += &format!("    sometimes \"{name}\": never reached\n");
        }
    }
    let vacuous: Vec<&str> = antecedents
        .iter()
        .filter(|(_, reached)| !reached)
        .map(|(g, _)| *g)
        .collect();
    if !vacuous.is_empty() {
        out += &format!(
            "    antecedent never reached (vacuous here): {}\n",
            vacuous.join(", ")
        );
    }
    out
}
