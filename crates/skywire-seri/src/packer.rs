//! [`Packer`]: a payload written one value at a time, for callers whose values are not
//! [`Value`]s (another language's objects: the Python package packs its objects with it).

use alloc::vec::Vec;

use crate::encode::{self, MAX_PACK_DEPTH};
use crate::error::EncodeError;
use crate::value::Value;

/// Writes lua-seri values one at a time into a `Vec<u8>`, with exactly the encodings and
/// checks of [`pack`](crate::pack): a caller that walks its own values (no [`Value`] tree
/// is built) writes what `pack` writes for the same values, and fails where it fails.
///
/// A table is [`begin_table`](Self::begin_table) with the length of its array part, the
/// array items, then each hash pair as a key and a value, then [`end_table`](Self::end_table).
/// Every write checks the nesting: a value enclosed in more than
/// [`MAX_PACK_DEPTH`] tables is [`EncodeError::TooDeep`]. The packer does not know which
/// values are keys: a caller writing a hash part refuses nil and NaN keys itself
/// ([`EncodeError::NilKey`], [`EncodeError::NanKey`]) before writing them, as `pack` does.
///
/// ```
/// use skywire_seri::{pack, Packer, Table, Value};
/// let mut out = Vec::new();
/// let mut p = Packer::new(&mut out);
/// p.string(b"ping").unwrap();
/// p.begin_table(1).unwrap();
/// p.integer(7).unwrap(); // the array part
/// p.string(b"k").unwrap(); // a pair
/// p.real(0.5).unwrap();
/// p.end_table();
///
/// let mut t = Table::from_array(vec![Value::from(7)]);
/// t.insert("k", 0.5);
/// assert_eq!(out, pack(&[Value::from("ping"), Value::Table(t)]).unwrap());
/// ```
#[derive(Debug)]
pub struct Packer<'b> {
    out: &'b mut Vec<u8>,
    /// How many tables enclose the next value.
    depth: usize,
}

impl<'b> Packer<'b> {
    /// Appends to `out`, at the top level (an argument list).
    pub fn new(out: &'b mut Vec<u8>) -> Self {
        Packer { out, depth: 0 }
    }

    /// How many tables enclose the next value written (0 at the top level).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The bytes written so far (with whatever `out` held before).
    pub fn bytes(&self) -> &[u8] {
        self.out
    }

    /// `pack`'s nesting check for the next value.
    #[inline(always)]
    fn check_depth(&self) -> Result<(), EncodeError> {
        if self.depth > MAX_PACK_DEPTH {
            return Err(EncodeError::TooDeep { depth: self.depth });
        }
        Ok(())
    }

    /// Writes nil.
    #[inline]
    pub fn nil(&mut self) -> Result<(), EncodeError> {
        self.check_depth()?;
        encode::write_nil(self.out);
        Ok(())
    }

    /// Writes a boolean.
    #[inline]
    pub fn boolean(&mut self, b: bool) -> Result<(), EncodeError> {
        self.check_depth()?;
        encode::write_boolean(b, self.out);
        Ok(())
    }

    /// Writes an integer, in the narrowest form skynet uses for it.
    #[inline]
    pub fn integer(&mut self, i: i64) -> Result<(), EncodeError> {
        self.check_depth()?;
        encode::write_integer(i, self.out);
        Ok(())
    }

    /// Writes a float.
    #[inline]
    pub fn real(&mut self, x: f64) -> Result<(), EncodeError> {
        self.check_depth()?;
        encode::write_real(x, self.out);
        Ok(())
    }

    /// Writes a string (any bytes), short or long by its length.
    #[inline]
    pub fn string(&mut self, s: &[u8]) -> Result<(), EncodeError> {
        self.check_depth()?;
        encode::write_string(s, self.out)
    }

    /// Writes a light userdata.
    #[inline]
    pub fn light_userdata(&mut self, p: u64) -> Result<(), EncodeError> {
        self.check_depth()?;
        encode::write_light_userdata(p, self.out);
        Ok(())
    }

    /// Writes a whole [`Value`] at the current nesting.
    pub fn value(&mut self, v: &Value) -> Result<(), EncodeError> {
        encode::write_value(v, self.depth, self.out)
    }

    /// Starts a table whose array part has `array_len` items: write them, then the hash
    /// pairs, then call [`end_table`](Self::end_table).
    #[inline]
    pub fn begin_table(&mut self, array_len: usize) -> Result<(), EncodeError> {
        self.check_depth()?;
        encode::write_table_head(array_len, self.out);
        self.depth += 1;
        Ok(())
    }

    /// Ends the innermost table (writes the nil that closes its hash part). At the top
    /// level, where no table is open, it writes nothing.
    #[inline]
    pub fn end_table(&mut self) {
        if let Some(depth) = self.depth.checked_sub(1) {
            self.depth = depth;
            encode::write_nil(self.out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{pack, Table};
    use alloc::vec;

    /// Walks `v` with a packer as a foreign caller would.
    fn walk(p: &mut Packer<'_>, v: &Value) -> Result<(), EncodeError> {
        match v {
            Value::Nil => p.nil(),
            Value::Boolean(b) => p.boolean(*b),
            Value::Integer(i) => p.integer(*i),
            Value::Real(x) => p.real(*x),
            Value::String(s) => p.string(s),
            Value::LightUserdata(u) => p.light_userdata(*u),
            Value::Table(t) => {
                p.begin_table(t.array.len())?;
                for item in &t.array {
                    walk(p, item)?;
                }
                for (k, v) in &t.hash {
                    match k {
                        Value::Nil => return Err(EncodeError::NilKey),
                        Value::Real(x) if x.is_nan() => return Err(EncodeError::NanKey),
                        _ => walk(p, k)?,
                    }
                    walk(p, v)?;
                }
                p.end_table();
                Ok(())
            }
        }
    }

    fn packed_by_walk(args: &[Value]) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        let mut p = Packer::new(&mut out);
        for v in args {
            walk(&mut p, v)?;
        }
        assert_eq!(p.depth(), 0);
        Ok(out)
    }

    #[test]
    fn same_bytes_and_errors_as_pack() {
        let nest = |mut v: Value, n: usize| {
            for _ in 0..n {
                v = Value::array(vec![v]);
            }
            v
        };
        let mut mixed = Table::from_array((0..40).map(Value::from).collect());
        mixed.insert("k", Value::LightUserdata(0xdead_beef));
        mixed.insert(1.5, vec![b'x'; 70_000]);
        let cases = vec![
            vec![Value::from("ping"), Value::from(1), Value::Real(-0.0)],
            vec![Value::Table(mixed), Value::Nil, Value::Boolean(true)],
            vec![nest(Value::Table(Table::new()), 32)],
            vec![nest(Value::from(1), 32)],
            vec![nest(Value::from(1), 33)],
            vec![Value::Table(Table::from_pairs(vec![(
                Value::Nil,
                Value::from(1),
            )]))],
            vec![Value::Table(Table::from_pairs(vec![(
                Value::Real(f64::NAN),
                Value::Nil,
            )]))],
        ];
        for args in cases {
            let expected = pack(&args).map(|b| b.to_vec());
            assert_eq!(packed_by_walk(&args), expected, "{args:?}");
            let mut out = Vec::new();
            let mut p = Packer::new(&mut out);
            let whole = args.iter().try_for_each(|v| p.value(v));
            assert_eq!(whole.map(|()| out), expected);
        }
    }

    #[test]
    fn end_table_at_the_top_level_writes_nothing() {
        let mut out = Vec::new();
        let mut p = Packer::new(&mut out);
        p.end_table();
        p.integer(0).unwrap();
        assert_eq!(p.bytes(), [0x02]);
        assert_eq!(out, [0x02]);
    }
}
