//! The shell's fast paths of issue 13 against the reference barrier of
//! `eventorder-model`, in the situations that break them if they are wrong.
//!
//! - A queued effect remembers the index bucket where its record's position was
//!   found, and `sync` removes the record from that bucket without a second
//!   probe, after checking that the bucket still holds the position. Buckets move
//!   when the index grows, so [`effects_queued_before_the_index_grows`] queues
//!   effects on a few records, then makes the index grow (many new keys) before
//!   the `sync` that applies them.
//! - A record that `sync` removes leaves its slab entry vacant at once (no record
//!   is made inside `sync`), and a later effect in the same queue naming that
//!   entry is skipped; one naming an orphan (a record removed before `sync`, whose
//!   key may have a new record by then) is not.
//!   [`effects_on_records_removed_before_and_during_sync`] queues several effects
//!   per key, removes and re-creates records between them, and mixes in
//!   compactions.
//!
//! Every call is compared with the reference (answers, reports), and the whole
//! state (`size`, queued effects, every key's `peek`, `is_disabled` and record)
//! after every `sync`. The injected bugs `StaleBucketHintTrusted`,
//! `SyncSkipsOrphans` and `CompactsInSync` (`src/inject.rs`) are caught here.

mod support;

use eventorder::JobState;
use eventorder_model::reference::{RefConfig, Reference};
use support::{compare, compare_state, Call, Key, Rng, Sut};

/// Runs `call` on both barriers and compares the answers.
fn run(sut: &Sut, reference: &mut Reference<Key>, call: Call, context: &str) {
    let expected = reference.invoke(call.op());
    let observed = sut.invoke(&call);
    if let Err(mismatch) = compare(&call, &observed, &expected, false) {
        panic!("{context}: {call:?}: real barrier and reference disagree: {mismatch}");
    }
}

/// Compares the whole state of both barriers.
fn check(sut: &Sut, reference: &Reference<Key>, context: &str) {
    if let Err(mismatch) = compare_state(sut, reference, 0..=255) {
        panic!("{context}: {mismatch}");
    }
}

fn config(key_threshold: usize, drain_limit: usize) -> RefConfig {
    RefConfig {
        drain_limit,
        key_threshold,
        disabled_for: 1_000,
        half_enabled_for: 1_000,
        drain_idle_for: 1_000,
        panic_on_illegal_sequence: false,
    }
}

/// Effects queued while the index is small, applied after it grew: the buckets
/// they remembered hold other positions (or none) by then.
#[test]
fn effects_queued_before_the_index_grows() {
    let mut rng = Rng(0x13);
    for round in 0..40u64 {
        let shards = if round % 2 == 0 { 1 } else { 2 };
        let config = config(rng.pick(&[1, 2, 200]), rng.pick(&[0, 1]));
        let sut = Sut::with_shards(&config, Some(shards));
        let mut reference = Reference::new(config);
        let mut job = 0i64;
        let mut keys: Vec<Key> = (0..=255).collect();
        // A different order of keys every round, so that different records share
        // the buckets.
        for i in (1..keys.len()).rev() {
            keys.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let (first, rest) = keys.split_at(2 + rng.below(6) as usize);
        let context = format!("round {round} ({shards} shards)");
        // A few records, each with an effect queued (some keys blocked by a
        // failed job, whose release is queued).
        for &key in first {
            job += 1;
            if rng.below(3) == 0 {
                run(
                    &sut,
                    &mut reference,
                    Call::State(key, job, JobState::Failed),
                    &context,
                );
            } else {
                run(&sut, &mut reference, Call::Enter(key, job), &context);
            }
            let end = rng.pick(&[JobState::Succeeded, JobState::Aborted, JobState::Waiting]);
            run(&sut, &mut reference, Call::State(key, job, end), &context);
        }
        // The index grows several times: many new records, some with effects
        // queued too.
        let grow = 16 + rng.below(200) as usize;
        for &key in rest.iter().take(grow) {
            job += 1;
            run(&sut, &mut reference, Call::Enter(key, job), &context);
            run(
                &sut,
                &mut reference,
                Call::State(key, job, JobState::Failed),
                &context,
            );
            if rng.below(4) == 0 {
                run(
                    &sut,
                    &mut reference,
                    Call::State(key, job, JobState::Succeeded),
                    &context,
                );
            }
        }
        run(&sut, &mut reference, Call::Sync, &context);
        check(&sut, &reference, &context);
        // Every key released, then a last `sync`: nothing may be left.
        for &key in &keys {
            if let Some(failed) = reference.peek(&key) {
                run(
                    &sut,
                    &mut reference,
                    Call::State(key, failed, JobState::Succeeded),
                    &context,
                );
            }
        }
        run(&sut, &mut reference, Call::Sync, &context);
        check(&sut, &reference, &context);
    }
}

/// Several effects per key in one queue, records removed and made again between
/// them (orphans), records that the `sync` removes with effects still to come
/// (vacated at once), and syncs that empty most of a large slab (compaction
/// must wait until the queue is applied).
#[test]
fn effects_on_records_removed_before_and_during_sync() {
    let mut rng = Rng(0x5ca1e);
    for round in 0..30u64 {
        let config = config(rng.pick(&[0, 1, 2, 200]), rng.pick(&[0, 1, 2]));
        let shards = rng.pick(&[1, 2]);
        let sut = Sut::with_shards(&config, Some(shards));
        let mut reference = Reference::new(config);
        let context = format!("round {round} ({shards} shards)");
        let mut job = 0i64;
        for wave in 0..12 {
            let context = format!("{context}, wave {wave}");
            let keys = 8 + rng.below(248) as Key;
            match wave % 3 {
                // Churn: any call on any key, several effects per key queued.
                0 => {
                    for _ in 0..(4 * usize::from(keys)) {
                        let key = rng.below(u64::from(keys)) as Key;
                        job += 1;
                        let own = job - rng.below(3) as i64;
                        let call = match rng.below(10) {
                            0..=2 => Call::Enter(key, own),
                            3 => Call::State(key, own, JobState::Failed),
                            4 => Call::Leave(key, own),
                            5 => Call::State(key, own, JobState::Waiting),
                            6 => Call::State(key, own, JobState::Aborted),
                            _ => Call::State(key, own, JobState::Succeeded),
                        };
                        run(&sut, &mut reference, call, &context);
                        // The failed job's own end, queued behind the others.
                        if rng.below(6) == 0 {
                            if let Some(failed) = reference.peek(&key) {
                                let end = rng.pick(&[JobState::Succeeded, JobState::Aborted]);
                                run(
                                    &sut,
                                    &mut reference,
                                    Call::State(key, failed, end),
                                    &context,
                                );
                            }
                        }
                    }
                }
                // Orphans: a job's end is queued, its record removed (`leave`)
                // and made again by the same job's failure; the queued end must
                // reach the new record at `sync`.
                1 => {
                    for key in 0..keys {
                        job += 1;
                        run(&sut, &mut reference, Call::Enter(key, job), &context);
                        let end = rng.pick(&[JobState::Succeeded, JobState::Aborted]);
                        run(&sut, &mut reference, Call::State(key, job, end), &context);
                        run(&sut, &mut reference, Call::Leave(key, job), &context);
                        if rng.below(2) == 0 {
                            run(
                                &sut,
                                &mut reference,
                                Call::State(key, job, JobState::Failed),
                                &context,
                            );
                        }
                    }
                }
                // Most of a large slab emptied by one `sync`, with effects on the
                // records that stay queued last.
                _ => {
                    for key in 0..keys {
                        job += 1;
                        run(&sut, &mut reference, Call::Enter(key, job), &context);
                        if key % 8 == 0 {
                            run(
                                &sut,
                                &mut reference,
                                Call::State(key, job, JobState::Failed),
                                &context,
                            );
                        } else {
                            run(
                                &sut,
                                &mut reference,
                                Call::State(key, job, JobState::Succeeded),
                                &context,
                            );
                        }
                    }
                    for key in (0..keys).filter(|k| k % 8 == 0) {
                        if let Some(failed) = reference.peek(&key) {
                            let end = rng.pick(&[JobState::Succeeded, JobState::Aborted]);
                            run(
                                &sut,
                                &mut reference,
                                Call::State(key, failed, end),
                                &context,
                            );
                        }
                    }
                }
            }
            run(&sut, &mut reference, Call::Sync, &context);
            check(&sut, &reference, &context);
        }
    }
}
