//! The deserializer that reads Rust values straight from lua-seri bytes, building no
//! [`Value`](crate::Value) tree: [`from_slice`](super::from_slice).
//!
//! It gives exactly what [`ValueDeserializer`](super::de) gives for the values the bytes
//! unpack to: the same mapping, the same leniency, the same errors. The payload is checked
//! whole first (the shared decoder, building nothing), so a payload `unpack` refuses is
//! refused with the same [`DecodeError`](crate::DecodeError) whatever the target reads, and
//! what follows only reads bytes known to be well-formed.
//!
//! Reading a value consumes exactly its bytes: every path that succeeds leaves the cursor
//! after the value, skipping what the target does not look at. Where the value model looks
//! at a whole table before choosing (an array-only table read as a sequence or struct, a
//! one-pair table read as an enum), the table is looked ahead and the cursor put back.

use alloc::string::String;

use ::serde::de::value::{
    BoolDeserializer, BorrowedBytesDeserializer, BorrowedStrDeserializer, F64Deserializer,
    I64Deserializer,
};
use ::serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

use super::de::{bad_compact, UnitVariant, ValueDeserializer, NIL};
use super::{SerdeError, COMPACT_VARIANTS, VALUE_MARKER};
use crate::decode::{skip_value, Cursor, Item};
use crate::error::DecodeError;
use crate::value::exact_integer;
use crate::wire;

/// The wire form of nil: what an argument past the end of the list reads as.
static NIL_WIRE: [u8; 1] = [wire::TYPE_NIL];

/// The first part of a value on the wire: a scalar whole, or a table's header (the cursor
/// is then at its first array item).
#[derive(Clone, Copy)]
enum Head<'de> {
    Nil,
    Boolean(bool),
    Integer(i64),
    Real(f64),
    String(&'de [u8]),
    Table { array_len: usize },
    LightUserdata(u64),
}

impl Head<'_> {
    /// How the value is named in type-mismatch errors (as the value model names it).
    fn found(&self) -> &'static str {
        match self {
            Head::Nil => "nil",
            Head::Boolean(_) => "boolean",
            Head::Integer(_) => "integer",
            Head::Real(_) => "float",
            Head::String(_) => "string",
            Head::Table { .. } => "table",
            Head::LightUserdata(_) => "light userdata",
        }
    }

    fn mismatch(&self, expected: &str) -> SerdeError {
        SerdeError::TypeMismatch {
            expected: String::from(expected),
            found: String::from(self.found()),
        }
    }
}

/// Reads the head of the value at the cursor. The payload was checked, so the depth limit
/// was too: it is not counted again.
#[inline(always)]
fn read_head<'de>(cur: &mut Cursor<'de>) -> Result<Head<'de>, DecodeError> {
    Ok(match cur.item()? {
        Item::Nil => Head::Nil,
        Item::Boolean(b) => Head::Boolean(b),
        Item::Integer(i) => Head::Integer(i),
        Item::Real(x) => Head::Real(x),
        Item::LightUserdata(p) => Head::LightUserdata(p),
        Item::String(range) => Head::String(cur.buf().get(range).unwrap_or_default()),
        Item::Table { start, cookie } => Head::Table {
            array_len: cur.table_len(start, cookie, 0, usize::MAX)?,
        },
    })
}

/// The head of the value at the cursor, leaving the cursor where it was.
#[inline]
fn peek_head<'de>(cur: &mut Cursor<'de>) -> Result<Head<'de>, DecodeError> {
    let at = cur.pos();
    let head = read_head(cur);
    cur.rewind(at);
    head
}

/// With the cursor at a table's first array item: the table's end if its hash part holds
/// exactly `pairs` pairs (0 or 1), else `None`. The cursor is put back.
fn end_if_pairs(
    cur: &mut Cursor<'_>,
    array_len: usize,
    pairs: usize,
) -> Result<Option<usize>, SerdeError> {
    let at = cur.pos();
    let mut look = || {
        for _ in 0..array_len {
            skip_value(cur)?;
        }
        for _ in 0..pairs {
            if cur.hash_end()? {
                return Ok(None);
            }
            skip_value(cur)?;
            skip_value(cur)?;
        }
        Ok(cur.hash_end()?.then(|| cur.pos()))
    };
    let end = look();
    cur.rewind(at);
    end
}

/// With the cursor at a table's first array item: `true` if it has an array part and no
/// hash part, the tables the value model reads as sequences. The cursor is put back.
fn array_only(cur: &mut Cursor<'_>, array_len: usize) -> Result<bool, SerdeError> {
    Ok(array_len > 0 && end_if_pairs(cur, array_len, 0)?.is_some())
}

/// Skips what is left of a table's hash part, its terminator included.
fn skip_hash(cur: &mut Cursor<'_>) -> Result<(), SerdeError> {
    while !cur.hash_end()? {
        skip_value(cur)?;
        skip_value(cur)?;
    }
    Ok(())
}

/// Reads the table's terminator, which must follow (its hash part was seen to be empty,
/// or has been read).
fn end_table(cur: &mut Cursor<'_>) -> Result<(), SerdeError> {
    match cur.hash_end()? {
        true => Ok(()),
        false => Err(SerdeError::BadValueForm(String::from(
            "table has more than was read",
        ))),
    }
}

/// Deserializes the value at the cursor.
pub(crate) struct SliceDeserializer<'a, 'de> {
    cur: &'a mut Cursor<'de>,
}

impl<'a, 'de> SliceDeserializer<'a, 'de> {
    fn new(cur: &'a mut Cursor<'de>) -> Self {
        SliceDeserializer { cur }
    }

    /// Reads the head, consuming it.
    #[inline(always)]
    fn head(&mut self) -> Result<Head<'de>, SerdeError> {
        Ok(read_head(self.cur)?)
    }

    /// The value as an `i64`: integers, and floats with an exact integral value.
    fn integer(mut self, target: &'static str) -> Result<i64, SerdeError> {
        match self.head()? {
            Head::Integer(i) => Ok(i),
            Head::Real(x) => exact_integer(x).ok_or(SerdeError::NotAnInteger { value: x, target }),
            other => Err(other.mismatch(target)),
        }
    }

    fn utf8(mut self, expected: &str) -> Result<&'de str, SerdeError> {
        match self.head()? {
            Head::String(s) => core::str::from_utf8(s).map_err(|_| SerdeError::InvalidUtf8),
            other => Err(other.mismatch(expected)),
        }
    }

    /// Reads a table's head: the array length and the cursor at its first item.
    fn table(mut self, expected: &str) -> Result<(usize, &'a mut Cursor<'de>), SerdeError> {
        match self.head()? {
            Head::Table { array_len } => Ok((array_len, self.cur)),
            other => Err(other.mismatch(expected)),
        }
    }
}

/// Visits a table's array part (the cursor at its first item) as a sequence, requiring
/// every item to be consumed. The hash part is left to the caller.
fn visit_array<'de, V: Visitor<'de>>(
    cur: &mut Cursor<'de>,
    len: usize,
    visitor: V,
) -> Result<V::Value, SerdeError> {
    let mut seq = ArraySeq { cur, left: len };
    let out = visitor.visit_seq(&mut seq)?;
    if seq.left != 0 {
        return Err(de::Error::invalid_length(
            len,
            &"fewer elements in the table",
        ));
    }
    Ok(out)
}

/// Visits a table (the cursor at its first array item) as a map, then skips whatever the
/// visitor left unread.
fn visit_table_map<'de, V: Visitor<'de>>(
    cur: &mut Cursor<'de>,
    array_len: usize,
    for_struct: bool,
    visitor: V,
) -> Result<V::Value, SerdeError> {
    let mut map = TableMap {
        cur,
        array_left: array_len,
        index: 0,
        strings_only: for_struct,
        pending: false,
        done: false,
    };
    if for_struct {
        // A struct reads only the hash part.
        map.skip_array()?;
    }
    let out = visitor.visit_map(&mut map)?;
    map.finish()?;
    Ok(out)
}

impl<'de> Deserializer<'de> for SliceDeserializer<'_, 'de> {
    type Error = SerdeError;

    fn is_human_readable(&self) -> bool {
        false
    }

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.head()? {
            Head::Nil => visitor.visit_unit(),
            Head::Boolean(b) => visitor.visit_bool(b),
            Head::Integer(i) => visitor.visit_i64(i),
            Head::Real(x) => visitor.visit_f64(x),
            Head::String(s) => match core::str::from_utf8(s) {
                Ok(text) => visitor.visit_borrowed_str(text),
                Err(_) => visitor.visit_borrowed_bytes(s),
            },
            Head::Table { array_len } if array_only(self.cur, array_len)? => {
                let out = visit_array(self.cur, array_len, visitor)?;
                end_table(self.cur)?;
                Ok(out)
            }
            Head::Table { array_len } => visit_table_map(self.cur, array_len, false, visitor),
            Head::LightUserdata(p) => visitor.visit_u64(p),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.head()? {
            Head::Boolean(b) => visitor.visit_bool(b),
            other => Err(other.mismatch("boolean")),
        }
    }

    deserialize_integers!();

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.head()? {
            Head::Real(x) => visitor.visit_f64(x),
            Head::Integer(i) => visitor.visit_f64(i as f64),
            other => Err(other.mismatch("number")),
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

    fn deserialize_bytes<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.head()? {
            Head::String(s) => visitor.visit_borrowed_bytes(s),
            other => Err(other.mismatch("string")),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, SerdeError> {
        match peek_head(self.cur)? {
            Head::Nil => {
                self.head()?;
                visitor.visit_none()
            }
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, SerdeError> {
        match self.head()? {
            Head::Nil => visitor.visit_unit(),
            other => Err(other.mismatch("nil")),
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
            return visitor.visit_newtype_struct(Compact(self));
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        let (array_len, cur) = self.table("table (sequence)")?;
        // Read in one pass, assuming the table has no hash part (a sequence's usual form);
        // if it has one, the value model's answer is the mismatch, whatever the items gave.
        let items_at = cur.pos();
        let out = visit_array(cur, array_len, visitor);
        let no_hash = match out {
            Ok(_) => cur.hash_end()?,
            Err(_) => {
                cur.rewind(items_at);
                end_if_pairs(cur, array_len, 0)?.is_some()
            }
        };
        if !no_hash {
            return Err(Head::Table { array_len }.mismatch("table with only an array part"));
        }
        out
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
        let (array_len, cur) = self.table("table (map)")?;
        visit_table_map(cur, array_len, false, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        let (array_len, cur) = self.table("table (struct)")?;
        if array_only(cur, array_len)? {
            let out = visit_array(cur, array_len, visitor)?;
            end_table(cur)?;
            return Ok(out);
        }
        visit_table_map(cur, array_len, true, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        mut self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        let head = self.head()?;
        let end = match head {
            Head::String(s) => {
                let name = core::str::from_utf8(s).map_err(|_| SerdeError::InvalidUtf8)?;
                return visitor.visit_enum(UnitVariant::new(name));
            }
            Head::Table { array_len: 0 } => end_if_pairs(self.cur, 0, 1)?,
            _ => None,
        };
        let Some(end) = end else {
            return Err(head.mismatch("a variant name or a one-pair table {Variant = value}"));
        };
        let out = visitor.visit_enum(TaggedVariant { cur: self.cur })?;
        // Past the table, whatever of the pair the visitor left unread.
        self.cur.rewind(end);
        Ok(out)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        skip_value(self.cur)?;
        visitor.visit_unit()
    }
}

/// The items of an array part.
struct ArraySeq<'a, 'de> {
    cur: &'a mut Cursor<'de>,
    left: usize,
}

impl<'de> SeqAccess<'de> for ArraySeq<'_, 'de> {
    type Error = SerdeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(SliceDeserializer::new(self.cur)).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// A table as a map: the array part as keys `1..=n` (unless reading a struct), then the
/// hash part (only string keys when reading a struct).
struct TableMap<'a, 'de> {
    cur: &'a mut Cursor<'de>,
    /// Array items not read yet.
    array_left: usize,
    /// The key of the last array item read.
    index: i64,
    strings_only: bool,
    /// A key was read and its value is next.
    pending: bool,
    /// The terminator was read.
    done: bool,
}

impl TableMap<'_, '_> {
    fn skip_array(&mut self) -> Result<(), SerdeError> {
        while self.array_left > 0 {
            skip_value(self.cur)?;
            self.array_left -= 1;
        }
        Ok(())
    }

    /// Skips whatever the visitor did not read, to the end of the table.
    fn finish(&mut self) -> Result<(), SerdeError> {
        if self.pending {
            self.pending = false;
            skip_value(self.cur)?;
        }
        self.skip_array()?;
        if !self.done {
            self.done = true;
            skip_hash(self.cur)?;
        }
        Ok(())
    }
}

impl<'de> MapAccess<'de> for TableMap<'_, 'de> {
    type Error = SerdeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, SerdeError> {
        if self.pending {
            // The value of the previous key was not asked for.
            self.pending = false;
            skip_value(self.cur)?;
        }
        if self.array_left > 0 {
            self.array_left -= 1;
            self.index += 1;
            self.pending = true;
            let key = I64Deserializer::<SerdeError>::new(self.index);
            return seed.deserialize(key).map(Some);
        }
        while !self.done {
            if self.cur.hash_end()? {
                self.done = true;
                break;
            }
            if self.strings_only && !matches!(peek_head(self.cur)?, Head::String(_)) {
                skip_value(self.cur)?;
                skip_value(self.cur)?;
                continue;
            }
            self.pending = true;
            return seed.deserialize(SliceDeserializer::new(self.cur)).map(Some);
        }
        Ok(None)
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<T::Value, SerdeError> {
        if !self.pending {
            return seed.deserialize(ValueDeserializer::new(&NIL));
        }
        self.pending = false;
        seed.deserialize(SliceDeserializer::new(self.cur))
    }
}

/// An enum given as a one-pair table `{ Variant = value }`, the cursor at the key.
struct TaggedVariant<'a, 'de> {
    cur: &'a mut Cursor<'de>,
}

impl<'de> EnumAccess<'de> for TaggedVariant<'_, 'de> {
    type Error = SerdeError;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), SerdeError> {
        let name = seed.deserialize(SliceDeserializer::new(&mut *self.cur))?;
        Ok((name, self))
    }
}

impl<'de> VariantAccess<'de> for TaggedVariant<'_, 'de> {
    type Error = SerdeError;
    fn unit_variant(self) -> Result<(), SerdeError> {
        // `{ Variant = anything }` is accepted for a unit variant.
        skip_value(self.cur)?;
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, SerdeError> {
        seed.deserialize(SliceDeserializer::new(self.cur))
    }
    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        SliceDeserializer::new(self.cur).deserialize_tuple(len, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        SliceDeserializer::new(self.cur).deserialize_struct("", fields, visitor)
    }
}

/// Presents the value at the cursor in the compact (tagged enum) form of a `Value`, for
/// `Value: Deserialize`.
struct Compact<'a, 'de>(SliceDeserializer<'a, 'de>);

impl<'de> Deserializer<'de> for Compact<'_, 'de> {
    type Error = SerdeError;
    fn is_human_readable(&self) -> bool {
        false
    }
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_enum(self)
    }
    forward_all_to_any!();
}

impl<'a, 'de> EnumAccess<'de> for Compact<'a, 'de> {
    type Error = SerdeError;
    type Variant = CompactVariant<'a, 'de>;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), SerdeError> {
        let mut de = self.0;
        let head = de.head()?;
        let cur = de.cur;
        let index = match head {
            Head::Nil => 0,
            Head::Boolean(_) => 1,
            Head::Integer(_) => 2,
            Head::Real(_) => 3,
            Head::String(_) => 4,
            Head::Table { .. } => 5,
            Head::LightUserdata(_) => 6,
        };
        let name = COMPACT_VARIANTS.get(index).copied().unwrap_or("Nil");
        let tag = seed.deserialize(BorrowedStrDeserializer::<SerdeError>::new(name))?;
        Ok((tag, CompactVariant { head, cur }))
    }
}

/// A value in the compact form, its head read.
struct CompactVariant<'a, 'de> {
    head: Head<'de>,
    cur: &'a mut Cursor<'de>,
}

impl<'de> VariantAccess<'de> for CompactVariant<'_, 'de> {
    type Error = SerdeError;
    fn unit_variant(self) -> Result<(), SerdeError> {
        match self.head {
            Head::Nil => Ok(()),
            _ => Err(bad_compact()),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, SerdeError> {
        match self.head {
            Head::Boolean(b) => seed.deserialize(BoolDeserializer::<SerdeError>::new(b)),
            Head::Integer(i) => seed.deserialize(I64Deserializer::<SerdeError>::new(i)),
            Head::Real(x) => seed.deserialize(F64Deserializer::<SerdeError>::new(x)),
            Head::String(s) => seed.deserialize(BorrowedBytesDeserializer::<SerdeError>::new(s)),
            Head::LightUserdata(p) => {
                seed.deserialize(I64Deserializer::<SerdeError>::new(p as i64))
            }
            _ => Err(bad_compact()),
        }
    }
    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        match self.head {
            Head::Table { array_len } => {
                let mut parts = TableParts {
                    cur: self.cur,
                    array_len,
                    next: 0,
                };
                let out = visitor.visit_seq(&mut parts)?;
                parts.finish()?;
                Ok(out)
            }
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

/// A table's two parts as a 2-sequence, the cursor at its first array item.
struct TableParts<'a, 'de> {
    cur: &'a mut Cursor<'de>,
    array_len: usize,
    /// The part to give next: 0 the array part, 1 the hash part, 2 none.
    next: u8,
}

impl TableParts<'_, '_> {
    /// Skips the parts the visitor did not ask for, to the end of the table.
    fn finish(&mut self) -> Result<(), SerdeError> {
        if self.next == 0 {
            for _ in 0..self.array_len {
                skip_value(self.cur)?;
            }
        }
        if self.next <= 1 {
            skip_hash(self.cur)?;
        }
        Ok(())
    }
}

impl<'de> SeqAccess<'de> for TableParts<'_, 'de> {
    type Error = SerdeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        let n = self.next;
        self.next = n.saturating_add(1);
        let cur = &mut *self.cur;
        match n {
            0 => seed
                .deserialize(ArrayPart {
                    cur,
                    len: self.array_len,
                })
                .map(Some),
            1 => seed.deserialize(HashPart { cur }).map(Some),
            _ => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(2usize.saturating_sub(usize::from(self.next)))
    }
}

/// An array part as a sequence of values.
struct ArrayPart<'a, 'de> {
    cur: &'a mut Cursor<'de>,
    len: usize,
}

impl<'de> Deserializer<'de> for ArrayPart<'_, 'de> {
    type Error = SerdeError;
    fn is_human_readable(&self) -> bool {
        false
    }
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visit_array(self.cur, self.len, visitor)
    }
    forward_all_to_any!();
}

/// A hash part as a sequence of `(key, value)` 2-sequences; its terminator is read when
/// the sequence ends.
struct HashPart<'a, 'de> {
    cur: &'a mut Cursor<'de>,
}

impl<'de> Deserializer<'de> for HashPart<'_, 'de> {
    type Error = SerdeError;
    fn is_human_readable(&self) -> bool {
        false
    }
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        let mut pairs = PairsSeq {
            cur: self.cur,
            done: false,
        };
        let out = visitor.visit_seq(&mut pairs)?;
        if !pairs.done {
            skip_hash(pairs.cur)?;
        }
        Ok(out)
    }
    forward_all_to_any!();
}

struct PairsSeq<'a, 'de> {
    cur: &'a mut Cursor<'de>,
    /// The terminator was read.
    done: bool,
}

impl<'de> SeqAccess<'de> for PairsSeq<'_, 'de> {
    type Error = SerdeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        if self.done || self.cur.hash_end()? {
            self.done = true;
            return Ok(None);
        }
        seed.deserialize(Pair { cur: self.cur }).map(Some)
    }
}

/// One hash pair as a 2-sequence.
struct Pair<'a, 'de> {
    cur: &'a mut Cursor<'de>,
}

impl<'de> Deserializer<'de> for Pair<'_, 'de> {
    type Error = SerdeError;
    fn is_human_readable(&self) -> bool {
        false
    }
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        let mut seq = PairItems {
            cur: self.cur,
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

struct PairItems<'a, 'de> {
    cur: &'a mut Cursor<'de>,
    next: usize,
}

impl<'de> SeqAccess<'de> for PairItems<'_, 'de> {
    type Error = SerdeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        if self.next >= 2 {
            return Ok(None);
        }
        self.next += 1;
        seed.deserialize(SliceDeserializer::new(self.cur)).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(2usize.saturating_sub(self.next))
    }
}

/// Deserializes from a whole payload: its values are the argument list (`args` of them,
/// counted when the payload was checked).
pub(crate) struct SliceArgs<'de> {
    cur: Cursor<'de>,
    args: usize,
    /// Reads as the nil of a missing argument.
    nil: Cursor<'de>,
}

impl<'de> SliceArgs<'de> {
    pub(crate) fn new(payload: &'de [u8], args: usize) -> Self {
        SliceArgs {
            cur: Cursor::new(payload),
            args,
            nil: Cursor::new(&NIL_WIRE),
        }
    }

    /// The single argument (nil if none); more than one is an error.
    fn single(&mut self) -> Result<SliceDeserializer<'_, 'de>, SerdeError> {
        match self.args {
            0 => Ok(SliceDeserializer::new(&mut self.nil)),
            1 => Ok(SliceDeserializer::new(&mut self.cur)),
            found => Err(SerdeError::TrailingValues { expected: 1, found }),
        }
    }

    fn tuple<V: Visitor<'de>>(mut self, len: usize, visitor: V) -> Result<V::Value, SerdeError> {
        if self.args > len {
            return Err(SerdeError::TrailingValues {
                expected: len,
                found: self.args,
            });
        }
        visitor.visit_seq(ArgsSeq {
            cur: &mut self.cur,
            args: self.args,
            next: 0,
            len,
        })
    }
}

/// Arguments `0..len`, nil past the end of the list.
struct ArgsSeq<'a, 'de> {
    cur: &'a mut Cursor<'de>,
    args: usize,
    next: usize,
    len: usize,
}

impl<'de> SeqAccess<'de> for ArgsSeq<'_, 'de> {
    type Error = SerdeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        if self.next >= self.len {
            return Ok(None);
        }
        let present = self.next < self.args;
        self.next += 1;
        if present {
            return seed.deserialize(SliceDeserializer::new(self.cur)).map(Some);
        }
        let mut nil: Cursor<'de> = Cursor::new(&NIL_WIRE);
        seed.deserialize(SliceDeserializer::new(&mut nil)).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.len - self.next)
    }
}

macro_rules! forward_single {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, SerdeError> {
            self.single()?.$method(visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for SliceArgs<'de> {
    type Error = SerdeError;

    fn is_human_readable(&self) -> bool {
        false
    }

    args_read_one!(forward_single);

    fn deserialize_unit<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, SerdeError> {
        for _ in 0..self.args {
            if !matches!(read_head(&mut self.cur)?, Head::Nil) {
                return Err(SerdeError::TrailingValues {
                    expected: 0,
                    found: self.args,
                });
            }
        }
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        if name == VALUE_MARKER {
            return self.single()?.deserialize_newtype_struct(name, visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        let len = self.args;
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
        mut self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.single()?.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }
}
