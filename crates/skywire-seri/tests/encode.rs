//! Encoder conformance: expected bytes are derived by hand from skynet's
//! rules (type byte = type | cookie << 3; see spec/lua-seri.md), never taken
//! from our own encoder's output.

use bytes::{Bytes, BytesMut};
use skywire_seri::{
    pack, pack_into, packed_len, unpack, EncodeError, Table, Value, MAX_PACK_DEPTH,
};

/// Parses hex, ignoring spaces.
fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Packs `values`, checks the bytes, `packed_len`, and that they decode back.
fn check(values: &[Value], expected_hex: &str) {
    let expected = hex(expected_hex);
    let got = pack(values).unwrap();
    assert_eq!(hex_of(&got), hex_of(&expected), "packing {values:?}");
    assert_eq!(packed_len(values).unwrap(), expected.len());
    let back = unpack(&Bytes::from(expected)).unwrap();
    assert!(
        skywire_seri::values_exact_eq(&back, values),
        "decoding gave {back:?}"
    );
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn nil_and_booleans() {
    // nil: type 0 cookie 0; false: type 1 cookie 0; true: 1 | 1<<3 = 0x09.
    check(&[Value::Nil], "00");
    check(&[false.into()], "01");
    check(&[true.into()], "09");
    check(&[], "");
}

#[test]
fn integer_widths_at_their_boundaries() {
    // Number type 2: cookie 0 zero (0x02), 1 u8 (0x0a), 2 u16 (0x12),
    // 4 i32 (0x22), 6 i64 (0x32); payload little-endian.
    let cases: &[(i64, &str)] = &[
        (0, "02"),
        (1, "0a 01"),
        (255, "0a ff"),
        (256, "12 0001"),
        (65535, "12 ffff"),
        (65536, "22 00000100"),
        (i64::from(i32::MAX), "22 ffffff7f"),
        // Doesn't fit in i32: i64 form.
        (i64::from(i32::MAX) + 1, "32 00000080 00000000"),
        (i64::from(u32::MAX), "32 ffffffff 00000000"),
        // Negative and within i32: always the i32 form.
        (-1, "22 ffffffff"),
        (-255, "22 01ffffff"),
        (-256, "22 00ffffff"),
        (-65536, "22 0000ffff"),
        (i64::from(i32::MIN), "22 00000080"),
        (i64::from(i32::MIN) - 1, "32 ffffff7f ffffffff"),
        (i64::MAX, "32 ffffffffffffff7f"),
        (i64::MIN, "32 0000000000000080"),
    ];
    for (i, h) in cases {
        check(&[Value::Integer(*i)], h);
    }
}

#[test]
fn reals() {
    // Number cookie 8 (0x42), then the IEEE-754 bits little-endian.
    check(&[Value::Real(0.5)], "42 000000000000e03f"); // 0x3fe0000000000000
    check(&[Value::Real(3.0)], "42 0000000000000840"); // a float even if integral
    check(&[Value::Real(-0.0)], "42 0000000000000080");
    check(&[Value::Real(f64::INFINITY)], "42 000000000000f07f");
    check(&[Value::Real(f64::NEG_INFINITY)], "42 000000000000f0ff");
    check(&[Value::Real(5e-324)], "42 0100000000000000"); // smallest subnormal
    check(&[Value::Real(f64::NAN)], "42 000000000000f87f");
    // Lua's 0/0 on x86 is the negative quiet NaN; its bits are kept.
    check(
        &[Value::Real(f64::from_bits(0xfff8_0000_0000_0000))],
        "42 000000000000f8ff",
    );
}

#[test]
fn strings_at_the_form_boundaries() {
    // Short string: 4 | len<<3.
    check(&["".into()], "04");
    check(&["a".into()], "0c 61");
    let s31 = "x".repeat(31);
    check(&[s31.as_str().into()], &format!("fc{}", "78".repeat(31))); // 4 | 31<<3 = 0xfc
                                                                      // Long string, cookie 2 (5 | 2<<3 = 0x15): u16 length.
    let s32 = "y".repeat(32);
    check(
        &[s32.as_str().into()],
        &format!("15 2000 {}", "79".repeat(32)),
    );
    let s = vec![0xabu8; 0xffff];
    check(
        &[s.clone().into()],
        &format!("15 ffff {}", "ab".repeat(0xffff)),
    );
    // Long string, cookie 4 (5 | 4<<3 = 0x25): u32 length.
    let s = vec![0u8; 0x10000];
    check(
        &[s.into()],
        &format!("25 00000100 {}", "00".repeat(0x10000)),
    );
    // Binary content is carried as is.
    check(&[Value::from(&b"\x00\x01\x02\xff"[..])], "24 000102ff");
}

fn ints(n: i64) -> Vec<Value> {
    (1..=n).map(Value::Integer).collect()
}

/// The encodings of integers 1..=n (all below 256: u8 form).
fn ints_hex(n: i64) -> String {
    (1..=n).map(|i| format!("0a{i:02x}")).collect()
}

#[test]
fn table_array_parts() {
    // Table type 6: cookie = array length up to 30, then items, then a nil.
    check(&[Value::Table(Table::new())], "06 00");
    check(&[Value::array(ints(3))], &format!("1e {} 00", ints_hex(3))); // 6 | 3<<3
    check(
        &[Value::array(ints(30))],
        &format!("f6 {} 00", ints_hex(30)),
    ); // 6 | 30<<3
       // 31 and up: cookie 31 (0xfe) and the length as an integer value.
    check(
        &[Value::array(ints(31))],
        &format!("fe 0a1f {} 00", ints_hex(31)),
    );
    check(
        &[Value::array(ints(100))],
        &format!("fe 0a64 {} 00", ints_hex(100)),
    );
    // 300 items: the length needs the u16 form.
    let items = vec![Value::Boolean(true); 300];
    check(
        &[Value::array(items)],
        &format!("fe 122c01 {} 00", "09".repeat(300)),
    );
}

#[test]
fn table_hash_parts_keep_order() {
    let mut t = Table::new();
    t.push_pair("a", 1); // 0c 61, 0a 01
    t.push_pair(10, true); // 0a 0a, 09
    t.push_pair(true, false); // 09, 01
    t.push_pair(1.5, "x"); // 42 000000000000f83f, 0c 78
    t.push_pair(-1, Value::Table(Table::new())); // 22 ffffffff, 06 00
    check(
        &[Value::Table(t)],
        "06 0c61 0a01 0a0a 09 09 01 42000000000000f83f 0c78 22ffffffff 0600 00",
    );
    // Mixed: array first, then hash.
    let mut t = Table::from_array(vec!["x".into()]);
    t.push_pair("k", "v");
    check(&[Value::Table(t), Value::Nil], "0e 0c78 0c6b 0c76 00 00");
}

#[test]
fn light_userdata() {
    check(
        &[Value::LightUserdata(0x0123_4567_89ab_cdef)],
        "03 efcdab8967452301",
    );
}

#[test]
fn several_arguments() {
    // skynet.pack("ping", nil, 0): 0x24 "ping", 00, 02.
    check(&["ping".into(), Value::Nil, 0.into()], "24 70696e67 00 02");
}

/// `n` nested tables; the innermost holds `inner`.
fn nest(n: usize, inner: Table) -> Value {
    let mut v = Value::Table(inner);
    for _ in 1..n {
        v = Value::array(vec![v]);
    }
    v
}

#[test]
fn depth_rule() {
    assert_eq!(MAX_PACK_DEPTH, 32);
    // 33 nested, innermost empty: the innermost table has depth 32. Packs as
    // 32 one-item tables (0x0e) around an empty one, then 33 terminators.
    let v = nest(33, Table::new());
    let expected = format!("{}06{}", "0e".repeat(32), "00".repeat(33));
    check(&[v], &expected);
    // 34 nested: the innermost table has depth 33.
    let v = nest(34, Table::new());
    assert_eq!(
        pack(std::slice::from_ref(&v)),
        Err(EncodeError::TooDeep { depth: 33 })
    );
    assert_eq!(packed_len(&[v]), Err(EncodeError::TooDeep { depth: 33 }));
    // 33 nested with anything inside the innermost: depth 33.
    let v = nest(33, Table::from_array(vec![1.into()]));
    assert_eq!(pack(&[v]), Err(EncodeError::TooDeep { depth: 33 }));
    let mut t = Table::new();
    t.push_pair("k", 1);
    assert_eq!(
        pack(&[nest(33, t)]),
        Err(EncodeError::TooDeep { depth: 33 })
    );
    // A huge nesting fails without recursing all the way down.
    let v = nest(100_000, Table::new());
    assert_eq!(
        pack(std::slice::from_ref(&v)),
        Err(EncodeError::TooDeep { depth: 33 })
    );
    drop_deep(v);
}

/// Drops a deep value iteratively (the derived drop recurses).
fn drop_deep(mut v: Value) {
    while let Value::Table(t) = &mut v {
        match t.array.pop() {
            Some(inner) => v = inner,
            None => break,
        }
    }
}

#[test]
fn invalid_keys_are_errors() {
    let mut t = Table::new();
    t.push_pair(Value::Nil, 1);
    assert_eq!(pack(&[Value::Table(t)]), Err(EncodeError::NilKey));
    let mut t = Table::new();
    t.push_pair(f64::NAN, 1);
    assert_eq!(pack(&[Value::Table(t)]), Err(EncodeError::NanKey));
}

#[test]
fn pack_into_appends_and_restores() {
    let mut out = BytesMut::from(&b"hdr"[..]);
    pack_into(&[1.into()], &mut out).unwrap();
    assert_eq!(&out[..], &hex("686472 0a01")[..]);
    let err = pack_into(&[2.into(), nest(40, Table::new())], &mut out);
    assert_eq!(err, Err(EncodeError::TooDeep { depth: 33 }));
    assert_eq!(&out[..], &hex("686472 0a01")[..]);
}

#[test]
fn spec_worked_examples() {
    // spec/lua-seri.md §6.
    check(
        &["ping".into(), Value::Nil, (-1).into()],
        "24 70696e67 00 22ffffffff",
    );
    let mut t = Table::from_array(vec![10.into(), 20.into()]);
    t.push_pair("name", "v");
    t.push_pair(1.5, true);
    check(
        &[Value::Table(t)],
        "16 0a0a 0a14 246e616d65 0c76 42000000000000f83f 09 00",
    );
    check(
        &["x".repeat(40).into()],
        &format!("15 2800 {}", "78".repeat(40)),
    );
}
