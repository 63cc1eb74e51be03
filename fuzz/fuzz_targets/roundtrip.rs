//! decode -> encode -> decode must agree.
//!
//! Input: byte 0 picks the direction (bit 0: requests or responses) and how the frames are
//! read back (the other bits); the rest is a stream. Every message decoded from it (up to
//! 64) is re-encoded with `frames()` (cut as skynet cuts it: the number of frames is checked
//! against `spec/protocol.md`), read through every `Buf` path, and decoded again: that must
//! give exactly one message, equal to the first after skynet's normalisations (a small push
//! carries session 0; an error text is cut to `MULTI_PART` bytes), and encoding it again must
//! give the same bytes. The one message decoding accepts and encoding refuses is one that
//! would go multi-part with session 0 (a big one-packet push, a big ok response to session
//! 0): `frames()` must fail with `ZeroSession` for it. The same holds for the message with its lua-seri payload re-packed,
//! and that payload unpacks to exactly the values of the first.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use skywire_codec::{PacketError, Request, Response, Session, MULTI_PART};
use skywire_fuzz::seri::check_pack;
use skywire_fuzz::stream;
use skywire_fuzz::wire::frame_bytes;
use skywire_seri::{unpack, values_exact_eq};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, data)) = data.split_first() else {
        return;
    };
    let seed = u32::from(flags >> 1);
    if flags & 1 == 0 {
        for m in stream::requests(data).items.iter().flatten().take(64) {
            request(m, seed);
            if let Some(p) = repacked(&m.payload) {
                let again = request(
                    &Request {
                        payload: p.clone(),
                        ..m.clone()
                    },
                    seed,
                );
                assert!(again.is_none_or(|a| a.payload == p));
            }
        }
    } else {
        for m in stream::responses(data).items.iter().flatten().take(64) {
            response(m, seed);
            if m.ok {
                if let Some(p) = repacked(&m.payload) {
                    let again = response(
                        &Response {
                            payload: p.clone(),
                            ..m.clone()
                        },
                        seed,
                    );
                    assert!(again.is_none_or(|a| a.payload == p));
                }
            }
        }
    }
});

/// The canonical re-packing of a payload that unpacks and can be packed; checks that it
/// unpacks to the same values.
fn repacked(payload: &Bytes) -> Option<Bytes> {
    let values = unpack(payload).ok()?;
    let p = check_pack(&values)?;
    let back = unpack(&p).expect("re-packed payload unpacks");
    assert!(values_exact_eq(&values, &back));
    Some(p)
}

/// Frames a request must take, by `spec/protocol.md`.
fn request_frames(m: &Request) -> usize {
    let n = m.payload.len();
    let body = if n >= MULTI_PART {
        1 + n.div_ceil(MULTI_PART)
    } else {
        1
    };
    body + usize::from(m.trace.is_some())
}

/// A request for panic messages: everything but the payload bytes.
fn req_summary(m: &Request) -> String {
    format!(
        "{:?} session {} push {} trace {:?} payload {} bytes",
        m.target,
        m.session,
        m.push,
        m.trace.as_ref().map(|t| t.len()),
        m.payload.len()
    )
}

fn resp_summary(m: &Response) -> String {
    format!(
        "session {} ok {} payload {} bytes",
        m.session,
        m.ok,
        m.payload.len()
    )
}

fn request(m: &Request, seed: u32) -> Option<Request> {
    let multi = m.payload.len() >= MULTI_PART;
    let frames: Vec<_> = match m.frames() {
        Ok(f) => f.collect(),
        Err(PacketError::ZeroSession { .. }) if multi && m.session.is_push() => return None,
        Err(e) => panic!("a decoded request does not encode: {e}: {}", req_summary(m)),
    };
    assert_eq!(frames.len(), request_frames(m), "frame count");
    let bytes = frame_bytes(frames, seed);
    let again = stream::requests(&bytes);
    assert_eq!(again.finish, Ok(()), "re-encoded request: end check");
    let [Ok(m2)] = &again.items[..] else {
        let got: Vec<_> = again
            .items
            .iter()
            .map(|r| r.as_ref().map(req_summary))
            .collect();
        panic!(
            "re-encoded request decodes to {got:?}\nfrom {}",
            req_summary(m)
        );
    };
    let mut want = m.clone();
    if want.push && !multi {
        want.session = Session::PUSH;
    }
    assert!(
        m2 == &want,
        "decode(encode(m)) != m\n  got  {}\n  want {}",
        req_summary(m2),
        req_summary(&want)
    );
    let bytes2 = frame_bytes(m2.frames().expect("encodes").collect(), seed ^ 1);
    assert!(bytes == bytes2, "encoding is not canonical");
    Some(m2.clone())
}

/// Frames a response must take, by `spec/protocol.md`.
fn response_frames(m: &Response) -> usize {
    let n = m.payload.len();
    if m.ok && n > MULTI_PART {
        1 + n.div_ceil(MULTI_PART)
    } else {
        1
    }
}

fn response(m: &Response, seed: u32) -> Option<Response> {
    let multi = m.ok && m.payload.len() > MULTI_PART;
    let frames: Vec<_> = match m.frames() {
        Ok(f) => f.collect(),
        Err(PacketError::ZeroSession { .. }) if multi && m.session.is_push() => return None,
        Err(e) => panic!(
            "a decoded response does not encode: {e}: {}",
            resp_summary(m)
        ),
    };
    assert_eq!(frames.len(), response_frames(m), "frame count");
    let bytes = frame_bytes(frames, seed);
    let again = stream::responses(&bytes);
    assert_eq!(again.finish, Ok(()), "re-encoded response: end check");
    let [Ok(m2)] = &again.items[..] else {
        let got: Vec<_> = again
            .items
            .iter()
            .map(|r| r.as_ref().map(resp_summary))
            .collect();
        panic!(
            "re-encoded response decodes to {got:?}\nfrom {}",
            resp_summary(m)
        );
    };
    let mut want = m.clone();
    if !want.ok {
        want.payload = want.payload.slice(..want.payload.len().min(MULTI_PART));
    }
    assert!(
        m2 == &want,
        "decode(encode(m)) != m\n  got  {}\n  want {}",
        resp_summary(m2),
        resp_summary(&want)
    );
    let bytes2 = frame_bytes(m2.frames().expect("encodes").collect(), seed ^ 1);
    assert!(bytes == bytes2, "encoding is not canonical");
    Some(m2.clone())
}
