//! serde mapping: Rust types to and from Lua values.
#![cfg(feature = "serde")]

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use skywire_seri::{
    from_value, from_values, pack, to_value, to_values, unpack, SerdeError, Table, Value,
};

#[path = "common/shapes.rs"]
mod shapes;
use shapes::{one_wanted_two_found, point_table_with, Point, Shape};

shapes::record! {
    #[serde(with = "serde_bytes_like")]
    blob: Vec<u8> = vec![0, 255, 7],
    flag: bool = true,
    ratio: f32 = 0.25,
    // Nil fields are left out, so a field that is always nil needs a default.
    #[serde(default)]
    unit: () = (),
}

/// A minimal `serde_bytes` stand-in: serialize with `serialize_bytes`.
mod serde_bytes_like {
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(b)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
        }
        d.deserialize_bytes(V)
    }
}

#[test]
fn struct_mapping_is_lua_shaped() {
    let v = to_value(&record()).unwrap();
    assert_eq!(
        v.to_string(),
        concat!(
            r#"{name = "héllo", tags = {"a", "b"}, scores = {x = 1, y = -2}, "#,
            r#"shapes = {"Empty", {Circle = 1.5}, {Segment = {{x = 1, y = 2}, {x = 3, y = 4}}}, {Rect = {w = 3, h = 4}}}, "#,
            r#"nested = {{}, {1, 2}}, blob = "\x00\xff\x07", flag = true, ratio = 0.25}"#
        )
    );
    // nick (None) and unit (()) are nil: left out of the table.
    let back: Record = from_value(&v).unwrap();
    assert_eq!(back, record());
    // Through the wire too.
    let bytes = pack(&[v]).unwrap();
    let vs = unpack(&bytes).unwrap();
    assert_eq!(from_values::<Record>(&vs).unwrap(), record());
}

#[test]
fn struct_reads_any_key_order_and_array_form() {
    let t = point_table_with(true.into());
    assert_eq!(
        from_value::<Point>(&Value::Table(t)).unwrap(),
        Point { x: 1, y: 2 }
    );
    let arr = Value::array(vec![3.into(), 4.into()]);
    assert_eq!(from_value::<Point>(&arr).unwrap(), Point { x: 3, y: 4 });
}

#[test]
fn numbers() {
    assert_eq!(
        to_value(&u64::MAX),
        Err(SerdeError::IntegerOutOfRange {
            value: i128::from(u64::MAX),
            target: "a Lua integer (i64)",
        })
    );
    assert_eq!(
        to_value(&(i64::MAX as u64)).unwrap(),
        Value::Integer(i64::MAX)
    );
    assert_eq!(to_value(&2.0f64).unwrap(), Value::Real(2.0));
    assert_eq!(from_value::<f64>(&Value::Integer(3)).unwrap(), 3.0);
    assert_eq!(from_value::<i64>(&Value::Real(3.0)).unwrap(), 3);
    assert!(matches!(
        from_value::<i64>(&Value::Real(3.5)),
        Err(SerdeError::NotAnInteger { .. })
    ));
    assert!(matches!(
        from_value::<u8>(&Value::Integer(256)),
        Err(SerdeError::IntegerOutOfRange { value: 256, .. })
    ));
    assert!(matches!(
        from_value::<u64>(&Value::Integer(-1)),
        Err(SerdeError::IntegerOutOfRange { value: -1, .. })
    ));
    let e = from_value::<i32>(&Value::from("7")).unwrap_err();
    assert_eq!(e.to_string(), "expected i32, found string");
    let e = from_value::<bool>(&Value::Integer(1)).unwrap_err();
    assert_eq!(e.to_string(), "expected boolean, found integer");
}

#[test]
fn strings_borrow_and_check_utf8() {
    let v = Value::from("text");
    let s: &str = from_value(&v).unwrap();
    assert_eq!(s, "text");
    let bad = Value::from(&b"\xff"[..]);
    assert_eq!(from_value::<String>(&bad), Err(SerdeError::InvalidUtf8));
    assert_eq!(from_value::<char>(&Value::from("é")).unwrap(), 'é');
    assert_eq!(to_value(&'é').unwrap(), Value::from("é"));
}

#[test]
fn maps_read_array_part_as_integer_keys() {
    let mut t = Table::from_array(vec!["a".into(), "b".into()]);
    t.push_pair(10, "c");
    let m: BTreeMap<i64, String> = from_value(&Value::Table(t)).unwrap();
    assert_eq!(
        m,
        [(1, "a".into()), (2, "b".into()), (10, "c".into())]
            .into_iter()
            .collect()
    );
    let hm: HashMap<String, Option<i32>> = [("a".to_string(), Some(1)), ("b".to_string(), None)]
        .into_iter()
        .collect();
    let v = to_value(&hm).unwrap();
    // The None entry is left out: a Lua table cannot hold nil.
    assert_eq!(
        v.as_table().unwrap().hash,
        vec![(Value::from("a"), Value::from(1))]
    );
    let back: HashMap<String, Option<i32>> = from_value(&v).unwrap();
    assert_eq!(back.get("a"), Some(&Some(1)));
    let nil_key: BTreeMap<Option<i32>, i32> = [(None, 1)].into_iter().collect();
    assert_eq!(to_value(&nil_key), Err(SerdeError::NilKey));
}

#[test]
fn sequences_keep_nil_items() {
    let v = to_value(&vec![Some(1), None, Some(3)]).unwrap();
    assert_eq!(v, Value::array(vec![1.into(), Value::Nil, 3.into()]));
    assert_eq!(
        from_value::<Vec<Option<i32>>>(&v).unwrap(),
        vec![Some(1), None, Some(3)]
    );
    let mut t = Table::from_array(vec![1.into()]);
    t.push_pair("k", 1);
    assert!(matches!(
        from_value::<Vec<i32>>(&Value::Table(t)),
        Err(SerdeError::TypeMismatch { .. })
    ));
    // A tuple must use every item.
    let three = Value::array(vec![1.into(), 2.into(), 3.into()]);
    assert!(from_value::<(i32, i32)>(&three).is_err());
    assert_eq!(from_value::<(i32, i32, i32)>(&three).unwrap(), (1, 2, 3));
}

#[test]
fn enums() {
    assert_eq!(to_value(&Shape::Empty).unwrap(), Value::from("Empty"));
    assert_eq!(
        from_value::<Shape>(&Value::from("Empty")).unwrap(),
        Shape::Empty
    );
    let c = to_value(&Shape::Circle(2.0)).unwrap();
    assert_eq!(c.to_string(), "{Circle = 2.0}");
    assert_eq!(from_value::<Shape>(&c).unwrap(), Shape::Circle(2.0));
    assert!(from_value::<Shape>(&Value::from("Circle")).is_err());
    assert!(from_value::<Shape>(&Value::from("Nope")).is_err());
    assert!(from_value::<Shape>(&Value::Integer(1)).is_err());
}

#[test]
fn argument_lists() {
    assert_eq!(to_values(&()).unwrap(), vec![]);
    assert_eq!(
        to_values(&("get", 1, None::<i32>)).unwrap(),
        vec![Value::from("get"), Value::from(1), Value::Nil]
    );
    assert_eq!(
        to_values(&vec![1, 2]).unwrap(),
        vec![Value::from(1), Value::from(2)]
    );
    assert_eq!(
        to_values(&Point { x: 1, y: 2 }).unwrap(),
        vec![to_value(&Point { x: 1, y: 2 }).unwrap()]
    );
    assert_eq!(to_values(&5).unwrap(), vec![Value::from(5)]);
    // Nested tuples are tables.
    assert_eq!(
        to_values(&((1, 2),)).unwrap(),
        vec![Value::array(vec![1.into(), 2.into()])]
    );

    let args = [Value::from("get"), Value::from(1)];
    let (a, b, c): (String, i64, Option<bool>) = from_values(&args).unwrap();
    assert_eq!((a.as_str(), b, c), ("get", 1, None));
    assert_eq!(from_values::<(String,)>(&args), Err(one_wanted_two_found()));
    assert_eq!(from_values::<Vec<Value>>(&args).unwrap(), args.to_vec());
    assert_eq!(from_values::<Option<i32>>(&[]).unwrap(), None);
    assert!(from_values::<i32>(&args).is_err());
    from_values::<()>(&[]).unwrap();
    from_values::<()>(&[Value::Nil]).unwrap();
    assert!(from_values::<()>(&[Value::from(1)]).is_err());
    let p: Point = from_values(&[to_value(&Point { x: 5, y: 6 }).unwrap()]).unwrap();
    assert_eq!(p, Point { x: 5, y: 6 });
}

fn exotic() -> Value {
    let mut inner = Table::from_array(vec![Value::Nil, Value::Real(3.0), Value::Integer(3)]);
    inner.push_pair(Value::Real(-0.0), Value::LightUserdata(u64::MAX));
    inner.push_pair("z", Value::Real(f64::from_bits(0xfff8_0000_0000_0001)));
    inner.push_pair("a", Value::from(&b"\x00\xff"[..]));
    let mut t = Table::from_array(vec![Value::Table(inner), Value::Boolean(false)]);
    t.push_pair(Value::Table(Table::new()), Value::Integer(i64::MIN));
    t.push_pair(2, "hash key equal to an array index");
    Value::Table(t)
}

#[test]
fn value_passes_through_exactly() {
    let v = exotic();
    let back: Value = from_value(&to_value(&v).unwrap()).unwrap();
    assert!(back.exact_eq(&v), "{back:?}");
    assert!(to_value(&v).unwrap().exact_eq(&v));

    // Inside other types.
    let pair = ("name".to_string(), v.clone());
    let tv = to_value(&pair).unwrap();
    assert!(tv.as_table().unwrap().array[1].exact_eq(&v));
    let (name, back): (String, Value) = from_value(&tv).unwrap();
    assert_eq!(name, "name");
    assert!(back.exact_eq(&v));

    #[derive(Serialize, Deserialize)]
    struct Holder {
        id: u32,
        payload: Value,
        more: Vec<Value>,
    }
    let h = Holder {
        id: 1,
        payload: v.clone(),
        more: vec![Value::Nil, Value::Real(1.0)],
    };
    let hv = to_value(&h).unwrap();
    let back: Holder = from_value(&hv).unwrap();
    assert!(back.payload.exact_eq(&v));
    assert!(skywire_seri::values_exact_eq(
        &back.more,
        &[Value::Nil, Value::Real(1.0)]
    ));

    // As whole argument lists.
    let args = vec![v.clone(), Value::Nil, Value::from(1)];
    let vs = to_values(&args).unwrap();
    assert!(skywire_seri::values_exact_eq(&vs, &args));
    let back: Vec<Value> = from_values(&vs).unwrap();
    assert!(skywire_seri::values_exact_eq(&back, &args));
    let single: Value = from_values(std::slice::from_ref(&v)).unwrap();
    assert!(single.exact_eq(&v));
    assert!(to_values(&v).unwrap()[0].exact_eq(&v));
}

#[test]
fn value_in_json_uses_the_json_form() {
    let mut t = Table::from_array(vec![1.into(), Value::Real(0.5)]);
    t.push_pair("k", Value::from(&b"\x01"[..]));
    t.push_pair(Value::Real(f64::NEG_INFINITY), Value::LightUserdata(0xff));
    let v = Value::Table(t);
    let j = serde_json::to_value(&v).unwrap();
    assert_eq!(
        j,
        serde_json::json!({"array": [1, {"real": 0.5}], "hash": [["k", {"bytes": "01"}], [{"real": "-inf"}, {"userdata": "00000000000000ff"}]]})
    );
    let back: Value = serde_json::from_value(j).unwrap();
    assert!(back.exact_eq(&v));
    let nan: Value = serde_json::from_str(r#"{"real":"nan"}"#).unwrap();
    assert!(nan.as_real().unwrap().is_nan());
    let three: Value = serde_json::from_str(r#"{"real":3}"#).unwrap();
    assert!(three.exact_eq(&Value::Real(3.0)));
    assert!(serde_json::from_str::<Value>(r#"{"real":1,"bytes":"00"}"#).is_err());
    assert!(serde_json::from_str::<Value>(r#"{"nope":1}"#).is_err());
    assert!(serde_json::from_str::<Value>("18446744073709551615").is_err());
}

#[test]
fn zero_copy_bytes_survive_from_value_of_strings() {
    let v = Value::String(Bytes::from_static(b"abc"));
    let s: &[u8] = from_value(&v).unwrap();
    assert_eq!(s.as_ptr(), v.as_bytes().unwrap().as_ptr());
}
