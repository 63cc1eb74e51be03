//! Lua literals read back as values (`skywire_seri::parse_lua`): numbers, strings and
//! tables as Lua reads them, errors with line and column, and everything `Display` writes.

use skywire_seri::lua_text::MAX_LITERAL_DEPTH;
use skywire_seri::{parse_lua, LiteralErrorKind, Table, Value};

fn v(text: &str) -> Value {
    parse_lua(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn real_bits(text: &str) -> u64 {
    match v(text) {
        Value::Real(f) => f.to_bits(),
        other => panic!("{text} gave {other:?}"),
    }
}

#[test]
fn integers_as_lua_reads_them() {
    assert_eq!(v("0"), Value::Integer(0));
    assert_eq!(v("42"), Value::Integer(42));
    assert_eq!(v("-7"), Value::Integer(-7));
    assert_eq!(v("- 7"), Value::Integer(-7));
    assert_eq!(v("0x0a"), Value::Integer(10));
    assert_eq!(v("0XfF"), Value::Integer(255));
    assert_eq!(v("0xffffffffffffffff"), Value::Integer(-1));
    assert_eq!(v("0x10000000000000001"), Value::Integer(1));
    assert_eq!(v("9223372036854775807"), Value::Integer(i64::MAX));
    assert_eq!(v("math.maxinteger"), Value::Integer(i64::MAX));
    assert_eq!(v("math.mininteger"), Value::Integer(i64::MIN));
    assert_eq!(v("-math.mininteger"), Value::Integer(i64::MIN));
    // Lua: a decimal integer that overflows is read as a float.
    assert_eq!(
        real_bits("9223372036854775808"),
        9223372036854775808f64.to_bits()
    );
    assert_eq!(
        real_bits("-9223372036854775808"),
        (-9223372036854775808f64).to_bits()
    );
}

#[test]
fn floats_as_lua_reads_them() {
    assert_eq!(real_bits("1.5"), 1.5f64.to_bits());
    assert_eq!(real_bits(".5"), 0.5f64.to_bits());
    assert_eq!(real_bits("3."), 3.0f64.to_bits());
    assert_eq!(real_bits("1e300"), 1e300f64.to_bits());
    assert_eq!(real_bits("1E-3"), 1e-3f64.to_bits());
    assert_eq!(real_bits("2.5e+2"), 250f64.to_bits());
    assert_eq!(real_bits("-0.0"), (-0.0f64).to_bits());
    assert_eq!(real_bits("0x1p4"), 16f64.to_bits());
    assert_eq!(real_bits("0x.8"), 0.5f64.to_bits());
    assert_eq!(real_bits("0xA.8p-1"), 5.25f64.to_bits());
    assert_eq!(real_bits("math.huge"), f64::INFINITY.to_bits());
    assert_eq!(real_bits("-math.huge"), f64::NEG_INFINITY.to_bits());
    assert_eq!(real_bits("1/0"), f64::INFINITY.to_bits());
    assert_eq!(real_bits("-1/0"), f64::NEG_INFINITY.to_bits());
    assert_eq!(real_bits("4/2"), 2f64.to_bits());
    assert_eq!(real_bits("math.pi"), std::f64::consts::PI.to_bits());
    for nan in ["0/0", "(0/0)", "-(0/0)", " ( 0 / 0 ) "] {
        assert!(matches!(v(nan), Value::Real(f) if f.is_nan()), "{nan}");
    }
}

#[test]
fn malformed_numbers_are_errors() {
    for bad in ["1e", "1.2.3", "0x", "12abc", "1e+", "0xg", "1..2", "0x1p"] {
        let e = parse_lua(bad).unwrap_err();
        assert!(
            matches!(e.kind, LiteralErrorKind::MalformedNumber(_)),
            "{bad}: {e:?}"
        );
        assert_eq!((e.line, e.column), (1, 1), "{bad}");
    }
}

#[test]
fn strings_and_escapes() {
    assert_eq!(v(r#""a\"b""#), Value::string("a\"b"));
    assert_eq!(
        v(r"'it''s'".replace("''", "\\'").as_str()),
        Value::string("it's")
    );
    assert_eq!(
        v(r#""\n\t\\\r\a\b\f\v""#),
        Value::string("\n\t\\\r\x07\x08\x0c\x0b")
    );
    assert_eq!(v(r#""\x41\x7a\xff""#), Value::string(&b"Az\xff"[..]));
    assert_eq!(v(r#""\65\066\0067""#), Value::string("AB\x067"));
    assert_eq!(v(r#""\0\255""#), Value::string(&b"\x00\xff"[..]));
    assert_eq!(v(r#""\u{48}\u{e9}\u{2713}""#), Value::string("Hé✓"));
    assert_eq!(
        v(r#""\u{7FFFFFFF}""#),
        Value::string(&b"\xfd\xbf\xbf\xbf\xbf\xbf"[..])
    );
    assert_eq!(v("\"a\\z   \n  b\""), Value::string("ab"));
    assert_eq!(v("\"a\\\nb\""), Value::string("a\nb"));
    assert_eq!(v("[[\nline1\nline2]]"), Value::string("line1\nline2"));
    assert_eq!(v("[==[a]]b]=]c]==]"), Value::string("a]]b]=]c"));
    assert_eq!(v("\"héllo\""), Value::string("héllo"));
    for (bad, col) in [
        (r#""\q""#, 2),
        (r#""\x4""#, 2),
        (r#""\256""#, 2),
        (r#""\u{}""#, 2),
    ] {
        let e = parse_lua(bad).unwrap_err();
        assert!(
            matches!(e.kind, LiteralErrorKind::InvalidEscape(_)),
            "{bad}: {e:?}"
        );
        assert_eq!(e.column, col, "{bad}");
    }
    assert_eq!(
        parse_lua("\"abc").unwrap_err().kind,
        LiteralErrorKind::UnfinishedString
    );
    assert_eq!(
        parse_lua("\"ab\ncd\"").unwrap_err().kind,
        LiteralErrorKind::UnfinishedString
    );
}

#[test]
fn tables_keep_their_layout() {
    let t = v(r#"{1, 2, k = "v", ["x y"] = 1, [3] = 4; {nested = true},}"#);
    let Value::Table(t) = t else { panic!() };
    assert_eq!(t.array.len(), 3);
    assert_eq!(t.array[0], Value::Integer(1));
    assert!(
        matches!(&t.array[2], Value::Table(n) if n.get_str("nested") == Some(&Value::Boolean(true)))
    );
    assert_eq!(
        t.hash,
        vec![
            (Value::string("k"), Value::string("v")),
            (Value::string("x y"), Value::Integer(1)),
            (Value::Integer(3), Value::Integer(4)),
        ]
    );
    assert_eq!(v("{}"), Value::Table(Table::new()));
    assert_eq!(v("{ true, nil }").to_string(), "{true, nil}");
    assert_eq!(v("{[ [[k]] ] = 1}").to_string(), "{k = 1}");
    assert!(parse_lua("{a == 1}").is_err());
    assert!(parse_lua("{,}").is_err());
    assert!(parse_lua("{1,,}").is_err());
}

#[test]
fn errors_name_line_and_column() {
    let e = parse_lua("{1,\n  2,\n  @}").unwrap_err();
    assert_eq!((e.line, e.column), (3, 3));
    assert!(matches!(
        e.kind,
        LiteralErrorKind::Unexpected { found: '@', .. }
    ));
    let e = parse_lua("{1, 2").unwrap_err();
    assert!(matches!(e.kind, LiteralErrorKind::UnexpectedEnd(_)));
    let e = parse_lua("foo").unwrap_err();
    assert_eq!(e.kind, LiteralErrorKind::UnknownName("foo".into()));
    let e = parse_lua("math.tau").unwrap_err();
    assert_eq!(e.kind, LiteralErrorKind::UnknownName("math.tau".into()));
    let e = parse_lua("-\"x\"").unwrap_err();
    assert_eq!(e.kind, LiteralErrorKind::NotANumber("string"));
    assert_eq!(e.column, 2);
    let e = parse_lua("1 2").unwrap_err();
    assert_eq!((e.kind, e.column), (LiteralErrorKind::Trailing, 3));
    let deep = "{".repeat(MAX_LITERAL_DEPTH + 1) + &"}".repeat(MAX_LITERAL_DEPTH + 1);
    assert_eq!(
        parse_lua(&deep).unwrap_err().kind,
        LiteralErrorKind::TooDeep
    );
    let ok = "{".repeat(MAX_LITERAL_DEPTH) + &"}".repeat(MAX_LITERAL_DEPTH);
    assert!(parse_lua(&ok).is_ok());
    // Hostile nesting of other kinds is bounded too (no stack overflow).
    let parens = "(".repeat(100_000) + "1" + &")".repeat(100_000);
    assert_eq!(
        parse_lua(&parens).unwrap_err().kind,
        LiteralErrorKind::TooDeep
    );
    let minus = "- ".repeat(100_000) + "1";
    assert_eq!(
        parse_lua(&minus).unwrap_err().kind,
        LiteralErrorKind::TooDeep
    );
    let mixed = "{(".repeat(100_000);
    assert_eq!(
        parse_lua(&mixed).unwrap_err().kind,
        LiteralErrorKind::TooDeep
    );
    assert_eq!(parse_lua("- - -(((3)))").unwrap(), Value::Integer(-3));
}

#[test]
fn comments_are_space_and_userdata_reads_back() {
    assert_eq!(v("-- lead\n 5 --[[ trail ]]"), Value::Integer(5));
    assert_eq!(v("--[==[ x ]] ]==] 6"), Value::Integer(6));
    assert_eq!(
        v("userdata(0x0123456789abcdef)"),
        Value::LightUserdata(0x0123_4567_89ab_cdef)
    );
    assert_eq!(
        v("userdata(0xffffffffffffffff)"),
        Value::LightUserdata(u64::MAX)
    );
}

mod round_trip {
    use super::*;
    use proptest::prelude::*;

    /// Any value: reals of every bit pattern but NaN (whose payload `(0/0)` cannot carry),
    /// strings of any bytes, tables with both parts, light userdata.
    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Nil),
            any::<bool>().prop_map(Value::Boolean),
            any::<i64>().prop_map(Value::Integer),
            any::<u64>()
                .prop_map(f64::from_bits)
                .prop_filter("NaN", |f| !f.is_nan())
                .prop_map(Value::Real),
            prop_oneof![
                Just(f64::INFINITY),
                Just(f64::NEG_INFINITY),
                Just(-0.0),
                Just(0.5)
            ]
            .prop_map(Value::Real),
            proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::string),
            "[a-zA-Z_][a-zA-Z0-9_]{0,8}".prop_map(Value::string),
            any::<String>().prop_map(Value::string),
            any::<u64>().prop_map(Value::LightUserdata),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            (
                proptest::collection::vec(inner.clone(), 0..6),
                proptest::collection::vec((inner.clone(), inner), 0..6),
            )
                .prop_map(|(array, hash)| Value::Table(Table { array, hash }))
        })
    }

    proptest! {
        #[test]
        fn display_reads_back(v in any_value()) {
            let text = v.to_string();
            let back = parse_lua(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert!(back.exact_eq(&v), "{} read back as {}", text, back);
        }
    }
}

#[test]
fn nan_reads_back_as_nan() {
    for text in [Value::Real(f64::NAN).to_string(), "-(0/0)".to_string()] {
        assert!(
            matches!(parse_lua(&text).unwrap(), Value::Real(f) if f.is_nan()),
            "{text}"
        );
    }
}
