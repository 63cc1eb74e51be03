//! `skywire_seri::pack` on structured values built with `arbitrary` (see
//! `skywire_fuzz::arb`): packing agrees with the spec's encoding and refusal rules, and
//! unpacking the bytes gives back exactly the values; the JSON form reads back.
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
    check_pack(&values);
    check_json(&values);
});
