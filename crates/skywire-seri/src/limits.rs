//! The limits applied while decoding untrusted payloads.

/// The decoder's default nesting limit, in tables. skynet's encoder produces
/// at most 33 nested tables ([`MAX_PACK_DEPTH`](crate::MAX_PACK_DEPTH) + 1),
/// so this accepts everything skynet sends while bounding recursion.
pub const DEFAULT_MAX_DEPTH: usize = 64;

/// Limits applied while decoding untrusted payloads.
///
/// ```
/// use skywire_seri::DecodeLimits;
/// let limits = DecodeLimits::default().max_depth(8);
/// assert_eq!(limits.get_max_depth(), 8);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    max_depth: usize,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

impl DecodeLimits {
    /// The default limits ([`DEFAULT_MAX_DEPTH`]).
    pub const fn new() -> Self {
        DecodeLimits {
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }

    /// Sets how many tables may be nested: a top-level table counts 1, a
    /// table inside it 2, and so on; a table beyond the limit is an error
    /// ([`DecodeErrorKind::TooDeep`](crate::DecodeErrorKind::TooDeep)). 0 rejects every table.
    ///
    /// Decoding recurses once per nesting level, so a very large limit lets a
    /// hostile payload use that much stack (each level is one small frame).
    pub const fn max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// The nesting limit in tables.
    pub const fn get_max_depth(&self) -> usize {
        self.max_depth
    }
}
