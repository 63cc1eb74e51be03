//! Unpacking lua-seri bytes: zero-copy, bounded, never panicking.
//!
//! One decoder builds every form: [`Value`] (strings are slices of the payload's `Bytes`),
//! [`ValueRef`] (strings borrowed) and nothing at all (validation only, for the serde
//! deserializer); they differ only in how a value is stored ([`Decoded`]). The
//! [`Cursor`] that reads one wire item at a time is shared with the serde deserializer.

use alloc::vec::Vec;
use core::ops::Range;

use bytes::Bytes;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::limits::DecodeLimits;
use crate::value::{Table, Value};
use crate::value_ref::{TableRef, ValueRef};
use crate::wire;

/// Checks that `payload` unpacks (with `limits`) without building anything, and returns
/// how many arguments it holds.
#[cfg(feature = "serde")]
pub(crate) fn validate(payload: &[u8], limits: &DecodeLimits) -> Result<usize, DecodeError> {
    // A vector of a zero-sized type never allocates: this is a count.
    let mut args = Vec::new();
    decode_into::<Skip>(payload, limits, &mut args)?;
    Ok(args.len())
}

/// Skips the value at the cursor, checking it as [`unpack`](crate::unpack) would with a
/// depth limit of `max_depth`, the value being inside `depth` tables.
#[cfg(feature = "serde")]
pub(crate) fn skip_value(
    cur: &mut Cursor<'_>,
    depth: usize,
    max_depth: usize,
) -> Result<(), DecodeError> {
    let mut d = Decoder::<Skip> {
        cur: *cur,
        src: cur.buf,
        max_depth,
        pairs: Vec::new(),
    };
    d.push_value(depth, &mut Vec::new())?;
    *cur = d.cur;
    Ok(())
}

/// Room for this many arguments is made up front: most messages carry a few.
const TOP_LEVEL_CAPACITY: usize = 4;

/// Room for this many hash-part pairs is made in the scratch stack when the first one is met.
const SCRATCH_PAIRS: usize = 16;

#[inline]
fn err(offset: usize, kind: DecodeErrorKind) -> DecodeError {
    DecodeError::new(offset, kind)
}

/// Decodes `src` into a new vector.
#[inline(always)]
pub(crate) fn decode_vec<'a, N: Decoded<'a>>(
    src: N::Source,
    limits: &DecodeLimits,
) -> Result<Vec<N>, DecodeError> {
    let mut values = Vec::with_capacity(TOP_LEVEL_CAPACITY.min(N::bytes(src).len()));
    match decode_into::<N>(src, limits, &mut values) {
        Ok(()) => Ok(values),
        Err(e) => Err(decode_failed(values, e)),
    }
}

/// The error of a decoding that failed, what it decoded dropped: out of line, so that the
/// success path returns its vector without merging with the error's bytes.
#[cold]
#[inline(never)]
fn decode_failed<N>(values: Vec<N>, e: DecodeError) -> DecodeError {
    drop(values);
    e
}

/// Clears `out` and decodes `src` into it; on error `out` is left empty.
pub(crate) fn refill<'a, N: Decoded<'a>>(
    src: N::Source,
    limits: &DecodeLimits,
    out: &mut Vec<N>,
) -> Result<(), DecodeError> {
    out.clear();
    let r = decode_into(src, limits, out);
    if r.is_err() {
        out.clear();
    }
    r
}

/// Decodes every value of `src` and appends them to `out`: the one decoder behind every
/// form. Inlined into each entry point (one call less for a small message).
#[inline(always)]
fn decode_into<'a, N: Decoded<'a>>(
    src: N::Source,
    limits: &DecodeLimits,
    out: &mut Vec<N>,
) -> Result<(), DecodeError> {
    let mut d = Decoder {
        cur: Cursor::new(N::bytes(src)),
        src,
        max_depth: limits.get_max_depth(),
        pairs: Vec::new(),
    };
    while !d.cur.at_end() {
        d.push_value(0, out)?;
    }
    Ok(())
}

/// A value form the decoder can build: what a string is made of is the only real
/// difference between [`Value`] (a slice of the payload's `Bytes`), [`ValueRef`] (a
/// borrowed `&[u8]`) and `Skip` (nothing: validation only, for the serde deserializer).
pub(crate) trait Decoded<'a>: Sized + Default {
    /// `nil`, as a constant: pushed as is, it is copied from the program's constants (a
    /// value built on the stack would be copied from memory the CPU has just written in
    /// other sizes, which it cannot forward: a stall).
    const NIL: Self;
    /// What strings are cut from.
    type Source: Copy;
    /// The bytes to decode.
    fn bytes(src: Self::Source) -> &'a [u8];
    /// Stores the string at `range` of the source (checked to be in bounds) in `slot`,
    /// which holds nil.
    fn fill_string(slot: &mut Self, src: Self::Source, range: Range<usize>);
    /// A boolean.
    fn boolean(b: bool) -> Self;
    /// An integer.
    fn integer(i: i64) -> Self;
    /// A float.
    fn real(x: f64) -> Self;
    /// A light userdata.
    fn light_userdata(p: u64) -> Self;
    /// A table from its parts.
    fn table(array: Vec<Self>, hash: Vec<(Self, Self)>) -> Self;
}

/// The [`Decoded`] constructors of a value type whose variants are named like
/// [`Value`]'s, `$table` the type of its tables.
macro_rules! variant_constructors {
    ($value:ident, $table:ident) => {
        variant_constructors!(@scalars $value:
            boolean(bool) => Boolean,
            integer(i64) => Integer,
            real(f64) => Real,
            light_userdata(u64) => LightUserdata
        );
        #[inline(always)]
        fn table(array: Vec<Self>, hash: Vec<(Self, Self)>) -> Self {
            $value::Table($table { array, hash })
        }
    };
    (@scalars $value:ident: $($method:ident($ty:ty) => $variant:ident),*) => {$(
        #[inline(always)]
        fn $method(v: $ty) -> Self {
            $value::$variant(v)
        }
    )*};
}

impl<'a> Decoded<'a> for Value {
    const NIL: Self = Value::Nil;
    type Source = &'a Bytes;
    #[inline(always)]
    fn bytes(src: &'a Bytes) -> &'a [u8] {
        src
    }
    /// The `Bytes` is moved into the slot as a `Bytes`: moved as a whole `Value`, the
    /// compiler copies its first word in odd-sized pieces (the layout it shares with
    /// `Value::Boolean`), which the CPU cannot forward from the stores that just wrote
    /// it, a stall that cost a third of the decode time.
    #[inline(always)]
    fn fill_string(slot: &mut Value, src: &'a Bytes, range: Range<usize>) {
        let s = src.slice(range);
        fill(slot, Value::String(Bytes::new()));
        if let Value::String(empty) = slot {
            // An empty `Bytes` owns nothing: forgetting it leaks nothing.
            core::mem::forget(core::mem::replace(empty, s));
        }
    }
    variant_constructors!(Value, Table);
}

impl<'a> Decoded<'a> for ValueRef<'a> {
    const NIL: Self = ValueRef::Nil;
    type Source = &'a [u8];
    #[inline(always)]
    fn bytes(src: &'a [u8]) -> &'a [u8] {
        src
    }
    #[inline(always)]
    fn fill_string(slot: &mut Self, src: &'a [u8], range: Range<usize>) {
        if let Some(s) = src.get(range) {
            fill(slot, ValueRef::String(s));
        }
    }
    variant_constructors!(ValueRef, TableRef);
}

/// The form that builds nothing: decoding into it only validates. Zero-sized, so its
/// vectors never allocate.
#[cfg(feature = "serde")]
#[derive(Default)]
pub(crate) struct Skip;

/// [`Skip`]'s constructors of scalars: each one reads nothing into it.
#[cfg(feature = "serde")]
macro_rules! skip_scalars {
    ($($name:ident($ty:ty)),*) => {
        $(
            #[inline(always)]
            fn $name(_: $ty) -> Self {
                Skip
            }
        )*
    };
}

#[cfg(feature = "serde")]
impl<'a> Decoded<'a> for Skip {
    const NIL: Self = Skip;
    type Source = &'a [u8];
    #[inline(always)]
    fn bytes(src: &'a [u8]) -> &'a [u8] {
        src
    }
    #[inline(always)]
    fn fill_string(_: &mut Self, _: &'a [u8], _: Range<usize>) {}
    skip_scalars!(boolean(bool), integer(i64), real(f64), light_userdata(u64));
    #[inline(always)]
    fn table(_: Vec<Self>, _: Vec<(Self, Self)>) -> Self {
        Skip
    }
}

/// Stores `value` in `slot`, which holds the nil pushed just before: there is nothing to
/// drop, so the drop glue of the old value is skipped (a plain assignment would call it for
/// every value decoded). Were `slot` ever not nil, its contents would leak, never be
/// misused.
#[inline(always)]
fn fill<T>(slot: &mut T, value: T) {
    core::mem::forget(core::mem::replace(slot, value));
}

/// One value as read off the wire, its contents not yet built.
pub(crate) enum Item {
    /// `nil`.
    Nil,
    /// A boolean.
    Boolean(bool),
    /// An integer (any width).
    Integer(i64),
    /// A float.
    Real(f64),
    /// A light userdata.
    LightUserdata(u64),
    /// A string: where its bytes are (checked to be present).
    String(Range<usize>),
    /// A table whose type byte (at `start`, with `cookie`) has been read; the rest is still
    /// to be read ([`Cursor::table_len`], then the items, then the hash part).
    Table {
        /// Offset of the table's type byte.
        start: usize,
        /// The cookie of the type byte.
        cookie: u8,
    },
}

/// The bytes being read and the position in them: reads one wire item at a time, checking
/// everything; shared by the tree decoder and the serde deserializer.
#[derive(Clone, Copy)]
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `buf`.
    pub(crate) const fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    /// The bytes being read.
    #[inline(always)]
    pub(crate) fn buf(&self) -> &'a [u8] {
        self.buf
    }

    /// The current position.
    #[cfg(feature = "serde")]
    #[inline(always)]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Moves to a position read before, or to the end of a table looked ahead.
    #[cfg(feature = "serde")]
    #[inline(always)]
    pub(crate) fn rewind(&mut self, pos: usize) {
        self.pos = pos.min(self.buf.len());
    }

    /// `true` when every byte has been read.
    #[inline(always)]
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

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

    /// The next value if it is a whole integer (consumed), else `None` with nothing read
    /// (what is not an integer, or is cut short, is left for [`Cursor::item`] to read or
    /// to report).
    #[cfg(feature = "serde")]
    #[inline(always)]
    pub(crate) fn integer_item(&mut self) -> Option<i64> {
        let start = self.pos;
        let &byte = self.buf.get(start)?;
        if byte & 7 != wire::TYPE_NUMBER {
            return None;
        }
        self.pos += 1;
        match self.integer(start, byte >> 3) {
            Ok(Some(i)) => Some(i),
            _ => {
                self.pos = start;
                None
            }
        }
    }

    /// The next value if it is a short string whose bytes are all present (consumed),
    /// else `None` with nothing read: the shortcut of [`Cursor::integer_item`] for strings.
    #[cfg(feature = "serde")]
    #[inline(always)]
    pub(crate) fn short_string_item(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        let &byte = self.buf.get(start)?;
        if byte & 7 != wire::TYPE_SHORT_STRING {
            return None;
        }
        let bytes = self.buf.get(start + 1..)?.get(..usize::from(byte >> 3))?;
        self.pos = start + 1 + bytes.len();
        Some(bytes)
    }

    /// Passes over a string of `len` bytes of the value that started at `start`.
    #[inline(always)]
    fn string(&mut self, start: usize, len: usize) -> Result<Range<usize>, DecodeError> {
        if len > self.remaining() {
            return Err(self.truncated(start, len));
        }
        let range = self.pos..self.pos + len;
        self.pos += len;
        Ok(range)
    }

    /// Reads the next item: a whole value unless it is a table, whose type byte only is read.
    #[inline(always)]
    pub(crate) fn item(&mut self) -> Result<Item, DecodeError> {
        let start = self.pos;
        let Some(&byte) = self.buf.get(start) else {
            return Err(self.truncated(start, 1));
        };
        self.pos += 1;
        let ty = byte & 7;
        let cookie = byte >> 3;
        let bad_cookie = || err(start, DecodeErrorKind::BadCookie { ty, cookie });
        Ok(match ty {
            wire::TYPE_NIL if cookie == 0 => Item::Nil,
            wire::TYPE_BOOLEAN if cookie <= 1 => Item::Boolean(cookie == 1),
            wire::TYPE_NUMBER => match self.integer(start, cookie)? {
                Some(i) => Item::Integer(i),
                None if cookie == wire::NUMBER_REAL => {
                    Item::Real(f64::from_bits(u64::from_le_bytes(self.take(start)?)))
                }
                None => return Err(bad_cookie()),
            },
            wire::TYPE_USERDATA if cookie == 0 => {
                Item::LightUserdata(u64::from_le_bytes(self.take(start)?))
            }
            wire::TYPE_SHORT_STRING => Item::String(self.string(start, usize::from(cookie))?),
            wire::TYPE_LONG_STRING => {
                let len = match cookie {
                    wire::LONG_STRING_WORD => usize::from(u16::from_le_bytes(self.take(start)?)),
                    wire::LONG_STRING_DWORD => u32::from_le_bytes(self.take(start)?) as usize,
                    _ => return Err(bad_cookie()),
                };
                Item::String(self.string(start, len)?)
            }
            wire::TYPE_TABLE => Item::Table { start, cookie },
            wire::TYPE_NIL | wire::TYPE_BOOLEAN | wire::TYPE_USERDATA => return Err(bad_cookie()),
            _ => return Err(err(start, DecodeErrorKind::UnknownType { byte })),
        })
    }

    /// Reads the rest of the header of a table whose type byte (at `start`, with `cookie`)
    /// was just read, at nesting `depth` (0 for an argument), and returns its array length:
    /// checked against `max_depth` and against the bytes left (every item takes at least
    /// one), so that it is safe to allocate.
    #[inline(always)]
    pub(crate) fn table_len(
        &mut self,
        start: usize,
        cookie: u8,
        depth: usize,
        max_depth: usize,
    ) -> Result<usize, DecodeError> {
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
        if depth >= max_depth {
            return Err(err(start, DecodeErrorKind::TooDeep { limit: max_depth }));
        }
        let remaining = self.remaining();
        if len > remaining as u64 {
            return Err(err(
                start,
                DecodeErrorKind::ArrayTooLarge { len, remaining },
            ));
        }
        Ok(len as usize)
    }

    /// At a table's hash part: `true` (and past it) if the next byte is the terminator,
    /// `false` if a key follows.
    #[inline(always)]
    pub(crate) fn hash_end(&mut self) -> Result<bool, DecodeError> {
        match self.buf.get(self.pos) {
            None => Err(self.truncated(self.pos, 1)),
            Some(&0) => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) => Ok(false),
        }
    }
}

/// What [`scalar_to`] found.
enum Found {
    /// A value other than a table, now in the slot.
    Scalar,
    /// A table, whose type byte (at `start`, with `cookie`) has been read; its contents
    /// are still to be decoded.
    Table { start: usize, cookie: u8 },
}

struct Decoder<'a, N: Decoded<'a>> {
    cur: Cursor<'a>,
    src: N::Source,
    max_depth: usize,
    /// Scratch stack of hash-part pairs: the pairs of the tables being decoded, innermost
    /// last. A table's pairs are collected here and moved into a `Vec` of exactly their
    /// number when its terminator is read, so a hash part costs one allocation whatever its
    /// size (a wire table does not say how many pairs it has).
    pairs: Vec<(N, N)>,
}

/// Which half of a pair of the scratch stack.
#[derive(Clone, Copy)]
enum Half {
    Key,
    Value,
}

/// Where [`Decoder::table`] stores the table it decodes: written there directly, not
/// returned, since a returned table is copied through a stack temporary that the CPU cannot
/// forward from the stores that wrote it (a stall per table).
enum Dest<'s, N> {
    /// A slot that no nested table moves (an array part's, an argument's), holding nil.
    Slot(&'s mut N),
    /// A half of the pair at this index of the scratch stack (which nested tables may
    /// move), holding nil.
    Pair(usize, Half),
}

impl<'s, N> Dest<'s, N> {
    /// The slot, given the scratch stack.
    #[inline(always)]
    fn slot(self, pairs: &'s mut [(N, N)]) -> Option<&'s mut N> {
        match self {
            Dest::Slot(slot) => Some(slot),
            Dest::Pair(at, half) => pair_slot(pairs, at, half),
        }
    }
}

/// One half of the pair at index `at` of the scratch stack `pairs`.
#[inline(always)]
fn pair_slot<N>(pairs: &mut [(N, N)], at: usize, half: Half) -> Option<&mut N> {
    let pair = pairs.get_mut(at)?;
    Some(match half {
        Half::Key => &mut pair.0,
        Half::Value => &mut pair.1,
    })
}

/// Decodes the value at the cursor into `slot` (which holds nil), unless it is a table:
/// then only its type byte is read and [`Found::Table`] says so.
///
/// The value is written in place rather than returned: a returned 56-byte value goes
/// through a stack temporary and costs a store-forwarding stall per value. Inlined into its
/// callers; table contents, the only recursion, are decoded out of line.
#[inline(always)]
fn scalar_to<'a, N: Decoded<'a>>(
    cur: &mut Cursor<'a>,
    src: N::Source,
    slot: &mut N,
) -> Result<Found, DecodeError> {
    match cur.item()? {
        Item::Nil => {}
        Item::Boolean(b) => fill(slot, N::boolean(b)),
        Item::Integer(i) => fill(slot, N::integer(i)),
        Item::Real(x) => fill(slot, N::real(x)),
        Item::LightUserdata(p) => fill(slot, N::light_userdata(p)),
        Item::String(range) => N::fill_string(slot, src, range),
        Item::Table { start, cookie } => return Ok(Found::Table { start, cookie }),
    }
    Ok(Found::Scalar)
}

impl<'a, N: Decoded<'a>> Decoder<'a, N> {
    /// Decodes one value (at nesting `depth`) and appends it to `out`.
    #[inline(always)]
    fn push_value(&mut self, depth: usize, out: &mut Vec<N>) -> Result<(), DecodeError> {
        out.push(N::NIL);
        let Some(slot) = out.last_mut() else {
            return Ok(());
        };
        if let Found::Table { start, cookie } = scalar_to(&mut self.cur, self.src, slot)? {
            self.table(start, cookie, depth, Dest::Slot(slot))?;
        }
        Ok(())
    }

    /// Decodes one half of the pair on top of the scratch stack, in place. A table is
    /// stored by index when it is complete: its own pairs go on the stack above this one
    /// (and may move the stack), and are gone again by then.
    #[inline(always)]
    fn pair_half(&mut self, depth: usize, half: Half) -> Result<(), DecodeError> {
        let top = self.pairs.len().wrapping_sub(1);
        let Some(slot) = pair_slot(&mut self.pairs, top, half) else {
            return Ok(());
        };
        let found = scalar_to(&mut self.cur, self.src, slot)?;
        if let Found::Table { start, cookie } = found {
            self.table(start, cookie, depth, Dest::Pair(top, half))?;
        }
        Ok(())
    }

    /// Decodes the contents of a table whose type byte (at `start`, with `cookie`) was just
    /// read, and stores the table at `dest`; `depth` is the table's own nesting (0 for an
    /// argument). Kept out of line: the only recursion.
    #[inline(never)]
    fn table(
        &mut self,
        start: usize,
        cookie: u8,
        depth: usize,
        dest: Dest<'_, N>,
    ) -> Result<(), DecodeError> {
        let len = self.cur.table_len(start, cookie, depth, self.max_depth)?;
        // All the slots at once, then each decoded in place: pushing nil one at a time
        // builds it on the stack and copies all of its bytes (most never written) into
        // the vector, which the CPU cannot forward from the stores that last touched that
        // stack space, a stall per item.
        let mut array = Vec::with_capacity(len);
        array.resize_with(len, N::default);
        for slot in array.iter_mut() {
            if let Found::Table { start, cookie } = scalar_to(&mut self.cur, self.src, slot)? {
                self.table(start, cookie, depth + 1, Dest::Slot(slot))?;
            }
        }
        let mark = self.pairs.len();
        while !self.cur.hash_end()? {
            if self.pairs.capacity() == 0 {
                self.pairs.reserve(SCRATCH_PAIRS);
            }
            self.pairs.push((N::NIL, N::NIL));
            self.pair_half(depth + 1, Half::Key)?;
            self.pair_half(depth + 1, Half::Value)?;
        }
        // Two stores, each of parts held in registers: one store of a part chosen by a
        // branch would be made through a stack temporary, a stall.
        if self.pairs.len() == mark {
            if let Some(slot) = dest.slot(&mut self.pairs) {
                fill(slot, N::table(array, Vec::new()));
            }
        } else {
            // Exactly this table's pairs, in one allocation.
            let hash = self.pairs.split_off(mark);
            if let Some(slot) = dest.slot(&mut self.pairs) {
                fill(slot, N::table(array, hash));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unpack;
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
