//! Decoder behaviour on non-canonical and invalid input: each error kind at
//! its exact offset, truncation, limits, zero-copy strings.

use bytes::Bytes;
use skywire_seri::{
    pack, unpack, unpack_ref, DecodeErrorKind as K, DecodeLimits, Table, Unpack, Value, ValueRef,
    DEFAULT_MAX_DEPTH,
};

fn hex(s: &str) -> Bytes {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect::<Vec<u8>>()
        .into()
}

/// Decodes and expects an error of `kind` at `offset`, from every decoding entry point
/// (owned and borrowed, fresh and reused vectors, which are left empty).
fn fails(h: &str, offset: usize, kind: K) {
    let payload = hex(h);
    let e = unpack(&payload).unwrap_err();
    assert_eq!((e.offset(), e.kind()), (offset, &kind), "decoding {h}: {e}");
    assert_eq!(unpack_ref(&payload).unwrap_err(), e, "unpack_ref of {h}");
    let mut values = vec![Value::from("left over")];
    assert_eq!(
        Unpack::new()
            .values_into(&payload, &mut values)
            .unwrap_err(),
        e
    );
    assert!(values.is_empty(), "unpack_into of {h} left {values:?}");
    let mut refs = vec![ValueRef::Integer(9)];
    assert_eq!(Unpack::new().refs_into(&payload, &mut refs).unwrap_err(), e);
    assert!(refs.is_empty(), "unpack_ref_into of {h} left {refs:?}");
}

#[test]
fn empty_payload_is_no_values() {
    assert_eq!(unpack(&Bytes::new()).unwrap(), vec![]);
}

#[test]
fn non_canonical_but_unambiguous_forms_are_accepted() {
    let one = |h: &str| unpack(&hex(h)).unwrap();
    // Long string forms for short strings.
    assert_eq!(one("15 0300 616263"), vec![Value::from("abc")]);
    assert_eq!(one("25 03000000 616263"), vec![Value::from("abc")]);
    // Wider integer forms than needed.
    assert_eq!(one("12 0500"), vec![Value::Integer(5)]);
    assert_eq!(one("22 05000000"), vec![Value::Integer(5)]);
    assert_eq!(one("32 0100000000000000"), vec![Value::Integer(1)]);
    assert_eq!(one("0a 00"), vec![Value::Integer(0)]);
    // The array-size escape with a small size (and a zero).
    assert_eq!(
        one("fe 0a02 0a01 0a02 00"),
        vec![Value::array(vec![1.into(), 2.into()])]
    );
    assert_eq!(one("fe 02 00"), vec![Value::Table(Table::new())]);
    // A nil value in a hash pair is kept (Lua would just not store it).
    let mut t = Table::new();
    t.push_pair("k", Value::Nil);
    assert_eq!(one("06 0c6b 00 00"), vec![Value::Table(t)]);
}

#[test]
fn strings_are_zero_copy() {
    let payload =
        hex("24 70696e67 15 2000 6161616161616161616161616161616161616161616161616161616161616161");
    let values = unpack(&payload).unwrap();
    let range = payload.as_ptr() as usize..payload.as_ptr() as usize + payload.len();
    for v in &values {
        let s = v.as_bytes().unwrap();
        assert!(range.contains(&(s.as_ptr() as usize)), "string was copied");
    }
    assert_eq!(values[0].as_str(), Some("ping"));
}

#[test]
fn unknown_type() {
    // 0x02 (zero) then 0x07: type 7.
    fails("02 07", 1, K::UnknownType { byte: 0x07 });
    fails("ff", 0, K::UnknownType { byte: 0xff });
}

#[test]
fn bad_cookies() {
    fails("08", 0, K::BadCookie { ty: 0, cookie: 1 }); // nil with cookie 1
    fails("09 11", 1, K::BadCookie { ty: 1, cookie: 2 }); // boolean 2
    fails("1a 00", 0, K::BadCookie { ty: 2, cookie: 3 }); // number width 3
    fails("4a", 0, K::BadCookie { ty: 2, cookie: 9 });
    fails("fa", 0, K::BadCookie { ty: 2, cookie: 31 });
    fails("0b 0000000000000000", 0, K::BadCookie { ty: 3, cookie: 1 }); // userdata
    fails("0d 01 61", 0, K::BadCookie { ty: 5, cookie: 1 }); // long string
    fails("1d 010000 61", 0, K::BadCookie { ty: 5, cookie: 3 });
    // Inside a table: offsets count from the payload start; a nil byte with
    // a cookie in key position is not a terminator.
    fails("0a01 06 0c6b 11 00", 5, K::BadCookie { ty: 1, cookie: 2 });
    fails("06 08", 1, K::BadCookie { ty: 0, cookie: 1 });
}

#[test]
fn truncated_values() {
    let t = |needed, available| K::Truncated { needed, available };
    fails("0a", 0, t(2, 1)); // u8 missing
    fails("12 01", 0, t(3, 2));
    fails("02 22 010203", 1, t(5, 4));
    fails("32 01020304050607", 0, t(9, 8));
    fails("42 00", 0, t(9, 2));
    fails("03 00", 0, t(9, 2));
    fails("24 616263", 0, t(5, 4)); // short string of 4, 3 bytes
    fails("15 05", 0, t(3, 2)); // u16 length cut
    fails("15 0500 6162", 0, t(8, 5)); // long string of 5, 2 bytes
    fails("25 ffffffff 61", 0, t(5 + 0xffff_ffff, 6));
    // A table without its terminator: the missing byte is at the end.
    fails("06", 1, t(1, 0));
    fails("16 0a01", 3, t(1, 0)); // array of 2, one item present
    fails("06 0c6b", 3, t(1, 0)); // key without value
    fails("fe", 1, t(1, 0)); // escape without the size
    fails("fe 12 01", 1, t(3, 2)); // escape with a cut size
}

#[test]
fn array_size_errors() {
    // 0x7fffffff items announced, 3 bytes left: refused before allocating.
    fails(
        "fe 22ffffff7f 0a0102",
        0,
        K::ArrayTooLarge {
            len: 0x7fff_ffff,
            remaining: 3,
        },
    );
    fails(
        "0a00 fe 32ffffffffffffff7f 00",
        2,
        K::ArrayTooLarge {
            len: i64::MAX as u64,
            remaining: 1,
        },
    );
    // Cookie-sized arrays are checked too: 30 items, 1 byte left.
    fails(
        "f6 00",
        0,
        K::ArrayTooLarge {
            len: 30,
            remaining: 1,
        },
    );
    fails("fe 22ffffffff 00", 0, K::NegativeArraySize { len: -1 });
    fails(
        "fe 32 0000000000000080 00",
        0,
        K::NegativeArraySize { len: i64::MIN },
    );
    // The escape must be followed by an integer number.
    fails(
        "fe 42 0000000000000840 00",
        0,
        K::BadArraySize { byte: 0x42 },
    );
    fails("fe 04 00", 0, K::BadArraySize { byte: 0x04 });
    fails("fe 1a 00", 0, K::BadArraySize { byte: 0x1a });
    fails("fe 00 00", 0, K::BadArraySize { byte: 0x00 });
}

/// `n` nested tables, each (but the innermost, empty) holding the next as its
/// only array item: 0x0e = table with array length 1.
fn nested(n: usize) -> String {
    format!("{}06{}", "0e".repeat(n - 1), "00".repeat(n))
}

#[test]
fn depth_limits() {
    assert_eq!(DEFAULT_MAX_DEPTH, 64);
    assert_eq!(DecodeLimits::default().get_max_depth(), 64);
    assert!(unpack(&hex(&nested(64))).is_ok());
    fails(&nested(65), 64, K::TooDeep { limit: 64 });
    // Far deeper than the limit: fails at the limit, no deep recursion.
    fails(&nested(100_000), 64, K::TooDeep { limit: 64 });
    // A configured lower limit is honoured.
    let limits = DecodeLimits::default().max_depth(2);
    assert!(Unpack::new()
        .limits(limits)
        .values(&hex(&nested(2)))
        .is_ok());
    let e = Unpack::new()
        .limits(limits)
        .values(&hex(&nested(3)))
        .unwrap_err();
    assert_eq!((e.offset(), e.kind()), (2, &K::TooDeep { limit: 2 }));
    assert!(Unpack::new().limits(limits).refs(&hex(&nested(2))).is_ok());
    assert_eq!(Unpack::new().limits(limits).refs(&hex(&nested(3))), Err(e));
    let e = Unpack::new()
        .limits(DecodeLimits::new().max_depth(0))
        .values(&hex("02 06 00"))
        .unwrap_err();
    assert_eq!((e.offset(), e.kind()), (1, &K::TooDeep { limit: 0 }));
    // Hash keys and values count as nested too.
    let e = Unpack::new()
        .limits(DecodeLimits::new().max_depth(1))
        .values(&hex("06 06 00 0a01 00"))
        .unwrap_err();
    assert_eq!((e.offset(), e.kind()), (1, &K::TooDeep { limit: 1 }));
    let payload = hex("06 06 00 0a01 00");
    let r = Unpack::new()
        .limits(DecodeLimits::new().max_depth(1))
        .refs(&payload);
    assert_eq!(r, Err(e));
}

#[test]
fn error_display_names_the_offset() {
    let e = unpack(&hex("0a01 0a02 0a03 0a04 0a05 0a06 0a07 0a08 02 07")).unwrap_err();
    assert_eq!(e.to_string(), "at byte 17: unknown type 7 (type byte 0x07)");
}

#[test]
fn every_truncation_of_a_valid_encoding_errors() {
    let mut t = Table::from_array((0..40).map(Value::Integer).collect());
    t.push_pair("name", "value");
    t.push_pair(
        1.5,
        Value::array(vec![Value::LightUserdata(7), "x".repeat(40).into()]),
    );
    let args = vec![
        Value::Table(t),
        Value::Integer(-70000),
        Value::Real(0.25),
        "tail".into(),
    ];
    let full = pack(&args).unwrap();
    assert_eq!(unpack(&full).unwrap(), args);
    for cut in 0..full.len() {
        let prefix = full.slice(..cut);
        // A prefix that ends exactly between top-level values is a valid,
        // shorter argument list; every other prefix must be an error.
        match unpack(&prefix) {
            Ok(vs) => assert!(args.starts_with(&vs), "cut at {cut} decoded to {vs:?}"),
            Err(e) => assert!(e.offset() <= cut, "cut {cut}: {e}"),
        }
    }
    // The cuts inside the first (table) value all fail.
    let first = skywire_seri::packed_len(&args[..1]).unwrap();
    for cut in 1..first {
        assert!(unpack(&full.slice(..cut)).is_err(), "cut at {cut}");
    }
}
