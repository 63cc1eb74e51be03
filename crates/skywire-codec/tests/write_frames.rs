//! `write_frames` (one-frame messages written straight into a buffer) gives exactly the bytes
//! of `frames()` written one after the other, fails exactly when `frames()` fails, and then
//! writes nothing.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use skywire_codec::{Request, Response, Session, Target, MULTI_PART};

fn via_frames_request(r: &Request) -> Result<Vec<u8>, skywire_codec::PacketError> {
    Ok(r.frames()?.flat_map(|f| f.to_vec()).collect())
}

fn via_frames_response(r: &Response) -> Result<Vec<u8>, skywire_codec::PacketError> {
    Ok(r.frames()?.flat_map(|f| f.to_vec()).collect())
}

/// Payload lengths on both sides of every threshold.
fn payload_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        0usize..40,
        Just(MULTI_PART - 1),
        Just(MULTI_PART),
        Just(MULTI_PART + 1),
        (MULTI_PART - 300)..(MULTI_PART + 300),
        Just(3 * MULTI_PART + 7),
    ]
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        any::<u32>().prop_map(Target::Address),
        // Names of 0 to 256 bytes: empty and too long are refused; past ~24 bytes the head
        // no longer fits inline.
        (0usize..=256).prop_map(|n| Target::Name(Bytes::from(vec![b'@'; n]))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn requests(
        target in target(),
        session in any::<u32>(),
        push in any::<bool>(),
        trace in proptest::option::of(0usize..50),
        len in payload_len(),
    ) {
        let payload = Bytes::from((0..len).map(|i| i as u8).collect::<Vec<u8>>());
        let mut req = if push {
            Request::push(target, Session::new(session), payload)
        } else {
            Request::call(target, Session::new(session), payload)
        };
        if let Some(t) = trace {
            req = req.with_trace(vec![b't'; t]);
        }
        let mut out = BytesMut::from(&b"before"[..]);
        let direct = req.write_frames(&mut out);
        match via_frames_request(&req) {
            Ok(bytes) => {
                prop_assert_eq!(direct, Ok(()));
                prop_assert_eq!(&out[6..], &bytes[..]);
            }
            Err(e) => {
                prop_assert_eq!(direct, Err(e));
                prop_assert_eq!(&out[..], b"before");
            }
        }
    }

    #[test]
    fn responses(session in any::<u32>(), ok in any::<bool>(), len in payload_len()) {
        let payload = Bytes::from((0..len).map(|i| (i * 3) as u8).collect::<Vec<u8>>());
        let resp = if ok {
            Response::ok(Session::new(session), payload)
        } else {
            Response::error(Session::new(session), payload)
        };
        let mut out = BytesMut::new();
        let direct = resp.write_frames(&mut out);
        match via_frames_response(&resp) {
            Ok(bytes) => {
                prop_assert_eq!(direct, Ok(()));
                prop_assert_eq!(&out[..], &bytes[..]);
            }
            Err(e) => {
                prop_assert_eq!(direct, Err(e));
                prop_assert!(out.is_empty());
            }
        }
    }
}

/// The bytes of skynet's own packets (as the protocol notes give them), written directly.
#[test]
fn known_bytes() {
    let mut out = BytesMut::new();
    Request::call(
        Target::Address(10),
        Session::new(2),
        Bytes::from_static(b"\x24ping"),
    )
    .write_frames(&mut out)
    .unwrap();
    // u16 BE length 14; type 0x00; addr 10 LE; session 2 LE; payload.
    assert_eq!(
        &out[..],
        b"\x00\x0e\x00\x0a\x00\x00\x00\x02\x00\x00\x00\x24ping"
    );
    out.clear();
    Request::push(
        Target::name("@kv").unwrap(),
        Session::new(9),
        Bytes::from_static(b"\x00"),
    )
    .write_frames(&mut out)
    .unwrap();
    // A small push goes with session 0: length 10 = type 0x80, name length 3, "@kv",
    // session 0 (4 bytes), payload (1 byte).
    assert_eq!(&out[..], b"\x00\x0a\x80\x03@kv\x00\x00\x00\x00\x00");
    out.clear();
    let long = Bytes::from(vec![b'e'; MULTI_PART + 5]);
    Response::error(Session::new(3), long)
        .write_frames(&mut out)
        .unwrap();
    // Error text cut to 0x8000 bytes: body = session (4) + type (1) + 0x8000.
    assert_eq!(&out[..7], b"\x80\x05\x03\x00\x00\x00\x00");
    assert_eq!(out.len(), 2 + 5 + MULTI_PART);
}
