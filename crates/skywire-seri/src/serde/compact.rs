//! The compact (tagged enum) form of a [`Value`](crate::Value) read through this crate's
//! deserializer, for `Value: Deserialize`: `Nil | Boolean(bool) | Integer(i64) | Real(f64) |
//! String(bytes) | Table(array, [(key, value)]) | LightUserdata(i64)`, as
//! [`value_impl`](super::value_impl) rebuilds it.

use alloc::string::String;

use ::serde::de::value::{
    BoolDeserializer, BorrowedBytesDeserializer, BorrowedStrDeserializer, F64Deserializer,
    I64Deserializer,
};
use ::serde::de::{DeserializeSeed, Deserializer, EnumAccess, SeqAccess, VariantAccess, Visitor};

use super::de::{skip_hash, visit_items, ValueDeserializer, ARRAY_SHORT};
use super::read::{Head, Read};
use super::{SerdeError, COMPACT_VARIANTS};

fn bad_compact() -> SerdeError {
    SerdeError::BadValueForm(String::from("variant does not match the value"))
}

/// Presents the next value of a source in the compact form.
pub(super) struct Compact<'a, R>(pub(super) ValueDeserializer<'a, R>);

impl<'de, R: Read<'de>> Deserializer<'de> for Compact<'_, R> {
    type Error = SerdeError;
    fn is_human_readable(&self) -> bool {
        false
    }
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_enum(self)
    }
    forward_all_to_any!();
}

impl<'a, 'de, R: Read<'de>> EnumAccess<'de> for Compact<'a, R> {
    type Error = SerdeError;
    type Variant = CompactVariant<'a, 'de, R>;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), SerdeError> {
        let mut de = self.0;
        let head = de.head()?;
        let read = de.into_read();
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
        Ok((tag, CompactVariant { head, read }))
    }
}

/// A value in the compact form, its head read.
pub(super) struct CompactVariant<'a, 'de, R> {
    head: Head<'de>,
    read: &'a mut R,
}

impl<'de, R: Read<'de>> VariantAccess<'de> for CompactVariant<'_, 'de, R> {
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
                    read: self.read,
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

/// A table's two parts as a 2-sequence, the source at its first array item.
struct TableParts<'a, R> {
    read: &'a mut R,
    array_len: usize,
    /// The part to give next: 0 the array part, 1 the hash part, 2 none.
    next: u8,
}

impl<'de, R: Read<'de>> TableParts<'_, R> {
    /// Skips the parts the visitor did not ask for, to the end of the table.
    fn finish(&mut self) -> Result<(), SerdeError> {
        if self.next == 0 {
            for _ in 0..self.array_len {
                self.read.skip()?;
            }
        }
        if self.next <= 1 {
            skip_hash(self.read)?;
        }
        Ok(())
    }
}

impl<'de, R: Read<'de>> SeqAccess<'de> for TableParts<'_, R> {
    type Error = SerdeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        let n = self.next;
        self.next = n.saturating_add(1);
        let read = &mut *self.read;
        match n {
            0 => seed
                .deserialize(Items {
                    read,
                    len: self.array_len,
                    expected: ARRAY_SHORT,
                })
                .map(Some),
            1 => seed.deserialize(HashPart { read }).map(Some),
            _ => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(2usize.saturating_sub(usize::from(self.next)))
    }
}

/// The next `len` values as a sequence that must be read whole: an array part, or one
/// hash pair as a 2-sequence (`expected` names it in the error for a short read).
struct Items<'a, R> {
    read: &'a mut R,
    len: usize,
    expected: &'static str,
}

impl<'de, R: Read<'de>> Deserializer<'de> for Items<'_, R> {
    type Error = SerdeError;
    fn is_human_readable(&self) -> bool {
        false
    }
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visit_items(self.read, self.len, visitor, self.expected)
    }
    forward_all_to_any!();
}

/// A hash part as a sequence of `(key, value)` 2-sequences; its terminator is read when
/// the sequence ends.
struct HashPart<'a, R> {
    read: &'a mut R,
}

impl<'de, R: Read<'de>> Deserializer<'de> for HashPart<'_, R> {
    type Error = SerdeError;
    fn is_human_readable(&self) -> bool {
        false
    }
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        let mut pairs = PairsSeq {
            read: self.read,
            done: false,
        };
        let out = visitor.visit_seq(&mut pairs)?;
        if !pairs.done {
            skip_hash(pairs.read)?;
        }
        Ok(out)
    }
    forward_all_to_any!();
}

struct PairsSeq<'a, R> {
    read: &'a mut R,
    /// The terminator was read.
    done: bool,
}

impl<'de, R: Read<'de>> SeqAccess<'de> for PairsSeq<'_, R> {
    type Error = SerdeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        if self.done || self.read.hash_end()? {
            self.done = true;
            return Ok(None);
        }
        seed.deserialize(Items {
            read: self.read,
            len: 2,
            expected: "a (key, value) pair",
        })
        .map(Some)
    }
}
