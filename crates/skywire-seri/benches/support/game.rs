//! Issue 5's game message `("cmd", msg)` as Rust types, the one definition the serde benches
//! share (`from_slice`, `serde_codecs`).
//!
//! The fields are in the order `benches/common/mod.rs` (the root package's benches, which own
//! the cases) packs `msg`'s keys, so `pack(&to_values(&("cmd", msg()))` gives those
//! bytes: 200 of them, as the issue says skynet gives.

#![allow(dead_code)] // each bench uses its own subset

use bytes::{Bytes, BytesMut};
use serde::{Deserialize, Serialize};

/// `msg.pos`.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct Pos {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

/// One of `msg.buffs`.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct Buff {
    pub id: i64,
    pub t: i64,
}

/// Issue 5's `msg`; strings borrowed from the payload when read.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub struct Msg<'a> {
    pub id: i64,
    pub name: &'a str,
    pub pos: Pos,
    pub items: Vec<i64>,
    pub flags: bool,
    pub guild: &'a str,
    pub hp: i64,
    pub mp: i64,
    pub buffs: Vec<Buff>,
}

/// The arguments `("cmd", msg)`.
pub type CmdMsg<'a> = (&'a str, Msg<'a>);

/// The values of `msg`.
pub fn msg() -> Msg<'static> {
    Msg {
        id: 123_456,
        name: "player_one",
        pos: Pos {
            x: 1.5,
            y: -2.25,
            z: 100.0,
        },
        items: (1..=20).map(|i| i * 1000 + 7).collect(),
        flags: true,
        guild: "dragons",
        hp: 9876,
        mp: 321,
        buffs: vec![Buff { id: 1, t: 30 }, Buff { id: 2, t: 60 }],
    }
}

/// `("cmd", msg())`.
pub fn cmd_msg() -> CmdMsg<'static> {
    ("cmd", msg())
}

/// `bytes` as a node holds a received payload: a slice of a larger shared buffer.
pub fn as_received(bytes: &[u8]) -> Bytes {
    let mut buf = BytesMut::with_capacity(bytes.len() + 64);
    buf.extend_from_slice(bytes);
    buf.extend_from_slice(&[0; 64]);
    buf.split_to(bytes.len()).freeze()
}
