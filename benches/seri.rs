//! lua-seri (`skynet.pack` / `skynet.unpack`) speed: the first rows of issue 5's table.
//!
//! - `pack/*`: `seri::pack(&args)`, a fresh exact-size buffer per call (what `skynet.pack`
//!   does); `pack_into/*`: into a reused buffer.
//! - `unpack/*`: `seri::unpack(&payload)` of the packed bytes held as a node holds a received
//!   payload (a shared `Bytes`, so every string is a reference-counted slice), dropping the
//!   values inside the timed loop (their cost is part of using them, as a Lua caller pays
//!   for collecting them); `unpack_without_drop/*` leaves the drop out.
//!
//! Run: `cargo bench --bench seri`.

mod common;

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use skywire::seri::{self, Value};

fn cases() -> Vec<(&'static str, Vec<Value>)> {
    vec![
        ("cmd_msg", common::cmd_msg()),
        ("ping_1", common::ping()),
        ("string_64k", common::string_64k()),
    ]
}

fn pack(c: &mut Criterion) {
    let mut g = c.benchmark_group("seri/pack");
    for (name, args) in cases() {
        let len = seri::packed_len(&args).expect("packable");
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function(name, |b| b.iter(|| seri::pack(black_box(&args))));
    }
    g.finish();

    let mut g = c.benchmark_group("seri/pack_into");
    for (name, args) in cases() {
        let len = seri::packed_len(&args).expect("packable");
        g.throughput(Throughput::Bytes(len as u64));
        let mut buf = BytesMut::with_capacity(len);
        g.bench_function(name, |b| {
            b.iter(|| {
                buf.clear();
                seri::pack_into(black_box(&args), &mut buf)
            })
        });
    }
    g.finish();
}

fn unpack(c: &mut Criterion) {
    let mut g = c.benchmark_group("seri/unpack");
    for (name, args) in cases() {
        let packed = seri::pack(&args).expect("packable");
        let payload = common::as_received(&packed);
        assert_eq!(seri::unpack(&payload).expect("unpacks"), args);
        g.throughput(Throughput::Bytes(payload.len() as u64));
        g.bench_function(name, |b| b.iter(|| seri::unpack(black_box(&payload))));
    }
    g.finish();

    // The decoding alone: the values are dropped outside the timed loop, 64 at a time.
    let mut g = c.benchmark_group("seri/unpack_without_drop");
    for (name, args) in cases() {
        let payload = common::as_received(&seri::pack(&args).expect("packable"));
        g.throughput(Throughput::Bytes(payload.len() as u64));
        g.bench_function(name, |b| {
            b.iter_batched(
                || (),
                |()| seri::unpack(black_box(&payload)),
                BatchSize::NumIterations(64),
            )
        });
    }
    g.finish();
}

fn sizes_are_the_issues() {
    // The issue gives these sizes for skynet's bytes: 200 and 7.
    assert_eq!(seri::packed_len(&common::cmd_msg()), Ok(200));
    assert_eq!(seri::packed_len(&common::ping()), Ok(7));
}

fn all(c: &mut Criterion) {
    sizes_are_the_issues();
    pack(c);
    unpack(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
