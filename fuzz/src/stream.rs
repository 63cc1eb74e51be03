//! Driving the codec's stream decoders over fuzz input, and the checks every stream run
//! must pass.
//!
//! Input layout of the stream targets: byte 0 picks how the stream is cut into chunks
//! ([`Chunks`]), byte 1 picks the [`Limits`] ([`limits`]), the rest is the stream.

use bytes::BytesMut;
use skywire_capture::dissect::{Decoded, Message, StreamDissector};
use skywire_codec::{
    Assemble, DecodeError, Limits, Request, Response, StreamDecoder, FRAME_HEADER_LEN,
    MAX_FRAME_BODY,
};

use crate::model::{self, Outcomes};
use crate::Rng;

/// Cuts `data` into chunks whose sizes `seed` decides: 0 gives one chunk, other values
/// sizes up to 1, 2, 3, 5, 16, 100, 1000 or 5000 bytes, drawn at random.
#[derive(Clone, Debug)]
pub struct Chunks<'a> {
    data: &'a [u8],
    max: usize,
    rng: Rng,
}

/// The chunks of `data` for `seed` (see [`Chunks`]).
pub fn chunks(seed: u8, data: &[u8]) -> Chunks<'_> {
    const MAX: [usize; 8] = [1, 2, 3, 5, 16, 100, 1000, 5000];
    Chunks {
        data,
        max: if seed == 0 {
            usize::MAX
        } else {
            MAX[usize::from(seed & 7)]
        },
        rng: Rng::new(u32::from(seed)),
    }
}

impl<'a> Iterator for Chunks<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.data.is_empty() {
            return None;
        }
        let n = self.rng.size(self.max).min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Some(head)
    }
}

/// Limits picked by one byte: 0 is [`Limits::DEFAULT`]; other values mix small and
/// boundary values of each limit so that every refusal path is reached.
pub fn limits(b: u8) -> Limits {
    if b == 0 {
        return Limits::DEFAULT;
    }
    let d = Limits::DEFAULT;
    const MSG: [usize; 8] = [0, 1, 9, 100, 0x8000, 0x8001, 1 << 20, usize::MAX];
    const PARTIAL: [usize; 4] = [0, 1, 3, usize::MAX];
    const BUFFERED: [usize; 8] = [0, 10, 200, 0x8000, 0x1_0000, 0x2_0001, 1 << 20, usize::MAX];
    let pick = |v: usize, default: usize| if v == usize::MAX { default } else { v };
    Limits::DEFAULT
        .with_max_message_size(pick(MSG[usize::from(b & 7)], d.max_message_size()))
        .with_max_partial_messages(pick(
            PARTIAL[usize::from((b >> 3) & 3)],
            d.max_partial_messages(),
        ))
        .with_max_buffered_bytes(pick(BUFFERED[usize::from(b >> 5)], d.max_buffered_bytes()))
}

/// Feeds `data` to a fresh decoder chunk by chunk with `feed` / `next_message`, going on
/// after errors. Checks on the way: errors point inside the bytes fed so far, the decoder
/// never holds a whole frame it has not handed out, and its offset accounts for every byte.
pub fn run_feed<A: Assemble>(limits: Limits, data: &[u8], seed: u8) -> Outcomes<A::Message> {
    let mut d = StreamDecoder::<A>::new(limits);
    let mut items = Vec::new();
    let mut fed = 0u64;
    for c in chunks(seed, data) {
        d.feed(c);
        fed += c.len() as u64;
        loop {
            match d.next_message() {
                Ok(Some(m)) => items.push(Ok(m)),
                Ok(None) => break,
                Err(e) => {
                    assert!(
                        e.offset() < fed,
                        "error at {} of {fed} bytes: {e}",
                        e.offset()
                    );
                    items.push(Err(e));
                }
            }
        }
        assert!(d.buffered() < FRAME_HEADER_LEN + MAX_FRAME_BODY);
        assert_eq!(d.offset() + d.buffered() as u64, fed);
    }
    let finish = d.finish();
    if let Err(e) = &finish {
        assert!(e.offset() <= fed, "finish error past the end: {e}");
    }
    Outcomes { items, finish }
}

/// The same with `decode` on a buffer the caller owns (what the tokio codecs use), ending
/// with `decode_eof`, which must agree with `finish_with`. With `direct: Some(min)` the
/// decoder reads large parts directly (`read_parts_directly(min)`, as the node reads):
/// each chunk goes, piece by piece, where the decoder says (the room of a part being read
/// directly, or the caller's buffer), as a socket read would.
pub fn run_decode<A: Assemble>(
    limits: Limits,
    data: &[u8],
    seed: u8,
    direct: Option<usize>,
) -> Outcomes<A::Message> {
    use bytes::BufMut;
    let mut d = StreamDecoder::<A>::new(limits);
    if let Some(min) = direct {
        d.read_parts_directly(min);
    }
    let mut src = BytesMut::new();
    let mut items = Vec::new();
    for mut c in chunks(seed, data) {
        while !c.is_empty() {
            match d.direct_room(FRAME_HEADER_LEN + A::PART_HEAD) {
                Some(mut room) => {
                    let k = c.len().min(room.remaining_mut());
                    assert!(k > 0, "a part read directly offers no room");
                    room.put_slice(&c[..k]);
                    d.direct_filled(&mut src);
                    c = &c[k..];
                }
                None => {
                    src.extend_from_slice(c);
                    c = &[];
                }
            }
            loop {
                match d.decode(&mut src) {
                    Ok(Some(m)) => items.push(Ok(m)),
                    Ok(None) => break,
                    Err(e) => items.push(Err(e)),
                }
            }
        }
    }
    // What `Framed` calls at the end of input; everything whole was taken above.
    let finish = match d.decode_eof(&mut src) {
        Ok(None) => Ok(()),
        Ok(Some(_)) => panic!("decode_eof found a message decode() left"),
        Err(e) => Err(e),
    };
    assert_eq!(
        finish,
        d.finish_with(&src),
        "decode_eof and finish_with differ"
    );
    Outcomes { items, finish }
}

/// One direction of the protocol, for the generic checks below.
pub trait Direction {
    /// The codec's assembler for it.
    type A: Assemble<Message = Self::Message>;
    /// Request or Response.
    type Message: Clone + PartialEq + std::fmt::Debug;
    /// What the spec model says `data` decodes to.
    fn model(limits: Limits, data: &[u8]) -> Outcomes<Self::Message>;
    /// The CLI's dissector for this direction.
    fn dissector() -> StreamDissector;
    /// The message of a dissected step, if it is of this direction.
    fn dissected(m: &Message) -> Option<&Self::Message>;
    /// Checks that hold for every message of the direction.
    fn check_message(m: &Self::Message);
    /// Stream bytes the message carries (payload and trace tag).
    fn carried(m: &Self::Message) -> usize;
}

/// The request direction.
pub struct Requests;
/// The response direction.
pub struct Responses;

/// The parts of a [`Direction`] that differ only in their names: the assembler, the model
/// and the dissector of the direction, and which [`Message`] variant is its own; the
/// direction's own checks follow.
macro_rules! direction {
    ($direction:ident: $assembler:ident, $message:ident, $other:ident, $model:ident, $($checks:tt)*) => {
        impl Direction for $direction {
            type A = skywire_codec::$assembler;
            type Message = $message;
            fn model(limits: Limits, data: &[u8]) -> Outcomes<$message> {
                model::$model(limits, data)
            }
            fn dissector() -> StreamDissector {
                StreamDissector::$model(true)
            }
            fn dissected(m: &Message) -> Option<&$message> {
                match m {
                    Message::$message(r) => Some(r),
                    Message::$other(_) => None,
                }
            }
            $($checks)*
        }
    };
}

direction!(
    Requests: RequestAssembler, Request, Response, requests,
    fn check_message(m: &Request) {
        // Session 0 only ever names a push.
        assert!(!m.session.is_push() || m.push, "call with session 0: {m:?}");
        if let Some(name) = m.target.as_name() {
            assert!((1..=255).contains(&name.len()));
        }
    }
    fn carried(m: &Request) -> usize {
        m.payload.len() + m.trace.as_ref().map_or(0, |t| t.len())
    }
);

direction!(
    Responses: ResponseAssembler, Response, Request, responses,
    fn check_message(_: &Response) {}
    fn carried(m: &Response) -> usize {
        m.payload.len()
    }
);

/// Everything a stream target checks, for input laid out as described in the module docs:
///
/// 1. decoding gives the same messages and errors, in the same order, with the same end
///    check, whether the stream comes in one piece or in chunks, through `feed` or `decode`,
///    with large parts read directly or not;
/// 2. that is exactly what the spec model ([`model`]) says;
/// 3. messages never carry more bytes than the stream has;
/// 4. the CLI's dissector (default limits) agrees with the decoder up to its first error,
///    and each message's frames, decoded again on their own, give that message.
pub fn check_stream<D: Direction>(input: &[u8]) {
    let (seed, lim, data) = match input {
        [a, b, rest @ ..] => (*a, *b, rest),
        _ => return,
    };
    let limits = limits(lim);
    let whole = run_feed::<D::A>(limits, data, 0);
    let chunked = run_feed::<D::A>(limits, data, seed);
    assert_eq!(whole, chunked, "chunking changed the outcome");
    let decoded = run_decode::<D::A>(limits, data, seed.rotate_left(3) | 1, None);
    assert_eq!(
        whole, decoded,
        "decode() differs from feed()/next_message()"
    );
    let direct = run_decode::<D::A>(
        limits,
        data,
        seed.rotate_left(5) | 1,
        Some(1 + usize::from(lim)),
    );
    assert_eq!(whole, direct, "reading parts directly changed the outcome");
    let expected = D::model(limits, data);
    assert_eq!(whole, expected, "decoder disagrees with the spec model");

    let mut carried = 0usize;
    for m in whole.items.iter().flatten() {
        D::check_message(m);
        carried += D::carried(m);
    }
    assert!(
        carried <= data.len(),
        "messages carry more bytes than the stream"
    );

    let reference = if limits == Limits::DEFAULT {
        whole
    } else {
        run_feed::<D::A>(Limits::DEFAULT, data, 0)
    };
    check_dissector::<D>(data, seed, &reference);
}

/// The dissector over `data` (fed in chunks) against the decoder's `reference` outcomes.
fn check_dissector<D: Direction>(data: &[u8], seed: u8, reference: &Outcomes<D::Message>) {
    let mut d = D::dissector();
    let mut got: Vec<Result<D::Message, DecodeError>> = Vec::new();
    let mut failed = false;
    let mut frames = 0u64;
    'feed: for c in chunks(seed.wrapping_add(1), data) {
        d.feed(c);
        loop {
            match d.next_step() {
                Ok(Some(step)) => {
                    frames += 1;
                    if let Some(dec) = step.message {
                        let m = D::dissected(&dec.message).expect("message of the other direction");
                        check_decoded::<D>(&dec, m);
                        got.push(Ok(m.clone()));
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    got.push(Err(e));
                    failed = true;
                    break 'feed;
                }
            }
        }
    }
    assert_eq!(d.frame_count(), frames + u64::from(failed));
    // The decoder's outcomes up to and including its first error.
    let upto = reference
        .items
        .iter()
        .position(Result::is_err)
        .map_or(reference.items.len(), |i| i + 1);
    assert_eq!(
        got[..],
        reference.items[..upto],
        "the dissector disagrees with the stream decoder"
    );
    if !failed {
        assert_eq!(
            d.finish(),
            reference.finish,
            "dissector's end check differs"
        );
    }
}

/// A dissected message's frames are where it says, and decode on their own to it.
fn check_decoded<D: Direction>(dec: &Decoded, m: &D::Message) {
    assert_eq!(dec.frames.len(), dec.frame_count);
    let (first, last) = match (dec.frames.first(), dec.frames.last()) {
        (Some(f), Some(l)) => (f, l),
        _ => panic!("a message with no frames"),
    };
    assert_eq!(first.offset, dec.offset);
    assert_eq!(last.offset, dec.end_offset);
    let mut bytes = Vec::new();
    for f in &dec.frames {
        bytes.extend_from_slice(&(f.body.len() as u16).to_be_bytes());
        bytes.extend_from_slice(&f.body);
    }
    let again = run_feed::<D::A>(Limits::DEFAULT, &bytes, 0);
    assert_eq!(
        again.items,
        vec![Ok(m.clone())],
        "a message's own frames decode to something else"
    );
    assert_eq!(again.finish, Ok(()));
}

/// Decodes a whole request stream, going on after errors (default limits).
pub fn requests(data: &[u8]) -> Outcomes<Request> {
    run_feed::<skywire_codec::RequestAssembler>(Limits::DEFAULT, data, 0)
}

/// Decodes a whole response stream, going on after errors (default limits).
pub fn responses(data: &[u8]) -> Outcomes<Response> {
    run_feed::<skywire_codec::ResponseAssembler>(Limits::DEFAULT, data, 0)
}
