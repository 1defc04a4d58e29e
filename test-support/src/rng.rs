//! A small deterministic generator (xorshift64) for reproducible test inputs:
//! the same seed gives the same sequence on every run.

/// xorshift64: `x ^= x << 13; x ^= x >> 7; x ^= x << 17`.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (0, which xorshift cannot leave, counts as 1).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next number of the sequence.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// The next number reduced to `0..n` (`0..1` when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_is_xorshift64() {
        let mut r = Rng::new(1);
        assert_eq!(r.next(), 1082269761);
        let mut zero = Rng::new(0);
        assert_eq!(zero.next(), 1082269761, "seed 0 counts as 1");
    }
}
