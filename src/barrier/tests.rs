//! Unit tests of the lock-free paths of [`super::Barrier`].

use super::*;

/// Lock-free `enter` calls are counted exactly, by threads with a stripe of
/// their own and by those sharing the last one.
#[test]
fn lock_free_enters_are_all_counted() {
    let b: Barrier<u32> = Barrier::new();
    std::thread::scope(|s| {
        for t in 0..(crate::striped::STRIPES as u32 + 4) {
            let b = &b;
            s.spawn(move || {
                for i in 0..1000 {
                    assert!(b.enter(&(t * 1000 + i), JobId(1)).accepted);
                }
            });
        }
    });
    assert_eq!(
        b.stats().entered,
        (crate::striped::STRIPES as u64 + 4) * 1000
    );
    assert_eq!(b.size(), 0);
}

/// The lock-free counts of every shard's [`Presence`](crate::presence::Presence)
/// agree with its table after a long mixed run, and the lock-free answers agree
/// with the locked ones.
#[test]
fn presence_counts_track_the_tables() {
    let b: Barrier<u32> = Barrier::builder()
        .key_threshold(3)
        .drain_limit(1)
        .shards(2)
        .build();
    let mut x: u64 = 7;
    for job in 1..20_000i64 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let key = (x >> 33) as u32 % 64;
        let job = JobId(job / 3);
        match (x >> 20) % 8 {
            0 | 1 => drop(b.enter(&key, job)),
            2 => drop(b.wait(&key, job)),
            3 => b.state_changed(&key, job, JobState::Failed).unwrap(),
            4 => b.state_changed(&key, job, JobState::Succeeded).unwrap(),
            5 => b.state_changed(&key, job, JobState::Aborted).unwrap(),
            6 => b.leave(&key, job),
            _ => drop(b.sync()),
        }
        if job.0 % 97 == 0 {
            for cell in b.shards.iter() {
                let shard = cell.lock.lock();
                assert_eq!(shard.expected_presence(), cell.presence.loaded());
            }
            for key in 0..64 {
                let hash = b.hasher.hash_one(key);
                let presence = &b.cell(hash).presence;
                let shard = b.lock(hash);
                let (held, failed) =
                    shard.read(hash, &key, |r| (r.is_some(), r.and_then(|r| r.failed())));
                // No false negatives (false positives only cost a lock).
                assert!(!held || presence.may_hold(hash));
                assert!(failed.is_none() || presence.may_block(hash));
            }
        }
    }
}

/// R-EXPIRE through the shell: after any mixed run, every record with a timer is
/// scheduled; after a `sync` at time `t`, no record is left whose timer ran out
/// before `t` (nothing due was missed), and each shard's lock-free deadline is
/// its schedule's earliest. Predicate toggles, compaction (many keys released at
/// once), orphans and live changes of the timers all happen along the way.
#[test]
fn sync_expires_every_due_record_and_the_schedule_stays_complete() {
    use std::sync::atomic::AtomicU64;
    use std::time::Duration;

    let clock = crate::ManualClock::new();
    let predicate = Arc::new(AtomicU64::new(0));
    let p = Arc::clone(&predicate);
    let b: Barrier<u32, crate::ManualClock> = Barrier::builder()
        .key_threshold(3)
        .drain_limit(1)
        .disabled_for(Duration::from_millis(40))
        .half_enabled_for(Duration::from_millis(20))
        .drain_idle_for(Duration::from_millis(30))
        .ordering_disabled(move |k: &u32| p.load(Ordering::Relaxed) >> (k % 64) & 1 == 1)
        .shards(2)
        .clock(clock.clone())
        .build();
    let mut x: u64 = 11;
    let mut rng = move || {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        x >> 20
    };
    let mut expired_some = false;
    for step in 1..40_000i64 {
        let r = rng();
        let key = (r >> 13) as u32 % 200;
        let job = JobId(step / 4);
        match r % 16 {
            0..=3 => drop(b.enter(&key, job)),
            4 => b.state_changed(&key, job, JobState::Failed).unwrap(),
            5 => b
                .state_changed(&key, JobId(job.0 - 2), JobState::Succeeded)
                .unwrap(),
            6 => b
                .state_changed(&key, JobId(job.0 - 3), JobState::Aborted)
                .unwrap(),
            7 => b
                .state_changed(&key, JobId(job.0 - 1), JobState::Waiting)
                .unwrap(),
            8 => b.leave(&key, JobId(job.0 - 1)),
            9 => clock.advance(Duration::from_millis(r % 7)),
            10 => predicate.store(rng(), Ordering::Relaxed),
            11 if r % 97 == 0 => {
                let mut config = b.config();
                config.drain_idle_for = Duration::from_millis(5 + r % 50);
                config.disabled_for = Duration::from_millis(r % 60);
                b.reconfigure(config);
            }
            _ => {
                b.sync();
                let now = b.nanos_now();
                for cell in b.shards.iter() {
                    let shard = cell.lock.lock();
                    let rules = shard.rules;
                    shard.store.check_schedule(&rules).unwrap();
                    for (key, record) in shard.store.iter() {
                        let due = record.deadline(&rules).is_some_and(|d| d < now);
                        assert!(!due, "step {step}: {key} missed: {record:?}");
                    }
                    let next = shard.store.next_deadline().unwrap_or(u64::MAX);
                    assert!(
                        !cell.presence.may_be_due(|| next.saturating_add(1)) || next < u64::MAX
                    );
                    assert!(!cell.presence.may_be_due(|| next));
                    expired_some |= shard.stats.records_expired > 0;
                }
            }
        }
    }
    assert!(
        expired_some,
        "the run expired no record: it checked nothing"
    );
    // Quiet: every timer runs out, two syncs, nothing is left.
    clock.advance(Duration::from_secs(1));
    b.sync();
    clock.advance(Duration::from_secs(1));
    b.sync();
    b.shards()
        .for_each(|s| assert!(s.store.iter().all(|(_, r)| r.deadline(&s.rules).is_none())));
}

/// A drain window that goes idle and busy again and again does not pile up
/// deadlines: 10,000 toggles leave no more than the schedule's tidy threshold
/// (64 entries, or twice the records with timers).
#[test]
fn an_idle_window_toggling_does_not_grow_the_schedule() {
    use std::time::Duration;

    let clock = crate::ManualClock::new();
    let b: Barrier<u32, crate::ManualClock> = Barrier::builder()
        .drain_limit(1)
        .shards(1)
        .clock(clock.clone())
        .build();
    b.state_changed(&1, JobId(1), JobState::Failed).unwrap();
    b.state_changed(&1, JobId(1), JobState::Aborted).unwrap();
    b.sync();
    for job in 2..10_000 {
        assert!(b.enter(&1, JobId(job)).accepted);
        b.leave(&1, JobId(job));
        clock.advance(Duration::from_millis(1));
        if job % 100 == 0 {
            b.sync();
        }
    }
    let scheduled = b.shards().map(|s| s.store.scheduled()).sum::<usize>();
    assert!(scheduled <= 65, "{scheduled} deadlines for one window");
    assert_eq!(b.size(), 1);
    clock.advance(Duration::from_secs(601));
    b.sync();
    assert_eq!(b.size(), 0);
}

/// The same bound after a change of timers, with more than the tidy threshold
/// of records with timers in the shard: `reconfigure` (installed at the next
/// `sync`) rebuilds the schedule, and a window toggling afterwards still does
/// not grow it beyond about twice the records with timers (the mutants of
/// `Timers::wants_tidy`'s comparison, `==` or `<`, never tidy again here).
#[test]
fn the_schedule_stays_bounded_after_a_reconfigure_with_many_timed_records() {
    use std::time::Duration;

    let clock = crate::ManualClock::new();
    let b: Barrier<u32, crate::ManualClock> = Barrier::builder()
        .drain_limit(1)
        .shards(1)
        .clock(clock.clone())
        .build();
    // 100 keys with an idle drain window: 100 records with timers.
    for key in 0..100 {
        b.state_changed(&key, JobId(1), JobState::Failed).unwrap();
        b.state_changed(&key, JobId(1), JobState::Aborted).unwrap();
    }
    b.sync();
    b.reconfigure(crate::Config {
        drain_limit: 1,
        drain_idle_for: Duration::from_secs(300),
        ..crate::Config::default()
    });
    b.sync();
    for job in 2..5_000 {
        assert!(b.enter(&7, JobId(job)).accepted);
        b.leave(&7, JobId(job));
        clock.advance(Duration::from_micros(10));
    }
    let scheduled = b.shards().map(|s| s.store.scheduled()).sum::<usize>();
    assert!(
        scheduled <= 2 * 100 + 1,
        "{scheduled} deadlines for 100 windows"
    );
    assert_eq!(b.size(), 100);
}

/// The locking claim of [`Barrier`]'s docs: `reconfigure` and the `sync` that
/// installs its change (settings lock, then each shard lock) running beside every
/// other call, including `snapshot` and `Display` (which read the settings),
/// never deadlocks. A deadlock fails the
/// test by its watchdog instead of hanging it.
#[test]
fn reconfigure_beside_every_other_call_never_deadlocks() {
    use std::sync::mpsc;
    use std::time::Duration;

    let b = Arc::new(
        Barrier::<u32>::builder()
            .key_threshold(3)
            .drain_limit(1)
            .shards(2)
            .ordering_disabled(|k| k % 7 == 0)
            .build(),
    );
    let (done, finished) = mpsc::channel();
    let roles: [fn(&Barrier<u32>, u32); 4] = [
        |b, i| {
            let mut config = b.config();
            config.key_threshold = (i % 4) as usize;
            config.drain_idle_for = Duration::from_millis(u64::from(i % 5));
            b.reconfigure(config);
        },
        |b, i| {
            let _ = b.snapshot();
            let _ = b.to_string();
            let _ = (b.size(), b.stats(), b.queued(), b.is_disabled(&(i % 16)));
        },
        |b, i| {
            let (key, job) = (i % 16, JobId(i64::from(i)));
            b.enter(&key, job);
            b.state_changed(&key, job, JobState::Failed).unwrap();
            b.state_changed(&key, job, JobState::Aborted).unwrap();
            let _ = (b.wait(&key, job), b.peek(&key));
        },
        |b, i| {
            b.sync();
            b.leave(&(i % 16), JobId(i64::from(i)));
        },
    ];
    for role in roles {
        let (b, done) = (Arc::clone(&b), done.clone());
        std::thread::spawn(move || {
            for i in 0..20_000 {
                role(&b, i);
            }
            done.send(()).unwrap();
        });
    }
    for _ in 0..roles.len() {
        finished
            .recv_timeout(Duration::from_secs(120))
            .expect("a call deadlocked (or a role panicked)");
    }
}

/// `build`, `with_config` and `reconfigure` apply `Config::validate`'s rule by
/// saturating what it rejects: a timer past `MAX_TIMER` is `MAX_TIMER`, in the
/// settings the barrier reports and in the rules its shards use.
#[test]
fn every_way_in_saturates_what_validate_rejects() {
    use crate::config::MAX_TIMER;
    let forever = Config {
        disabled_for: std::time::Duration::MAX,
        drain_idle_for: MAX_TIMER + std::time::Duration::from_secs(1),
        ..Config::default()
    };
    assert!(forever.validate().is_err());
    let expected = forever.clone().saturated();
    assert_eq!(
        (expected.disabled_for, expected.drain_idle_for),
        (MAX_TIMER, MAX_TIMER)
    );
    let built: Barrier<u32> = Barrier::builder().config(forever.clone()).build();
    let with: Barrier<u32> = Barrier::with_config(forever.clone());
    let later: Barrier<u32> = Barrier::new();
    later.reconfigure(forever.clone());
    assert_eq!(later.pending_config(), Some(expected.clone()));
    later.sync();
    for b in [&built, &with, &later] {
        assert_eq!(b.config(), expected);
        assert!(b.config().validate().is_ok());
        for shard in b.shards() {
            assert_eq!(shard.rules.disabled_for, u64::MAX);
            assert_eq!(shard.rules.drain_idle_for, u64::MAX);
        }
    }
    assert!(Barrier::<u32>::builder()
        .config(forever)
        .try_build()
        .is_err());
}

/// The batched calls on a barrier of many shards give the answers and the
/// records of the same calls one by one on another.
#[test]
fn batches_answer_and_change_as_calls_one_by_one_across_shards() {
    let clock = crate::ManualClock::new();
    let build = || -> Barrier<u32, crate::ManualClock> {
        Barrier::builder()
            .clock(clock.clone())
            .key_threshold(3)
            .drain_limit(1)
            .shards(8)
            .ordering_disabled(|k: &u32| *k == 5)
            .build()
    };
    let (mut one, mut all) = (build(), build());
    let mut job = 0;
    for round in 0..6u32 {
        clock.advance(std::time::Duration::from_secs(200));
        let batch: Vec<(u32, JobId)> = (0..60u32)
            .map(|i| {
                job += 1;
                ((i * 7 + round) % 23, JobId(job))
            })
            .collect();
        let singles: Vec<_> = {
            let mut r = one.round();
            batch.iter().map(|(k, j)| r.offer(k, *j)).collect()
        };
        let batched = all.round().offer_all(batch.iter().map(|(k, j)| (k, *j)));
        assert_eq!(singles, batched, "round {round}");
        let reports: Vec<(u32, JobId, JobState)> = batch
            .iter()
            .zip(&singles)
            .filter(|(_, a)| matches!(a, Ok(Offer::Admitted { .. })))
            .enumerate()
            .map(|(i, ((k, j), _))| {
                let state = match i % 5 {
                    0 => JobState::Failed,
                    1 => JobState::Aborted,
                    2 => JobState::Executing,
                    _ => JobState::Succeeded,
                };
                (*k, *j, state)
            })
            .collect();
        let singles: Vec<_> = reports
            .iter()
            .map(|(k, j, s)| one.state_changed(k, *j, *s))
            .collect();
        let batched = all.report_all(reports.iter().map(|(k, j, s)| (k, *j, *s)));
        assert_eq!(singles, batched, "round {round}");
        let (s1, s2) = (one.snapshot(), all.snapshot());
        for key in 0..23 {
            assert_eq!(s1.record(&key), s2.record(&key), "round {round}, key {key}");
        }
        assert_eq!(s1.queued_effects, s2.queued_effects, "round {round}");
        assert_eq!(one.stats(), all.stats(), "round {round}");
    }
}
