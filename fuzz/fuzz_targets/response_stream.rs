//! The response direction: `ResponseDecoder` and reassembly over arbitrary bytes in
//! arbitrary chunks, with small limits so that every refusal is reached.
//!
//! Input and checks as for `request_stream` (`skywire_fuzz::stream::check_stream`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use skywire_fuzz::stream::{check_stream, Responses};

fuzz_target!(|data: &[u8]| check_stream::<Responses>(data));
