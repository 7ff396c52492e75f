//! [`JobSet`]: the small set of job ids a record keeps (in-flight jobs, drain window).

use crate::JobId;

/// A set of job ids, kept sorted.
///
/// Job ids arrive mostly in increasing order, so inserts usually append; sets are
/// small (bounded by `key_threshold` or `drain_limit`), so a sorted vector beats a
/// hash set in both time and memory. Up to two jobs are kept inline (the common
/// case: a tracked in-flight job or a drain window of one or two jobs), so such a
/// set never allocates; from three jobs on they spill to a vector. The
/// representation is canonical (three or more jobs if and only if spilled), so the
/// derived equality is set equality.
///
/// This is a speed and memory measure (issue 5: the router's production
/// `drain_limit` is 1, and a key usually has one job in flight), not a change of
/// meaning: every operation behaves as on a plain sorted vector.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct JobSet {
    jobs: Jobs,
}

/// The storage of a [`JobSet`]: 24 bytes, the size of a `Vec`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Jobs {
    #[default]
    Empty,
    One(JobId),
    /// Two jobs, ascending.
    Two([JobId; 2]),
    /// Three or more jobs, ascending.
    Spilled(Vec<JobId>),
}

impl JobSet {
    /// The empty set (no allocation).
    pub(crate) const fn new() -> Self {
        JobSet { jobs: Jobs::Empty }
    }

    /// The jobs in ascending order.
    #[inline]
    fn as_slice(&self) -> &[JobId] {
        match &self.jobs {
            Jobs::Empty => &[],
            Jobs::One(job) => std::slice::from_ref(job),
            Jobs::Two(jobs) => jobs,
            Jobs::Spilled(jobs) => jobs,
        }
    }

    #[inline]
    pub(crate) fn contains(&self, job: JobId) -> bool {
        let sorted = self.as_slice();
        match sorted.last() {
            Some(&last) if last == job => true,
            Some(&last) if last < job => false,
            None => false,
            _ => sorted.binary_search(&job).is_ok(),
        }
    }

    /// Adds `job`; returns whether it was new.
    #[inline]
    pub(crate) fn insert(&mut self, job: JobId) -> bool {
        if self.contains(job) {
            return false;
        }
        self.jobs = match std::mem::take(&mut self.jobs) {
            Jobs::Empty => Jobs::One(job),
            Jobs::One(a) if a < job => Jobs::Two([a, job]),
            Jobs::One(a) => Jobs::Two([job, a]),
            Jobs::Two(two) => {
                let mut sorted = Vec::with_capacity(4);
                sorted.extend_from_slice(&two);
                sorted.insert(sorted.partition_point(|&j| j < job), job);
                Jobs::Spilled(sorted)
            }
            Jobs::Spilled(mut sorted) => {
                // Usually an append: `contains` ruled `job` out.
                sorted.insert(sorted.partition_point(|&j| j < job), job);
                Jobs::Spilled(sorted)
            }
        };
        true
    }

    /// Removes `job`; returns whether it was there. Back to inline storage at two
    /// jobs, so a record does not keep a large allocation after a burst.
    #[inline]
    pub(crate) fn remove(&mut self, job: JobId) -> bool {
        if !self.contains(job) {
            return false;
        }
        self.jobs = match std::mem::take(&mut self.jobs) {
            Jobs::Empty | Jobs::One(_) => Jobs::Empty,
            Jobs::Two([a, b]) => Jobs::One(if a == job { b } else { a }),
            Jobs::Spilled(mut sorted) => {
                if let Ok(at) = sorted.binary_search(&job) {
                    sorted.remove(at);
                }
                match *sorted {
                    [a, b] => Jobs::Two([a, b]),
                    _ => Jobs::Spilled(sorted),
                }
            }
        };
        true
    }

    /// The set of one job (no allocation).
    #[inline]
    pub(crate) const fn one(job: JobId) -> Self {
        JobSet {
            jobs: Jobs::One(job),
        }
    }

    /// The job, if the set holds exactly one.
    #[inline]
    pub(crate) fn single(&self) -> Option<JobId> {
        match self.jobs {
            Jobs::One(job) => Some(job),
            _ => None,
        }
    }

    /// The oldest (smallest) job, if any.
    #[inline]
    pub(crate) fn first(&self) -> Option<JobId> {
        self.as_slice().first().copied()
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.as_slice().len()
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        matches!(self.jobs, Jobs::Empty)
    }

    /// The jobs in ascending order.
    pub(crate) fn to_vec(&self) -> Vec<JobId> {
        self.as_slice().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_a_set_in_any_insertion_order() {
        let mut s = JobSet::new();
        for j in [5, 3, 9, 3, 7, 9, 1] {
            s.insert(JobId(j));
        }
        assert_eq!(s.to_vec(), [1, 3, 5, 7, 9].map(JobId));
        assert!(s.contains(JobId(7)) && !s.contains(JobId(8)) && !s.contains(JobId(10)));
        assert_eq!(s.first(), Some(JobId(1)));
        assert!(s.remove(JobId(3)) && !s.remove(JobId(3)));
        assert_eq!(s.len(), 4);
        for j in [1, 5, 7, 9] {
            s.remove(JobId(j));
        }
        assert!(s.is_empty());
    }

    #[test]
    fn matches_a_sorted_vector_through_spills_and_shrinks() {
        // A small deterministic walk over inserts and removes of ids 0..6.
        let mut set = JobSet::new();
        let mut model: Vec<JobId> = Vec::new();
        let mut x: u32 = 12345;
        for _ in 0..2000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let job = JobId(i64::from((x >> 16) % 6));
            if (x >> 8).is_multiple_of(3) {
                let was = model.contains(&job);
                model.retain(|&j| j != job);
                assert_eq!(set.remove(job), was);
            } else {
                let new = !model.contains(&job);
                if new {
                    model.push(job);
                    model.sort();
                }
                assert_eq!(set.insert(job), new);
            }
            assert_eq!(set.to_vec(), model);
            assert_eq!(set.len(), model.len());
            assert_eq!(set.is_empty(), model.is_empty());
            assert_eq!(set.first(), model.first().copied());
            assert_eq!(matches!(set.jobs, Jobs::Spilled(_)), model.len() >= 3);
            let mut rebuilt = JobSet::new();
            for &j in model.iter().rev() {
                rebuilt.insert(j);
            }
            assert_eq!(rebuilt, set, "equality is set equality");
            for j in 0..6 {
                assert_eq!(set.contains(JobId(j)), model.contains(&JobId(j)));
            }
        }
        assert_eq!(std::mem::size_of::<JobSet>(), 24);
    }
}
