//! Property tests: round trips, exact lengths, robustness on arbitrary input.

use bytes::Bytes;
use proptest::prelude::*;
use skywire_seri::{
    pack, packed_len, unpack, unpack_ref, unpack_tape, values_exact_eq, DecodeError, DecodeLimits,
    Item, Packer, Reader, Table, Unpack, Value, ValueRef,
};

fn real() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        any::<u64>().prop_map(f64::from_bits), // every bit pattern, NaN payloads too
        Just(f64::NAN),
        Just(-0.0),
        Just(0.0),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(5e-324),
        Just(3.0),
    ]
}

fn integer() -> impl Strategy<Value = i64> {
    let i32max = i64::from(i32::MAX);
    let i32min = i64::from(i32::MIN);
    prop_oneof![
        any::<i64>(),
        -70_000i64..70_000,
        prop::sample::select(vec![
            0,
            1,
            255,
            256,
            65_535,
            65_536,
            i32max,
            i32max + 1,
            i64::from(u32::MAX),
            -1,
            -255,
            -256,
            -65_536,
            i32min,
            i32min - 1,
            i64::MAX,
            i64::MIN,
        ]),
    ]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..40),
        "[a-z_]{0,12}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..300),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Nil),
        any::<bool>().prop_map(Value::Boolean),
        integer().prop_map(Value::Integer),
        real().prop_map(Value::Real),
        bytes().prop_map(Value::from),
        any::<u64>().prop_map(Value::LightUserdata),
    ]
}

fn valid_key(v: &Value) -> bool {
    !v.is_nil() && !matches!(v, Value::Real(x) if x.is_nan())
}

/// Any value tree that skynet can pack (depth well under 32; no nil or NaN keys).
fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 160, 36, |inner| {
        let key = prop_oneof![
            4 => scalar().prop_filter("valid key", valid_key),
            1 => inner.clone().prop_filter("valid key", valid_key),
        ];
        (
            prop::collection::vec(inner.clone(), 0..36),
            prop::collection::vec((key, inner), 0..6),
        )
            .prop_map(|(array, hash)| Value::Table(Table { array, hash }))
    })
}

fn args() -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(value(), 0..6)
}

/// Replaces every NaN by the canonical one (the JSON form has one NaN).
#[cfg(feature = "json")]
fn canonical_nan(v: &Value) -> Value {
    match v {
        Value::Real(x) if x.is_nan() => Value::Real(f64::NAN),
        Value::Table(t) => Value::Table(Table {
            array: t.array.iter().map(canonical_nan).collect(),
            hash: t
                .hash
                .iter()
                .map(|(k, v)| (canonical_nan(k), canonical_nan(v)))
                .collect(),
        }),
        other => other.clone(),
    }
}

/// The values of `payload` built with a `Reader`, as a caller with values of its own would.
fn read_all(payload: &[u8], limits: &DecodeLimits) -> Result<Vec<Value>, DecodeError> {
    fn value(r: &mut Reader<'_>, depth: usize) -> Result<Value, DecodeError> {
        Ok(match r.next(depth)? {
            Item::Nil => Value::Nil,
            Item::Boolean(b) => Value::Boolean(b),
            Item::Integer(i) => Value::Integer(i),
            Item::Real(x) => Value::Real(x),
            Item::String(s) => Value::string_from_slice(s),
            Item::LightUserdata(p) => Value::LightUserdata(p),
            Item::Table { array_len } => {
                let mut t = Table::new();
                for _ in 0..array_len {
                    t.array.push(value(r, depth + 1)?);
                }
                while !r.hash_end()? {
                    let k = value(r, depth + 1)?;
                    t.hash.push((k, value(r, depth + 1)?));
                }
                Value::Table(t)
            }
        })
    }
    let mut r = Reader::with_limits(payload, limits);
    let mut out = Vec::new();
    while !r.at_end() {
        out.push(value(&mut r, 0)?);
    }
    Ok(out)
}

/// The borrowed decoder agrees with the owned one on `payload` (with `limits`): both fail
/// with the same error (kind and offset), or both succeed with the same values, which
/// convert to each other exactly; the reused-vector entry points agree too.
fn decoders_agree(payload: &Bytes, limits: &DecodeLimits) -> Result<(), TestCaseError> {
    let owned = Unpack::new().limits(*limits).values(payload);
    let borrowed = Unpack::new().limits(*limits).refs(payload);
    match (&owned, &borrowed) {
        (Ok(vs), Ok(rs)) => {
            prop_assert_eq!(vs.len(), rs.len());
            for (v, r) in vs.iter().zip(rs) {
                prop_assert!(r.exact_eq(v) && v.exact_eq(r));
                prop_assert!(r.to_owned_value(payload).exact_eq(v));
                prop_assert!(Value::from(r).exact_eq(v));
                prop_assert_eq!(r.to_string(), v.to_string());
            }
        }
        (Err(a), Err(b)) => prop_assert_eq!(a, b),
        _ => prop_assert!(false, "owned {:?}, borrowed {:?}", owned, borrowed),
    }
    // The flat form: same error, or the same values read through its cursors.
    match (Unpack::new().limits(*limits).tape(payload), &owned) {
        (Ok(tape), Ok(vs)) => {
            prop_assert_eq!(tape.len(), vs.len());
            prop_assert_eq!(tape.is_empty(), vs.is_empty());
            let refs = tape.to_value_refs();
            prop_assert_eq!(refs.len(), vs.len());
            for ((r, v), t) in refs.iter().zip(vs).zip(tape.args()) {
                prop_assert!(r.exact_eq(v), "{:?} / {:?}", r, v);
                prop_assert_eq!(t.to_string(), v.to_string());
            }
            prop_assert_eq!(tape.args().count(), vs.len());
        }
        (Err(a), Err(b)) => prop_assert_eq!(&a, b),
        (t, _) => prop_assert!(false, "unpack_tape {:?}, unpack {:?}", t, owned),
    }
    // One value at a time: same error, or the same values.
    match (read_all(payload, limits), &owned) {
        (Ok(rs), Ok(vs)) => prop_assert!(values_exact_eq(&rs, vs)),
        (Err(a), Err(b)) => prop_assert_eq!(&a, b),
        (r, _) => prop_assert!(false, "Reader {:?}, unpack {:?}", r, owned),
    }
    if *limits == DecodeLimits::default() {
        let mut into = vec![Value::from("stale")];
        match (Unpack::new().values_into(payload, &mut into), &owned) {
            (Ok(()), Ok(vs)) => prop_assert!(values_exact_eq(&into, vs)),
            (Err(a), Err(b)) => prop_assert!(a == *b && into.is_empty()),
            (r, _) => prop_assert!(false, "unpack_into {:?}, unpack {:?}", r, owned),
        }
        let mut into = vec![ValueRef::Integer(1)];
        match (Unpack::new().refs_into(payload, &mut into), &owned) {
            (Ok(()), Ok(vs)) => prop_assert!(
                into.len() == vs.len() && into.iter().zip(vs).all(|(r, v)| r.exact_eq(v))
            ),
            (Err(a), Err(b)) => prop_assert!(a == *b && into.is_empty()),
            (r, _) => prop_assert!(false, "unpack_ref_into {:?}, unpack {:?}", r, owned),
        }
        prop_assert_eq!(unpack_ref(payload).is_ok(), owned.is_ok());
        let mut tape = unpack_tape(&[0x0a, 0x07]).unwrap(); // a stale argument
        match (Unpack::new().tape_into(payload, &mut tape), &owned) {
            (Ok(()), Ok(vs)) => {
                let refs = tape.to_value_refs();
                prop_assert!(
                    refs.len() == vs.len() && refs.iter().zip(vs).all(|(r, v)| r.exact_eq(v))
                );
            }
            (Err(a), Err(b)) => {
                prop_assert!(a == *b && tape.is_empty() && tape.args().next().is_none())
            }
            (r, _) => prop_assert!(false, "unpack_tape_into {:?}, unpack {:?}", r, owned),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn borrowed_and_owned_decoders_agree_on_any_bytes(
        data in prop::collection::vec(any::<u8>(), 0..256),
        depth in 0usize..6,
    ) {
        let payload = Bytes::from(data);
        decoders_agree(&payload, &DecodeLimits::default())?;
        decoders_agree(&payload, &DecodeLimits::new().max_depth(depth))?;
    }

    #[test]
    fn borrowed_and_owned_decoders_agree_on_mutated_encodings(
        vs in args(),
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        cut in any::<prop::sample::Index>(),
        depth in 0usize..6,
    ) {
        let mut data = pack(&vs).unwrap().to_vec();
        if !data.is_empty() {
            for (at, byte) in flips {
                let i = at % data.len();
                data[i] = byte;
            }
            data.truncate(cut.index(data.len() + 1));
        }
        let payload = Bytes::from(data);
        decoders_agree(&payload, &DecodeLimits::default())?;
        decoders_agree(&payload, &DecodeLimits::new().max_depth(depth))?;
    }

    #[test]
    fn pack_unpack_round_trip(vs in args()) {
        let bytes = pack(&vs).unwrap();
        prop_assert_eq!(packed_len(&vs).unwrap(), bytes.len());
        let back = unpack(&bytes).unwrap();
        prop_assert!(values_exact_eq(&back, &vs));
        prop_assert!(skywire_seri::values_content_eq(&back, &vs));
        // And re-packing what we decoded gives the same bytes.
        prop_assert_eq!(&pack(&back).unwrap(), &bytes);
        // The flat form holds the same values.
        let tape = unpack_tape(&bytes).unwrap();
        let refs = tape.to_value_refs();
        prop_assert!(refs.len() == vs.len() && refs.iter().zip(&vs).all(|(r, v)| r.exact_eq(v)));
    }

    /// A caller walking its own values with a `Packer` (scalars one by one, tables by head,
    /// items, pairs and end) writes exactly the bytes `pack` writes.
    #[test]
    fn packer_writes_what_pack_writes(vs in args()) {
        fn walk(p: &mut Packer<'_>, v: &Value) {
            match v {
                Value::Nil => p.nil().unwrap(),
                Value::Boolean(b) => p.boolean(*b).unwrap(),
                Value::Integer(i) => p.integer(*i).unwrap(),
                Value::Real(x) => p.real(*x).unwrap(),
                Value::String(s) => p.string(s).unwrap(),
                Value::LightUserdata(u) => p.light_userdata(*u).unwrap(),
                Value::Table(t) => {
                    p.begin_table(t.array.len()).unwrap();
                    t.array.iter().for_each(|item| walk(p, item));
                    t.hash.iter().for_each(|(k, v)| {
                        walk(p, k);
                        walk(p, v);
                    });
                    p.end_table();
                }
            }
        }
        let mut out = Vec::new();
        let mut p = Packer::new(&mut out);
        vs.iter().for_each(|v| walk(&mut p, v));
        prop_assert_eq!(&out[..], &pack(&vs).unwrap()[..]);
    }

    #[test]
    fn every_strict_prefix_of_one_value_fails(v in value()) {
        let bytes = pack(std::slice::from_ref(&v)).unwrap();
        prop_assert!(unpack(&bytes.slice(..0)).unwrap().is_empty());
        for cut in 1..bytes.len() {
            let r = unpack(&bytes.slice(..cut));
            prop_assert!(r.is_err(), "prefix {} of {} decoded", cut, bytes.len());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..256)) {
        let payload = Bytes::from(data);
        if let Ok(vs) = unpack(&payload) {
            // Whatever decodes either packs or fails cleanly (NaN keys).
            let _ = pack(&vs);
        }
    }

    #[test]
    fn mutated_encodings_never_panic(vs in args(), flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4)) {
        let mut data = pack(&vs).unwrap().to_vec();
        if !data.is_empty() {
            for (at, byte) in flips {
                let i = at % data.len();
                data[i] = byte;
            }
        }
        let _ = unpack(&Bytes::from(data));
    }

    #[test]
    fn display_never_panics(v in value()) {
        let _ = v.to_string();
    }
}

#[cfg(feature = "json")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn json_round_trip(vs in args()) {
        use skywire_seri::{values_from_json, values_to_json};
        let canon: Vec<Value> = vs.iter().map(canonical_nan).collect();
        let j = values_to_json(&vs);
        let back = values_from_json(&j).unwrap();
        prop_assert!(values_exact_eq(&back, &canon));
        // Through text as well (shortest round-trip floats).
        let text = serde_json::to_string(&j).unwrap();
        let reparsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        prop_assert!(values_exact_eq(&values_from_json(&reparsed).unwrap(), &canon));
        // The serde impl of Value for human-readable formats is the same form.
        prop_assert_eq!(serde_json::to_value(&vs).unwrap(), j.clone());
        let via_serde: Vec<Value> = serde_json::from_value(j).unwrap();
        prop_assert!(values_exact_eq(&via_serde, &canon));
    }
}

#[cfg(feature = "serde")]
mod serde_props {
    use super::*;
    use serde::de::{DeserializeOwned, IgnoredAny};
    use serde::{Deserialize, Serialize};
    use skywire_seri::{from_slice, from_value, from_values, to_value, to_values, SerdeError};
    use std::collections::BTreeMap;
    use std::fmt::Debug;

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    enum Kind {
        Unit,
        New(i64),
        Pair(String, Option<u8>),
        Named { flag: bool, list: Vec<i16> },
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    struct Msg {
        id: u32,
        name: String,
        note: Option<String>,
        ratio: f64,
        tags: BTreeMap<String, i64>,
        by_id: BTreeMap<i64, Vec<Option<bool>>>,
        kinds: Vec<Kind>,
        nested: Vec<Vec<u64>>,
        // A nil field is left out of the table, so it needs a default.
        #[serde(default)]
        raw: Value,
    }

    fn kind() -> impl Strategy<Value = Kind> {
        prop_oneof![
            Just(Kind::Unit),
            any::<i64>().prop_map(Kind::New),
            (".{0,8}", any::<Option<u8>>()).prop_map(|(s, o)| Kind::Pair(s, o)),
            (any::<bool>(), prop::collection::vec(any::<i16>(), 0..40))
                .prop_map(|(flag, list)| Kind::Named { flag, list }),
        ]
    }

    fn msg() -> impl Strategy<Value = Msg> {
        (
            any::<u32>(),
            ".{0,20}",
            any::<Option<String>>(),
            any::<f64>().prop_filter("not NaN", |x| !x.is_nan()),
            prop::collection::btree_map(".{0,6}", any::<i64>(), 0..5),
            prop::collection::btree_map(
                any::<i64>(),
                prop::collection::vec(any::<Option<bool>>(), 0..5),
                0..4,
            ),
            prop::collection::vec(kind(), 0..5),
            prop::collection::vec(prop::collection::vec(0..=i64::MAX as u64, 0..4), 0..3),
            value(),
        )
            .prop_map(
                |(id, name, note, ratio, tags, by_id, kinds, nested, raw)| Msg {
                    id,
                    name,
                    note,
                    ratio,
                    tags,
                    by_id,
                    kinds,
                    nested,
                    raw,
                },
            )
    }

    fn same(a: &Msg, b: &Msg) -> bool {
        let mut a2 = a.clone();
        a2.raw = Value::Nil;
        let mut b2 = b.clone();
        b2.raw = Value::Nil;
        a2 == b2 && a.raw.exact_eq(&b.raw)
    }

    /// `from_slice` reads from `payload` exactly what the value model reads
    /// (`from_values(&unpack(payload))`): the same value or the same error.
    fn slice_agrees<T: DeserializeOwned + Debug>(payload: &[u8]) -> Result<(), TestCaseError> {
        let got = from_slice::<T>(payload);
        let want = unpack(&Bytes::copy_from_slice(payload))
            .map_err(SerdeError::from)
            .and_then(|vs| from_values::<T>(&vs));
        prop_assert_eq!(format!("{:?}", got), format!("{:?}", want));
        Ok(())
    }

    /// [`slice_agrees`] with a depth limit, for targets that read every value or skip them.
    fn slice_agrees_within(payload: &[u8], depth: usize) -> Result<(), TestCaseError> {
        fn agree<T: DeserializeOwned + Debug>(
            payload: &[u8],
            unpack: Unpack,
        ) -> Result<(), TestCaseError> {
            let got = unpack.deserialize::<T>(payload);
            let want = unpack
                .values(&Bytes::copy_from_slice(payload))
                .map_err(SerdeError::from)
                .and_then(|vs| from_values::<T>(&vs));
            prop_assert_eq!(format!("{:?}", got), format!("{:?}", want));
            Ok(())
        }
        let unpack = Unpack::new().limits(DecodeLimits::new().max_depth(depth));
        agree::<Vec<Value>>(payload, unpack)?;
        agree::<(IgnoredAny, IgnoredAny)>(payload, unpack)?;
        agree::<(Pt, Value)>(payload, unpack)?;
        agree::<Vec<serde_json::Value>>(payload, unpack)?;
        Ok(())
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
    struct Pt {
        x: i64,
        y: Option<i64>,
    }

    /// [`slice_agrees`] for targets that take every path of the deserializer.
    fn slice_agrees_for_all(payload: &[u8]) -> Result<(), TestCaseError> {
        slice_agrees::<Pt>(payload)?;
        slice_agrees::<(Pt, Kind)>(payload)?;
        slice_agrees::<Msg>(payload)?;
        slice_agrees::<(u32, Msg)>(payload)?;
        slice_agrees::<(Kind, Option<Kind>, Vec<u64>)>(payload)?;
        slice_agrees::<Value>(payload)?;
        slice_agrees::<Vec<Value>>(payload)?;
        slice_agrees::<(Value, BTreeMap<i64, Vec<Option<bool>>>)>(payload)?;
        slice_agrees::<(String, i64, Option<bool>)>(payload)?;
        slice_agrees::<(Vec<u8>, (f32, char), BTreeMap<String, Value>)>(payload)?;
        slice_agrees::<serde_json::Value>(payload)?;
        slice_agrees::<(serde_json::Value, serde_json::Value)>(payload)?;
        slice_agrees::<()>(payload)?;
        slice_agrees::<(IgnoredAny, IgnoredAny)>(payload)?;
        Ok(())
    }

    /// `bytes` with up to a few bytes replaced and possibly cut short.
    fn mutated(mut data: Vec<u8>, flips: &[(usize, u8)], cut: prop::sample::Index) -> Vec<u8> {
        if !data.is_empty() {
            for &(at, byte) in flips {
                let i = at % data.len();
                data[i] = byte;
            }
            data.truncate(cut.index(data.len() + 1));
        }
        data
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn from_slice_agrees_with_the_value_model_on_any_bytes(
            data in prop::collection::vec(any::<u8>(), 0..256),
        ) {
            slice_agrees_for_all(&data)?;
        }

        #[test]
        fn from_slice_agrees_with_the_value_model_on_mutated_values(
            vs in args(),
            flips in prop::collection::vec((any::<usize>(), any::<u8>()), 0..3),
            cut in any::<prop::sample::Index>(),
        ) {
            slice_agrees_for_all(&mutated(pack(&vs).unwrap().to_vec(), &flips, cut))?;
        }

        #[test]
        fn from_slice_agrees_with_the_value_model_on_one_value(
            v in prop_oneof![
                value(),
                // Tables a struct reads positionally (array part only), or nearly.
                (prop::collection::vec(integer().prop_map(Value::Integer), 0..4), 0usize..2)
                    .prop_map(|(items, nil_at)| {
                        let mut t = Table::from_array(items);
                        if nil_at == 1 {
                            t.push_pair("y", 1);
                        }
                        Value::Table(t)
                    }),
            ],
            flips in prop::collection::vec((any::<usize>(), any::<u8>()), 0..2),
            cut in any::<prop::sample::Index>(),
        ) {
            let bytes = pack(std::slice::from_ref(&v)).unwrap().to_vec();
            slice_agrees_for_all(&bytes)?;
            // With depth limits too (`Unpack::deserialize`), which reading once must keep.
            for depth in 0..4 {
                slice_agrees_within(&bytes, depth)?;
            }
            slice_agrees_for_all(&mutated(bytes, &flips, cut))?;
        }

        #[test]
        fn from_slice_agrees_with_the_value_model_on_mutated_messages(
            m in msg(),
            flips in prop::collection::vec((any::<usize>(), any::<u8>()), 0..3),
            cut in any::<prop::sample::Index>(),
        ) {
            let bytes = pack(&to_values(&(m.id, &m)).unwrap()).unwrap().to_vec();
            let (id, back): (u32, Msg) = from_slice(&bytes).unwrap();
            prop_assert_eq!(id, m.id);
            prop_assert!(same(&back, &m));
            slice_agrees_for_all(&mutated(bytes, &flips, cut))?;
        }

        #[test]
        fn value_through_serde_is_exact(v in value()) {
            let back: Value = from_value(&to_value(&v).unwrap()).unwrap();
            prop_assert!(back.exact_eq(&v));
        }

        #[test]
        fn derived_types_round_trip_through_the_wire(m in msg()) {
            let v = to_value(&m).unwrap();
            let back: Msg = from_value(&v).unwrap();
            prop_assert!(same(&back, &m));
            let bytes = pack(&to_values(&(m.id, &m)).unwrap()).unwrap();
            let vs = unpack(&bytes).unwrap();
            let (id, back): (u32, Msg) = from_values(&vs).unwrap();
            prop_assert_eq!(id, m.id);
            prop_assert!(same(&back, &m));
        }
    }
}

/// Argument lists with large strings among the values: around `PACK_REF_MIN` (what
/// `pack_chunks` references from) and over 64 KiB (a 4-byte length), at the top level and
/// in tables.
fn args_with_large_strings() -> impl Strategy<Value = Vec<Value>> {
    use skywire_seri::PACK_REF_MIN;
    let sizes = vec![PACK_REF_MIN - 1, PACK_REF_MIN, PACK_REF_MIN + 1, 70_000];
    let large = (prop::sample::select(sizes), any::<u8>())
        .prop_map(|(n, b)| Value::String(Bytes::from(vec![b; n])));
    let item = prop_oneof![
        value(),
        large.clone(),
        (large, value()).prop_map(|(s, v)| Value::array(vec![v, s])),
    ];
    prop::collection::vec(item, 0..6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// `pack_chunks` concatenated is `pack`, byte for byte, and fails as it fails.
    #[test]
    fn chunked_packing_concatenated_is_pack(vs in args_with_large_strings()) {
        match pack(&vs) {
            Ok(whole) => {
                let chunks = skywire_seri::pack_chunks(&vs).unwrap();
                prop_assert_eq!(chunks.concat(), whole.to_vec());
                prop_assert!(chunks.iter().all(|c| !c.is_empty()));
            }
            Err(e) => prop_assert_eq!(skywire_seri::pack_chunks(&vs).unwrap_err(), e),
        }
    }
}
