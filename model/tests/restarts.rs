//! Router restarts (issue 14, SPEC v3's R-RESTART): the restart configurations
//! check as expected with pinned state counts; a restart without a contract is
//! refuted on G-ORDER with a shortest counterexample of the pinned length;
//! broken warm starts (the mutants of R-RESTART, v2's oldest-only one among
//! them) are refuted too, so the restart guarantees are not vacuous;
//! `SkipNotDue` keeps the delivery order but not the barrier's blocking; and the interesting restarts are reached. After ordering was
//! off for a key, v3's warm start can block the key on a failed job younger
//! than a job the pickup loop offers next: that older job goes first
//! (R-ENTER-FAILED), and every guarantee holds (finding 9 resolved).
//! Restarts are also combined with `leave`, a drain window with a hot key and
//! (in the deep tier) live setting changes.

#[macro_use]
mod support;

use eventorder_model::check::{check_mutant, counterexample, format_path, names, run_check, under};
use eventorder_model::pipeline::{Action, PipelineConfig, RestartContract, Status};
use eventorder_model::properties::paths;
use eventorder_model::Mutant;
use support::config;

// Pinned unique state counts (depth-first, complete runs), under the warm start
// unless the configuration says otherwise.
pinned! {
    /// Backoff without a restart: the barrier still holds the failed job.
    backoff_without_restart: names::BACKOFF => 370_645;
    restarts_one_key: names::RESTART_ONE_KEY => 437_513;
    #[ignore = "deep tier: millions of states"]
    restart_two_keys_one_worker: names::RESTART_TWO_KEYS => 4_813_308;
    /// A key goes hot before the restart: leftovers survive it.
    #[ignore = "deep tier: millions of states"]
    restart_hot_key_threshold_two: names::RESTART_HOT_TWO => 2_853_108;
    /// The predicate holds for a while before the restart (finding 9's
    /// configuration): every guarantee holds under v3.
    #[ignore = "deep tier: millions of states"]
    restart_toggle: names::RESTART_TOGGLE => 7_171_770;
    #[ignore = "deep tier: `check --deep`"]
    deep_restart_hot_key: names::RESTART_HOT => 4_013_838;
    /// A hot key before the restart, and a batch of one.
    #[ignore = "deep tier: millions of states"]
    restart_hot_key_batch_one: names::RESTART_HOT_BATCH_1 => 2_835_041;
    /// Without a contract: G-ORDER and G-BLOCK refuted.
    restart_without_contract: names::RESTART_NO_CONTRACT => 4_004;
    #[ignore = "deep tier: `check --deep`"]
    deep_restarts_four_jobs: names::DEEP_RESTART_FOUR_JOBS => 4_978_559;
    #[ignore = "deep tier: `check --deep`, a minute"]
    deep_restarts_two_keys: names::DEEP_RESTART_TWO_KEYS => 15_913_239;
    /// A restart with a `leave` of a tracked job.
    restart_leave: names::RESTART_LEAVE => 154_862;
    /// A restart after a key went hot with its drain window open.
    #[ignore = "deep tier: millions of states"]
    restart_hot_key_drain: names::RESTART_HOT_DRAIN => 3_141_295;
    /// A restart with live changes of the settings, limits off and back.
    #[ignore = "deep tier: `check --deep`, minutes"]
    deep_restart_live: names::DEEP_RESTART_LIVE => 21_970_164;
}

/// The length of the shortest counterexample of `property`, and its text.
fn refuted(config: &PipelineConfig, property: &'static str) -> (usize, String) {
    let path = counterexample(config, property, 40)
        .unwrap_or_else(|| panic!("{}: {property} not refuted", config.name));
    (
        path.clone().into_actions().len(),
        format_path(config, &path),
    )
}

#[test]
fn without_a_contract_a_later_job_overtakes_a_failed_job_waiting_out_its_backoff() {
    let config = config(names::RESTART_NO_CONTRACT);
    assert_eq!(config.contract, RestartContract::None);
    let (steps, text) = refuted(&config, "G-ORDER");
    assert_eq!(steps, 11, "{text}");
    for line in [
        " 5. router restarts: barrier, batch, queues, unpersisted reports lost; \
         pending [k0:j1 (failed, not due), k0:j2], committed terminal []",
        " 6. pickup: round (sync), read the batch (0 effects applied), batch [k0:j2]",
        "11. worker: send k0:j1 → succeeded  ⚠ breaks delivery/commit order, \
         first-delivery order across restarts  ⚠ G-ORDER violated",
    ] {
        assert!(text.contains(line), "{line:?} not in\n{text}");
    }
    assert_eq!(refuted(&config, "G-BLOCK").0, 8);
}

#[test]
fn the_restart_configurations_without_a_contract_are_refuted() {
    for (name, steps) in [(names::RESTART_ONE_KEY, 12), (names::RESTART_TWO_KEYS, 14)] {
        let config = under(&config(name), RestartContract::None, false);
        assert_eq!(refuted(&config, "G-ORDER").0, steps, "{name}");
    }
}

#[test]
fn broken_warm_starts_are_refuted() {
    // R-RESTART's mutants: a warm start the pickup loop does not wait for, and
    // one that forgets a key (`mutants` prints their counterexamples).
    for (mutant, steps, property, configuration) in [
        (
            Mutant::WarmStartRaces,
            14,
            "G-ORDER",
            names::RESTART_TWO_KEYS,
        ),
        (
            Mutant::WarmStartSkipsLastKey,
            16,
            "G-ORDER",
            names::RESTART_TWO_KEYS,
        ),
        // v2's warm start: a leftover older than a real failed job is
        // reported alone, ends, and a later job overtakes the other.
        (
            Mutant::WarmStartOldestOnly,
            21,
            "G-BLOCK",
            names::RESTART_HOT_TWO,
        ),
    ] {
        assert_eq!(mutant.rule(), "R-RESTART");
        let report = check_mutant(mutant);
        assert_eq!(report.property, property);
        assert_eq!(report.configuration, configuration);
        let text = report.counterexample.unwrap_or_default();
        assert_eq!(report.steps, steps, "{mutant:?}:\n{text}");
        assert!(text.contains("router restarts"), "{text}");
    }
    // Without the mutants, the same configurations hold (checked in full above).
    assert!(config(names::RESTART_TWO_KEYS).expect_refuted.is_empty());
    assert!(config(names::RESTART_HOT_TWO).expect_refuted.is_empty());
}

#[test]
fn skipping_keys_not_due_keeps_the_order_but_not_blocking() {
    // The new barrier knows no failed job: a later job is sent while the
    // failed job's retry is in flight (G-BLOCK). Its abort opens no drain
    // window either, but the jobs then in flight were admitted before the
    // window would have opened: G-DRAIN as v3 words it (at admission) holds.
    let config = under(
        &config(names::RESTART_ONE_KEY),
        RestartContract::SkipNotDue,
        false,
    );
    let report = run_check(&config, 2, false);
    let mut failed = report.failed();
    failed.sort_unstable();
    assert_eq!(failed, ["G-BLOCK"]);
    assert_eq!(report.unique_states, 474_916);
    assert_eq!(refuted(&config, "G-BLOCK").0, 10);
}

#[test]
fn a_re_sent_job_that_changes_its_answer_breaks_the_order_whatever_the_contract() {
    // A job aborted before the restart, its abort lost, delivered after a later
    // job was: no barrier contract can prevent it.
    let config = under(
        &config(names::RESTART_ONE_KEY),
        RestartContract::WarmStart,
        true,
    );
    let (steps, text) = refuted(&config, "G-ORDER");
    assert_eq!(steps, 10, "{text}");
}

#[test]
fn a_restart_leaves_a_failed_job_not_yet_due_before_a_later_pending_job() {
    // The path `check` requires (a `sometimes` property), found breadth first.
    for name in [names::RESTART_ONE_KEY, names::RESTART_TWO_KEYS] {
        let config = config(name);
        let (steps, text) = refuted(&config, paths::RESTART_NOT_DUE);
        assert_eq!(steps, 5, "{name}:\n{text}");
        assert!(text.contains("(failed, not due)"), "{text}");
    }
}

#[test]
fn after_ordering_was_off_the_warm_start_blocks_a_key_and_the_older_job_goes_first() {
    // A key hot (or under the predicate) before the restart has a job
    // persisted `failed` while an older job of the key is pending and not
    // failed; the warm start blocks the key on the younger one. v2 then made
    // the older job's `enter` an illegal sequence (a panic under the production
    // policy); v3 admits it (R-ENTER-FAILED: older jobs go first), with the
    // failed job as `previous_failed`, and reports nothing.
    for (name, reset) in [
        (names::RESTART_HOT_TWO, false),
        (names::RESTART_TOGGLE, true),
    ] {
        let config = config(name);
        let path = counterexample(&config, paths::WARM_START_BLOCKS_OLDER, 40)
            .unwrap_or_else(|| panic!("{name}: the warm start never blocks an older job"));
        let text = format_path(&config, &path);
        let mut actions = path.clone().into_actions();
        assert_eq!(actions.last(), Some(&Action::WarmStart), "{name}:\n{text}");
        let before = path.last_state();
        let failed = before.barrier.peek(&0).expect("a failed job");
        let older = (0..failed as usize - 1)
            .find(|&j| before.jobs[j].status == Status::Pending && !before.jobs[j].durable.failed)
            .expect("an older pending job");
        // The pickup loop's next batch starts with the older job (it is due).
        actions.push(Action::Sync);
        actions.push(Action::Enter(older as u8));
        let init = stateright::Model::init_states(&config.model()).remove(0);
        let extended = stateright::Path::from_actions(&config.model(), init, &actions)
            .unwrap_or_else(|| panic!("{name}: no such path\n{text}"));
        let after = extended.last_state();
        let text = format_path(&config, &extended);
        assert!(after.reported.is_none(), "{name}:\n{text}");
        assert_eq!(after.jobs[older].status, Status::Queued, "{name}:\n{text}");
        // On "toggle" the predicate, which survives a restart, may still hold:
        // the offer then resets the key instead.
        assert_eq!(after.barrier.is_disabled(&0), reset, "{name}:\n{text}");
        assert!(
            reset || text.contains(&format!("admitted (failed job j{failed})")),
            "{name}:\n{text}"
        );
    }
}
