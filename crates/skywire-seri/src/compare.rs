//! Content comparison of values, for tests and conformance checks.
//!
//! skynet rebuilds tables on the receiving side, so the hash part of an echoed
//! table comes back in whatever order Lua iterates it. [`Value::content_eq`]
//! therefore compares hash parts as unordered multisets; [`Value::exact_eq`]
//! is the strict variant (wire order) for checking that nothing was reordered.

use alloc::vec;

use crate::value::{Table, Value};

impl Value {
    /// Equality of content: reals compare by bit pattern (NaN equals the same
    /// NaN, `-0.0` differs from `0.0`), strings by bytes, array parts in
    /// order and hash parts as unordered multisets of `(key, value)` pairs,
    /// recursively.
    pub fn content_eq(&self, other: &Value) -> bool {
        eq(self, other, false)
    }

    /// Like [`Value::content_eq`] but hash parts must also be in the same
    /// order: equal values pack to equal bytes.
    pub fn exact_eq(&self, other: &Value) -> bool {
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

fn eq(a: &Value, b: &Value, ordered: bool) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) => true,
        (Value::Boolean(x), Value::Boolean(y)) => x == y,
        (Value::Integer(x), Value::Integer(y)) => x == y,
        (Value::Real(x), Value::Real(y)) => x.to_bits() == y.to_bits(),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::LightUserdata(x), Value::LightUserdata(y)) => x == y,
        (Value::Table(x), Value::Table(y)) => table_eq(x, y, ordered),
        _ => false,
    }
}

fn table_eq(a: &Table, b: &Table, ordered: bool) -> bool {
    if a.array.len() != b.array.len() || a.hash.len() != b.hash.len() {
        return false;
    }
    if !a.array.iter().zip(&b.array).all(|(x, y)| eq(x, y, ordered)) {
        return false;
    }
    let pair_eq = |(k1, v1): &(Value, Value), (k2, v2): &(Value, Value)| {
        eq(k1, k2, ordered) && eq(v1, v2, ordered)
    };
    if ordered {
        return a.hash.iter().zip(&b.hash).all(|(p, q)| pair_eq(p, q));
    }
    // Fast path: same order.
    if a.hash.iter().zip(&b.hash).all(|(p, q)| pair_eq(p, q)) {
        return true;
    }
    // Multiset match. content_eq is an equivalence relation, so greedily
    // pairing each element with any unused equal one is exact.
    let mut used = vec![false; b.hash.len()];
    a.hash.iter().all(|p| {
        let found = b
            .hash
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

    fn t(array: alloc::vec::Vec<Value>, hash: alloc::vec::Vec<(Value, Value)>) -> Value {
        Value::Table(Table { array, hash })
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
        let a = t(
            vec![1.into(), 2.into()],
            vec![
                ("a".into(), 1.into()),
                ("b".into(), 2.into()),
                ("a".into(), 1.into()),
            ],
        );
        let b = t(
            vec![1.into(), 2.into()],
            vec![
                ("a".into(), 1.into()),
                ("a".into(), 1.into()),
                ("b".into(), 2.into()),
            ],
        );
        assert!(a.content_eq(&b));
        assert!(!a.exact_eq(&b));
        assert!(a.exact_eq(&a.clone()));
        let c = t(
            vec![1.into(), 2.into()],
            vec![
                ("a".into(), 1.into()),
                ("b".into(), 2.into()),
                ("b".into(), 2.into()),
            ],
        );
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
