//! Heap bytes per key held by the barrier (issue 5), measured by a counting global
//! allocator. Run with `cargo bench --bench memory`.
//!
//! The keys (the router's shape, `support/keys.rs`) are built first; what is
//! measured is the growth of the live heap while the barrier takes them in,
//! divided by the number of keys: the barrier's records, its table slots
//! (including the table's free slots) and anything a record allocates, but not
//! the keys' own strings (a stored key is a clone sharing them).
//! Sizes are the sizes requested from the allocator, before its own rounding.
//!
//! Scenarios: every key blocked by a failed job (default settings), and every key
//! with one tracked in-flight job (`key_threshold = 200`); then every key released
//! again (a `succeeded` report and a `sync`, or a `leave`), to show the heap the
//! barrier still holds once it has no record. Both at 1,000,000 keys,
//! and at 700,000 to show how much of the figure is the hash tables' free slots (a
//! table is between 7/16 and 7/8 full, depending on the count).
//!
//! Then keys with many tracked in-flight jobs each (`key_threshold = 200`): 100,000
//! keys with 50 jobs each against the same keys with one job each; the difference
//! over 49 is what each job costs beyond the key's record (issue 13: at most 16
//! bytes).

#[path = "support/keys.rs"]
mod keys;

use std::{
    alloc::{GlobalAlloc, Layout, System},
    sync::atomic::{AtomicUsize, Ordering},
};

use std::{
    sync::{atomic::AtomicBool, Arc},
    time::Duration,
};

use eventorder::{Barrier, BarrierKey, Config, JobId, JobState, ManualClock};
use keys::router_keys;

/// Counts the live heap bytes of the whole process.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged,
// so `System`'s guarantees carry over; the counter is only bookkeeping. A global
// allocator cannot be written without `unsafe`; this is a measuring tool, outside
// the library (which stays `#![forbid(unsafe_code)]`).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is (see above).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is (see above).
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is (see above).
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is (see above).
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap bytes per key that `fill` makes `barrier` hold, and the heap bytes the
/// barrier still holds (in all) once `empty` has been called on every key and a
/// `sync` has run.
fn per_key(
    keys: &[BarrierKey],
    barrier: Barrier,
    fill: impl Fn(&Barrier, &BarrierKey),
    empty: impl Fn(&Barrier, &BarrierKey),
) -> (f64, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    for key in keys {
        fill(&barrier, key);
    }
    let after = LIVE.load(Ordering::Relaxed);
    assert_eq!(barrier.size(), keys.len());
    let bytes = after.saturating_sub(before) as f64 / keys.len() as f64;
    for key in keys {
        empty(&barrier, key);
    }
    barrier.sync();
    assert_eq!(barrier.size(), 0);
    let left = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    drop(barrier);
    (bytes, left)
}

/// Heap bytes per key that `jobs` tracked in-flight jobs per key make a barrier
/// (`key_threshold = 200`) hold.
fn tracked_jobs(keys: &[BarrierKey], jobs: i64) -> f64 {
    let before = LIVE.load(Ordering::Relaxed);
    let barrier: Barrier = Barrier::builder().key_threshold(200).build();
    for key in keys {
        for job in 1..=jobs {
            assert!(barrier.enter(key, JobId(job)).accepted);
        }
    }
    let after = LIVE.load(Ordering::Relaxed);
    assert_eq!(barrier.size(), keys.len());
    assert!(
        keys.iter().all(|k| !barrier.is_disabled(k)),
        "no key went hot"
    );
    drop(barrier);
    after.saturating_sub(before) as f64 / keys.len() as f64
}

/// The "quiet keys" row (spec v2, R-EXPIRE): `n` keys in the production
/// configuration (`drain_limit = 1`; a key threshold of 2 so that a third of the
/// keys go hot in three calls): a third go hot, a third have ordering switched off
/// by the predicate, a third have a failed job aborted; every job is reported.
/// Then the clock passes every timer, with a `sync` after each. Returns the heap
/// bytes of the empty barrier, the peak's bytes per key, and the bytes left.
fn quiet_keys(keys: &[BarrierKey]) -> (usize, f64, usize) {
    let start = LIVE.load(Ordering::Relaxed);
    let clock = ManualClock::new();
    let predicate_on = Arc::new(AtomicBool::new(true));
    let on = Arc::clone(&predicate_on);
    let config = Config {
        key_threshold: 2,
        ..Config::production()
    };
    // The keys are `user-{i}`: every third one is the predicate's.
    let third = |k: &BarrierKey| k.user()["user-".len()..].parse::<usize>().unwrap() % 3;
    let barrier: Barrier<BarrierKey, ManualClock> = Barrier::builder()
        .config(config.clone())
        .ordering_disabled(move |k: &BarrierKey| on.load(Ordering::Relaxed) && third(k) == 2)
        .clock(clock.clone())
        .build();
    let empty = LIVE.load(Ordering::Relaxed) - start;
    for key in keys {
        match third(key) {
            // Hot: two jobs in flight, the third makes the key hot.
            0 => {
                for job in 1..=3 {
                    assert!(barrier.enter(key, JobId(job)).accepted);
                }
                for job in 1..=3 {
                    barrier
                        .state_changed(key, JobId(job), JobState::Succeeded)
                        .unwrap();
                }
            }
            // Failed, then aborted: an idle drain window.
            1 => {
                assert!(barrier.enter(key, JobId(1)).accepted);
                barrier
                    .state_changed(key, JobId(1), JobState::Failed)
                    .unwrap();
                barrier
                    .state_changed(key, JobId(1), JobState::Aborted)
                    .unwrap();
            }
            // The predicate switches ordering off.
            _ => {
                assert!(barrier.enter(key, JobId(1)).accepted);
                barrier
                    .state_changed(key, JobId(1), JobState::Succeeded)
                    .unwrap();
            }
        }
    }
    barrier.sync();
    let peak = LIVE.load(Ordering::Relaxed) - start;
    assert_eq!(barrier.size(), keys.len());
    predicate_on.store(false, Ordering::Relaxed);
    // Disabled → HalfEnabled, idle windows closed; then HalfEnabled → Enabled.
    clock.advance(config.disabled_for.max(config.drain_idle_for) + Duration::from_secs(1));
    barrier.sync();
    clock.advance(config.half_enabled_for + Duration::from_secs(1));
    barrier.sync();
    assert_eq!(barrier.size(), 0, "every quiet key's record is reclaimed");
    let left = LIVE.load(Ordering::Relaxed) - start;
    drop(barrier);
    (empty, (peak - empty) as f64 / keys.len() as f64, left)
}

fn main() {
    // Only under `cargo bench` (which passes `--bench`): `cargo test --benches`
    // need not fill two million records.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!(
        "| keys | blocked by a failed job | one tracked in-flight job (key_threshold = 200) | left after all are released (blocked, tracked) |"
    );
    println!("|---:|---:|---:|---:|");
    for n in [1_000_000, 700_000] {
        let keys = router_keys(n);
        let (blocked, blocked_left) = per_key(
            &keys,
            Barrier::new(),
            |b, k| b.state_changed(k, JobId(1), JobState::Failed).unwrap(),
            |b, k| b.state_changed(k, JobId(1), JobState::Succeeded).unwrap(),
        );
        let (tracked, tracked_left) = per_key(
            &keys,
            Barrier::builder().key_threshold(200).build(),
            |b, k| assert!(b.enter(k, JobId(1)).accepted),
            |b, k| b.leave(k, JobId(1)),
        );
        println!(
            "| {n} | {blocked:.1} B/key | {tracked:.1} B/key | {blocked_left} B, {tracked_left} B |"
        );
    }
    println!();
    println!(
        "(heap bytes per key held by the barrier, beyond the keys' own strings; sizes as requested from the allocator)"
    );
    println!();
    let keys = router_keys(100_000);
    let one = tracked_jobs(&keys, 1);
    let fifty = tracked_jobs(&keys, 50);
    println!("| tracked in-flight jobs per key (100,000 keys, key_threshold = 200) | bytes |");
    println!("|---|---:|");
    println!("| one job: the key's record | {one:.1} B/key |");
    println!("| 50 jobs | {fifty:.1} B/key |");
    println!(
        "| each job beyond the key's record, (50 jobs − one job) / 49 | {:.1} B/job |",
        (fifty - one) / 49.0
    );
    println!();
    println!("| quiet keys (1,000,000: a third hot, a third predicate-disabled, a third with an aborted failed job; drain_limit 1) | bytes |");
    println!("|---|---:|");
    let keys = router_keys(1_000_000);
    let (empty, peak, left) = quiet_keys(&keys);
    println!("| empty barrier's heap | {empty} B |");
    println!("| at the peak, per key | {peak:.1} B/key |");
    println!("| after every timer ran out and `sync` ran (size() == 0) | {left} B |");
}
