//! Encoding and decoding errors.

use crate::wire;

/// Why a list of values cannot be packed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A value is enclosed in more than [`MAX_PACK_DEPTH`](crate::MAX_PACK_DEPTH)
    /// tables (skynet: "serialize can't pack too depth table").
    #[error("value nested in {depth} tables, more than skynet's limit of 32")]
    TooDeep {
        /// The depth (number of enclosing tables) of the first offending value.
        depth: usize,
    },
    /// A string longer than `u32::MAX` bytes has no encoding.
    #[error("string of {len} bytes is longer than the 4 GiB lua-seri can carry")]
    StringTooLong {
        /// The string's length.
        len: usize,
    },
    /// A table's hash part has a `nil` key: Lua tables cannot have one, and on
    /// the wire a nil in key position ends the table.
    #[error("table key is nil")]
    NilKey,
    /// A table's hash part has a NaN key: Lua tables cannot have one and
    /// skynet's decoder raises an error on it.
    #[error("table key is NaN")]
    NanKey,
}

/// Why a payload cannot be unpacked, and where.
///
/// `offset` counts bytes from the start of the payload and points at the
/// first byte of the offending value (its type byte), or at the byte where a
/// value was expected but the input ended.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {kind}")]
pub struct DecodeError {
    offset: usize,
    kind: DecodeErrorKind,
}

impl DecodeError {
    /// An error of `kind` at byte `offset`.
    pub const fn new(offset: usize, kind: DecodeErrorKind) -> Self {
        DecodeError { offset, kind }
    }

    /// Byte offset (from the start of the payload) of the offending value.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// What was wrong.
    pub const fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }
}

/// What was wrong with a payload.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The type byte has type tag 7, which lua-seri does not define.
    #[error("unknown type {} (type byte {byte:#04x})", byte & 7)]
    UnknownType {
        /// The whole type byte.
        byte: u8,
    },
    /// The cookie is not valid for the type (e.g. boolean 2, number width 3).
    #[error("invalid cookie {cookie} for type {ty} ({})", wire::type_tag_name(*ty))]
    BadCookie {
        /// The type tag (low 3 bits).
        ty: u8,
        /// The cookie (high 5 bits).
        cookie: u8,
    },
    /// The value needs more bytes than the payload has left.
    #[error("truncated: the value needs {needed} bytes, {available} left")]
    Truncated {
        /// Bytes the value needs, counted from `offset` (as far as known).
        needed: usize,
        /// Bytes left from `offset` to the end of the payload.
        available: usize,
    },
    /// A table's array length is larger than the bytes left (every item takes
    /// at least one byte), so the payload cannot hold it.
    #[error("table array size {len} exceeds the {remaining} bytes left")]
    ArrayTooLarge {
        /// The announced array length.
        len: u64,
        /// Bytes left after the array length.
        remaining: usize,
    },
    /// A table's escaped array length is negative.
    #[error("negative table array size {len}")]
    NegativeArraySize {
        /// The announced array length.
        len: i64,
    },
    /// The array-length escape (cookie 31) is followed by something other
    /// than an integer number (a float, another type, a bad width).
    #[error("table array size escape followed by byte {byte:#04x}, not an integer")]
    BadArraySize {
        /// The byte that follows the table's type byte.
        byte: u8,
    },
    /// Tables are nested deeper than the decoder's limit.
    #[error("tables nested deeper than the limit of {limit}")]
    TooDeep {
        /// The configured limit.
        limit: usize,
    },
}

impl DecodeErrorKind {
    /// The name of this kind's error class in the portable vectors (the `error` field of
    /// `spec/vectors/lua-seri-invalid.json`), which the Python package gives as
    /// `DecodeError.kind`: `"unknown-type"`, `"bad-cookie"`, `"truncated"`,
    /// `"array-too-large"`, `"negative-array-size"`, `"bad-array-size"`, `"too-deep"`.
    pub fn class(&self) -> &'static str {
        match self {
            DecodeErrorKind::UnknownType { .. } => "unknown-type",
            DecodeErrorKind::BadCookie { .. } => "bad-cookie",
            DecodeErrorKind::Truncated { .. } => "truncated",
            DecodeErrorKind::ArrayTooLarge { .. } => "array-too-large",
            DecodeErrorKind::NegativeArraySize { .. } => "negative-array-size",
            DecodeErrorKind::BadArraySize { .. } => "bad-array-size",
            DecodeErrorKind::TooDeep { .. } => "too-deep",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn display_messages() {
        let e = DecodeError::new(17, DecodeErrorKind::UnknownType { byte: 0x3f });
        assert_eq!(e.to_string(), "at byte 17: unknown type 7 (type byte 0x3f)");
        let e = DecodeError::new(0, DecodeErrorKind::BadCookie { ty: 1, cookie: 2 });
        assert_eq!(
            e.to_string(),
            "at byte 0: invalid cookie 2 for type 1 (boolean)"
        );
        let e = DecodeErrorKind::Truncated {
            needed: 9,
            available: 3,
        };
        assert_eq!(e.to_string(), "truncated: the value needs 9 bytes, 3 left");
        assert_eq!(
            EncodeError::TooDeep { depth: 33 }.to_string(),
            "value nested in 33 tables, more than skynet's limit of 32"
        );
    }
}
