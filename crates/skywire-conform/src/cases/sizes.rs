//! Payload sizes at every fragmentation boundary, both directions (spec/protocol.md §2.3,
//! §3.1): the node must reassemble every request and cut every response as skynet does.

use skywire_codec::Target as Dest;
use skywire_seri::Value;

use super::{big_answer, call, echo, expect_payload, pack, payload_of};
use crate::case::{Case, Failure};

/// Request payload sizes: (id, bytes). The request goes multi-part at 0x8000 bytes; each
/// part carries 0x8000 bytes, the last the rest.
const REQUEST_SIZES: &[(&str, usize)] = &[
    ("request/small/0x7fff", 0x7fff),
    ("request/multipart/0x8000-1-part", 0x8000),
    ("request/multipart/0x8001-2-parts", 0x8001),
    ("request/multipart/0xffff-2-parts", 0xffff),
    ("request/multipart/0x10000-2-parts", 0x10000),
    ("request/multipart/0x10001-3-parts", 0x10001),
    ("request/multipart/0x17fff-3-parts", 0x17fff),
    ("request/multipart/0x18000-3-parts", 0x18000),
    ("request/multipart/0x18001-4-parts", 0x18001),
    ("request/multipart/0x18003-4-parts", 0x18003),
    ("request/multipart/1mib-32-parts", 1 << 20),
];

/// Response payload sizes: (id, bytes). A response goes multi-part above 0x8000 bytes.
/// `"big", n` answers with a string of n bytes, which packs to n + 3 bytes (n < 0x10000)
/// or n + 5.
const RESPONSE_SIZES: &[(&str, usize)] = &[
    ("response/small/0x7fff", 0x7fff),
    ("response/small/0x8000", 0x8000),
    ("response/multipart/0x8001-2-parts", 0x8001),
    ("response/multipart/0x8003-2-parts", 0x8003),
    ("response/multipart/0xffff-2-parts", 0xffff),
    ("response/multipart/0x10000-2-parts", 0x10000),
    ("response/multipart/0x10001-3-parts", 0x10001),
    ("response/multipart/0x17fff-3-parts", 0x17fff),
    ("response/multipart/0x18000-3-parts", 0x18000),
    ("response/multipart/0x18001-4-parts", 0x18001),
    ("response/multipart/0x1fffe-4-parts", 0x1fffe),
    ("response/multipart/1mib-32-parts", 1 << 20),
];

fn parts(n: usize) -> usize {
    n.div_ceil(0x8000)
}

pub(super) fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for &(id, n) in REQUEST_SIZES {
        let desc = if n < 0x8000 {
            format!("a {n}-byte request (the largest in one packet) echoed exactly")
        } else {
            format!(
                "a {n}-byte request ({} parts) reassembled and echoed exactly",
                parts(n)
            )
        };
        cases.push(Case::new(
            id,
            "protocol.md §2.3",
            desc,
            move |t| async move {
                let (_, payload) = payload_of(n, b'q');
                let a = call(&t, echo(), payload.clone()).await?;
                expect_payload(&a, &payload)?;
                Ok(None)
            },
        ));
    }
    cases.push(Case::new(
        "request/multipart/by-address",
        "protocol.md §2.3",
        "a 0x10001-byte request to a numeric address (0x01 header) reassembled and echoed",
        |t| async move {
            let addr = super::targets::query_echo(&t).await?;
            let (_, payload) = payload_of(0x10001, b'a');
            let a = call(&t, Dest::Address(addr), payload.clone()).await?;
            expect_payload(&a, &payload)?;
            Ok(None)
        },
    ));
    for &(id, n) in RESPONSE_SIZES {
        let len = if n - 3 < 0x10000 { n - 3 } else { n - 5 };
        let desc = if n <= 0x8000 {
            format!("a {n}-byte ok response in one packet")
        } else {
            format!(
                "a {n}-byte ok response as begin + {} parts of 0x8000 bytes but the last",
                parts(n)
            )
        };
        cases.push(Case::new(
            id,
            "protocol.md §3.1",
            desc,
            move |t| async move {
                let want = big_answer(len);
                if want.len() != n {
                    return Err(Failure::new(
                        format!("{n} bytes"),
                        format!("the suite built {}", want.len()),
                    ));
                }
                let a = call(&t, echo(), pack(&["big".into(), Value::from(len as i64)])).await?;
                expect_payload(&a, &want)?;
                let frames = if n <= 0x8000 { 1 } else { 1 + parts(n) };
                if a.frames != frames {
                    return Err(Failure::new(
                        format!("{frames} frames"),
                        format!("{} frames", a.frames),
                    ));
                }
                Ok(None)
            },
        ));
    }
    cases.push(Case::new(
        "response/error/long-text",
        "protocol.md §3",
        "an error response carries at most 0x8000 bytes of text in one packet",
        |t| async move {
            let (mut values, _) = payload_of(0x9000, b'e');
            values.insert(0, "fail".into());
            let a = call(&t, echo(), pack(&values)).await?;
            super::expect_error(&a)?;
            Ok(None)
        },
    ));
    cases
}
