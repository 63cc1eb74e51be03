//! The deserializer: Rust values out of Lua values, the mapping written once over a
//! [`Read`] source ([`SliceRead`](super::read::SliceRead) for bytes,
//! [`TreeRead`](super::read::TreeRead) for [`Value`](crate::Value)s), monomorphized for
//! each.
//!
//! Reading a value consumes exactly it: every path that succeeds leaves the source after
//! the value, skipping what the target does not look at. Where the mapping looks at a whole
//! table before choosing (an array-only table read as a sequence or struct, a one-pair
//! table read as an enum), the source answers ([`Read::end_if_pairs`]: the tree looks, the
//! bytes are looked ahead and the cursor put back).

use alloc::string::String;

use ::serde::de::value::BorrowedStrDeserializer;
use ::serde::de::value::I64Deserializer;
use ::serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

use super::compact::Compact;
use super::read::{Head, Read};
use super::{SerdeError, VALUE_MARKER};
use crate::value::exact_integer;

/// The error for an integer outside the target type.
pub(super) fn out_of_range(value: i64, target: &'static str) -> SerdeError {
    SerdeError::IntegerOutOfRange {
        value: i128::from(value),
        target,
    }
}

/// Skips what is left of a table's hash part, its terminator included.
pub(super) fn skip_hash<'de, R: Read<'de>>(read: &mut R) -> Result<(), SerdeError> {
    while !read.hash_end()? {
        read.skip()?;
        read.skip()?;
    }
    Ok(())
}

/// With the source at a table's first array item: `true` if it has an array part and no
/// hash part, the tables read as sequences. The source is put back.
fn array_only<'de, R: Read<'de>>(read: &mut R, array_len: usize) -> Result<bool, SerdeError> {
    Ok(array_len > 0 && read.end_if_pairs(array_len, 0)?.is_some())
}

/// Reads the table's terminator, which must follow (its hash part was seen to be empty,
/// or has been read).
fn end_table<'de, R: Read<'de>>(read: &mut R) -> Result<(), SerdeError> {
    match read.hash_end()? {
        true => Ok(()),
        false => Err(SerdeError::BadValueForm(String::from(
            "table has more than was read",
        ))),
    }
}

/// Deserializes the next value of a source.
pub(super) struct ValueDeserializer<'a, R> {
    read: &'a mut R,
}

impl<'a, 'de, R: Read<'de>> ValueDeserializer<'a, R> {
    pub(super) fn new(read: &'a mut R) -> Self {
        ValueDeserializer { read }
    }

    /// Reads the head, consuming it.
    #[inline(always)]
    pub(super) fn head(&mut self) -> Result<Head<'de>, SerdeError> {
        Ok(self.read.head()?)
    }

    /// The source, for what follows the head.
    pub(super) fn into_read(self) -> &'a mut R {
        self.read
    }

    /// The value as an `i64`: integers, and floats with an exact integral value.
    #[inline(always)]
    fn integer(self, target: &'static str) -> Result<i64, SerdeError> {
        match self.read.integer() {
            Some(i) => Ok(i),
            None => self.integer_head(target),
        }
    }

    /// [`integer`](Self::integer) from the head: out of line, so the shortcut stays small.
    #[inline(never)]
    fn integer_head(mut self, target: &'static str) -> Result<i64, SerdeError> {
        match self.head()? {
            Head::Integer(i) => Ok(i),
            Head::Real(x) => exact_integer(x).ok_or(SerdeError::NotAnInteger { value: x, target }),
            other => Err(other.mismatch(target)),
        }
    }

    /// The value as text: a string that is UTF-8.
    #[inline(always)]
    fn utf8(self, expected: &'static str) -> Result<&'de str, SerdeError> {
        match self.read.string() {
            Some(s) => text(s),
            None => self.utf8_head(expected),
        }
    }

    /// [`utf8`](Self::utf8) from the head: out of line, so the shortcut stays small.
    #[inline(never)]
    fn utf8_head(mut self, expected: &'static str) -> Result<&'de str, SerdeError> {
        match self.head()? {
            Head::String(s) => text(s),
            other => Err(other.mismatch(expected)),
        }
    }

    /// Reads a table's head: the array length and the source at its first item.
    #[inline]
    fn table(mut self, expected: &str) -> Result<(usize, &'a mut R), SerdeError> {
        match self.head()? {
            Head::Table { array_len } => Ok((array_len, self.read)),
            other => Err(other.mismatch(expected)),
        }
    }
}

/// A string's bytes as text.
#[inline(always)]
fn text(s: &[u8]) -> Result<&str, SerdeError> {
    core::str::from_utf8(s).map_err(|_| SerdeError::InvalidUtf8)
}

/// Visits a table's array part (the source at its first item) as a sequence, requiring
/// every item to be consumed. The hash part is left to the caller.
fn visit_array<'de, R: Read<'de>, V: Visitor<'de>>(
    read: &mut R,
    len: usize,
    visitor: V,
) -> Result<V::Value, SerdeError> {
    visit_items(read, len, visitor, ARRAY_SHORT)
}

/// What a short read of an array part is told it expected.
pub(super) const ARRAY_SHORT: &str = "fewer elements in the table";

/// Visits the next `len` values of the source as a sequence, requiring every one to be
/// consumed (else the `invalid_length` error, expecting `expected`).
pub(super) fn visit_items<'de, R: Read<'de>, V: Visitor<'de>>(
    read: &mut R,
    len: usize,
    visitor: V,
    expected: &'static str,
) -> Result<V::Value, SerdeError> {
    let mut seq = ArraySeq::new(read, len, 0);
    let out = visitor.visit_seq(&mut seq)?;
    if seq.left != 0 {
        return Err(de::Error::invalid_length(len, &expected));
    }
    Ok(out)
}

/// Visits a table (the source at its first array item) as a map, then skips whatever the
/// visitor left unread.
fn visit_table_map<'de, R: Read<'de>, V: Visitor<'de>>(
    read: &mut R,
    array_len: usize,
    for_struct: bool,
    visitor: V,
) -> Result<V::Value, SerdeError> {
    let mut map = TableMap {
        read,
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

impl<'de, R: Read<'de>> Deserializer<'de> for ValueDeserializer<'_, R> {
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
            Head::Table { array_len } if array_only(self.read, array_len)? => {
                let out = visit_array(self.read, array_len, visitor)?;
                end_table(self.read)?;
                Ok(out)
            }
            Head::Table { array_len } => visit_table_map(self.read, array_len, false, visitor),
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
        match self.read.peek_head()? {
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

    forward_named_to_unnamed!();

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
        let (array_len, read) = self.table("table (sequence)")?;
        // Read in one pass, assuming the table has no hash part (a sequence's usual form);
        // if it has one, the answer is the mismatch, whatever the items gave.
        let items_at = read.mark();
        let out = visit_array(read, array_len, visitor);
        let no_hash = match out {
            Ok(_) => read.hash_end()?,
            Err(_) => {
                read.rewind(items_at);
                read.end_if_pairs(array_len, 0)?.is_some()
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

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        let (array_len, read) = self.table("table (map)")?;
        visit_table_map(read, array_len, false, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        let (array_len, read) = self.table("table (struct)")?;
        if array_only(read, array_len)? {
            let out = visit_array(read, array_len, visitor)?;
            end_table(read)?;
            return Ok(out);
        }
        visit_table_map(read, array_len, true, visitor)
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
                return visitor.visit_enum(UnitVariant { name });
            }
            Head::Table { array_len: 0 } => self.read.end_if_pairs(0, 1)?,
            _ => None,
        };
        let Some(end) = end else {
            return Err(head.mismatch("a variant name or a one-pair table {Variant = value}"));
        };
        let out = visitor.visit_enum(TaggedVariant {
            read: &mut *self.read,
        })?;
        // Past the table, whatever of the pair the visitor left unread.
        self.read.rewind(end);
        Ok(out)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.read.skip()?;
        visitor.visit_unit()
    }
}

/// The next `left` values of a source as a sequence (the items of an array part, the
/// arguments of a list), followed by `nils` nils (the missing trailing arguments).
pub(super) struct ArraySeq<'a, R> {
    read: &'a mut R,
    left: usize,
    nils: usize,
}

impl<'a, R> ArraySeq<'a, R> {
    pub(super) fn new(read: &'a mut R, left: usize, nils: usize) -> Self {
        ArraySeq { read, left, nils }
    }
}

impl<'de, R: Read<'de>> SeqAccess<'de> for ArraySeq<'_, R> {
    type Error = SerdeError;
    /// Inlined into the visitor's loop, with `next_element_seed` (left to the compiler, both
    /// were kept out of line once more sequence types came in: 300 instructions more for
    /// `cmd_msg`'s items).
    #[inline(always)]
    fn next_element<T: de::Deserialize<'de>>(&mut self) -> Result<Option<T>, SerdeError> {
        self.next_element_seed(core::marker::PhantomData)
    }
    #[inline(always)]
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        if self.left == 0 {
            if self.nils == 0 {
                return Ok(None);
            }
            self.nils -= 1;
            return seed
                .deserialize(ValueDeserializer::new(&mut R::nil()))
                .map(Some);
        }
        self.left -= 1;
        seed.deserialize(ValueDeserializer::new(self.read))
            .map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.left + self.nils)
    }
}

/// A table as a map: the array part as keys `1..=n` (unless reading a struct), then the
/// hash part (only string keys when reading a struct).
struct TableMap<'a, R> {
    read: &'a mut R,
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

impl<'de, R: Read<'de>> TableMap<'_, R> {
    /// Gives a struct's field name to the key visitor.
    #[inline(always)]
    fn field_name<K: DeserializeSeed<'de>>(
        seed: K,
        name: &'de [u8],
    ) -> Result<K::Value, SerdeError> {
        seed.deserialize(FieldName(name))
    }

    /// Skips the value of the last key read, if the visitor did not ask for it.
    fn skip_pending(&mut self) -> Result<(), SerdeError> {
        if self.pending {
            self.pending = false;
            self.read.skip()?;
        }
        Ok(())
    }

    fn skip_array(&mut self) -> Result<(), SerdeError> {
        while self.array_left > 0 {
            self.read.skip()?;
            self.array_left -= 1;
        }
        Ok(())
    }

    /// Skips whatever the visitor did not read, to the end of the table.
    fn finish(&mut self) -> Result<(), SerdeError> {
        self.skip_pending()?;
        self.skip_array()?;
        if !self.done {
            self.done = true;
            skip_hash(self.read)?;
        }
        Ok(())
    }
}

impl<'de, R: Read<'de>> MapAccess<'de> for TableMap<'_, R> {
    type Error = SerdeError;
    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, SerdeError> {
        self.skip_pending()?;
        if self.array_left > 0 {
            self.array_left -= 1;
            self.index += 1;
            self.pending = true;
            let key = I64Deserializer::<SerdeError>::new(self.index);
            return seed.deserialize(key).map(Some);
        }
        if self.strings_only && !self.done {
            if let Some(name) = self.read.string_key() {
                self.pending = true;
                return Self::field_name(seed, name).map(Some);
            }
        }
        while !self.done {
            if self.read.hash_end()? {
                self.done = true;
                break;
            }
            if self.strings_only {
                // A struct's field name, read from its head; other keys are passed over.
                match self.read.head()? {
                    Head::String(name) => {
                        self.pending = true;
                        return Self::field_name(seed, name).map(Some);
                    }
                    Head::Table { array_len } => {
                        for _ in 0..array_len {
                            self.read.skip()?;
                        }
                        skip_hash(self.read)?;
                    }
                    _ => {}
                }
                self.read.skip()?;
                continue;
            }
            self.pending = true;
            return seed
                .deserialize(ValueDeserializer::new(self.read))
                .map(Some);
        }
        Ok(None)
    }
    #[inline]
    fn next_value_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<T::Value, SerdeError> {
        if !self.pending {
            return seed.deserialize(ValueDeserializer::new(&mut R::nil()));
        }
        self.pending = false;
        seed.deserialize(ValueDeserializer::new(self.read))
    }
}

/// A struct's field name (a string key of its table). Asked for an identifier (what serde's
/// derived field visitors ask for), it is given as bytes, which those visitors match as
/// they match text, so no UTF-8 check is made (a check per key was a tenth of a small
/// struct's decoding); asked for anything else, as text, or as bytes if not UTF-8.
struct FieldName<'de>(&'de [u8]);

impl<'de> Deserializer<'de> for FieldName<'de> {
    type Error = SerdeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        match core::str::from_utf8(self.0) {
            Ok(text) => visitor.visit_borrowed_str(text),
            Err(_) => visitor.visit_borrowed_bytes(self.0),
        }
    }

    #[inline(always)]
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_borrowed_bytes(self.0)
    }

    ::serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum
        ignored_any
    }
}

/// An enum given as its variant name.
struct UnitVariant<'de> {
    name: &'de str,
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

/// An enum given as a one-pair table `{ Variant = value }`, the source at the key.
struct TaggedVariant<'a, R> {
    read: &'a mut R,
}

impl<'de, R: Read<'de>> EnumAccess<'de> for TaggedVariant<'_, R> {
    type Error = SerdeError;
    type Variant = Self;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), SerdeError> {
        let name = seed.deserialize(ValueDeserializer::new(&mut *self.read))?;
        Ok((name, self))
    }
}

impl<'de, R: Read<'de>> VariantAccess<'de> for TaggedVariant<'_, R> {
    type Error = SerdeError;
    fn unit_variant(self) -> Result<(), SerdeError> {
        // `{ Variant = anything }` is accepted for a unit variant.
        self.read.skip()?;
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, SerdeError> {
        seed.deserialize(ValueDeserializer::new(self.read))
    }
    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        ValueDeserializer::new(self.read).deserialize_tuple(len, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        ValueDeserializer::new(self.read).deserialize_struct("", fields, visitor)
    }
}
