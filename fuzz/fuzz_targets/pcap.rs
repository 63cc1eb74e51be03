//! The CLI's capture reader (`skywire_capture::pcap::CaptureReader`) on arbitrary bytes, and
//! what `skywire decode` does with the streams it hands out.
//!
//! Checked: no panic, no hang; every error offset is inside the file; connections are
//! numbered 0, 1, ... and opened before their data; each direction's chunks are non-empty
//! and contiguous in stream offsets; all streams together never carry more bytes than the
//! file (memory stays proportional to the input); with a port filter only matching
//! connections appear. Every stream goes through the CLI's dissector, and every frame and
//! message through its human and JSON output, whose JSON lines must parse. Finally the
//! whole `skywire decode` pipeline (`traffic::run_capture`) runs over the bytes: it either
//! succeeds or fails with an error naming the file.
#![no_main]

use std::collections::HashMap;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use skywire_capture::dissect::Step;
use skywire_capture::dissect::{Message, StreamDissector};
use skywire_capture::format::frame_json::frame_record;
use skywire_capture::format::human::{frame_line, message_line};
use skywire_capture::traffic::{run_capture, Origin, RunOptions, VisitError, Visitor};
use skywire_capture::pcap::{CaptureOptions, CaptureReader, Event, Side};
use skywire_capture::format::message_json::{request_record, response_record};

fuzz_target!(|data: &[u8]| {
    read(data, CaptureOptions::default());
    // The captures' server port, and a small budget for bytes behind a gap.
    read(
        data,
        CaptureOptions {
            port: Some(27538),
            max_waiting: 100,
        },
    );
    let mut v = Lines(0);
    match run_capture(Path::new("fuzz.pcap"), data, RunOptions::default(), &mut v) {
        Ok(totals) => assert!(totals.bytes <= data.len() as u64),
        Err(e) => assert!(e.to_string().starts_with("fuzz.pcap"), "{e}"),
    }
});

/// Prints (to nowhere) what `skywire decode` prints for each step.
struct Lines(usize);

impl Visitor for Lines {
    fn step(&mut self, origin: Origin, step: Step) -> Result<(), VisitError> {
        let _ = frame_line(
            &origin,
            step.frame.offset,
            step.frame.wire_len(),
            &step.packet,
        );
        if let Some(m) = &step.message {
            self.0 += message_line(&origin, m, Some(80)).len();
        }
        Ok(())
    }
}

/// One direction of one connection, taken apart as `skywire decode` does.
struct Stream {
    dissector: StreamDissector,
    failed: bool,
    delivered: u64,
}

fn read(data: &[u8], options: CaptureOptions) {
    let len = data.len() as u64;
    let mut r = match CaptureReader::with_options(data, options) {
        Ok(r) => r,
        Err(e) => {
            assert!(e.offset() <= len, "{e}");
            let _ = e.to_string();
            return;
        }
    };
    let _ = r.format();
    let mut conns = 0usize;
    let mut total = 0u64;
    let mut streams: HashMap<(usize, Side), Stream> = HashMap::new();
    loop {
        match r.next_event() {
            Ok(None) => break,
            Ok(Some(Event::Open(info))) => {
                assert_eq!(info.conn, conns, "connections numbered in order");
                conns += 1;
                assert!(info.offset < len);
                if let Some(p) = options.port {
                    assert!(info.client.port() == p || info.server.port() == p);
                }
            }
            Ok(Some(Event::Data(c))) => {
                assert!(c.conn < conns, "data before its connection opened");
                assert!(!c.data.is_empty(), "empty chunk");
                assert!(c.offset < len);
                total += c.data.len() as u64;
                assert!(total <= len, "streams carry more bytes than the file");
                let s = streams.entry((c.conn, c.side)).or_insert_with(|| Stream {
                    dissector: match c.side {
                        Side::Requests => StreamDissector::requests(false),
                        Side::Responses => StreamDissector::responses(false),
                    },
                    failed: false,
                    delivered: 0,
                });
                assert_eq!(c.stream_offset, s.delivered, "chunks not contiguous");
                s.delivered += c.data.len() as u64;
                let origin = Origin {
                    conn: Some(c.conn),
                    side: c.side,
                };
                dissect(s, &c.data, origin);
            }
            Err(e) => {
                assert!(e.offset() <= len, "{e}");
                let _ = e.to_string();
                break;
            }
        }
    }
    assert_eq!(r.connections().count(), conns);
    for s in streams.values() {
        if !s.failed {
            if let Err(e) = s.dissector.finish() {
                assert!(e.offset() <= s.delivered);
            }
        }
    }
}

fn dissect(s: &mut Stream, data: &[u8], origin: Origin) {
    if s.failed {
        return;
    }
    s.dissector.feed(data);
    loop {
        match s.dissector.next_step() {
            Ok(Some(step)) => {
                let conn = origin.conn;
                json(&frame_record(&step.frame, &step.packet, conn).to_json_line());
                let _ = frame_line(
                    &origin,
                    step.frame.offset,
                    step.frame.wire_len(),
                    &step.packet,
                );
                if let Some(m) = step.message {
                    let line = match &m.message {
                        Message::Request(r) => request_record(r, conn).to_json_line(),
                        Message::Response(r) => response_record(r, conn).to_json_line(),
                    };
                    json(&line);
                    let _ = message_line(&origin, &m, None);
                    let _ = message_line(&origin, &m, Some(data.len() % 97));
                }
            }
            Ok(None) => return,
            Err(e) => {
                assert!(e.offset() < s.delivered);
                s.failed = true;
                return;
            }
        }
    }
}

/// A line of `--json` output is one JSON object (serde_json refuses documents nested
/// over 128 deep; deeply nested tables can reach that).
fn json(line: &str) {
    match serde_json::from_str::<serde_json::Value>(line) {
        Ok(v) => assert!(v.is_object(), "not an object: {line}"),
        Err(e) => assert!(e.to_string().contains("recursion limit"), "{e}: {line}"),
    }
}
