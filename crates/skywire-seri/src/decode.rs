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
        cur: Cursor {
            payload,
            buf: payload.as_ref(),
            pos: 0,
        },
        max_depth: limits.max_depth,
        pairs: Vec::new(),
    };
    let mut values = Vec::with_capacity(TOP_LEVEL_CAPACITY.min(payload.len()));
    while d.cur.pos < d.cur.buf.len() {
        d.push_value(0, &mut values)?;
    }
    Ok(values)
}

/// Room for this many arguments is made up front: most messages carry a few.
const TOP_LEVEL_CAPACITY: usize = 4;

/// Room for this many hash-part pairs is made in the scratch stack when the first one is met.
const SCRATCH_PAIRS: usize = 16;

#[inline]
fn err(offset: usize, kind: DecodeErrorKind) -> DecodeError {
    DecodeError::new(offset, kind)
}

/// Stores `value` in `slot`, which holds the `Nil` pushed just before: there is nothing to
/// drop, so the drop glue of the old value is skipped (a plain assignment would call it for
/// every value decoded). Were `slot` ever not `Nil`, its contents would leak, never be
/// misused.
#[inline(always)]
fn fill(slot: &mut Value, value: Value) {
    debug_assert!(slot.is_nil());
    core::mem::forget(core::mem::replace(slot, value));
}

/// Stores string `s` in `slot` (which holds `Nil`). The `Bytes` is moved into the slot
/// as a `Bytes`: moved as a whole `Value`, the compiler copies its first word in odd-sized
/// pieces (the layout it shares with `Value::Boolean`), which the CPU cannot forward from
/// the stores that just wrote it, a stall that cost a third of the decode time.
#[inline(always)]
fn fill_string(slot: &mut Value, s: Bytes) {
    fill(slot, Value::String(Bytes::new()));
    if let Value::String(empty) = slot {
        // An empty `Bytes` owns nothing: forgetting it leaks nothing.
        core::mem::forget(core::mem::replace(empty, s));
    }
}

/// The bytes being read and the position in them.
struct Cursor<'a> {
    payload: &'a Bytes,
    buf: &'a [u8],
    pos: usize,
}

/// What [`Cursor::scalar_to`] found.
enum Found {
    /// A value other than a table, now in the slot.
    Scalar,
    /// A table, whose type byte (at `start`, with `cookie`) has been read; its contents
    /// are still to be decoded.
    Table { start: usize, cookie: u8 },
}

impl Cursor<'_> {
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

    #[inline(always)]
    fn string(&mut self, start: usize, len: usize) -> Result<Bytes, DecodeError> {
        if len > self.remaining() {
            return Err(self.truncated(start, len));
        }
        let s = self.payload.slice(self.pos..self.pos + len);
        self.pos += len;
        Ok(s)
    }

    /// Decodes the value at the cursor into `slot` (which holds `Nil`), unless it is a
    /// table: then only its type byte is read and [`Found::Table`] says so.
    ///
    /// The value is written in place rather than returned: a returned 56-byte value goes
    /// through a stack temporary and costs a store-forwarding stall per value. Inlined into
    /// its callers; table contents, the only recursion, are decoded out of line.
    #[inline(always)]
    fn scalar_to(&mut self, slot: &mut Value) -> Result<Found, DecodeError> {
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
            }
            wire::TYPE_BOOLEAN => match cookie {
                0 => fill(slot, Value::Boolean(false)),
                1 => fill(slot, Value::Boolean(true)),
                _ => return Err(bad_cookie()),
            },
            wire::TYPE_NUMBER => match self.integer(start, cookie)? {
                Some(i) => fill(slot, Value::Integer(i)),
                None if cookie == wire::NUMBER_REAL => {
                    let bits = u64::from_le_bytes(self.take(start)?);
                    fill(slot, Value::Real(f64::from_bits(bits)));
                }
                None => return Err(bad_cookie()),
            },
            wire::TYPE_USERDATA => {
                if cookie != 0 {
                    return Err(bad_cookie());
                }
                let p = u64::from_le_bytes(self.take(start)?);
                fill(slot, Value::LightUserdata(p));
            }
            wire::TYPE_SHORT_STRING => {
                fill_string(slot, self.string(start, usize::from(cookie))?);
            }
            wire::TYPE_LONG_STRING => {
                let len = match cookie {
                    wire::LONG_STRING_WORD => usize::from(u16::from_le_bytes(self.take(start)?)),
                    wire::LONG_STRING_DWORD => u32::from_le_bytes(self.take(start)?) as usize,
                    _ => return Err(bad_cookie()),
                };
                fill_string(slot, self.string(start, len)?);
            }
            wire::TYPE_TABLE => return Ok(Found::Table { start, cookie }),
            _ => return Err(err(start, DecodeErrorKind::UnknownType { byte })),
        }
        Ok(Found::Scalar)
    }
}

struct Decoder<'a> {
    cur: Cursor<'a>,
    max_depth: usize,
    /// Scratch stack of hash-part pairs: the pairs of the tables being decoded, innermost
    /// last. A table's pairs are collected here and moved into a `Vec` of exactly their
    /// number when its terminator is read, so a hash part costs one allocation whatever its
    /// size (a wire table does not say how many pairs it has).
    pairs: Vec<(Value, Value)>,
}

/// Which half of the pair on top of the scratch stack to decode.
#[derive(Clone, Copy)]
enum Half {
    Key,
    Value,
}

impl Decoder<'_> {
    /// Decodes one value (at nesting `depth`) and appends it to `out`.
    #[inline(always)]
    fn push_value(&mut self, depth: usize, out: &mut Vec<Value>) -> Result<(), DecodeError> {
        out.push(Value::Nil);
        let Some(slot) = out.last_mut() else {
            return Ok(());
        };
        if let Found::Table { start, cookie } = self.cur.scalar_to(slot)? {
            fill(slot, self.table(start, cookie, depth)?);
        }
        Ok(())
    }

    /// Decodes one half of the pair on top of the scratch stack, in place. A table is
    /// decoded first and stored after: its own pairs go on the stack above this one (and
    /// may move the stack), and are gone again when it returns.
    #[inline(always)]
    fn pair_half(&mut self, depth: usize, half: Half) -> Result<(), DecodeError> {
        let top = self.pairs.len().wrapping_sub(1);
        let found = match (self.pairs.last_mut(), half) {
            (Some((k, _)), Half::Key) => self.cur.scalar_to(k)?,
            (Some((_, v)), Half::Value) => self.cur.scalar_to(v)?,
            (None, _) => return Ok(()),
        };
        if let Found::Table { start, cookie } = found {
            let table = self.table(start, cookie, depth)?;
            match (self.pairs.get_mut(top), half) {
                (Some((k, _)), Half::Key) => fill(k, table),
                (Some((_, v)), Half::Value) => fill(v, table),
                (None, _) => {}
            }
        }
        Ok(())
    }

    /// Decodes the contents of a table whose type byte (at `start`, with `cookie`) was just
    /// read; `depth` is the table's own nesting (0 for an argument). Kept out of line: the
    /// only recursion.
    #[inline(never)]
    fn table(&mut self, start: usize, cookie: u8, depth: usize) -> Result<Value, DecodeError> {
        let len = if cookie == wire::ARRAY_ESCAPE {
            let size_at = self.cur.pos;
            let Some(&byte) = self.cur.buf.get(size_at) else {
                return Err(self.cur.truncated(size_at, 1));
            };
            self.cur.pos += 1;
            let bad_size = || err(start, DecodeErrorKind::BadArraySize { byte });
            if byte & 7 != wire::TYPE_NUMBER {
                return Err(bad_size());
            }
            let Some(n) = self.cur.integer(size_at, byte >> 3)? else {
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
        let remaining = self.cur.remaining();
        // Every item takes at least one byte: refuse before allocating.
        if len > remaining as u64 {
            return Err(err(
                start,
                DecodeErrorKind::ArrayTooLarge { len, remaining },
            ));
        }
        // All the slots at once, then each decoded in place: pushing `Nil` one at a time
        // builds it on the stack and copies all of its bytes (most never written) into
        // the vector, which the CPU cannot forward from the stores that last touched that
        // stack space, a stall per item.
        let mut array = Vec::with_capacity(len as usize);
        array.resize_with(len as usize, Value::default);
        for slot in array.iter_mut() {
            if let Found::Table { start, cookie } = self.cur.scalar_to(slot)? {
                fill(slot, self.table(start, cookie, depth + 1)?);
            }
        }
        let mark = self.pairs.len();
        loop {
            match self.cur.buf.get(self.cur.pos) {
                None => return Err(self.cur.truncated(self.cur.pos, 1)),
                Some(&0) => {
                    self.cur.pos += 1;
                    break;
                }
                Some(_) => {
                    if self.pairs.capacity() == 0 {
                        self.pairs.reserve(SCRATCH_PAIRS);
                    }
                    self.pairs.push((Value::Nil, Value::Nil));
                    self.pair_half(depth + 1, Half::Key)?;
                    self.pair_half(depth + 1, Half::Value)?;
                }
            }
        }
        let hash = if self.pairs.len() == mark {
            Vec::new()
        } else {
            // Exactly this table's pairs, in one allocation.
            self.pairs.split_off(mark)
        };
        Ok(Value::Table(Table { array, hash }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// A hash part longer than the scratch stack's first reservation, whose keys and
    /// values are tables with hash parts of their own (pushed above the outer pairs while
    /// they are pending, and moving the stack when it grows).
    #[test]
    fn nested_hash_parts_around_the_scratch_stack() {
        let inner = |n: i64| {
            let mut t = Table::new();
            for i in 0..n {
                t.push_pair(i + 100, Value::from(i));
            }
            Value::Table(t)
        };
        let mut outer = Table::from_array(vec![inner(3), Value::from("a")]);
        for i in 0..(SCRATCH_PAIRS as i64 + 5) {
            outer.push_pair(inner(i % 4 + 1), inner(i % 7 + 17));
            outer.push_pair(Value::from(i), Value::from("v"));
        }
        let args = vec![Value::Table(outer), Value::from(7)];
        let bytes = crate::pack(&args).unwrap();
        assert_eq!(unpack(&bytes).unwrap(), args);
        // Cut anywhere, it fails cleanly, with nothing left pending that could leak out.
        for cut in 0..bytes.len() {
            let partial = bytes.slice(..cut);
            if let Ok(values) = unpack(&partial) {
                assert!(values.len() < 2, "prefix {cut} decoded both values");
            }
        }
    }
}
