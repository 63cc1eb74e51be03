//! Packing values into lua-seri bytes, choosing exactly the encodings skynet's
//! encoder chooses.

use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};

use crate::error::EncodeError;
use crate::value::{Table, Value};
use crate::wire::{self, type_byte};

/// The deepest nesting skynet's encoder accepts: a value may be enclosed in at
/// most this many tables (skynet's `MAX_DEPTH` in `lua-seri.c`). Top-level
/// arguments have depth 0, so 33 nested tables pack if the innermost is empty.
pub const MAX_PACK_DEPTH: usize = wire::MAX_DEPTH;

/// Packs an argument list into a new buffer, byte-for-byte as
/// `skynet.pack(...)` would.
///
/// ```
/// use skywire_seri::{pack, Value};
/// let bytes = pack(&[Value::from(1), Value::from("hi")]).unwrap();
/// assert_eq!(&bytes[..], &[0x0a, 0x01, 0x14, b'h', b'i']);
/// ```
pub fn pack(values: &[Value]) -> Result<Bytes, EncodeError> {
    // One pass: the values are checked as they are written, into a buffer sized by a
    // cheap estimate (exact unless there are tables).
    let mut out = Vec::with_capacity(estimated_len(values));
    write_values(values, &mut out)?;
    Ok(into_payload(out))
}

/// A packed buffer as a payload. A buffer of exactly the right size becomes the `Bytes` as
/// is. A guess that was a little long is kept: trimming (a `realloc`) costs more than the
/// few bytes, and the next buffer of the same guessed size is then a quick allocation. A
/// guess that was far too long is trimmed, so that a payload never holds much more memory
/// than it uses.
#[inline]
pub(crate) fn into_payload(mut out: Vec<u8>) -> Bytes {
    if out.capacity() - out.len() > KEEP_SLACK.max(out.len() / 4) {
        out.shrink_to_fit();
    }
    Bytes::from(out)
}

/// Appends the packed argument list to `out`.
///
/// On error, `out` is truncated back to the length it had (nothing of the failed
/// list is left in it).
pub fn pack_into(values: &[Value], out: &mut BytesMut) -> Result<(), EncodeError> {
    let start = out.len();
    out.reserve(estimated_len(values));
    write_values(values, out).inspect_err(|_| Buffer::truncate(out, start))
}

/// Unused capacity a packed buffer may keep rather than be trimmed (see [`pack`]).
const KEEP_SLACK: usize = 1024;

/// What a table is guessed to take per item when sizing a buffer (the exact size would
/// need a walk of the whole tree; the buffer grows if the guess is short).
const GUESS_PER_TABLE_ITEM: usize = 16;

/// The packed size of the arguments, exact for everything but tables, which are guessed.
fn estimated_len(values: &[Value]) -> usize {
    values.iter().fold(0usize, |n, v| {
        n.saturating_add(match v {
            Value::Nil | Value::Boolean(_) => 1,
            Value::Integer(i) => 1 + integer_form(*i).1,
            Value::Real(_) | Value::LightUserdata(_) => 9,
            Value::String(s) => string_header_len(s.len()).unwrap_or(5) + s.len(),
            Value::Table(t) => {
                let items = t.array.len().saturating_add(t.hash.len().saturating_mul(2));
                items.saturating_mul(GUESS_PER_TABLE_ITEM).saturating_add(2)
            }
        })
    })
}

/// The exact number of bytes [`pack`] would produce, without writing them.
/// Fails exactly when [`pack`] fails.
pub fn packed_len(values: &[Value]) -> Result<usize, EncodeError> {
    values
        .iter()
        .try_fold(0usize, |n, v| Ok(n.saturating_add(value_len(v, 0)?)))
}

/// Cookie and number of following bytes skynet uses for an integer.
#[inline]
fn integer_form(i: i64) -> (u8, usize) {
    if i == 0 {
        (wire::NUMBER_ZERO, 0)
    } else if i != i64::from(i as i32) {
        (wire::NUMBER_QWORD, 8)
    } else if i < 0 {
        (wire::NUMBER_DWORD, 4)
    } else if i < 0x100 {
        (wire::NUMBER_BYTE, 1)
    } else if i < 0x1_0000 {
        (wire::NUMBER_WORD, 2)
    } else {
        (wire::NUMBER_DWORD, 4)
    }
}

/// Header length (type byte plus length field) of a string of `len` bytes.
#[inline]
fn string_header_len(len: usize) -> Result<usize, EncodeError> {
    if len < wire::MAX_COOKIE {
        Ok(1)
    } else if len < 0x1_0000 {
        Ok(3)
    } else if u32::try_from(len).is_ok() {
        Ok(5)
    } else {
        Err(EncodeError::StringTooLong { len })
    }
}

#[inline(always)]
fn value_len(v: &Value, depth: usize) -> Result<usize, EncodeError> {
    if depth > MAX_PACK_DEPTH {
        return Err(EncodeError::TooDeep { depth });
    }
    Ok(match v {
        Value::Nil | Value::Boolean(_) => 1,
        Value::Integer(i) => 1 + integer_form(*i).1,
        Value::Real(_) | Value::LightUserdata(_) => 9,
        Value::String(s) => string_header_len(s.len())? + s.len(),
        Value::Table(t) => table_len(t, depth)?,
    })
}

// Out of line: the only recursion, so `value_len` can be inlined.
#[inline(never)]
fn table_len(t: &Table, depth: usize) -> Result<usize, EncodeError> {
    let mut n = 2; // type byte and hash terminator
    if t.array.len() >= usize::from(wire::ARRAY_ESCAPE) {
        n += 1 + integer_form(t.array.len() as i64).1;
    }
    for item in &t.array {
        n = n.saturating_add(value_len(item, depth + 1)?);
    }
    for (k, v) in &t.hash {
        match k {
            Value::Nil => return Err(EncodeError::NilKey),
            Value::Real(f) if f.is_nan() => return Err(EncodeError::NanKey),
            _ => {}
        }
        n = n.saturating_add(value_len(k, depth + 1)?);
        n = n.saturating_add(value_len(v, depth + 1)?);
    }
    Ok(n)
}

// The writers check each value as they write it (in the order `packed_len` checks them,
// so both report the same first error). Each value goes out in as few appends as possible
// (type byte and fixed-size data together): every append checks the capacity and updates
// the length.

/// Where packed bytes are appended (a `Vec<u8>` or a `BytesMut`); the bytes written so far
/// are the slice it derefs to.
pub(crate) trait Buffer: core::ops::DerefMut<Target = [u8]> {
    /// Appends `bytes`.
    fn put(&mut self, bytes: &[u8]);
    /// Appends the bytes `s` of a string value held in `shared`: a copy
    /// ([`put`](Self::put)), except where the buffer keeps large strings by reference
    /// ([`pack_chunks`](crate::pack_chunks)). (`s` is `shared`'s bytes, passed as the slice
    /// the caller already has, so that a copying buffer does not read `shared` again.)
    #[inline(always)]
    fn put_string(&mut self, s: &[u8], shared: &Bytes) {
        let _ = shared;
        self.put(s);
    }
    /// Keeps the first `len` bytes.
    fn truncate(&mut self, len: usize);
}

impl Buffer for Vec<u8> {
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    #[inline(always)]
    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len);
    }
}

impl Buffer for BytesMut {
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
    #[inline(always)]
    fn truncate(&mut self, len: usize) {
        BytesMut::truncate(self, len);
    }
}

pub(crate) fn write_values<B: Buffer>(values: &[Value], out: &mut B) -> Result<(), EncodeError> {
    for v in values {
        write_value(v, 0, out)?;
    }
    Ok(())
}

/// A type byte followed by the `N` little-endian bytes of a fixed-size field.
#[inline(always)]
fn with_type<const N: usize, const M: usize>(ty: u8, field: [u8; N]) -> [u8; M] {
    let mut out = [0u8; M];
    out[0] = ty;
    out[1..].copy_from_slice(&field);
    out
}

/// Writes nil (also the byte that ends a table's hash part).
#[inline(always)]
pub(crate) fn write_nil<B: Buffer>(out: &mut B) {
    out.put(&[type_byte(wire::TYPE_NIL, 0)]);
}

/// Writes a boolean.
#[inline(always)]
pub(crate) fn write_boolean<B: Buffer>(b: bool, out: &mut B) {
    out.put(&[type_byte(wire::TYPE_BOOLEAN, u8::from(b))]);
}

/// Writes a float.
#[inline(always)]
pub(crate) fn write_real<B: Buffer>(f: f64, out: &mut B) {
    let ty = type_byte(wire::TYPE_NUMBER, wire::NUMBER_REAL);
    out.put(&with_type::<8, 9>(ty, f.to_bits().to_le_bytes()));
}

/// Writes a light userdata.
#[inline(always)]
pub(crate) fn write_light_userdata<B: Buffer>(p: u64, out: &mut B) {
    let ty = type_byte(wire::TYPE_USERDATA, 0);
    out.put(&with_type::<8, 9>(ty, p.to_le_bytes()));
}

/// Writes a string, short or long by its length.
#[inline(always)]
pub(crate) fn write_string<B: Buffer>(s: &[u8], out: &mut B) -> Result<(), EncodeError> {
    write_string_head(s.len(), out)?;
    out.put(s);
    Ok(())
}

/// Writes a string value's type byte and length, then hands its bytes to the buffer
/// ([`Buffer::put_string`]: a reference, for a buffer that keeps large strings so).
#[inline(always)]
fn write_shared_string<B: Buffer>(shared: &Bytes, out: &mut B) -> Result<(), EncodeError> {
    let s: &[u8] = shared;
    write_string_head(s.len(), out)?;
    out.put_string(s, shared);
    Ok(())
}

/// Writes the type byte and length of a string of `len` bytes, short or long by its length.
#[inline(always)]
fn write_string_head<B: Buffer>(len: usize, out: &mut B) -> Result<(), EncodeError> {
    if len < wire::MAX_COOKIE {
        out.put(&[type_byte(wire::TYPE_SHORT_STRING, len as u8)]);
    } else if len < 0x1_0000 {
        let ty = type_byte(wire::TYPE_LONG_STRING, wire::LONG_STRING_WORD);
        out.put(&with_type::<2, 3>(ty, (len as u16).to_le_bytes()));
    } else {
        let Ok(len) = u32::try_from(len) else {
            return Err(EncodeError::StringTooLong { len });
        };
        let ty = type_byte(wire::TYPE_LONG_STRING, wire::LONG_STRING_DWORD);
        out.put(&with_type::<4, 5>(ty, len.to_le_bytes()));
    }
    Ok(())
}

/// Writes the head of a table whose array part has `n` items (they follow, then the hash
/// pairs, then [`write_nil`]).
#[inline(always)]
pub(crate) fn write_table_head<B: Buffer>(n: usize, out: &mut B) {
    if n >= usize::from(wire::ARRAY_ESCAPE) {
        out.put(&[type_byte(wire::TYPE_TABLE, wire::ARRAY_ESCAPE)]);
        write_integer(n as i64, out);
    } else {
        out.put(&[type_byte(wire::TYPE_TABLE, n as u8)]);
    }
}

/// Writes an integer in the narrowest form skynet uses for it.
#[inline(always)]
pub(crate) fn write_integer<B: Buffer>(i: i64, out: &mut B) {
    let number = |cookie| type_byte(wire::TYPE_NUMBER, cookie);
    // The same choices as `integer_form`, each arm writing its bytes at once.
    if i == 0 {
        out.put(&[number(wire::NUMBER_ZERO)]);
    } else if i != i64::from(i as i32) {
        out.put(&with_type::<8, 9>(
            number(wire::NUMBER_QWORD),
            i.to_le_bytes(),
        ));
    } else if i < 0 {
        let dword = (i as i32).to_le_bytes();
        out.put(&with_type::<4, 5>(number(wire::NUMBER_DWORD), dword));
    } else if i < 0x100 {
        out.put(&[number(wire::NUMBER_BYTE), i as u8]);
    } else if i < 0x1_0000 {
        let word = (i as u16).to_le_bytes();
        out.put(&with_type::<2, 3>(number(wire::NUMBER_WORD), word));
    } else {
        let dword = (i as i32).to_le_bytes();
        out.put(&with_type::<4, 5>(number(wire::NUMBER_DWORD), dword));
    }
}

/// Writes `v`, enclosed in `depth` tables.
#[inline(always)]
pub(crate) fn write_value<B: Buffer>(
    v: &Value,
    depth: usize,
    out: &mut B,
) -> Result<(), EncodeError> {
    if depth > MAX_PACK_DEPTH {
        return Err(EncodeError::TooDeep { depth });
    }
    match v {
        Value::Nil => write_nil(out),
        Value::Boolean(b) => write_boolean(*b, out),
        Value::Integer(i) => write_integer(*i, out),
        Value::Real(f) => write_real(*f, out),
        Value::LightUserdata(p) => write_light_userdata(*p, out),
        Value::String(s) => write_shared_string(s, out)?,
        Value::Table(t) => write_table(t, depth, out)?,
    }
    Ok(())
}

// Out of line: the only recursion, so `write_value` can be inlined.
#[inline(never)]
fn write_table<B: Buffer>(t: &Table, depth: usize, out: &mut B) -> Result<(), EncodeError> {
    write_table_head(t.array.len(), out);
    for item in &t.array {
        write_value(item, depth + 1, out)?;
    }
    for (k, v) in &t.hash {
        match k {
            Value::Nil => return Err(EncodeError::NilKey),
            Value::Real(f) if f.is_nan() => return Err(EncodeError::NanKey),
            _ => {}
        }
        write_value(k, depth + 1, out)?;
        write_value(v, depth + 1, out)?;
    }
    write_nil(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn integer_forms_follow_skynet() {
        assert_eq!(integer_form(0), (0, 0));
        assert_eq!(integer_form(255), (1, 1));
        assert_eq!(integer_form(256), (2, 2));
        assert_eq!(integer_form(65_536), (4, 4));
        assert_eq!(integer_form(-1), (4, 4));
        assert_eq!(integer_form(i64::from(i32::MIN) - 1), (6, 8));
        assert_eq!(integer_form(i64::from(i32::MAX) + 1), (6, 8));
    }

    #[test]
    fn pack_into_restores_on_error() {
        let mut out = BytesMut::from(&b"abc"[..]);
        let mut t = Table::new();
        t.push_pair(Value::Nil, 1);
        let r = pack_into(&[Value::from(1), Value::Table(t)], &mut out);
        assert_eq!(r, Err(EncodeError::NilKey));
        assert_eq!(&out[..], b"abc");
        pack_into(&[Value::from(1)], &mut out).unwrap();
        assert_eq!(&out[..], b"abc\x0a\x01");
    }

    /// `pack` checks values as it writes them, `packed_len` walks them without writing:
    /// both must report the same first error, and a failed `pack_into` leaves nothing.
    #[test]
    fn pack_and_packed_len_agree_on_the_first_error() {
        let nest = |mut v: Value, n: usize| {
            for _ in 0..n {
                v = Value::array(vec![v]);
            }
            v
        };
        let with_pairs = |pairs: Vec<(Value, Value)>| Value::Table(pairs.into_iter().collect());
        let cases = vec![
            vec![nest(Value::from(1), 33)],
            vec![Value::from(1), nest(Value::Nil, 40)],
            vec![with_pairs(vec![(Value::Nil, nest(Value::from(1), 40))])],
            vec![with_pairs(vec![
                (Value::from(1), Value::from(2)),
                (Value::Real(f64::NAN), Value::Nil),
                (Value::Nil, Value::Nil),
            ])],
            vec![nest(with_pairs(vec![(Value::Nil, Value::from(1))]), 31)],
            vec![nest(with_pairs(vec![(Value::Nil, Value::from(1))]), 32)],
            vec![nest(Value::Table(Table::new()), 32)],
        ];
        for args in cases {
            let expected = packed_len(&args);
            assert_eq!(pack(&args).map(|b| b.len()), expected, "{args:?}");
            let mut out = BytesMut::from(&b"kept"[..]);
            let r = pack_into(&args, &mut out);
            assert_eq!(r.map(|()| out.len() - 4), expected);
            if expected.is_err() {
                assert_eq!(&out[..], b"kept");
            }
        }
    }

    /// The buffer is sized by a guess for tables: right when it is short (a table of long
    /// strings), long (a table of small integers) or exact (no tables).
    #[test]
    fn exact_bytes_whatever_the_size_guess() {
        let long = Value::from(vec![b'x'; 1000]);
        let cases = vec![
            vec![Value::array(vec![long.clone(), long.clone()]), long.clone()],
            vec![Value::array((0..100).map(Value::from).collect())],
            vec![Value::from("ping"), Value::from(1)],
        ];
        for args in cases {
            let packed = pack(&args).unwrap();
            assert_eq!(Ok(packed.len()), packed_len(&args));
            assert_eq!(crate::unpack(&packed).unwrap(), args);
            let mut out = BytesMut::new();
            pack_into(&args, &mut out).unwrap();
            assert_eq!(&out[..], &packed[..]);
        }
    }

    #[test]
    fn nan_key_rejected() {
        let t: Table = vec![(Value::Real(f64::NAN), Value::from(1))]
            .into_iter()
            .collect();
        assert_eq!(pack(&[Value::Table(t)]), Err(EncodeError::NanKey));
    }
}
