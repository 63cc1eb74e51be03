//! Inputs shared by the benches: the values of issue 5's table, built exactly as defined there.

#![allow(dead_code)] // each bench uses its own subset

use bytes::{Bytes, BytesMut};
use skywire::seri::{Table, Value};

/// The issue's `msg` table:
///
/// ```lua
/// { id = 123456, name = "player_one", pos = { x = 1.5, y = -2.25, z = 100.0 },
///   items = { 1007, 2007, ..., 20007 }, flags = true, guild = "dragons",
///   hp = 9876, mp = 321, buffs = { { id = 1, t = 30 }, { id = 2, t = 60 } } }
/// ```
///
/// Every key of `msg` is in the hash part. Lua's `next` order is not knowable from
/// outside the VM; the constructor order is used, and any order packs to the same size and
/// costs the same.
pub fn msg() -> Value {
    let mut pos = Table::new();
    pos.push_pair("x", 1.5);
    pos.push_pair("y", -2.25);
    pos.push_pair("z", 100.0);
    let items: Table = (1..=20).map(|i| Value::from(i * 1000 + 7)).collect();
    let buff = |id: i64, t: i64| {
        let mut b = Table::new();
        b.push_pair("id", id);
        b.push_pair("t", t);
        Value::Table(b)
    };
    let mut msg = Table::new();
    msg.push_pair("id", 123_456);
    msg.push_pair("name", "player_one");
    msg.push_pair("pos", pos);
    msg.push_pair("items", items);
    msg.push_pair("flags", true);
    msg.push_pair("guild", "dragons");
    msg.push_pair("hp", 9876);
    msg.push_pair("mp", 321);
    msg.push_pair("buffs", Table::from_array(vec![buff(1, 30), buff(2, 60)]));
    Value::Table(msg)
}

/// The arguments of `skynet.pack("cmd", msg)`.
pub fn cmd_msg() -> Vec<Value> {
    vec![Value::from("cmd"), msg()]
}

/// The arguments of `skynet.pack("ping", 1)`.
pub fn ping() -> Vec<Value> {
    vec![Value::from("ping"), Value::from(1)]
}

/// One 64 KiB string argument.
pub fn string_64k() -> Vec<Value> {
    vec![Value::String(Bytes::from(vec![b'x'; 64 * 1024]))]
}

/// `bytes` as a node holds a received payload: a slice split off the connection's read
/// buffer (a shared, reference-counted `Bytes`, as `FrameDecoder` produces), not a
/// `&'static` slice whose clones would cost nothing.
pub fn as_received(bytes: &[u8]) -> Bytes {
    let mut buf = BytesMut::with_capacity(bytes.len() + 64);
    buf.extend_from_slice(bytes);
    buf.extend_from_slice(&[0; 64]); // more stream after it, as in a read buffer
    let payload = buf.split_to(bytes.len()).freeze();
    drop(buf);
    payload
}
