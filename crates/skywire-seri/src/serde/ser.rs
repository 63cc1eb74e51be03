//! The serializer: the mapping of Rust values to Lua values (documented on
//! [`to_value`](super::to_value)), written once over a [`Sink`]: [`Tree`] builds
//! [`Value`]s, [`Wire`](super::sink::Wire) writes lua-seri bytes.

use alloc::string::ToString;
use core::marker::PhantomData;

use ::serde::ser::{self, Serialize};

use super::sink::{Sink, Tree};
use super::{SerdeError, SERIALIZE_MAX_DEPTH, VALUE_MARKER};
use crate::value::Value;

/// Converts `value` to one [`Value`] (what [`to_value`](super::to_value) does).
#[inline]
pub(super) fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, SerdeError> {
    value.serialize(ValueSerializer::new(&mut Tree, 0))
}

/// Converts `value` to an argument list (what [`to_values`](super::to_values) does).
#[inline]
pub(super) fn to_values<T: Serialize + ?Sized>(
    value: &T,
) -> Result<alloc::vec::Vec<Value>, SerdeError> {
    value.serialize(ArgsSerializer::new(&mut Tree))
}

/// Serializes one value into `sink`. `depth` counts enclosing compound values.
pub(super) struct ValueSerializer<'s, S> {
    sink: &'s mut S,
    depth: usize,
}

impl<'s, S: Sink> ValueSerializer<'s, S> {
    pub(super) fn new(sink: &'s mut S, depth: usize) -> Self {
        ValueSerializer { sink, depth }
    }

    /// The depth of the contents of a compound value.
    #[inline]
    fn child(&self) -> Result<usize, SerdeError> {
        if self.depth >= SERIALIZE_MAX_DEPTH {
            return Err(SerdeError::TooDeep {
                limit: SERIALIZE_MAX_DEPTH,
            });
        }
        Ok(self.depth + 1)
    }

    fn integer<T: Into<i128> + Copy>(self, v: T) -> Result<S::Out, SerdeError> {
        let wide: i128 = v.into();
        match i64::try_from(wide) {
            Ok(i) => Ok(self.sink.integer(i)),
            Err(_) => Err(SerdeError::IntegerOutOfRange {
                value: wide,
                target: "a Lua integer (i64)",
            }),
        }
    }
}

/// `Serializer` methods that write an integer the type converts into `i64` without loss.
macro_rules! via_i64 {
    ($($method:ident($ty:ty)),*) => {$(
        #[inline]
        fn $method(self, v: $ty) -> Result<S::Out, SerdeError> {
            Ok(self.sink.integer(i64::from(v)))
        }
    )*};
}

/// `$trait` for a builder whose `push` takes what `$method` is given and whose `finish`
/// gives the result.
macro_rules! impl_builder {
    ($trait:ident: $method:ident($($arg:ident: $ty:ty),*) for $builder:ty => $ok:ty) => {
        impl<'s, S: Sink> ser::$trait for $builder {
            type Ok = $ok;
            type Error = SerdeError;
            #[inline]
            fn $method<T: Serialize + ?Sized>(&mut self, $($arg: $ty),*) -> Result<(), SerdeError> {
                self.push($($arg),*)
            }
            #[inline]
            fn end(self) -> Result<$ok, SerdeError> {
                Ok(self.finish().1)
            }
        }
    };
}

/// `SerializeSeq`, `SerializeTuple` and `SerializeTupleStruct` for a builder of elements.
macro_rules! impl_seq {
    ($builder:ty => $ok:ty) => {
        impl_builder!(SerializeSeq: serialize_element(value: &T) for $builder => $ok);
        impl_builder!(SerializeTuple: serialize_element(value: &T) for $builder => $ok);
        impl_builder!(SerializeTupleStruct: serialize_field(value: &T) for $builder => $ok);
    };
}

impl<'s, S: Sink> ser::Serializer for ValueSerializer<'s, S> {
    type Ok = S::Out;
    type Error = SerdeError;
    type SerializeSeq = SeqSer<'s, S>;
    type SerializeTuple = SeqSer<'s, S>;
    type SerializeTupleStruct = SeqSer<'s, S>;
    type SerializeTupleVariant = VariantSer<S, SeqSer<'s, S>>;
    type SerializeMap = MapSer<'s, S>;
    type SerializeStruct = StructSer<'s, S>;
    type SerializeStructVariant = VariantSer<S, StructSer<'s, S>>;

    fn is_human_readable(&self) -> bool {
        false
    }

    #[inline]
    fn serialize_bool(self, v: bool) -> Result<S::Out, SerdeError> {
        Ok(self.sink.boolean(v))
    }
    via_i64!(
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32)
    );
    fn serialize_i128(self, v: i128) -> Result<S::Out, SerdeError> {
        self.integer(v)
    }
    #[inline]
    fn serialize_u64(self, v: u64) -> Result<S::Out, SerdeError> {
        self.integer(v)
    }
    fn serialize_u128(self, v: u128) -> Result<S::Out, SerdeError> {
        match i128::try_from(v) {
            Ok(w) => self.integer(w),
            Err(_) => Err(SerdeError::IntegerOutOfRange {
                value: i128::MAX,
                target: "a Lua integer (i64)",
            }),
        }
    }
    #[inline]
    fn serialize_f32(self, v: f32) -> Result<S::Out, SerdeError> {
        Ok(self.sink.real(f64::from(v)))
    }
    #[inline]
    fn serialize_f64(self, v: f64) -> Result<S::Out, SerdeError> {
        Ok(self.sink.real(v))
    }
    fn serialize_char(self, v: char) -> Result<S::Out, SerdeError> {
        let mut buf = [0u8; 4];
        self.sink.string(v.encode_utf8(&mut buf).as_bytes())
    }
    #[inline]
    fn serialize_str(self, v: &str) -> Result<S::Out, SerdeError> {
        self.sink.string(v.as_bytes())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<S::Out, SerdeError> {
        self.sink.string(v)
    }
    #[inline]
    fn serialize_none(self) -> Result<S::Out, SerdeError> {
        Ok(self.sink.nil())
    }
    #[inline]
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Out, SerdeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<S::Out, SerdeError> {
        Ok(self.sink.nil())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<S::Out, SerdeError> {
        Ok(self.sink.nil())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<S::Out, SerdeError> {
        self.sink.string(variant.as_bytes())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Out, SerdeError> {
        if name == VALUE_MARKER {
            // A `Value` in its compact form: rebuilt exactly, then written as it is.
            let compact = value.serialize(ValueSerializer::new(&mut Tree, self.depth))?;
            let v = super::value_impl::from_compact(compact)?;
            return self.sink.value(v, self.depth);
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Out, SerdeError> {
        // `{ Variant = inner }`, the inner value kept even if nil.
        let depth = self.child()?;
        let (mut hash, key) = self.variant_head(variant)?;
        let out = value.serialize(ValueSerializer::new(&mut *self.sink, depth))?;
        self.sink.field(&mut hash, key, out, true);
        Ok(self.sink.hash_end(hash))
    }
    #[inline]
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSer<'s, S>, SerdeError> {
        let depth = self.child()?;
        let items = self.sink.array(len, self.depth)?;
        Ok(SeqSer {
            sink: self.sink,
            items,
            depth,
        })
    }
    #[inline]
    fn serialize_tuple(self, len: usize) -> Result<SeqSer<'s, S>, SerdeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqSer<'s, S>, SerdeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSer<S, SeqSer<'s, S>>, SerdeError> {
        let depth = self.child()?;
        let (hash, key) = self.variant_head(variant)?;
        Ok(VariantSer {
            hash,
            key,
            inner: ValueSerializer::new(self.sink, depth).serialize_seq(Some(len))?,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapSer<'s, S>, SerdeError> {
        let depth = self.child()?;
        let hash = self.sink.hash(None, self.depth)?;
        Ok(MapSer {
            sink: self.sink,
            hash,
            key: None,
            depth,
        })
    }
    #[inline]
    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<StructSer<'s, S>, SerdeError> {
        let depth = self.child()?;
        let hash = self.sink.hash(Some(len), self.depth)?;
        Ok(StructSer {
            sink: self.sink,
            hash,
            depth,
        })
    }
    fn serialize_struct_variant(
        mut self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSer<S, StructSer<'s, S>>, SerdeError> {
        let depth = self.child()?;
        let (hash, key) = self.variant_head(variant)?;
        Ok(VariantSer {
            hash,
            key,
            inner: ValueSerializer::new(self.sink, depth).serialize_struct(variant, len)?,
        })
    }
    fn collect_str<T: core::fmt::Display + ?Sized>(self, value: &T) -> Result<S::Out, SerdeError> {
        self.sink.string(value.to_string().as_bytes())
    }
}

impl<S: Sink> ValueSerializer<'_, S> {
    /// The start of `{ Variant = inner }`: the table and its key.
    fn variant_head(
        &mut self,
        variant: &'static str,
    ) -> Result<(S::Hash, S::FieldKey), SerdeError> {
        let hash = self.sink.hash(Some(1), self.depth)?;
        let key = self.sink.field_key(variant)?;
        Ok((hash, key))
    }
}

/// Writes an array part.
pub(super) struct SeqSer<'s, S: Sink> {
    sink: &'s mut S,
    items: S::Array,
    /// The depth of the items.
    depth: usize,
}

impl<'s, S: Sink> SeqSer<'s, S> {
    #[inline]
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        let out = value.serialize(ValueSerializer::new(&mut *self.sink, self.depth))?;
        self.sink.item(&mut self.items, out);
        Ok(())
    }
    #[inline]
    fn finish(self) -> (&'s mut S, S::Out) {
        let out = self.sink.array_end(self.items);
        (self.sink, out)
    }
}

impl_seq!(SeqSer<'s, S> => S::Out);

/// Writes a hash part from map entries (nil values left out).
pub(super) struct MapSer<'s, S: Sink> {
    sink: &'s mut S,
    hash: S::Hash,
    key: Option<S::MapKey>,
    /// The depth of the keys and values.
    depth: usize,
}

impl<S: Sink> ser::SerializeMap for MapSer<'_, S> {
    type Ok = S::Out;
    type Error = SerdeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerdeError> {
        let mark = self.sink.mark();
        let key = key.serialize(ValueSerializer::new(&mut *self.sink, self.depth))?;
        if S::is_nil(&key) {
            return Err(SerdeError::NilKey);
        }
        self.key = Some(self.sink.map_key(mark, key)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| SerdeError::Custom("map value without a key".into()))?;
        let value = value.serialize(ValueSerializer::new(&mut *self.sink, self.depth))?;
        self.sink.entry(&mut self.hash, key, value);
        Ok(())
    }
    fn end(self) -> Result<S::Out, SerdeError> {
        Ok(self.sink.hash_end(self.hash))
    }
}

/// Writes a hash part from struct fields (nil values left out).
pub(super) struct StructSer<'s, S: Sink> {
    sink: &'s mut S,
    hash: S::Hash,
    /// The depth of the fields.
    depth: usize,
}

impl<'s, S: Sink> StructSer<'s, S> {
    #[inline]
    fn push<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerdeError> {
        let key = self.sink.field_key(key)?;
        let out = value.serialize(ValueSerializer::new(&mut *self.sink, self.depth))?;
        self.sink.field(&mut self.hash, key, out, false);
        Ok(())
    }
    #[inline]
    fn finish(self) -> (&'s mut S, S::Out) {
        let out = self.sink.hash_end(self.hash);
        (self.sink, out)
    }
}

impl_builder!(SerializeStruct: serialize_field(key: &'static str, value: &T) for StructSer<'s, S> => S::Out);

/// The contents of a tuple or struct variant, then `{ Variant = inner }` around them.
pub(super) struct VariantSer<S: Sink, I> {
    hash: S::Hash,
    key: S::FieldKey,
    inner: I,
}

impl<S: Sink, I> VariantSer<S, I> {
    /// `{ Variant = inner }` around the contents just finished.
    fn wrap(
        mut hash: S::Hash,
        key: S::FieldKey,
        (sink, inner): (&mut S, S::Out),
    ) -> (&mut S, S::Out) {
        sink.field(&mut hash, key, inner, true);
        let out = sink.hash_end(hash);
        (sink, out)
    }
}

impl<'s, S: Sink> VariantSer<S, SeqSer<'s, S>> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        self.inner.push(value)
    }
    fn finish(self) -> (&'s mut S, S::Out) {
        Self::wrap(self.hash, self.key, self.inner.finish())
    }
}

impl_builder!(SerializeTupleVariant: serialize_field(value: &T) for VariantSer<S, SeqSer<'s, S>> => S::Out);

impl<'s, S: Sink> VariantSer<S, StructSer<'s, S>> {
    fn push<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerdeError> {
        self.inner.push(key, value)
    }
    fn finish(self) -> (&'s mut S, S::Out) {
        Self::wrap(self.hash, self.key, self.inner.finish())
    }
}

impl_builder!(
    SerializeStructVariant: serialize_field(key: &'static str, value: &T)
        for VariantSer<S, StructSer<'s, S>> => S::Out
);

/// Serializes a top-level argument list into `sink`.
pub(super) struct ArgsSerializer<'s, S> {
    sink: &'s mut S,
}

impl<'s, S: Sink> ArgsSerializer<'s, S> {
    pub(super) fn new(sink: &'s mut S) -> Self {
        ArgsSerializer { sink }
    }

    /// The serializer of one argument.
    #[inline]
    fn top(self) -> ValueSerializer<'s, S> {
        ValueSerializer::new(self.sink, 0)
    }
}

/// `Serializer` methods of [`ArgsSerializer`] that give the one argument [`ArgsSerializer::top`]
/// makes of the value (`one:`), or start the one compound argument (`compound:`).
macro_rules! args_one {
    (one: $($method:ident($($arg:ident: $ty:ty),*)),*) => {$(
        fn $method(self, $($arg: $ty),*) -> Result<S::Args, SerdeError> {
            self.top().$method($($arg),*).map(S::one)
        }
    )*};
    (compound: $($method:ident($($arg:ident: $ty:ty),*) -> $ret:ty),*) => {$(
        fn $method(self, $($arg: $ty),*) -> Result<One<S, $ret>, SerdeError> {
            self.top().$method($($arg),*).map(One::new)
        }
    )*};
}

impl<'s, S: Sink> ser::Serializer for ArgsSerializer<'s, S> {
    type Ok = S::Args;
    type Error = SerdeError;
    type SerializeSeq = ArgsSeq<'s, S>;
    type SerializeTuple = ArgsSeq<'s, S>;
    type SerializeTupleStruct = ArgsSeq<'s, S>;
    type SerializeTupleVariant = One<S, VariantSer<S, SeqSer<'s, S>>>;
    type SerializeMap = One<S, MapSer<'s, S>>;
    type SerializeStruct = One<S, StructSer<'s, S>>;
    type SerializeStructVariant = One<S, VariantSer<S, StructSer<'s, S>>>;

    fn is_human_readable(&self) -> bool {
        false
    }

    args_one!(
        one: serialize_bool(v: bool),
        serialize_i8(v: i8),
        serialize_i16(v: i16),
        serialize_i32(v: i32),
        serialize_i64(v: i64),
        serialize_i128(v: i128),
        serialize_u8(v: u8),
        serialize_u16(v: u16),
        serialize_u32(v: u32),
        serialize_u64(v: u64),
        serialize_u128(v: u128),
        serialize_f32(v: f32),
        serialize_f64(v: f64),
        serialize_char(v: char),
        serialize_str(v: &str),
        serialize_bytes(v: &[u8]),
        serialize_none(),
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str)
    );
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Args, SerdeError> {
        value.serialize(self.top()).map(S::one)
    }
    fn serialize_unit(self) -> Result<S::Args, SerdeError> {
        Ok(S::args(0))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<S::Args, SerdeError> {
        Ok(S::args(0))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Args, SerdeError> {
        if name == VALUE_MARKER {
            return self.top().serialize_newtype_struct(name, value).map(S::one);
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Args, SerdeError> {
        self.top()
            .serialize_newtype_variant(name, index, variant, value)
            .map(S::one)
    }
    #[inline]
    fn serialize_seq(self, len: Option<usize>) -> Result<ArgsSeq<'s, S>, SerdeError> {
        Ok(ArgsSeq {
            args: S::args(len.unwrap_or(0)),
            sink: self.sink,
        })
    }
    #[inline]
    fn serialize_tuple(self, len: usize) -> Result<ArgsSeq<'s, S>, SerdeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<ArgsSeq<'s, S>, SerdeError> {
        self.serialize_seq(Some(len))
    }
    args_one!(
        compound: serialize_tuple_variant(
            name: &'static str,
            index: u32,
            variant: &'static str,
            len: usize
        ) -> VariantSer<S, SeqSer<'s, S>>,
        serialize_map(len: Option<usize>) -> MapSer<'s, S>,
        serialize_struct(name: &'static str, len: usize) -> StructSer<'s, S>,
        serialize_struct_variant(
            name: &'static str,
            index: u32,
            variant: &'static str,
            len: usize
        ) -> VariantSer<S, StructSer<'s, S>>
    );
    fn collect_str<T: core::fmt::Display + ?Sized>(self, value: &T) -> Result<S::Args, SerdeError> {
        self.top().collect_str(value).map(S::one)
    }
}

/// The elements of a top-level sequence or tuple: one argument each.
pub(super) struct ArgsSeq<'s, S: Sink> {
    sink: &'s mut S,
    args: S::Args,
}

impl<'s, S: Sink> ArgsSeq<'s, S> {
    #[inline]
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        let out = value.serialize(ValueSerializer::new(&mut *self.sink, 0))?;
        S::arg(&mut self.args, out);
        Ok(())
    }
    #[inline]
    fn finish(self) -> (&'s mut S, S::Args) {
        (self.sink, self.args)
    }
}

impl_seq!(ArgsSeq<'s, S> => S::Args);

/// A compound value at the top level of an argument list: one argument.
pub(super) struct One<S, I> {
    inner: I,
    sink: PhantomData<fn() -> S>,
}

impl<S, I> One<S, I> {
    fn new(inner: I) -> Self {
        One {
            inner,
            sink: PhantomData,
        }
    }
}

/// `$trait` for [`One`]: each method passed to the inner serializer, its value made the
/// one argument at the end.
macro_rules! impl_one {
    ($trait:ident: $($method:ident($($arg:ident: $ty:ty),*)),*) => {
        impl<S: Sink, I: ser::$trait<Ok = S::Out, Error = SerdeError>> ser::$trait for One<S, I> {
            type Ok = S::Args;
            type Error = SerdeError;
            $(#[inline]
            fn $method<T: Serialize + ?Sized>(&mut self, $($arg: $ty),*) -> Result<(), SerdeError> {
                self.inner.$method($($arg),*)
            })*
            #[inline]
            fn end(self) -> Result<S::Args, SerdeError> {
                self.inner.end().map(S::one)
            }
        }
    };
}

impl_one!(SerializeMap: serialize_key(key: &T), serialize_value(value: &T));
impl_one!(SerializeStruct: serialize_field(key: &'static str, value: &T));
impl_one!(SerializeTupleVariant: serialize_field(value: &T));
impl_one!(SerializeStructVariant: serialize_field(key: &'static str, value: &T));
