//! Codec speed: frames of a small request, streaming decode and reassembly of 1 MiB
//! messages beside a plain memcpy of the same bytes, and our framing beside
//! `tokio_util::codec::LengthDelimitedCodec` set up for the same 2-byte big-endian header.
//!
//! Run: `cargo bench --bench codec`.

mod common;

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use skywire::codec::{
    Assemble, ClientCodec, FrameDecoder, Request, RequestDecoder, Response, ResponseDecoder,
    Session, StreamDecoder, Target,
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
        b.iter_batched_ref(
            || BytesMut::from(&stream[..]),
            |src| {
                let mut n = 0;
                while let Some(r) = dec.decode(src).expect("decodes") {
                    black_box(r);
                    n += 1;
                }
                assert_eq!(n, N);
            },
            BatchSize::SmallInput,
        )
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
    g.bench_function("requests/decode", |b| {
        decode_batched(
            b,
            RequestDecoder::default(),
            &requests,
            |r| r.payload.len(),
            (N, MSG),
        )
    });
    g.bench_function("responses/decode", |b| {
        decode_batched(
            b,
            ResponseDecoder::default(),
            &responses,
            |r| r.payload.len(),
            (N, MSG),
        )
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
    g.finish();
}

/// Decodes `stream` (`count` messages of `size` bytes) from a fresh caller-owned buffer per
/// batch, as a reader does after its socket read filled the buffer.
fn decode_batched<A: Assemble>(
    b: &mut criterion::Bencher<'_>,
    mut dec: StreamDecoder<A>,
    stream: &[u8],
    payload_len: fn(&A::Message) -> usize,
    (count, size): (usize, usize),
) {
    b.iter_batched_ref(
        || BytesMut::from(stream),
        |src| {
            let mut n = 0;
            while let Some(m) = dec.decode(src).expect("decodes") {
                assert_eq!(payload_len(&m), size);
                n += 1;
            }
            assert_eq!(n, count);
        },
        BatchSize::LargeInput,
    )
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
            b.iter_batched_ref(
                || BytesMut::from(&stream[..]),
                |src| {
                    let mut n = 0;
                    while let Some(f) = frames.decode(src) {
                        black_box(f);
                        n += 1;
                    }
                    assert_eq!(n, count);
                },
                BatchSize::LargeInput,
            )
        });
        g.bench_function("decode/length_delimited", |b| {
            let mut codec = length_delimited();
            b.iter_batched_ref(
                || BytesMut::from(&stream[..]),
                |src| {
                    let mut n = 0;
                    while let Some(f) = codec.decode(src).expect("decodes") {
                        black_box(f);
                        n += 1;
                    }
                    assert_eq!(n, count);
                },
                BatchSize::LargeInput,
            )
        });

        // Encoding the same requests (to address 10, session 1): ours builds each packet's
        // frames from the request; with the length-delimited codec the caller first writes
        // the packet body (type, address, session, payload) itself, then frames it.
        let payloads: Vec<Bytes> = bodies.iter().map(|b| b.slice(9..)).collect();
        let mut out = BytesMut::with_capacity(stream.len());
        // Through our tokio-util encoder, as `Framed` would use it.
        let mut client = ClientCodec::default();
        g.bench_function("encode/skywire", |b| {
            b.iter(|| {
                out.clear();
                for p in &payloads {
                    let req = Request::call(Target::Address(10), Session::new(1), p.clone());
                    client.encode(req, &mut out).expect("encodes");
                }
                assert_eq!(out.len(), stream.len());
            })
        });
        // The zero-copy path a writer with vectored writes takes: `OutFrame`s (here copied
        // out at the end, to give the same bytes).
        g.bench_function("encode/skywire_out_frames", |b| {
            b.iter(|| {
                out.clear();
                for p in &payloads {
                    let req = Request::call(Target::Address(10), Session::new(1), p.clone());
                    wire(req.frames().expect("encodable"), &mut out);
                }
                assert_eq!(out.len(), stream.len());
            })
        });
        let mut codec = length_delimited();
        let mut body = BytesMut::with_capacity(body_len);
        g.bench_function("encode/length_delimited", |b| {
            b.iter(|| {
                out.clear();
                for p in &payloads {
                    body.clear();
                    body.extend_from_slice(&[0x00]); // request to a numeric address
                    body.extend_from_slice(&10u32.to_le_bytes());
                    body.extend_from_slice(&1u32.to_le_bytes());
                    body.extend_from_slice(p);
                    codec
                        .encode(body.split().freeze(), &mut out)
                        .expect("encodes");
                }
                assert_eq!(out.len(), stream.len());
            })
        });
        g.finish();
    }
}

criterion_group!(benches, small_request_frames, reassembly, framing);
criterion_main!(benches);
