//! Test helpers: building TCP packets (with `etherparse`) and writing them as pcap / pcapng
//! files (by hand, from the formats' specifications), and reading the shared captures.
#![allow(dead_code)]

pub mod child;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use etherparse::PacketBuilder;
use skywire_capture::pcap::write::{self, TcpConversation, TcpFlags};

#[path = "../../../../tests/common/captures.rs"]
mod captures;
pub use captures::captures_root;

/// The shared capture folders (`tests/captures/*/` of the root package) with a calling
/// node's log, sorted.
pub fn capture_dirs() -> Vec<PathBuf> {
    captures::capture_dirs_with(&["calls.jsonl"], 5)
}

/// One capture folder by name.
pub fn capture(name: &str) -> PathBuf {
    captures_root().join(name)
}

/// The first `n` frames of a stream (or all of it), found by walking the 2-byte
/// big-endian length headers.
pub fn frame_prefix(stream: &[u8], n: usize) -> &[u8] {
    let mut at = 0;
    for _ in 0..n {
        if at + 2 > stream.len() {
            break;
        }
        at += 2 + usize::from(u16::from_be_bytes([stream[at], stream[at + 1]]));
    }
    &stream[..at.min(stream.len())]
}

/// Number of frames in a whole stream, by walking its length headers.
pub fn frame_count(stream: &[u8]) -> usize {
    let (mut at, mut n) = (0, 0);
    while at + 2 <= stream.len() {
        at += 2 + usize::from(u16::from_be_bytes([stream[at], stream[at + 1]]));
        n += 1;
    }
    assert_eq!(at, stream.len(), "stream does not end on a frame boundary");
    n
}

/// Link types (numbers from the tcpdump link-type registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// 1
    Ethernet,
    /// 101
    RawIp,
    /// 0: 4-byte address family in host byte order, then IP.
    Null,
    /// 113
    Sll,
    /// 276
    Sll2,
}

impl Link {
    pub fn linktype(self) -> pcap_parser::Linktype {
        pcap_parser::Linktype(self.number() as i32)
    }

    pub fn number(self) -> u32 {
        match self {
            Link::Ethernet => 1,
            Link::RawIp => 101,
            Link::Null => 0,
            Link::Sll => 113,
            Link::Sll2 => 276,
        }
    }
}

/// TCP flags a test packet carries.
#[derive(Clone, Copy, Debug, Default)]
pub struct Flags {
    pub syn: bool,
    pub ack: Option<u32>,
    pub fin: bool,
    pub rst: bool,
}

/// A TCP packet on `link` (built by the library's pcap writer).
pub fn tcp_packet(
    link: Link,
    src: SocketAddr,
    dst: SocketAddr,
    seq: u32,
    flags: Flags,
    payload: &[u8],
) -> Vec<u8> {
    let flags = TcpFlags {
        syn: flags.syn,
        ack: flags.ack,
        fin: flags.fin,
        rst: flags.rst,
    };
    write::tcp_packet(link.linktype(), src, dst, seq, flags, payload).unwrap()
}

/// A UDP packet on Ethernet (something a capture of cluster traffic should skip).
pub fn udp_packet(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> Vec<u8> {
    let (IpAddr::V4(s), IpAddr::V4(d)) = (src.ip(), dst.ip()) else {
        panic!("IPv4 only")
    };
    let b = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4(s.octets(), d.octets(), 64)
        .udp(src.port(), dst.port());
    let mut out = Vec::new();
    b.write_to_vec(&mut out, payload).unwrap();
    out
}

/// A legacy pcap file (microsecond timestamps), little- or big-endian.
pub fn pcap(link: Link, packets: &[Vec<u8>], big_endian: bool) -> Vec<u8> {
    let u32b = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u16b = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut out = Vec::new();
    out.extend_from_slice(&u32b(0xa1b2_c3d4));
    out.extend_from_slice(&u16b(2));
    out.extend_from_slice(&u16b(4));
    out.extend_from_slice(&u32b(0)); // thiszone
    out.extend_from_slice(&u32b(0)); // sigfigs
    out.extend_from_slice(&u32b(262_144)); // snaplen
    out.extend_from_slice(&u32b(link.number()));
    for (i, p) in packets.iter().enumerate() {
        out.extend_from_slice(&u32b(1_700_000_000 + i as u32));
        out.extend_from_slice(&u32b(0));
        out.extend_from_slice(&u32b(p.len() as u32));
        out.extend_from_slice(&u32b(p.len() as u32));
        out.extend_from_slice(p);
    }
    out
}

/// A pcapng file: one section (little-endian), one interface, enhanced packet blocks
/// (written by the library's pcap writer, all with timestamp 0).
pub fn pcapng(link: Link, packets: &[Vec<u8>]) -> Vec<u8> {
    let mut w = write::PcapNgWriter::new(Vec::new(), link.linktype()).unwrap();
    for p in packets {
        w.packet(std::time::Duration::ZERO, p).unwrap();
    }
    w.into_inner().unwrap()
}

/// A TCP connection being written packet by packet: the library's [`TcpConversation`]
/// (its fields readable through `Deref`), the packets so far, and segments of any size
/// sent in any order.
pub struct Conversation {
    pub tcp: TcpConversation,
    pub packets: Vec<Vec<u8>>,
}

impl std::ops::Deref for Conversation {
    type Target = TcpConversation;
    fn deref(&self) -> &TcpConversation {
        &self.tcp
    }
}

impl Conversation {
    pub fn new(
        link: Link,
        client: SocketAddr,
        server: SocketAddr,
        client_isn: u32,
        server_isn: u32,
    ) -> Self {
        let mut tcp = TcpConversation::new(client, server, client_isn, server_isn);
        tcp.link = link.linktype();
        Conversation {
            tcp,
            packets: Vec::new(),
        }
    }

    /// SYN, SYN-ACK, ACK.
    pub fn handshake(&mut self) {
        self.packets.extend(self.tcp.handshake().unwrap());
    }

    /// The segments (seq, bytes) carrying `data` from one side, `mss` bytes each, and the
    /// side's sequence number moved past them.
    pub fn segments(&mut self, from_client: bool, data: &[u8], mss: usize) -> Vec<(u32, Vec<u8>)> {
        let seq = if from_client {
            &mut self.tcp.client_seq
        } else {
            &mut self.tcp.server_seq
        };
        let mut out = Vec::new();
        for chunk in data.chunks(mss) {
            out.push((*seq, chunk.to_vec()));
            *seq = seq.wrapping_add(chunk.len() as u32);
        }
        out
    }

    /// Writes segments as packets from one side (in the order given).
    pub fn send_segments(&mut self, from_client: bool, segments: &[(u32, Vec<u8>)]) {
        let t = &self.tcp;
        let (src, dst, ack) = if from_client {
            (t.client, t.server, t.server_seq)
        } else {
            (t.server, t.client, t.client_seq)
        };
        for (seq, bytes) in segments {
            let flags = TcpFlags {
                ack: Some(ack),
                ..TcpFlags::default()
            };
            let p = write::tcp_packet(t.link, src, dst, *seq, flags, bytes).unwrap();
            self.packets.push(p);
        }
    }

    /// Sends `data` in order.
    pub fn send(&mut self, from_client: bool, data: &[u8], mss: usize) {
        let segs = self.segments(from_client, data, mss);
        self.send_segments(from_client, &segs);
    }
}

/// Scrambles segments the way a lossy network and a capture can show them: neighbours
/// swapped, some segments sent twice, some re-sent merged with the next one (overlap).
/// Deterministic.
pub fn scramble(segments: &[(u32, Vec<u8>)]) -> Vec<(u32, Vec<u8>)> {
    let mut out: Vec<(u32, Vec<u8>)> = Vec::new();
    let mut i = 0;
    while i < segments.len() {
        if i % 6 == 0 && i + 1 < segments.len() {
            // next one first, then this one
            out.push(segments[i + 1].clone());
            out.push(segments[i].clone());
            i += 2;
            continue;
        }
        out.push(segments[i].clone());
        if i % 5 == 0 {
            out.push(segments[i].clone()); // retransmission
        }
        if i % 7 == 0 && i + 1 < segments.len() {
            // re-sent together with the first half of the next segment (overlap)
            let mut merged = segments[i].1.clone();
            let next = &segments[i + 1].1;
            merged.extend_from_slice(&next[..next.len() / 2]);
            out.push((segments[i].0, merged));
        }
        i += 1;
    }
    // A late duplicate of an early segment, long after it was delivered.
    if let Some(first) = segments.first() {
        out.push(first.clone());
    }
    out
}

/// `127.0.0.1:port`.
pub fn v4(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// `[::1]:port`.
pub fn v6(port: u16) -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0, 0, 0, 0, 1], port))
}
