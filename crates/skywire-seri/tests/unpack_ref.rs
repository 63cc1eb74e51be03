//! The hot-path decoding API: borrowed values (`unpack_ref`), reused vectors
//! (`Unpack::values_into`, `Unpack::refs_into`, `ValueRef::recycle`), and the conversions and
//! comparisons between the borrowed and the owned forms.

mod common;

use bytes::Bytes;
use common::PING_TABLE;
use skywire_seri::{pack, unpack, unpack_ref, Table, TableRef, Unpack, Value, ValueRef};

fn ping_table_ref() -> Vec<ValueRef<'static>> {
    vec![
        ValueRef::String(b"ping"),
        ValueRef::Table(TableRef {
            array: vec![ValueRef::Integer(1), ValueRef::Integer(2)],
            hash: vec![(ValueRef::String(b"name"), ValueRef::String(b"v"))],
        }),
        ValueRef::Real(0.5),
    ]
}

#[test]
fn decodes_to_borrowed_slices_of_the_payload() {
    let payload = PING_TABLE.to_vec();
    let args = unpack_ref(&payload).unwrap();
    assert_eq!(args, ping_table_ref());
    let inside = payload.as_ptr_range();
    assert!(inside.contains(&args[0].as_bytes().unwrap().as_ptr()));
    let t = args[1].as_table().unwrap();
    assert!(inside.contains(&t.hash[0].1.as_bytes().unwrap().as_ptr()));
    assert_eq!(unpack_ref(&[]).unwrap(), vec![]);
}

#[test]
fn display_is_the_lua_literal() {
    let args = unpack_ref(&PING_TABLE).unwrap();
    let text: Vec<String> = args.iter().map(ToString::to_string).collect();
    assert_eq!(text, [r#""ping""#, r#"{1, 2, name = "v"}"#, "0.5"]);
    assert_eq!(
        args[1].as_table().unwrap().to_string(),
        r#"{1, 2, name = "v"}"#
    );
    assert_eq!(ValueRef::Integer(i64::MIN).to_string(), "math.mininteger");
    assert_eq!(ValueRef::String(b"\xff\n").to_string(), r#""\xff\n""#);
}

#[test]
fn to_owned_value_shares_the_backing_bytes() {
    let payload = Bytes::copy_from_slice(&PING_TABLE);
    let args = unpack_ref(&payload).unwrap();
    let owned: Vec<Value> = args.iter().map(|v| v.to_owned_value(&payload)).collect();
    assert_eq!(owned, unpack(&payload).unwrap());
    let s = owned[0].as_bytes_shared().unwrap();
    assert_eq!(
        s.as_ptr(),
        payload[1..].as_ptr(),
        "copied instead of shared"
    );
    // Strings outside the backing bytes are copied; so does `From`.
    let elsewhere = Bytes::from_static(b"unrelated");
    let copied = args[0].to_owned_value(&elsewhere);
    assert_eq!(copied, Value::from("ping"));
    assert_ne!(copied.as_bytes().unwrap().as_ptr(), payload[1..].as_ptr());
    assert_eq!(Value::from(&args[1]), unpack(&payload).unwrap()[1]);
    // A backing that only overlaps the start of the string is not enough.
    let short = payload.slice(..3);
    assert_eq!(args[0].to_owned_value(&short), Value::from("ping"));
}

#[test]
fn compares_across_forms() {
    let mut a = Table::new();
    a.push_pair("x", Value::Real(f64::NAN));
    a.push_pair("y", 2);
    let owned = vec![Value::Table(a), Value::Real(-0.0)];
    let bytes = pack(&owned).unwrap();
    let refs = unpack_ref(&bytes).unwrap();
    assert!(refs[0].exact_eq(&owned[0]) && owned[0].exact_eq(&refs[0]));
    assert!(refs[1].content_eq(&owned[1]));
    assert!(
        !refs[1].content_eq(&Value::Real(0.0)),
        "reals compare by bits"
    );
    // The hash part in another order: equal content, not exactly equal.
    let swapped = ValueRef::Table(TableRef {
        array: vec![],
        hash: vec![
            (ValueRef::String(b"y"), ValueRef::Integer(2)),
            (ValueRef::String(b"x"), ValueRef::Real(f64::NAN)),
        ],
    });
    assert!(swapped.content_eq(&owned[0]) && owned[0].content_eq(&swapped));
    assert!(!swapped.exact_eq(&owned[0]));
    assert!(swapped.content_eq(&refs[0]));
    assert!(!ValueRef::Integer(1).content_eq(&Value::Real(1.0)));
    assert!(!ValueRef::Nil.content_eq(&ValueRef::Boolean(false)));
}

#[test]
fn table_look_ups_follow_lua() {
    let args = unpack_ref(&PING_TABLE).unwrap();
    let t = args[1].as_table().unwrap();
    assert_eq!(t.get(&ValueRef::Integer(2)), Some(&ValueRef::Integer(2)));
    assert_eq!(t.get(&ValueRef::Real(1.0)), Some(&ValueRef::Integer(1)));
    assert_eq!(t.get(&ValueRef::Integer(3)), None);
    assert_eq!(
        t.get(&ValueRef::String(b"name")),
        Some(&ValueRef::String(b"v"))
    );
    assert_eq!(t.get_str("name").and_then(ValueRef::as_str), Some("v"));
    assert_eq!(t.get_str("nope"), None);
    // A key borrowed from a shorter-lived buffer works too.
    let key = String::from("name");
    assert!(t.get(&ValueRef::String(key.as_bytes())).is_some());
    assert_eq!(args[1].type_name(), "table");
    assert_eq!(args[2].as_real(), Some(0.5));
    assert!(TableRef::new().is_empty() && !t.is_empty());
}

#[test]
fn unpack_into_reuses_the_vector() {
    let first = Bytes::copy_from_slice(&PING_TABLE);
    let second = pack(&[Value::from(7), Value::Nil]).unwrap();
    let mut args = Vec::new();
    Unpack::new().values_into(&first, &mut args).unwrap();
    assert_eq!(args, unpack(&first).unwrap());
    let (ptr, cap) = (args.as_ptr(), args.capacity());
    Unpack::new().values_into(&second, &mut args).unwrap();
    assert_eq!(args, [Value::from(7), Value::Nil]);
    assert_eq!((args.as_ptr(), args.capacity()), (ptr, cap), "reallocated");
    // An error leaves it empty (and keeps the allocation).
    assert!(Unpack::new()
        .values_into(&Bytes::from_static(&[0x0a]), &mut args)
        .is_err());
    assert!(args.is_empty());
    assert_eq!(args.capacity(), cap);
}

#[test]
fn unpack_ref_into_and_recycling_keep_one_allocation() {
    let mut spare: Vec<ValueRef<'static>> = Vec::with_capacity(8);
    let ptr = spare.as_ptr() as usize;
    for n in 0..5i64 {
        // Each payload lives only for its turn of the loop.
        let payload = pack(&[Value::from(n), Value::from("s")]).unwrap().to_vec();
        let mut args = ValueRef::recycle(std::mem::take(&mut spare));
        Unpack::new().refs_into(&payload, &mut args).unwrap();
        assert_eq!(args, [ValueRef::Integer(n), ValueRef::String(b"s")]);
        assert_eq!(args.as_ptr() as usize, ptr, "turn {n} reallocated");
        spare = ValueRef::recycle(args);
        assert!(spare.is_empty());
    }
    assert_eq!(spare.capacity(), 8);
}
