//! The pipeline's flags: guarantees broken, and what the last step did.

/// Sticky violation flags (set by the step that breaks a guarantee).
pub mod violation {
    /// An ordered job ended through the worker (delivered, filtered or aborted
    /// after a send) after a later ordered job of its key. Since a key's commit
    /// queue is FIFO, this is also the commit order.
    pub const END_ORDER: u8 = 1;
    /// A job admitted after a refused job of its key in the same batch.
    pub const BATCH_ORDER: u8 = 4;
    /// With restarts: a job delivered for the first time after a later job of
    /// its key was (G-ORDER across restarts, from the delivery log).
    pub const FIRST_DELIVERY: u8 = 2;
    /// A job sent while an earlier job of its key is failed.
    pub const BLOCK: u8 = 8;
    /// G-LIMIT: an admission at or above the threshold into a tracking record,
    /// a tracked set that is not the ghost set, or a key turned `Disabled`
    /// without earning it.
    pub const LIMIT: u8 = 16;
}

/// What the last step did, for the `sometimes` properties (cleared every step).
pub mod event {
    /// A key went from `HalfEnabled` back to `Enabled`.
    pub const CAME_BACK: u16 = 1;
    /// G-ORDER compared a job with an earlier one of its key while another job
    /// of the key is a leftover: both were admitted after the key came back.
    pub const ORDER_AFTER_COMEBACK: u16 = 2;
    /// A key went hot (R-ENTER-HOT) while its drain window was open.
    pub const HOT_DROPS_WINDOW: u16 = 4;
    /// The predicate reset a record (R-MODE) with an open drain window.
    pub const PREDICATE_DROPS_WINDOW: u16 = 8;
    /// A `leave` took a job out of a tracking record's in-flight set.
    pub const LEAVE_TRACKED: u16 = 16;
    /// A key went hot (R-ENTER-HOT).
    pub const WENT_HOT: u16 = 32;
    /// The predicate reset a record (R-MODE).
    pub const PREDICATE_RESET: u16 = 64;
    /// After a refusal, the pickup loop skipped a later job of the key.
    pub const SKIPPED: u16 = 128;
    /// After the refusal of a job older than the key's failed job, the pickup
    /// loop offered a later job of the key (SPEC.md section 1's exception).
    pub const EXCEPTION: u16 = 256;
    /// The router restarted.
    pub const RESTART: u16 = 512;
    /// A batch left out a job not yet due.
    pub const NOT_DUE_LEFT_OUT: u16 = 1024;
    /// A batch left out a key whose oldest pending job is not yet due
    /// ([`crate::pipeline::RestartContract::SkipNotDue`]).
    pub const KEY_SKIPPED_NOT_DUE: u16 = 2048;
    /// A job was delivered again (at least once, after a restart).
    pub const DUPLICATE: u16 = 4096;
    /// A warm start reported a failed job to the new barrier.
    pub const WARM_START_REPORTS: u16 = 8192;
}
