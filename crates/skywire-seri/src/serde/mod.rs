//! serde support: Rust types to and from Lua values (mapping documented on `to_value`).

/// `forward_to_deserialize_any!` for every method: a deserializer that has one form.
macro_rules! forward_all_to_any {
    () => {
        ::serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map struct enum identifier ignored_any
        }
    };
}

/// `deserialize_*` for every integer type, from `self.integer(type name)` (the `i64` of an
/// integer or of an integral float), checked against the type's range.
macro_rules! deserialize_integers {
    () => {
        deserialize_integers!(@one deserialize_i8, visit_i8, i8);
        deserialize_integers!(@one deserialize_i16, visit_i16, i16);
        deserialize_integers!(@one deserialize_i32, visit_i32, i32);
        deserialize_integers!(@one deserialize_i64, visit_i64, i64);
        deserialize_integers!(@one deserialize_i128, visit_i128, i128);
        deserialize_integers!(@one deserialize_u8, visit_u8, u8);
        deserialize_integers!(@one deserialize_u16, visit_u16, u16);
        deserialize_integers!(@one deserialize_u32, visit_u32, u32);
        deserialize_integers!(@one deserialize_u64, visit_u64, u64);
        deserialize_integers!(@one deserialize_u128, visit_u128, u128);
    };
    (@one $method:ident, $visit:ident, $t:ty) => {
        #[inline]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
            let name = stringify!($t);
            let i = self.integer(name)?;
            let n = <$t>::try_from(i).map_err(|_| $crate::serde::de::out_of_range(i, name))?;
            visitor.$visit(n)
        }
    };
}

/// `deserialize_unit_struct` and `deserialize_tuple_struct`, read as `deserialize_unit`
/// and `deserialize_tuple`: the name is not on the wire.
macro_rules! forward_named_to_unnamed {
    () => {
        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            visitor: V,
        ) -> Result<V::Value, SerdeError> {
            self.deserialize_unit(visitor)
        }

        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            len: usize,
            visitor: V,
        ) -> Result<V::Value, SerdeError> {
            self.deserialize_tuple(len, visitor)
        }
    };
}

mod args;
mod compact;
mod de;
mod payload;
mod read;
mod ser;
mod sink;
mod value_impl;

pub use payload::{to_payload, to_payload_into};

use alloc::string::String;
use alloc::vec::Vec;

use ::serde::{Deserialize, Serialize};

use crate::decode::validate;
use crate::error::{DecodeError, EncodeError};
use crate::limits::DecodeLimits;
use crate::value::Value;
use read::Read as _;

/// The private newtype name that marks a [`Value`] passing through serde.
pub(crate) const VALUE_MARKER: &str = "$skywire_seri::private::Value";
/// The enum name of the compact (not human-readable) form of a [`Value`].
pub(crate) const COMPACT_ENUM: &str = "$skywire_seri::private::CompactValue";
/// Variant names of the compact form, in index order.
pub(crate) const COMPACT_VARIANTS: &[&str] = &[
    "Nil",
    "Boolean",
    "Integer",
    "Real",
    "String",
    "Table",
    "LightUserdata",
];

/// How deep [`to_value`] lets serialized data nest before giving up.
pub const SERIALIZE_MAX_DEPTH: usize = 256;

/// Why a Rust value could not be converted to or from Lua values.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SerdeError {
    /// A message from a `Serialize`/`Deserialize` implementation.
    #[error("{0}")]
    Custom(String),
    /// The Lua value has the wrong type for the Rust target.
    #[error("expected {expected}, found {found}")]
    TypeMismatch {
        /// What the target wanted.
        expected: String,
        /// What the value was (Lua type name, or a description).
        found: String,
    },
    /// An integer does not fit the target type (or a `u64` does not fit a
    /// Lua integer).
    #[error("integer {value} out of range for {target}")]
    IntegerOutOfRange {
        /// The integer.
        value: i128,
        /// The target type.
        target: &'static str,
    },
    /// A float read into an integer target is not integral or out of range.
    #[error("float {value} is not exactly representable as {target}")]
    NotAnInteger {
        /// The float.
        value: f64,
        /// The target type.
        target: &'static str,
    },
    /// A string read into a `str`/`String`/`char` target is not UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// A map key serialized to nil, which a Lua table cannot hold.
    #[error("table key is nil")]
    NilKey,
    /// The data nests deeper than [`SERIALIZE_MAX_DEPTH`].
    #[error("nested deeper than {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// More arguments than the target reads.
    #[error("{found} arguments where {expected} were expected")]
    TrailingValues {
        /// Arguments the target reads.
        expected: usize,
        /// Arguments given.
        found: usize,
    },
    /// A serialized `Value` was not in a form this crate understands.
    #[error("malformed Value representation: {0}")]
    BadValueForm(String),
    /// The payload given to [`from_slice`] does not unpack: the error
    /// [`unpack`](crate::unpack) gives for it.
    #[error("payload does not unpack: {0}")]
    Decode(#[from] DecodeError),
    /// The values [`to_payload`] makes do not pack: the error [`pack`](crate::pack) gives
    /// for them.
    #[error("values do not pack: {0}")]
    Encode(#[from] EncodeError),
}

impl ::serde::ser::Error for SerdeError {
    fn custom<T: core::fmt::Display>(msg: T) -> Self {
        SerdeError::Custom(alloc::format!("{msg}"))
    }
}

impl ::serde::de::Error for SerdeError {
    fn custom<T: core::fmt::Display>(msg: T) -> Self {
        SerdeError::Custom(alloc::format!("{msg}"))
    }

    fn invalid_type(unexp: ::serde::de::Unexpected<'_>, exp: &dyn ::serde::de::Expected) -> Self {
        SerdeError::TypeMismatch {
            expected: alloc::format!("{exp}"),
            found: alloc::format!("{unexp}"),
        }
    }
}

/// Converts a Rust value to one Lua value.
///
/// # Mapping
///
/// | Rust (serde data model) | Lua value |
/// |---|---|
/// | `bool` | boolean |
/// | integers | integer (a `u64`/`u128`/`i128` outside `i64` is an error) |
/// | `f32`, `f64` | float |
/// | `char`, `str`, `String`, bytes (`serde_bytes`) | string |
/// | `None`, `()`, unit struct | nil |
/// | `Some(x)`, newtype struct | `x` |
/// | sequence, tuple, tuple struct | table with an array part |
/// | map | table with a hash part, in iteration order |
/// | struct | table with a hash part: field names as string keys, in field order |
/// | unit variant | the variant name as a string |
/// | newtype / tuple / struct variant | `{ VariantName = inner }` (one hash pair) |
///
/// Lua tables cannot hold `nil`: struct fields and map entries whose value is
/// nil (`None`) are left out; a nil map key is an error ([`SerdeError::NilKey`]).
/// Sequence items that are nil stay in the array part (their position matters).
/// Reading back, a missing `Option` field is `None`; a field of another type
/// that serializes to nil (such as `()`) needs `#[serde(default)]`.
///
/// Deserializing is lenient where Lua is: a struct reads a table's hash part
/// in any key order (missing `Option` fields are `None`) or, if the table has
/// only an array part, its items positionally; a map reads the array part as
/// integer keys `1..=n` followed by the hash part; an integer reads into a
/// float target (converted like Lua would, possibly rounding); a float reads
/// into an integer target only if it is integral and in range (`3.0` -> 3,
/// `3.5` is an error); `Option<T>` reads nil as `None`.
///
/// # `Value` inside serde
///
/// [`Value`] implements `Serialize` and `Deserialize`. Through this crate's
/// own serializer and deserializer ([`to_value`], [`from_value`], ... ) a
/// `Value` passes through exactly, even nested in a struct: array/hash split,
/// hash order, floats versus integers (bit patterns included), binary
/// strings and light userdata. Other formats see:
/// - human-readable ones (JSON, YAML, ...): the JSON form of the `json`
///   feature (`null`, `true`, `42`, `{"real": 0.5}`, `"text"`,
///   `{"bytes": "00ff"}`, `{"array": [...], "hash": [[k, v], ...]}`,
///   `{"userdata": "<16 hex digits>"}`);
/// - compact ones (bincode, postcard, ...): an externally tagged enum
///   `Nil | Boolean(bool) | Integer(i64) | Real(f64) | String(bytes) |
///   Table(Vec<Value>, Vec<(Value, Value)>) | LightUserdata(i64)` (the pointer
///   bits as `i64`).
///
/// This crate's serializer reports itself as not human-readable and
/// recognizes a private marker newtype name, the way `serde_json::RawValue`
/// does, to pick the exact path.
///
/// # Argument lists
///
/// [`to_values`] / [`from_values`] treat the top level as a Lua argument
/// list: a tuple, tuple struct or sequence is that many values, `()` is none,
/// anything else exactly one value. When reading, missing trailing arguments
/// read as nil (so trailing `Option`s may be omitted) and leftover arguments
/// are an error.
///
/// ```
/// use skywire_seri::{to_value, Value};
/// #[derive(serde::Serialize)]
/// struct Point { x: i32, y: i32 }
/// let v = to_value(&Point { x: 1, y: 2 }).unwrap();
/// assert_eq!(v.to_string(), "{x = 1, y = 2}");
/// ```
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, SerdeError> {
    ser::to_value(value)
}

/// Converts a Rust value to a Lua argument list: a top-level tuple, tuple
/// struct or sequence becomes that many values, `()` none, anything else one.
///
/// ```
/// use skywire_seri::{to_values, Value};
/// let args = to_values(&("get", 42)).unwrap();
/// assert_eq!(args, vec![Value::from("get"), Value::from(42)]);
/// ```
pub fn to_values<T: Serialize + ?Sized>(value: &T) -> Result<Vec<Value>, SerdeError> {
    ser::to_values(value)
}

/// Reads a Rust value from one Lua value. Strings may be borrowed from `value`.
///
/// ```
/// use skywire_seri::{from_value, Value};
/// let n: Option<u8> = from_value(&Value::Integer(7)).unwrap();
/// assert_eq!(n, Some(7));
/// ```
pub fn from_value<'de, T: Deserialize<'de>>(value: &'de Value) -> Result<T, SerdeError> {
    T::deserialize(de::ValueDeserializer::new(&mut read::TreeRead::new(
        core::slice::from_ref(value),
    )))
}

/// Reads a Rust value from a Lua argument list: a tuple, tuple struct or
/// sequence target reads the arguments in order (missing trailing ones read
/// as nil, extra ones are an error, a sequence takes all); `()` accepts only
/// nils; any other target reads the one argument (nil if there is none).
///
/// ```
/// use skywire_seri::{from_values, Value};
/// let (cmd, n, opt): (String, i64, Option<bool>) =
///     from_values(&[Value::from("get"), Value::from(42)]).unwrap();
/// assert_eq!((cmd.as_str(), n, opt), ("get", 42, None));
/// ```
pub fn from_values<'de, T: Deserialize<'de>>(values: &'de [Value]) -> Result<T, SerdeError> {
    let mut read = read::TreeRead::new(values);
    T::deserialize(args::ArgsDeserializer::new(&mut read, Some(values.len())))
}

/// Reads a Rust value straight from a payload's bytes (a Lua argument list, what
/// `skynet.pack` produced), without building [`Value`]s: the same result as
/// [`from_values`] of what [`unpack`](crate::unpack) gives, with the same mapping, the
/// same errors, and a payload that does not unpack refused with
/// [`SerdeError::Decode`] (the same [`DecodeError`], whatever the target reads). Strings
/// may be borrowed from `payload`.
///
/// The payload is read once, straight into the target, every byte checked as `unpack`
/// checks it (what the target does not look at is skipped and checked); only when that
/// fails is it read again, checked whole first, for the error `unpack` would give. A typed
/// service saves the value tree, its allocations and its reference counts.
///
/// ```
/// use skywire_seri::{from_slice, pack, Value};
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct Login<'a> { user: &'a str, level: u8 }
///
/// let mut t = skywire_seri::Table::new();
/// t.insert("user", "ana");
/// t.insert("level", 3);
/// let payload = pack(&[Value::from("login"), Value::Table(t)]).unwrap();
/// let (cmd, login): (&str, Login) = from_slice(&payload).unwrap();
/// assert_eq!((cmd, login), ("login", Login { user: "ana", level: 3 }));
/// ```
pub fn from_slice<'de, T: Deserialize<'de>>(payload: &'de [u8]) -> Result<T, SerdeError> {
    deserialize_slice(payload, &DecodeLimits::default())
}

/// [`from_slice`] with `limits`.
///
/// The payload is read once, into `T`, every read checked as `unpack` checks it (what
/// `T` does not look at is skipped and checked): if that succeeds and reads the payload to
/// its end, the payload unpacks, and the value is the one the two-step reading below would
/// give. Anything else (an error, of the payload or of the mapping, or values left
/// unread) is answered by that reading: the payload checked whole first, so that a payload
/// that does not unpack is refused with the same error whatever `T` reads, then read with
/// its arguments counted.
#[inline]
pub(crate) fn deserialize_slice<'de, T: Deserialize<'de>>(
    payload: &'de [u8],
    limits: &DecodeLimits,
) -> Result<T, SerdeError> {
    let mut read = read::SliceRead::new(payload, limits.get_max_depth());
    if let Ok(value) = T::deserialize(args::ArgsDeserializer::new(&mut read, None)) {
        if read.at_end() {
            return Ok(value);
        }
    }
    let args = validate(payload, limits)?;
    let mut read = read::SliceRead::new(payload, limits.get_max_depth());
    T::deserialize(args::ArgsDeserializer::new(&mut read, Some(args)))
}
