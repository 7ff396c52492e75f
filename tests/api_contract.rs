//! The API contract (the project's API.md, given to the developers beside the
//! repository and quoted here whole), unchanged, must compile against the crate
//! and run: outside test suites are written against exactly these names.

use std::time::Duration;

use eventorder::{
    Admission, Barrier, BarrierKey, Clock, Config, Error, Hold, IllegalSequence, JobId, JobState,
    Location, ManualClock, Offer, PickupHandle, Round, Snapshot, SystemClock, WorkerHandle,
};

#[test]
fn api_md_compiles_and_runs() -> Result<(), Error> {
    // Job ids: a transparent newtype over i64 (Copy, Ord, Hash, Debug, Display, serde).
    let j = JobId(5);
    assert_eq!(j, JobId(5));
    let j: JobId = 5.into();
    let raw: i64 = j.0;
    assert_eq!(raw, 5);

    let s: JobState = "failed".parse()?; // JobState::Failed
    assert_eq!(s, JobState::Failed);
    assert_eq!(JobState::Succeeded.to_string(), "succeeded");

    let key = BarrierKey::new("workspace", "destination", "user");
    assert_eq!(key.to_string(), "workspace:destination:user");

    let clock = ManualClock::new(); // Clone; clones share one time
    let barrier: Barrier<String, ManualClock> = Barrier::builder()
        .drain_limit(1)
        .key_threshold(200)
        .disabled_for(Duration::from_secs(20 * 60))
        .half_enabled_for(Duration::from_secs(10 * 60))
        .drain_idle_for(Duration::from_secs(10 * 60))
        .ordering_disabled(|key: &String| key.starts_with("vip"))
        .on_illegal_sequence(|event: &IllegalSequence<String>| {
            let _: Location = event.location;
            let _ = (&event.key, event.failed, event.job);
        })
        .panic_on_illegal_sequence(false)
        .clock(clock.clone())
        .build();
    let simple: Barrier = Barrier::new(); // BarrierKey keys, system clock, defaults
                                          // Defaults: drain_limit 0, key_threshold 0, disabled_for 10 min,
                                          // half_enabled_for 5 min, drain_idle_for 10 min (spec v2).
    let defaults = simple.config();
    assert_eq!((defaults.drain_limit, defaults.key_threshold), (0, 0));
    assert_eq!(
        (
            defaults.disabled_for,
            defaults.half_enabled_for,
            defaults.drain_idle_for
        ),
        (
            Duration::from_secs(600),
            Duration::from_secs(300),
            Duration::from_secs(600)
        )
    );
    // A config file without `drain_idle_for` gets the default.
    let old_file = Config::from_toml_str("drain_limit = 1")?;
    assert_eq!(old_file.drain_idle_for, Duration::from_secs(600));
    let from_config: Barrier = Barrier::with_config(Config::default());
    assert_eq!(simple.size() + from_config.size(), 0);

    let a: Admission = barrier.enter(&"u1".to_string(), JobId(1));
    assert!(a.accepted && a.previous_failed.is_none());
    let h: Hold = barrier.wait(&"u1".to_string(), JobId(1));
    assert!(!h.wait);
    barrier.state_changed(&"u1".to_string(), JobId(1), JobState::Failed)?;
    let applied: usize = barrier.sync();
    let records: usize = barrier.size();
    assert_eq!((applied, records), (0, 1));
    println!("{barrier}");

    barrier.leave(&"u1".to_string(), JobId(1));
    let failed: Option<JobId> = barrier.peek(&"u1".to_string());
    assert_eq!(failed, Some(JobId(1)));
    let off: bool = barrier.is_disabled(&"u1".to_string());
    assert!(!off);

    clock.advance(Duration::from_millis(250));
    barrier.reconfigure(Config {
        drain_limit: 2,
        ..Config::default()
    });
    let snap: Snapshot<String> = barrier.snapshot();
    let json = serde_json::to_string(&snap).expect("Snapshot is Serialize");
    assert!(json.contains("\"u1\""));

    // Known but unsupported states parse, and state_changed refuses them.
    let executing: JobState = "executing".parse()?;
    assert_eq!(
        barrier.state_changed(&"u1".to_string(), JobId(1), executing),
        Err(Error::UnsupportedState(JobState::Executing))
    );
    assert!(matches!(
        "Failed".parse::<JobState>(),
        Err(Error::UnknownState(name)) if name == "Failed"
    ));
    let _: &dyn Clock = &SystemClock;

    // The warm start after a restart (SPEC.md R-RESTART), before the first round.
    let fresh: Barrier<String, ManualClock> = Barrier::builder().clock(clock.clone()).build();
    let blocked: usize = fresh.recover([("u9".to_string(), JobId(3))])?;
    assert_eq!(blocked, 1);
    assert!(matches!(
        barrier.recover([("u9".to_string(), JobId(3))]),
        Err(Error::RecoverTooLate { .. })
    ));

    // Rounds: the pickup loop's iteration (SPEC.md R-ROUND, R-OFFER), on the split handle.
    let (mut pickup, workers) = barrier.split(); // PickupHandle (not Clone), WorkerHandle (Clone)
    let mut round: Round<'_, String, ManualClock> = pickup.round(); // runs sync
    match round.offer(&"u1".to_string(), JobId(2))? {
        Offer::Admitted { previous_failed } => panic!("admitted behind job 1: {previous_failed:?}"),
        Offer::Refused { previous_failed } => assert_eq!(previous_failed, Some(JobId(1))),
        Offer::Skipped => panic!("not skipped yet"),
    }
    assert_eq!(round.offer(&"u1".to_string(), JobId(3))?, Offer::Skipped);
    assert!(matches!(
        round.offer(&"u1".to_string(), JobId(3)),
        Err(Error::OutOfOrder { .. })
    ));
    round.undo(&"u1".to_string(), JobId(2)); // leave, and skip the key for this round
    round.skip(&"u2".to_string()); // skip the key for this round
    let batch: Vec<(String, JobId)> = vec![("u3".to_string(), JobId(4))];
    let offers: Vec<Result<Offer, Error>> = round.offer_all(batch.iter().map(|(k, j)| (k, *j)));
    assert_eq!(
        offers,
        [Ok(Offer::Admitted {
            previous_failed: None
        })]
    );
    drop(round);
    let done = "u1".to_string();
    let results: Vec<Result<(), Error>> =
        workers.report_all([(&done, JobId(1), JobState::Succeeded)]);
    assert_eq!(results, [Ok(())]);
    let _: usize = pickup.sync();
    assert_eq!(workers.peek(&done), None);
    Ok(())
}

/// The split handles take `Barrier`'s default type parameters, and `Offer`'s
/// derives.
#[test]
fn handles_default_and_offer_derives() {
    fn same<T>(_: Option<T>, _: Option<T>) {}
    same::<PickupHandle>(None, None::<PickupHandle<BarrierKey, SystemClock>>);
    same::<WorkerHandle>(None, None::<WorkerHandle<BarrierKey, SystemClock>>);
    fn copy_eq<T: Clone + Copy + std::fmt::Debug + PartialEq + Eq>() {}
    copy_eq::<Offer>();
}

#[test]
fn barrier_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Barrier>();
    check::<Barrier<String, ManualClock>>();
    check::<eventorder::WorkerHandle<BarrierKey, SystemClock>>();
    check::<eventorder::PickupHandle<BarrierKey, SystemClock>>();
    check::<PickupHandle>();
}

#[test]
fn derives_the_outside_suites_rely_on() {
    fn copy_hash_serde<
        T: Copy
            + Clone
            + std::fmt::Debug
            + PartialEq
            + Eq
            + std::hash::Hash
            + serde::Serialize
            + serde::de::DeserializeOwned,
    >() {
    }
    copy_hash_serde::<JobId>();
    copy_hash_serde::<Location>();
    copy_hash_serde::<JobState>();
    fn clone_debug_eq<T: Clone + std::fmt::Debug + PartialEq>() {}
    clone_debug_eq::<Admission>();
    clone_debug_eq::<Hold>();
    clone_debug_eq::<IllegalSequence<String>>();
    let _ = [
        JobState::Succeeded,
        JobState::Filtered,
        JobState::Failed,
        JobState::Aborted,
        JobState::Waiting,
        JobState::Executing,
    ];
}
