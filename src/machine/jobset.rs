//! [`JobSet`]: the small set of job ids a record keeps (in-flight jobs, drain window).

use crate::JobId;

/// A set of job ids, kept sorted.
///
/// Job ids arrive mostly in increasing order, so inserts usually append; sets are
/// small (bounded by `key_threshold` or `drain_limit`), so a sorted vector beats a
/// hash set in both time and memory. An empty set does not allocate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct JobSet {
    sorted: Vec<JobId>,
}

impl JobSet {
    /// The empty set (no allocation).
    pub(crate) const fn new() -> Self {
        JobSet { sorted: Vec::new() }
    }

    pub(crate) fn contains(&self, job: JobId) -> bool {
        match self.sorted.last() {
            Some(&last) if last == job => true,
            Some(&last) if last < job => false,
            None => false,
            _ => self.sorted.binary_search(&job).is_ok(),
        }
    }

    /// Adds `job`; returns whether it was new.
    pub(crate) fn insert(&mut self, job: JobId) -> bool {
        match self.sorted.last() {
            None => {
                self.sorted.push(job);
                true
            }
            Some(&last) if last < job => {
                self.sorted.push(job);
                true
            }
            _ => match self.sorted.binary_search(&job) {
                Ok(_) => false,
                Err(at) => {
                    self.sorted.insert(at, job);
                    true
                }
            },
        }
    }

    /// Removes `job`; returns whether it was there. Frees the storage once empty, so
    /// a record does not keep a large allocation after a burst.
    pub(crate) fn remove(&mut self, job: JobId) -> bool {
        match self.sorted.binary_search(&job) {
            Ok(at) => {
                self.sorted.remove(at);
                if self.sorted.is_empty() {
                    self.sorted = Vec::new();
                }
                true
            }
            Err(_) => false,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.sorted.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The jobs in ascending order.
    pub(crate) fn to_vec(&self) -> Vec<JobId> {
        self.sorted.clone()
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
        assert!(s.remove(JobId(3)) && !s.remove(JobId(3)));
        assert_eq!(s.len(), 4);
        for j in [1, 5, 7, 9] {
            s.remove(JobId(j));
        }
        assert!(s.is_empty());
    }
}
