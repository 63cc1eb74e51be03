//! `from_slice`: Rust values read straight from the wire bytes. Every case is checked
//! against an expected value written here and against the value model
//! (`from_values(&unpack(bytes))`), which `from_slice` must match exactly, errors included.
#![cfg(feature = "serde")]

use std::collections::BTreeMap;
use std::fmt::Debug;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use skywire_seri::{
    from_slice, from_values, pack, to_value, to_values, unpack, DecodeErrorKind, DecodeLimits,
    SerdeError, Table, Unpack, Value,
};

#[path = "common/shapes.rs"]
mod shapes;
use shapes::{every_shape, one_wanted_two_found, point_table_with, Point, Shape};

shapes::record! {
    flag: bool = true,
    ratio: f32 = 0.25,
    #[serde(default)]
    raw: Value = {
        let mut raw = Table::from_array(vec![Value::Nil, Value::Real(-0.0)]);
        raw.push_pair(Value::Table(Table::new()), Value::LightUserdata(u64::MAX));
        raw.push_pair("s", Value::from(&b"\x00\xff"[..]));
        Value::Table(raw)
    },
}

/// What the value model reads from `payload`: the reference `from_slice` must match.
fn via_values<T: DeserializeOwned>(payload: &[u8]) -> Result<T, SerdeError> {
    let values = unpack(&Bytes::copy_from_slice(payload))?;
    from_values(&values)
}

/// `from_slice` of `payload` as `T`, checked against the value model, returned.
fn read<T: DeserializeOwned + Debug>(payload: &[u8]) -> Result<T, SerdeError> {
    let got = from_slice::<T>(payload);
    let want = via_values::<T>(payload);
    assert_eq!(
        format!("{got:?}"),
        format!("{want:?}"),
        "reading {payload:02x?}"
    );
    got
}

fn packed(values: &[Value]) -> Vec<u8> {
    pack(values).unwrap().to_vec()
}

#[test]
fn records_round_trip_through_the_wire() {
    let r = record();
    let payload = packed(&to_values(&("put", 7u32, &r)).unwrap());
    let (cmd, n, back): (String, u32, Record) = read(&payload).unwrap();
    assert_eq!((cmd.as_str(), n), ("put", 7));
    assert_eq!(back.raw.to_string(), r.raw.to_string());
    assert!(back.raw.exact_eq(&r.raw), "Value passes through exactly");
    assert_eq!(back, r);
}

#[test]
fn strings_are_borrowed_from_the_payload() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Login<'a> {
        user: &'a str,
        #[serde(borrow)]
        token: &'a [u8],
    }
    let mut t = Table::new();
    t.push_pair("token", Value::from(&b"\x01\x02"[..]));
    t.push_pair("user", "ana");
    let payload = packed(&[Value::from("login"), Value::Table(t)]);
    let (cmd, login): (&str, Login) = from_slice(&payload).unwrap();
    assert_eq!(cmd, "login");
    assert_eq!(login.user, "ana");
    assert_eq!(login.token, b"\x01\x02");
    let inside = payload.as_ptr_range();
    assert!(inside.contains(&cmd.as_ptr()) && inside.contains(&login.user.as_ptr()));
    assert_eq!(
        from_slice::<&str>(&packed(&[Value::from(&b"\xff"[..])])),
        Err(SerdeError::InvalidUtf8)
    );
}

#[test]
fn structs_read_any_key_order_and_the_array_form() {
    let t = point_table_with(Value::array(vec![Value::from("skipped"), Value::Nil]));
    assert_eq!(
        read::<Point>(&packed(&[Value::Table(t)])).unwrap(),
        Point { x: 1, y: 2 }
    );
    let arr = Value::array(vec![3.into(), 4.into()]);
    assert_eq!(
        read::<Point>(&packed(&[arr])).unwrap(),
        Point { x: 3, y: 4 }
    );
    // Array and hash parts both: the array part is skipped, the fields come from the hash.
    let mut both = Table::from_array(vec![9.into(), 9.into()]);
    both.push_pair("x", 5);
    both.push_pair("y", 6);
    assert_eq!(
        read::<(Point, i8)>(&packed(&[Value::Table(both), Value::from(-1)])).unwrap(),
        (Point { x: 5, y: 6 }, -1)
    );
}

/// Field names reach the field visitor however it asks: serde's derived visitors (renames,
/// aliases, non-ASCII names, the unknown-field error), and a hand-written visitor whose keys
/// are `String`s.
#[test]
fn field_names_reach_derived_and_hand_written_visitors() {
    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Named {
        #[serde(rename = "größe")]
        size: i64,
        #[serde(alias = "colour")]
        color: String,
    }
    let mut t = Table::new();
    t.push_pair("colour", "red");
    t.push_pair("größe", 3);
    assert_eq!(
        read::<Named>(&packed(&[Value::Table(t.clone())])).unwrap(),
        Named {
            size: 3,
            color: "red".into()
        }
    );
    t.push_pair("hue", 1);
    let err = read::<Named>(&packed(&[Value::Table(t)])).unwrap_err();
    assert!(err.to_string().contains("unknown field `hue`"), "{err}");

    /// The keys of a struct, as the `String`s a hand-written visitor asks for.
    #[derive(Debug, PartialEq)]
    struct Keys(Vec<String>);
    impl<'de> Deserialize<'de> for Keys {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Keys;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("a struct")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut m: A,
                ) -> Result<Keys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(k) = m.next_key::<String>()? {
                        m.next_value::<serde::de::IgnoredAny>()?;
                        keys.push(k);
                    }
                    Ok(Keys(keys))
                }
            }
            d.deserialize_struct("Keys", &["a", "b"], V)
        }
    }
    let mut t = Table::new();
    t.push_pair("b", 1);
    t.push_pair("ä", 2);
    assert_eq!(
        read::<Keys>(&packed(&[Value::Table(t)])).unwrap(),
        Keys(vec!["b".into(), "ä".into()])
    );
}

#[test]
fn numbers_and_type_errors_match_the_value_model() {
    assert_eq!(read::<f64>(&packed(&[Value::Integer(3)])).unwrap(), 3.0);
    assert_eq!(read::<i64>(&packed(&[Value::Real(3.0)])).unwrap(), 3);
    assert!(matches!(
        read::<i64>(&packed(&[Value::Real(3.5)])),
        Err(SerdeError::NotAnInteger { .. })
    ));
    assert!(matches!(
        read::<u8>(&packed(&[Value::Integer(256)])),
        Err(SerdeError::IntegerOutOfRange { value: 256, .. })
    ));
    let e = read::<i32>(&packed(&[Value::from("7")])).unwrap_err();
    assert_eq!(e.to_string(), "expected i32, found string");
    let e = read::<bool>(&packed(&[Value::LightUserdata(1)])).unwrap_err();
    assert_eq!(e.to_string(), "expected boolean, found light userdata");
    // (A top-level sequence is the argument list: a 1-tuple reads one argument.)
    let e = read::<(Vec<i32>,)>(&packed(&[Value::Real(1.0)])).unwrap_err();
    assert_eq!(e.to_string(), "expected table (sequence), found float");
}

#[test]
fn maps_sequences_and_nils() {
    let mut t = Table::from_array(vec!["a".into(), "b".into()]);
    t.push_pair(10, "c");
    let m: BTreeMap<i64, String> = read(&packed(&[Value::Table(t.clone())])).unwrap();
    assert_eq!(
        m,
        [(1, "a".into()), (2, "b".into()), (10, "c".into())]
            .into_iter()
            .collect()
    );
    // A table with a hash part is not a sequence.
    assert!(matches!(
        read::<(Vec<String>,)>(&packed(&[Value::Table(t)])),
        Err(SerdeError::TypeMismatch { .. })
    ));
    let seq = to_value(&vec![Some(1), None, Some(3)]).unwrap();
    assert_eq!(
        read::<(Vec<Option<i32>>,)>(&packed(&[seq])).unwrap().0,
        vec![Some(1), None, Some(3)]
    );
    let three = Value::array(vec![1.into(), 2.into(), 3.into()]);
    assert!(read::<((i32, i32),)>(&packed(std::slice::from_ref(&three))).is_err());
    assert_eq!(
        read::<((i32, i32, i32),)>(&packed(&[three])).unwrap(),
        ((1, 2, 3),)
    );
    // Empty tables are empty maps and sequences.
    let empty = packed(&[Value::Table(Table::new())]);
    assert_eq!(read::<(Vec<u8>,)>(&empty).unwrap().0, Vec::<u8>::new());
    assert!(read::<BTreeMap<String, u8>>(&empty).unwrap().is_empty());
}

#[test]
fn enums() {
    for s in every_shape(2.0) {
        assert_eq!(read::<Shape>(&packed(&[to_value(&s).unwrap()])).unwrap(), s);
    }
    // `{ Empty = anything }` reads as the unit variant, and what follows is still read.
    let mut t = Table::new();
    t.push_pair("Empty", Value::array(vec![1.into(), "x".into()]));
    let payload = packed(&[Value::Table(t), Value::from(5)]);
    assert_eq!(read::<(Shape, u8)>(&payload).unwrap(), (Shape::Empty, 5));
    assert!(read::<Shape>(&packed(&[Value::from("Circle")])).is_err());
    assert!(read::<Shape>(&packed(&[Value::from("Nope")])).is_err());
    assert!(read::<Shape>(&packed(&[Value::Integer(1)])).is_err());
    // Two pairs are not an enum.
    let mut two = Table::new();
    two.push_pair("Circle", 1.0);
    two.push_pair("Empty", true);
    assert!(read::<Shape>(&packed(&[Value::Table(two)])).is_err());
}

#[test]
fn argument_lists() {
    let args = packed(&[Value::from("get"), Value::from(1)]);
    let (a, b, c): (String, i64, Option<bool>) = read(&args).unwrap();
    assert_eq!((a.as_str(), b, c), ("get", 1, None));
    assert_eq!(read::<(String,)>(&args), Err(one_wanted_two_found()));
    assert_eq!(
        read::<Vec<Value>>(&args).unwrap(),
        vec![Value::from("get"), Value::from(1)]
    );
    assert_eq!(read::<Option<i32>>(&[]).unwrap(), None);
    assert!(read::<i32>(&args).is_err());
    read::<()>(&[]).unwrap();
    read::<()>(&packed(&[Value::Nil, Value::Nil])).unwrap();
    assert!(read::<()>(&packed(&[Value::Nil, Value::from(1)])).is_err());
    let v: Value = read(&packed(&[Value::Real(f64::NAN)])).unwrap();
    assert!(v.exact_eq(&Value::Real(f64::NAN)));
    let _: serde::de::IgnoredAny = read(&packed(&[record_value()])).unwrap();
}

fn record_value() -> Value {
    to_value(&record()).unwrap()
}

#[test]
fn a_payload_that_does_not_unpack_is_refused_with_unpacks_error() {
    // The target reads only the first argument; the second is cut short.
    let mut payload = packed(&[Value::from(1), Value::from("abcdef")]);
    payload.truncate(payload.len() - 2);
    let e = unpack(&Bytes::copy_from_slice(&payload)).unwrap_err();
    assert_eq!(
        from_slice::<(i32, Option<String>)>(&payload),
        Err(SerdeError::Decode(e.clone()))
    );
    // Even when the target would fail on the first argument.
    assert_eq!(
        from_slice::<(String, String)>(&payload),
        Err(SerdeError::Decode(e.clone()))
    );
    // And when the target reads the string that is cut short, as text or as bytes.
    assert_eq!(
        from_slice::<(i32, &str)>(&payload),
        Err(SerdeError::Decode(e.clone()))
    );
    assert_eq!(
        from_slice::<(i32, String)>(&payload),
        Err(SerdeError::Decode(e.clone()))
    );
    assert_eq!(
        from_slice::<(i32, &[u8])>(&payload),
        Err(SerdeError::Decode(e))
    );
    // Inside a table too.
    let mut payload = packed(&[Value::array(vec![Value::from("abcdef")])]);
    payload.truncate(payload.len() - 2);
    let e = unpack(&Bytes::copy_from_slice(&payload)).unwrap_err();
    assert_eq!(
        from_slice::<Vec<&str>>(&payload),
        Err(SerdeError::Decode(e))
    );
    // The depth limit applies.
    let deep = packed(&[Value::array(vec![Value::array(vec![])])]);
    let limits = DecodeLimits::new().max_depth(1);
    match Unpack::new().limits(limits).deserialize::<Value>(&deep) {
        Err(SerdeError::Decode(e)) => {
            assert_eq!(
                (e.offset(), e.kind()),
                (1, &DecodeErrorKind::TooDeep { limit: 1 })
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(Unpack::new()
        .limits(DecodeLimits::new().max_depth(2))
        .deserialize::<Value>(&deep)
        .is_ok());
}

/// Declares `$name($inner)`, deserialized from a map by `$read` (of the `MapAccess`
/// `$map`), which reads only part of it.
macro_rules! part_of_a_map {
    ($(#[$doc:meta])* $name:ident($inner:ty), |$map:ident| $read:expr) => {
        $(#[$doc])*
        #[derive(Debug, PartialEq)]
        struct $name(Option<$inner>);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a map")
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        mut $map: A,
                    ) -> Result<$name, A::Error> {
                        Ok($name($read?))
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}

part_of_a_map!(
    /// The first entry of a map (a visitor that stops reading early): a table's other
    /// entries, and the values after it, must still be read right.
    FirstEntry((Value, Value)),
    |map| map.next_entry()
);

part_of_a_map!(
    /// Reads only the key of the first entry, never its value.
    FirstKey(Value),
    |map| map.next_key()
);

#[test]
fn visitors_that_stop_early_leave_the_rest_readable() {
    let mut t = Table::from_array(vec!["a".into(), Value::array(vec![1.into()])]);
    t.push_pair("k", Value::array(vec![2.into(), 3.into()]));
    t.push_pair(4, "v");
    let payload = packed(&[Value::Table(t.clone()), Value::from("after")]);
    let (first, after): (FirstEntry, String) = read(&payload).unwrap();
    assert_eq!(first, FirstEntry(Some((Value::from(1), Value::from("a")))));
    assert_eq!(after, "after");
    let (first, after): (FirstKey, String) = read(&payload).unwrap();
    assert_eq!(first, FirstKey(Some(Value::from(1))));
    assert_eq!(after, "after");
    // Only a hash part: the first pair's value is left unread.
    let mut h = Table::new();
    h.push_pair("k", Value::array(vec![2.into(), 3.into()]));
    h.push_pair(4, "v");
    let payload = packed(&[Value::Table(h), Value::from("after")]);
    let (first, after): (FirstKey, String) = read(&payload).unwrap();
    assert_eq!(
        (first, after.as_str()),
        (FirstKey(Some(Value::from("k"))), "after")
    );
}
