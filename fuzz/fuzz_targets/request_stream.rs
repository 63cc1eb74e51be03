//! The request direction: `RequestDecoder` over arbitrary bytes in arbitrary chunks.
//!
//! Input: byte 0 picks the chunk sizes, byte 1 the reassembly limits, the rest is the
//! stream. Checked (`skywire_fuzz::stream::check_stream`): no panic; decoding goes on after
//! errors and every error offset is inside the bytes fed; the outcome does not depend on
//! chunking or on `feed` versus `decode`; it equals the spec model's; the CLI's dissector
//! agrees up to its first error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skywire_fuzz::stream::{check_stream, Requests};

fuzz_target!(|data: &[u8]| check_stream::<Requests>(data));
