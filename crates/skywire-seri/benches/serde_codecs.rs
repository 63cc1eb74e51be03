//! serde to and from lua-seri beside serde to and from MessagePack (`rmp-serde`, the codec
//! a Rust user would otherwise reach for), on the same Rust value in the same run: issue 5's
//! game message `("cmd", msg)` of `support/game.rs`.
//!
//! Group `seri/vs_rmp`, one row per direction and codec:
//! - `lua_seri_encode`: `to_payload(&m)`, straight to the 200 bytes
//!   `skynet.pack("cmd", msg)` gives;
//! - `lua_seri_encode_via_values`: `pack(&to_values(&m))`, the same bytes through a `Value`
//!   tree (what `to_payload` replaces);
//! - `lua_seri_decode`: `from_slice::<CmdMsg>` of those bytes held as a node holds a
//!   received payload, strings borrowed;
//! - `rmp_encode`: `rmp_serde::to_vec_named(&m)`: structs as maps keyed by field name, the
//!   form that carries what lua-seri's string-keyed tables carry (`to_vec` writes structs
//!   as arrays, without their names, which a Lua peer could not read as a table of fields);
//! - `rmp_decode`: `rmp_serde::from_slice::<CmdMsg>` of those bytes, strings borrowed;
//! - `to_values`: `to_values(&m)` alone, the tree `lua_seri_encode_via_values` packs.
//!
//! Run: `cargo bench -p skywire-seri --bench serde_codecs`. Instruction counts:
//! `bench/instructions.sh BINARY vs_rmp/lua_seri_encode ...` (`SERI_REPEAT`, see
//! `support/repeat.rs`).

#[path = "support/game.rs"]
mod game;
#[path = "support/repeat.rs"]
mod repeat;

use std::hint::black_box;

use bytes::Bytes;
use criterion::{Criterion, Throughput};
use game::{as_received, cmd_msg, CmdMsg};
use skywire_seri::{from_slice, pack, to_payload, to_values};

fn lua_seri_encode(m: &CmdMsg<'_>) -> Bytes {
    to_payload(m).expect("serializes")
}

fn lua_seri_encode_via_values(m: &CmdMsg<'_>) -> Bytes {
    pack(&to_values(m).expect("serializes")).expect("packs")
}

fn lua_seri_decode(p: &[u8]) -> CmdMsg<'_> {
    from_slice(p).expect("reads")
}

fn rmp_encode(m: &CmdMsg<'_>) -> Vec<u8> {
    rmp_serde::to_vec_named(m).expect("serializes")
}

fn rmp_decode(p: &[u8]) -> CmdMsg<'_> {
    rmp_serde::from_slice(p).expect("reads")
}

/// The message, its lua-seri payload (as received) and its MessagePack bytes, each checked
/// to read back to the message.
fn inputs() -> (CmdMsg<'static>, Bytes, Vec<u8>) {
    let m = cmd_msg();
    let seri = as_received(&lua_seri_encode(&m));
    assert_eq!(seri, lua_seri_encode_via_values(&m));
    assert_eq!(seri.len(), 200, "the issue's size for skynet's bytes");
    assert_eq!(lua_seri_decode(&seri), m);
    let rmp = rmp_encode(&m);
    assert_eq!(rmp_decode(&rmp), m);
    (m, seri, rmp)
}

fn benches(c: &mut Criterion) {
    let (m, seri, rmp) = inputs();
    let mut g = c.benchmark_group("seri/vs_rmp");
    g.throughput(Throughput::Elements(1));
    g.bench_function("lua_seri_encode", |b| {
        b.iter(|| lua_seri_encode(black_box(&m)))
    });
    g.bench_function("lua_seri_encode_via_values", |b| {
        b.iter(|| lua_seri_encode_via_values(black_box(&m)))
    });
    g.bench_function("rmp_encode", |b| b.iter(|| rmp_encode(black_box(&m))));
    g.bench_function("lua_seri_decode", |b| {
        b.iter(|| lua_seri_decode(black_box(&seri)))
    });
    g.bench_function("rmp_decode", |b| b.iter(|| rmp_decode(black_box(&rmp))));
    g.bench_function("to_values", |b| b.iter(|| to_values(black_box(&m))));
    g.finish();
}

/// `SERI_REPEAT=vs_rmp/ROW:N`: the row's body `N` times, for callgrind.
fn repeat(name: &str, n: u64) {
    let (m, seri, rmp) = inputs();
    for _ in 0..n {
        match name {
            "vs_rmp/lua_seri_encode" => drop(black_box(lua_seri_encode(black_box(&m)))),
            "vs_rmp/lua_seri_encode_via_values" => {
                drop(black_box(lua_seri_encode_via_values(black_box(&m))))
            }
            "vs_rmp/rmp_encode" => drop(black_box(rmp_encode(black_box(&m)))),
            "vs_rmp/lua_seri_decode" => drop(black_box(lua_seri_decode(black_box(&seri)))),
            "vs_rmp/rmp_decode" => drop(black_box(rmp_decode(black_box(&rmp)))),
            "vs_rmp/to_values" => drop(black_box(to_values(black_box(&m)))),
            _ => panic!("no bench {name}"),
        }
    }
}

fn main() {
    repeat::main(benches, repeat);
}
