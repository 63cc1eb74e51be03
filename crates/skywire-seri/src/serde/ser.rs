//! The serializer: Rust values into [`Value`]s.

use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

use ::serde::ser::{self, Serialize};
use bytes::Bytes;

use super::{SerdeError, SERIALIZE_MAX_DEPTH, VALUE_MARKER};
use crate::value::{Table, Value};

/// Serializes one value. `depth` counts enclosing compound values.
#[derive(Clone, Copy)]
pub(crate) struct ValueSerializer {
    depth: usize,
}

impl ValueSerializer {
    pub(crate) const fn new(depth: usize) -> Self {
        ValueSerializer { depth }
    }

    /// The serializer for the contents of a compound value.
    fn child(self) -> Result<ValueSerializer, SerdeError> {
        if self.depth >= SERIALIZE_MAX_DEPTH {
            return Err(SerdeError::TooDeep {
                limit: SERIALIZE_MAX_DEPTH,
            });
        }
        Ok(ValueSerializer::new(self.depth + 1))
    }
}

fn int_from<T: Into<i128> + Copy>(v: T, target: &'static str) -> Result<Value, SerdeError> {
    let wide: i128 = v.into();
    i64::try_from(wide)
        .map(Value::Integer)
        .map_err(|_| SerdeError::IntegerOutOfRange {
            value: wide,
            target,
        })
}

fn one_pair(key: &'static str, value: Value) -> Value {
    Value::Table(Table::from_pairs(vec![(Value::from(key), value)]))
}

/// `Serializer` methods that convert their argument with `Value::from`.
macro_rules! via_from {
    ($($method:ident($ty:ty)),*) => {$(
        fn $method(self, v: $ty) -> Result<Value, SerdeError> {
            Ok(Value::from(v))
        }
    )*};
}

/// `$trait` for a builder whose `push` takes what `$method` is given and whose `finish`
/// gives the result.
macro_rules! impl_builder {
    ($trait:ident: $method:ident($($arg:ident: $ty:ty),*) for $builder:ty => $ok:ty) => {
        impl ser::$trait for $builder {
            type Ok = $ok;
            type Error = SerdeError;
            fn $method<T: Serialize + ?Sized>(&mut self, $($arg: $ty),*) -> Result<(), SerdeError> {
                self.push($($arg),*)
            }
            fn end(self) -> Result<$ok, SerdeError> {
                Ok(self.finish())
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

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = SerdeError;
    type SerializeSeq = SeqSer;
    type SerializeTuple = SeqSer;
    type SerializeTupleStruct = SeqSer;
    type SerializeTupleVariant = VariantSer<SeqSer>;
    type SerializeMap = MapSer;
    type SerializeStruct = StructSer;
    type SerializeStructVariant = VariantSer<StructSer>;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_bool(self, v: bool) -> Result<Value, SerdeError> {
        Ok(Value::Boolean(v))
    }
    via_from!(
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_str(&str)
    );
    fn serialize_i64(self, v: i64) -> Result<Value, SerdeError> {
        Ok(Value::Integer(v))
    }
    fn serialize_i128(self, v: i128) -> Result<Value, SerdeError> {
        int_from(v, "a Lua integer (i64)")
    }
    fn serialize_u64(self, v: u64) -> Result<Value, SerdeError> {
        int_from(v, "a Lua integer (i64)")
    }
    fn serialize_u128(self, v: u128) -> Result<Value, SerdeError> {
        match i128::try_from(v) {
            Ok(w) => int_from(w, "a Lua integer (i64)"),
            Err(_) => Err(SerdeError::IntegerOutOfRange {
                value: i128::MAX,
                target: "a Lua integer (i64)",
            }),
        }
    }
    fn serialize_f32(self, v: f32) -> Result<Value, SerdeError> {
        Ok(Value::Real(f64::from(v)))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, SerdeError> {
        Ok(Value::Real(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, SerdeError> {
        let mut buf = [0u8; 4];
        Ok(Value::from(v.encode_utf8(&mut buf).as_bytes()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, SerdeError> {
        Ok(Value::String(Bytes::copy_from_slice(v)))
    }
    fn serialize_none(self) -> Result<Value, SerdeError> {
        Ok(Value::Nil)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, SerdeError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, SerdeError> {
        Ok(Value::Nil)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, SerdeError> {
        Ok(Value::Nil)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, SerdeError> {
        Ok(Value::from(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Value, SerdeError> {
        if name == VALUE_MARKER {
            // A `Value` in its compact form: rebuild it exactly.
            let compact = value.serialize(self)?;
            return super::value_impl::from_compact(compact);
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, SerdeError> {
        Ok(one_pair(variant, value.serialize(self.child()?)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSer, SerdeError> {
        Ok(SeqSer {
            items: Vec::with_capacity(len.unwrap_or(0).min(1024)),
            ser: self.child()?,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqSer, SerdeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqSer, SerdeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSer<SeqSer>, SerdeError> {
        Ok(VariantSer {
            variant,
            inner: self.child()?.serialize_seq(Some(len))?,
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<MapSer, SerdeError> {
        Ok(MapSer {
            hash: Vec::new(),
            key: None,
            ser: self.child()?,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<StructSer, SerdeError> {
        Ok(StructSer {
            hash: Vec::with_capacity(len.min(1024)),
            ser: self.child()?,
        })
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSer<StructSer>, SerdeError> {
        Ok(VariantSer {
            variant,
            inner: self.child()?.serialize_struct(variant, len)?,
        })
    }
    fn collect_str<T: core::fmt::Display + ?Sized>(self, value: &T) -> Result<Value, SerdeError> {
        Ok(Value::from(value.to_string()))
    }
}

/// Builds an array part.
pub(crate) struct SeqSer {
    items: Vec<Value>,
    ser: ValueSerializer,
}

impl SeqSer {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        self.items.push(value.serialize(self.ser)?);
        Ok(())
    }
    fn finish(self) -> Value {
        Value::Table(Table::from_array(self.items))
    }
}

impl_seq!(SeqSer => Value);

/// Builds a hash part from map entries (nil values left out).
pub(crate) struct MapSer {
    hash: Vec<(Value, Value)>,
    key: Option<Value>,
    ser: ValueSerializer,
}

impl ser::SerializeMap for MapSer {
    type Ok = Value;
    type Error = SerdeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), SerdeError> {
        let key = key.serialize(self.ser)?;
        if key.is_nil() {
            return Err(SerdeError::NilKey);
        }
        self.key = Some(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| SerdeError::Custom("map value without a key".into()))?;
        let value = value.serialize(self.ser)?;
        if !value.is_nil() {
            self.hash.push((key, value));
        }
        Ok(())
    }
    fn end(self) -> Result<Value, SerdeError> {
        Ok(Value::Table(Table::from_pairs(self.hash)))
    }
}

/// Builds a hash part from struct fields (nil values left out).
pub(crate) struct StructSer {
    hash: Vec<(Value, Value)>,
    ser: ValueSerializer,
}

impl StructSer {
    fn push<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerdeError> {
        let value = value.serialize(self.ser)?;
        if !value.is_nil() {
            self.hash.push((Value::from(key), value));
        }
        Ok(())
    }
    fn finish(self) -> Value {
        Value::Table(Table::from_pairs(self.hash))
    }
}

impl_builder!(SerializeStruct: serialize_field(key: &'static str, value: &T) for StructSer => Value);

/// Wraps the contents of a tuple or struct variant as `{ Variant = inner }`.
pub(crate) struct VariantSer<S> {
    variant: &'static str,
    inner: S,
}

impl VariantSer<SeqSer> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        self.inner.push(value)
    }
    fn finish(self) -> Value {
        one_pair(self.variant, self.inner.finish())
    }
}

impl_builder!(SerializeTupleVariant: serialize_field(value: &T) for VariantSer<SeqSer> => Value);

impl VariantSer<StructSer> {
    fn push<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), SerdeError> {
        self.inner.push(key, value)
    }
    fn finish(self) -> Value {
        one_pair(self.variant, self.inner.finish())
    }
}

impl_builder!(
    SerializeStructVariant: serialize_field(key: &'static str, value: &T)
        for VariantSer<StructSer> => Value
);

/// Serializes a top-level argument list.
pub(crate) struct ArgsSerializer;

fn top() -> ValueSerializer {
    ValueSerializer::new(0)
}

fn one(v: Result<Value, SerdeError>) -> Result<Vec<Value>, SerdeError> {
    v.map(|v| vec![v])
}

/// `Serializer` methods of [`ArgsSerializer`] that give the one argument [`top`] makes of
/// the value (`one:`), or start the one compound argument (`compound:`).
macro_rules! args_one {
    (one: $($method:ident($($arg:ident: $ty:ty),*)),*) => {$(
        fn $method(self, $($arg: $ty),*) -> Result<Vec<Value>, SerdeError> {
            one(top().$method($($arg),*))
        }
    )*};
    (compound: $($method:ident($($arg:ident: $ty:ty),*) -> $ret:ty),*) => {$(
        fn $method(self, $($arg: $ty),*) -> Result<One<$ret>, SerdeError> {
            top().$method($($arg),*).map(One)
        }
    )*};
}

impl ser::Serializer for ArgsSerializer {
    type Ok = Vec<Value>;
    type Error = SerdeError;
    type SerializeSeq = ArgsSeq;
    type SerializeTuple = ArgsSeq;
    type SerializeTupleStruct = ArgsSeq;
    type SerializeTupleVariant = One<VariantSer<SeqSer>>;
    type SerializeMap = One<MapSer>;
    type SerializeStruct = One<StructSer>;
    type SerializeStructVariant = One<VariantSer<StructSer>>;

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
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str)
    );
    fn serialize_none(self) -> Result<Vec<Value>, SerdeError> {
        Ok(vec![Value::Nil])
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Vec<Value>, SerdeError> {
        one(value.serialize(top()))
    }
    fn serialize_unit(self) -> Result<Vec<Value>, SerdeError> {
        Ok(Vec::new())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Vec<Value>, SerdeError> {
        Ok(Vec::new())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Vec<Value>, SerdeError> {
        if name == VALUE_MARKER {
            return one(top().serialize_newtype_struct(name, value));
        }
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Vec<Value>, SerdeError> {
        one(top().serialize_newtype_variant(name, index, variant, value))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<ArgsSeq, SerdeError> {
        Ok(ArgsSeq {
            items: Vec::with_capacity(len.unwrap_or(0).min(1024)),
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<ArgsSeq, SerdeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<ArgsSeq, SerdeError> {
        self.serialize_seq(Some(len))
    }
    args_one!(
        compound: serialize_tuple_variant(
            name: &'static str,
            index: u32,
            variant: &'static str,
            len: usize
        ) -> VariantSer<SeqSer>,
        serialize_map(len: Option<usize>) -> MapSer,
        serialize_struct(name: &'static str, len: usize) -> StructSer,
        serialize_struct_variant(
            name: &'static str,
            index: u32,
            variant: &'static str,
            len: usize
        ) -> VariantSer<StructSer>
    );
    fn collect_str<T: core::fmt::Display + ?Sized>(
        self,
        value: &T,
    ) -> Result<Vec<Value>, SerdeError> {
        Ok(vec![Value::from(value.to_string())])
    }
}

/// The elements of a top-level sequence or tuple: one argument each.
pub(crate) struct ArgsSeq {
    items: Vec<Value>,
}

impl ArgsSeq {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        self.items.push(value.serialize(top())?);
        Ok(())
    }
    fn finish(self) -> Vec<Value> {
        self.items
    }
}

impl_seq!(ArgsSeq => Vec<Value>);

/// A compound value at the top level of an argument list: one argument.
pub(crate) struct One<S>(S);

/// `$trait` for [`One`]: each method passed to the inner serializer, its value made the
/// one argument at the end.
macro_rules! impl_one {
    ($trait:ident: $($method:ident($($arg:ident: $ty:ty),*)),*) => {
        impl<S: ser::$trait<Ok = Value, Error = SerdeError>> ser::$trait for One<S> {
            type Ok = Vec<Value>;
            type Error = SerdeError;
            $(fn $method<T: Serialize + ?Sized>(&mut self, $($arg: $ty),*) -> Result<(), SerdeError> {
                self.0.$method($($arg),*)
            })*
            fn end(self) -> Result<Vec<Value>, SerdeError> {
                one(self.0.end())
            }
        }
    };
}

impl_one!(SerializeMap: serialize_key(key: &T), serialize_value(value: &T));
impl_one!(SerializeStruct: serialize_field(key: &'static str, value: &T));
impl_one!(SerializeTupleVariant: serialize_field(value: &T));
impl_one!(SerializeStructVariant: serialize_field(key: &'static str, value: &T));
