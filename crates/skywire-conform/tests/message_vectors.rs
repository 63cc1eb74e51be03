//! The generator of `spec/vectors/messages.json`, and the check that the committed file is
//! what it generates.
//!
//! Every frame in the file is cut, byte for byte, out of `tests/captures/basic/`: the raw
//! streams between two unmodified skynet nodes. The codec's stream decoder only tells where
//! one message ends; the bytes written are the capture's, never our encoder's.
//!
//! `UPDATE_VECTORS=1 cargo test -p skywire-conform --test message_vectors` rewrites the file.

use std::path::PathBuf;

use serde::Serialize;
use skywire_codec::{Request, RequestDecoder, Response, ResponseDecoder, Target};

/// Messages with more payload than this are left out, to keep the file small...
const MAX_PAYLOAD: usize = 0x10010;
/// ...except these, the only examples of their packet type in the `basic` capture.
const OVERSIZE_ALLOWED: &[&str] = &[
    // 0x01: the one multi-part call by address (70005 bytes).
    "request/call/address/multipart/3-parts",
    // 0xc1: the one multi-part push by name (80024 bytes).
    "request/push/at-name/multipart/3-parts",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The frames of a stream, each with its 2-byte header, as they are in the stream.
fn split_frames(stream: &[u8]) -> Vec<&[u8]> {
    let mut frames = vec![];
    let mut at = 0;
    while at < stream.len() {
        assert!(at + 2 <= stream.len(), "capture ends inside a frame header");
        let len = usize::from(u16::from_be_bytes([stream[at], stream[at + 1]]));
        let end = at + 2 + len;
        assert!(end <= stream.len(), "capture ends inside a frame at {at}");
        frames.push(&stream[at..end]);
        at = end;
    }
    frames
}

/// A message of the capture and the frames that carried it.
struct Captured<M> {
    message: M,
    /// The trace frame right before it, if any.
    trace_frame: Option<Vec<u8>>,
    frames: Vec<Vec<u8>>,
}

/// The requests of the capture, each with its frames. The `basic` scenario does one
/// operation at a time, so a message's frames are the frames since the previous message;
/// the checks in `vectors.rs` (our decoder and encoder on these frames) confirm it.
fn requests(stream: &[u8]) -> Vec<Captured<Request>> {
    let mut dec = RequestDecoder::default();
    let mut out = vec![];
    let mut pending: Vec<Vec<u8>> = vec![];
    let mut trace_frame = None;
    for frame in split_frames(stream) {
        if frame.get(2) == Some(&0x04) {
            assert!(
                pending.is_empty(),
                "a trace tag between the parts of a message"
            );
            trace_frame = Some(frame.to_vec());
        } else {
            pending.push(frame.to_vec());
        }
        dec.feed(frame);
        if let Some(message) = dec.next_message().unwrap() {
            out.push(Captured {
                message,
                trace_frame: trace_frame.take(),
                frames: std::mem::take(&mut pending),
            });
        }
    }
    dec.finish().unwrap();
    assert!(pending.is_empty() && trace_frame.is_none());
    out
}

fn responses(stream: &[u8]) -> Vec<Captured<Response>> {
    let mut dec = ResponseDecoder::default();
    let mut out = vec![];
    let mut pending: Vec<Vec<u8>> = vec![];
    for frame in split_frames(stream) {
        pending.push(frame.to_vec());
        dec.feed(frame);
        if let Some(message) = dec.next_message().unwrap() {
            out.push(Captured {
                message,
                trace_frame: None,
                frames: std::mem::take(&mut pending),
            });
        }
    }
    dec.finish().unwrap();
    assert!(pending.is_empty());
    out
}

/// One vector as written (the field order of the file).
#[derive(Serialize)]
struct OutVector {
    id: String,
    direction: &'static str,
    kind: &'static str,
    session: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace: Option<String>,
    payload: String,
    frames: Vec<String>,
}

#[derive(Serialize)]
struct OutFile {
    format: &'static str,
    source: &'static str,
    vectors: Vec<OutVector>,
}

type ReqPick = (&'static str, fn(&Request) -> bool);
type RespPick = (&'static str, fn(&Response) -> bool);

fn is_name(r: &Request, name: &str) -> bool {
    r.target.as_name() == Some(name.as_bytes())
}

fn is_addr(r: &Request, a: u32) -> bool {
    r.target.as_address() == Some(a)
}

/// The requests picked, by what they are in the `basic` scenario.
const REQUESTS: &[ReqPick] = &[
    ("request/call/at-name/small", |r| {
        is_name(r, "@echo") && r.session.get() == 1
    }),
    ("request/call/at-name/0x7fff", |r| {
        is_name(r, "@echo") && !r.push && r.payload.len() == 0x7fff
    }),
    ("request/call/dot-name/small", |r| is_name(r, ".echo")),
    ("request/call/address/small", |r| {
        is_addr(r, 10) && !r.push && r.payload.len() < 0x8000
    }),
    ("request/query/hit", |r| {
        is_addr(r, 0) && r.payload[..] == b"\x24echo"[..]
    }),
    ("request/query/miss", |r| {
        is_addr(r, 0) && r.payload[..] == b"\x44nonexist"[..]
    }),
    ("request/push/at-name/small", |r| {
        is_name(r, "@echo") && r.push && r.payload.len() < 0x8000
    }),
    ("request/push/address/small", |r| {
        is_addr(r, 10) && r.push && r.payload.len() < 0x8000
    }),
    ("request/call/at-name/multipart/1-part", |r| {
        is_name(r, "@echo") && !r.push && r.trace.is_none() && r.payload.len() == 0x8000
    }),
    ("request/call/at-name/multipart/2-parts", |r| {
        is_name(r, "@echo") && !r.push && r.payload.len() == 0x8001
    }),
    ("request/call/at-name/multipart/3-parts", |r| {
        is_name(r, "@echo") && !r.push && r.payload.len() == 0x10001
    }),
    ("request/call/address/multipart/3-parts", |r| {
        is_addr(r, 10) && !r.push && r.payload.len() >= 0x8000
    }),
    ("request/push/at-name/multipart/3-parts", |r| {
        is_name(r, "@echo") && r.push && r.payload.len() >= 0x8000
    }),
    ("request/push/address/multipart/2-parts", |r| {
        is_addr(r, 10) && r.push && r.payload.len() >= 0x8000
    }),
    ("request/call/at-name/traced", |r| {
        r.trace.is_some() && r.payload.len() < 0x8000 && r.payload.starts_with(b"\x34traced")
    }),
    ("request/call/at-name/traced/multipart", |r| {
        r.trace.is_some() && r.payload.len() >= 0x8000
    }),
];

const RESPONSES: &[RespPick] = &[
    ("response/ok/small", |r| r.session.get() == 1),
    ("response/ok/query-hit", |r| {
        r.ok && r.payload[..] == b"\x0a\x0a"[..]
    }),
    ("response/error/query-miss", |r| {
        !r.ok && r.payload[..] == b"name not found"[..]
    }),
    ("response/error/invalid-name", |r| {
        !r.ok && r.payload[..] == b"Invalid name"[..]
    }),
    ("response/error/call-to-invalid-address", |r| {
        !r.ok && r.payload.ends_with(b"call to invalid address")
    }),
    ("response/ok/0x8000", |r| {
        r.ok && r.payload.len() == 0x8000 && r.payload.ends_with(b"Q")
    }),
    ("response/ok/multipart/2-parts", |r| {
        r.ok && r.payload.len() == 0x8001 && r.payload.ends_with(b"Q")
    }),
    ("response/ok/multipart/3-parts", |r| {
        r.ok && r.payload.len() == 0x10001 && r.payload.ends_with(b"Q")
    }),
];

/// Exactly one of `all` matches `pick`.
fn the_one<'a, M>(id: &str, all: &'a [Captured<M>], pick: impl Fn(&M) -> bool) -> &'a Captured<M> {
    let found: Vec<_> = all.iter().filter(|c| pick(&c.message)).collect();
    assert_eq!(
        found.len(),
        1,
        "{id}: {} matches in the capture",
        found.len()
    );
    let c = found[0];
    let len: usize = c.frames.iter().map(|f| f.len()).sum();
    assert!(
        len <= MAX_PAYLOAD + 64 || OVERSIZE_ALLOWED.contains(&id),
        "{id}: {len} bytes of frames, more than the file takes"
    );
    c
}

fn target_json(t: &Target) -> serde_json::Value {
    match t {
        Target::Address(a) => serde_json::Value::from(*a),
        Target::Name(n) => {
            serde_json::Value::from(std::str::from_utf8(n).expect("the capture's names are UTF-8"))
        }
    }
}

fn generate() -> String {
    let root = repo().join("tests/captures/basic");
    let req_stream = std::fs::read(root.join("requests.bin")).unwrap();
    let resp_stream = std::fs::read(root.join("responses.bin")).unwrap();
    let reqs = requests(&req_stream);
    let resps = responses(&resp_stream);
    let mut vectors = vec![];
    for (id, pick) in REQUESTS {
        let c = the_one(id, &reqs, pick);
        let r = &c.message;
        // The trace bytes are the capture's own: the frame's body after its type byte.
        let trace = c.trace_frame.as_ref().map(|f| hex::encode(&f[3..]));
        assert_eq!(
            trace.is_some(),
            r.trace.is_some(),
            "{id}: trace frame and decoded trace disagree"
        );
        vectors.push(OutVector {
            id: id.to_string(),
            direction: "requests",
            kind: if r.push { "push" } else { "call" },
            session: r.session.get(),
            target: Some(target_json(&r.target)),
            trace,
            payload: hex::encode(&r.payload),
            frames: c.frames.iter().map(hex::encode).collect(),
        });
    }
    for (id, pick) in RESPONSES {
        let c = the_one(id, &resps, pick);
        let r = &c.message;
        vectors.push(OutVector {
            id: id.to_string(),
            direction: "responses",
            kind: if r.ok { "ok" } else { "error" },
            session: r.session.get(),
            target: None,
            trace: None,
            payload: hex::encode(&r.payload),
            frames: c.frames.iter().map(hex::encode).collect(),
        });
    }
    let file = OutFile {
        format: "skywire-vectors/messages/1",
        source: "frames cut byte for byte out of tests/captures/basic/{requests,responses}.bin \
                 (traffic between two unmodified skynet f19d1605 nodes) by \
                 crates/skywire-conform/tests/message_vectors.rs",
        vectors,
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap();
    text.push('\n');
    text
}

#[test]
fn messages_json_is_what_the_capture_gives() {
    let path = repo().join("spec/vectors/messages.json");
    let text = generate();
    if std::env::var_os("UPDATE_VECTORS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        committed == text,
        "spec/vectors/messages.json is not what the capture gives: \
         run UPDATE_VECTORS=1 cargo test -p skywire-conform --test message_vectors"
    );
}
