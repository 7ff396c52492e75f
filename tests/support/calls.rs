//! One call on the real barrier, through either front ([`Api`]), and a real
//! answer in the reference's terms.

use std::{collections::BTreeSet, sync::Mutex, time::Duration};

use eventorder::{Error, JobId, JobState, ManualClock, Offer, Round};
use eventorder_model::reference::{Offered, Ret, Unsupported};

use super::{real_config, Action, Api, Call, Key};

/// A real offer's answer in the reference's terms.
pub fn offered(offer: Result<Offer, Error>) -> Offered {
    match offer {
        Ok(Offer::Admitted { previous_failed }) => Offered::Admitted {
            previous_failed: previous_failed.map(|j| j.0),
        },
        Ok(Offer::Refused { previous_failed }) => Offered::Refused {
            previous_failed: previous_failed.map(|j| j.0),
        },
        Ok(Offer::Skipped) => Offered::Skipped,
        Err(Error::OutOfOrder { last, job }) => Offered::OutOfOrder {
            last: last.0,
            job: job.0,
        },
        Err(e) => panic!("offer: unexpected error {e:?}"),
    }
}

/// A real report's result in the reference's terms.
pub(super) fn reported(state: JobState, result: Result<(), Error>) -> Ret {
    Ret::StateChanged(match result {
        Ok(()) => Ok(()),
        Err(Error::UnsupportedState(t)) if t == state => Err(Unsupported),
        Err(e) => panic!("state_changed({state}): unexpected error {e:?}"),
    })
}

/// One call (not a round) on either front; `Advance` and `Predicate` act on the
/// clock and the predicate's set.
pub(super) fn call_on<A: Api>(
    api: &mut A,
    clock: &ManualClock,
    disabled: &Mutex<BTreeSet<Key>>,
    call: &Call,
) -> (Ret, Vec<Ret>) {
    let mut many = Vec::new();
    let ret = match *call {
        Call::Enter(k, j) => {
            let a = api.enter(k, JobId(j));
            Ret::Admission {
                accepted: a.accepted,
                previous_failed: a.previous_failed.map(|f| f.0),
            }
        }
        Call::Wait(k, j) => {
            let h = api.wait(k, JobId(j));
            Ret::Hold {
                wait: h.wait,
                previous_failed: h.previous_failed.map(|f| f.0),
            }
        }
        Call::State(k, j, s) => reported(s, api.state_changed(k, JobId(j), s)),
        Call::Leave(k, j) => {
            api.leave(k, JobId(j));
            Ret::Unit
        }
        Call::Sync => Ret::Applied(api.sync()),
        Call::Peek(k) => Ret::Peek(api.peek(k).map(|f| f.0)),
        Call::IsDisabled(k) => Ret::Disabled(api.is_disabled(k)),
        Call::Size => Ret::Size(api.size()),
        Call::Advance(t) => {
            clock.advance(Duration::from_millis(t));
            Ret::Unit
        }
        Call::Reconfigure(ref c) => {
            api.reconfigure(real_config(c));
            Ret::Unit
        }
        Call::Predicate(k, on) => {
            let mut set = disabled.lock().unwrap();
            if on {
                set.insert(k);
            } else {
                set.remove(&k);
            }
            Ret::Unit
        }
        Call::Round(_) => panic!("a round needs Sut::invoke_mut"),
        Call::Recover(ref jobs) => {
            let jobs = jobs.iter().map(|&(k, j)| (k, JobId(j)));
            many = vec![match api.recover(jobs.collect()) {
                Ok(n) => Ret::Size(n),
                Err(Error::RecoverTooLate { .. }) => Ret::Unit,
                Err(e) => panic!("recover: unexpected error {e:?}"),
            }];
            Ret::Unit
        }
        Call::ReportAll(ref reports) => {
            let real: Vec<_> = reports.iter().map(|&(k, j, s)| (k, JobId(j), s)).collect();
            let results = api.report_all(&real);
            // A result missing is an answer missing: `Ret::Unit` stands for it.
            many = reports
                .iter()
                .enumerate()
                .map(|(i, &(_, _, s))| results.get(i).map_or(Ret::Unit, |r| reported(s, r.clone())))
                .collect();
            if results.len() > reports.len() {
                many.push(Ret::Unit);
            }
            Ret::Unit
        }
    };
    (ret, many)
}

/// A round's answers: its `sync`'s count, then one per action.
pub(super) fn run_round(
    round: &mut Round<'_, Key, ManualClock>,
    applied: usize,
    actions: &[Action],
) -> Vec<Ret> {
    let mut rets = vec![Ret::Applied(applied)];
    for action in actions {
        match action {
            Action::Offer(k, j) => rets.push(Ret::Offer(offered(round.offer(k, JobId(*j))))),
            Action::OfferAll(jobs) => rets.extend(
                round
                    .offer_all(jobs.iter().map(|(k, j)| (k, JobId(*j))))
                    .into_iter()
                    .map(|o| Ret::Offer(offered(o))),
            ),
            Action::Undo(k, j) => {
                round.undo(k, JobId(*j));
                rets.push(Ret::Unit);
            }
            Action::Skip(k) => {
                round.skip(k);
                rets.push(Ret::Unit);
            }
        }
    }
    rets
}
