//! The flat decoding (`unpack_tape`): reading values in place through its cursors, reuse
//! of one tape, and errors. That it agrees with `unpack` on any bytes is a property test
//! (`tests/proptests.rs`).

mod common;

use common::PING_TABLE;
use skywire_seri::{
    pack, unpack_tape, DecodeErrorKind, DecodeLimits, Table, Tape, TapeValue, Unpack, Value,
    ValueRef,
};

#[test]
fn values_are_read_in_place_and_strings_borrow_the_payload() {
    let payload = PING_TABLE.to_vec();
    let tape = unpack_tape(&payload).unwrap();
    assert_eq!(tape.len(), 3);
    let args: Vec<_> = tape.args().collect();
    assert_eq!(args.len(), 3);
    assert_eq!(args[0], TapeValue::String(b"ping"));
    let inside = payload.as_ptr_range();
    assert!(inside.contains(&args[0].as_bytes().unwrap().as_ptr()));
    let t = args[1].as_table().unwrap();
    assert_eq!((t.array_len(), t.hash_len(), t.is_empty()), (2, 1, false));
    let array: Vec<_> = t.array().map(|v| v.as_integer()).collect();
    assert_eq!(array, [Some(1), Some(2)]);
    let hash: Vec<_> = t.hash().collect();
    assert_eq!(
        hash,
        [(TapeValue::String(b"name"), TapeValue::String(b"v"))]
    );
    assert_eq!(t.get_str("name").and_then(|v| v.as_str()), Some("v"));
    assert!(inside.contains(&t.get_str("name").unwrap().as_bytes().unwrap().as_ptr()));
    assert_eq!(t.get_str("nope"), None);
    // The argument after the table: the table's nodes are passed over.
    assert_eq!(args[2], TapeValue::Real(0.5));
    assert_eq!(tape.arg(2), Some(TapeValue::Real(0.5)));
    assert_eq!(tape.arg(3), None);
    assert_eq!(args[1].to_string(), r#"{1, 2, name = "v"}"#);
    assert_eq!(
        tape.to_value_refs(),
        [
            ValueRef::String(b"ping"),
            ValueRef::Table(skywire_seri::TableRef {
                array: vec![ValueRef::Integer(1), ValueRef::Integer(2)],
                hash: vec![(ValueRef::String(b"name"), ValueRef::String(b"v"))],
            }),
            ValueRef::Real(0.5),
        ]
    );
}

#[test]
fn nested_tables_are_passed_over_whole() {
    // {{{{1}}, k = {2}}, {3}} then "end": every table's contents skipped by its end index.
    let inner = |i: i64| Value::Table(Table::from_array(vec![Value::from(i)]));
    let mut first = Table::from_array(vec![Value::Table(Table::from_array(vec![inner(1)]))]);
    first.insert("k", inner(2));
    let args = [
        Value::Table(Table::from_array(vec![Value::Table(first), inner(3)])),
        Value::from("end"),
    ];
    let bytes = pack(&args).unwrap();
    let tape = unpack_tape(&bytes).unwrap();
    assert_eq!(tape.len(), 2);
    assert_eq!(tape.arg(1).and_then(|v| v.as_str()), Some("end"));
    let outer = tape.arg(0).unwrap().as_table().unwrap();
    let items: Vec<_> = outer.array().collect();
    assert_eq!(items.len(), 2);
    let first = items[0].as_table().unwrap();
    assert_eq!((first.array_len(), first.hash_len()), (1, 1));
    let k = first.get_str("k").unwrap().as_table().unwrap();
    assert_eq!(k.array().next().and_then(|v| v.as_integer()), Some(2));
    let third = items[1].as_table().unwrap();
    assert_eq!(third.array().next().and_then(|v| v.as_integer()), Some(3));
    assert_eq!(tape.arg(0).unwrap().to_string(), "{{{{1}}, k = {2}}, {3}}");
}

#[test]
fn a_reused_tape_keeps_only_the_last_payload_and_is_empty_after_an_error() {
    let mut tape = Tape::new();
    assert!(tape.is_empty());
    Unpack::new().tape_into(&PING_TABLE, &mut tape).unwrap();
    assert_eq!(tape.len(), 3);
    Unpack::new().tape_into(&[0x0a, 0x07], &mut tape).unwrap();
    assert_eq!(tape.to_value_refs(), [ValueRef::Integer(7)]);
    // Truncated in the middle of the table: the error of unpack, and nothing left.
    let e = Unpack::new()
        .tape_into(&PING_TABLE[..12], &mut tape)
        .unwrap_err();
    assert_eq!(e, skywire_seri::unpack_ref(&PING_TABLE[..12]).unwrap_err());
    assert!(tape.is_empty() && tape.args().next().is_none());
    Unpack::new().tape_into(&[], &mut tape).unwrap();
    assert!(tape.is_empty());
}

#[test]
fn limits_and_errors_say_what_and_where() {
    // Two nested tables, the depth limit 1: the inner table (at byte 1) is refused.
    let bytes = [0x0e, 0x06, 0x00, 0x00];
    assert_eq!(unpack_tape(&bytes).unwrap().len(), 1);
    let e = Unpack::new()
        .limits(DecodeLimits::new().max_depth(1))
        .tape(&bytes)
        .unwrap_err();
    assert_eq!(e.offset(), 1);
    assert!(matches!(e.kind(), DecodeErrorKind::TooDeep { limit: 1 }));
    // An array of 200 items announced in 3 bytes: refused before anything is reserved.
    let e = unpack_tape(&[0xfe, 0x0a, 200]).unwrap_err();
    assert!(matches!(
        e.kind(),
        DecodeErrorKind::ArrayTooLarge { len: 200, .. }
    ));
    // An unknown type byte in a hash part, at its offset.
    let e = unpack_tape(&[0x06, 0x14, b'k', b'x', 0x07]).unwrap_err();
    assert_eq!(e.offset(), 4);
}
