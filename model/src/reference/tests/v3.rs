//! The rules SPEC v3 added or changed: older jobs go first with a set of failed
//! jobs (R-ENTER-FAILED, R-WAIT, R-EFF-FAILED, R-EFF-RELEASE, R-EFF-ABORT), no
//! illegal sequence (R-ILLEGAL), settings installed at `sync` (R-CONFIG),
//! rounds (R-ROUND, R-OFFER) and the warm start (R-RESTART).

use super::*;

#[test]
fn r_eff_release_removes_one_failed_job_and_ignores_stale_reports() {
    let mut b = barrier(1, 0);
    fail(&mut b, 3);
    fail(&mut b, 1);
    report(&mut b, 2, RefState::Succeeded); // stale: not a failed job
    report(&mut b, 1, RefState::Succeeded);
    b.sync();
    assert_eq!(b.peek(&K), Some(3), "3 still blocks the key");
    assert_eq!(b.enter(&K, 4).admission(), (false, Some(3)));
    assert_eq!(b.wait(&K, 4).hold(), (true, Some(3)));
    report(&mut b, 3, RefState::Filtered);
    b.sync();
    assert_eq!(b.size(), 0, "no failed job left: R-GC");
}

#[test]
fn r_eff_abort_opens_a_window_only_when_no_failed_job_is_left() {
    let mut b = barrier(1, 0);
    fail(&mut b, 1);
    fail(&mut b, 2);
    report(&mut b, 1, RefState::Aborted);
    b.sync();
    assert_eq!(b.records[&K].drain, None, "2 is still failed");
    assert_eq!(b.peek(&K), Some(2));
    report(&mut b, 2, RefState::Aborted);
    b.sync();
    assert_eq!(b.records[&K].drain, Some(Window::empty(0)));
}

#[test]
fn r_illegal_no_operation_reports_one() {
    let mut b = barrier(0, 0);
    fail(&mut b, 5);
    for job in 1..8 {
        assert_eq!(b.enter(&K, job).illegal, None);
        assert_eq!(b.wait(&K, job).illegal, None);
        assert_eq!(fail(&mut b, job).illegal, None);
    }
    assert_eq!(b.sync().illegal, None);
}

#[test]
fn r_config_takes_effect_at_the_next_sync_before_its_effects() {
    let mut b = barrier(0, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Aborted);
    let limit_one = RefConfig {
        drain_limit: 1,
        ..b.config.clone()
    };
    b.reconfigure(limit_one.clone());
    assert_eq!(b.config.drain_limit, 0, "pending");
    assert_eq!(b.next_config(), &limit_one);
    assert_eq!(b.invoke(Op::Sync).ret, Ret::Applied(1));
    assert_eq!(b.config, limit_one);
    assert_eq!(
        b.records[&K].drain,
        Some(Window::empty(0)),
        "the abort saw drain_limit 1: installed before the queued effects"
    );
    // A change back to the settings in force leaves nothing pending.
    b.reconfigure(limit_one);
    assert_eq!(b.pending_config, None);
}

#[test]
fn r_round_syncs_and_clears_the_round() {
    let mut b = barrier(0, 0);
    fail(&mut b, 1);
    report(&mut b, 1, RefState::Succeeded);
    assert_eq!(
        b.offer(&K, 2),
        Offered::Refused {
            previous_failed: Some(1)
        }
    );
    assert_eq!(b.offer(&K, 3), Offered::Skipped);
    assert_eq!(b.invoke(Op::Round).ret, Ret::Applied(1));
    assert_eq!(b.round, RoundState::default());
    assert_eq!(
        b.invoke(Op::Offer(K, 2)).ret,
        Ret::Offer(Offered::Admitted {
            previous_failed: None
        })
    );
}

#[test]
fn r_offer_out_of_order_skipped_refused() {
    let mut b = barrier(0, 0);
    b.round();
    fail(&mut b, 2);
    assert_eq!(
        b.offer(&K, 1),
        Offered::Admitted {
            previous_failed: Some(2)
        }
    );
    assert_eq!(b.offer(&K, 1), Offered::OutOfOrder { last: 1, job: 1 });
    assert_eq!(
        b.offer(&K, 2),
        Offered::Admitted {
            previous_failed: Some(2)
        }
    );
    assert_eq!(
        b.offer(&K, 4),
        Offered::Refused {
            previous_failed: Some(2)
        }
    );
    let before = b.clone();
    // Out of order first (no effect, the last offered job stays 4), then
    // skipped (no effect but the last offered job).
    assert_eq!(b.offer(&K, 3), Offered::OutOfOrder { last: 4, job: 3 });
    assert_eq!(b, before);
    assert_eq!(b.offer(&K, 5), Offered::Skipped);
    assert_eq!(b.round.last_offered[&K], 5, "a skipped offer is an offer");
    assert_eq!(b.offer(&K, 5), Offered::OutOfOrder { last: 5, job: 5 });
    // Other keys are not affected.
    assert_eq!(
        b.offer(&"other", 1),
        Offered::Admitted {
            previous_failed: None
        }
    );
}

#[test]
fn r_offer_undo_and_skip() {
    let mut b = barrier(0, 5);
    b.round();
    assert_eq!(
        b.offer(&K, 1),
        Offered::Admitted {
            previous_failed: None
        }
    );
    b.invoke(Op::Undo(K, 1));
    assert_eq!(b.size(), 0, "left: R-GC");
    assert_eq!(b.offer(&K, 2), Offered::Skipped);
    b.invoke(Op::Skip("other"));
    assert_eq!(b.offer(&"other", 1), Offered::Skipped);
    b.round();
    assert_eq!(
        b.offer(&K, 1),
        Offered::Admitted {
            previous_failed: None
        }
    );
}

#[test]
fn r_offer_many_at_once_is_one_by_one() {
    let jobs = [1, 2, 3, 2, 5];
    let mut one = barrier(1, 0);
    fail(&mut one, 2);
    let mut many = one.clone();
    let answers: Vec<Offered> = jobs.iter().map(|&j| one.offer(&K, j)).collect();
    let again: Vec<Offered> = jobs.iter().map(|&j| many.offer(&K, j)).collect();
    assert_eq!(answers, again);
    assert_eq!(one, many);
}

#[test]
fn r_restart_recover_reports_every_failed_job_in_any_order() {
    let mut a = barrier(0, 0);
    let mut b = barrier(0, 0);
    assert_eq!(a.recover([(K, 5), (K, 2), ("other", 9)]), Ok(2));
    assert_eq!(b.recover([("other", 9), (K, 2), (K, 5)]), Ok(2));
    assert_eq!(a, b);
    assert_eq!(a.peek(&K), Some(2));
    assert_eq!(a.enter(&K, 1).admission(), (true, Some(2)), "older first");
    assert_eq!(a.enter(&K, 3).admission(), (false, Some(2)));
}

#[test]
fn r_restart_recover_too_late_changes_nothing() {
    let mut b = barrier(0, 0);
    b.enter(&K, 1); // entered, though no record (threshold 0)
    let before = b.clone();
    assert_eq!(b.recover([(K, 1)]), Err(RecoverTooLate));
    assert_eq!(b, before);
    let mut b = barrier(0, 0);
    fail(&mut b, 1);
    assert_eq!(b.recover([(K, 2)]), Err(RecoverTooLate));
    assert_eq!(b.peek(&K), Some(1));
    assert_eq!(barrier(0, 0).recover(std::iter::empty()), Ok(0));
}
