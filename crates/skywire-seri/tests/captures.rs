//! Sanity check against real skynet traffic (shared/captures, recorded
//! between two unmodified skynet nodes): every lua-seri payload in the
//! request and response streams must decode and re-encode to exactly the same
//! bytes, and must match the operations logged in calls.jsonl.
//!
//! The frame walker here is a minimal test-local one (the codec crate owns
//! the real one). Skips with a note if the captures are not present.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use skywire_seri::{pack, unpack, unpack_ref, Value};

const SCENARIOS: &[&str] = &["basic", "concurrent", "random-1", "random-2"];

fn captures_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/captures");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("note: {} not found, skipping capture checks", dir.display());
        None
    }
}

fn u32le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// Splits a stream into frame bodies (`u16` big-endian length + body).
fn frames(stream: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < stream.len() {
        let len = usize::from(u16::from_be_bytes([stream[i], stream[i + 1]]));
        out.push(&stream[i + 2..i + 2 + len]);
        i += 2 + len;
    }
    assert_eq!(i, stream.len(), "stream ends inside a frame");
    out
}

/// Collects the lua-seri payloads of a request stream (client -> db),
/// reassembling multi-part messages by session.
fn request_payloads(stream: &[u8]) -> Vec<Bytes> {
    let mut out = Vec::new();
    let mut partial: HashMap<u32, (usize, Vec<u8>)> = HashMap::new();
    for body in frames(stream) {
        match body[0] {
            // Request by number: type, u32 address, u32 session, payload.
            0x00 => out.push(Bytes::copy_from_slice(&body[9..])),
            // Request by name: type, name length, name, u32 session, payload.
            0x80 => {
                let at = 2 + usize::from(body[1]) + 4;
                out.push(Bytes::copy_from_slice(&body[at..]));
            }
            // Multi-part header by number (0x41: push): address, session, size.
            0x01 | 0x41 => {
                let size = u32le(body, 9) as usize;
                partial.insert(u32le(body, 5), (size, Vec::new()));
            }
            // Multi-part header by name (0xc1: push): name, session, size.
            0x81 | 0xc1 => {
                let at = 2 + usize::from(body[1]);
                let size = u32le(body, at + 4) as usize;
                partial.insert(u32le(body, at), (size, Vec::new()));
            }
            // Part (2) / last part (3): session, data.
            0x02 | 0x03 => {
                let session = u32le(body, 1);
                let (size, buf) = partial.get_mut(&session).expect("part without header");
                buf.extend_from_slice(&body[5..]);
                if body[0] == 0x03 {
                    assert_eq!(buf.len(), *size, "session {session}: size mismatch");
                    let (_, buf) = partial.remove(&session).unwrap();
                    out.push(Bytes::from(buf));
                }
            }
            0x04 => {} // trace tag
            other => panic!("unexpected request frame type {other:#x}"),
        }
    }
    assert!(partial.is_empty(), "unfinished multi-part requests");
    out
}

/// Collects the lua-seri payloads of ok responses (db -> client): session,
/// type (0 error text, 1 ok, 2 multi begin + size, 3 part, 4 last part), data.
fn response_payloads(stream: &[u8]) -> Vec<Bytes> {
    let mut out = Vec::new();
    let mut partial: HashMap<u32, (usize, Vec<u8>)> = HashMap::new();
    for body in frames(stream) {
        let session = u32le(body, 0);
        match body[4] {
            0 => {} // error: plain text, not lua-seri
            1 => out.push(Bytes::copy_from_slice(&body[5..])),
            2 => {
                partial.insert(session, (u32le(body, 5) as usize, Vec::new()));
            }
            3 | 4 => {
                let (size, buf) = partial.get_mut(&session).expect("part without header");
                buf.extend_from_slice(&body[5..]);
                if body[4] == 4 {
                    assert_eq!(buf.len(), *size);
                    let (_, buf) = partial.remove(&session).unwrap();
                    out.push(Bytes::from(buf));
                }
            }
            other => panic!("unexpected response type {other}"),
        }
    }
    assert!(partial.is_empty(), "unfinished multi-part responses");
    out
}

fn assert_round_trips(what: &str, payloads: &[Bytes]) {
    for (i, p) in payloads.iter().enumerate() {
        let values = unpack(p).unwrap_or_else(|e| panic!("{what} #{i}: {e}"));
        // The borrowed decoder reads skynet's bytes to the same values.
        let refs = unpack_ref(p).unwrap_or_else(|e| panic!("{what} #{i}: unpack_ref: {e}"));
        assert!(
            refs.len() == values.len() && refs.iter().zip(&values).all(|(r, v)| r.exact_eq(v)),
            "{what} #{i}: unpack_ref differs"
        );
        let again = pack(&values).unwrap_or_else(|e| panic!("{what} #{i}: re-encoding: {e}"));
        assert!(
            again == *p,
            "{what} #{i}: re-encoding differs ({} bytes)",
            p.len()
        );
    }
}

/// The request and response payloads of one capture scenario.
fn scenario_payloads(dir: &Path, scenario: &str) -> (Vec<Bytes>, Vec<Bytes>) {
    let d = dir.join(scenario);
    let requests = request_payloads(&std::fs::read(d.join("requests.bin")).unwrap());
    let responses = response_payloads(&std::fs::read(d.join("responses.bin")).unwrap());
    (requests, responses)
}

#[test]
fn every_captured_payload_round_trips_byte_exactly() {
    let Some(dir) = captures_dir() else { return };
    for scenario in SCENARIOS {
        let (requests, responses) = scenario_payloads(&dir, scenario);
        assert!(!requests.is_empty() && !responses.is_empty());
        assert_round_trips(&format!("{scenario} request"), &requests);
        assert_round_trips(&format!("{scenario} response"), &responses);
        eprintln!(
            "{scenario}: {} request and {} response payloads round-trip ({} and {} bytes)",
            requests.len(),
            responses.len(),
            requests.iter().map(Bytes::len).sum::<usize>(),
            responses.iter().map(Bytes::len).sum::<usize>(),
        );
    }
}

#[test]
fn first_request_of_basic_is_ping() {
    let Some(dir) = captures_dir() else { return };
    let requests = request_payloads(&std::fs::read(dir.join("basic/requests.bin")).unwrap());
    // cluster.call(db, "@echo", "ping"): payload 0x24 (short string, length 4) "ping".
    assert_eq!(&requests[0][..], b"\x24ping");
    assert_eq!(unpack(&requests[0]).unwrap(), vec![Value::from("ping")]);
}

#[cfg(feature = "json")]
#[test]
fn payloads_match_the_call_log() {
    use skywire_seri::{values_content_eq, values_from_json};
    use std::collections::HashSet;

    let Some(dir) = captures_dir() else { return };
    for scenario in SCENARIOS {
        let d = dir.join(scenario);
        let (requests, responses) = scenario_payloads(&dir, scenario);
        let on_wire: HashSet<&Bytes> = requests.iter().collect();
        let response_values: Vec<Vec<Value>> =
            responses.iter().map(|p| unpack(p).unwrap()).collect();

        let log = std::fs::read_to_string(d.join("calls.jsonl")).unwrap();
        let mut logged: HashSet<Bytes> = HashSet::new();
        let (mut ops, mut rets) = (0, 0);
        for (n, line) in log.lines().enumerate() {
            let op: serde_json::Value = serde_json::from_str(line).unwrap();
            let payload = match op["op"].as_str().unwrap() {
                "call" | "send" => {
                    let args = values_from_json(&op["args"])
                        .unwrap_or_else(|e| panic!("{scenario} line {}: {e}", n + 1));
                    // In `args`, hash pairs are in skynet's wire order, so
                    // packing them must give the exact request payload.
                    let payload = pack(&args).unwrap();
                    if op["ok"] == serde_json::Value::Bool(true) {
                        // Returned hash order is the receiver's: compare as sets.
                        let ret = values_from_json(&op["ret"]).unwrap();
                        assert!(
                            response_values.iter().any(|r| values_content_eq(r, &ret)),
                            "{scenario} line {}: no response matches ret",
                            n + 1
                        );
                        rets += 1;
                    }
                    payload
                }
                // cluster.query(node, name) sends skynet.pack(name).
                "query" => pack(&[Value::from(op["name"].as_str().unwrap())]).unwrap(),
                _ => continue,
            };
            assert!(
                on_wire.contains(&payload),
                "{scenario} line {}: packed args not found on the wire",
                n + 1
            );
            logged.insert(payload);
            ops += 1;
        }
        for (i, p) in requests.iter().enumerate() {
            assert!(
                logged.contains(p),
                "{scenario} request #{i} matches no log line"
            );
        }
        eprintln!("{scenario}: {ops} logged operations and {rets} returns match the wire");
    }
}
