//! Typed decoding speed: issue 5's `("cmd", msg)` and `("ping", 1)` read into Rust types,
//! straight from the bytes (`from_slice`) and the way through the value tree
//! (`from_values(&unpack(..))`, what a typed service did before `from_slice`).
//!
//! The types are `support/game.rs`'s (the bytes of `benches/seri.rs`, checked to pack to the
//! issue's 200 and 7 bytes). Strings are borrowed from the payload where the type allows.
//!
//! Run: `cargo bench -p skywire-seri --bench from_slice`. Instruction counts:
//! `SERI_REPEAT=from_slice/cmd_msg:N` runs one bench's body `N` times and exits (see
//! `benches/seri.rs`).

#[path = "support/game.rs"]
mod game;
#[path = "support/repeat.rs"]
mod repeat;

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput};
use game::{as_received, msg, CmdMsg};
use skywire_seri::{from_slice, from_values, pack, to_values, unpack};

fn payloads() -> (Bytes, Bytes) {
    let cmd_msg =
        as_received(&pack(&to_values(&("cmd", msg())).expect("serializes")).expect("packs"));
    let ping = as_received(&pack(&to_values(&("ping", 1)).expect("serializes")).expect("packs"));
    // The sizes for skynet's bytes.
    assert_eq!((cmd_msg.len(), ping.len()), (200, 7));
    (cmd_msg, ping)
}

fn from_slice_msg(p: &[u8]) -> CmdMsg<'_> {
    from_slice(p).expect("reads")
}

fn via_values_msg(p: &Bytes) -> bool {
    let values = unpack(p).expect("unpacks");
    let (cmd, m): CmdMsg<'_> = from_values(&values).expect("reads");
    cmd == "cmd" && m.hp == 9876
}

fn benches(c: &mut Criterion) {
    let (cmd_msg, ping) = payloads();
    assert_eq!(from_slice_msg(&cmd_msg), ("cmd", msg()));
    assert!(via_values_msg(&cmd_msg));

    group(
        c,
        "from_slice",
        &cmd_msg,
        &ping,
        |p| from_slice_msg(p),
        |p| from_slice::<(&str, i64)>(p).expect("reads"),
    );
    group(
        c,
        "from_values_of_unpack",
        &cmd_msg,
        &ping,
        via_values_msg,
        |p| {
            let values = unpack(p).expect("unpacks");
            from_values::<(&str, i64)>(&values).expect("reads").1
        },
    );
}

/// The group `seri/NAME`: `cmd_msg` read by `msg`, `ping_1` read by `ping`.
fn group<'a, R1, R2>(
    c: &mut Criterion,
    name: &str,
    cmd_msg: &'a Bytes,
    ping: &'a Bytes,
    msg: impl Fn(&'a Bytes) -> R1,
    ping_read: impl Fn(&'a Bytes) -> R2,
) {
    let mut g = c.benchmark_group(format!("seri/{name}"));
    g.throughput(Throughput::Bytes(200));
    g.bench_function("cmd_msg", |b| b.iter(|| msg(black_box(cmd_msg))));
    g.throughput(Throughput::Bytes(7));
    g.bench_function("ping_1", |b| b.iter(|| ping_read(black_box(ping))));
    g.finish();
}

/// `SERI_REPEAT=group/case:N`: the bench's body `N` times, for callgrind.
fn repeat(name: &str, n: u64) {
    let (cmd_msg, ping) = payloads();
    for _ in 0..n {
        match name {
            "from_slice/cmd_msg" => drop(black_box(from_slice_msg(black_box(&cmd_msg)))),
            "from_slice/ping_1" => drop(black_box(from_slice::<(&str, i64)>(black_box(&ping)))),
            "from_values_of_unpack/cmd_msg" => drop(black_box(via_values_msg(black_box(&cmd_msg)))),
            "from_values_of_unpack/ping_1" => {
                let values = unpack(black_box(&ping)).expect("unpacks");
                drop(black_box(from_values::<(&str, i64)>(&values)));
            }
            _ => panic!("no bench {name}"),
        }
    }
}

fn main() {
    repeat::main(benches, repeat);
}
