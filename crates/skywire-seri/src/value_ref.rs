//! The borrowed value model: [`ValueRef`] and [`TableRef`], what
//! [`unpack_ref`](crate::unpack_ref) decodes: strings are slices of the payload, so decoding
//! one costs no reference count and dropping it nothing but the tables' vectors.

use alloc::vec::Vec;
use bytes::Bytes;

use crate::value::{Table, Value};
use crate::view;

/// One Lua value whose strings borrow the payload it was decoded from: the borrowed twin
/// of [`Value`], with the same variants, the same `Display` (a Lua literal) and comparisons
/// with either form ([`ValueRef::content_eq`], [`ValueRef::exact_eq`]).
///
/// Equality (`PartialEq`) is structural, as for [`Value`].
///
/// ```
/// use skywire_seri::{unpack_ref, ValueRef};
/// let payload = [0x24, b'p', b'i', b'n', b'g', 0x0a, 0x01]; // "ping", 1
/// let args = unpack_ref(&payload).unwrap();
/// assert_eq!(args, [ValueRef::String(b"ping"), ValueRef::Integer(1)]);
/// assert_eq!(args[0].as_str(), Some("ping"));
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub enum ValueRef<'a> {
    /// `nil`.
    #[default]
    Nil,
    /// `true` / `false`.
    Boolean(bool),
    /// A Lua integer (64-bit).
    Integer(i64),
    /// A Lua float.
    Real(f64),
    /// A Lua string: arbitrary bytes, borrowed from the payload.
    String(&'a [u8]),
    /// A Lua table, split into its array part and its hash part.
    Table(TableRef<'a>),
    /// A light userdata: a raw pointer value from the sending process.
    LightUserdata(u64),
}

/// The borrowed twin of [`Table`]: the array part (keys `1..=n`, in order) and the hash
/// part (all other pairs, in wire order).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TableRef<'a> {
    /// The array part: the values of keys `1, 2, ..., array.len()`.
    pub array: Vec<ValueRef<'a>>,
    /// The hash part: `(key, value)` pairs in wire order.
    pub hash: Vec<(ValueRef<'a>, ValueRef<'a>)>,
}

impl<'a> TableRef<'a> {
    /// An empty table.
    pub const fn new() -> Self {
        TableRef {
            array: Vec::new(),
            hash: Vec::new(),
        }
    }

    /// `true` if both parts are empty.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty() && self.hash.is_empty()
    }

    /// Looks up `key` like Lua's `rawget`, as [`Table::get`] does.
    pub fn get(&self, key: &ValueRef<'a>) -> Option<&ValueRef<'a>> {
        view::raw_get(&self.array, &self.hash, key)
    }

    /// Looks up a string key in the hash part (`t.name`).
    pub fn get_str(&self, name: &str) -> Option<&ValueRef<'a>> {
        view::get_str(&self.hash, name)
    }

    /// The owned table, as [`ValueRef::to_owned_value`] makes it.
    pub fn to_owned_table(&self, backing: &Bytes) -> Table {
        Table {
            array: self
                .array
                .iter()
                .map(|v| v.to_owned_value(backing))
                .collect(),
            hash: self
                .hash
                .iter()
                .map(|(k, v)| (k.to_owned_value(backing), v.to_owned_value(backing)))
                .collect(),
        }
    }
}

impl ValueRef<'_> {
    /// Empties `values` and returns its allocation as a vector for values borrowed from
    /// another payload: what lets a loop keep one argument vector for
    /// [`Unpack::refs_into`](crate::Unpack::refs_into) although each payload lives only for
    /// its turn (the vector's type names the payload's lifetime, so it cannot simply be
    /// cleared and refilled).
    ///
    /// ```
    /// use skywire_seri::{Unpack, ValueRef};
    /// let mut spare: Vec<ValueRef<'static>> = Vec::new();
    /// for i in 1..=3u8 {
    ///     let payload = vec![0x0a, i]; // lives only for this turn
    ///     let mut args = ValueRef::recycle(std::mem::take(&mut spare));
    ///     Unpack::new().refs_into(&payload, &mut args).unwrap();
    ///     assert_eq!(args, [ValueRef::Integer(i64::from(i))]);
    ///     spare = ValueRef::recycle(args);
    /// }
    /// assert!(spare.capacity() >= 1); // one allocation served every turn
    /// ```
    pub fn recycle<'b>(mut values: Vec<ValueRef<'_>>) -> Vec<ValueRef<'b>> {
        values.clear();
        // An empty vector mapped to a type of the same layout is collected in place: the
        // allocation is kept, and the closure never runs.
        values.into_iter().map(|_| ValueRef::Nil).collect()
    }
}

impl<'a> ValueRef<'a> {
    /// The owned [`Value`]. A string that lies inside `backing` (the [`Bytes`] the value
    /// was decoded from) becomes a zero-copy slice of it, exactly as
    /// [`unpack`](crate::unpack) would have made it; any other string is copied.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use skywire_seri::{unpack_ref, Value};
    /// let payload = Bytes::from_static(&[0x14, b'h', b'i']);
    /// let v = unpack_ref(&payload).unwrap()[0].to_owned_value(&payload);
    /// assert_eq!(v, Value::from("hi"));
    /// assert_eq!(v.as_bytes().unwrap().as_ptr(), payload[1..].as_ptr()); // not copied
    /// ```
    pub fn to_owned_value(&self, backing: &Bytes) -> Value {
        match self {
            ValueRef::Nil => Value::Nil,
            ValueRef::Boolean(b) => Value::Boolean(*b),
            ValueRef::Integer(i) => Value::Integer(*i),
            ValueRef::Real(x) => Value::Real(*x),
            ValueRef::String(s) => Value::String(share(backing, s)),
            ValueRef::Table(t) => Value::Table(t.to_owned_table(backing)),
            ValueRef::LightUserdata(p) => Value::LightUserdata(*p),
        }
    }

    scalar_accessors!();

    /// The bytes of a string, borrowed from the payload.
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match self {
            ValueRef::String(s) => Some(s),
            _ => None,
        }
    }

    /// The string as `&str`, if it is a string and valid UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        self.as_bytes().and_then(|b| core::str::from_utf8(b).ok())
    }

    /// The table, if this is a table.
    pub fn as_table(&self) -> Option<&TableRef<'a>> {
        match self {
            ValueRef::Table(t) => Some(t),
            _ => None,
        }
    }
}

/// Copies the strings (see [`ValueRef::to_owned_value`] to share them instead).
impl From<&ValueRef<'_>> for Value {
    fn from(v: &ValueRef<'_>) -> Self {
        v.to_owned_value(&Bytes::new())
    }
}

/// `s` as a slice of `backing` if it lies inside it, else a copy.
fn share(backing: &Bytes, s: &[u8]) -> Bytes {
    let at = (s.as_ptr() as usize).wrapping_sub(backing.as_ptr() as usize);
    if at <= backing.len() && s.len() <= backing.len() - at {
        backing.slice(at..at + s.len())
    } else {
        Bytes::copy_from_slice(s)
    }
}
