//! [`Timers`]: one shard's deadlines, so that `sync` visits only the records whose
//! timers ran out (R-EXPIRE) instead of scanning them all.
//!
//! # Implementation Details
//!
//! A min-heap of `(deadline, slab position)`. The invariant the shard keeps: every
//! record with a timer (a `Disabled` or `HalfEnabled` mode, an idle drain window)
//! has an entry at its position whose deadline is at most the record's own
//! ([`crate::machine::Record::deadline`]). A transition that gives a record an
//! earlier deadline than it had (or its first) pushes one; a later one needs
//! nothing, since a deadline is only a time before which nothing can be due.
//! `sync` pops the entries that are due, runs R-EXPIRE on their records, and
//! pushes each surviving record's new deadline.
//!
//! Entries are not removed with their record: a stale entry (its record gone, or
//! its position reused by another key's record) costs one visit when it comes due,
//! where R-EXPIRE finds nothing to do, or nothing at all. [`Timers::take_due`]
//! merges entries that name one position, and [`Timers::tidy`] drops stale and
//! repeated entries once the schedule has doubled, so that a timer switched on and
//! off many times (a drain window idle, busy, idle again) does not pile them up.
//! Compaction moves positions and rewrites the heap ([`Timers::remap`]); a
//! configuration with other timers rebuilds it ([`super::Store::reschedule`]).
//!
//! Cost: O(log n) per push, O(k log n) for `k` due entries, O(1) to learn that
//! nothing is due ([`Timers::next`]).

use std::{cmp::Reverse, collections::BinaryHeap};

use crate::machine::Nanos;

use super::NONE;

/// Schedules up to this many entries are never tidied (not worth the time).
const TIDY_ABOVE: usize = 64;

/// One shard's deadlines.
#[derive(Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(Nanos, u32)>>,
    /// The number of entries the last [`Timers::tidy`] kept.
    tidied: usize,
}

impl Timers {
    /// Adds a deadline for the record at `at`.
    #[inline]
    pub(crate) fn push(&mut self, deadline: Nanos, at: u32) {
        self.heap.push(Reverse((deadline, at)));
    }

    /// Whether the schedule has grown enough since the last [`Timers::tidy`] to
    /// tidy it again: more than twice what that tidy kept (so each tidy is paid
    /// for by as many pushes as it visits entries).
    #[inline]
    pub(crate) fn wants_tidy(&self) -> bool {
        self.heap.len() > TIDY_ABOVE.max(2 * self.tidied)
    }

    /// Drops the entries `live` rejects (given a position, the deadline of the
    /// record there, if it has a timer) and all but the earliest entry of each
    /// position. A record whose timer goes on and off (a drain window idle, then
    /// busy, then idle again) pushes an entry each time; this keeps the schedule
    /// no larger than about twice the records with timers.
    pub(crate) fn tidy(&mut self, live: impl Fn(u32) -> Option<Nanos>) {
        let mut entries: Vec<(u32, Nanos)> = std::mem::take(&mut self.heap)
            .into_vec()
            .into_iter()
            .map(|Reverse((deadline, at))| (at, deadline))
            .filter(|&(at, deadline)| live(at).is_some_and(|own| deadline <= own))
            .collect();
        entries.sort_unstable();
        entries.dedup_by_key(|&mut (at, _)| at);
        self.tidied = entries.len();
        self.heap = entries
            .into_iter()
            .map(|(at, deadline)| Reverse((deadline, at)))
            .collect();
    }

    /// The earliest deadline, if any.
    #[inline]
    pub(crate) fn next(&self) -> Option<Nanos> {
        self.heap.peek().map(|Reverse((deadline, _))| *deadline)
    }

    /// Moves the positions of every entry with a deadline before `now` (strictly:
    /// a timer runs out only once more than its duration has passed) into `due`,
    /// ascending and without repeats.
    pub(crate) fn take_due(&mut self, now: Nanos, due: &mut Vec<u32>) {
        while let Some(&Reverse((deadline, at))) = self.heap.peek() {
            if deadline >= now {
                break;
            }
            self.heap.pop();
            due.push(at);
        }
        due.sort_unstable();
        due.dedup();
        // Give memory back after a burst of timers ran out.
        if self.heap.capacity() > 64 && self.heap.len() < self.heap.capacity() / 4 {
            self.heap.shrink_to(self.heap.len() * 2);
        }
    }

    /// Rewrites every position through `remap` (old position → new, or [`NONE`]:
    /// the entry is stale and dropped).
    pub(crate) fn remap(&mut self, remap: &[u32]) {
        let entries = std::mem::take(&mut self.heap).into_vec();
        self.heap = entries
            .into_iter()
            .filter_map(|Reverse((deadline, at))| {
                let to = *remap.get(at as usize)?;
                (to != NONE).then_some(Reverse((deadline, to)))
            })
            .collect();
    }

    /// Drops every entry.
    pub(crate) fn clear(&mut self) {
        self.heap = BinaryHeap::new();
        self.tidied = 0;
    }

    /// Every entry, in no order.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> Vec<(Nanos, u32)> {
        self.heap.iter().map(|Reverse(entry)| *entry).collect()
    }

    /// The number of entries (stale ones included).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_entries_come_out_sorted_once_strictly_before_now() {
        let mut t = Timers::default();
        for (deadline, at) in [(5, 3), (9, 1), (5, 1), (7, 3), (10, 2), (20, 4)] {
            t.push(deadline, at);
        }
        let mut due = Vec::new();
        t.take_due(10, &mut due);
        assert_eq!(due, [1, 3], "deadline 10 is not before 10");
        assert_eq!(t.next(), Some(10));
        due.clear();
        t.take_due(10, &mut due);
        assert!(due.is_empty());
        t.remap(&[NONE, NONE, 0, NONE, 7]);
        assert_eq!(t.len(), 2);
        t.take_due(u64::MAX, &mut due);
        assert_eq!(due, [0, 7]);
        assert_eq!(t.next(), None);
    }

    #[test]
    fn tidy_keeps_the_earliest_live_entry_of_each_position() {
        let mut t = Timers::default();
        for (deadline, at) in [(5, 1), (3, 1), (9, 2), (4, 3), (8, 3), (6, 4)] {
            t.push(deadline, at);
        }
        // 1: its record's deadline is 7; 2: no timer any more; 3: deadline 4;
        // 4: deadline 5, so the entry at 6 would be too late (never kept).
        t.tidy(|at| [None, Some(7), None, Some(4), Some(5)][at as usize]);
        let mut entries = t.entries();
        entries.sort_unstable();
        assert_eq!(entries, [(3, 1), (4, 3)]);
    }
}
