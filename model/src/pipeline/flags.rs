//! The pipeline's flags: guarantees broken, and what the last step did.

/// Sticky violation flags (set by the step that breaks a guarantee).
pub mod violation {
    /// An ordered job ended through the worker (delivered, filtered or aborted
    /// after a send) after a later ordered job of its key. Since a key's commit
    /// queue is FIFO, this is also the commit order.
    pub const END_ORDER: u8 = 1;
    /// A job admitted after a refused offer of its key in the same round.
    pub const BATCH_ORDER: u8 = 4;
    /// With restarts: a job delivered for the first time after a later job of
    /// its key was (G-ORDER across restarts, from the delivery log).
    pub const FIRST_DELIVERY: u8 = 2;
    /// A job sent while an earlier job of its key is failed.
    pub const BLOCK: u8 = 8;
    /// G-LIMIT: a tracked set that is not the ghost set, or a key whose
    /// barrier mode is `Disabled` where the ghost's is not, or the reverse (a
    /// key turned `Disabled` without earning it, or not turned hot when it
    /// earned it).
    pub const LIMIT: u8 = 16;
    /// G-DRAIN: a job admitted into an open window while `drain_limit` (in
    /// force) of the window's jobs were in flight, or more than `drain_limit`
    /// of them in flight while it has not changed since the window opened.
    pub const DRAIN: u8 = 32;
    /// The barrier's mode is not the ghost's (G-ORDER: its `Enabled` periods
    /// and leftovers are the ghost's).
    pub const MODE: u8 = 64;
    /// G-GC: a quiet key whose ghost record is gone still has a record.
    pub const GC: u8 = 128;
}

/// What the last step did, for the `sometimes` properties (cleared every step).
pub mod event {
    /// A key went from `HalfEnabled` back to `Enabled`.
    pub const CAME_BACK: u32 = 1;
    /// G-ORDER compared a job with an earlier one of its key while another job
    /// of the key is a leftover: both were admitted after the key came back.
    pub const ORDER_AFTER_COMEBACK: u32 = 2;
    /// A key went hot (R-ENTER-HOT) while its drain window was open.
    pub const HOT_DROPS_WINDOW: u32 = 4;
    /// The predicate reset a record (R-MODE) with an open drain window.
    pub const PREDICATE_DROPS_WINDOW: u32 = 8;
    /// A `leave` took a job out of a tracking record's in-flight set.
    pub const LEAVE_TRACKED: u32 = 16;
    /// A key went hot (R-ENTER-HOT).
    pub const WENT_HOT: u32 = 32;
    /// The predicate reset a record (R-MODE).
    pub const PREDICATE_RESET: u32 = 64;
    /// The round answered an offer `Skipped`.
    pub const SKIPPED: u32 = 128;
    /// A job older than its key's oldest failed job was admitted (v2 refused
    /// it and reported an illegal sequence: G-QUIET's antecedent).
    pub const OLDER_THAN_FAILED: u32 = 256;
    /// The router restarted.
    pub const RESTART: u32 = 512;
    /// A batch left out a job not yet due.
    pub const NOT_DUE_LEFT_OUT: u32 = 1024;
    /// A batch left out a key whose oldest pending job is not yet due
    /// ([`crate::pipeline::RestartContract::SkipNotDue`]).
    pub const KEY_SKIPPED_NOT_DUE: u32 = 2048;
    /// A job was delivered again (at least once, after a restart).
    pub const DUPLICATE: u32 = 4096;
    /// A warm start reported a failed job to the new barrier.
    pub const WARM_START_REPORTS: u32 = 8192;
    /// A batch held fewer jobs than were due and pending (a bounded batch).
    pub const BATCH_FULL: u32 = 16384;
    /// The round answered an offer `OutOfOrder` (a repeated job).
    pub const OUT_OF_ORDER: u32 = 32768;
    /// G-ORDER compared a job that ended with an earlier one of its key.
    pub const ORDER_COMPARED: u32 = 1 << 16;
    /// A job was admitted into an open drain window (G-DRAIN's antecedent).
    pub const WINDOW_ADMITS: u32 = 1 << 17;
    /// G-ORDER compared a job with one of its key that ended in an earlier
    /// `Enabled` period (the ghost left `Enabled` in between).
    pub const ORDER_ACROSS_PERIODS: u32 = 1 << 18;
    /// A `sync` lowered a positive `drain_limit` to another positive one while
    /// a window held a job in flight.
    pub const WINDOW_LIMIT_LOWERED: u32 = 1 << 19;
    /// A `sync` raised a positive `drain_limit` while a window held a job in
    /// flight.
    pub const WINDOW_LIMIT_RAISED: u32 = 1 << 20;
    /// A `sync`'s timer step (or idle window) removed a quiet key's ghost
    /// record (G-GC's time bound is then checked).
    pub const TIMER_COLLECTS: u32 = 1 << 21;
}
