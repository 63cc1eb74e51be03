//! Where traffic comes from: a capture file (pcap / pcapng) or raw byte streams, driven
//! through [`StreamDissector`]s one frame at a time, with every error naming the file and
//! the byte offset.
//!
//! A capture's connections are fed in file order, so steps of different connections and
//! directions interleave as they did on the wire. Raw streams have no timing: the request
//! stream is stepped through first, then the response stream.

use std::error::Error;
use std::fmt;
use std::path::{Path, PathBuf};

use bytes::BytesMut;
use skywire_codec::{DecodeError, DecodeErrorKind};

use crate::dissect::{Step, StreamDissector};
use crate::pcap::{CaptureError, CaptureOptions, CaptureReader, ConnInfo, Event, Side};

/// An error a [`Visitor`] returns (e.g. the output could not be written).
pub type VisitError = Box<dyn Error + Send + Sync>;

/// What to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A pcap or pcapng file.
    Capture(PathBuf),
    /// Raw streams as a recording proxy saves them: the bytes client -> server and/or
    /// server -> client, each from the first byte of the connection.
    Streams {
        /// The request direction.
        requests: Option<PathBuf>,
        /// The response direction.
        responses: Option<PathBuf>,
    },
}

impl Input {
    /// A file named on the command line: a capture file. (Raw streams are given with
    /// `--requests` / `--responses`.)
    pub fn capture(path: impl Into<PathBuf>) -> Input {
        Input::Capture(path.into())
    }

    /// The files of a capture folder as the shared captures lay them out: `capture.pcapng`
    /// / `capture.pcap` if there is one, else `requests.bin` and `responses.bin`.
    pub fn from_folder(dir: &Path) -> Option<Input> {
        for name in ["capture.pcapng", "capture.pcap"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(Input::Capture(p));
            }
        }
        let requests = Some(dir.join("requests.bin")).filter(|p| p.is_file());
        let responses = Some(dir.join("responses.bin")).filter(|p| p.is_file());
        (requests.is_some() || responses.is_some()).then_some(Input::Streams {
            requests,
            responses,
        })
    }

    /// The file(s), for messages.
    pub fn describe(&self) -> String {
        match self {
            Input::Capture(p) => p.display().to_string(),
            Input::Streams {
                requests,
                responses,
            } => [requests, responses]
                .into_iter()
                .flatten()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" + "),
        }
    }
}

/// Where a step came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Connection number in a capture file (`None` for raw streams).
    pub conn: Option<usize>,
    /// Which direction.
    pub side: Side,
}

/// What [`run`] calls with what it finds.
pub trait Visitor {
    /// A capture's connection, when first seen (before any of its steps).
    fn connection(&mut self, _info: &ConnInfo) -> Result<(), VisitError> {
        Ok(())
    }
    /// One frame, with the message it completed, if any.
    fn step(&mut self, origin: Origin, step: Step) -> Result<(), VisitError>;
}

/// Counts over one input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Whole messages.
    pub messages: u64,
    /// Frames.
    pub frames: u64,
    /// Stream bytes taken apart (both directions, all connections).
    pub bytes: u64,
    /// Connections (1 for raw streams).
    pub connections: u64,
}

/// Options for [`run`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Keep each message's frames in [`Decoded::frames`](crate::dissect::Decoded::frames).
    pub keep_frames: bool,
    /// Capture files: only connections with this port on either side.
    pub port: Option<u16>,
    /// Capture files: most bytes the multi-part messages open at once in all connections
    /// together may declare, on top of the file's length (0: the default, 256 MiB). Each
    /// stream also has the codec's own [`Limits`](skywire_codec::Limits).
    pub max_open_bytes: u64,
}

/// [`RunOptions::max_open_bytes`] when 0 is given.
pub const DEFAULT_MAX_OPEN_BYTES: u64 = 256 << 20;

/// Where in a stream a problem was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamPlace {
    /// The file.
    pub file: PathBuf,
    /// Connection and direction, for a capture file.
    pub origin: Option<Origin>,
    /// Byte offset in the stream (for raw streams, also the offset in the file).
    pub offset: u64,
    /// For a capture file: offset in the file of the packet being read, or of the end of
    /// the file.
    pub file_offset: Option<u64>,
    /// True when the problem showed at the end of the input (a stream cut short).
    pub at_end: bool,
}

impl fmt::Display for StreamPlace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file.display())?;
        match (self.origin, self.file_offset) {
            (
                Some(Origin {
                    conn: Some(c),
                    side,
                }),
                Some(fo),
            ) => write!(
                f,
                "connection {c} {side}: at stream byte {} (packet at file byte {fo})",
                self.offset
            ),
            _ => write!(f, "at byte {}", self.offset),
        }
    }
}

/// Why an input could not be read to the end.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read.
    #[error("{}: {source}", file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The capture file itself is broken, or its TCP streams cannot be put in order.
    #[error("{}: {source}", file.display())]
    Capture {
        /// The file.
        file: PathBuf,
        /// The error, with the file offset.
        source: CaptureError,
    },
    /// A stream that cannot be taken apart into frames and messages.
    #[error("{place}: {kind}")]
    Stream {
        /// Where.
        place: StreamPlace,
        /// What.
        kind: DecodeErrorKind,
    },
    /// The input holds no cluster message at all.
    #[error("{}: at byte {offset}: no skynet cluster messages ({what})", file.display())]
    NoMessages {
        /// The file.
        file: PathBuf,
        /// Its length.
        offset: u64,
        /// What was found instead.
        what: String,
    },
    /// The multi-part messages open at once, over all connections of a capture, declare
    /// more bytes than may be held.
    #[error("{place}: multi-part messages open in all connections declare {reserved} bytes, more than the limit of {limit}")]
    TooMuchOpen {
        /// Where the limit was passed.
        place: StreamPlace,
        /// What they declare.
        reserved: u64,
        /// The limit ([`RunOptions::max_open_bytes`], plus the file's length).
        limit: u64,
    },
    /// The visitor stopped the run.
    #[error("{0}")]
    Visitor(VisitError),
}

/// Reads `input` and steps through all of it, calling `visitor`. Fails on the first error;
/// also fails when the input holds no message at all.
pub fn run(
    input: &Input,
    options: RunOptions,
    visitor: &mut dyn Visitor,
) -> Result<Totals, InputError> {
    match input {
        Input::Capture(path) => {
            let data = read(path)?;
            run_capture(path, &data, options, visitor)
        }
        Input::Streams {
            requests,
            responses,
        } => {
            let mut totals = Totals {
                connections: 1,
                ..Totals::default()
            };
            let mut last = None;
            for (path, side) in [(requests, Side::Requests), (responses, Side::Responses)] {
                let Some(path) = path else { continue };
                let data = read(path)?;
                let len = data.len() as u64;
                run_stream(path, data, side, options, visitor, &mut totals)?;
                last = Some((path, len));
            }
            match last {
                Some((path, len)) if totals.messages == 0 => Err(InputError::NoMessages {
                    file: path.clone(),
                    offset: len,
                    what: format!("{} frame(s)", totals.frames),
                }),
                _ => Ok(totals),
            }
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, InputError> {
    std::fs::read(path).map_err(|source| InputError::Io {
        file: path.to_owned(),
        source,
    })
}

/// Steps through one whole raw stream.
fn run_stream(
    path: &Path,
    data: Vec<u8>,
    side: Side,
    options: RunOptions,
    visitor: &mut dyn Visitor,
    totals: &mut Totals,
) -> Result<(), InputError> {
    let mut d = dissector(side, options);
    totals.bytes += data.len() as u64;
    d.feed_owned(BytesMut::from(bytes::Bytes::from(data)));
    let origin = Origin { conn: None, side };
    let place = |e: DecodeError| InputError::Stream {
        place: StreamPlace {
            file: path.to_owned(),
            origin: None,
            offset: e.offset(),
            file_offset: None,
            at_end: false,
        },
        kind: e.kind().clone(),
    };
    drain(&mut d, origin, visitor, totals).map_err(|e| e.into_input(place))?;
    d.finish().map_err(place)
}

fn dissector(side: Side, options: RunOptions) -> StreamDissector {
    match side {
        Side::Requests => StreamDissector::requests(options.keep_frames),
        Side::Responses => StreamDissector::responses(options.keep_frames),
    }
}

/// A failure while stepping: the stream's or the visitor's.
enum DrainError {
    Decode(DecodeError),
    Visitor(VisitError),
}

impl DrainError {
    fn into_input(self, place: impl FnOnce(DecodeError) -> InputError) -> InputError {
        match self {
            DrainError::Decode(e) => place(e),
            DrainError::Visitor(e) => InputError::Visitor(e),
        }
    }
}

/// Hands every whole frame buffered in `d` to the visitor.
fn drain(
    d: &mut StreamDissector,
    origin: Origin,
    visitor: &mut dyn Visitor,
    totals: &mut Totals,
) -> Result<(), DrainError> {
    while let Some(step) = d.next_step().map_err(DrainError::Decode)? {
        totals.frames += 1;
        if step.message.is_some() {
            totals.messages += 1;
        }
        visitor.step(origin, step).map_err(DrainError::Visitor)?;
    }
    Ok(())
}

/// Steps through every connection of a capture file held in memory (`path` only names it
/// in errors): what [`run`] does with an [`Input::Capture`] once the file is read. Any bytes
/// at all may be given: the result is the totals or an error, never a panic, and memory
/// stays bounded by the file's length and the limits.
///
/// ```
/// use std::path::Path;
/// use skywire_capture::traffic::{run_capture, Origin, RunOptions, VisitError, Visitor};
/// struct Count(usize);
/// impl Visitor for Count {
///     fn step(&mut self, _: Origin, _: skywire_capture::dissect::Step) -> Result<(), VisitError> {
///         self.0 += 1;
///         Ok(())
///     }
/// }
/// let err = run_capture(Path::new("x.pcap"), b"\xd4\xc3\xb2\xa1", RunOptions::default(), &mut Count(0))
///     .unwrap_err();
/// assert_eq!(err.to_string(), "x.pcap: at byte 0: file ends inside a pcap file header");
/// ```
pub fn run_capture(
    path: &Path,
    data: &[u8],
    options: RunOptions,
    visitor: &mut dyn Visitor,
) -> Result<Totals, InputError> {
    let capture_error = |source| InputError::Capture {
        file: path.to_owned(),
        source,
    };
    let mut reader = CaptureReader::with_options(
        data,
        CaptureOptions {
            port: options.port,
            ..CaptureOptions::default()
        },
    )
    .map_err(capture_error)?;
    let mut totals = Totals::default();
    // What open multi-part messages declare, over all connections: a capture's messages
    // are in the file, so more than the file's length (and some slack for messages the
    // capture cut off) means a hostile file.
    let mut open_bytes: u64 = 0;
    let open_limit = data.len() as u64
        + if options.max_open_bytes == 0 {
            DEFAULT_MAX_OPEN_BYTES
        } else {
            options.max_open_bytes
        };
    // Per connection: the request and response dissectors.
    let mut conns: Vec<[StreamDissector; 2]> = Vec::new();
    while let Some(event) = reader.next_event().map_err(capture_error)? {
        match event {
            Event::Open(info) => {
                conns.push([
                    dissector(Side::Requests, options),
                    dissector(Side::Responses, options),
                ]);
                totals.connections += 1;
                visitor.connection(&info).map_err(InputError::Visitor)?;
            }
            Event::Data(chunk) => {
                let origin = Origin {
                    conn: Some(chunk.conn),
                    side: chunk.side,
                };
                let Some(d) = conns
                    .get_mut(chunk.conn)
                    .map(|pair| &mut pair[chunk.side.index()])
                else {
                    continue; // the reader announces every connection first
                };
                totals.bytes += chunk.data.len() as u64;
                d.feed(&chunk.data);
                let before = d.reserved();
                let drained = drain(d, origin, visitor, &mut totals);
                open_bytes = open_bytes - before + d.reserved();
                if open_bytes > open_limit {
                    return Err(InputError::TooMuchOpen {
                        place: StreamPlace {
                            file: path.to_owned(),
                            origin: Some(origin),
                            offset: d.offset(),
                            file_offset: Some(chunk.offset),
                            at_end: false,
                        },
                        reserved: open_bytes,
                        limit: open_limit,
                    });
                }
                drained.map_err(|e| {
                    e.into_input(|e| stream_error(path, origin, &e, chunk.offset, false))
                })?;
            }
        }
    }
    let end = data.len() as u64;
    for (conn, pair) in conns.iter().enumerate() {
        for side in [Side::Requests, Side::Responses] {
            let origin = Origin {
                conn: Some(conn),
                side,
            };
            pair[side.index()]
                .finish()
                .map_err(|e| stream_error(path, origin, &e, end, true))?;
        }
    }
    if totals.messages == 0 {
        let what = format!(
            "{} TCP connection(s), {} stream bytes, in {} packets",
            totals.connections,
            totals.bytes,
            reader.packets()
        );
        return Err(InputError::NoMessages {
            file: path.to_owned(),
            offset: end,
            what,
        });
    }
    Ok(totals)
}

fn stream_error(
    path: &Path,
    origin: Origin,
    e: &DecodeError,
    file_offset: u64,
    at_end: bool,
) -> InputError {
    InputError::Stream {
        place: StreamPlace {
            file: path.to_owned(),
            origin: Some(origin),
            offset: e.offset(),
            file_offset: Some(file_offset),
            at_end,
        },
        kind: e.kind().clone(),
    }
}
