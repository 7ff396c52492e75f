//! The names of the shipped configurations, shared by `check` (which builds
//! them) and `mutants` (each names the configuration that refutes it).

/// One key, three jobs, one failure each; workers report `executing`.
pub const BASE: &str = "base: 1 key x 3 jobs x 1 failure";
/// A hot key.
pub const HOT: &str = "hot key (threshold 2, timers 1+1)";
/// A hot key whose jobs come back after a leave: G-ORDER after a comeback.
pub const HOT_LEAVE: &str = "hot key + leave (threshold 3, 6 jobs)";
/// A hot key with a drain window.
pub const HOT_DRAIN: &str = "hot key + drain 1 (threshold 1)";
/// The predicate toggled over failed jobs (SPEC v1's stuck key).
pub const TOGGLE: &str = "ordering_disabled toggle";
/// The predicate toggled over drain windows and a hot key.
pub const TOGGLE_DRAIN: &str = "toggle + drain 1 + threshold 2";
/// Live changes that switch the limits off and back on.
pub const LIVE_OFF: &str = "live change: limits off and back";
/// Live changes that switch the limits on (drain 2) and back off.
pub const LIVE_ON: &str = "live change: limits on (drain 2) and back";
/// A live change of `drain_limit` in the middle of a batch.
pub const LIVE_MID_BATCH: &str = "live change mid-batch: drain 1 -> 0, 4 jobs";
/// `leave` with drain windows.
pub const LEAVE_DRAIN: &str = "leave + drain 1";
/// A drain window of two.
pub const DRAIN_2: &str = "drain 2, idle 0: 1 key x 4 jobs x 1 failure";
/// Two keys.
pub const TWO_BY_TWO: &str = "2 keys x 2 jobs x 2 failures, drain 1";
/// Two keys, three jobs each.
pub const TWO_BY_THREE_ONE: &str = "2 keys x 3 jobs x 1 failure, drain 1";
/// Two keys, three jobs each, two failures.
pub const TWO_BY_THREE_TWO: &str = "2 keys x 3 jobs x 2 failures, drain 1";
/// `--deep`: two keys, a hot key, the predicate and drain windows.
pub const DEEP_TWO_KEYS_HOT_TOGGLE: &str = "deep: 2 keys x 2 jobs, threshold 1, a toggle, drain 1";
/// `--deep`: a hot key, leaves, failures and a drain window.
pub const DEEP_HOT_LEAVE_FAILURES: &str = "deep: hot key + leave + drain 1, 4 jobs x 1 failure";
/// `--deep`: live changes among three settings, 4 jobs.
pub const DEEP_LIVE: &str = "deep: live changes, limits on and back, 4 jobs";
/// A hot key with a batch of one: the v2 livelock's configuration.
pub const HOT_BATCH_1: &str = "hot key, batch 1: 1 key x 3 jobs, threshold 2";
/// A hot key with a batch of two, four jobs.
pub const HOT_BATCH_2: &str = "hot key, batch 2: 1 key x 4 jobs, threshold 2";
/// Two keys, a batch of two.
pub const TWO_KEYS_BATCH_2: &str = "batch 2: 2 keys x 2 jobs x 2 failures, drain 1";
/// Two keys, a batch of one, backoff: one key's held jobs can take the
/// whole batch.
pub const TWO_KEYS_BATCH_1: &str = "batch 1: 2 keys x 2 jobs x 1 failure, backoff";
/// A batch that repeats a job (R-OFFER's `OutOfOrder`).
pub const MISORDERED: &str = "a batch repeats a job: 1 key x 3 jobs";
/// A live change of a positive `drain_limit` (2 -> 1 and 1 -> 2).
pub const LIVE_DRAIN: &str = "live change: drain 2 <-> 1, 1 key x 4 jobs";
/// A window held while its positive `drain_limit` is raised (1 -> 2), with a
/// hot key.
pub const LIVE_DRAIN_UP: &str = "live change: drain 1 -> 2, threshold 2, 3 jobs";
/// The misuse R-SYNC forbids.
pub const TWO_LOOPS: &str = "two pickup loops, one barrier";
/// Retry backoff without a restart (every restart configuration has
/// backoff too).
pub const BACKOFF: &str = "backoff only: 2 keys x 2 jobs x 2 failures";
/// Two restarts, one key, warm start.
pub const RESTART_ONE_KEY: &str = "restart x2: 1 key x 3 jobs x 2 failures, drain 1";
/// A restart, two keys on one worker, warm start.
pub const RESTART_TWO_KEYS: &str = "restart: 2 keys x 2 jobs, 1 worker, threshold 9";
/// `--deep`: a restart after a key went hot (threshold 1), warm start.
pub const RESTART_HOT: &str = "deep: restart, hot key: 1 key x 3 jobs, threshold 1";
/// A restart after a key went hot (threshold 2), warm start.
pub const RESTART_HOT_TWO: &str = "restart, hot key: 1 key x 3 jobs, threshold 2";
/// A restart after the predicate held for a key, warm start.
pub const RESTART_TOGGLE: &str = "restart, toggle: 1 key x 3 jobs, 2 toggles";
/// A restart after a key went hot, with a batch of one.
pub const RESTART_HOT_BATCH_1: &str = "restart, hot key, batch 1: 1 key x 3 jobs";
/// A restart without a contract (an expected refutation).
pub const RESTART_NO_CONTRACT: &str = "restart, no contract: 1 key x 2 jobs";
/// A restart with a `leave` of a tracked job, warm start.
pub const RESTART_LEAVE: &str = "restart + leave: 1 key x 3 jobs, threshold 9";
/// `--deep`: a restart with live changes of the settings (limits off and
/// back), warm start.
pub const DEEP_RESTART_LIVE: &str = "deep: restart + live change: limits off and back";
/// A restart with a drain window and a hot key, warm start.
pub const RESTART_HOT_DRAIN: &str = "restart, hot key + drain 1 (threshold 1)";
/// `--deep`, not pinned (more than 100 million states): a restart with two
/// keys on one worker, a key going hot, warm start.
pub const SLOW_RESTART_TWO_KEYS_HOT: &str = "slow: restart: 2 keys x 2 jobs, 1 worker, threshold 1";
/// `--deep`, not pinned (15 to 45 minutes): a restart after a key went hot,
/// four jobs (threshold 2).
pub const SLOW_RESTART_HOT_FOUR_JOBS: &str = "slow: restart, hot key: 1 key x 4 jobs, threshold 2";
/// `--deep`: two restarts, one key, four jobs, warm start.
pub const DEEP_RESTART_FOUR_JOBS: &str = "deep: restart x2: 1 key x 4 jobs, threshold 9";
/// `--deep`: two restarts, two keys, warm start.
pub const DEEP_RESTART_TWO_KEYS: &str = "deep: restart x2: 2 keys x 2 jobs, drain 1";

/// Every name, with its constant's name (for tests that list them).
pub const ALL: &[(&str, &str)] = &[
    ("BASE", BASE),
    ("HOT", HOT),
    ("HOT_LEAVE", HOT_LEAVE),
    ("HOT_DRAIN", HOT_DRAIN),
    ("TOGGLE", TOGGLE),
    ("TOGGLE_DRAIN", TOGGLE_DRAIN),
    ("LIVE_OFF", LIVE_OFF),
    ("LIVE_ON", LIVE_ON),
    ("LIVE_MID_BATCH", LIVE_MID_BATCH),
    ("LEAVE_DRAIN", LEAVE_DRAIN),
    ("DRAIN_2", DRAIN_2),
    ("TWO_BY_TWO", TWO_BY_TWO),
    ("TWO_BY_THREE_ONE", TWO_BY_THREE_ONE),
    ("TWO_BY_THREE_TWO", TWO_BY_THREE_TWO),
    ("DEEP_TWO_KEYS_HOT_TOGGLE", DEEP_TWO_KEYS_HOT_TOGGLE),
    ("DEEP_HOT_LEAVE_FAILURES", DEEP_HOT_LEAVE_FAILURES),
    ("DEEP_LIVE", DEEP_LIVE),
    ("HOT_BATCH_1", HOT_BATCH_1),
    ("HOT_BATCH_2", HOT_BATCH_2),
    ("TWO_KEYS_BATCH_2", TWO_KEYS_BATCH_2),
    ("TWO_KEYS_BATCH_1", TWO_KEYS_BATCH_1),
    ("MISORDERED", MISORDERED),
    ("LIVE_DRAIN", LIVE_DRAIN),
    ("LIVE_DRAIN_UP", LIVE_DRAIN_UP),
    ("TWO_LOOPS", TWO_LOOPS),
    ("BACKOFF", BACKOFF),
    ("RESTART_ONE_KEY", RESTART_ONE_KEY),
    ("RESTART_TWO_KEYS", RESTART_TWO_KEYS),
    ("RESTART_HOT", RESTART_HOT),
    ("RESTART_HOT_TWO", RESTART_HOT_TWO),
    ("RESTART_TOGGLE", RESTART_TOGGLE),
    ("RESTART_HOT_BATCH_1", RESTART_HOT_BATCH_1),
    ("RESTART_NO_CONTRACT", RESTART_NO_CONTRACT),
    ("DEEP_RESTART_FOUR_JOBS", DEEP_RESTART_FOUR_JOBS),
    ("DEEP_RESTART_TWO_KEYS", DEEP_RESTART_TWO_KEYS),
    ("RESTART_LEAVE", RESTART_LEAVE),
    ("DEEP_RESTART_LIVE", DEEP_RESTART_LIVE),
    ("RESTART_HOT_DRAIN", RESTART_HOT_DRAIN),
    ("SLOW_RESTART_TWO_KEYS_HOT", SLOW_RESTART_TWO_KEYS_HOT),
    ("SLOW_RESTART_HOT_FOUR_JOBS", SLOW_RESTART_HOT_FOUR_JOBS),
];
