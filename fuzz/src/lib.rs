//! Shared pieces of the skywire fuzz targets (`fuzz_targets/*.rs`).
//!
//! The oracles here are computed independently of the code under test, from the rules in
//! `spec/`: [`seri`] has its own lua-seri encoder and the encoder's refusal rules, [`model`]
//! re-implements packet parsing and reassembly (both directions, with [`Limits`]) straight
//! from `spec/protocol.md` and `spec/errors.md`. [`stream`] drives the codec's stream decoders
//! over inputs cut into chunks; [`wire`] reads outgoing frames through every `Buf` path.
//!
//! [`Limits`]: skywire_codec::Limits

pub mod arb;
pub mod model;
pub mod seri;
pub mod stream;
pub mod wire;

/// Asserts two byte strings are equal; on failure names `what`, the lengths and the first
/// differing offset instead of dumping kilobytes.
#[track_caller]
pub fn assert_same_bytes(got: &[u8], want: &[u8], what: &str) {
    if got != want {
        let at = got.iter().zip(want).take_while(|(a, b)| a == b).count();
        panic!(
            "{what}: {} bytes vs {} expected, first difference at byte {at}",
            got.len(),
            want.len()
        );
    }
}

/// A tiny deterministic generator (xorshift32), for choices derived from a fuzz input.
#[derive(Clone, Debug)]
pub struct Rng(u32);

impl Rng {
    /// A generator seeded from `seed` (any value, 0 included).
    pub fn new(seed: u32) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9) | 1)
    }

    /// The next number.
    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }

    /// A number in `1..=max` (`max` at least 1).
    pub fn size(&mut self, max: usize) -> usize {
        1 + (self.next_u32() as usize) % max.max(1)
    }
}
