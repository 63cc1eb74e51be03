//! lua-seri checks: an independent encoder written from `spec/lua-seri.md` §3-4, the
//! encoder's refusal rules (§4.1), and the properties every list of values must have.

use bytes::{Bytes, BytesMut};

use crate::assert_same_bytes;
use skywire_seri::{
    pack, pack_into, packed_len, unpack, values_exact_eq, values_from_json, values_to_json,
    EncodeError, Value,
};

/// skynet's `MAX_DEPTH` as `spec/lua-seri.md` §4.1 states it (kept here on purpose: the
/// oracle does not take the number from the code it checks).
const SPEC_MAX_DEPTH: usize = 32;

/// What, by `spec/lua-seri.md` §4.1, the encoder must refuse somewhere in a list of values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Refusals {
    /// Some value has more than 32 enclosing tables.
    pub too_deep: bool,
    /// Some hash key is nil.
    pub nil_key: bool,
    /// Some hash key is a NaN float.
    pub nan_key: bool,
    /// Most tables enclosing any value.
    pub max_depth: usize,
}

impl Refusals {
    /// True when the list can be packed.
    pub fn packable(&self) -> bool {
        !(self.too_deep || self.nil_key || self.nan_key)
    }
}

/// Walks the values and notes every reason the encoder has to refuse them.
pub fn refusals(values: &[Value]) -> Refusals {
    let mut r = Refusals::default();
    for v in values {
        walk(v, 0, &mut r);
    }
    r
}

fn walk(v: &Value, depth: usize, r: &mut Refusals) {
    r.max_depth = r.max_depth.max(depth);
    if depth > SPEC_MAX_DEPTH {
        r.too_deep = true;
    }
    if let Value::Table(t) = v {
        for item in &t.array {
            walk(item, depth + 1, r);
        }
        for (k, val) in &t.hash {
            match k {
                Value::Nil => r.nil_key = true,
                Value::Real(f) if f.is_nan() => r.nan_key = true,
                _ => {}
            }
            walk(k, depth + 1, r);
            walk(val, depth + 1, r);
        }
    }
}

/// The bytes skynet's encoder writes for `values` (`spec/lua-seri.md` §3-4), for values
/// the encoder accepts.
pub fn spec_pack(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        spec_value(v, &mut out);
    }
    out
}

/// A type byte and the little-endian field after it.
fn field(out: &mut Vec<u8>, type_byte: u8, le_bytes: &[u8]) {
    out.push(type_byte);
    out.extend_from_slice(le_bytes);
}

fn spec_integer(i: i64, out: &mut Vec<u8>) {
    if i == 0 {
        out.push(0x02);
    } else if i < i64::from(i32::MIN) || i > i64::from(i32::MAX) {
        field(out, 0x32, &i.to_le_bytes());
    } else if i < 0 {
        field(out, 0x22, &(i as i32).to_le_bytes());
    } else if i < 0x100 {
        out.push(0x0a);
        out.push(i as u8);
    } else if i < 0x1_0000 {
        field(out, 0x12, &(i as u16).to_le_bytes());
    } else {
        field(out, 0x22, &(i as i32).to_le_bytes());
    }
}

fn spec_value(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Nil => out.push(0x00),
        Value::Boolean(false) => out.push(0x01),
        Value::Boolean(true) => out.push(0x09),
        Value::Integer(i) => spec_integer(*i, out),
        Value::Real(f) => {
            field(out, 0x42, &f.to_bits().to_le_bytes());
        }
        Value::LightUserdata(p) => {
            field(out, 0x03, &p.to_le_bytes());
        }
        Value::String(s) => {
            let n = s.len();
            if n < 32 {
                out.push(0x04 | ((n as u8) << 3));
            } else if n < 0x1_0000 {
                field(out, 0x15, &(n as u16).to_le_bytes());
            } else {
                field(out, 0x25, &(n as u32).to_le_bytes());
            }
            out.extend_from_slice(s);
        }
        Value::Table(t) => {
            let n = t.array.len();
            if n < 31 {
                out.push(0x06 | ((n as u8) << 3));
            } else {
                out.push(0xfe);
                spec_integer(n as i64, out);
            }
            for item in &t.array {
                spec_value(item, out);
            }
            for (k, val) in &t.hash {
                spec_value(k, out);
                spec_value(val, out);
            }
            out.push(0x00);
        }
    }
}

/// Packs `values` through every entry point and checks the result against the spec:
///
/// - `pack`, `packed_len` and `pack_into` agree, and fail exactly when (and why)
///   [`refusals`] says they must, `pack_into` leaving its buffer alone on failure;
/// - the bytes are those of [`spec_pack`];
/// - unpacking them gives back exactly `values` (`values_exact_eq`).
///
/// Returns the packed bytes when packing succeeded.
pub fn check_pack(values: &[Value]) -> Option<Bytes> {
    let r = refusals(values);
    let packed = pack(values);
    assert_eq!(
        packed_len(values),
        packed.as_ref().map(Bytes::len).map_err(Clone::clone),
        "packed_len disagrees with pack"
    );
    let mut buf = BytesMut::from(&b"prefix"[..]);
    let into = pack_into(values, &mut buf);
    match &packed {
        Ok(bytes) => {
            assert!(
                r.packable(),
                "pack accepted values the encoder must refuse: {r:?}"
            );
            assert_eq!(into, Ok(()));
            assert_eq!(&buf[..6], b"prefix");
            assert_same_bytes(&buf[6..], bytes, "pack_into wrote other bytes than pack");
            assert_same_bytes(bytes, &spec_pack(values), "pack disagrees with the spec");
            let back = unpack(bytes).expect("packed bytes must unpack");
            assert!(values_exact_eq(values, &back), "unpack(pack(v)) != v");
        }
        Err(e) => {
            assert_eq!(into.as_ref().err(), Some(e), "pack_into failed differently");
            assert_eq!(&buf[..], b"prefix", "pack_into wrote before failing");
            match e {
                EncodeError::TooDeep { depth } => {
                    assert!(r.too_deep, "TooDeep without a value deeper than 32: {r:?}");
                    assert_eq!(*depth, SPEC_MAX_DEPTH + 1);
                }
                EncodeError::NilKey => assert!(r.nil_key, "NilKey without a nil key"),
                EncodeError::NanKey => assert!(r.nan_key, "NanKey without a NaN key"),
                other => panic!("unexpected encode error {other:?}"),
            }
        }
    }
    packed.ok()
}

/// Equality for the JSON round trip: [`Value::exact_eq`] except that every NaN equals
/// every NaN (the JSON form has one `"nan"`; its bits are not kept).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Real(x), Value::Real(y)) if x.is_nan() && y.is_nan() => true,
        (Value::Table(x), Value::Table(y)) => {
            x.array.len() == y.array.len()
                && x.hash.len() == y.hash.len()
                && x.array.iter().zip(&y.array).all(|(p, q)| json_eq(p, q))
                && x.hash
                    .iter()
                    .zip(&y.hash)
                    .all(|((k1, v1), (k2, v2))| json_eq(k1, k2) && json_eq(v1, v2))
        }
        _ => a.exact_eq(b),
    }
}

/// The JSON form (what `skywire decode --json` prints) reads back as the same values;
/// for values skynet could send (nested at most 33 deep) also through JSON text. Each
/// value's `Display` (a Lua literal) must not panic either.
pub fn check_json(values: &[Value]) {
    let j = values_to_json(values);
    let back = values_from_json(&j).expect("the JSON form of values must read back");
    assert!(
        back.len() == values.len() && values.iter().zip(&back).all(|(a, b)| json_eq(a, b)),
        "JSON round trip changed the values"
    );
    // serde_json's parser stops at 128 levels of nesting; a table takes up to 3.
    if refusals(values).max_depth <= SPEC_MAX_DEPTH + 1 {
        let text = serde_json::to_string(&j).expect("JSON values serialize");
        let parsed: serde_json::Value = serde_json::from_str(&text).expect("our JSON text parses");
        assert_eq!(parsed, j, "JSON text round trip changed the document");
    }
    for v in values {
        let _ = v.to_string();
    }
}

/// All checks for a payload that unpacked: re-packing it gives canonical bytes no longer
/// than the input (every accepted non-canonical form is longer than the canonical one),
/// which reproduce `values` exactly.
pub fn check_unpacked(input_len: usize, values: &[Value]) {
    let r = refusals(values);
    // Decoding never produces what the encoder has no bytes for.
    assert!(!r.nil_key, "decoded a nil hash key");
    if let Some(bytes) = check_pack(values) {
        assert!(
            bytes.len() <= input_len,
            "canonical form ({} bytes) longer than the input ({input_len} bytes)",
            bytes.len()
        );
    }
    check_json(values);
}
