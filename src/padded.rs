//! [`Padded`]: a value on its own cache lines.

/// A value on its own cache lines (128 bytes: two 64-byte lines, for CPUs that
/// fetch lines in pairs), so that two cores writing neighbouring values (shard
/// locks, counter stripes) do not contend for one line (no false sharing).
#[repr(align(128))]
pub(crate) struct Padded<T>(pub(crate) T);
