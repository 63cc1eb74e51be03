//! lua-seri (`skynet.pack` / `skynet.unpack`) speed: the first rows of issue 5's table.
//!
//! - `pack/*`: `seri::pack(&args)`, a fresh exact-size buffer per call (what `skynet.pack`
//!   does); `pack_into/*`: into a reused buffer.
//! - `unpack/*`: `seri::unpack(&payload)` of the packed bytes held as a node holds a received
//!   payload (a shared `Bytes`, so every string is a reference-counted slice), dropping the
//!   values inside the timed loop (their cost is part of using them, as a Lua caller pays
//!   for collecting them); `unpack_without_drop/*` leaves the drop out.
//! - `unpack_into/*`: `Unpack::new().values_into(&payload, &mut args)` into one reused vector (the
//!   previous call's values are dropped by the next call, inside the timed loop).
//! - `unpack_ref/*`: `seri::unpack_ref(&payload)`, strings borrowed from the payload (no
//!   reference counts), the values dropped in the loop; `unpack_ref_into/*`: the same into
//!   one reused vector (`Unpack::refs_into`).
//! - `unpack_tape/*`: `seri::unpack_tape(&payload)`, the flat form (one vector of nodes,
//!   strings borrowed); `unpack_tape_into/*`: the same into one reused tape
//!   (`Unpack::tape_into`).
//!
//! Run: `cargo bench --bench seri`.
//!
//! Instruction counts (load-independent): `SERI_REPEAT=BENCH:N` runs one bench's body `N`
//! times and exits instead of measuring, so that under
//! `valgrind --tool=callgrind` the difference between two counts (`N` and 0) divided by `N`
//! is the instructions per call, e.g.
//! `SERI_REPEAT=unpack/cmd_msg:10000 valgrind --tool=callgrind target/release/deps/seri-*`.

mod common;
#[path = "../crates/skywire-seri/benches/support/repeat.rs"]
mod repeat;

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, Throughput};
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

/// A group `group` of one bench per case, run by `bench` with the case's payload (packed,
/// held as a node holds a received one) and its values; the group's throughput is the
/// payload's size. `bench` checks what the payload decodes to before benching it (a filter
/// that skips the bench runs no iteration).
fn per_payload(
    c: &mut Criterion,
    group: &str,
    mut bench: impl FnMut(&mut BenchmarkGroup<'_, WallTime>, &str, &Bytes, &[Value]),
) {
    let mut g = c.benchmark_group(group);
    for (name, args) in cases() {
        let payload = common::as_received(&seri::pack(&args).expect("packable"));
        g.throughput(Throughput::Bytes(payload.len() as u64));
        bench(&mut g, name, &payload, &args);
    }
    g.finish();
}

fn unpack(c: &mut Criterion) {
    per_payload(c, "seri/unpack", |g, name, payload, args| {
        assert_eq!(seri::unpack(payload).expect("unpacks"), args);
        g.bench_function(name, |b| b.iter(|| seri::unpack(black_box(payload))));
    });

    // The decoding alone: the values are dropped outside the timed loop, 64 at a time.
    per_payload(c, "seri/unpack_without_drop", |g, name, payload, _| {
        g.bench_function(name, |b| {
            b.iter_batched(
                || (),
                |()| seri::unpack(black_box(payload)),
                BatchSize::NumIterations(64),
            )
        });
    });
}

/// The API additions for hot paths: a reused argument vector, borrowed strings.
fn unpack_reusing(c: &mut Criterion) {
    per_payload(c, "seri/unpack_into", |g, name, payload, args| {
        let mut out = Vec::new();
        seri::Unpack::new()
            .values_into(payload, &mut out)
            .expect("unpacks");
        assert_eq!(out, args);
        g.bench_function(name, |b| {
            b.iter(|| seri::Unpack::new().values_into(black_box(payload), &mut out))
        });
    });

    per_payload(c, "seri/unpack_ref", |g, name, payload, args| {
        let refs = seri::unpack_ref(payload).expect("unpacks");
        assert!(seri::values_exact_eq(&to_owned(&refs, payload), args));
        g.bench_function(name, |b| {
            b.iter(|| seri::unpack_ref(black_box(&payload[..])))
        });
    });

    per_payload(c, "seri/unpack_ref_into", |g, name, payload, args| {
        let mut out = Vec::new();
        seri::Unpack::new()
            .refs_into(&payload[..], &mut out)
            .expect("unpacks");
        assert!(seri::values_exact_eq(&to_owned(&out, payload), args));
        g.bench_function(name, |b| {
            b.iter(|| seri::Unpack::new().refs_into(black_box(&payload[..]), &mut out))
        });
    });

    per_payload(c, "seri/unpack_tape", |g, name, payload, args| {
        let tape = seri::unpack_tape(payload).expect("unpacks");
        let refs = tape.to_value_refs();
        assert!(seri::values_exact_eq(&to_owned(&refs, payload), args));
        g.bench_function(name, |b| {
            b.iter(|| seri::unpack_tape(black_box(&payload[..])))
        });
    });

    per_payload(c, "seri/unpack_tape_into", |g, name, payload, args| {
        let mut tape = seri::Tape::new();
        seri::Unpack::new()
            .tape_into(&payload[..], &mut tape)
            .expect("unpacks");
        let refs = tape.to_value_refs();
        assert!(seri::values_exact_eq(&to_owned(&refs, payload), args));
        g.bench_function(name, |b| {
            b.iter(|| seri::Unpack::new().tape_into(black_box(&payload[..]), &mut tape))
        });
    });
}

fn to_owned(values: &[seri::ValueRef<'_>], backing: &Bytes) -> Vec<Value> {
    values.iter().map(|v| v.to_owned_value(backing)).collect()
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
    unpack_reusing(c);
}

/// The body of each bench, by name (`group/case` without the `seri/` prefix), for
/// `SERI_REPEAT`.
fn repeat(name: &str, n: u64) {
    let (group, case) = name.split_once('/').expect("SERI_REPEAT=group/case:N");
    let args = cases()
        .into_iter()
        .find(|(c, _)| *c == case)
        .map(|(_, args)| args)
        .expect("a case of cases()");
    let payload = common::as_received(&seri::pack(&args).expect("packable"));
    let mut buf = BytesMut::new();
    let mut values = Vec::new();
    let mut refs = Vec::new();
    let mut tape = seri::Tape::new();
    for _ in 0..n {
        match group {
            "pack" => drop(black_box(seri::pack(black_box(&args)))),
            "pack_into" => {
                buf.clear();
                black_box(seri::pack_into(black_box(&args), &mut buf)).expect("packs");
            }
            "unpack" => drop(black_box(seri::unpack(black_box(&payload)))),
            "unpack_into" => seri::Unpack::new()
                .values_into(black_box(&payload), &mut values)
                .expect("unpacks"),
            "unpack_ref" => drop(black_box(seri::unpack_ref(black_box(&payload[..])))),
            "unpack_ref_into" => seri::Unpack::new()
                .refs_into(black_box(&payload[..]), &mut refs)
                .expect("unpacks"),
            "unpack_tape" => drop(black_box(seri::unpack_tape(black_box(&payload[..])))),
            "unpack_tape_into" => seri::Unpack::new()
                .tape_into(black_box(&payload[..]), &mut tape)
                .expect("unpacks"),
            _ => panic!("no bench group {group}"),
        }
    }
}

fn main() {
    repeat::main(all, repeat);
}
