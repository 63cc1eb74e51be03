//! Link layer to TCP: takes a captured packet apart (with `etherparse`) down to its TCP
//! segment, for the link types a capture of cluster traffic comes in.

use std::net::{IpAddr, SocketAddr};

use etherparse::{EtherType, NetSlice, SlicedPacket, TransportSlice};
use pcap_parser::Linktype;

use super::file::LinkPacket;

/// Bytes of a BSD loopback (`NULL` / `LOOP`) header: the address family.
const LOOPBACK_HEADER_LEN: usize = 4;
/// Bytes of a Linux cooked (`LINUX_SLL`) header; its last two bytes are the protocol.
const SLL_HEADER_LEN: usize = 16;
/// Bytes of a Linux cooked v2 (`LINUX_SLL2`) header; its first two bytes are the protocol.
const SLL2_HEADER_LEN: usize = 20;

/// The parts of a TCP segment reassembly needs.
#[derive(Clone, Copy, Debug)]
pub struct TcpSegment<'a> {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Sequence number of the first payload byte (of the SYN itself for a SYN).
    pub seq: u32,
    /// SYN flag.
    pub syn: bool,
    /// ACK flag.
    pub ack: bool,
    /// FIN flag.
    pub fin: bool,
    /// RST flag.
    pub rst: bool,
    /// The TCP payload.
    pub payload: &'a [u8],
}

/// A big-endian ethertype.
fn be16(b: &[u8]) -> Option<EtherType> {
    Some(EtherType(u16::from_be_bytes(b.try_into().ok()?)))
}

/// The TCP segment a packet carries; `None` for anything else (other protocols, IP
/// fragments, unsupported link types, packets too short for the headers they announce).
pub fn tcp_segment<'a>(packet: &LinkPacket<'a>) -> Option<TcpSegment<'a>> {
    let data = packet.data;
    let sliced = match packet.link {
        Linktype::ETHERNET => SlicedPacket::from_ethernet(data),
        Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 => SlicedPacket::from_ip(data),
        Linktype::NULL | Linktype::LOOP => SlicedPacket::from_ip(data.get(LOOPBACK_HEADER_LEN..)?),
        // Cooked headers are read here rather than by etherparse, which refuses the
        // hardware type of the loopback interface (ARPHRD_LOOPBACK), the very interface
        // `tcpdump -i any` shows local cluster traffic on.
        Linktype::LINUX_SLL => {
            let proto = be16(data.get(SLL_HEADER_LEN - 2..SLL_HEADER_LEN)?)?;
            SlicedPacket::from_ether_type(proto, data.get(SLL_HEADER_LEN..)?)
        }
        Linktype::LINUX_SLL2 => {
            let proto = be16(data.get(..2)?)?;
            SlicedPacket::from_ether_type(proto, data.get(SLL2_HEADER_LEN..)?)
        }
        _ => return None,
    }
    .ok()?;
    let (src, dst): (IpAddr, IpAddr) = match sliced.net? {
        NetSlice::Ipv4(ip) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
        ),
        NetSlice::Ipv6(ip) => (
            ip.header().source_addr().into(),
            ip.header().destination_addr().into(),
        ),
        _ => return None,
    };
    let TransportSlice::Tcp(tcp) = sliced.transport? else {
        return None;
    };
    Some(TcpSegment {
        src: SocketAddr::new(src, tcp.source_port()),
        dst: SocketAddr::new(dst, tcp.destination_port()),
        seq: tcp.sequence_number(),
        syn: tcp.syn(),
        ack: tcp.ack(),
        fin: tcp.fin(),
        rst: tcp.rst(),
        payload: tcp.payload(),
    })
}
