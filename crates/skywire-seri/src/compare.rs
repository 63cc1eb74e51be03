//! Content comparison of values, for tests and conformance checks.
//!
//! skynet rebuilds tables on the receiving side, so the hash part of an echoed
//! table comes back in whatever order Lua iterates it. [`Value::content_eq`]
//! therefore compares hash parts as unordered multisets; [`Value::exact_eq`]
//! is the strict variant (wire order) for checking that nothing was reordered.

use alloc::vec;

use crate::value::Value;
use crate::value_ref::ValueRef;
use crate::view::{LuaValue, Sealed, View};

impl Value {
    /// Equality of content: reals compare by bit pattern (NaN equals the same
    /// NaN, `-0.0` differs from `0.0`), strings by bytes, array parts in
    /// order and hash parts as unordered multisets of `(key, value)` pairs,
    /// recursively. `other` may be a [`Value`] or a [`ValueRef`].
    pub fn content_eq<V: LuaValue>(&self, other: &V) -> bool {
        eq(self, other, false)
    }

    /// Like [`Value::content_eq`] but hash parts must also be in the same
    /// order: equal values pack to equal bytes.
    pub fn exact_eq<V: LuaValue>(&self, other: &V) -> bool {
        eq(self, other, true)
    }
}

impl ValueRef<'_> {
    /// [`Value::content_eq`] for a borrowed value: `other` may be a [`Value`] or a
    /// [`ValueRef`].
    pub fn content_eq<V: LuaValue>(&self, other: &V) -> bool {
        eq(self, other, false)
    }

    /// [`Value::exact_eq`] for a borrowed value: `other` may be a [`Value`] or a
    /// [`ValueRef`].
    pub fn exact_eq<V: LuaValue>(&self, other: &V) -> bool {
        eq(self, other, true)
    }
}

/// [`Value::content_eq`] over two argument lists (same length, pairwise).
pub fn values_content_eq(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.content_eq(y))
}

/// [`Value::exact_eq`] over two argument lists (same length, pairwise).
pub fn values_exact_eq(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.exact_eq(y))
}

fn eq<A: Sealed, B: Sealed>(a: &A, b: &B, ordered: bool) -> bool {
    match (a.view(), b.view()) {
        (View::Nil, View::Nil) => true,
        (View::Boolean(x), View::Boolean(y)) => x == y,
        (View::Integer(x), View::Integer(y)) => x == y,
        (View::Real(x), View::Real(y)) => x.to_bits() == y.to_bits(),
        (View::String(x), View::String(y)) => x == y,
        (View::LightUserdata(x), View::LightUserdata(y)) => x == y,
        (
            View::Table {
                array: a1,
                hash: h1,
            },
            View::Table {
                array: a2,
                hash: h2,
            },
        ) => table_eq((a1, h1), (a2, h2), ordered),
        _ => false,
    }
}

/// A table's parts: the array part and the hash part.
type Parts<'t, V> = (&'t [V], &'t [(V, V)]);

fn table_eq<A: Sealed, B: Sealed>(a: Parts<'_, A>, b: Parts<'_, B>, ordered: bool) -> bool {
    let ((a_array, a_hash), (b_array, b_hash)) = (a, b);
    if a_array.len() != b_array.len() || a_hash.len() != b_hash.len() {
        return false;
    }
    if !a_array.iter().zip(b_array).all(|(x, y)| eq(x, y, ordered)) {
        return false;
    }
    let pair_eq = |(k1, v1): &(A, A), (k2, v2): &(B, B)| eq(k1, k2, ordered) && eq(v1, v2, ordered);
    if ordered {
        return a_hash.iter().zip(b_hash).all(|(p, q)| pair_eq(p, q));
    }
    // Fast path: same order.
    if a_hash.iter().zip(b_hash).all(|(p, q)| pair_eq(p, q)) {
        return true;
    }
    // Multiset match. content_eq is an equivalence relation, so greedily
    // pairing each element with any unused equal one is exact.
    let mut used = vec![false; b_hash.len()];
    a_hash.iter().all(|p| {
        let found = b_hash
            .iter()
            .zip(used.iter_mut())
            .find(|(q, u)| !**u && pair_eq(p, q));
        match found {
            Some((_, u)) => {
                *u = true;
                true
            }
            None => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Table;

    fn t(array: alloc::vec::Vec<Value>, hash: alloc::vec::Vec<(Value, Value)>) -> Value {
        Value::Table(Table { array, hash })
    }

    /// A table of array part `{1, 2}` and these hash pairs, in this order.
    fn one_two_and(pairs: &[(&str, i64)]) -> Value {
        let hash = pairs.iter().map(|&(k, v)| (k.into(), v.into())).collect();
        t(alloc::vec![1.into(), 2.into()], hash)
    }

    #[test]
    fn reals_by_bits() {
        assert!(Value::Real(f64::NAN).content_eq(&Value::Real(f64::NAN)));
        assert!(!Value::Real(0.0).content_eq(&Value::Real(-0.0)));
        assert!(!Value::Integer(1).content_eq(&Value::Real(1.0)));
        assert!(!Value::Nil.content_eq(&Value::Boolean(false)));
    }

    #[test]
    fn hash_unordered_array_ordered() {
        let a = one_two_and(&[("a", 1), ("b", 2), ("a", 1)]);
        let b = one_two_and(&[("a", 1), ("a", 1), ("b", 2)]);
        assert!(a.content_eq(&b));
        assert!(!a.exact_eq(&b));
        assert!(a.exact_eq(&a.clone()));
        let c = one_two_and(&[("a", 1), ("b", 2), ("b", 2)]);
        assert!(!a.content_eq(&c));
        let d = t(vec![2.into(), 1.into()], vec![]);
        assert!(!d.content_eq(&t(vec![1.into(), 2.into()], vec![])));
        assert!(values_content_eq(
            &[a.clone(), Value::Nil],
            &[b, Value::Nil]
        ));
        assert!(!values_content_eq(&[a], &[]));
    }
}
