//! `skywire_seri::unpack` on arbitrary bytes.
//!
//! Never panics; an error points into the input (at its end only for a truncation); a
//! successful decode re-packs as the spec says (or is refused for a reason the spec gives:
//! decoding accepts nesting up to 64 and NaN keys, the encoder does not), the canonical bytes
//! are no longer than the input and decode to exactly the same values, and the JSON form
//! reads back. Decoding with a tighter depth limit fails only with `TooDeep`, or succeeds
//! with the same values. The borrowed decoder (`unpack_ref`) and the flat one
//! (`unpack_tape`) give the same error or the same values.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use skywire_fuzz::seri::{check_unpacked, refusals};
use skywire_seri::{unpack, unpack_ref, unpack_tape, values_exact_eq, DecodeErrorKind, DecodeLimits, Unpack};

fuzz_target!(|data: &[u8]| {
    let payload = Bytes::copy_from_slice(data);
    let borrowed = unpack_ref(data);
    let tape = unpack_tape(data);
    match unpack(&payload) {
        Ok(values) => {
            let refs = borrowed.expect("unpack_ref fails where unpack succeeds");
            assert_eq!(refs.len(), values.len());
            assert!(refs.iter().zip(&values).all(|(r, v)| r.exact_eq(v)));
            let flat = tape.expect("unpack_tape fails where unpack succeeds");
            assert_eq!(flat.len(), values.len());
            assert_eq!(flat.args().count(), values.len());
            let flat_refs = flat.to_value_refs();
            assert!(flat_refs.iter().zip(&values).all(|(r, v)| r.exact_eq(v)));
            assert_eq!(data.is_empty(), values.is_empty());
            check_unpacked(data.len(), &values);
            // With a depth limit: the same values if they fit, else TooDeep.
            let depth = refusals(&values).max_depth;
            let limit = usize::from(data.first().copied().unwrap_or(0) % 40);
            match Unpack::new().limits(DecodeLimits::new().max_depth(limit)).values(&payload) {
                Ok(v) => {
                    assert!(depth_in_tables(&values) <= limit);
                    assert!(values_exact_eq(&v, &values));
                }
                Err(e) => {
                    assert!(
                        matches!(e.kind(), DecodeErrorKind::TooDeep { limit: l } if *l == limit)
                    );
                    assert!(
                        depth_in_tables(&values) > limit,
                        "depth {depth}, limit {limit}"
                    );
                }
            }
        }
        Err(e) => {
            assert_eq!(borrowed.err().as_ref(), Some(&e));
            assert_eq!(tape.err().as_ref(), Some(&e));
            let at = e.offset();
            match e.kind() {
                DecodeErrorKind::Truncated { .. } => assert!(at <= data.len(), "{e}"),
                _ => assert!(at < data.len(), "{e}"),
            }
            let _ = e.to_string();
        }
    }
});

/// Tables nested in the deepest chain (a top-level table counts 1).
fn depth_in_tables(values: &[skywire_seri::Value]) -> usize {
    fn d(v: &skywire_seri::Value) -> usize {
        match v {
            skywire_seri::Value::Table(t) => {
                1 + t
                    .array
                    .iter()
                    .chain(t.hash.iter().flat_map(|(k, v)| [k, v]))
                    .map(d)
                    .max()
                    .unwrap_or(0)
            }
            _ => 0,
        }
    }
    values.iter().map(d).max().unwrap_or(0)
}
