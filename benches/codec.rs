//! Codec speed: frames of a small request, streaming decode and reassembly of 1 MiB
//! messages beside a plain memcpy of the same bytes, and our framing beside
//! `tokio_util::codec::LengthDelimitedCodec` set up for the same 2-byte big-endian header.
//!
//! Run: `cargo bench --bench codec`.

mod common;

use std::hint::black_box;

use bytes::{BufMut, Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use skywire::codec::{
    Assemble, ClientCodec, FrameDecoder, Request, RequestAssembler, RequestDecoder, Response,
    ResponseAssembler, Session, StreamDecoder, Target,
};
use skywire::seri;
use tokio_util::codec::{Decoder, Encoder, LengthDelimitedCodec};

/// How a socket read hands bytes over: 64 KiB at a time.
const READ_CHUNK: usize = 64 * 1024;

/// `cluster.call(node, "@echo", "ping", 1)`.
fn small_request(session: u32) -> Request {
    let payload = seri::pack(&common::ping()).expect("packable");
    Request::call(
        Target::name("@echo").expect("valid name"),
        Session::new(session),
        payload,
    )
}

/// The bytes of all frames of `messages`, back to back.
fn wire<I: IntoIterator<Item = skywire::codec::OutFrame>>(frames: I, out: &mut BytesMut) {
    for f in frames {
        f.write_to(out);
    }
}

/// `tokio_util`'s length-delimited codec with our header: a 2-byte big-endian length that
/// counts the body only.
fn length_delimited() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .length_field_length(2)
        .big_endian()
        .max_frame_length(usize::from(u16::MAX))
        .new_codec()
}

fn small_request_frames(c: &mut Criterion) {
    let mut g = c.benchmark_group("codec/small_request");
    let req = small_request(1);
    let mut one = BytesMut::new();
    wire(req.frames().expect("encodable"), &mut one);
    assert_eq!(one.len(), 2 + 1 + 1 + 5 + 4 + 7);
    g.throughput(Throughput::Elements(1));

    // Encode: the request written into a reused output buffer (what a tokio-util encoder
    // does), and as zero-copy `OutFrame`s (what a vectored writer takes).
    let mut out = BytesMut::with_capacity(64);
    g.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            black_box(&req).write_frames(&mut out).expect("encodable");
        })
    });
    g.bench_function("encode_out_frames", |b| {
        b.iter(|| {
            out.clear();
            for f in black_box(&req).frames().expect("encodable") {
                f.write_to(&mut out);
            }
        })
    });

    // Decode: 1024 such frames read in one go; the time shown is per message.
    const N: usize = 1024;
    let mut stream = BytesMut::new();
    for i in 0..N {
        wire(
            small_request(i as u32 + 1).frames().expect("encodable"),
            &mut stream,
        );
    }
    let stream = stream.freeze();
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("decode_x1024", |b| {
        let mut dec = RequestDecoder::default();
        drain_batched(b, &stream, N, BatchSize::SmallInput, |src| {
            dec.decode(src).expect("decodes")
        })
    });
    g.finish();
}

/// Streaming decode of 1 MiB messages (each 32 parts of 0x8000 bytes after a header).
fn reassembly(c: &mut Criterion) {
    const MSG: usize = 1 << 20;
    const N: usize = 4;
    let payload = Bytes::from((0..MSG).map(|i| (i * 7) as u8).collect::<Vec<u8>>());
    let mut requests = BytesMut::new();
    let mut responses = BytesMut::new();
    for s in 1..=N as u32 {
        let req = Request::call(Target::Address(10), Session::new(s), payload.clone());
        wire(req.frames().expect("encodable"), &mut requests);
        let resp = Response::ok(Session::new(s), payload.clone());
        wire(resp.frames().expect("encodable"), &mut responses);
    }
    let requests = requests.freeze();
    let responses = responses.freeze();

    let mut g = c.benchmark_group("codec/reassembly_1MiB");
    g.throughput(Throughput::Bytes(requests.len() as u64));

    // The baseline: copying the same bytes once.
    let mut sink = vec![0u8; requests.len()];
    g.bench_function("memcpy", |b| {
        b.iter(|| sink.copy_from_slice(black_box(&requests)))
    });

    // What a reader does after its socket read filled the buffer: split frames, parse
    // packets, join each message's parts into one contiguous payload.
    // Each of the `N` messages must come out whole, of `MSG` bytes.
    fn decode<A: Assemble>(
        b: &mut criterion::Bencher<'_>,
        stream: &[u8],
        payload_len: impl Fn(&A::Message) -> usize,
    ) {
        let mut dec = StreamDecoder::<A>::default();
        drain_batched(b, stream, N, BatchSize::LargeInput, |src| {
            let m = dec.decode(src).expect("decodes")?;
            assert_eq!(payload_len(&m), MSG);
            Some(m)
        })
    }
    g.bench_function("requests/decode", |b| {
        decode::<RequestAssembler>(b, &requests, |r| r.payload.len())
    });
    g.bench_function("responses/decode", |b| {
        decode::<ResponseAssembler>(b, &responses, |r| r.payload.len())
    });

    // The same, with the reads simulated: bytes copied into the decoder's buffer 64 KiB
    // at a time (a socket read copies them too), the decoder polled after each.
    g.bench_function("requests/read_and_decode", |b| {
        let mut dec = RequestDecoder::default();
        let mut buf = BytesMut::with_capacity(2 * READ_CHUNK);
        b.iter(|| {
            let mut n = 0;
            for chunk in requests.chunks(READ_CHUNK) {
                buf.extend_from_slice(chunk);
                while let Some(r) = dec.decode(&mut buf).expect("decodes") {
                    black_box(&r);
                    n += 1;
                }
            }
            assert_eq!(n, N);
        })
    });

    // The same reads, with the decoder reading parts directly (as the node does): a read
    // that gets to a part's body goes straight into its message (up to the part's end and
    // the next frame's 7-byte head), so the bytes are copied once, by the read.
    g.bench_function("requests/read_directly_and_decode", |b| {
        let mut dec = RequestDecoder::default();
        dec.read_parts_directly(1024);
        let mut buf = BytesMut::with_capacity(2 * READ_CHUNK);
        b.iter(|| {
            let (mut n, mut at) = (0, 0);
            while at < requests.len() {
                let left = (requests.len() - at).min(READ_CHUNK);
                match dec.direct_room(7) {
                    Some(mut room) => {
                        let k = left.min(room.remaining_mut());
                        room.put_slice(&requests[at..at + k]);
                        dec.direct_filled(&mut buf);
                        at += k;
                    }
                    None => {
                        buf.extend_from_slice(&requests[at..at + left]);
                        at += left;
                    }
                }
                while let Some(r) = dec.decode(&mut buf).expect("decodes") {
                    black_box(&r);
                    n += 1;
                }
            }
            assert_eq!(n, N);
        })
    });
    g.finish();
}

/// Times taking everything out of a fresh caller-owned copy of `stream` per batch with
/// `next` (as a reader does after its socket read filled the buffer), and checks there were
/// `count` items.
fn drain_batched<T>(
    b: &mut criterion::Bencher<'_>,
    stream: &[u8],
    count: usize,
    size: BatchSize,
    mut next: impl FnMut(&mut BytesMut) -> Option<T>,
) {
    b.iter_batched_ref(
        || BytesMut::from(stream),
        |src| {
            let mut n = 0;
            while let Some(item) = next(src) {
                black_box(item);
                n += 1;
            }
            assert_eq!(n, count);
        },
        size,
    )
}

/// Times encoding every one of `items` into the emptied `out`, and checks that the bytes
/// written add up to `len`.
fn encode_all<T>(
    b: &mut criterion::Bencher<'_>,
    out: &mut BytesMut,
    items: &[T],
    len: usize,
    mut encode: impl FnMut(&T, &mut BytesMut),
) {
    b.iter(|| {
        out.clear();
        for item in items {
            encode(item, out);
        }
        assert_eq!(out.len(), len);
    })
}

/// Pure framing, ours beside `LengthDelimitedCodec`, on the same bytes.
fn framing(c: &mut Criterion) {
    for (name, body_len, count) in [
        ("small_frames", 16usize, 4096usize),
        ("32KiB_frames", 0x8000, 64),
    ] {
        let bodies: Vec<Bytes> = (0..count)
            .map(|i| Bytes::from(vec![i as u8; body_len]))
            .collect();
        let mut stream = BytesMut::new();
        for b in &bodies {
            stream.extend_from_slice(&(b.len() as u16).to_be_bytes());
            stream.extend_from_slice(b);
        }
        let stream = stream.freeze();

        let mut g = c.benchmark_group(format!("framing/{name}"));
        g.throughput(Throughput::Bytes(stream.len() as u64));
        g.bench_function("decode/skywire", |b| {
            let mut frames = FrameDecoder::new();
            drain_batched(b, &stream, count, BatchSize::LargeInput, |src| {
                frames.decode(src)
            })
        });
        g.bench_function("decode/length_delimited", |b| {
            let mut codec = length_delimited();
            drain_batched(b, &stream, count, BatchSize::LargeInput, |src| {
                codec.decode(src).expect("decodes")
            })
        });

        // Encoding the same requests (to address 10, session 1): ours builds each packet's
        // frames from the request; with the length-delimited codec the caller first writes
        // the packet body (type, address, session, payload) itself, then frames it.
        let payloads: Vec<Bytes> = bodies.iter().map(|b| b.slice(9..)).collect();
        let mut out = BytesMut::with_capacity(stream.len());
        // Through our tokio-util encoder, as `Framed` would use it.
        let mut client = ClientCodec::default();
        let request = |p: &Bytes| Request::call(Target::Address(10), Session::new(1), p.clone());
        g.bench_function("encode/skywire", |b| {
            encode_all(b, &mut out, &payloads, stream.len(), |p, out| {
                client.encode(request(p), out).expect("encodes")
            })
        });
        // The zero-copy path a writer with vectored writes takes: `OutFrame`s (here copied
        // out at the end, to give the same bytes).
        g.bench_function("encode/skywire_out_frames", |b| {
            encode_all(b, &mut out, &payloads, stream.len(), |p, out| {
                wire(request(p).frames().expect("encodable"), out)
            })
        });
        let mut codec = length_delimited();
        let mut body = BytesMut::with_capacity(body_len);
        g.bench_function("encode/length_delimited", |b| {
            encode_all(b, &mut out, &payloads, stream.len(), |p, out| {
                body.clear();
                body.extend_from_slice(&[0x00]); // request to a numeric address
                body.extend_from_slice(&10u32.to_le_bytes());
                body.extend_from_slice(&1u32.to_le_bytes());
                body.extend_from_slice(p);
                codec.encode(body.split().freeze(), out).expect("encodes");
            })
        });
        g.finish();
    }
}

criterion_group!(benches, small_request_frames, reassembly, framing);
criterion_main!(benches);
