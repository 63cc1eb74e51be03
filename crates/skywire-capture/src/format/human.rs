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

use skywire_codec::{RequestPacket, ResponsePacket, Session, Target};
use skywire_seri::Value;

use crate::dissect::{Decoded, Message, Packet};
use crate::traffic::Origin;

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
    ValueList(values).to_string()
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

/// Collects formatted text up to a number of characters, then refuses more (so that
/// formatting a huge value stops early).
struct Bounded {
    text: String,
    chars: usize,
    limit: Option<usize>,
    full: bool,
}

impl Write for Bounded {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let Some(limit) = self.limit else {
            self.text.push_str(s);
            return Ok(());
        };
        for c in s.chars() {
            if self.chars == limit {
                self.full = true;
                return Err(std::fmt::Error);
            }
            self.text.push(c);
            self.chars += 1;
        }
        Ok(())
    }
}

/// `value` formatted (`Display`), cut to `width` characters with a mark when longer.
/// Formatting stops at the cut: a huge value costs no more than a short one.
pub fn display_cut(value: &dyn std::fmt::Display, width: Option<usize>) -> String {
    let mut b = Bounded {
        text: String::new(),
        chars: 0,
        limit: width,
        full: false,
    };
    let _ = write!(b, "{value}");
    if b.full {
        b.text.push_str("… (cut; --full shows all)");
    }
    b.text
}

/// Values as a Lua argument list, cut to `width` characters (see [`display_cut`]).
pub fn values_cut(values: &[Value], width: Option<usize>) -> String {
    display_cut(&ValueList(values), width)
}

/// A value list for [`display_cut`].
struct ValueList<'a>(&'a [Value]);

impl std::fmt::Display for ValueList<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(none)");
        }
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
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
            (head, unpacked(&r.payload, width))
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
                unpacked(&r.payload, width)
            } else {
                display_cut(&Value::string_from_slice(&r.payload), width)
            };
            (head, text)
        }
    };
    let _ = write!(out, "{head}: {payload_text}");
    out
}

fn unpacked(payload: &bytes::Bytes, width: Option<usize>) -> String {
    match skywire_seri::unpack(payload) {
        Ok(values) => display_cut(&ValueList(&values), width),
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
                } => write_part(&mut out, *session, data.len(), *last),
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
                } => write_part(&mut out, *session, data.len(), *last),
            };
        }
    }
    out
}

/// A part frame of either direction: `part session=N data=N` (`last part` for the last).
fn write_part(out: &mut String, session: Session, data_len: usize, last: bool) -> std::fmt::Result {
    let what = if last { "last part" } else { "part" };
    write!(out, "{what} session={session} data={data_len}")
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
    fn display_stops_at_the_width() {
        let v = [Value::from("abcdef"), Value::from(1)];
        assert_eq!(
            display_cut(&ValueList(&v), Some(4)),
            r#""abc… (cut; --full shows all)"#
        );
        assert_eq!(display_cut(&ValueList(&v), Some(11)), r#""abcdef", 1"#);
        assert_eq!(display_cut(&ValueList(&v), None), r#""abcdef", 1"#);
    }

    #[test]
    fn values_as_lua() {
        let v = [Value::from(1), Value::from("a b"), Value::Nil];
        assert_eq!(values_text(&v), r#"1, "a b", nil"#);
        assert_eq!(values_text(&[]), "(none)");
    }
}
