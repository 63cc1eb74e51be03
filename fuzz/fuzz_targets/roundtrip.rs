//! decode -> encode -> decode must agree.
//!
//! Input: byte 0 picks the direction (bit 0: requests or responses) and how the frames are
//! read back (the other bits); the rest is a stream. Every message decoded from it (up to
//! 64) is re-encoded with `frames()`, cut as skynet cuts it (the number of frames is checked
//! against `spec/protocol.md`), read through every `Buf` path, compared with what
//! `write_frames` writes (the tokio encoders' path), and decoded again. That must give
//! exactly one message, equal to the first after skynet's normalisations (a small push
//! carries session 0; an error text is cut to `MULTI_PART` bytes), and encoding it again must
//! give the same bytes.
//!
//! The one message decoding accepts and encoding refuses is one that would go multi-part
//! with session 0 (a big one-packet push, a big ok response to session 0): `frames()` and
//! `write_frames` must both fail with `ZeroSession` for it.
//!
//! The same holds for the message with its lua-seri payload re-packed, and that payload
//! unpacks to exactly the values of the first.
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use skywire_codec::{
    OutFrame, PacketError, Request, RequestFrames, Response, ResponseFrames, Session, MULTI_PART,
};
use skywire_fuzz::model::Outcomes;
use skywire_fuzz::seri::check_pack;
use skywire_fuzz::wire::frame_bytes;
use skywire_fuzz::{assert_same_bytes, stream};
use skywire_seri::{unpack, values_exact_eq};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, data)) = data.split_first() else {
        return;
    };
    let seed = u32::from(flags >> 1);
    if flags & 1 == 0 {
        for m in stream::requests(data).items.iter().flatten().take(64) {
            round_trip(m, seed);
            if let Some(p) = repacked(&m.payload) {
                let with_p = Request {
                    payload: p.clone(),
                    ..m.clone()
                };
                assert!(round_trip(&with_p, seed).is_none_or(|a| a.payload == p));
            }
        }
    } else {
        for m in stream::responses(data).items.iter().flatten().take(64) {
            round_trip(m, seed);
            if !m.ok {
                continue;
            }
            if let Some(p) = repacked(&m.payload) {
                let with_p = Response {
                    payload: p.clone(),
                    ..m.clone()
                };
                assert!(round_trip(&with_p, seed).is_none_or(|a| a.payload == p));
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

/// What the round trip needs of a message type.
trait Message: Clone + PartialEq + Sized {
    type Frames: Iterator<Item = OutFrame>;
    fn frames(&self) -> Result<Self::Frames, PacketError>;
    fn write_frames(&self, dst: &mut BytesMut) -> Result<(), PacketError>;
    /// Decodes a whole stream of this direction.
    fn decode(stream: &[u8]) -> Outcomes<Self>;
    /// True when the payload goes multi-part.
    fn multi(&self) -> bool;
    fn session(&self) -> Session;
    /// The frames `spec/protocol.md` says it takes.
    fn spec_frames(&self) -> usize;
    /// The message as decoding its frames gives it back (skynet's normalisations).
    fn normalised(&self) -> Self;
    /// The message for panic messages: everything but the payload bytes.
    fn summary(&self) -> String;
}

/// The methods that are the same for both messages but for their types: the codec's own
/// (`frames`, `write_frames`), `decode` by `$decode`, and `session`.
macro_rules! codec_methods {
    ($message:ident, $frames:ident, $decode:path) => {
        type Frames = $frames;
        fn frames(&self) -> Result<$frames, PacketError> {
            $message::frames(self)
        }
        fn write_frames(&self, dst: &mut BytesMut) -> Result<(), PacketError> {
            $message::write_frames(self, dst)
        }
        fn decode(s: &[u8]) -> Outcomes<$message> {
            $decode(s)
        }
        fn session(&self) -> Session {
            self.session
        }
    };
}

impl Message for Request {
    codec_methods!(Request, RequestFrames, stream::requests);
    fn multi(&self) -> bool {
        self.payload.len() >= MULTI_PART
    }
    fn spec_frames(&self) -> usize {
        let n = self.payload.len();
        let body = if n >= MULTI_PART {
            1 + n.div_ceil(MULTI_PART)
        } else {
            1
        };
        body + usize::from(self.trace.is_some())
    }
    fn normalised(&self) -> Request {
        let mut m = self.clone();
        if m.push && !self.multi() {
            m.session = Session::PUSH;
        }
        m
    }
    fn summary(&self) -> String {
        format!(
            "{:?} session {} push {} trace {:?} payload {} bytes",
            self.target,
            self.session,
            self.push,
            self.trace.as_ref().map(|t| t.len()),
            self.payload.len()
        )
    }
}

impl Message for Response {
    codec_methods!(Response, ResponseFrames, stream::responses);
    fn multi(&self) -> bool {
        self.ok && self.payload.len() > MULTI_PART
    }
    fn spec_frames(&self) -> usize {
        if self.multi() {
            1 + self.payload.len().div_ceil(MULTI_PART)
        } else {
            1
        }
    }
    fn normalised(&self) -> Response {
        let mut m = self.clone();
        if !m.ok {
            m.payload = m.payload.slice(..m.payload.len().min(MULTI_PART));
        }
        m
    }
    fn summary(&self) -> String {
        format!(
            "session {} ok {} payload {} bytes",
            self.session,
            self.ok,
            self.payload.len()
        )
    }
}

/// Encodes `m`, checks the frames, decodes them again; the message decoded back, or
/// `None` when encoding (rightly) refused it.
fn round_trip<M: Message>(m: &M, seed: u32) -> Option<M> {
    let mut written = BytesMut::from(&b"head"[..]);
    let wrote = m.write_frames(&mut written);
    let frames: Vec<OutFrame> = match m.frames() {
        Ok(f) => f.collect(),
        Err(e @ PacketError::ZeroSession { .. }) if m.multi() && m.session().is_push() => {
            assert_eq!(wrote, Err(e), "write_frames and frames() disagree");
            assert_eq!(&written[..], b"head", "write_frames wrote before failing");
            return None;
        }
        Err(e) => panic!("a decoded message does not encode: {e}: {}", m.summary()),
    };
    assert_eq!(
        frames.len(),
        m.spec_frames(),
        "frame count: {}",
        m.summary()
    );
    let bytes = frame_bytes(frames, seed);
    assert_eq!(wrote, Ok(()), "write_frames fails where frames() did not");
    assert_same_bytes(&written[4..], &bytes, "write_frames differs from frames()");

    let again = M::decode(&bytes);
    assert_eq!(
        again.finish,
        Ok(()),
        "re-encoded {}: end check",
        m.summary()
    );
    let m2 = match &again.items[..] {
        [Ok(m2)] => m2.clone(),
        items => {
            let got: Vec<_> = items.iter().map(|r| r.as_ref().map(M::summary)).collect();
            panic!("re-encoded {} decodes to {got:?}", m.summary());
        }
    };
    let want = m.normalised();
    assert!(
        m2 == want,
        "decode(encode(m)) != m\n  got  {}\n  want {}",
        m2.summary(),
        want.summary()
    );
    let bytes2 = frame_bytes(m2.frames().expect("encodes").collect(), seed ^ 1);
    assert_same_bytes(&bytes2, &bytes, "encoding is not canonical");
    Some(m2)
}
