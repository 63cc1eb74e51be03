//! One read-only look at a Lua value, whichever form holds it: the owned [`Value`] or the
//! borrowed [`ValueRef`]. `Display`, the comparisons and table look-ups are written once
//! against this view and serve both forms.

use crate::value::{exact_integer, Value};
use crate::value_ref::ValueRef;

pub(crate) mod sealed {
    /// A value seen through [`LuaValue`](super::LuaValue): scalars by value, strings and
    /// table parts borrowed.
    pub enum View<'v, V> {
        Nil,
        Boolean(bool),
        Integer(i64),
        Real(f64),
        String(&'v [u8]),
        Table { array: &'v [V], hash: &'v [(V, V)] },
        LightUserdata(u64),
    }

    /// The view of a value; only this crate's value forms implement it.
    pub trait Sealed: Sized {
        /// This value seen through a [`View`].
        fn view(&self) -> View<'_, Self>;
    }
}

pub(crate) use sealed::{Sealed, View};

/// Either form of a Lua value: [`Value`] (owned; strings are [`Bytes`](bytes::Bytes)) or
/// [`ValueRef`] (strings borrowed from the payload). Sealed: only these two implement it.
///
/// It lets [`Value::content_eq`], [`ValueRef::content_eq`] and their `exact_eq` twins
/// compare a value of one form with a value of the other:
///
/// ```
/// use bytes::Bytes;
/// use skywire_seri::{pack, unpack, unpack_ref, Value};
/// let bytes = pack(&[Value::from("hi"), Value::Real(0.5)]).unwrap();
/// let owned = unpack(&bytes).unwrap();
/// let borrowed = unpack_ref(&bytes).unwrap();
/// assert!(borrowed[0].content_eq(&owned[0]) && owned[1].exact_eq(&borrowed[1]));
/// ```
pub trait LuaValue: Sealed {}

impl LuaValue for Value {}
impl LuaValue for ValueRef<'_> {}

/// [`Sealed::view`] for a value type whose variants are named like [`Value`]'s.
macro_rules! impl_view {
    ($value:ty) => {
        impl Sealed for $value {
            #[inline]
            fn view(&self) -> View<'_, Self> {
                match self {
                    Self::Nil => View::Nil,
                    Self::Boolean(b) => View::Boolean(*b),
                    Self::Integer(i) => View::Integer(*i),
                    Self::Real(x) => View::Real(*x),
                    Self::String(s) => View::String(s),
                    Self::Table(t) => View::Table {
                        array: &t.array,
                        hash: &t.hash,
                    },
                    Self::LightUserdata(p) => View::LightUserdata(*p),
                }
            }
        }
    };
}

impl_view!(Value);
impl_view!(ValueRef<'_>);

/// Lua's `type()` name of a value.
pub(crate) fn type_name<V: Sealed>(v: &V) -> &'static str {
    match v.view() {
        View::Nil => "nil",
        View::Boolean(_) => "boolean",
        View::Integer(_) | View::Real(_) => "number",
        View::String(_) => "string",
        View::Table { .. } => "table",
        View::LightUserdata(_) => "userdata",
    }
}

/// The integer a key denotes, if it is an integer or an integral float.
fn integer_key<V: Sealed>(key: &V) -> Option<i64> {
    match key.view() {
        View::Integer(i) => Some(i),
        View::Real(f) => exact_integer(f),
        _ => None,
    }
}

/// Lua's raw key equality: numbers by value across integer and float, anything else by
/// the form's structural equality (`PartialEq`).
pub(crate) fn lua_key_eq<V: Sealed + PartialEq>(a: &V, b: &V) -> bool {
    match (a.view(), b.view()) {
        (View::Integer(x), View::Real(y)) | (View::Real(y), View::Integer(x)) => {
            exact_integer(y) == Some(x)
        }
        _ => a == b,
    }
}

/// `rawget` on a table's parts: an integer key `1..=array.len()` (or a float with such an
/// integral value) reads the array part, anything else the first equal key of the hash part.
pub(crate) fn raw_get<'t, V: Sealed + PartialEq>(
    array: &'t [V],
    hash: &'t [(V, V)],
    key: &V,
) -> Option<&'t V> {
    if let Some(i) = integer_key(key) {
        if i >= 1 && (i as u64) <= array.len() as u64 {
            return array.get((i - 1) as usize);
        }
    }
    hash.iter()
        .find(|(k, _)| lua_key_eq(k, key))
        .map(|(_, v)| v)
}

/// The value of string key `name` in a hash part (`t.name`).
pub(crate) fn get_str<'t, V: Sealed>(hash: &'t [(V, V)], name: &str) -> Option<&'t V> {
    let name = name.as_bytes();
    hash.iter()
        .find(|(k, _)| matches!(k.view(), View::String(s) if s == name))
        .map(|(_, v)| v)
}
