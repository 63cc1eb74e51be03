//! Writing captures: TCP packets synthesized (with `etherparse`) for bytes that went over a
//! real connection, and a pcapng file holding them, readable by [`CaptureReader`] (so by
//! `skywire decode`) and by Wireshark / tshark.
//!
//! [`tcp_packet`] builds one packet on a link type; [`TcpConversation`] keeps the
//! sequence numbers of a connection and makes its handshake, data, FIN and RST packets;
//! [`PcapNgWriter`] writes them, one section and one interface, with timestamps.
//!
//! ```
//! use std::time::Duration;
//! use skywire_capture::pcap::write::{PcapNgWriter, TcpConversation};
//! use skywire_capture::pcap::{CaptureReader, Event};
//!
//! let mut conv = TcpConversation::new("127.0.0.1:40000".parse()?, "127.0.0.1:2528".parse()?, 1, 1);
//! let mut w = PcapNgWriter::ethernet(Vec::new())?;
//! let t = Duration::from_secs(1_700_000_000);
//! for p in conv.handshake()? { w.packet(t, &p)?; }
//! for p in conv.data(true, b"\x00\x01\x02")? { w.packet(t, &p)?; }
//! let file = w.into_inner()?;
//! let mut r = CaptureReader::new(&file)?;
//! assert!(matches!(r.next_event()?, Some(Event::Open(_))));
//! let Some(Event::Data(chunk)) = r.next_event()? else { panic!() };
//! assert_eq!(chunk.data, b"\x00\x01\x02");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`CaptureReader`]: super::CaptureReader

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use etherparse::PacketBuilder;
use pcap_parser::Linktype;

/// Why a packet could not be built or written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The two addresses are not of the same family.
    #[error("mixed address families: {0} -> {1}")]
    MixedFamilies(SocketAddr, SocketAddr),
    /// A link type this writer does not make headers for.
    #[error("unsupported link type {0}")]
    UnsupportedLink(i32),
    /// etherparse refused the packet (e.g. a payload too long for one IP packet).
    #[error("building a packet: {0}")]
    Build(String),
    /// Writing the file.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// TCP flags of a synthesized packet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpFlags {
    /// SYN.
    pub syn: bool,
    /// ACK, with the acknowledgement number.
    pub ack: Option<u32>,
    /// FIN.
    pub fin: bool,
    /// RST.
    pub rst: bool,
}

/// Most payload bytes one synthesized packet carries (an IPv4 packet is at most 65,535
/// bytes, headers included).
pub const MAX_SEGMENT: usize = 65_000;

/// A TCP packet from `src` to `dst` on `link` (Ethernet, raw IP, BSD loopback, Linux
/// cooked v1 / v2), with IP and TCP checksums.
pub fn tcp_packet(
    link: Linktype,
    src: SocketAddr,
    dst: SocketAddr,
    seq: u32,
    flags: TcpFlags,
    payload: &[u8],
) -> Result<Vec<u8>, WriteError> {
    let step = match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), 64),
        (IpAddr::V6(s), IpAddr::V6(d)) => PacketBuilder::ipv6(s.octets(), d.octets(), 64),
        _ => return Err(WriteError::MixedFamilies(src, dst)),
    };
    let mut tcp = step.tcp(src.port(), dst.port(), seq, 65535);
    if flags.syn {
        tcp = tcp.syn();
    }
    if let Some(a) = flags.ack {
        tcp = tcp.ack(a);
    }
    if flags.fin {
        tcp = tcp.fin();
    }
    if flags.rst {
        tcp = tcp.rst();
    }
    let mut ip = Vec::new();
    tcp.write_to_vec(&mut ip, payload)
        .map_err(|e| WriteError::Build(e.to_string()))?;
    let v6 = src.is_ipv6();
    let ethertype: u16 = if v6 { 0x86dd } else { 0x0800 };
    let mut out = Vec::with_capacity(ip.len() + 20);
    match link {
        Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 => return Ok(ip),
        Linktype::ETHERNET => {
            out.extend_from_slice(&[2, 0, 0, 0, 0, 2]); // destination MAC
            out.extend_from_slice(&[2, 0, 0, 0, 0, 1]); // source MAC
            out.extend_from_slice(&ethertype.to_be_bytes());
        }
        Linktype::NULL => {
            let family: u32 = if v6 { 10 } else { 2 };
            out.extend_from_slice(&family.to_le_bytes());
        }
        Linktype::LINUX_SLL => {
            out.extend_from_slice(&0u16.to_be_bytes()); // packet type: to us
            out.extend_from_slice(&772u16.to_be_bytes()); // ARPHRD_LOOPBACK
            out.extend_from_slice(&6u16.to_be_bytes()); // address length
            out.extend_from_slice(&[0; 8]); // address
            out.extend_from_slice(&ethertype.to_be_bytes());
        }
        Linktype::LINUX_SLL2 => {
            out.extend_from_slice(&ethertype.to_be_bytes());
            out.extend_from_slice(&0u16.to_be_bytes()); // reserved
            out.extend_from_slice(&1u32.to_be_bytes()); // interface index
            out.extend_from_slice(&772u16.to_be_bytes()); // ARPHRD_LOOPBACK
            out.push(0); // packet type
            out.push(6); // address length
            out.extend_from_slice(&[0; 8]);
        }
        other => return Err(WriteError::UnsupportedLink(other.0)),
    }
    out.extend_from_slice(&ip);
    Ok(out)
}

/// A TCP connection being written packet by packet: both sides' next sequence numbers.
#[derive(Clone, Debug)]
pub struct TcpConversation {
    /// The link type of the packets.
    pub link: Linktype,
    /// The connecting side.
    pub client: SocketAddr,
    /// The accepting side.
    pub server: SocketAddr,
    /// The client's next sequence number.
    pub client_seq: u32,
    /// The server's next sequence number.
    pub server_seq: u32,
}

impl TcpConversation {
    /// A connection on Ethernet with these initial sequence numbers.
    pub fn new(client: SocketAddr, server: SocketAddr, client_isn: u32, server_isn: u32) -> Self {
        TcpConversation {
            link: Linktype::ETHERNET,
            client,
            server,
            client_seq: client_isn,
            server_seq: server_isn,
        }
    }

    fn ends(&self, from_client: bool) -> (SocketAddr, SocketAddr, u32, u32) {
        if from_client {
            (self.client, self.server, self.client_seq, self.server_seq)
        } else {
            (self.server, self.client, self.server_seq, self.client_seq)
        }
    }

    fn advance(&mut self, from_client: bool, by: u32) {
        let seq = if from_client {
            &mut self.client_seq
        } else {
            &mut self.server_seq
        };
        *seq = seq.wrapping_add(by);
    }

    /// SYN, SYN-ACK, ACK.
    pub fn handshake(&mut self) -> Result<Vec<Vec<u8>>, WriteError> {
        let syn = TcpFlags {
            syn: true,
            ..TcpFlags::default()
        };
        let mut out = vec![tcp_packet(
            self.link,
            self.client,
            self.server,
            self.client_seq,
            syn,
            &[],
        )?];
        self.advance(true, 1);
        let synack = TcpFlags {
            syn: true,
            ack: Some(self.client_seq),
            ..TcpFlags::default()
        };
        out.push(tcp_packet(
            self.link,
            self.server,
            self.client,
            self.server_seq,
            synack,
            &[],
        )?);
        self.advance(false, 1);
        let ack = TcpFlags {
            ack: Some(self.server_seq),
            ..TcpFlags::default()
        };
        out.push(tcp_packet(
            self.link,
            self.client,
            self.server,
            self.client_seq,
            ack,
            &[],
        )?);
        Ok(out)
    }

    /// The packets carrying `data` from one side ([`MAX_SEGMENT`] bytes each at most).
    pub fn data(&mut self, from_client: bool, data: &[u8]) -> Result<Vec<Vec<u8>>, WriteError> {
        let mut out = Vec::new();
        for chunk in data.chunks(MAX_SEGMENT) {
            let (src, dst, seq, ack) = self.ends(from_client);
            let flags = TcpFlags {
                ack: Some(ack),
                ..TcpFlags::default()
            };
            out.push(tcp_packet(self.link, src, dst, seq, flags, chunk)?);
            // `chunk` is at most MAX_SEGMENT bytes: it fits in a u32.
            self.advance(from_client, chunk.len() as u32);
        }
        Ok(out)
    }

    /// A FIN (with ACK) from one side.
    pub fn fin(&mut self, from_client: bool) -> Result<Vec<u8>, WriteError> {
        let flags = TcpFlags {
            fin: true,
            ..TcpFlags::default()
        };
        let p = self.control(from_client, flags)?;
        self.advance(from_client, 1); // a FIN takes one sequence number
        Ok(p)
    }

    /// An RST (with ACK) from one side.
    pub fn rst(&mut self, from_client: bool) -> Result<Vec<u8>, WriteError> {
        let flags = TcpFlags {
            rst: true,
            ..TcpFlags::default()
        };
        self.control(from_client, flags)
    }

    /// A packet with no data from one side, with `flags` and the ACK of the other side.
    fn control(&self, from_client: bool, flags: TcpFlags) -> Result<Vec<u8>, WriteError> {
        let (src, dst, seq, ack) = self.ends(from_client);
        let flags = TcpFlags {
            ack: Some(ack),
            ..flags
        };
        tcp_packet(self.link, src, dst, seq, flags, &[])
    }
}

/// Writes a pcapng file: one little-endian section, one interface of a link type
/// (microsecond timestamps), then enhanced packet blocks.
#[derive(Debug)]
pub struct PcapNgWriter<W: Write> {
    out: W,
}

impl<W: Write> PcapNgWriter<W> {
    /// Writes the section header and one interface description (snap length 262,144).
    pub fn new(mut out: W, link: Linktype) -> Result<Self, WriteError> {
        let link = u16::try_from(link.0).map_err(|_| WriteError::UnsupportedLink(link.0))?;
        let mut head = Vec::with_capacity(48);
        // Section header block: type, length, byte-order magic, version 1.0, section
        // length unknown (-1), length again.
        head.extend_from_slice(&0x0a0d_0d0au32.to_le_bytes());
        head.extend_from_slice(&28u32.to_le_bytes());
        head.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
        head.extend_from_slice(&1u16.to_le_bytes());
        head.extend_from_slice(&0u16.to_le_bytes());
        head.extend_from_slice(&(-1i64).to_le_bytes());
        head.extend_from_slice(&28u32.to_le_bytes());
        // Interface description block: link type, reserved, snap length; no options
        // (so timestamps are in microseconds).
        head.extend_from_slice(&1u32.to_le_bytes());
        head.extend_from_slice(&20u32.to_le_bytes());
        head.extend_from_slice(&link.to_le_bytes());
        head.extend_from_slice(&0u16.to_le_bytes());
        head.extend_from_slice(&262_144u32.to_le_bytes());
        head.extend_from_slice(&20u32.to_le_bytes());
        out.write_all(&head)?;
        Ok(PcapNgWriter { out })
    }

    /// A writer for Ethernet packets (what [`TcpConversation::new`] makes).
    pub fn ethernet(out: W) -> Result<Self, WriteError> {
        Self::new(out, Linktype::ETHERNET)
    }

    /// Writes one packet, `ts` after the Unix epoch.
    pub fn packet(&mut self, ts: Duration, data: &[u8]) -> Result<(), WriteError> {
        let too_long = || WriteError::Build(format!("packet of {} bytes", data.len()));
        let captured = u32::try_from(data.len()).map_err(|_| too_long())?;
        let padded = data.len().div_ceil(4) * 4;
        let len = u32::try_from(32 + padded).map_err(|_| too_long())?;
        let micros = u64::try_from(ts.as_micros()).unwrap_or(u64::MAX);
        let mut head = Vec::with_capacity(28);
        head.extend_from_slice(&6u32.to_le_bytes());
        head.extend_from_slice(&len.to_le_bytes());
        head.extend_from_slice(&0u32.to_le_bytes()); // interface 0
        head.extend_from_slice(&((micros >> 32) as u32).to_le_bytes());
        head.extend_from_slice(&(micros as u32).to_le_bytes());
        head.extend_from_slice(&captured.to_le_bytes());
        head.extend_from_slice(&captured.to_le_bytes());
        self.out.write_all(&head)?;
        self.out.write_all(data)?;
        self.out.write_all(&[0; 3][..padded - data.len()])?;
        self.out.write_all(&len.to_le_bytes())?;
        Ok(())
    }

    /// Flushes the output.
    pub fn flush(&mut self) -> Result<(), WriteError> {
        self.out.flush()?;
        Ok(())
    }

    /// Flushes and hands back the output.
    pub fn into_inner(mut self) -> Result<W, WriteError> {
        self.out.flush()?;
        Ok(self.out)
    }
}
