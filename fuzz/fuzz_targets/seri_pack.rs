//! `skywire_seri::pack` on structured values built with `arbitrary` (see
//! `skywire_fuzz::arb`): packing agrees with the spec's encoding and refusal rules, and
//! unpacking the bytes gives back exactly the values; the JSON form reads back (for
//! values that pack to at most 16 KiB).
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use skywire_fuzz::arb::ValueGen;
use skywire_fuzz::seri::{check_json, check_pack};

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(values) = ValueGen::default().values(&mut u) else {
        return;
    };
    let packed = check_pack(&values);
    // The JSON form and `Display` go byte by byte through `fmt`: skip them for the 64 KiB
    // strings, which would take most of the time and cover nothing new.
    if packed.is_none_or(|p| p.len() <= 16 * 1024) {
        check_json(&values);
    }
});
