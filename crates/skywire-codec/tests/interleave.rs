//! Property: any set of messages, fragmented as skynet fragments them, interleaved the way
//! skynet can interleave them, and cut into arbitrary chunks, decodes back to the same
//! messages in the order their last frames arrived.
//!
//! How skynet interleaves (service/clustersender.lua + lualib/skynet/socketchannel.lua,
//! service/clusteragent.lua): a trace tag and the packet after it are written back to back;
//! the parts of a multi-part message are queued at low priority, so any other frame may come
//! between them; the frames of one message keep their order.

use bytes::{BufMut, Bytes, BytesMut};
use proptest::prelude::*;
use skywire_codec::{
    Assemble, Request, RequestAssembler, RequestDecoder, Response, ResponseAssembler,
    ResponseDecoder, Session, SessionAllocator, StreamDecoder, Target, MULTI_PART,
};

/// Payload sizes at and around every fragmentation boundary, plus random ones.
fn payload_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0usize),
        Just(MULTI_PART - 1),
        Just(MULTI_PART),
        Just(MULTI_PART + 1),
        Just(2 * MULTI_PART),
        Just(2 * MULTI_PART + 1),
        0usize..200,
        0usize..(3 * MULTI_PART + 10),
    ]
}

fn payload(len: usize, seed: u8) -> Bytes {
    Bytes::from(
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
            .collect::<Vec<u8>>(),
    )
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        any::<u32>().prop_map(Target::Address),
        Just(Target::QUERY),
        proptest::collection::vec(any::<u8>(), 1..=255).prop_map(|n| Target::Name(Bytes::from(n))),
        Just(Target::Name(Bytes::from_static(b"@echo"))),
    ]
}

#[derive(Clone, Debug)]
struct ReqSpec {
    target: Target,
    push: bool,
    len: usize,
    seed: u8,
    trace: Option<Vec<u8>>,
}

fn req_spec() -> impl Strategy<Value = ReqSpec> {
    (
        target(),
        any::<bool>(),
        payload_len(),
        any::<u8>(),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
    )
        .prop_map(|(target, push, len, seed, trace)| ReqSpec {
            target,
            push,
            len,
            seed,
            trace,
        })
}

/// Frames of one message as units that must stay together and in order.
fn units(frames: Vec<Vec<u8>>, glued_head: usize) -> Vec<Vec<u8>> {
    // The first `glued_head` frames (trace tag + first packet) go out back to back.
    let mut out = Vec::new();
    let mut it = frames.into_iter();
    let mut head = Vec::new();
    for f in it.by_ref().take(glued_head) {
        head.extend_from_slice(&f);
    }
    out.push(head);
    out.extend(it);
    out
}

/// Merges per-message unit lists in the order picked by `picks`, keeping each list's order.
/// Returns the byte stream and, per message, the index of its last unit in merge order.
fn merge(mut lists: Vec<Vec<Vec<u8>>>, picks: &[usize]) -> (Vec<u8>, Vec<usize>) {
    let mut stream = Vec::new();
    let mut finished_at = vec![0; lists.len()];
    let mut pos = vec![0; lists.len()];
    let mut step = 0;
    let mut pick = picks.iter().cycle();
    loop {
        let live: Vec<usize> = (0..lists.len())
            .filter(|&i| pos[i] < lists[i].len())
            .collect();
        if live.is_empty() {
            break;
        }
        let i = live[pick.next().copied().unwrap_or(0) % live.len()];
        stream.extend_from_slice(&std::mem::take(&mut lists[i][pos[i]]));
        pos[i] += 1;
        if pos[i] == lists[i].len() {
            finished_at[i] = step;
        }
        step += 1;
    }
    (stream, finished_at)
}

/// Feeds `stream` to a decode function in chunks of the given sizes (cycled).
fn chunked<M>(stream: &[u8], chunks: &[usize], mut feed: impl FnMut(&[u8]) -> Vec<M>) -> Vec<M> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut sizes = chunks.iter().cycle();
    while at < stream.len() {
        let n = (*sizes.next().unwrap_or(&1)).clamp(1, stream.len() - at);
        out.extend(feed(&stream[at..at + n]));
        at += n;
    }
    out
}

/// Feeds `stream` to a fresh decoder in `chunks`, taking each message as soon as it is
/// whole; the stream must end cleanly.
fn decode_chunked<A: Assemble>(stream: &[u8], chunks: &[usize]) -> Vec<A::Message> {
    let mut dec = StreamDecoder::<A>::default();
    let got = chunked(stream, chunks, |c| {
        dec.feed(c);
        std::iter::from_fn(|| dec.next_message().unwrap()).collect()
    });
    dec.finish().unwrap();
    got
}

/// Like [`decode_chunked`], but as a reader that reads large parts straight into their
/// messages ([`StreamDecoder::read_parts_directly`]): each read of up to a chunk's size goes
/// where the decoder says, the room of a part being read directly or the reader's buffer.
/// Also returns how many bytes went through that room.
fn decode_reading_directly<A: Assemble>(
    stream: &[u8],
    chunks: &[usize],
    min: usize,
) -> (Vec<A::Message>, usize) {
    let mut dec = StreamDecoder::<A>::default();
    dec.read_parts_directly(min);
    let (got, direct, buf) = read_directly(&mut dec, stream, chunks, |m| m.unwrap());
    dec.finish_with(&buf).unwrap();
    (got, direct)
}

/// The reading loop of [`decode_reading_directly`]: `each` gets every result of `decode`
/// (an error ends the read); returns what `each` made, the bytes read directly and the
/// reader's buffer at the end.
fn read_directly<A: Assemble, T>(
    dec: &mut StreamDecoder<A>,
    stream: &[u8],
    chunks: &[usize],
    mut each: impl FnMut(Result<A::Message, skywire_codec::DecodeError>) -> T,
) -> (Vec<T>, usize, BytesMut) {
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let (mut at, mut direct) = (0, 0);
    let mut sizes = chunks.iter().cycle();
    loop {
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(m)) => out.push(each(Ok(m))),
                Ok(None) => break,
                Err(e) => {
                    out.push(each(Err(e)));
                    return (out, direct, buf);
                }
            }
        }
        if at == stream.len() {
            return (out, direct, buf);
        }
        let n = (*sizes.next().unwrap_or(&1)).clamp(1, stream.len() - at);
        match dec.direct_room(7) {
            Some(mut room) => {
                let k = n.min(room.remaining_mut());
                room.put_slice(&stream[at..at + k]);
                dec.direct_filled(&mut buf);
                at += k;
                direct += k;
            }
            None => {
                buf.extend_from_slice(&stream[at..at + n]);
                at += n;
            }
        }
    }
}

fn in_finish_order<T: Clone>(items: &[T], finished_at: &[usize]) -> Vec<T> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| finished_at[i]);
    order.into_iter().map(|i| items[i].clone()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn requests_survive_fragmentation_interleaving_and_chunking(
        specs in proptest::collection::vec(req_spec(), 1..10),
        picks in proptest::collection::vec(any::<usize>(), 1..64),
        chunks in proptest::collection::vec(1usize..9000, 1..16),
        first_session in 1u32..=i32::MAX as u32,
        min in 1usize..40_000,
    ) {
        let mut sessions = SessionAllocator::starting_at(Session::new(first_session));
        let mut sent = Vec::new();
        let mut lists = Vec::new();
        for s in &specs {
            let body = payload(s.len, s.seed);
            let mut req = if s.push {
                let session = sessions.allocate_push(body.len());
                Request::push(s.target.clone(), session, body)
            } else {
                Request::call(s.target.clone(), sessions.allocate(), body)
            };
            req.trace = s.trace.clone().map(Bytes::from);
            let frames: Vec<Vec<u8>> = req.frames().unwrap().map(|f| f.to_vec()).collect();
            lists.push(units(frames, 1 + usize::from(req.trace.is_some())));
            sent.push(req);
        }
        let (stream, finished_at) = merge(lists, &picks);
        let want = in_finish_order(&sent, &finished_at);
        let got = decode_chunked::<RequestAssembler>(&stream, &chunks);
        prop_assert_eq!(&got, &want);
        let (got, _) = decode_reading_directly::<RequestAssembler>(&stream, &chunks, min);
        prop_assert_eq!(got, want);
    }

    #[test]
    fn responses_survive_fragmentation_interleaving_and_chunking(
        specs in proptest::collection::vec((any::<bool>(), payload_len(), any::<u8>()), 1..10),
        picks in proptest::collection::vec(any::<usize>(), 1..64),
        chunks in proptest::collection::vec(1usize..9000, 1..16),
        min in 1usize..40_000,
    ) {
        let mut sent = Vec::new();
        let mut lists = Vec::new();
        for (i, (ok, len, seed)) in specs.iter().enumerate() {
            let session = Session::new(i as u32 + 1);
            let resp = if *ok {
                Response::ok(session, payload(*len, *seed))
            } else {
                Response::error(session, payload(*len, *seed))
            };
            let frames: Vec<Vec<u8>> = resp.frames().unwrap().map(|f| f.to_vec()).collect();
            lists.push(units(frames, 1));
            // what arrives: an error text is cut to MULTI_PART bytes
            let mut expect = resp.clone();
            if !resp.ok {
                expect.payload = resp.payload.slice(..resp.payload.len().min(MULTI_PART));
            }
            sent.push(expect);
        }
        let (stream, finished_at) = merge(lists, &picks);
        let want = in_finish_order(&sent, &finished_at);
        let got = decode_chunked::<ResponseAssembler>(&stream, &chunks);
        prop_assert_eq!(&got, &want);
        let (got, _) = decode_reading_directly::<ResponseAssembler>(&stream, &chunks, min);
        prop_assert_eq!(got, want);
    }

    /// Garbage never panics the decoders, and what they report stays inside the stream.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000), chunk in 1usize..64) {
        let mut req = RequestDecoder::default();
        let mut resp = ResponseDecoder::default();
        for c in bytes.chunks(chunk) {
            req.feed(c);
            resp.feed(c);
            loop {
                match req.next_message() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => prop_assert!(e.offset() < bytes.len() as u64),
                }
            }
            loop {
                match resp.next_message() {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => prop_assert!(e.offset() < bytes.len() as u64),
                }
            }
        }
        let _ = req.finish();
        let _ = resp.finish();
    }

    /// The same with large parts read directly: garbage that looks like parts of an open
    /// message (a header declaring its size first) never panics, and errors stay inside
    /// the stream.
    #[test]
    fn arbitrary_parts_read_directly_never_panic(
        size in 0u32..100_000,
        bytes in proptest::collection::vec(any::<u8>(), 0..3000),
        chunks in proptest::collection::vec(1usize..700, 1..8),
        min in 1usize..200,
    ) {
        let mut stream = Vec::new();
        // A multi-part header (to address 10, session 1) of `size` bytes, then the garbage.
        let mut head = vec![0x01, 10, 0, 0, 0, 1, 0, 0, 0];
        head.extend_from_slice(&size.to_le_bytes());
        stream.extend_from_slice(&(head.len() as u16).to_be_bytes());
        stream.extend_from_slice(&head);
        stream.extend_from_slice(&bytes);
        let len = stream.len() as u64;
        let mut dec = RequestDecoder::default();
        dec.read_parts_directly(min);
        let (results, _, buf) = read_directly(&mut dec, &stream, &chunks, |r| r.map(|_| ()));
        for r in results {
            if let Err(e) = r {
                prop_assert!(e.offset() < len);
            }
        }
        if let Err(e) = dec.finish_with(&buf) {
            prop_assert!(e.offset() <= len);
        }
    }
}

/// A 100,000-byte call read as a node reads it: the first read takes the header and the
/// start of the first part; from there every part's body goes straight into the message
/// (no byte of it through the reader's buffer), and the payload handed out is the memory
/// those reads filled.
#[test]
fn a_large_call_is_read_into_its_payload() {
    let body = payload(100_000, 7);
    let req = Request::call(
        Target::Name(Bytes::from_static(b"@echo")),
        Session::new(5),
        body,
    );
    let stream: Vec<u8> = req.frames().unwrap().flat_map(|f| f.to_vec()).collect();
    // The header frame (2 + 1 + 1 + 5 + 4 + 4 = 17 bytes), then four parts, each behind
    // 2 + 5 header bytes: 32,768 + 32,768 + 32,768 + 1,696 bytes of data.
    assert_eq!(stream.len(), 17 + 4 * 7 + 100_000);
    let first_read = 16 * 1024;
    let mut dec = RequestDecoder::default();
    // The last part's 1,696 bytes too.
    dec.read_parts_directly(1024);
    let mut buf = BytesMut::from(&stream[..first_read]);
    assert!(dec.decode(&mut buf).unwrap().is_none());
    assert!(
        buf.is_empty(),
        "what arrived of the first part was moved into the message"
    );
    let mut at = first_read;
    let mut rooms = Vec::new();
    let got = loop {
        if let Some(r) = dec.decode(&mut buf).unwrap() {
            break r;
        }
        match dec.direct_room(7) {
            // A read of the rest of the part and the next frame's 7-byte head.
            Some(mut room) => {
                let k = room.remaining_mut().min(stream.len() - at);
                let ptr = room.chunk_mut().as_mut_ptr() as usize;
                rooms.push((ptr, room.get_mut().len()));
                room.put_slice(&stream[at..at + k]);
                dec.direct_filled(&mut buf);
                at += k;
            }
            None => panic!("at byte {at}: the decoder wants the reader's buffer"),
        }
    };
    assert_eq!(at, stream.len());
    assert_eq!(got, req);
    // Each read went where the payload's bytes so far end: after the first part's
    // 16,384 - 17 - 7 = 16,360 bytes that came with the first read, then after each part.
    let start = got.payload.as_ptr() as usize;
    let offsets: Vec<usize> = rooms.iter().map(|&(ptr, _)| ptr - start).collect();
    let lens: Vec<usize> = rooms.iter().map(|&(_, len)| len).collect();
    assert_eq!(lens, [16_360, 32_768, 65_536, 98_304]);
    assert_eq!(offsets, lens, "a read went outside the payload");
    dec.finish_with(&buf).unwrap();
}

/// The end of the stream inside a part being read directly is a truncated frame at that
/// part's offset, as it is when the part is read into the reader's buffer.
#[test]
fn the_stream_ending_inside_a_direct_part_names_the_part() {
    let req = Request::call(Target::Address(10), Session::new(9), payload(40_000, 1));
    let stream: Vec<u8> = req.frames().unwrap().flat_map(|f| f.to_vec()).collect();
    // Header frame: 2 + 13 = 15 bytes; the first part's frame: 2 + 5 + 32,768.
    let cut = 15 + 7 + 10_000;
    for min in [None, Some(1000)] {
        let mut dec = RequestDecoder::default();
        if let Some(min) = min {
            dec.read_parts_directly(min);
        }
        let (got, direct, buf) = read_directly(&mut dec, &stream[..cut], &[4000], |m| m.unwrap());
        assert!(got.is_empty());
        assert_eq!(direct > 0, min.is_some(), "min {min:?}");
        let e = dec.finish_with(&buf).unwrap_err();
        assert_eq!(e.offset(), 15, "min {min:?}");
        assert_eq!(
            e.kind(),
            &skywire_codec::DecodeErrorKind::TruncatedFrame {
                needed: 7 + 32_768,
                available: 7 + 10_000
            },
            "min {min:?}"
        );
    }
}

/// One byte at a time, the smallest chunking, over a multi-part call.
#[test]
fn one_byte_at_a_time() {
    let req =
        Request::call(Target::Address(10), Session::new(9), payload(0x10001, 3)).with_trace("tag");
    let stream: Vec<u8> = req.frames().unwrap().flat_map(|f| f.to_vec()).collect();
    let mut dec = RequestDecoder::default();
    let mut got = Vec::new();
    for b in &stream {
        dec.feed(std::slice::from_ref(b));
        while let Some(r) = dec.next_message().unwrap() {
            got.push(r);
        }
    }
    dec.finish().unwrap();
    assert_eq!(got, vec![req]);
}
