//! Conformance checks over captured traffic (`skywire check`):
//!
//! 1. everything decodes: every stream frames, parses and reassembles to the end (or the
//!    check stops with a [`CheckError`] naming the file and the offset), and every request
//!    payload and ok response payload is valid lua-seri;
//! 2. re-encoding reproduces the wire: each message cut into frames by
//!    [`Request::frames`] / [`Response::frames`] gives back exactly the bytes of the frames
//!    that carried it (trace tag included), and each payload re-packed from its values gives
//!    back exactly the payload;
//! 3. every response answers a request of its connection, and every trace tag is used;
//! 4. with a call log (and optionally a push log), the traffic agrees with it
//!    ([`crate::check::agreement`]).
//!
//! Each problem is a [`Mismatch`] naming where it is.

pub mod agreement;
pub mod call_log;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

use bytes::{BufMut, BytesMut};
use skywire_codec::{Frame, RequestPacket, Response, Session, FRAME_HEADER_LEN};

use crate::check::agreement::{agree, Exchange};
use crate::check::call_log::{parse_calls, parse_pushes, LogError};
use crate::dissect::{Decoded, Message, Packet, Step};
use crate::pcap::Side;
use crate::traffic::{self, Input, Origin, RunOptions, Totals, VisitError, Visitor};

/// A conformance problem and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// File, connection, direction, byte offset (or log line).
    pub place: String,
    /// What is wrong.
    pub what: String,
}

/// What was checked in one input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputReport {
    /// The file(s).
    pub name: String,
    /// Counts (as far as it decoded).
    pub totals: Totals,
    /// Requests among the messages.
    pub requests: u64,
    /// Responses among the messages.
    pub responses: u64,
}

/// What [`check`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// One per input, in order.
    pub inputs: Vec<InputReport>,
    /// Everything that did not conform, in the order found.
    pub mismatches: Vec<Mismatch>,
    /// Calls and queries that got no response (not a mismatch by itself: a capture may
    /// stop first; with a log, a finished operation without a response is one).
    pub unanswered: u64,
    /// Operations in the call log and lines in the push log, when given.
    pub log_lines: Option<(usize, Option<usize>)>,
}

impl Report {
    /// True when nothing mismatched.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }

    /// Totals over all inputs.
    pub fn totals(&self) -> Totals {
        self.inputs.iter().fold(Totals::default(), |a, r| Totals {
            messages: a.messages + r.totals.messages,
            frames: a.frames + r.totals.frames,
            bytes: a.bytes + r.totals.bytes,
            connections: a.connections + r.totals.connections,
        })
    }
}

/// What to check against.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// A `calls.jsonl` to agree with.
    pub calls: Option<PathBuf>,
    /// A `pushes.jsonl` to agree with.
    pub pushes: Option<PathBuf>,
    /// Capture files: only connections with this port.
    pub port: Option<u16>,
}

/// Why a check could not be done: traffic that does not decode (bad input gets an error,
/// not a report), or a log that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// An input does not decode to the end (or holds no message at all).
    #[error(transparent)]
    Input {
        /// What went wrong, naming the file and the byte offset.
        source: crate::traffic::InputError,
    },
    /// It cannot be read.
    #[error("{}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not in the log format.
    #[error("{}: {source}", file.display())]
    Log {
        /// The file.
        file: PathBuf,
        /// Which line and why.
        source: LogError,
    },
}

/// Reads and parses the log at `path`, if one is given.
fn read_log<T>(
    path: Option<&PathBuf>,
    parse: fn(&str) -> Result<Vec<T>, LogError>,
) -> Result<Option<Vec<T>>, CheckError> {
    let Some(path) = path else { return Ok(None) };
    let text = std::fs::read_to_string(path).map_err(|source| CheckError::Io {
        file: path.to_owned(),
        source,
    })?;
    parse(&text).map(Some).map_err(|source| CheckError::Log {
        file: path.clone(),
        source,
    })
}

/// Checks `inputs` (see the [module docs](self)). The logs, when given, are for all the
/// inputs together. Fails when an input does not decode to the end or a log cannot be
/// read; every other finding is in the [`Report`].
pub fn check(inputs: &[Input], options: &CheckOptions) -> Result<Report, CheckError> {
    let calls = read_log(options.calls.as_ref(), parse_calls)?;
    let pushes = read_log(options.pushes.as_ref(), parse_pushes)?;
    let mut report = Report::default();
    let mut exchanges = Vec::new();
    for input in inputs {
        let mut checker = Checker::new(input, calls.is_some());
        let run = traffic::run(
            input,
            RunOptions {
                keep_frames: true,
                port: options.port,
                ..RunOptions::default()
            },
            &mut checker,
        );
        let mut totals = checker.totals;
        totals.connections = run
            .map_err(|source| CheckError::Input { source })?
            .connections;
        checker.finish();
        report.inputs.push(InputReport {
            name: input.describe(),
            totals,
            requests: checker.requests,
            responses: checker.responses,
        });
        report.unanswered += checker.unanswered();
        report.mismatches.append(&mut checker.mismatches);
        exchanges.append(&mut checker.exchanges);
    }
    if let Some(calls) = &calls {
        report.log_lines = Some((calls.len(), pushes.as_ref().map(Vec::len)));
        report
            .mismatches
            .extend(
                agree(&exchanges, calls, pushes.as_deref())
                    .into_iter()
                    .map(|d| Mismatch {
                        place: d.place,
                        what: d.what,
                    }),
            );
    }
    Ok(report)
}

/// The per-input [`Visitor`] doing checks 1 to 3.
struct Checker {
    input: Input,
    totals: Totals,
    requests: u64,
    responses: u64,
    mismatches: Vec<Mismatch>,
    /// Per request, in order: true while a call or query waits for its response.
    waiting_flags: Vec<bool>,
    /// Requests with their responses, same indices as `waiting_flags` (only kept when a log
    /// is to be compared).
    exchanges: Vec<Exchange>,
    keep_exchanges: bool,
    /// Per connection: session -> requests waiting for a response, oldest first.
    waiting: HashMap<Option<usize>, HashMap<Session, VecDeque<usize>>>,
    /// Per connection: a trace tag frame not yet followed by its request.
    pending_trace: HashMap<Option<usize>, u64>,
}

impl Checker {
    fn new(input: &Input, keep_exchanges: bool) -> Self {
        Checker {
            waiting_flags: Vec::new(),
            keep_exchanges,
            input: input.clone(),
            totals: Totals::default(),
            requests: 0,
            responses: 0,
            mismatches: Vec::new(),
            exchanges: Vec::new(),
            waiting: HashMap::new(),
            pending_trace: HashMap::new(),
        }
    }

    /// "file: connection 0 requests at byte N" / "requests.bin: at byte N".
    fn place(&self, origin: Origin, offset: u64) -> String {
        match (&self.input, origin.conn) {
            (Input::Capture(p), Some(c)) => format!(
                "{}: connection {c} {} at stream byte {offset}",
                p.display(),
                origin.side
            ),
            (Input::Streams { requests, .. }, _) if origin.side == Side::Requests => {
                format!("{}: at byte {offset}", shown(requests))
            }
            (Input::Streams { responses, .. }, _) => {
                format!("{}: at byte {offset}", shown(responses))
            }
            (Input::Capture(p), None) => format!("{}: at byte {offset}", p.display()),
        }
    }

    fn mismatch(&mut self, origin: Origin, offset: u64, what: String) {
        let place = self.place(origin, offset);
        self.mismatches.push(Mismatch { place, what });
    }

    fn message(&mut self, origin: Origin, m: Decoded) {
        let what = match &m.message {
            Message::Request(r) => {
                format!("{} {} session {}", r.kind().as_str(), r.target, r.session)
            }
            Message::Response(r) => format!("response session {}", r.session),
        };
        // 1. The payload is lua-seri, and 2. it re-packs to the same bytes.
        let seri = match &m.message {
            Message::Request(r) => Some(&r.payload),
            Message::Response(r) if r.ok => Some(&r.payload),
            Message::Response(_) => None,
        };
        if let Some(payload) = seri {
            match skywire_seri::unpack(payload) {
                Err(e) => self.mismatch(
                    origin,
                    m.offset,
                    format!("{what}: payload undecodable: {e}"),
                ),
                Ok(values) => match skywire_seri::pack(&values) {
                    Err(e) => self.mismatch(
                        origin,
                        m.offset,
                        format!("{what}: payload values do not pack again: {e}"),
                    ),
                    Ok(again) if again != *payload => {
                        let at = first_difference(&again, payload);
                        self.mismatch(
                            origin,
                            m.offset,
                            format!("{what}: payload re-packed differs from the wire at payload byte {at}"),
                        );
                    }
                    Ok(_) => {}
                },
            }
        }
        // 2. The message re-encodes to its frames.
        let encoded = match &m.message {
            Message::Request(r) => r
                .frames()
                .map(|f| f.map(|o| o.to_vec()).collect::<Vec<_>>()),
            Message::Response(r) => r
                .frames()
                .map(|f| f.map(|o| o.to_vec()).collect::<Vec<_>>()),
        };
        match encoded {
            Err(e) => self.mismatch(
                origin,
                m.offset,
                format!("{what}: cannot be re-encoded: {e}"),
            ),
            Ok(encoded) => {
                if let Some(problem) = compare_frames(&encoded, &m.frames) {
                    self.mismatch(origin, m.offset, format!("{what}: {problem}"));
                }
            }
        }
        // 3. Pair responses with requests.
        match m.message {
            Message::Request(r) => {
                self.requests += 1;
                let wants_response = !r.push;
                let index = self.waiting_flags.len();
                self.waiting_flags.push(wants_response);
                if wants_response {
                    self.waiting
                        .entry(origin.conn)
                        .or_default()
                        .entry(r.session)
                        .or_default()
                        .push_back(index);
                }
                if self.keep_exchanges {
                    let place = self.place(origin, m.offset);
                    self.exchanges.push(Exchange {
                        place,
                        request: r,
                        response: None,
                    });
                }
            }
            Message::Response(r) => {
                self.responses += 1;
                self.response(origin, m.offset, r);
            }
        }
    }

    fn response(&mut self, origin: Origin, offset: u64, r: Response) {
        let found = self
            .waiting
            .get_mut(&origin.conn)
            .and_then(|w| w.get_mut(&r.session))
            .and_then(VecDeque::pop_front);
        match found {
            Some(i) => {
                self.waiting_flags[i] = false;
                if let Some(e) = self.exchanges.get_mut(i) {
                    e.response = Some(r);
                }
            }
            None => self.mismatch(
                origin,
                offset,
                format!("response session {}: answers no request", r.session),
            ),
        }
    }

    fn unanswered(&self) -> u64 {
        self.waiting_flags.iter().filter(|w| **w).count() as u64
    }

    /// At the end of the input: trace tags no request used.
    fn finish(&mut self) {
        let mut left: Vec<(Option<usize>, u64)> = self.pending_trace.drain().collect();
        left.sort();
        for (conn, offset) in left {
            let origin = Origin {
                conn,
                side: Side::Requests,
            };
            self.mismatch(origin, offset, "trace tag with no request after it".into());
        }
    }
}

impl Visitor for Checker {
    fn step(&mut self, origin: Origin, step: Step) -> Result<(), VisitError> {
        self.totals.frames += 1;
        self.totals.bytes += step.frame.wire_len() as u64;
        match &step.packet {
            Packet::Request(RequestPacket::Trace { .. }) => {
                if let Some(old) = self.pending_trace.insert(origin.conn, step.frame.offset) {
                    self.mismatch(
                        origin,
                        old,
                        "trace tag replaced by another before any request".into(),
                    );
                }
            }
            Packet::Request(RequestPacket::Request { .. } | RequestPacket::MultiHeader { .. }) => {
                self.pending_trace.remove(&origin.conn);
            }
            _ => {}
        }
        if let Some(m) = step.message {
            self.totals.messages += 1;
            self.message(origin, m);
        }
        Ok(())
    }
}

fn shown(p: &Option<PathBuf>) -> String {
    p.as_ref()
        .map_or_else(|| "?".into(), |p| p.display().to_string())
}

/// Index of the first byte where `a` and `b` differ (the shorter length if one is a
/// prefix of the other).
fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

/// The frame as it was on the wire: length header and body.
fn wire_bytes(f: &Frame) -> Vec<u8> {
    let mut b = BytesMut::with_capacity(FRAME_HEADER_LEN + f.body.len());
    // A frame read off a stream has a body of at most 65535 bytes.
    b.put_u16(u16::try_from(f.body.len()).unwrap_or(u16::MAX));
    b.put_slice(&f.body);
    b.to_vec()
}

/// How re-encoded frames differ from the frames on the wire, if they do.
fn compare_frames(encoded: &[Vec<u8>], wire: &[Frame]) -> Option<String> {
    for (i, (e, w)) in encoded.iter().zip(wire).enumerate() {
        let w_bytes = wire_bytes(w);
        if *e != w_bytes {
            return Some(format!(
                "frame {} (at byte {}) differs from skynet's encoding at frame byte {} ({} bytes on the wire, {} re-encoded)",
                i + 1,
                w.offset,
                first_difference(e, &w_bytes),
                w_bytes.len(),
                e.len()
            ));
        }
    }
    (encoded.len() != wire.len()).then(|| {
        format!(
            "{} frames on the wire, skynet's encoding makes {}",
            wire.len(),
            encoded.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn frame_comparison_names_the_frame() {
        let f = |offset, body: &'static [u8]| Frame {
            offset,
            body: Bytes::from_static(body),
        };
        let wire = [f(0, b"\x01\x02"), f(4, b"\x03")];
        assert_eq!(
            compare_frames(&[vec![0, 2, 1, 2], vec![0, 1, 3]], &wire),
            None
        );
        let d = compare_frames(&[vec![0, 2, 1, 2], vec![0, 1, 4]], &wire).unwrap();
        assert!(d.starts_with("frame 2 (at byte 4) differs"), "{d}");
        assert!(d.contains("frame byte 2"), "{d}");
        let n = compare_frames(&[vec![0, 2, 1, 2]], &wire).unwrap();
        assert_eq!(n, "2 frames on the wire, skynet's encoding makes 1");
    }
}
