//! Seeded random numbers (`fastrand`) and a Zipf-like key sampler, so that a seed
//! fixes the key assignment and, with the job and its attempts, each destination answer.

/// `fastrand`'s generator, seeded from a seed and a stream: small, fast, good
/// enough for a simulation; not for cryptography. The same seed and stream give
/// the same numbers with the `fastrand` of `Cargo.lock`.
#[derive(Clone, Debug)]
pub struct Rng(fastrand::Rng);

impl Rng {
    /// A generator for `seed`, mixed with `stream` so that several generators made
    /// from one seed (one per worker) do not produce the same numbers.
    pub fn new(seed: u64, stream: u64) -> Self {
        Rng(fastrand::Rng::with_seed(
            seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F),
        ))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.u64(..)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        self.0.f64()
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
