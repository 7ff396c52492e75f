//! The figures `docs/verification.md` quotes are the code's: the number of
//! scenarios and of matrix cases, the mutants (each named in the table, and how
//! many), the shipped configurations (one table row each, with the pinned state
//! count of its test), and the sizes of section 2's tests (each a literal of the
//! test's code). A change to any of them fails here until the document says the
//! same.

use std::{collections::BTreeSet, fs, path::Path};

use eventorder_model::check;
use eventorder_model::Mutant;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn doc() -> String {
    read("docs/verification.md")
}

/// The numbers in `text` ("1,477", "54"), commas removed.
fn numbers(text: &str) -> Vec<u64> {
    text.split(|c: char| !(c.is_ascii_digit() || c == ','))
        .map(|s| s.trim_matches(',').replace(',', ""))
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("digits"))
        .collect()
}

/// The number right before `unit` in `line` ("54 scenarios" → 54).
fn count_before(line: &str, unit: &str) -> u64 {
    let at = line
        .find(unit)
        .unwrap_or_else(|| panic!("{unit:?} not in {line:?}"));
    *numbers(&line[..at])
        .last()
        .unwrap_or_else(|| panic!("no number before {unit:?} in {line:?}"))
}

/// The table rows (`| … |` lines) that follow the header line starting with
/// `header`, up to the first line that is not a row; the separator row left out.
fn table<'a>(doc: &'a str, header: &str) -> Vec<&'a str> {
    let mut lines = doc.lines().skip_while(|l| !l.starts_with(header));
    assert!(lines.next().is_some(), "no table headed {header:?}");
    lines
        .take_while(|l| l.starts_with('|'))
        .filter(|l| !l.starts_with("|---"))
        .collect()
}

/// The row of section 2's table about `file`.
fn row<'a>(doc: &'a str, file: &str) -> &'a str {
    doc.lines()
        .find(|l| l.starts_with(&format!("| `{file}`")))
        .unwrap_or_else(|| panic!("no row for {file}"))
}

/// The cells of a table row.
fn cells(row: &str) -> Vec<&str> {
    row.trim().trim_matches('|').split(" | ").collect()
}

/// The numeric literals of a Rust source, comments left out (`150_000` → 150000).
fn literals(source: &str) -> BTreeSet<u64> {
    let code: String = source
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|t| t.starts_with(|c: char| c.is_ascii_digit()))
        .filter_map(|t| t.replace('_', "").parse().ok())
        .collect()
}

#[test]
fn the_scenario_count_is_the_number_of_scenarios() {
    let mut scenarios = 0;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("spec/scenarios");
    for entry in fs::read_dir(dir).expect("spec/scenarios") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = fs::read_to_string(&path).expect("readable");
            let file: toml::Table = toml::from_str(&text).expect("TOML");
            scenarios += file["scenario"].as_array().expect("[[scenario]]s").len();
        }
    }
    let quoted = count_before(row(&doc(), "tests/scenarios.rs"), " scenarios");
    assert_eq!(
        quoted as usize, scenarios,
        "docs/verification.md's scenario count"
    );
}

#[test]
fn the_matrix_count_is_the_number_of_cases() {
    let cases = read("spec/transitions.txt")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count();
    let quoted = count_before(row(&doc(), "spec/transitions.txt"), " cases");
    assert_eq!(
        quoted as usize, cases,
        "docs/verification.md's matrix case count"
    );
}

#[test]
fn every_mutant_is_in_the_table_and_counted() {
    let doc = doc();
    let named: BTreeSet<String> = table(&doc, "| guarantee | mutants it refutes")
        .iter()
        .flat_map(|row| row.split('`').skip(1).step_by(2))
        .filter(|name| name.starts_with(|c: char| c.is_ascii_uppercase()))
        .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric()))
        .map(str::to_owned)
        .collect();
    let all: BTreeSet<String> = Mutant::ALL.iter().map(|m| format!("{m:?}")).collect();
    assert_eq!(named, all, "the mutant table of docs/verification.md");
    let line = doc
        .lines()
        .find(|l| l.starts_with("for all "))
        .expect("\"for all N):\" after `mutants`");
    assert_eq!(
        count_before(line, "):") as usize,
        Mutant::ALL.len(),
        "docs/verification.md's mutant count (\"for all N\")"
    );
}

#[test]
fn every_configuration_has_a_row_with_its_pinned_state_count() {
    let doc = doc();
    let rows = table(&doc, "| configuration | unique states |");
    let configurations = check::shipped().len() + check::deep().len();
    assert_eq!(rows.len(), configurations, "one row per configuration");
    let mut quoted: Vec<u64> = rows.iter().map(|row| numbers(cells(row)[1])[0]).collect();
    // The pins: `name: names::X => 2_323;` in the model's tests.
    let pins = read("model/tests/configurations.rs") + &read("model/tests/restarts.rs");
    let mut pinned: Vec<u64> = pins
        .lines()
        .filter_map(|l| l.split_once("=> "))
        .filter(|(name, _)| name.contains("names::"))
        .map(|(_, count)| {
            count
                .trim_end_matches(';')
                .replace('_', "")
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(pinned.len(), configurations, "one pin per configuration");
    quoted.sort_unstable();
    pinned.sort_unstable();
    assert_eq!(
        quoted, pinned,
        "docs/verification.md's state counts and the pins"
    );
}

#[test]
fn the_sizes_of_section_two_are_the_tests_own() {
    let doc = doc();
    let rows: Vec<&str> = doc.lines().filter(|l| l.starts_with("| `tests/")).collect();
    assert!(rows.len() >= 8, "section 2's rows: {rows:?}");
    for row in rows {
        let cells = cells(row);
        let file = cells[0].split('`').nth(1).expect("| `tests/….rs`");
        let source = literals(&read(file));
        for n in numbers(cells.last().expect("a size")) {
            // Small numbers (3 keys, 60 steps) would match anything.
            assert!(
                n < 100 || source.contains(&n),
                "docs/verification.md quotes {n} for {file}, which has no such literal"
            );
        }
    }
}

#[test]
fn every_injected_bug_has_a_row_in_section_three() {
    let doc = doc();
    let rows = table(&doc, "| injected bug | conformance |");
    let named: BTreeSet<String> = rows
        .iter()
        .filter_map(|row| row.split('`').nth(1))
        .map(str::to_owned)
        .collect();
    // `Bug::ALL` of src/inject.rs (compiled only under the test-only cfg), as
    // scripts/inject-bugs.sh reads it.
    let source = read("src/inject.rs");
    let all = source
        .split("pub const ALL")
        .nth(1)
        .and_then(|rest| rest.split("];").next())
        .expect("Bug::ALL in src/inject.rs");
    let bugs: BTreeSet<String> = all
        .split("Bug::")
        .skip(1)
        .map(|b| b.chars().take_while(char::is_ascii_alphanumeric).collect())
        .collect();
    assert!(bugs.len() >= 20, "{bugs:?}");
    assert_eq!(named, bugs, "section 3's table of docs/verification.md");
}
