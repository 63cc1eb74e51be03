//! Hostile input (spec/errors.md): each case sends bad bytes on a connection of its own. It
//! passes when the node stays up: a fresh connection still gets correct answers. What the
//! node did with the bad connection (closed it, ignored the bytes, answered) is reported,
//! since several reactions conform.

use skywire_codec::{Request, Session};
use skywire_seri::Value;

use super::{connect, frames_of, pack, still_serving};
use crate::case::{Case, CaseResult, Target};
use crate::wire::{frame, to_echo};

/// A 0x80 by-name packet to `@echo` with `session` and `payload`.
fn by_name(session: u32, payload: &[u8]) -> Vec<u8> {
    to_echo(0x80, session, payload)
}

/// A multi-part header to `@echo` declaring `size` bytes.
fn header(session: u32, size: u32) -> Vec<u8> {
    to_echo(0x81, session, &size.to_le_bytes())
}

/// A part (type 2: more follow; 3: last) of `session`.
fn part(ty: u8, session: u32, data: &[u8]) -> Vec<u8> {
    frame(&[&[ty][..], &session.to_le_bytes(), data].concat())
}

/// Sends `bytes` on a fresh connection (closing it after when `close`), notes the node's
/// reaction, then checks the node still serves.
async fn hostile(t: Target, bytes: Vec<u8>, close: bool) -> CaseResult {
    let mut conn = connect(&t).await?;
    conn.send_raw(&bytes).await?;
    if close {
        conn.shutdown_write().await;
    }
    let reaction = conn.react(t.settle).await;
    drop(conn);
    still_serving(&t).await?;
    Ok(Some(reaction.to_string()))
}

fn case(id: &str, spec: &'static str, description: &str, bytes: Vec<u8>, close: bool) -> Case {
    Case::new(format!("hostile/{id}"), spec, description, move |t| {
        hostile(t, bytes.clone(), close)
    })
}

pub(super) fn cases() -> Vec<Case> {
    let ping = pack(&["ping".into()]);
    let deep: Vec<u8> = std::iter::repeat_n(0x0e, 60_000).collect(); // tables of 1 item, nested (one frame holds it)
    let mut garbage = Vec::with_capacity(4096);
    let mut x: u32 = 0x2545_f491;
    for _ in 0..4096 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        garbage.push(x as u8);
    }
    let mut many_open = Vec::new();
    for s in 1..=2000 {
        many_open.extend(header(s, 0x10000));
    }
    let mut big_declared = header(1, u32::MAX);
    big_declared.extend(part(2, 1, &[b'x'; 0x8000]));
    let mut overflow = header(1, 0x8001);
    overflow.extend(part(2, 1, &[b'x'; 0x8000]));
    overflow.extend(part(3, 1, &[b'x'; 0x100]));
    let mut short_last = header(1, 0x10000);
    short_last.extend(part(3, 1, &[b'x'; 0x8000]));
    let mut cut_multipart = header(1, 0x10001);
    cut_multipart.extend(part(2, 1, &[b'x'; 0x8000]));
    let mut reused = header(1, 0x10000);
    reused.extend(part(2, 1, &[b'x'; 0x8000]));
    reused.extend(by_name(1, &ping));
    let mut query_non_string = Vec::new();
    frames_of(
        &Request::call(
            skywire_codec::Target::Address(0),
            Session::FIRST,
            pack(&[Value::from(12345)]),
        ),
        &mut query_non_string,
    );
    let mut query_empty = Vec::new();
    frames_of(
        &Request::call(
            skywire_codec::Target::Address(0),
            Session::FIRST,
            Default::default(),
        ),
        &mut query_empty,
    );
    let mut trace_then_nothing = frame(&[4, b't', b'a', b'g']);
    trace_then_nothing.extend(frame(&[4]));
    let mut zero_session_header = header(0, 0x10000);
    zero_session_header.extend(part(3, 0, &[b'x'; 0x8000]));
    let mut bad_name_len = vec![0x80, 200];
    bad_name_len.extend_from_slice(b"@echo");
    vec![
        case("unknown-packet-type", "errors.md: request-direction packets", "a packet of type 0x05", frame(&[5, 1, 2, 3, 4, 5, 6, 7, 8]), false),
        case("unknown-packet-type-0xff", "errors.md: request-direction packets", "a packet of type 0xff", frame(&[0xff; 20]), false),
        case("empty-frame", "errors.md: request-direction packets", "a frame of length 0", frame(&[]), false),
        case("short-request", "errors.md: request-direction packets", "a 0x00 request of 5 bytes (at least 9)", frame(&[0, 10, 0, 0, 0]), false),
        case("zero-length-name", "errors.md: request-direction packets", "a 0x80 request whose name length is 0", frame(&[0x80, 0, 1, 0, 0, 0, 0x24, b'p', b'i', b'n', b'g']), false),
        case("name-longer-than-packet", "errors.md: request-direction packets", "a 0x80 request whose name length runs past the packet", frame(&bad_name_len), false),
        case("header-wrong-length", "errors.md: request-direction packets", "a 0x01 multi-part header of 12 bytes (exactly 13)", frame(&[1, 10, 0, 0, 0, 1, 0, 0, 0, 0, 0x80, 0]), false),
        case("header-zero-session", "errors.md: request-direction packets", "a multi-part request header with session 0, then its last part", zero_session_header, false),
        case("part-without-header", "errors.md: reassembly", "a last part (0x03) for a session with no multi-part header", part(3, 77, b"orphan"), false),
        case("part-too-short", "errors.md: request-direction packets", "a part packet of 3 bytes (at least 5)", frame(&[2, 1, 0]), false),
        case("parts-overflow-size", "errors.md: reassembly", "parts carrying more bytes than the header declared", overflow, false),
        case("last-part-short", "errors.md: reassembly", "a last part arriving before the declared size is reached", short_last, false),
        case("session-reused-while-open", "errors.md: reassembly", "a small request on a session whose multi-part request is open", reused, false),
        case("huge-declared-size", "errors.md: reassembly", "a multi-part header declaring 4 GiB, then one part", big_declared, false),
        case("many-open-multipart", "errors.md: reassembly", "2000 multi-part headers that never finish", many_open, false),
        case("cut-mid-frame", "protocol.md §6", "a frame header promising 100 bytes, 10 sent, then the end of the stream", { let mut b = vec![0, 100]; b.extend([0x80; 10]); b }, true),
        case("cut-mid-header", "protocol.md §6", "one byte of a frame header, then the end of the stream", vec![0], true),
        case("cut-mid-multipart", "protocol.md §6", "a multi-part request cut after its first part, then the end of the stream", cut_multipart, true),
        case("bad-payload-type", "lua-seri.md §5.2", "a call whose payload is the type byte 7", by_name(1, &[7]), false),
        case("truncated-payload", "lua-seri.md §5.2", "a call whose payload is a string promising 20 bytes with 3 present", by_name(1, &[0x15, 20, 0, b'a', b'b', b'c']), false),
        case("deep-nesting", "lua-seri.md §5.2", "a call whose payload nests 60,000 tables (skynet itself packs at most 33)", by_name(1, &deep), false),
        case("query-non-string", "protocol.md §5", "a name query (address 0) whose payload is an integer", query_non_string, false)
            .skynet_behaviour("skynet's agent turns the number into a name (Lua concatenation) and answers \"name not found\""),
        case("query-empty", "protocol.md §5", "a name query with an empty payload", query_empty, false)
            .skynet_behaviour("skynet's agent raises an error (concatenating nil) and never answers: a caller waits for ever"),
        case("trace-without-request", "protocol.md §2.5", "trace tags (one empty) followed by no request", trace_then_nothing, false),
        case("garbage", "protocol.md §1", "4 KiB of pseudo-random bytes", garbage, false),
    ]
}
