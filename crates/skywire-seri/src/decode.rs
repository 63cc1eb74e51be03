//! Unpacking lua-seri bytes: zero-copy, bounded, never panicking.

use alloc::vec::Vec;
use bytes::Bytes;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::value::{Table, Value};
use crate::wire;

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
    /// ([`DecodeErrorKind::TooDeep`]). 0 rejects every table.
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

/// Unpacks a payload (what `skynet.unpack` reads) into its argument list,
/// with the default [`DecodeLimits`]. Strings are slices of `payload`, not
/// copies. An empty payload is zero values.
///
/// ```
/// use bytes::Bytes;
/// use skywire_seri::{unpack, Value};
/// let values = unpack(&Bytes::from_static(&[0x0a, 0x01, 0x14, b'h', b'i'])).unwrap();
/// assert_eq!(values, vec![Value::from(1), Value::from("hi")]);
/// ```
pub fn unpack(payload: &Bytes) -> Result<Vec<Value>, DecodeError> {
    unpack_with(payload, &DecodeLimits::default())
}

/// [`unpack`] with explicit limits.
pub fn unpack_with(payload: &Bytes, limits: &DecodeLimits) -> Result<Vec<Value>, DecodeError> {
    let mut d = Decoder {
        payload,
        buf: payload.as_ref(),
        pos: 0,
        max_depth: limits.max_depth,
    };
    let mut values = Vec::new();
    while d.pos < d.buf.len() {
        d.push_value(0, &mut values)?;
    }
    Ok(values)
}

struct Decoder<'a> {
    payload: &'a Bytes,
    buf: &'a [u8],
    pos: usize,
    max_depth: usize,
}

#[inline]
fn err(offset: usize, kind: DecodeErrorKind) -> DecodeError {
    DecodeError::new(offset, kind)
}

impl Decoder<'_> {
    /// Bytes left from the current position.
    #[inline(always)]
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Takes `N` bytes for the value that started at `start`.
    #[inline(always)]
    fn take<const N: usize>(&mut self, start: usize) -> Result<[u8; N], DecodeError> {
        match self
            .buf
            .get(self.pos..self.pos + N)
            .and_then(|s| <[u8; N]>::try_from(s).ok())
        {
            Some(a) => {
                self.pos += N;
                Ok(a)
            }
            None => Err(self.truncated(start, N)),
        }
    }

    /// The error for a value starting at `start` that needs `more` bytes
    /// beyond the current position.
    #[cold]
    fn truncated(&self, start: usize, more: usize) -> DecodeError {
        err(
            start,
            DecodeErrorKind::Truncated {
                needed: (self.pos - start).saturating_add(more),
                available: self.buf.len() - start,
            },
        )
    }

    /// Reads the integer of a number value whose type byte (at `start`) had
    /// `cookie`; `None` for the real cookie or an invalid one.
    #[inline(always)]
    fn integer(&mut self, start: usize, cookie: u8) -> Result<Option<i64>, DecodeError> {
        Ok(Some(match cookie {
            wire::NUMBER_ZERO => 0,
            wire::NUMBER_BYTE => i64::from(self.take::<1>(start)?[0]),
            wire::NUMBER_WORD => i64::from(u16::from_le_bytes(self.take(start)?)),
            wire::NUMBER_DWORD => i64::from(i32::from_le_bytes(self.take(start)?)),
            wire::NUMBER_QWORD => i64::from_le_bytes(self.take(start)?),
            _ => return Ok(None),
        }))
    }

    // Writes the decoded value into `slot` (which holds `Nil`) rather than
    // returning it: a returned 56-byte value goes through a stack temporary
    // and costs a store-forwarding stall per value. Inlined into its callers;
    // `table` is the only recursion and stays out of line.
    #[inline(always)]
    fn value_to(&mut self, depth: usize, slot: &mut Value) -> Result<(), DecodeError> {
        let start = self.pos;
        let Some(&byte) = self.buf.get(start) else {
            return Err(self.truncated(start, 1));
        };
        self.pos += 1;
        let ty = byte & 7;
        let cookie = byte >> 3;
        let bad_cookie = || err(start, DecodeErrorKind::BadCookie { ty, cookie });
        match ty {
            wire::TYPE_NIL => {
                if cookie != 0 {
                    return Err(bad_cookie());
                }
                *slot = Value::Nil;
            }
            wire::TYPE_BOOLEAN => match cookie {
                0 => *slot = Value::Boolean(false),
                1 => *slot = Value::Boolean(true),
                _ => return Err(bad_cookie()),
            },
            wire::TYPE_NUMBER => match self.integer(start, cookie)? {
                Some(i) => *slot = Value::Integer(i),
                None if cookie == wire::NUMBER_REAL => {
                    let bits = u64::from_le_bytes(self.take(start)?);
                    *slot = Value::Real(f64::from_bits(bits));
                }
                None => return Err(bad_cookie()),
            },
            wire::TYPE_USERDATA => {
                if cookie != 0 {
                    return Err(bad_cookie());
                }
                *slot = Value::LightUserdata(u64::from_le_bytes(self.take(start)?));
            }
            wire::TYPE_SHORT_STRING => *slot = self.string(start, usize::from(cookie))?,
            wire::TYPE_LONG_STRING => {
                let len = match cookie {
                    wire::LONG_STRING_WORD => usize::from(u16::from_le_bytes(self.take(start)?)),
                    wire::LONG_STRING_DWORD => u32::from_le_bytes(self.take(start)?) as usize,
                    _ => return Err(bad_cookie()),
                };
                *slot = self.string(start, len)?;
            }
            wire::TYPE_TABLE => self.table(start, cookie, depth, slot)?,
            _ => return Err(err(start, DecodeErrorKind::UnknownType { byte })),
        }
        Ok(())
    }

    /// Decodes one value and appends it to `out`.
    #[inline(always)]
    fn push_value(&mut self, depth: usize, out: &mut Vec<Value>) -> Result<(), DecodeError> {
        out.push(Value::Nil);
        match out.last_mut() {
            Some(slot) => self.value_to(depth, slot),
            None => Ok(()),
        }
    }

    #[inline(always)]
    fn string(&mut self, start: usize, len: usize) -> Result<Value, DecodeError> {
        if len > self.remaining() {
            return Err(self.truncated(start, len));
        }
        let s = self.payload.slice(self.pos..self.pos + len);
        self.pos += len;
        Ok(Value::String(s))
    }

    // Kept out of line so that `value`, hot for scalars, stays small.
    #[inline(never)]
    fn table(
        &mut self,
        start: usize,
        cookie: u8,
        depth: usize,
        slot: &mut Value,
    ) -> Result<(), DecodeError> {
        let len = if cookie == wire::ARRAY_ESCAPE {
            let size_at = self.pos;
            let Some(&byte) = self.buf.get(size_at) else {
                return Err(self.truncated(size_at, 1));
            };
            self.pos += 1;
            let bad_size = || err(start, DecodeErrorKind::BadArraySize { byte });
            if byte & 7 != wire::TYPE_NUMBER {
                return Err(bad_size());
            }
            let Some(n) = self.integer(size_at, byte >> 3)? else {
                return Err(bad_size());
            };
            if n < 0 {
                return Err(err(start, DecodeErrorKind::NegativeArraySize { len: n }));
            }
            n as u64
        } else {
            u64::from(cookie)
        };
        if depth >= self.max_depth {
            return Err(err(
                start,
                DecodeErrorKind::TooDeep {
                    limit: self.max_depth,
                },
            ));
        }
        let remaining = self.remaining();
        // Every item takes at least one byte: refuse before allocating.
        if len > remaining as u64 {
            return Err(err(
                start,
                DecodeErrorKind::ArrayTooLarge { len, remaining },
            ));
        }
        let mut array = Vec::with_capacity(len as usize);
        for _ in 0..len {
            self.push_value(depth + 1, &mut array)?;
        }
        let mut hash = Vec::new();
        loop {
            match self.buf.get(self.pos) {
                None => return Err(self.truncated(self.pos, 1)),
                Some(&0) => {
                    self.pos += 1;
                    break;
                }
                Some(_) => {
                    hash.push((Value::Nil, Value::Nil));
                    if let Some((k, v)) = hash.last_mut() {
                        self.value_to(depth + 1, k)?;
                        self.value_to(depth + 1, v)?;
                    }
                }
            }
        }
        *slot = Value::Table(Table { array, hash });
        Ok(())
    }
}
