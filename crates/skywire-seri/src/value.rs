//! The Lua value model: [`Value`] and [`Table`].

use alloc::string::String;
use alloc::vec::Vec;
use bytes::Bytes;

use crate::view;

/// One Lua value as lua-seri carries it.
///
/// Equality (`PartialEq`) is structural and derived: reals compare as `f64`
/// (so `NaN != NaN` and `0.0 == -0.0`) and a table's hash part compares in
/// order. For the comparison a protocol test wants (bit-exact reals, hash part
/// as an unordered set) use [`Value::content_eq`].
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// `nil`.
    #[default]
    Nil,
    /// `true` / `false`.
    Boolean(bool),
    /// A Lua integer (64-bit).
    Integer(i64),
    /// A Lua float.
    Real(f64),
    /// A Lua string: arbitrary bytes, not necessarily UTF-8. Decoding makes
    /// this a zero-copy slice of the payload.
    String(Bytes),
    /// A Lua table, split into its array part and its hash part.
    Table(Table),
    /// A light userdata: a raw pointer value from the sending process,
    /// meaningless elsewhere but carried as is.
    LightUserdata(u64),
}

/// A Lua table as lua-seri lays it out: the array part (keys `1..=n`, in
/// order) and the hash part (all other pairs, in wire order).
///
/// Wire order is kept so that decoding and re-encoding gives back the exact
/// bytes. Duplicate keys are not prevented by the type; [`Table::insert`]
/// replaces an existing key, [`Table::push_pair`] appends blindly.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Table {
    /// The array part: the values of keys `1, 2, ..., array.len()`.
    pub array: Vec<Value>,
    /// The hash part: `(key, value)` pairs in wire order.
    pub hash: Vec<(Value, Value)>,
}

impl Table {
    /// An empty table.
    pub const fn new() -> Self {
        Table {
            array: Vec::new(),
            hash: Vec::new(),
        }
    }

    /// A table with only an array part.
    pub fn from_array(array: Vec<Value>) -> Self {
        Table {
            array,
            hash: Vec::new(),
        }
    }

    /// A table with only a hash part (pairs kept in the given order).
    pub fn from_pairs(hash: Vec<(Value, Value)>) -> Self {
        Table {
            array: Vec::new(),
            hash,
        }
    }

    /// `true` if both parts are empty.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty() && self.hash.is_empty()
    }

    /// Appends a value to the array part (`t[#t + 1] = v`).
    pub fn push(&mut self, value: impl Into<Value>) {
        self.array.push(value.into());
    }

    /// Appends a `(key, value)` pair to the hash part without looking for an
    /// existing equal key.
    pub fn push_pair(&mut self, key: impl Into<Value>, value: impl Into<Value>) {
        self.hash.push((key.into(), value.into()));
    }

    /// Sets `key` in the hash part: replaces the value of the first pair whose
    /// key is equal (Lua key equality, see [`Table::get`]) and returns the old
    /// value, or appends a new pair and returns `None`. The array part is not
    /// consulted.
    pub fn insert(&mut self, key: impl Into<Value>, value: impl Into<Value>) -> Option<Value> {
        let key = key.into();
        let value = value.into();
        for (k, v) in self.hash.iter_mut() {
            if view::lua_key_eq(k, &key) {
                return Some(core::mem::replace(v, value));
            }
        }
        self.hash.push((key, value));
        None
    }

    /// Looks up `key` like Lua's `rawget`: an integer key `1..=array.len()`
    /// (or a float with such an integral value) reads the array part,
    /// anything else scans the hash part for the first equal key.
    ///
    /// Key equality is Lua's for numbers (`1 == 1.0`), strings and booleans;
    /// table keys compare structurally (Lua compares them by identity, which
    /// does not survive serialization).
    pub fn get(&self, key: &Value) -> Option<&Value> {
        view::raw_get(&self.array, &self.hash, key)
    }

    /// Looks up a string key in the hash part (`t.name`).
    pub fn get_str(&self, name: &str) -> Option<&Value> {
        view::get_str(&self.hash, name)
    }
}

/// `Some(i)` if `f` is an integral value representable as `i64`.
pub(crate) fn exact_integer(f: f64) -> Option<i64> {
    // 2^63 as f64; every f64 in [-2^63, 2^63) converts exactly when integral.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if (-LIMIT..LIMIT).contains(&f) {
        let i = f as i64;
        if i as f64 == f {
            return Some(i);
        }
    }
    None
}

impl Value {
    /// A string value from anything convertible to [`Bytes`].
    pub fn string(s: impl Into<Bytes>) -> Self {
        Value::String(s.into())
    }

    /// A string value copied from a byte slice.
    pub fn string_from_slice(s: &[u8]) -> Self {
        Value::String(Bytes::copy_from_slice(s))
    }

    /// A table value with only an array part.
    pub fn array(items: Vec<Value>) -> Self {
        Value::Table(Table::from_array(items))
    }

    scalar_accessors!();

    /// Lua truthiness: everything but `nil` and `false` is true.
    pub fn is_truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Boolean(false))
    }

    /// Any number as `f64` (integers converted, possibly rounding).
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Integer(i) => Some(*i as f64),
            Value::Real(f) => Some(*f),
            _ => None,
        }
    }

    /// The bytes of a string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::String(s) => Some(s.as_ref()),
            _ => None,
        }
    }

    /// The string as [`Bytes`] (cheap to clone).
    pub fn as_bytes_shared(&self) -> Option<&Bytes> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The string as `&str`, if it is a string and valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        self.as_bytes().and_then(|b| core::str::from_utf8(b).ok())
    }

    /// The table, if this is a table.
    pub fn as_table(&self) -> Option<&Table> {
        match self {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The table, mutably, if this is a table.
    pub fn as_table_mut(&mut self) -> Option<&mut Table> {
        match self {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The table by value, if this is a table.
    pub fn into_table(self) -> Option<Table> {
        match self {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    /// A deep copy whose strings share no memory with anything: a value decoded by
    /// [`unpack`](crate::unpack) holds its strings as slices of the payload, which keeps
    /// the whole payload (often a whole read buffer) alive for as long as the value is kept.
    ///
    /// ```
    /// use skywire_seri::Value;
    /// let payload = bytes::Bytes::from_static(b"\x24ping");
    /// let v = skywire_seri::unpack(&payload).unwrap().remove(0);
    /// let kept = v.detached();
    /// assert_eq!(kept, v);
    /// assert_ne!(kept.as_bytes().unwrap().as_ptr(), v.as_bytes().unwrap().as_ptr());
    /// ```
    pub fn detached(&self) -> Value {
        match self {
            Value::String(s) => Value::String(Bytes::copy_from_slice(s)),
            Value::Table(t) => Value::Table(Table {
                array: t.array.iter().map(Value::detached).collect(),
                hash: t
                    .hash
                    .iter()
                    .map(|(k, v)| (k.detached(), v.detached()))
                    .collect(),
            }),
            other => other.clone(),
        }
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Self {
                Value::Integer(i64::from(v))
            }
        }
    )*};
}
from_integer!(i8, i16, i32, i64, u8, u16, u32);

/// The error of converting a `u64`/`usize` above `i64::MAX` into a [`Value`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("integer {0} does not fit in a Lua integer (i64)")]
pub struct IntegerOverflow(pub u64);

impl TryFrom<u64> for Value {
    type Error = IntegerOverflow;
    fn try_from(v: u64) -> Result<Self, Self::Error> {
        i64::try_from(v)
            .map(Value::Integer)
            .map_err(|_| IntegerOverflow(v))
    }
}

impl TryFrom<usize> for Value {
    type Error = IntegerOverflow;
    fn try_from(v: usize) -> Result<Self, Self::Error> {
        Value::try_from(v as u64)
    }
}

/// `From<$t> for Value`, each by its expression of `v`.
macro_rules! value_from {
    ($($(#[$doc:meta])* $t:ty: |$v:ident| $e:expr;)*) => {$(
        $(#[$doc])*
        impl From<$t> for Value {
            fn from($v: $t) -> Self {
                $e
            }
        }
    )*};
}
value_from! {
    bool: |v| Value::Boolean(v);
    f64: |v| Value::Real(v);
    f32: |v| Value::Real(f64::from(v));
    &str: |v| Value::String(Bytes::copy_from_slice(v.as_bytes()));
    String: |v| Value::String(Bytes::from(v));
    &String: |v| Value::from(v.as_str());
    &[u8]: |v| Value::String(Bytes::copy_from_slice(v));
    Vec<u8>: |v| Value::String(Bytes::from(v));
    Bytes: |v| Value::String(v);
    Table: |v| Value::Table(v);
    /// A vector of values becomes a table with that array part.
    Vec<Value>: |v| Value::Table(Table::from_array(v));
}

impl<const N: usize> From<&[u8; N]> for Value {
    fn from(v: &[u8; N]) -> Self {
        Value::String(Bytes::copy_from_slice(v))
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Nil, Into::into)
    }
}

impl From<()> for Value {
    fn from(_: ()) -> Self {
        Value::Nil
    }
}

/// Collects values into the array part.
impl FromIterator<Value> for Table {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Self {
        Table::from_array(iter.into_iter().collect())
    }
}

/// Collects pairs into the hash part, in iteration order.
impl FromIterator<(Value, Value)> for Table {
    fn from_iter<I: IntoIterator<Item = (Value, Value)>>(iter: I) -> Self {
        Table::from_pairs(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn table_get_reads_array_then_hash() {
        let mut t = Table::from_array(vec![Value::from("a"), Value::from("b")]);
        t.insert("name", "v");
        t.insert(Value::Real(1.5), true);
        t.insert(10, 20);
        assert_eq!(t.get(&Value::Integer(1)), Some(&Value::from("a")));
        assert_eq!(t.get(&Value::Real(2.0)), Some(&Value::from("b")));
        assert_eq!(t.get(&Value::Integer(3)), None);
        assert_eq!(t.get(&Value::Integer(0)), None);
        assert_eq!(t.get(&Value::Real(10.0)), Some(&Value::Integer(20)));
        assert_eq!(t.get(&Value::Real(1.5)), Some(&Value::Boolean(true)));
        assert_eq!(t.get_str("name"), Some(&Value::from("v")));
        assert_eq!(t.get_str("nope"), None);
        assert_eq!(t.insert("name", 5), Some(Value::from("v")));
        assert_eq!(t.hash.len(), 3);
        assert_eq!(t.get_str("name"), Some(&Value::Integer(5)));
    }

    #[test]
    fn accessors_and_conversions() {
        assert!(Value::from(None::<i64>).is_nil());
        assert_eq!(Value::from(Some(3u8)), Value::Integer(3));
        assert_eq!(Value::try_from(u64::MAX), Err(IntegerOverflow(u64::MAX)));
        assert_eq!(Value::try_from(7usize), Ok(Value::Integer(7)));
        assert_eq!(Value::from(&b"\xff"[..]).as_str(), None);
        assert_eq!(Value::from("hi").as_str(), Some("hi"));
        assert_eq!(Value::from(2.5).as_real(), Some(2.5));
        assert_eq!(Value::from(2.5).as_integer(), None);
        assert_eq!(Value::from(2).as_number(), Some(2.0));
        assert_eq!(Value::LightUserdata(9).type_name(), "userdata");
        assert_eq!(Value::Real(1.0).type_name(), "number");
        assert!(!Value::Boolean(false).is_truthy());
        assert!(Value::Integer(0).is_truthy());
        assert_eq!(exact_integer(-0.0), Some(0));
        assert_eq!(exact_integer(9_223_372_036_854_775_808.0), None);
        assert_eq!(exact_integer(-9_223_372_036_854_775_808.0), Some(i64::MIN));
        assert_eq!(exact_integer(f64::NAN), None);
    }
}
