//! Conformance of the codec and lua-seri against real skynet traffic.
//!
//! Every folder under `tests/captures/` holding `requests.bin` / `responses.bin` is checked
//! (a capture added later is tested too):
//!
//! - both streams decode completely, with no error and no byte left over, whatever the
//!   chunking;
//! - re-encoding every decoded message gives back exactly its frames, byte for byte;
//! - every request agrees with skynet's client log (`calls.jsonl`): packing the logged
//!   `args` gives exactly the payload on the wire, and the response carries the logged
//!   result; every push agrees with the serving side's log (`pushes.jsonl`).
//!
//! The expected values all come from skynet: its bytes and its logs.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde_json::Value as Json;
use skywire::codec::{
    Assemble, Frame, FrameDecoder, Limits, Request, RequestAssembler, RequestKind, RequestPacket,
    Response, ResponseAssembler, ResponsePacket, Session, StreamDecoder, Target,
};
use skywire::seri::{self, Value};

#[path = "common/captures.rs"]
mod captures;

/// The capture folders with both raw streams.
fn capture_dirs() -> Vec<PathBuf> {
    captures::capture_dirs_with(&["requests.bin", "responses.bin"], 4)
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()))
}

fn json_lines(dir: &Path, name: &str) -> Vec<Json> {
    let text = String::from_utf8(read(dir, name)).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()))
        })
        .collect()
}

/// Decodes a whole stream of one direction, fed in `chunk`-byte pieces; `what` names the
/// stream in a panic.
fn decode_all<A: Assemble>(stream: &[u8], chunk: usize, what: &str) -> Vec<A::Message> {
    let mut dec = StreamDecoder::<A>::default();
    let mut out = Vec::new();
    for c in stream.chunks(chunk) {
        dec.feed(c);
        while let Some(m) = dec
            .next_message()
            .unwrap_or_else(|e| panic!("{what} stream: {e}"))
        {
            out.push(m);
        }
    }
    dec.finish().unwrap();
    assert_eq!(dec.offset(), stream.len() as u64);
    out
}

fn decode_requests(stream: &[u8], chunk: usize) -> Vec<Request> {
    decode_all::<RequestAssembler>(stream, chunk, "request")
}

fn decode_responses(stream: &[u8], chunk: usize) -> Vec<Response> {
    decode_all::<ResponseAssembler>(stream, chunk, "response")
}

#[test]
fn both_streams_decode_completely_whatever_the_chunking() {
    for dir in capture_dirs() {
        let requests = read(&dir, "requests.bin");
        let responses = read(&dir, "responses.bin");
        let whole_req = decode_requests(&requests, requests.len());
        let whole_resp = decode_responses(&responses, responses.len());
        assert!(
            !whole_req.is_empty() && !whole_resp.is_empty(),
            "{}",
            dir.display()
        );
        for chunk in [1, 7, 1000, 65537] {
            assert_eq!(
                decode_requests(&requests, chunk),
                whole_req,
                "{} chunk {chunk}",
                dir.display()
            );
            assert_eq!(
                decode_responses(&responses, chunk),
                whole_resp,
                "{} chunk {chunk}",
                dir.display()
            );
        }
        // Every payload is valid lua-seri, every ok response too.
        for r in &whole_req {
            seri::unpack(&r.payload)
                .unwrap_or_else(|e| panic!("{}: session {}: {e}", dir.display(), r.session));
        }
        for r in whole_resp.iter().filter(|r| r.ok) {
            seri::unpack(&r.payload)
                .unwrap_or_else(|e| panic!("{}: session {}: {e}", dir.display(), r.session));
        }
    }
}

/// Splits a stream into frames, each with its raw bytes (header included).
fn raw_frames(stream: &[u8]) -> Vec<(Frame, Vec<u8>)> {
    let mut d = FrameDecoder::new();
    d.feed(stream);
    let mut out = Vec::new();
    while let Some(f) = d.next_frame() {
        let start = f.offset as usize;
        let raw = stream[start..start + f.wire_len()].to_vec();
        out.push((f, raw));
    }
    d.finish().unwrap();
    out
}

/// The raw bytes of each message's frames, grouped as the protocol groups them: a trace
/// tag's frame goes with the request or multi-part header after it, a multi-part message's
/// frames go together until its last part.
#[derive(Default)]
struct Groups {
    trace: Vec<u8>,
    open: HashMap<Session, Vec<u8>>,
}

impl Groups {
    /// A trace tag: held for what comes next.
    fn trace(&mut self, raw: Vec<u8>) -> Option<Vec<u8>> {
        self.trace = raw;
        None
    }

    /// A one-frame message: complete, after the trace tag waiting, if any.
    fn single(&mut self, raw: Vec<u8>) -> Option<Vec<u8>> {
        let mut g = std::mem::take(&mut self.trace);
        g.extend_from_slice(&raw);
        Some(g)
    }

    /// A multi-part header or begin packet: opens `session`'s message.
    fn open(&mut self, session: Session, raw: Vec<u8>) -> Option<Vec<u8>> {
        let g = self.single(raw)?;
        self.open.insert(session, g);
        None
    }

    /// A part: complete when it is the last.
    fn part(&mut self, session: Session, last: bool, raw: Vec<u8>) -> Option<Vec<u8>> {
        let g = self
            .open
            .get_mut(&session)
            .expect("part of an open message");
        g.extend_from_slice(&raw);
        if last {
            self.open.remove(&session)
        } else {
            None
        }
    }
}

/// The raw bytes of the message a frame completes, if it completes one.
type Group = Option<Vec<u8>>;

/// Checks, over every capture's `file`, that each message the assembler `A` completes
/// re-encodes (`encode`) to exactly the frames `group` put together for it; `what` names
/// the messages.
fn check_reencoding<A: Assemble>(
    file: &str,
    what: &str,
    group: fn(&mut Groups, &A::Packet, Vec<u8>) -> Group,
    encode: fn(&A::Message) -> Vec<u8>,
) {
    for dir in capture_dirs() {
        let stream = read(&dir, file);
        let mut assembler = A::with_limits(Limits::default());
        let mut groups = Groups::default();
        let mut checked = 0;
        for (frame, raw) in raw_frames(&stream) {
            let offset = frame.offset;
            let packet = A::parse(&frame.body).unwrap();
            let group = group(&mut groups, &packet, raw);
            let message = assembler.assemble(packet, &frame).unwrap();
            assert_eq!(
                message.is_some(),
                group.is_some(),
                "{} at {offset}",
                dir.display()
            );
            if let (Some((m, _)), Some(g)) = (message, group) {
                assert!(
                    encode(&m) == g,
                    "{}: {what} ending at byte {offset} re-encodes differently",
                    dir.display()
                );
                checked += 1;
            }
        }
        assert!(groups.open.is_empty());
        assert!(checked > 10, "{}: only {checked} {what}s", dir.display());
    }
}

#[test]
fn reencoding_every_request_gives_back_its_frames() {
    check_reencoding::<RequestAssembler>(
        "requests.bin",
        "request",
        |groups, packet, raw| match packet {
            RequestPacket::Trace { .. } => groups.trace(raw),
            RequestPacket::Request { .. } => groups.single(raw),
            RequestPacket::MultiHeader { session, .. } => groups.open(*session, raw),
            RequestPacket::Part { session, last, .. } => groups.part(*session, *last, raw),
        },
        |m| m.frames().unwrap().flat_map(|f| f.to_vec()).collect(),
    );
}

#[test]
fn reencoding_every_response_gives_back_its_frames() {
    check_reencoding::<ResponseAssembler>(
        "responses.bin",
        "response",
        |groups, packet, raw| match packet {
            ResponsePacket::Ok { .. } | ResponsePacket::Error { .. } => groups.single(raw),
            ResponsePacket::MultiBegin { session, .. } => groups.open(*session, raw),
            ResponsePacket::Part { session, last, .. } => groups.part(*session, *last, raw),
        },
        |m| m.frames().unwrap().flat_map(|f| f.to_vec()).collect(),
    );
}

/// What one line of `calls.jsonl` says went over the wire.
struct Logged {
    line: usize,
    target: Target,
    kind: RequestKind,
    payload: Bytes,
    /// `Some(Ok(values))` / `Some(Err(()))` for calls and queries, `None` for sends.
    outcome: Option<Result<Vec<Value>, ()>>,
}

fn logged_operations(dir: &Path) -> Vec<Logged> {
    let mut out = Vec::new();
    for (i, line) in json_lines(dir, "calls.jsonl").into_iter().enumerate() {
        let op = line["op"].as_str().unwrap();
        if op == "end" {
            continue;
        }
        let (target, kind, args) = match op {
            "query" => {
                let name = line["name"].as_str().unwrap();
                (Target::QUERY, RequestKind::Query, vec![Value::from(name)])
            }
            "call" | "send" => {
                let target = match &line["addr"] {
                    Json::String(s) => Target::name(s.clone()).unwrap(),
                    Json::Number(n) => Target::Address(n.as_u64().unwrap() as u32),
                    other => panic!("line {}: addr {other}", i + 1),
                };
                let kind = if op == "call" {
                    RequestKind::Call
                } else {
                    RequestKind::Push
                };
                (target, kind, seri::values_from_json(&line["args"]).unwrap())
            }
            other => panic!("{}: line {}: unknown op {other}", dir.display(), i + 1),
        };
        let outcome = match (op, line["ok"].as_bool()) {
            ("send", _) => None,
            ("query", Some(true)) => Some(Ok(vec![seri::from_json(&line["ret"]).unwrap()])),
            (_, Some(true)) => Some(Ok(seri::values_from_json(&line["ret"]).unwrap())),
            (_, Some(false)) => Some(Err(())),
            _ => panic!("{}: line {}: no ok field", dir.display(), i + 1),
        };
        out.push(Logged {
            line: i + 1,
            target,
            kind,
            payload: seri::pack(&args).unwrap(),
            outcome,
        });
    }
    out
}

#[test]
fn every_request_and_response_agrees_with_skynets_client_log() {
    for dir in capture_dirs() {
        let requests = decode_requests(&read(&dir, "requests.bin"), usize::MAX);
        let responses: HashMap<Session, Response> =
            decode_responses(&read(&dir, "responses.bin"), usize::MAX)
                .into_iter()
                .map(|r| (r.session, r))
                .collect();
        let logged = logged_operations(&dir);
        assert_eq!(
            requests.len(),
            logged.len(),
            "{}: requests on the wire vs operations logged",
            dir.display()
        );
        let mut used = vec![false; requests.len()];
        for op in &logged {
            let agrees = |r: &Request| -> bool {
                if r.target != op.target || r.kind() != op.kind || r.payload != op.payload {
                    return false;
                }
                match &op.outcome {
                    None => true,
                    Some(expected) => {
                        let resp = responses.get(&r.session).unwrap_or_else(|| {
                            panic!("{}: no response for session {}", dir.display(), r.session)
                        });
                        match expected {
                            Err(()) => !resp.ok,
                            Ok(values) => {
                                resp.ok
                                    && seri::values_content_eq(
                                        &seri::unpack(&resp.payload).unwrap(),
                                        values,
                                    )
                            }
                        }
                    }
                }
            };
            let found = (0..requests.len()).find(|&i| !used[i] && agrees(&requests[i]));
            match found {
                Some(i) => used[i] = true,
                None => panic!(
                    "{}: calls.jsonl line {} ({:?} to {}) matches no request on the wire",
                    dir.display(),
                    op.line,
                    op.kind,
                    op.target
                ),
            }
        }
        // Every call got exactly one response, and nothing else came back.
        let calls = requests.iter().filter(|r| !r.push).count();
        assert_eq!(responses.len(), calls, "{}", dir.display());
    }
}

#[test]
fn every_push_agrees_with_the_serving_sides_log() {
    for dir in capture_dirs() {
        let received: Vec<Vec<Value>> = json_lines(&dir, "pushes.jsonl")
            .iter()
            .map(|j| seri::values_from_json(j).unwrap())
            .collect();
        let pushed: Vec<Vec<Value>> = decode_requests(&read(&dir, "requests.bin"), usize::MAX)
            .into_iter()
            .filter(|r| r.push)
            .map(|r| seri::unpack(&r.payload).unwrap())
            .collect();
        assert_eq!(pushed.len(), received.len(), "{}", dir.display());
        let mut used = vec![false; received.len()];
        for p in &pushed {
            let i = (0..received.len())
                .find(|&i| !used[i] && seri::values_content_eq(p, &received[i]))
                .unwrap_or_else(|| {
                    panic!("{}: a push on the wire that db did not log", dir.display())
                });
            used[i] = true;
        }
    }
}

#[test]
fn captures_cover_every_packet_type() {
    // The suite is only as strong as its inputs: make sure the captures exercise every packet
    // type of both directions (a capture set that lost, say, its large pushes would pass the
    // other tests vacuously).
    let mut req_types = std::collections::BTreeSet::new();
    let mut resp_types = std::collections::BTreeSet::new();
    for dir in capture_dirs() {
        for (frame, _) in raw_frames(&read(&dir, "requests.bin")) {
            req_types.insert(frame.body[0]);
        }
        for (frame, _) in raw_frames(&read(&dir, "responses.bin")) {
            resp_types.insert(frame.body[4]);
        }
    }
    assert_eq!(
        req_types.into_iter().collect::<Vec<_>>(),
        [0x00, 0x01, 0x02, 0x03, 0x04, 0x41, 0x80, 0x81, 0xc1]
    );
    assert_eq!(resp_types.into_iter().collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
}
