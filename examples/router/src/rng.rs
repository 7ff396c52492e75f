//! A tiny seeded PRNG (SplitMix64) and a Zipf-like key sampler, so that a seed
//! fixes the key assignment and, with the job and its attempts, each destination answer.

/// SplitMix64: small, fast, good enough for a simulation; not for cryptography.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`, mixed with `stream` so that several generators made
    /// from one seed (one per worker) do not produce the same numbers.
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut rng = Rng(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        rng.next_u64();
        rng
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Picks key indices: uniformly for `skew == 0`, otherwise with weight
/// `1 / (rank + 1)^skew` (a few keys get most of the traffic, as in real
/// workspaces, which is what makes keys go hot).
pub struct KeySampler {
    cumulative: Vec<f64>,
}

impl KeySampler {
    /// A sampler over `keys` keys (at least one) with the given skew (>= 0).
    pub fn new(keys: usize, skew: f64) -> Self {
        let mut total = 0.0;
        let cumulative = (0..keys)
            .map(|rank| {
                total += 1.0 / ((rank + 1) as f64).powf(skew);
                total
            })
            .collect();
        KeySampler { cumulative }
    }

    /// A key index in `0..keys`.
    pub fn sample(&self, rng: &mut Rng) -> u32 {
        let total = *self.cumulative.last().expect("at least one key");
        let x = rng.unit() * total;
        let i = self.cumulative.partition_point(|&c| c <= x);
        i.min(self.cumulative.len() - 1) as u32
    }
}
