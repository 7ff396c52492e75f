//! The benches' keys: the router's shape, a `BarrierKey` of three short strings.
//! Shared by every bench (`memory.rs` takes this file alone).

use eventorder::BarrierKey;

/// `n` distinct keys: 97 workspaces, 31 destinations, one user per key.
pub fn router_keys(n: usize) -> Vec<BarrierKey> {
    (0..n)
        .map(|i| {
            BarrierKey::new(
                &format!("ws-{:04}", i % 97),
                &format!("dest-{:03}", i % 31),
                &format!("user-{i:06}"),
            )
        })
        .collect()
}
