//! The arguments of every call, `("ping", i, payload)`, and the check of its reply.

use bytes::{Bytes, BytesMut};
use skywire_codec::Response;
use skywire_seri::{self as seri, Value};

/// The first argument of every call.
const PING: &[u8] = b"ping";
/// Size of the blocks small calls are packed into, one after the other.
const BLOCK: usize = 64 * 1024;
/// Payload strings this long get an allocation of their own per call.
const OWN_ALLOCATION: usize = BLOCK / 4;
/// Room for the arguments beside the payload string: `"ping"`, `i` and the string's header.
const ARGS_ROOM: usize = 32;

/// The payload string sent with every call, and how calls are packed and replies checked.
#[derive(Debug)]
pub struct Payload {
    bytes: Bytes,
}

/// Why a reply is not the echo of its call.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Mismatch {
    /// The node answered with an error.
    #[error("error reply: {0}")]
    ErrorReply(String),
    /// The reply does not unpack.
    #[error("reply does not unpack: {0}")]
    Undecodable(String),
    /// The reply unpacks to something other than `("ping", i, payload)`.
    #[error("reply is not the echo of call {i}: {got}")]
    NotEcho {
        /// The call's number.
        i: i64,
        /// What came back, shortened.
        got: String,
    },
}

impl Payload {
    /// A payload string of `size` bytes (a repeating pattern, so that a reply cut or
    /// shifted anywhere does not compare equal).
    pub fn new(size: usize) -> Payload {
        let bytes: Vec<u8> = (0..size).map(|k| (k % 251) as u8).collect();
        Payload {
            bytes: Bytes::from(bytes),
        }
    }

    fn args(&self, i: i64) -> [Value; 3] {
        [
            Value::String(Bytes::from_static(PING)),
            Value::Integer(i),
            Value::String(self.bytes.clone()),
        ]
    }

    /// `skynet.pack("ping", i, payload)`.
    pub fn pack(&self, i: i64) -> Bytes {
        // Three plain values always pack (no tables, strings far below 4 GiB).
        seri::pack(&self.args(i)).unwrap_or_default()
    }

    /// [`pack`](Self::pack), cut from `block`: small calls are packed one after the other
    /// into a shared block (as the node packs its replies), so that a call costs no
    /// allocation of its own; a large payload gets its own buffer.
    pub fn pack_in(&self, i: i64, block: &mut BytesMut) -> Bytes {
        if self.bytes.len() >= OWN_ALLOCATION {
            return self.pack(i);
        }
        if block.capacity() - block.len() < self.bytes.len() + ARGS_ROOM {
            *block = BytesMut::with_capacity(BLOCK);
        }
        match seri::pack_into(&self.args(i), block) {
            Ok(()) => block.split().freeze(),
            // Three plain values always pack (see `pack`).
            Err(_) => {
                block.clear();
                Bytes::new()
            }
        }
    }

    /// Checks that `reply` is the echo of call `i`: an ok reply that unpacks to exactly
    /// `("ping", i, payload)`.
    pub fn check(&self, i: i64, reply: &Response) -> Result<(), Mismatch> {
        if !reply.ok {
            return Err(Mismatch::ErrorReply(
                String::from_utf8_lossy(&reply.payload).into_owned(),
            ));
        }
        let values =
            seri::unpack(&reply.payload).map_err(|e| Mismatch::Undecodable(e.to_string()))?;
        let echo = match values.as_slice() {
            [Value::String(ping), Value::Integer(n), Value::String(p)] => {
                ping.as_ref() == PING && *n == i && *p == self.bytes
            }
            _ => false,
        };
        if echo {
            return Ok(());
        }
        let mut got: String = values
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        if got.len() > 120 {
            let mut cut = 120;
            while !got.is_char_boundary(cut) {
                cut -= 1;
            }
            got.truncate(cut);
            got.push_str("...");
        }
        Err(Mismatch::NotEcho { i, got })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skywire_codec::Session;

    #[test]
    fn packs_what_skynet_packs() {
        // "ping" (short string), 300 (u16), "" (empty short string), as lua-seri.c writes
        // them: type | cookie << 3, little-endian fields.
        let p = Payload::new(0);
        assert_eq!(
            &p.pack(300)[..],
            &[0x24, b'p', b'i', b'n', b'g', 0x12, 0x2c, 0x01, 0x04][..]
        );
    }

    #[test]
    fn packs_in_a_block_the_same_bytes() {
        for size in [0, 1000, OWN_ALLOCATION - 1, OWN_ALLOCATION, 100_000] {
            let p = Payload::new(size);
            let mut block = BytesMut::new();
            let mut previous: Option<Bytes> = None;
            for i in [1, 255, 256, 65_536, -3, i64::MAX] {
                let packed = p.pack_in(i, &mut block);
                assert_eq!(packed, p.pack(i), "size {size}, i {i}");
                if let Some(prev) = &previous {
                    // Small calls follow each other in one block while it has room.
                    let adjacent = packed.as_ptr() == prev.as_ptr().wrapping_add(prev.len());
                    if size + ARGS_ROOM <= BLOCK / 8 {
                        assert!(adjacent, "size {size}, i {i}");
                    }
                    if size >= OWN_ALLOCATION {
                        assert!(!adjacent, "size {size}, i {i}");
                    }
                }
                previous = Some(packed);
            }
        }
    }

    #[test]
    fn checks_the_echo() {
        let p = Payload::new(1000);
        let ok = Response::ok(Session::new(1), p.pack(7));
        assert_eq!(p.check(7, &ok), Ok(()));
        assert!(matches!(
            p.check(8, &ok),
            Err(Mismatch::NotEcho { i: 8, .. })
        ));
        let other = Payload::new(999);
        assert!(other.check(7, &ok).is_err());
        let err = Response::error(Session::new(1), "Invalid name");
        assert_eq!(
            p.check(7, &err),
            Err(Mismatch::ErrorReply("Invalid name".into()))
        );
        let junk = Response::ok(Session::new(1), Bytes::from_static(b"\x07"));
        assert!(matches!(p.check(7, &junk), Err(Mismatch::Undecodable(_))));
    }
}
