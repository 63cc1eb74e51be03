//! `Serialize` / `Deserialize` for [`Value`] itself.
//!
//! Human-readable formats get the JSON form; compact formats (including this
//! crate's own serializer) get a marker newtype around an externally tagged
//! enum, which this crate rebuilds exactly. See the module docs of
//! `crate::serde` for the forms.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use ::serde::de::{
    self, Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use ::serde::ser::{Serialize, SerializeStruct, SerializeTupleVariant, Serializer};
use bytes::Bytes;

use super::{SerdeError, COMPACT_ENUM, COMPACT_VARIANTS, VALUE_MARKER};
use crate::text;
use crate::value::{Table, Value};

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            Readable(self).serialize(s)
        } else {
            s.serialize_newtype_struct(VALUE_MARKER, &Compact(self))
        }
    }
}

/// The compact form: an externally tagged enum.
struct Compact<'a>(&'a Value);

/// Serializes a byte string with `serialize_bytes`.
struct ByteStr<'a>(&'a [u8]);

impl Serialize for ByteStr<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

impl Serialize for Compact<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = COMPACT_ENUM;
        match self.0 {
            Value::Nil => s.serialize_unit_variant(e, 0, "Nil"),
            Value::Boolean(b) => s.serialize_newtype_variant(e, 1, "Boolean", b),
            Value::Integer(i) => s.serialize_newtype_variant(e, 2, "Integer", i),
            Value::Real(x) => s.serialize_newtype_variant(e, 3, "Real", x),
            Value::String(b) => s.serialize_newtype_variant(e, 4, "String", &ByteStr(b)),
            Value::Table(t) => {
                let mut tv = s.serialize_tuple_variant(e, 5, "Table", 2)?;
                tv.serialize_field(&t.array)?;
                tv.serialize_field(&t.hash)?;
                tv.end()
            }
            Value::LightUserdata(p) => {
                s.serialize_newtype_variant(e, 6, "LightUserdata", &(*p as i64))
            }
        }
    }
}

/// The human-readable (JSON) form.
struct Readable<'a>(&'a Value);

impl Serialize for Readable<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Nil => s.serialize_unit(),
            Value::Boolean(b) => s.serialize_bool(*b),
            Value::Integer(i) => s.serialize_i64(*i),
            Value::Real(x) => {
                let mut st = s.serialize_struct("Real", 1)?;
                match text::special_real_name(*x) {
                    Some(name) => st.serialize_field("real", name)?,
                    None => st.serialize_field("real", x)?,
                }
                st.end()
            }
            Value::String(b) => match text::json_safe_str(b) {
                Some(text) => s.serialize_str(text),
                None => {
                    let mut st = s.serialize_struct("Bytes", 1)?;
                    st.serialize_field("bytes", &text::hex_encode(b))?;
                    st.end()
                }
            },
            Value::Table(t) => {
                let mut st = s.serialize_struct("Table", 2)?;
                st.serialize_field("array", &t.array)?;
                st.serialize_field("hash", &t.hash)?;
                st.end()
            }
            Value::LightUserdata(p) => {
                let mut st = s.serialize_struct("Userdata", 1)?;
                st.serialize_field("userdata", &text::userdata_hex(*p))?;
                st.end()
            }
        }
    }
}

fn bad_form(what: &str) -> SerdeError {
    SerdeError::BadValueForm(String::from(what))
}

/// Rebuilds a [`Value`] from its compact form as produced by this crate's
/// serializer (`Nil` as a string, other variants as one-pair tables).
pub(crate) fn from_compact(v: Value) -> Result<Value, SerdeError> {
    let t = match v {
        Value::String(s) if s.as_ref() == b"Nil" => return Ok(Value::Nil),
        Value::Table(t) if t.array.is_empty() && t.hash.len() == 1 => t,
        _ => return Err(bad_form("not a tagged value")),
    };
    let Some((Value::String(tag), inner)) = t.hash.into_iter().next() else {
        return Err(bad_form("tag is not a string"));
    };
    match (tag.as_ref(), inner) {
        (b"Boolean", v @ Value::Boolean(_))
        | (b"Integer", v @ Value::Integer(_))
        | (b"Real", v @ Value::Real(_))
        | (b"String", v @ Value::String(_)) => Ok(v),
        (b"LightUserdata", Value::Integer(p)) => Ok(Value::LightUserdata(p as u64)),
        (b"Table", Value::Table(parts)) => {
            let mut parts = parts.array.into_iter();
            let (Some(Value::Table(array)), Some(Value::Table(pairs)), None) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(bad_form("table is not (array, hash)"));
            };
            let hash = pairs
                .array
                .into_iter()
                .map(|p| match p {
                    Value::Table(p) if p.array.len() == 2 && p.hash.is_empty() => {
                        let mut kv = p.array.into_iter();
                        match (kv.next(), kv.next()) {
                            (Some(k), Some(v)) => Ok((k, v)),
                            _ => Err(bad_form("hash pair is not (key, value)")),
                        }
                    }
                    _ => Err(bad_form("hash pair is not (key, value)")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Table(Table {
                array: array.array,
                hash,
            }))
        }
        _ => Err(bad_form("unknown tag or wrong payload")),
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        if d.is_human_readable() {
            d.deserialize_any(ReadableVisitor)
        } else {
            d.deserialize_newtype_struct(VALUE_MARKER, CompactNewtypeVisitor)
        }
    }
}

struct CompactNewtypeVisitor;

impl<'de> Visitor<'de> for CompactNewtypeVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Lua value")
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_enum(COMPACT_ENUM, COMPACT_VARIANTS, CompactVisitor)
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        CompactVisitor.visit_enum(data)
    }
}

/// The variant tag of the compact form.
enum Tag {
    Nil,
    Boolean,
    Integer,
    Real,
    String,
    Table,
    LightUserdata,
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tag, D::Error> {
        struct TagVisitor;
        impl Visitor<'_> for TagVisitor {
            type Value = Tag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Lua value type tag")
            }
            fn visit_u64<E: de::Error>(self, i: u64) -> Result<Tag, E> {
                match i {
                    0 => Ok(Tag::Nil),
                    1 => Ok(Tag::Boolean),
                    2 => Ok(Tag::Integer),
                    3 => Ok(Tag::Real),
                    4 => Ok(Tag::String),
                    5 => Ok(Tag::Table),
                    6 => Ok(Tag::LightUserdata),
                    _ => Err(E::invalid_value(de::Unexpected::Unsigned(i), &self)),
                }
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Tag, E> {
                match s {
                    "Nil" => Ok(Tag::Nil),
                    "Boolean" => Ok(Tag::Boolean),
                    "Integer" => Ok(Tag::Integer),
                    "Real" => Ok(Tag::Real),
                    "String" => Ok(Tag::String),
                    "Table" => Ok(Tag::Table),
                    "LightUserdata" => Ok(Tag::LightUserdata),
                    _ => Err(E::unknown_variant(s, COMPACT_VARIANTS)),
                }
            }
            fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<Tag, E> {
                match core::str::from_utf8(b) {
                    Ok(s) => self.visit_str(s),
                    Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(b), &self)),
                }
            }
        }
        d.deserialize_identifier(TagVisitor)
    }
}

/// Reads a byte string from bytes, a string or a sequence of bytes.
struct ByteBuf(Bytes);

impl<'de> Deserialize<'de> for ByteBuf {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ByteBuf, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ByteBuf;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<ByteBuf, E> {
                Ok(ByteBuf(Bytes::copy_from_slice(b)))
            }
            fn visit_byte_buf<E: de::Error>(self, b: Vec<u8>) -> Result<ByteBuf, E> {
                Ok(ByteBuf(Bytes::from(b)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ByteBuf, E> {
                Ok(ByteBuf(Bytes::copy_from_slice(s.as_bytes())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<ByteBuf, E> {
                Ok(ByteBuf(Bytes::from(s)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ByteBuf, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(b) = seq.next_element::<u8>()? {
                    v.push(b);
                }
                Ok(ByteBuf(Bytes::from(v)))
            }
        }
        d.deserialize_byte_buf(V)
    }
}

struct CompactVisitor;

impl<'de> Visitor<'de> for CompactVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a tagged Lua value")
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (tag, access) = data.variant::<Tag>()?;
        Ok(match tag {
            Tag::Nil => {
                access.unit_variant()?;
                Value::Nil
            }
            Tag::Boolean => Value::Boolean(access.newtype_variant()?),
            Tag::Integer => Value::Integer(access.newtype_variant()?),
            Tag::Real => Value::Real(access.newtype_variant()?),
            Tag::String => Value::String(access.newtype_variant::<ByteBuf>()?.0),
            Tag::LightUserdata => Value::LightUserdata(access.newtype_variant::<i64>()? as u64),
            Tag::Table => access.tuple_variant(2, TablePartsVisitor)?,
        })
    }
}

struct TablePartsVisitor;

impl<'de> Visitor<'de> for TablePartsVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table as (array part, hash part)")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let array: Vec<Value> = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let hash: Vec<(Value, Value)> = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        Ok(Value::Table(Table { array, hash }))
    }
}

/// Reads the JSON form (and, leniently, bare floats and sequences).
struct ReadableVisitor;

/// The keys of the JSON form's objects.
enum FormKey {
    Real,
    Bytes,
    Userdata,
    Array,
    Hash,
}

const FORM_KEYS: &[&str] = &["real", "bytes", "userdata", "array", "hash"];

impl<'de> Deserialize<'de> for FormKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<FormKey, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FormKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("one of real, bytes, userdata, array, hash")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<FormKey, E> {
                match s {
                    "real" => Ok(FormKey::Real),
                    "bytes" => Ok(FormKey::Bytes),
                    "userdata" => Ok(FormKey::Userdata),
                    "array" => Ok(FormKey::Array),
                    "hash" => Ok(FormKey::Hash),
                    _ => Err(E::unknown_field(s, FORM_KEYS)),
                }
            }
        }
        d.deserialize_identifier(V)
    }
}

/// The content of `{"real": ...}`: a number or a special name.
struct RealRepr(f64);

impl<'de> Deserialize<'de> for RealRepr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RealRepr, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RealRepr;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or one of \"nan\", \"inf\", \"-inf\", \"-0\"")
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<RealRepr, E> {
                Ok(RealRepr(x))
            }
            fn visit_i64<E: de::Error>(self, x: i64) -> Result<RealRepr, E> {
                Ok(RealRepr(x as f64))
            }
            fn visit_u64<E: de::Error>(self, x: u64) -> Result<RealRepr, E> {
                Ok(RealRepr(x as f64))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RealRepr, E> {
                text::parse_special_real(s)
                    .map(RealRepr)
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
            }
        }
        d.deserialize_any(V)
    }
}

/// A hex string (`{"bytes": ...}` / `{"userdata": ...}`).
struct Hex(String);

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Hex, D::Error> {
        String::deserialize(d).map(Hex)
    }
}

impl<'de> Visitor<'de> for ReadableVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Lua value in its JSON form")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Boolean(b))
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Integer(i))
    }
    fn visit_u64<E: de::Error>(self, i: u64) -> Result<Value, E> {
        i64::try_from(i)
            .map(Value::Integer)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(i), &"an integer within i64"))
    }
    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Value, E> {
        Ok(Value::Real(x))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::from(s))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::from(s))
    }
    fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<Value, E> {
        Ok(Value::from(b))
    }
    fn visit_byte_buf<E: de::Error>(self, b: Vec<u8>) -> Result<Value, E> {
        Ok(Value::from(b))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut array = Vec::new();
        while let Some(v) = seq.next_element()? {
            array.push(v);
        }
        Ok(Value::Table(Table::from_array(array)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut scalar: Option<Value> = None;
        let mut array: Option<Vec<Value>> = None;
        let mut hash: Option<Vec<(Value, Value)>> = None;
        let mut keys = 0usize;
        while let Some(key) = map.next_key::<FormKey>()? {
            keys += 1;
            match key {
                FormKey::Real => scalar = Some(Value::Real(map.next_value::<RealRepr>()?.0)),
                FormKey::Bytes => {
                    let Hex(h) = map.next_value()?;
                    let b = text::hex_decode(&h).ok_or_else(|| {
                        de::Error::invalid_value(de::Unexpected::Str(&h), &"lowercase hex")
                    })?;
                    scalar = Some(Value::from(b));
                }
                FormKey::Userdata => {
                    let Hex(h) = map.next_value()?;
                    let p = text::parse_userdata_hex(&h).ok_or_else(|| {
                        de::Error::invalid_value(de::Unexpected::Str(&h), &"16 hex digits")
                    })?;
                    scalar = Some(Value::LightUserdata(p));
                }
                FormKey::Array => {
                    if array.replace(map.next_value()?).is_some() {
                        return Err(de::Error::duplicate_field("array"));
                    }
                }
                FormKey::Hash => {
                    if hash.replace(map.next_value()?).is_some() {
                        return Err(de::Error::duplicate_field("hash"));
                    }
                }
            }
        }
        match scalar {
            Some(v) if keys == 1 => Ok(v),
            Some(_) => Err(de::Error::custom(
                "a real/bytes/userdata object must have exactly one key",
            )),
            None => Ok(Value::Table(Table {
                array: array.unwrap_or_default(),
                hash: hash.unwrap_or_default(),
            })),
        }
    }
}
