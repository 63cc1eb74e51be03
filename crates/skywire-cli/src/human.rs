//! The human-readable form of `skywire decode`: one line per message (or per frame), values
//! as Lua literals.
//!
//! ```text
//! [conn 0] request call @echo session=1 size=5 at=0: "ping"
//! [conn 0] response session=1 ok size=5 at=0: "ping"
//! [conn 0] response session=3 error size=37 at=30: "./lualib/skynet.lua:720: call failed"
//! ```
//!
//! `[conn N]` only for capture files; `at` is the stream offset of the message's first
//! frame. A payload that is not valid lua-seri shows `<undecodable: reason>`.

use std::fmt::Write;

use skywire_codec::{RequestPacket, ResponsePacket, Target};
use skywire_seri::Value;

use crate::dissect::{Decoded, Message, Packet};
use crate::input::Origin;

/// Characters of values shown on a line before it is cut (unless the caller asks for all).
pub const DEFAULT_WIDTH: usize = 400;

fn prefix(out: &mut String, origin: &Origin) {
    if let Some(c) = origin.conn {
        let _ = write!(out, "[conn {c}] ");
    }
}

/// A string as a Lua literal.
fn lua_string(bytes: &[u8]) -> String {
    Value::string_from_slice(bytes).to_string()
}

fn target_text(t: &Target) -> String {
    match t {
        Target::Address(a) => a.to_string(),
        Target::Name(n) => match std::str::from_utf8(n) {
            Ok(s) if !s.chars().any(|c| c.is_whitespace() || c.is_control()) => s.to_owned(),
            _ => lua_string(n),
        },
    }
}

/// Values as a Lua argument list: `1, "a", {x = 2}`; `(none)` for an empty list.
pub fn values_text(values: &[Value]) -> String {
    if values.is_empty() {
        return "(none)".into();
    }
    let mut s = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{v}");
    }
    s
}

/// `text` cut to `width` characters, with a note of how much was left out.
pub fn cut(text: String, width: Option<usize>) -> String {
    let Some(width) = width else { return text };
    match text.char_indices().nth(width) {
        None => text,
        Some((at, _)) => {
            let rest = text[at..].chars().count();
            format!("{}… (+{rest} chars)", &text[..at])
        }
    }
}

/// The line of one message (`width`: cut the values after this many characters).
pub fn message_line(origin: &Origin, m: &Decoded, width: Option<usize>) -> String {
    let mut out = String::new();
    prefix(&mut out, origin);
    let (head, payload_text) = match &m.message {
        Message::Request(r) => {
            let mut head = format!(
                "request {} {} session={}",
                r.kind().as_str(),
                target_text(&r.target),
                r.session
            );
            if let Some(tag) = &r.trace {
                let _ = write!(head, " trace={}", lua_string(tag));
            }
            let _ = write!(head, " size={} at={}", r.payload.len(), m.offset);
            (head, unpacked(&r.payload))
        }
        Message::Response(r) => {
            let status = if r.ok { "ok" } else { "error" };
            let head = format!(
                "response session={} {status} size={} at={}",
                r.session,
                r.payload.len(),
                m.offset
            );
            let text = if r.ok {
                unpacked(&r.payload)
            } else {
                lua_string(&r.payload)
            };
            (head, text)
        }
    };
    let _ = write!(out, "{head}: {}", cut(payload_text, width));
    out
}

fn unpacked(payload: &bytes::Bytes) -> String {
    match skywire_seri::unpack(payload) {
        Ok(values) => values_text(&values),
        Err(e) => format!("<undecodable: {e}>"),
    }
}

/// The line of one frame.
pub fn frame_line(origin: &Origin, offset: u64, wire_len: usize, packet: &Packet) -> String {
    let mut out = String::new();
    prefix(&mut out, origin);
    let dir = match packet {
        Packet::Request(_) => "request",
        Packet::Response(_) => "response",
    };
    let _ = write!(out, "{dir} frame at={offset} len={wire_len}: ");
    match packet {
        Packet::Request(p) => {
            let _ = write!(out, "0x{:02x} ", p.type_byte());
            let _ = match p {
                RequestPacket::Request {
                    target,
                    session,
                    payload,
                } => write!(
                    out,
                    "{} {} session={session} payload={}",
                    if session.is_push() { "push" } else { "request" },
                    target_text(target),
                    payload.len()
                ),
                RequestPacket::MultiHeader {
                    target,
                    session,
                    size,
                    push,
                } => write!(
                    out,
                    "multi-part {} header {} session={session} size={size}",
                    if *push { "push" } else { "request" },
                    target_text(target)
                ),
                RequestPacket::Part {
                    session,
                    data,
                    last,
                } => write!(
                    out,
                    "{} session={session} data={}",
                    if *last { "last part" } else { "part" },
                    data.len()
                ),
                RequestPacket::Trace { tag } => write!(out, "trace tag {}", lua_string(tag)),
            };
        }
        Packet::Response(p) => {
            let _ = write!(out, "{} ", p.type_byte());
            let _ = match p {
                ResponsePacket::Ok { session, payload } => {
                    write!(out, "ok session={session} payload={}", payload.len())
                }
                ResponsePacket::Error { session, text } => {
                    write!(out, "error session={session} text={}", text.len())
                }
                ResponsePacket::MultiBegin { session, size } => {
                    write!(out, "multi-part begin session={session} size={size}")
                }
                ResponsePacket::Part {
                    session,
                    data,
                    last,
                } => write!(
                    out,
                    "{} session={session} data={}",
                    if *last { "last part" } else { "part" },
                    data.len()
                ),
            };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutting_counts_characters() {
        assert_eq!(cut("héllo".into(), Some(2)), "hé… (+3 chars)");
        assert_eq!(cut("héllo".into(), Some(5)), "héllo");
        assert_eq!(cut("héllo".into(), None), "héllo");
    }

    #[test]
    fn values_as_lua() {
        let v = [Value::from(1), Value::from("a b"), Value::Nil];
        assert_eq!(values_text(&v), r#"1, "a b", nil"#);
        assert_eq!(values_text(&[]), "(none)");
    }
}
