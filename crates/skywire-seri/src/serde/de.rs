//! The deserializer: Rust values out of [`Value`]s (borrowing strings).

use alloc::string::String;
use core::iter::Enumerate;
use core::slice;

use ::serde::de::value::{
    BoolDeserializer, BorrowedBytesDeserializer, BorrowedStrDeserializer, F64Deserializer,
    I64Deserializer,
};
use ::serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::{SerdeError, COMPACT_VARIANTS, VALUE_MARKER};
use crate::value::{exact_integer, Table, Value};

/// The nil that missing values read as.
pub(super) static NIL: Value = Value::Nil;

/// Deserializes from one borrowed [`Value`].
#[derive(Clone, Copy)]
pub(crate) struct ValueDeserializer<'de> {
    value: &'de Value,
}

impl<'de> ValueDeserializer<'de> {
    pub(crate) const fn new(value: &'de Value) -> Self {
        ValueDeserializer { value }
    }

    fn mismatch(&self, expected: &str) -> SerdeError {
        SerdeError::TypeMismatch {
            expected: String::from(expected),
            found: String::from(found_name(self.value)),
        }
    }

    /// The value as an `i64`: integers, and floats with an exact integral value.
    fn integer(&self, target: &'static str) -> Result<i64, SerdeError> {
        match self.value {
            Value::Integer(i) => Ok(*i),
            Value::Real(x) => {
                exact_integer(*x).ok_or(SerdeError::NotAnInteger { value: *x, target })
            }
            _ => Err(self.mismatch(target)),
        }
    }

    fn table(&self, expected: &str) -> Result<&'de Table, SerdeError> {
        match self.value {
            Value::Table(t) => Ok(t),
            _ => Err(self.mismatch(expected)),
        }
    }

    fn utf8(&self, expected: &str) -> Result<&'de str, SerdeError> {
        match self.value {
            Value::String(s) => core::str::from_utf8(s).map_err(|_| SerdeError::InvalidUtf8),
            _ => Err(self.mismatch(expected)),
        }
    }
}

/// How a value is named in type-mismatch errors.
fn found_name(v: &Value) -> &'static str {
    match v {
        Value::Integer(_) => "integer",
        Value::Real(_) => "float",
        Value::LightUserdata(_) => "light userdata",
        other => other.type_name(),
    }
}

pub(super) fn out_of_range(value: i64, target: &'static str) -> SerdeError {
    SerdeError::IntegerOutOfRange {
        value: i128::from(value),
        target,
    }
}

/// Visits an array part as a sequence, requiring every item to be consumed.
fn visit_array<'de, V: Visitor<'de>>(
    items: &'de [Value],
    visitor: V,
) -> Result<V::Value, SerdeError> {
    let mut seq = ArraySeq { iter: items.iter() };
    let out = visitor.visit_seq(&mut seq)?;
    let left = seq.iter.len();
    if left != 0 {
        return Err(de::Error::invalid_length(
            items.len(),
            &"fewer elements in the table",
        ));
    }
    Ok(out)
}

impl<'de> Deserializer<'de> for ValueDeserializer<'de> {
    type Error = SerdeError;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.value {
            Value::Nil => visitor.visit_unit(),
            Value::Boolean(b) => visitor.visit_bool(*b),
            Value::Integer(i) => visitor.visit_i64(*i),
            Value::Real(x) => visitor.visit_f64(*x),
            Value::String(s) => match core::str::from_utf8(s) {
                Ok(text) => visitor.visit_borrowed_str(text),
                Err(_) => visitor.visit_borrowed_bytes(s),
            },
            Value::Table(t) if t.hash.is_empty() && !t.array.is_empty() => {
                visit_array(&t.array, visitor)
            }
            Value::Table(t) => visitor.visit_map(TableMap::new(t, false)),
            Value::LightUserdata(p) => visitor.visit_u64(*p),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.value {
            Value::Boolean(b) => visitor.visit_bool(*b),
            _ => Err(self.mismatch("boolean")),
        }
    }

    deserialize_integers!();

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.value {
            Value::Real(x) => visitor.visit_f64(*x),
            Value::Integer(i) => visitor.visit_f64(*i as f64),
            _ => Err(self.mismatch("number")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_borrowed_str(self.utf8("a one-character string")?)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_borrowed_str(self.utf8("string")?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.value {
            Value::String(s) => visitor.visit_borrowed_bytes(s),
            _ => Err(self.mismatch("string")),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.value {
            Value::Nil => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.value {
            Value::Nil => visitor.visit_unit(),
            _ => Err(self.mismatch("nil")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        if name == VALUE_MARKER {
            return visitor.visit_newtype_struct(CompactDeserializer { value: self.value });
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        let t = self.table("table (sequence)")?;
        if !t.hash.is_empty() {
            return Err(self.mismatch("table with only an array part"));
        }
        visit_array(&t.array, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        let t = self.table("table (map)")?;
        visitor.visit_map(TableMap::new(t, false))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        let t = self.table("table (struct)")?;
        if t.hash.is_empty() && !t.array.is_empty() {
            return visit_array(&t.array, visitor);
        }
        visitor.visit_map(TableMap::new(t, true))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        match self.value {
            Value::String(_) => visitor.visit_enum(UnitVariant {
                name: self.utf8("variant name")?,
            }),
            Value::Table(t) if t.array.is_empty() && t.hash.len() == 1 => match t.hash.first() {
                Some((key, value)) => visitor.visit_enum(TaggedVariant { key, value }),
                None => Err(self.mismatch("enum")),
            },
            _ => Err(self.mismatch("a variant name or a one-pair table {Variant = value}")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_unit()
    }
}

impl<'de> IntoDeserializer<'de, SerdeError> for ValueDeserializer<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

/// The items of an array part.
struct ArraySeq<'de> {
    iter: slice::Iter<'de, Value>,
}

impl<'de> SeqAccess<'de> for ArraySeq<'de> {
    type Error = SerdeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        match self.iter.next() {
            Some(v) => seed.deserialize(ValueDeserializer::new(v)).map(Some),
            None => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// A table as a map: the array part as keys `1..=n` (unless reading a
/// struct), then the hash part (only string keys when reading a struct).
struct TableMap<'de> {
    array: Enumerate<slice::Iter<'de, Value>>,
    hash: slice::Iter<'de, (Value, Value)>,
    value: Option<&'de Value>,
    strings_only: bool,
}

impl<'de> TableMap<'de> {
    fn new(t: &'de Table, for_struct: bool) -> Self {
        let array = if for_struct {
            &t.array[..0]
        } else {
            &t.array[..]
        };
        TableMap {
            array: array.iter().enumerate(),
            hash: t.hash.iter(),
            value: None,
            strings_only: for_struct,
        }
    }
}

impl<'de> MapAccess<'de> for TableMap<'de> {
    type Error = SerdeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, SerdeError> {
        if let Some((i, v)) = self.array.next() {
            self.value = Some(v);
            let key = I64Deserializer::<SerdeError>::new(i as i64 + 1);
            return seed.deserialize(key).map(Some);
        }
        for (k, v) in self.hash.by_ref() {
            if self.strings_only && !matches!(k, Value::String(_)) {
                continue;
            }
            self.value = Some(v);
            return seed.deserialize(ValueDeserializer::new(k)).map(Some);
        }
        Ok(None)
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<T::Value, SerdeError> {
        let v = self.value.take().unwrap_or(&NIL);
        seed.deserialize(ValueDeserializer::new(v))
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.array.len() + self.hash.len())
    }
}

/// An enum given as its variant name.
pub(super) struct UnitVariant<'de> {
    name: &'de str,
}

impl<'de> UnitVariant<'de> {
    pub(super) const fn new(name: &'de str) -> Self {
        UnitVariant { name }
    }
}

impl<'de> EnumAccess<'de> for UnitVariant<'de> {
    type Error = SerdeError;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), SerdeError> {
        let name = seed.deserialize(BorrowedStrDeserializer::<SerdeError>::new(self.name))?;
        Ok((name, self))
    }
}

fn not_unit(expected: &str) -> SerdeError {
    SerdeError::TypeMismatch {
        expected: String::from(expected),
        found: String::from("a bare variant name (unit variant)"),
    }
}

impl<'de> VariantAccess<'de> for UnitVariant<'de> {
    type Error = SerdeError;
    fn unit_variant(self) -> Result<(), SerdeError> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        _seed: T,
    ) -> Result<T::Value, SerdeError> {
        Err(not_unit("newtype variant {Variant = value}"))
    }
    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, SerdeError> {
        Err(not_unit("tuple variant {Variant = {...}}"))
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, SerdeError> {
        Err(not_unit("struct variant {Variant = {...}}"))
    }
}

/// An enum given as a one-pair table `{ Variant = value }`.
struct TaggedVariant<'de> {
    key: &'de Value,
    value: &'de Value,
}

impl<'de> EnumAccess<'de> for TaggedVariant<'de> {
    type Error = SerdeError;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), SerdeError> {
        let name = seed.deserialize(ValueDeserializer::new(self.key))?;
        Ok((name, self))
    }
}

impl<'de> VariantAccess<'de> for TaggedVariant<'de> {
    type Error = SerdeError;
    fn unit_variant(self) -> Result<(), SerdeError> {
        // `{ Variant = anything }` is accepted for a unit variant.
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, SerdeError> {
        seed.deserialize(ValueDeserializer::new(self.value))
    }
    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        ValueDeserializer::new(self.value).deserialize_tuple(len, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        ValueDeserializer::new(self.value).deserialize_struct("", fields, visitor)
    }
}

/// Presents a [`Value`] in its compact (tagged enum) form, for
/// `Value: Deserialize` reading through this crate's deserializer.
struct CompactDeserializer<'de> {
    value: &'de Value,
}

impl<'de> Deserializer<'de> for CompactDeserializer<'de> {
    type Error = SerdeError;
    fn is_human_readable(&self) -> bool {
        false
    }
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_enum(self)
    }
    forward_all_to_any!();
}

impl<'de> EnumAccess<'de> for CompactDeserializer<'de> {
    type Error = SerdeError;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), SerdeError> {
        let index = match self.value {
            Value::Nil => 0,
            Value::Boolean(_) => 1,
            Value::Integer(_) => 2,
            Value::Real(_) => 3,
            Value::String(_) => 4,
            Value::Table(_) => 5,
            Value::LightUserdata(_) => 6,
        };
        let name = COMPACT_VARIANTS.get(index).copied().unwrap_or("Nil");
        let tag = seed.deserialize(BorrowedStrDeserializer::<SerdeError>::new(name))?;
        Ok((tag, self))
    }
}

pub(super) fn bad_compact() -> SerdeError {
    SerdeError::BadValueForm(String::from("variant does not match the value"))
}

impl<'de> VariantAccess<'de> for CompactDeserializer<'de> {
    type Error = SerdeError;
    fn unit_variant(self) -> Result<(), SerdeError> {
        match self.value {
            Value::Nil => Ok(()),
            _ => Err(bad_compact()),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, SerdeError> {
        match self.value {
            Value::Boolean(b) => seed.deserialize(BoolDeserializer::<SerdeError>::new(*b)),
            Value::Integer(i) => seed.deserialize(I64Deserializer::<SerdeError>::new(*i)),
            Value::Real(x) => seed.deserialize(F64Deserializer::<SerdeError>::new(*x)),
            Value::String(s) => seed.deserialize(BorrowedBytesDeserializer::<SerdeError>::new(s)),
            Value::LightUserdata(p) => {
                seed.deserialize(I64Deserializer::<SerdeError>::new(*p as i64))
            }
            _ => Err(bad_compact()),
        }
    }
    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        match self.value {
            Value::Table(t) => visitor.visit_seq(TableParts { table: t, next: 0 }),
            _ => Err(bad_compact()),
        }
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, SerdeError> {
        Err(bad_compact())
    }
}

/// A table's two parts as a 2-sequence.
struct TableParts<'de> {
    table: &'de Table,
    next: u8,
}

impl<'de> SeqAccess<'de> for TableParts<'de> {
    type Error = SerdeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        let n = self.next;
        self.next = n.saturating_add(1);
        match n {
            0 => seed.deserialize(ArrayPart(&self.table.array)).map(Some),
            1 => seed.deserialize(HashPart(&self.table.hash)).map(Some),
            _ => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(2usize.saturating_sub(usize::from(self.next)))
    }
}

/// An array part as a sequence of values.
struct ArrayPart<'de>(&'de [Value]);

impl<'de> Deserializer<'de> for ArrayPart<'de> {
    type Error = SerdeError;
    fn is_human_readable(&self) -> bool {
        false
    }
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visit_array(self.0, visitor)
    }
    forward_all_to_any!();
}

/// A hash part as a sequence of `(key, value)` 2-sequences.
struct HashPart<'de>(&'de [(Value, Value)]);

impl<'de> Deserializer<'de> for HashPart<'de> {
    type Error = SerdeError;
    fn is_human_readable(&self) -> bool {
        false
    }
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_seq(PairsSeq {
            iter: self.0.iter(),
        })
    }
    forward_all_to_any!();
}

struct PairsSeq<'de> {
    iter: slice::Iter<'de, (Value, Value)>,
}

impl<'de> SeqAccess<'de> for PairsSeq<'de> {
    type Error = SerdeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        match self.iter.next() {
            Some((k, v)) => seed.deserialize(Pair { k, v }).map(Some),
            None => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// One hash pair as a 2-sequence.
struct Pair<'de> {
    k: &'de Value,
    v: &'de Value,
}

impl<'de> Deserializer<'de> for Pair<'de> {
    type Error = SerdeError;
    fn is_human_readable(&self) -> bool {
        false
    }
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        let mut seq = PairItems {
            items: [Some(self.k), Some(self.v)],
            next: 0,
        };
        let out = visitor.visit_seq(&mut seq)?;
        if seq.next < 2 {
            return Err(de::Error::invalid_length(2, &"a (key, value) pair"));
        }
        Ok(out)
    }
    forward_all_to_any!();
}

struct PairItems<'de> {
    items: [Option<&'de Value>; 2],
    next: usize,
}

impl<'de> SeqAccess<'de> for PairItems<'de> {
    type Error = SerdeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        match self.items.get_mut(self.next).and_then(Option::take) {
            Some(v) => {
                self.next += 1;
                seed.deserialize(ValueDeserializer::new(v)).map(Some)
            }
            None => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(2usize.saturating_sub(self.next))
    }
}

/// Deserializes from a top-level argument list.
pub(crate) struct ArgsDeserializer<'de> {
    values: &'de [Value],
}

impl<'de> ArgsDeserializer<'de> {
    pub(crate) const fn new(values: &'de [Value]) -> Self {
        ArgsDeserializer { values }
    }

    /// The single argument (nil if none); more than one is an error.
    fn single(&self) -> Result<ValueDeserializer<'de>, SerdeError> {
        if self.values.len() > 1 {
            return Err(SerdeError::TrailingValues {
                expected: 1,
                found: self.values.len(),
            });
        }
        Ok(ValueDeserializer::new(self.values.first().unwrap_or(&NIL)))
    }

    fn tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, SerdeError> {
        if self.values.len() > len {
            return Err(SerdeError::TrailingValues {
                expected: len,
                found: self.values.len(),
            });
        }
        visitor.visit_seq(ArgsSeq {
            values: self.values,
            next: 0,
            len,
        })
    }
}

/// Arguments `0..len`, nil past the end of the list.
struct ArgsSeq<'de> {
    values: &'de [Value],
    next: usize,
    len: usize,
}

impl<'de> SeqAccess<'de> for ArgsSeq<'de> {
    type Error = SerdeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        if self.next >= self.len {
            return Ok(None);
        }
        let v = self.values.get(self.next).unwrap_or(&NIL);
        self.next += 1;
        seed.deserialize(ValueDeserializer::new(v)).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.len - self.next)
    }
}

macro_rules! forward_single {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
            self.single()?.$method(visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for ArgsDeserializer<'de> {
    type Error = SerdeError;

    fn is_human_readable(&self) -> bool {
        false
    }

    args_read_one!(forward_single);

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        if self.values.iter().all(Value::is_nil) {
            visitor.visit_unit()
        } else {
            Err(SerdeError::TrailingValues {
                expected: 0,
                found: self.values.len(),
            })
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        if name == VALUE_MARKER {
            return self.single()?.deserialize_newtype_struct(name, visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        let len = self.values.len();
        self.tuple(len, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.tuple(len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.single()?.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }
}
