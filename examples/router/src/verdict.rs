//! The order check, against the delivery log and the commit log: within one
//! ordering epoch of a key (ordering surely on), no entry may come after an entry
//! of the same key with a larger job id (G-ORDER).

use std::collections::HashSet;

/// One delivery or terminal commit.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub key: u32,
    pub job: i64,
    /// The ordering epoch it is checked in; `None`: ordering was not surely on.
    pub epoch: Option<u32>,
}

#[derive(Debug, Default)]
pub struct Check {
    /// Entries checked (ordering on).
    pub checked: u64,
    /// Entries that came after a later job of their key.
    pub violations: u64,
    /// Keys with at least one violation.
    pub keys: usize,
    /// A few examples, for the report: (key index, job, the later job before it).
    pub examples: Vec<(u32, i64, i64)>,
}

/// Checks the log of one or more threads; each key must appear in one log only
/// (a worker's) or the logs must be one (the commit loop's).
pub fn check<'a>(logs: impl IntoIterator<Item = &'a [Entry]>, keys: usize) -> Check {
    let mut highest: Vec<Option<(u32, i64)>> = vec![None; keys];
    let mut bad_keys = HashSet::new();
    let mut check = Check::default();
    for log in logs {
        for e in log {
            let Some(epoch) = e.epoch else { continue };
            check.checked += 1;
            let slot = &mut highest[e.key as usize];
            match *slot {
                Some((ep, top)) if ep == epoch && top > e.job => {
                    check.violations += 1;
                    bad_keys.insert(e.key);
                    if check.examples.len() < 5 {
                        check.examples.push((e.key, e.job, top));
                    }
                }
                _ => *slot = Some((epoch, e.job)),
            }
        }
    }
    check.keys = bad_keys.len();
    check
}
