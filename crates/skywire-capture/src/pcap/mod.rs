//! Capture files (pcap, pcapng) in, ordered TCP byte streams out.
//!
//! [`CaptureReader`] reads a whole capture file held in memory (any bytes at all: it never
//! panics, and every failure is a [`CaptureError`] with the file offset) and hands out
//! [`Event`]s in file order:
//!
//! - [`Event::Open`] when a TCP connection is first seen. Connections are keyed by their
//!   4-tuple and numbered from 0 in order of appearance; the side that sent the first SYN
//!   is the client (the requesting side of a cluster connection). Without a SYN in the
//!   capture, the receiver of a SYN-ACK, or else the sender of the first packet seen, is
//!   taken as the client. A SYN on a known 4-tuple opens a new connection unless it
//!   repeats the SYN that opened the current one.
//! - [`Event::Data`] with the next in-order bytes of one direction, put back in order by
//!   sequence number: retransmissions dropped, out-of-order segments held until the gap
//!   before them fills, sequence numbers followed across their wrap-around. Held bytes are
//!   bounded ([`CaptureOptions::max_waiting`]); a gap that never fills is an error at the
//!   end of the file.
//!
//! Link types: Ethernet, raw IP (`RAW`, `IPV4`, `IPV6`), BSD loopback (`NULL`, `LOOP`),
//! Linux cooked capture v1 and v2 (`LINUX_SLL`, `LINUX_SLL2`). Packets of other link types,
//! non-TCP packets and IP fragments are skipped.
//!
//! ```
//! use skywire_capture::pcap::{CaptureReader, Event};
//! let err = CaptureReader::new(b"GET / HTTP/1.1\r\n").unwrap_err();
//! assert_eq!(err.to_string(), "at byte 0: not a pcap or pcapng file");
//! ```

mod error;
mod file;
mod link;
mod tcp;
pub mod write;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;

pub use error::{CaptureError, CaptureErrorKind, CutShort};
pub use file::{FileFormat, LinkPacket, PacketReader};
pub use link::{tcp_segment, TcpSegment};
pub use tcp::{StreamAssembler, StreamError};

/// One direction of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// Client to server: the requests of a cluster connection.
    Requests,
    /// Server to client: the responses.
    Responses,
}

impl Side {
    /// 0 for the client's side, 1 for the server's: for per-side arrays.
    pub fn index(self) -> usize {
        match self {
            Side::Requests => 0,
            Side::Responses => 1,
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Requests => "requests",
            Side::Responses => "responses",
        })
    }
}

/// A connection, when first seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnInfo {
    /// Its number: 0 for the first connection in the file, and so on.
    pub conn: usize,
    /// The requesting side (see the [module docs](self)).
    pub client: SocketAddr,
    /// The serving side.
    pub server: SocketAddr,
    /// File offset of the packet that showed it first.
    pub offset: u64,
}

/// Bytes of one direction, in stream order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// Connection number.
    pub conn: usize,
    /// Which direction.
    pub side: Side,
    /// Stream offset of `data[0]`: the stream bytes handed out before it.
    pub stream_offset: u64,
    /// The bytes.
    pub data: Vec<u8>,
    /// File offset of the packet that made them available.
    pub offset: u64,
}

/// What [`CaptureReader::next_event`] hands out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A connection was seen for the first time.
    Open(ConnInfo),
    /// The next in-order bytes of one direction of a connection.
    Data(Chunk),
}

/// Options for [`CaptureReader`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaptureOptions {
    /// Only connections with this port on either side (`None`: every TCP connection).
    pub port: Option<u16>,
    /// Most bytes one direction may hold behind a gap, waiting for it to fill.
    pub max_waiting: usize,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        CaptureOptions {
            port: None,
            max_waiting: 16 << 20,
        }
    }
}

#[derive(Debug)]
struct Connection {
    info: ConnInfo,
    streams: [StreamAssembler; 2],
    /// FIN or RST seen, from either side.
    closing: bool,
    /// Sequence number of the client's SYN, if it was captured.
    syn_seq: Option<u32>,
}

impl Connection {
    fn side_of(&self, src: SocketAddr) -> Side {
        if src == self.info.client {
            Side::Requests
        } else {
            Side::Responses
        }
    }
}

/// An unordered endpoint pair, the key of a connection.
type Key = (SocketAddr, SocketAddr);

fn key(a: SocketAddr, b: SocketAddr) -> Key {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// Reads a capture file and hands out its TCP connections' streams (see the
/// [module docs](self)).
#[derive(Debug)]
pub struct CaptureReader<'a> {
    packets: PacketReader<'a>,
    options: CaptureOptions,
    conns: Vec<Connection>,
    by_key: HashMap<Key, usize>,
    /// Events made by the last packet, not yet handed out (in reverse order).
    pending: Vec<Event>,
    packet_count: u64,
    skipped: u64,
    cut: CutShort,
    done: bool,
}

impl<'a> CaptureReader<'a> {
    /// A reader over a whole capture file, with default options. Fails when `data` does
    /// not start like a pcap or pcapng file.
    pub fn new(data: &'a [u8]) -> Result<CaptureReader<'a>, CaptureError> {
        Self::with_options(data, CaptureOptions::default())
    }

    /// A reader with these options.
    pub fn with_options(
        data: &'a [u8],
        options: CaptureOptions,
    ) -> Result<CaptureReader<'a>, CaptureError> {
        Ok(CaptureReader {
            packets: PacketReader::new(data)?,
            options,
            conns: Vec::new(),
            by_key: HashMap::new(),
            pending: Vec::new(),
            packet_count: 0,
            skipped: 0,
            cut: CutShort::default(),
            done: false,
        })
    }

    /// The file's format.
    pub fn format(&self) -> FileFormat {
        self.packets.format()
    }

    /// Connections seen so far.
    pub fn connections(&self) -> impl Iterator<Item = &ConnInfo> {
        self.conns.iter().map(|c| &c.info)
    }

    /// Packets read so far.
    pub fn packets(&self) -> u64 {
        self.packet_count
    }

    /// The next event; `None` once the whole file has been read. At the end of the file it
    /// fails if a stream has bytes waiting behind a gap, or if the file held no TCP
    /// connection at all.
    pub fn next_event(&mut self) -> Result<Option<Event>, CaptureError> {
        loop {
            if let Some(e) = self.pending.pop() {
                return Ok(Some(e));
            }
            if self.done {
                return Ok(None);
            }
            match self.packets.next_packet()? {
                Some(p) => self.packet(&p)?,
                None => {
                    self.done = true;
                    self.check_end()?;
                }
            }
        }
    }

    fn packet(&mut self, p: &LinkPacket<'_>) -> Result<(), CaptureError> {
        self.packet_count += 1;
        if p.cut_short {
            self.cut.packets += 1;
            self.cut.first_offset.get_or_insert(p.offset);
        }
        let Some(seg) = tcp_segment(p) else {
            self.skipped += 1;
            return Ok(());
        };
        if let Some(port) = self.options.port {
            if seg.src.port() != port && seg.dst.port() != port {
                return Ok(());
            }
        }
        let k = key(seg.src, seg.dst);
        let existing = self.by_key.get(&k).copied();
        let fresh_syn = seg.syn && !seg.ack;
        // A SYN on a known 4-tuple is the same connection only if it repeats the SYN that
        // opened it (a retransmission); otherwise the old connection is gone (its end may
        // not have been captured) and a new one starts.
        let index = match existing {
            Some(i) if !fresh_syn => i,
            Some(i) if self.conns[i].syn_seq == Some(seg.seq) && !self.conns[i].closing => i,
            _ => self.open(k, &seg, p.offset),
        };
        let conn = &mut self.conns[index];
        let side = conn.side_of(seg.src);
        let stream = &mut conn.streams[side.index()];
        if seg.syn {
            stream.syn(seg.seq);
        }
        if seg.fin || seg.rst {
            conn.closing = true;
        }
        let stream_offset = stream.delivered();
        let mut data = Vec::new();
        let seq = if seg.syn {
            seg.seq.wrapping_add(1)
        } else {
            seg.seq
        };
        stream.segment(seq, seg.payload, &mut data).map_err(
            |StreamError::TooMuchWaiting { gap_at }| {
                CaptureError::new(
                    p.offset,
                    CaptureErrorKind::GapTooLarge {
                        conn: index,
                        side,
                        from: gap_at,
                        limit: self.options.max_waiting,
                    },
                )
            },
        )?;
        if !data.is_empty() {
            self.pending.push(Event::Data(Chunk {
                conn: index,
                side,
                stream_offset,
                data,
                offset: p.offset,
            }));
        }
        if existing != Some(index) {
            // The Open event goes out before the data (pending is popped from the end).
            self.pending
                .push(Event::Open(self.conns[index].info.clone()));
        }
        Ok(())
    }

    fn open(&mut self, k: Key, seg: &TcpSegment<'_>, offset: u64) -> usize {
        let (client, server) = if seg.syn && seg.ack {
            (seg.dst, seg.src)
        } else {
            (seg.src, seg.dst)
        };
        let index = self.conns.len();
        self.conns.push(Connection {
            info: ConnInfo {
                conn: index,
                client,
                server,
                offset,
            },
            streams: [
                StreamAssembler::new(self.options.max_waiting),
                StreamAssembler::new(self.options.max_waiting),
            ],
            closing: false,
            syn_seq: (seg.syn && !seg.ack).then_some(seg.seq),
        });
        self.by_key.insert(k, index);
        index
    }

    fn check_end(&self) -> Result<(), CaptureError> {
        let end = self.packets.offset();
        if self.conns.is_empty() {
            return Err(CaptureError::new(
                end,
                CaptureErrorKind::NoTcp {
                    packets: self.packet_count,
                    skipped: self.skipped,
                },
            ));
        }
        for c in &self.conns {
            for side in [Side::Requests, Side::Responses] {
                if let Some((from, to, waiting)) = c.streams[side.index()].gap() {
                    return Err(CaptureError::new(
                        end,
                        CaptureErrorKind::Gap {
                            conn: c.info.conn,
                            side,
                            from,
                            to,
                            waiting,
                            cut: self.cut,
                        },
                    ));
                }
            }
        }
        Ok(())
    }
}
