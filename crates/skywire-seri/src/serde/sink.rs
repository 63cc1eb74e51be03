//! What the serializer writes to: a [`Sink`] takes the Lua values the mapping makes of a
//! Rust value, one at a time, in wire order (a table's head, its items or pairs, its end).
//! Two sinks: [`Tree`] builds [`Value`]s ([`to_value`](super::to_value),
//! [`to_values`](super::to_values)) and [`Wire`] writes lua-seri bytes
//! ([`to_payload`](super::to_payload): no tree is built). The mapping of Rust types to Lua
//! values is written once, in [`ser`](super::ser), over this trait.
//!
//! [`Wire`] writes what [`pack`](crate::pack) writes for the [`Value`]s [`Tree`] builds, with
//! the same encoders (`crate::encode`). It refuses, with an error, whatever `pack` could
//! refuse (a table whose items would be too deep, a NaN key, a string too long for the
//! wire), more cautiously than `pack`: [`to_payload`](super::to_payload) then lets the tree
//! and `pack` decide.

use alloc::vec::Vec;

use bytes::Bytes;

use super::SerdeError;
use crate::encode::{self, Buffer};
use crate::error::EncodeError;
use crate::value::{Table, Value};
use crate::wire;

/// A receiver of Lua values in wire order.
///
/// Scalars are written whole; an array is [`Sink::array`], then one [`Sink::item`] per
/// value written, then [`Sink::array_end`]; a hash part is [`Sink::hash`], then pairs, then
/// [`Sink::hash_end`]. A pair is a key (a field name, [`Sink::field_key`], or any value
/// written after [`Sink::mark`] and passed to [`Sink::map_key`]) followed by its value.
pub(super) trait Sink {
    /// One value written: the value itself, or what the sink needs to know of it.
    type Out;
    /// An array part being written.
    type Array;
    /// A hash part being written.
    type Hash;
    /// A field name written, waiting for its value.
    type FieldKey;
    /// The position before a map key.
    type Mark;
    /// A map key written, waiting for its value.
    type MapKey;
    /// A top-level argument list.
    type Args;

    /// `true` if `out` is nil.
    fn is_nil(out: &Self::Out) -> bool;

    /// Writes nil.
    fn nil(&mut self) -> Self::Out;
    /// Writes a boolean.
    fn boolean(&mut self, v: bool) -> Self::Out;
    /// Writes an integer.
    fn integer(&mut self, v: i64) -> Self::Out;
    /// Writes a float.
    fn real(&mut self, v: f64) -> Self::Out;
    /// Writes a string.
    fn string(&mut self, v: &[u8]) -> Result<Self::Out, SerdeError>;
    /// Writes a [`Value`] as it is, enclosed in `depth` tables.
    fn value(&mut self, v: Value, depth: usize) -> Result<Self::Out, SerdeError>;

    /// Starts a table with an array part of about `len` items, itself enclosed in `depth`
    /// tables.
    fn array(&mut self, len: Option<usize>, depth: usize) -> Result<Self::Array, SerdeError>;
    /// The next array item, just written.
    fn item(&mut self, array: &mut Self::Array, out: Self::Out);
    /// Ends the table.
    fn array_end(&mut self, array: Self::Array) -> Self::Out;

    /// Starts a table with a hash part of about `len` pairs, itself enclosed in `depth`
    /// tables.
    fn hash(&mut self, len: Option<usize>, depth: usize) -> Result<Self::Hash, SerdeError>;
    /// Writes a field name as a key.
    fn field_key(&mut self, key: &'static str) -> Result<Self::FieldKey, SerdeError>;
    /// The value of `key`, just written: the pair is kept unless the value is nil and
    /// `keep_nil` is false.
    fn field(&mut self, hash: &mut Self::Hash, key: Self::FieldKey, out: Self::Out, keep_nil: bool);
    /// The position before a map key.
    fn mark(&self) -> Self::Mark;
    /// A map key (not nil), just written after `mark`.
    fn map_key(&mut self, mark: Self::Mark, key: Self::Out) -> Result<Self::MapKey, SerdeError>;
    /// The value of `key`, just written: the pair is left out if the value is nil.
    fn entry(&mut self, hash: &mut Self::Hash, key: Self::MapKey, out: Self::Out);
    /// Ends the table.
    fn hash_end(&mut self, hash: Self::Hash) -> Self::Out;

    /// An argument list of about `len` values.
    fn args(len: usize) -> Self::Args;
    /// The next argument, just written.
    fn arg(args: &mut Self::Args, out: Self::Out);

    /// An argument list of one value.
    #[inline]
    fn one(out: Self::Out) -> Self::Args {
        let mut args = Self::args(1);
        Self::arg(&mut args, out);
        args
    }
}

/// The most capacity reserved ahead from a length hint (a hint is not checked: it may
/// lie).
const MAX_RESERVE: usize = 1024;

/// Builds [`Value`]s: each value written is given back, and a table holds its items.
pub(super) struct Tree;

impl Sink for Tree {
    type Out = Value;
    type Array = alloc::vec::Vec<Value>;
    type Hash = alloc::vec::Vec<(Value, Value)>;
    type FieldKey = &'static str;
    type Mark = ();
    type MapKey = Value;
    type Args = alloc::vec::Vec<Value>;

    #[inline]
    fn is_nil(out: &Value) -> bool {
        out.is_nil()
    }

    #[inline]
    fn nil(&mut self) -> Value {
        Value::Nil
    }
    #[inline]
    fn boolean(&mut self, v: bool) -> Value {
        Value::Boolean(v)
    }
    #[inline]
    fn integer(&mut self, v: i64) -> Value {
        Value::Integer(v)
    }
    #[inline]
    fn real(&mut self, v: f64) -> Value {
        Value::Real(v)
    }
    #[inline]
    fn string(&mut self, v: &[u8]) -> Result<Value, SerdeError> {
        Ok(Value::String(Bytes::copy_from_slice(v)))
    }
    #[inline]
    fn value(&mut self, v: Value, _depth: usize) -> Result<Value, SerdeError> {
        Ok(v)
    }

    #[inline]
    fn array(&mut self, len: Option<usize>, _depth: usize) -> Result<Self::Array, SerdeError> {
        Ok(alloc::vec::Vec::with_capacity(
            len.unwrap_or(0).min(MAX_RESERVE),
        ))
    }
    #[inline]
    fn item(&mut self, array: &mut Self::Array, out: Value) {
        array.push(out);
    }
    #[inline]
    fn array_end(&mut self, array: Self::Array) -> Value {
        Value::Table(Table::from_array(array))
    }

    #[inline]
    fn hash(&mut self, len: Option<usize>, _depth: usize) -> Result<Self::Hash, SerdeError> {
        Ok(alloc::vec::Vec::with_capacity(
            len.unwrap_or(0).min(MAX_RESERVE),
        ))
    }
    #[inline]
    fn field_key(&mut self, key: &'static str) -> Result<&'static str, SerdeError> {
        Ok(key)
    }
    #[inline]
    fn field(&mut self, hash: &mut Self::Hash, key: &'static str, out: Value, keep_nil: bool) {
        if keep_nil || !out.is_nil() {
            // A name is `'static`: the key refers to it, nothing is copied.
            hash.push((Value::String(Bytes::from_static(key.as_bytes())), out));
        }
    }
    #[inline]
    fn mark(&self) {}
    #[inline]
    fn map_key(&mut self, (): (), key: Value) -> Result<Value, SerdeError> {
        Ok(key)
    }
    #[inline]
    fn entry(&mut self, hash: &mut Self::Hash, key: Value, out: Value) {
        if !out.is_nil() {
            hash.push((key, out));
        }
    }
    #[inline]
    fn hash_end(&mut self, hash: Self::Hash) -> Value {
        Value::Table(Table::from_pairs(hash))
    }

    #[inline]
    fn args(len: usize) -> Self::Args {
        alloc::vec::Vec::with_capacity(len.min(MAX_RESERVE))
    }
    #[inline]
    fn arg(args: &mut Self::Args, out: Value) {
        args.push(out);
    }
}

/// What [`Wire`] needs to know of a value it wrote.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Wrote {
    /// Nil (one byte).
    Nil,
    /// A NaN float, which cannot be a key.
    Nan,
    /// Anything else.
    Other,
}

/// Where an array's head is, and the item count it gives.
pub(super) struct WireArray {
    /// Offset of the table's type byte.
    head: usize,
    /// The array length written in the head.
    written: usize,
    /// Items written since.
    count: usize,
}

/// Writes lua-seri bytes into a [`Buffer`], as [`pack`](crate::pack) writes the values
/// [`Tree`] builds.
pub(super) struct Wire<'b, B> {
    out: &'b mut B,
}

impl<'b, B: Buffer> Wire<'b, B> {
    /// Appends to `out`.
    pub(super) fn new(out: &'b mut B) -> Self {
        Wire { out }
    }

    /// Refuses a table enclosed in `depth` tables whose items would be deeper than skynet
    /// packs (an empty one would pack: the caller's fallback lets `pack` decide).
    #[inline]
    fn check_depth(depth: usize) -> Result<(), SerdeError> {
        if depth >= wire::MAX_DEPTH {
            return Err(SerdeError::Encode(EncodeError::TooDeep {
                depth: depth + 1,
            }));
        }
        Ok(())
    }
}

impl<B: Buffer> Sink for Wire<'_, B> {
    type Out = Wrote;
    type Array = WireArray;
    type Hash = ();
    type FieldKey = usize;
    type Mark = usize;
    type MapKey = usize;
    type Args = ();

    #[inline]
    fn is_nil(out: &Wrote) -> bool {
        *out == Wrote::Nil
    }

    #[inline]
    fn nil(&mut self) -> Wrote {
        encode::write_nil(self.out);
        Wrote::Nil
    }
    #[inline]
    fn boolean(&mut self, v: bool) -> Wrote {
        encode::write_boolean(v, self.out);
        Wrote::Other
    }
    #[inline]
    fn integer(&mut self, v: i64) -> Wrote {
        encode::write_integer(v, self.out);
        Wrote::Other
    }
    #[inline]
    fn real(&mut self, v: f64) -> Wrote {
        encode::write_real(v, self.out);
        if v.is_nan() {
            Wrote::Nan
        } else {
            Wrote::Other
        }
    }
    #[inline]
    fn string(&mut self, v: &[u8]) -> Result<Wrote, SerdeError> {
        encode::write_string(v, self.out)?;
        Ok(Wrote::Other)
    }
    fn value(&mut self, v: Value, depth: usize) -> Result<Wrote, SerdeError> {
        encode::write_value(&v, depth, self.out)?;
        Ok(match v {
            Value::Nil => Wrote::Nil,
            Value::Real(f) if f.is_nan() => Wrote::Nan,
            _ => Wrote::Other,
        })
    }

    #[inline]
    fn array(&mut self, len: Option<usize>, depth: usize) -> Result<WireArray, SerdeError> {
        Self::check_depth(depth)?;
        let written = len.unwrap_or(0);
        let head = self.out.len();
        encode::write_table_head(written, self.out);
        Ok(WireArray {
            head,
            written,
            count: 0,
        })
    }
    #[inline]
    fn item(&mut self, array: &mut WireArray, _out: Wrote) {
        array.count += 1;
    }
    #[inline]
    fn array_end(&mut self, array: WireArray) -> Wrote {
        if array.count != array.written {
            // The length hint was missing or wrong: the head says how many items follow.
            let head_of = |n| {
                let mut h = Vec::new();
                encode::write_table_head(n, &mut h);
                h
            };
            let (old, new) = (head_of(array.written), head_of(array.count));
            let at = array.head;
            if old.len() == new.len() {
                self.out[at..at + new.len()].copy_from_slice(&new);
            } else {
                let items = self.out[at + old.len()..].to_vec();
                self.out.truncate(at);
                self.out.put(&new);
                self.out.put(&items);
            }
        }
        encode::write_nil(self.out);
        Wrote::Other
    }

    #[inline]
    fn hash(&mut self, _len: Option<usize>, depth: usize) -> Result<(), SerdeError> {
        Self::check_depth(depth)?;
        encode::write_table_head(0, self.out);
        Ok(())
    }
    #[inline]
    fn field_key(&mut self, key: &'static str) -> Result<usize, SerdeError> {
        let mark = self.out.len();
        encode::write_string(key.as_bytes(), self.out)?;
        Ok(mark)
    }
    #[inline]
    fn field(&mut self, (): &mut (), mark: usize, out: Wrote, keep_nil: bool) {
        if !keep_nil && out == Wrote::Nil {
            self.out.truncate(mark);
        }
    }
    #[inline]
    fn mark(&self) -> usize {
        self.out.len()
    }
    #[inline]
    fn map_key(&mut self, mark: usize, key: Wrote) -> Result<usize, SerdeError> {
        if key == Wrote::Nan {
            return Err(SerdeError::Encode(EncodeError::NanKey));
        }
        Ok(mark)
    }
    #[inline]
    fn entry(&mut self, (): &mut (), mark: usize, out: Wrote) {
        if out == Wrote::Nil {
            self.out.truncate(mark);
        }
    }
    #[inline]
    fn hash_end(&mut self, (): ()) -> Wrote {
        encode::write_nil(self.out);
        Wrote::Other
    }

    #[inline]
    fn args(_len: usize) {}
    #[inline]
    fn arg((): &mut (), _out: Wrote) {}
}
