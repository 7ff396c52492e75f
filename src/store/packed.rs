//! [`Stored`]: a record as a shard keeps it, 16 bytes for the shapes nearly every
//! stored record has.

use crate::{
    machine::{Blocker, Inflight, JobSet, Ordered, Record},
    JobId,
};

/// A slab entry's record, or what the entry is when it holds none.
///
/// Nearly every record a shard holds for long has one of two shapes: a key blocked
/// by a failed job (ordering on, nothing tracked) or a key with one tracked
/// in-flight job (under a `key_threshold`). Those are kept as one job id; any other
/// record (a hot key's mode, a drain window, several tracked jobs, a failed job
/// beside tracked ones) is boxed. This is a memory measure (issue 5: under 64 bytes
/// per blocked key, under 96 per tracked one), not a change of meaning: [`pack`]
/// and [`Stored::unpack`] round-trip every record exactly (tested below), and the
/// transitions only ever see the unpacked [`Record`].
#[derive(Debug, PartialEq)]
pub(crate) enum Stored {
    /// `Enabled`, `Failed(job)`, `Untracked`.
    Failed(JobId),
    /// `Enabled`, `Clear`, `Tracked({job})`.
    Tracked(JobId),
    /// Any other record.
    Boxed(Box<Record>),
    /// No record: the key was removed while effects queued on this entry might
    /// still name it (see [`super::Store`]). The entry keeps the key.
    Orphan,
    /// No record and no key: free, with the next free entry (or [`super::NONE`]).
    Vacant(u32),
}

/// The stored form of a record.
#[inline]
pub(crate) fn pack(record: Record) -> Stored {
    match shape(&record) {
        Some(stored) => stored,
        None => Stored::Boxed(Box::new(record)),
    }
}

/// The unboxed form of a record, if it has one.
#[inline]
fn shape(record: &Record) -> Option<Stored> {
    let Record::On(Ordered {
        half_enabled_since: None,
        blocker,
        inflight,
    }) = record
    else {
        return None;
    };
    match (blocker, inflight) {
        (Blocker::Failed(set), Inflight::Untracked) => set.single().map(Stored::Failed),
        (Blocker::Clear, Inflight::Tracked(set)) => set.single().map(Stored::Tracked),
        _ => None,
    }
}

impl Stored {
    /// Whether the entry holds a record.
    #[inline]
    pub(crate) fn is_record(&self) -> bool {
        matches!(
            self,
            Stored::Failed(_) | Stored::Tracked(_) | Stored::Boxed(_)
        )
    }

    /// [`Record::holds_workers`] of the record, read from its shape (a failed
    /// job blocks the `Failed` shape, never the `Tracked` one).
    ///
    /// # Panics
    /// If the entry holds none (a bug in the store).
    #[inline]
    pub(crate) fn holds_workers(&self) -> bool {
        match self {
            Stored::Failed(_) => true,
            Stored::Tracked(_) => false,
            Stored::Boxed(record) => record.holds_workers(),
            Stored::Orphan | Stored::Vacant(_) => unreachable!("no record in this entry"),
        }
    }

    /// The record (a copy).
    ///
    /// # Panics
    /// If the entry holds none (a bug in the store).
    #[inline]
    pub(crate) fn unpack(&self) -> Record {
        match self {
            Stored::Failed(job) => Record::On(Ordered {
                half_enabled_since: None,
                blocker: Blocker::failed(*job),
                inflight: Inflight::Untracked,
            }),
            Stored::Tracked(job) => Record::On(Ordered {
                half_enabled_since: None,
                blocker: Blocker::Clear,
                inflight: Inflight::Tracked(JobSet::one(*job)),
            }),
            Stored::Boxed(record) => (**record).clone(),
            Stored::Orphan | Stored::Vacant(_) => unreachable!("no record in this entry"),
        }
    }

    /// Calls `f` with the record, borrowed: a boxed one in place (no copy, so no
    /// allocation for a spilled job set), an unboxed one rebuilt on the stack.
    ///
    /// # Panics
    /// If the entry holds none (a bug in the store).
    #[inline]
    pub(crate) fn view<R>(&self, f: impl FnOnce(&Record) -> R) -> R {
        match self {
            Stored::Boxed(record) => f(record),
            small => f(&small.unpack()),
        }
    }

    /// The record, taken out (a boxed one leaves an inactive record in its box,
    /// which [`Stored::put`] reuses).
    #[inline]
    pub(crate) fn take(&mut self) -> Record {
        match self {
            Stored::Boxed(record) => std::mem::take(&mut **record),
            other => other.unpack(),
        }
    }

    /// Stores `record`, reusing this entry's box if both need one (a hot key's
    /// record changes on every call: it should not allocate on every call).
    #[inline]
    pub(crate) fn put(&mut self, record: Record) {
        match (shape(&record), self) {
            (Some(stored), this) => *this = stored,
            (None, Stored::Boxed(slot)) => **slot = record,
            (None, this) => *this = Stored::Boxed(Box::new(record)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::Window;

    fn set(jobs: &[i64]) -> JobSet {
        let mut s = JobSet::new();
        for &j in jobs {
            s.insert(JobId(j));
        }
        s
    }

    /// Every shape of record round-trips, and only the two common ones stay unboxed.
    #[test]
    fn every_record_round_trips() {
        let blockers = [
            Blocker::Clear,
            Blocker::failed(JobId(3)),
            Blocker::Failed(set(&[3, 5])),
            Blocker::Drain(Window::Idle { since: 2 }),
            Blocker::Drain(Window::Holding(set(&[4]))),
            Blocker::Drain(Window::Holding(set(&[4, 6, 8]))),
        ];
        let inflights = [
            Inflight::Untracked,
            Inflight::Tracked(set(&[])),
            Inflight::Tracked(set(&[9])),
            Inflight::Tracked(set(&[9, 11])),
        ];
        let mut records = vec![Record::disabled(5, false), Record::disabled(5, true)];
        for half_enabled_since in [None, Some(7)] {
            for blocker in &blockers {
                for inflight in &inflights {
                    records.push(Record::On(Ordered {
                        half_enabled_since,
                        blocker: blocker.clone(),
                        inflight: inflight.clone(),
                    }));
                }
            }
        }
        let mut unboxed = 0;
        for record in records {
            let mut stored = pack(record.clone());
            assert_eq!(stored.unpack(), record);
            stored.view(|viewed| assert_eq!(viewed, &record));
            assert_eq!(stored.holds_workers(), record.holds_workers(), "{record:?}");
            unboxed += usize::from(!matches!(stored, Stored::Boxed(_)));
            // Through a box and back out of it.
            let mut boxed = Stored::Boxed(Box::default());
            boxed.put(record.clone());
            assert_eq!(boxed.take(), record);
            assert_eq!(stored.take(), record);
        }
        assert_eq!(unboxed, 2);
    }

    #[test]
    fn a_stored_record_is_sixteen_bytes() {
        assert_eq!(std::mem::size_of::<Stored>(), 16);
    }
}
