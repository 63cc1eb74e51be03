//! The calling direction against real skynet traffic: a Rust node performs the operations
//! of the `basic` capture's `calls.jsonl` (one at a time, as the skynet client did) against
//! a raw peer that answers with the captured responses, and the bytes it sends must be
//! skynet's `requests.bin`, byte for byte: same packets, same sessions, same fragmentation,
//! same trace packets. The results must be what the skynet client logged. (Closing, the
//! node then confirms the multi-part pushes with name queries, which skynet's sender never
//! does: checked after the captured bytes.)

mod support;

use std::collections::HashMap;
use std::path::PathBuf;

use bytes::BytesMut;
use serde_json::Value as Json;
use skywire_codec::{
    Assemble, Limits, Request, RequestAssembler, RequestDecoder, Response, ResponseAssembler,
    StreamDecoder, Target,
};
use skywire_node::{CallError, CallOptions};
use skywire_seri::{values_content_eq, values_from_json};
use support::{client_for, guard, to_db};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn basic_capture() -> PathBuf {
    let dir = support::captures().join("basic");
    assert!(dir.join("requests.bin").is_file(), "no basic capture");
    dir
}

/// Every message of a whole stream of one direction, which must end cleanly.
fn decode_all<A: Assemble>(bytes: &[u8]) -> Vec<A::Message> {
    let mut dec = StreamDecoder::<A>::new(Limits::DEFAULT);
    dec.feed(bytes);
    let mut out = Vec::new();
    while let Some(m) = dec.next_message().unwrap() {
        out.push(m);
    }
    dec.finish().unwrap();
    out
}

fn decode_requests(bytes: &[u8]) -> Vec<Request> {
    decode_all::<RequestAssembler>(bytes)
}

fn decode_responses(bytes: &[u8]) -> HashMap<u32, Response> {
    decode_all::<ResponseAssembler>(bytes)
        .into_iter()
        .map(|r| (r.session.get(), r))
        .collect()
}

/// Accepts one connection, answers each call with the captured response of its session,
/// and returns every byte received once the caller closes.
async fn captured_db(listener: TcpListener, responses: HashMap<u32, Response>) -> Vec<u8> {
    let (mut sock, _) = listener.accept().await.unwrap();
    let mut received = Vec::new();
    let mut dec = RequestDecoder::new(Limits::DEFAULT);
    let mut buf = BytesMut::with_capacity(1 << 16);
    loop {
        let n = sock.read_buf(&mut buf).await.unwrap();
        if n == 0 {
            return received;
        }
        received.extend_from_slice(&buf[buf.len() - n..]);
        while let Some(req) = dec.decode(&mut buf).unwrap() {
            if req.push {
                continue;
            }
            // The captured answer; a name query after the script (the caller confirming
            // its pushes before it closes) gets what skynet answers for an unknown name.
            let r = match responses.get(&req.session.get()) {
                Some(r) => r.clone(),
                None if req.target.is_query() => Response::error(req.session, "name not found"),
                None => panic!("no captured answer for session {}", req.session),
            };
            for f in r.frames().unwrap() {
                sock.write_all(&f.to_vec()).await.unwrap();
            }
        }
    }
}

fn target_of(addr: &Json) -> Target {
    match addr {
        Json::String(s) => Target::name(s.clone()).unwrap(),
        Json::Number(n) => Target::Address(n.as_u64().unwrap() as u32),
        other => panic!("bad addr {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rust_node_sends_exactly_what_skynet_sent() {
    let dir = basic_capture();
    let wire = std::fs::read(dir.join("requests.bin")).unwrap();
    let requests = decode_requests(&wire);
    let responses = decode_responses(&std::fs::read(dir.join("responses.bin")).unwrap());
    let ops: Vec<Json> = std::fs::read_to_string(dir.join("calls.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|op: &Json| op["op"] != "end")
        .collect();
    assert_eq!(ops.len(), requests.len(), "one request per operation");

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let db = tokio::spawn(captured_db(listener, responses));
    let node = client_for(addr);
    let remote = to_db(&node);

    for (i, (op, req)) in ops.iter().zip(&requests).enumerate() {
        // The trace tag is whatever skynet's client generated; it travels as data.
        let mut opts = CallOptions::new();
        if let Some(tag) = &req.trace {
            opts = opts.trace(tag.clone());
        }
        match op["op"].as_str().unwrap() {
            "call" => {
                let args = values_from_json(&op["args"]).unwrap();
                let got = guard(
                    "call",
                    remote.call_with(target_of(&op["addr"]), &args, &opts),
                )
                .await;
                if op["ok"] == true {
                    let want = values_from_json(&op["ret"]).unwrap();
                    assert!(values_content_eq(&got.unwrap(), &want), "op {i}: results");
                } else {
                    assert!(
                        matches!(got, Err(CallError::Remote { .. })),
                        "op {i}: {got:?}"
                    );
                }
            }
            "send" => {
                let args = values_from_json(&op["args"]).unwrap();
                guard(
                    "send",
                    remote.send_with(target_of(&op["addr"]), &args, &opts),
                )
                .await
                .unwrap();
                // skynet's client had written the whole push before its next operation
                // (a push goes out at once when the socket takes it); so do we.
                guard("flush", remote.flush()).await;
            }
            "query" => {
                let got = guard("query", remote.query(op["name"].as_str().unwrap())).await;
                if op["ok"] == true {
                    assert_eq!(got.unwrap() as u64, op["ret"].as_u64().unwrap(), "op {i}");
                } else {
                    assert!(
                        matches!(got, Err(CallError::Remote { .. })),
                        "op {i}: {got:?}"
                    );
                }
            }
            other => panic!("unknown op {other}"),
        }
    }
    remote.close().await.unwrap();
    let sent = guard("captured db", db).await.unwrap();
    assert!(
        sent.len() >= wire.len(),
        "bytes sent: {} of {}",
        sent.len(),
        wire.len()
    );
    if let Some(at) = sent.iter().zip(&wire).position(|(a, b)| a != b) {
        panic!("first difference at byte {at}");
    }
    // Then the close confirmed the two multi-part pushes (to @echo and to a number), which
    // no later answer could confirm: one name query for "echo" confirms both.
    let confirms = decode_requests(&sent[wire.len()..]);
    let names: Vec<Vec<skywire_seri::Value>> = confirms
        .iter()
        .map(|r| {
            assert!(r.target.is_query() && !r.push, "{r:?}");
            skywire_seri::unpack(&r.payload).unwrap()
        })
        .collect();
    assert_eq!(names, [vec!["echo".into()]]);
}
