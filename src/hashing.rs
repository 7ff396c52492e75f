//! [`KeyHasher`]: how a barrier hashes its keys.

/// The hasher of a barrier's keys: seeded at random per barrier.
#[cfg(not(eventorder_shuttle))]
pub(crate) type KeyHasher = foldhash::fast::RandomState;
/// The hasher of a barrier's keys: fixed under the test-only
/// `--cfg eventorder_shuttle`, so that every execution of a shuttle test places
/// the keys alike (its depth-first scheduler needs executions to repeat exactly).
/// See [`key_hasher`].
#[cfg(eventorder_shuttle)]
pub(crate) type KeyHasher = foldhash::fast::FixedState;

/// A new barrier's key hasher.
#[cfg(not(eventorder_shuttle))]
pub(crate) fn key_hasher() -> KeyHasher {
    KeyHasher::default()
}

/// A new barrier's key hasher, under the test-only `--cfg eventorder_shuttle`: a
/// fixed seed chosen so that the keys `0u8` and `1u8` of `tests/shuttle.rs` land
/// in different shards of a two-shard barrier.
#[cfg(eventorder_shuttle)]
pub(crate) fn key_hasher() -> KeyHasher {
    foldhash::fast::FixedState::with_seed(4)
}

#[cfg(test)]
mod shuttle_seed_tests {
    use std::hash::BuildHasher;

    /// The fixed seed of the `eventorder_shuttle` build puts the keys 0 and 1 of
    /// `tests/shuttle.rs` in different shards of two (the barrier picks the shard
    /// from bit 32 up), so its two-shard scenarios really use two shards.
    #[test]
    fn the_shuttle_seed_separates_the_test_keys() {
        let h = foldhash::fast::FixedState::with_seed(4);
        let shard = |k: u8| (h.hash_one(k) >> 32) as usize & 1;
        assert_ne!(shard(0), shard(1));
    }
}
