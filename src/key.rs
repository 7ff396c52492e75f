//! [`BarrierKey`]: the router's default ordering key.

use std::{
    cmp::Ordering,
    fmt,
    hash::{BuildHasher, Hash, Hasher},
    sync::OnceLock,
};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use triomphe::ThinArc;

/// The router's ordering key: workspace id, destination id, user id.
///
/// Cloning is cheap (one reference count): the barrier clones a key only when it
/// creates a record. The key hashes its parts once, when it is made, with a seed
/// random per process; hashing a key (which the barrier does on every call) then
/// feeds the hasher that one `u64`, and comparing two keys compares it first.
///
/// A key is two words (16 bytes): a pointer to one allocation holding the
/// reference count and the parts, and the fingerprint. The barrier stores one key
/// per record, so its size is part of the memory a record costs; the fingerprint
/// stays beside the pointer because hashing is all a call on a key with no record
/// does with the key, and it should not have to follow the pointer for that.
///
/// ```
/// use eventorder::BarrierKey;
/// let key = BarrierKey::new("workspace", "destination", "user");
/// assert_eq!(key.to_string(), "workspace:destination:user");
/// assert_eq!(key.user(), "user");
/// assert_ne!(key, BarrierKey::new("workspace:destination", "", "user"));
/// ```
#[derive(Clone)]
pub struct BarrierKey {
    /// The header, then the three parts concatenated (valid UTF-8: see `new`).
    inner: ThinArc<Header, u8>,
    /// A hash of the text and the two ends of the header.
    fingerprint: u64,
}

/// What a [`BarrierKey`] keeps beside its text.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Header {
    /// Where the workspace id ends in the text.
    workspace_end: u32,
    /// Where the destination id ends in the text.
    destination_end: u32,
}

/// The seed of [`BarrierKey`] fingerprints: random, fixed for the process.
fn fingerprint_seed() -> &'static foldhash::quality::RandomState {
    static SEED: OnceLock<foldhash::quality::RandomState> = OnceLock::new();
    SEED.get_or_init(Default::default)
}

impl BarrierKey {
    /// Makes a key from its three parts (each part may contain any characters).
    ///
    /// # Panics
    /// If the parts together are 4 GiB or longer.
    pub fn new(workspace: &str, destination: &str, user: &str) -> Self {
        let mut joined = String::with_capacity(workspace.len() + destination.len() + user.len());
        joined.push_str(workspace);
        joined.push_str(destination);
        joined.push_str(user);
        let end = |n: usize| u32::try_from(n).expect("BarrierKey parts must be under 4 GiB");
        let _ = end(joined.len());
        let workspace_end = end(workspace.len());
        let destination_end = end(workspace.len() + destination.len());
        let mut hasher = fingerprint_seed().build_hasher();
        hasher.write(joined.as_bytes());
        hasher.write_u64(u64::from(workspace_end) << 32 | u64::from(destination_end));
        let header = Header {
            workspace_end,
            destination_end,
        };
        BarrierKey {
            inner: ThinArc::from_header_and_slice(header, joined.as_bytes()),
            fingerprint: hasher.finish(),
        }
    }

    fn header(&self) -> &Header {
        &self.inner.header.header
    }

    /// The three parts, concatenated.
    fn joined(&self) -> &str {
        // The bytes were copied from a `&str` in `new`, so this cannot fail; it costs
        // one pass over a short key, and keeps the crate free of `unsafe`. Only the
        // accessors below and `Ord` read the text as `str`.
        std::str::from_utf8(&self.inner.slice).expect("a BarrierKey holds UTF-8")
    }

    /// The workspace id.
    pub fn workspace(&self) -> &str {
        &self.joined()[..self.header().workspace_end as usize]
    }

    /// The destination id.
    pub fn destination(&self) -> &str {
        let h = self.header();
        &self.joined()[h.workspace_end as usize..h.destination_end as usize]
    }

    /// The user id.
    pub fn user(&self) -> &str {
        &self.joined()[self.header().destination_end as usize..]
    }
}

impl Hash for BarrierKey {
    /// One write: the fingerprint made when the key was (equal keys have equal
    /// fingerprints, so this agrees with `Eq`).
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.fingerprint);
    }
}

impl PartialEq for BarrierKey {
    /// The fingerprints first (different ones settle it at once), then the same
    /// allocation, or the same ends and text.
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint == other.fingerprint
            && (self.inner.heap_ptr() == other.inner.heap_ptr() || self.same_text(other))
    }
}

impl BarrierKey {
    /// Whether two keys of different allocations have the same ends and text.
    /// Out of line and cold: a barrier compares the key a call names with the
    /// clone its record keeps, which shares the allocation, so this runs only for
    /// a key built twice (or a fingerprint collision); kept out of the index's
    /// probe loop, the call to `memcmp` makes no registers spill there.
    #[cold]
    #[inline(never)]
    fn same_text(&self, other: &Self) -> bool {
        self.header() == other.header() && self.inner.slice == other.inner.slice
    }
}

impl Eq for BarrierKey {}

impl PartialOrd for BarrierKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for BarrierKey {
    /// By the concatenated text, then where the parts end (so two keys whose parts
    /// concatenate alike still differ); never by the fingerprint.
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.header(), other.header());
        self.inner
            .slice
            .cmp(&other.inner.slice)
            .then(a.workspace_end.cmp(&b.workspace_end))
            .then(a.destination_end.cmp(&b.destination_end))
    }
}

impl fmt::Display for BarrierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.workspace(),
            self.destination(),
            self.user()
        )
    }
}

impl fmt::Debug for BarrierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string())
    }
}

#[derive(Serialize, Deserialize)]
struct Parts<'a> {
    workspace: std::borrow::Cow<'a, str>,
    destination: std::borrow::Cow<'a, str>,
    user: std::borrow::Cow<'a, str>,
}

impl Serialize for BarrierKey {
    /// Serialized as `{"workspace": …, "destination": …, "user": …}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Parts {
            workspace: self.workspace().into(),
            destination: self.destination().into(),
            user: self.user().into(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for BarrierKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = Parts::deserialize(d)?;
        Ok(BarrierKey::new(&p.workspace, &p.destination, &p.user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_survive_separators_and_serde() {
        let k = BarrierKey::new("w:1", "", "u");
        assert_eq!((k.workspace(), k.destination(), k.user()), ("w:1", "", "u"));
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, r#"{"workspace":"w:1","destination":"","user":"u"}"#);
        assert_eq!(serde_json::from_str::<BarrierKey>(&json).unwrap(), k);
    }

    /// Two words: the barrier stores a key per record.
    #[test]
    fn a_key_is_two_words() {
        assert_eq!(std::mem::size_of::<BarrierKey>(), 16);
        assert_eq!(std::mem::size_of::<Option<BarrierKey>>(), 16);
    }

    #[test]
    fn equal_keys_hash_alike_and_parts_matter() {
        let hash = |k: &BarrierKey| foldhash::fast::FixedState::with_seed(7).hash_one(k);
        let a = BarrierKey::new("ws", "dest", "user");
        let b = BarrierKey::new("ws", "dest", "user");
        assert_ne!(a.inner.heap_ptr(), b.inner.heap_ptr());
        assert_eq!(a, b);
        assert_eq!(hash(&a), hash(&b));
        assert_eq!(a.cmp(&b), std::cmp::Ordering::Equal);
        for other in [
            BarrierKey::new("wsd", "est", "user"),
            BarrierKey::new("ws", "destu", "ser"),
            BarrierKey::new("ws", "dest", "usex"),
        ] {
            assert_ne!(a, other);
            assert_ne!(hash(&a), hash(&other));
            assert_ne!(a.cmp(&other), std::cmp::Ordering::Equal);
        }
    }
}
