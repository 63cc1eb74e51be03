//! Inputs the fuzz targets (`fuzz/`) found crashing, kept as tests. Each names the target
//! and what was wrong.

use bytes::Bytes;
use skywire_codec::{PacketError, RequestDecoder, ResponseDecoder};

/// A stream of one frame: `body` after its 2-byte big-endian length.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

/// roundtrip: a one-packet push (type 0x00, session 0) whose payload is 0x8000 bytes
/// decodes (skynet's receiver takes it too), but re-encoding it made a multi-part push
/// header with session 0, which every decoder refuses. Encoding now refuses it instead.
#[test]
fn big_one_packet_push_does_not_encode_to_a_session_0_header() {
    let mut body = vec![0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
    body.extend_from_slice(&[0x00; 0x8000]);
    let mut d = RequestDecoder::default();
    d.feed(&frame(&body));
    let req = d.next_message().unwrap().unwrap();
    assert!(req.push);
    assert_eq!(req.session.get(), 0);
    assert_eq!(req.payload.len(), 0x8000);
    assert_eq!(
        req.frames().unwrap_err(),
        PacketError::ZeroSession { ty: 0x41 }
    );
    // With a session, as skynet's sender gives a big push, it encodes and decodes back.
    let mut fixed = req.clone();
    fixed.session = 7.into();
    let mut again = RequestDecoder::default();
    for f in fixed.frames().unwrap() {
        again.feed(&f.to_vec());
    }
    assert_eq!(again.next_message().unwrap(), Some(fixed));
    again.finish().unwrap();
}

/// roundtrip: an ok response with session 0 carrying 0x8001 bytes in one packet decodes,
/// but re-encoding it made a multi-part begin packet with session 0, which every decoder
/// refuses. Encoding now refuses it instead.
#[test]
fn big_ok_response_with_session_0_does_not_encode_to_a_session_0_begin() {
    let mut body = vec![0x00, 0x00, 0x00, 0x00, 0x01];
    body.extend_from_slice(&[0x24; 0x8001]);
    let mut d = ResponseDecoder::default();
    d.feed(&frame(&body));
    let resp = d.next_message().unwrap().unwrap();
    assert!(resp.ok);
    assert_eq!(resp.payload, Bytes::from(vec![0x24; 0x8001]));
    assert_eq!(
        resp.frames().unwrap_err(),
        PacketError::ZeroSession { ty: 2 }
    );
}
