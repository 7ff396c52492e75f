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
                let shard = cell.0.lock.lock();
                assert_eq!(cell.0.presence.expected(&shard), cell.0.presence.loaded());
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
