//! Snapshot, Display, stats, R-ILLEGAL (no report in v3), and the
//! pickup/worker split.

use std::{
    panic::{catch_unwind, AssertUnwindSafe},
    sync::{Arc, Mutex},
    time::Duration,
};

use eventorder::{
    Barrier, BarrierKey, IllegalSequence, JobId, JobState, KeyMode, Location, ManualClock,
};

#[test]
fn snapshot_says_why_a_key_is_stuck() {
    let clock = ManualClock::new();
    let b: Barrier<BarrierKey, ManualClock> = Barrier::builder()
        .drain_limit(1)
        .key_threshold(2)
        .clock(clock.clone())
        .build();
    let blocked = BarrierKey::new("ws", "dest", "blocked");
    let hot = BarrierKey::new("ws", "dest", "hot");
    let draining = BarrierKey::new("ws", "dest", "draining");
    b.enter(&blocked, JobId(1));
    b.state_changed(&blocked, JobId(1), JobState::Failed)
        .unwrap();
    for j in 1..=3 {
        b.enter(&hot, JobId(j));
    }
    b.state_changed(&draining, JobId(5), JobState::Failed)
        .unwrap();
    b.state_changed(&draining, JobId(5), JobState::Aborted)
        .unwrap();
    b.state_changed(&blocked, JobId(9), JobState::Waiting)
        .unwrap();
    clock.advance(Duration::from_secs(90));

    let snap = b.snapshot();
    assert_eq!(snap.records.len(), 3);
    assert_eq!(snap.queued_effects, 2);
    let r = snap.record(&blocked).unwrap();
    assert_eq!(r.failed, Some(JobId(1)));
    assert_eq!(r.inflight, Some(vec![]));
    assert_eq!(r.queued_effects, 1);
    let r = snap.record(&hot).unwrap();
    assert_eq!(
        r.mode,
        KeyMode::Disabled {
            elapsed: Duration::from_secs(90)
        }
    );
    b.sync();
    let snap = b.snapshot();
    let r = snap.record(&draining).unwrap();
    assert_eq!((r.failed, r.drain.clone()), (None, Some(vec![])));
    assert_eq!(snap.stats.drains_opened, 1);
    assert_eq!(snap.stats.keys_gone_hot, 1);

    let json = serde_json::to_value(&snap).unwrap();
    let text = json.to_string();
    assert!(text.contains("\"mode\":\"disabled\""), "{text}");
    assert!(text.contains("\"elapsed\":\"1m 30s\""), "{text}");

    let dump = b.to_string();
    assert!(dump.contains("3 record(s)"), "{dump}");
    assert!(
        dump.contains("\"ws:dest:blocked\": ordering on; BLOCKED by failed job 1"),
        "{dump}"
    );
    assert!(dump.contains("ordering OFF for 1m 30s"), "{dump}");
    assert!(
        dump.contains("drain window open, idle for 0s: a sync closes it after 10m more"),
        "{dump}"
    );
}

#[test]
fn stats_count_decisions() {
    let b: Barrier<String> = Barrier::builder().on_illegal_sequence(|_| {}).build();
    let k = "k".to_string();
    b.state_changed(&k, JobId(5), JobState::Failed).unwrap();
    assert!(!b.enter(&k, JobId(6)).accepted);
    assert!(b.enter(&k, JobId(5)).accepted);
    assert!(b.wait(&k, JobId(6)).wait);
    assert!(b.enter(&k, JobId(4)).accepted); // older jobs go first (v3)
    b.state_changed(&k, JobId(5), JobState::Succeeded).unwrap();
    b.sync();
    let s = b.stats();
    assert_eq!((s.entered, s.rejected, s.waits_told), (2, 1, 1));
    assert_eq!((s.failures_recorded, s.effects_applied), (1, 1));
    assert_eq!((s.illegal_enter, s.illegal_sequences()), (0, 0));
}

/// R-ILLEGAL (v3): every sequence that v2 reported as illegal (a job older than
/// the key's failed job at `enter`, `wait` or `failed`, while `Enabled`) now
/// goes first: the observer is never called, and the panic policy never panics.
#[test]
fn no_operation_reports_an_illegal_sequence() {
    for panic in [false, true] {
        let seen: Arc<Mutex<Vec<IllegalSequence<String>>>> = Arc::default();
        let b: Barrier<String> = Barrier::builder()
            .key_threshold(200)
            .panic_on_illegal_sequence(panic)
            .on_illegal_sequence({
                let seen = Arc::clone(&seen);
                move |e: &IllegalSequence<String>| seen.lock().unwrap().push(e.clone())
            })
            .build();
        let k = "k".to_string();
        b.state_changed(&k, JobId(5), JobState::Failed).unwrap();
        let calls = catch_unwind(AssertUnwindSafe(|| {
            assert!(b.enter(&k, JobId(4)).accepted, "older than the failed job");
            assert!(!b.wait(&k, JobId(3)).wait);
            b.state_changed(&k, JobId(3), JobState::Failed).unwrap();
            assert_eq!(b.peek(&k), Some(JobId(3)), "blocked by the oldest");
            assert!(!b.enter(&k, JobId(4)).accepted, "now later than job 3");
        }));
        assert!(calls.is_ok(), "panic policy {panic}: a call panicked");
        assert!(seen.lock().unwrap().is_empty(), "panic policy {panic}");
        assert_eq!(b.stats().illegal_sequences(), 0);
        // The failed set: job 3 ends, job 5 blocks again.
        b.state_changed(&k, JobId(3), JobState::Succeeded).unwrap();
        b.sync();
        assert_eq!(b.peek(&k), Some(JobId(5)));
        let snap = b.snapshot();
        assert_eq!(snap.record(&k).unwrap().failed_jobs, [JobId(5)]);
    }
    // Location stays in the API for a later version's checks.
    assert_eq!(Location::Enter.to_string(), "enter");
}

#[test]
fn split_handles_share_one_barrier() {
    let (mut pickup, workers) = Barrier::<String>::builder()
        .key_threshold(10)
        .build()
        .split();
    let k = "k".to_string();
    assert!(pickup.enter(&k, JobId(1)).accepted);
    let w = workers.clone();
    let k2 = k.clone();
    std::thread::spawn(move || {
        assert!(!w.wait(&k2, JobId(1)).wait);
        w.state_changed(&k2, JobId(1), JobState::Succeeded).unwrap();
    })
    .join()
    .unwrap();
    assert_eq!(workers.size(), 1);
    assert_eq!(pickup.sync(), 1);
    assert_eq!(pickup.worker().size(), 0);
}

#[test]
fn shard_counts_are_powers_of_two() {
    for (asked, got) in [(0, 1), (1, 1), (3, 4), (64, 64), (100_000, 1024)] {
        let b: Barrier<u32> = Barrier::builder().shards(asked).build();
        assert_eq!(b.shard_count(), got);
    }
    assert!(Barrier::<u32>::new().shard_count().is_power_of_two());
}

#[test]
fn a_panicking_predicate_leaves_the_record_intact() {
    let b: Barrier<String> = Barrier::builder()
        .ordering_disabled(|k: &String| {
            if k == "boom" {
                panic!("predicate")
            } else {
                false
            }
        })
        .build();
    let k = "boom".to_string();
    b.state_changed(&k, JobId(3), JobState::Failed).unwrap();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(|| b.enter(&k, JobId(4))));
    std::panic::set_hook(hook);
    assert!(result.is_err());
    assert_eq!(b.peek(&k), Some(JobId(3)), "the failed job survives");
    assert!(b.wait(&k, JobId(4)).wait);
}

/// An idle drain window says in the snapshot and in `Display` how long it has
/// been idle and when a `sync` will close it (R-EXPIRE); the serde form keeps
/// both; once it is closed, the stats count it.
#[test]
fn an_idle_drain_window_says_how_long_and_when_it_closes() {
    let clock = ManualClock::new();
    let b: Barrier<String, ManualClock> = Barrier::builder()
        .drain_limit(1)
        .drain_idle_for(Duration::from_secs(600))
        .clock(clock.clone())
        .build();
    let key = "k".to_string();
    b.state_changed(&key, JobId(1), JobState::Failed).unwrap();
    b.state_changed(&key, JobId(1), JobState::Aborted).unwrap();
    b.sync();
    clock.advance(Duration::from_secs(240));
    let snap = b.snapshot();
    let r = snap.record(&key).unwrap();
    assert_eq!(r.drain_idle, Some(Duration::from_secs(240)));
    assert_eq!(r.drain_closes_in, Some(Duration::from_secs(360)));
    let line = r.to_string();
    assert!(
        line.contains("idle for 4m") && line.contains("after 6m more"),
        "{line}"
    );
    let json = serde_json::to_value(&snap).unwrap();
    assert_eq!(json["records"][0]["drain_idle"], "4m");
    assert_eq!(json["records"][0]["drain_closes_in"], "6m");
    let back: eventorder::Snapshot<String> = serde_json::from_value(json).unwrap();
    assert_eq!(back, snap);

    // A job in the window: not idle.
    assert!(b.enter(&key, JobId(2)).accepted);
    let r = b.snapshot().records.remove(0);
    assert_eq!((r.drain_idle, r.drain_closes_in), (None, None));
    assert!(r.to_string().contains("1 job(s) [JobId(2)]"), "{r}");
    b.leave(&key, JobId(2));

    // Past its time: closes at the next sync.
    clock.advance(Duration::from_secs(601));
    assert!(
        b.to_string().contains("a sync any moment later closes it"),
        "{b}"
    );
    b.sync();
    assert_eq!(b.size(), 0);
    assert_eq!(b.stats().drains_expired, 1);
    assert_eq!(b.stats().records_expired, 1);
}

/// `Debug` takes no lock: formatting the barrier inside the `ordering_disabled`
/// predicate, which runs under the key's shard lock, must not deadlock (before
/// 0.3.1 it locked every shard). Run on a thread, so that a deadlock fails the
/// test instead of hanging it.
#[test]
fn debug_takes_no_lock_even_inside_the_predicate() {
    use std::sync::{mpsc, OnceLock};

    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let slot: Arc<OnceLock<Arc<Barrier<String>>>> = Arc::new(OnceLock::new());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let b = {
            let (slot, seen) = (slot.clone(), seen.clone());
            Arc::new(
                Barrier::builder()
                    .key_threshold(10)
                    .shards(1)
                    .ordering_disabled(move |_key: &String| {
                        if let Some(b) = slot.get() {
                            seen.lock().unwrap().push(format!("{b:?}"));
                        }
                        false
                    })
                    .build(),
            )
        };
        assert!(slot.set(b.clone()).is_ok());
        b.reconfigure(eventorder::Config::default());
        assert!(b.enter(&"k".to_string(), JobId(1)).accepted); // calls the predicate
        done.send(seen.lock().unwrap().clone()).unwrap();
    });
    let seen = finished
        .recv_timeout(Duration::from_secs(60))
        .expect("Debug inside the predicate deadlocked");
    assert_eq!(
        seen,
        ["Barrier { shards: 1, config_change_pending: true, .. }"]
    );
}
