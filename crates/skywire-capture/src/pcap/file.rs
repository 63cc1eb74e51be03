//! Capture file formats: legacy pcap and pcapng, read with `pcap-parser` into link-layer
//! packets, each with the file offset of its record.

use pcap_parser::nom;
use pcap_parser::pcap::{parse_pcap_frame, parse_pcap_frame_be, parse_pcap_frame_modified};
use pcap_parser::pcapng::{parse_block_be, parse_block_le, Block};
use pcap_parser::{parse_pcap_header, Linktype, PcapError};

use super::error::{CaptureError, CaptureErrorKind};

/// First four bytes of a pcapng file (the section header block type; the same in both
/// byte orders).
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// The legacy pcap magic numbers, as the first four bytes appear in a file: microsecond and
/// nanosecond timestamps in either byte order, and the "modified" (Kuznetzov) format.
const PCAP_MAGICS: [[u8; 4]; 6] = [
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
    [0x34, 0xcd, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xcd, 0x34],
];

/// Which capture format a file's first bytes announce, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// Legacy pcap (libpcap, tcpdump).
    Pcap,
    /// pcapng (Wireshark, tshark, dumpcap).
    PcapNg,
}

impl FileFormat {
    /// The format announced by the first bytes of `data`; `None` for anything else.
    pub fn detect(data: &[u8]) -> Option<FileFormat> {
        let head: [u8; 4] = data.get(..4)?.try_into().ok()?;
        if head == PCAPNG_MAGIC {
            Some(FileFormat::PcapNg)
        } else if PCAP_MAGICS.contains(&head) {
            Some(FileFormat::Pcap)
        } else {
            None
        }
    }
}

/// One captured link-layer packet.
#[derive(Clone, Copy, Debug)]
pub struct LinkPacket<'a> {
    /// File offset of the record (pcap) or block (pcapng) holding it.
    pub offset: u64,
    /// The link type of its interface.
    pub link: Linktype,
    /// The captured bytes.
    pub data: &'a [u8],
    /// True when the capture kept fewer bytes than the packet had (snap length).
    pub cut_short: bool,
}

impl<'a> LinkPacket<'a> {
    /// A pcapng packet: `data` as kept, of a packet that had `original_len` bytes.
    fn new(offset: u64, link: Linktype, data: &'a [u8], original_len: u32) -> Self {
        LinkPacket {
            offset,
            link,
            data,
            cut_short: (data.len() as u64) < u64::from(original_len),
        }
    }
}

#[derive(Debug)]
enum State {
    Pcap {
        link: Linktype,
        big_endian: bool,
        modified: bool,
    },
    PcapNg {
        big_endian: bool,
        /// Link types of the current section's interfaces, by interface id.
        interfaces: Vec<Linktype>,
    },
}

/// Reads the link-layer packets of a capture file held in memory, in file order.
#[derive(Debug)]
pub struct PacketReader<'a> {
    data: &'a [u8],
    pos: usize,
    state: State,
}

impl<'a> PacketReader<'a> {
    /// Checks the file header. Fails when `data` is neither pcap nor pcapng.
    pub fn new(data: &'a [u8]) -> Result<PacketReader<'a>, CaptureError> {
        match FileFormat::detect(data) {
            None => Err(CaptureError::new(0, CaptureErrorKind::NotACapture)),
            Some(FileFormat::Pcap) => match parse_pcap_header(data) {
                Ok((rest, header)) => Ok(PacketReader {
                    pos: data.len() - rest.len(),
                    data,
                    state: State::Pcap {
                        link: header.network,
                        big_endian: header.is_bigendian(),
                        modified: header.is_modified_format(),
                    },
                }),
                Err(e) => Err(CaptureError::new(0, kind_of(e, "pcap file header"))),
            },
            Some(FileFormat::PcapNg) => Ok(PacketReader {
                data,
                pos: 0,
                state: State::PcapNg {
                    big_endian: false,
                    interfaces: Vec::new(),
                },
            }),
        }
    }

    /// The file's format.
    pub fn format(&self) -> FileFormat {
        match self.state {
            State::Pcap { .. } => FileFormat::Pcap,
            State::PcapNg { .. } => FileFormat::PcapNg,
        }
    }

    /// File offset of the next record or block.
    pub fn offset(&self) -> u64 {
        self.pos as u64
    }

    /// The next packet; `None` at the end of the file.
    pub fn next_packet(&mut self) -> Result<Option<LinkPacket<'a>>, CaptureError> {
        loop {
            let input = &self.data[self.pos..];
            if input.is_empty() {
                return Ok(None);
            }
            let offset = self.pos as u64;
            match &mut self.state {
                State::Pcap {
                    link,
                    big_endian,
                    modified,
                } => {
                    let parsed = if *modified {
                        parse_pcap_frame_modified(input)
                    } else if *big_endian {
                        parse_pcap_frame_be(input)
                    } else {
                        parse_pcap_frame(input)
                    };
                    let (rest, rec) = parsed
                        .map_err(|e| CaptureError::new(offset, kind_of(e, "packet record")))?;
                    self.pos = self.data.len() - rest.len();
                    return Ok(Some(LinkPacket {
                        offset,
                        link: *link,
                        data: rec.data,
                        cut_short: rec.origlen > rec.caplen,
                    }));
                }
                State::PcapNg {
                    big_endian,
                    interfaces,
                } => {
                    let parsed = if *big_endian {
                        parse_block_be(input)
                    } else {
                        parse_block_le(input)
                    };
                    let (rest, block) = parsed
                        .map_err(|e| CaptureError::new(offset, kind_of(e, "pcapng block")))?;
                    if offset == 0 && !matches!(block, Block::SectionHeader(_)) {
                        return Err(CaptureError::new(0, CaptureErrorKind::NotACapture));
                    }
                    self.pos = self.data.len() - rest.len();
                    match block {
                        Block::SectionHeader(shb) => {
                            *big_endian = shb.big_endian();
                            interfaces.clear();
                        }
                        Block::InterfaceDescription(idb) => interfaces.push(idb.linktype),
                        Block::EnhancedPacket(epb) => {
                            let link = usize::try_from(epb.if_id)
                                .ok()
                                .and_then(|i| interfaces.get(i))
                                .copied()
                                .ok_or(CaptureError::new(
                                    offset,
                                    CaptureErrorKind::UnknownInterface { id: epb.if_id },
                                ))?;
                            let data = prefix(epb.data, epb.caplen);
                            return Ok(Some(LinkPacket::new(offset, link, data, epb.origlen)));
                        }
                        Block::SimplePacket(spb) => {
                            let link = interfaces.first().copied().ok_or(CaptureError::new(
                                offset,
                                CaptureErrorKind::UnknownInterface { id: 0 },
                            ))?;
                            let data = prefix(spb.data, spb.origlen);
                            return Ok(Some(LinkPacket::new(offset, link, data, spb.origlen)));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// The first `len` bytes of `data` (all of it if shorter): packet data without padding.
fn prefix(data: &[u8], len: u32) -> &[u8] {
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    &data[..len.min(data.len())]
}

/// Turns a `pcap-parser` failure into what the caller is told.
fn kind_of(e: nom::Err<PcapError<&[u8]>>, what: &'static str) -> CaptureErrorKind {
    match e {
        nom::Err::Incomplete(_) => CaptureErrorKind::Truncated { what },
        nom::Err::Error(e) | nom::Err::Failure(e) => match e {
            PcapError::Incomplete(_) | PcapError::UnexpectedEof => {
                CaptureErrorKind::Truncated { what }
            }
            PcapError::HeaderNotRecognized => CaptureErrorKind::NotACapture,
            other => CaptureErrorKind::Malformed {
                what,
                reason: short_reason(&other),
            },
        },
    }
}

/// A one-line reason (pcap-parser's own text can include the rest of the file).
fn short_reason(e: &PcapError<&[u8]>) -> String {
    match e {
        PcapError::NomError(_, kind) => format!("{kind:?} check failed"),
        PcapError::OwnedNomError(_, kind) => format!("{kind:?} check failed"),
        other => other.to_string(),
    }
}
