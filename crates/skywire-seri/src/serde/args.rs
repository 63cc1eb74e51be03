//! A whole argument list as one Rust value (see [`from_values`](super::from_values)): a
//! tuple, tuple struct or sequence reads the arguments in order, `()` only nils, anything
//! else the one argument. Written once over a [`Read`] source, like [`de`](super::de).

use ::serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};

use super::de::{ArraySeq, ValueDeserializer};
use super::read::{Head, Read};
use super::{SerdeError, VALUE_MARKER};

/// Deserializes from an argument list: the `args` values of a source, or, with `args`
/// `None`, the values until the source ends. A list read that way is not told of trailing
/// values (an error when counted): its reader checks that the source was read to its end
/// (see [`deserialize_slice`](super::deserialize_slice)).
pub(super) struct ArgsDeserializer<'a, R> {
    read: &'a mut R,
    args: Option<usize>,
    /// Reads as the nil of a missing argument (made when one is read).
    nil: Option<R>,
}

impl<'a, 'de, R: Read<'de>> ArgsDeserializer<'a, R> {
    /// The list of the `args` values of `read` (`None`: until it ends).
    pub(super) fn new(read: &'a mut R, args: Option<usize>) -> Self {
        ArgsDeserializer {
            read,
            args,
            nil: None,
        }
    }

    /// The single argument (nil if none); more than one is an error.
    fn single(&mut self) -> Result<ValueDeserializer<'_, R>, SerdeError> {
        match self.args {
            Some(0) => Ok(ValueDeserializer::new(self.nil.insert(R::nil()))),
            None if self.read.at_end() => Ok(ValueDeserializer::new(self.nil.insert(R::nil()))),
            Some(1) | None => Ok(ValueDeserializer::new(self.read)),
            Some(found) => Err(SerdeError::TrailingValues { expected: 1, found }),
        }
    }

    /// Arguments `0..len` (`None`: all of them), nil past the end of the list.
    fn tuple<V: Visitor<'de>>(
        self,
        len: Option<usize>,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        match (self.args, len) {
            (Some(args), len) => {
                let len = len.unwrap_or(args);
                if args > len {
                    return Err(SerdeError::TrailingValues {
                        expected: len,
                        found: args,
                    });
                }
                visitor.visit_seq(ArraySeq::new(self.read, args, len - args))
            }
            (None, len) => visitor.visit_seq(UntilEnd {
                read: self.read,
                left: len,
            }),
        }
    }
}

/// The arguments of a list read until its source ends, as a sequence: `left` of them
/// (nil past the end), or with `left` `None` as many as there are.
struct UntilEnd<'a, R> {
    read: &'a mut R,
    left: Option<usize>,
}

impl<'de, R: Read<'de>> SeqAccess<'de> for UntilEnd<'_, R> {
    type Error = SerdeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, SerdeError> {
        match &mut self.left {
            Some(0) => return Ok(None),
            Some(left) => *left -= 1,
            None if self.read.at_end() => return Ok(None),
            None => {}
        }
        if self.read.at_end() {
            return seed
                .deserialize(ValueDeserializer::new(&mut R::nil()))
                .map(Some);
        }
        seed.deserialize(ValueDeserializer::new(self.read))
            .map(Some)
    }
}

/// `Deserializer` methods by which an argument list reads as its one argument (the others
/// are tuples, sequences and nils).
macro_rules! forward_single {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(
            mut self,
            $($arg: $ty,)*
            visitor: V,
        ) -> Result<V::Value, SerdeError> {
            self.single()?.$method($($arg,)* visitor)
        }
    )*};
}

impl<'de, R: Read<'de>> Deserializer<'de> for ArgsDeserializer<'_, R> {
    type Error = SerdeError;

    fn is_human_readable(&self) -> bool {
        false
    }

    forward_single!(
        deserialize_any(),
        deserialize_bool(),
        deserialize_i8(),
        deserialize_i16(),
        deserialize_i32(),
        deserialize_i64(),
        deserialize_i128(),
        deserialize_u8(),
        deserialize_u16(),
        deserialize_u32(),
        deserialize_u64(),
        deserialize_u128(),
        deserialize_f32(),
        deserialize_f64(),
        deserialize_char(),
        deserialize_str(),
        deserialize_string(),
        deserialize_bytes(),
        deserialize_byte_buf(),
        deserialize_option(),
        deserialize_map(),
        deserialize_identifier(),
        deserialize_ignored_any(),
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
    );

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        let mut read = 0;
        while self.args.map_or(!self.read.at_end(), |args| read < args) {
            read += 1;
            if !matches!(self.read.head()?, Head::Nil) {
                return Err(SerdeError::TrailingValues {
                    expected: 0,
                    found: self.args.unwrap_or(read),
                });
            }
        }
        visitor.visit_unit()
    }

    forward_named_to_unnamed!();

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
        self.tuple(None, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.tuple(Some(len), visitor)
    }
}
