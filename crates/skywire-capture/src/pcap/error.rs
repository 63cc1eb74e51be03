//! What can be wrong with a capture file, as a typed error with the file offset.

use std::fmt;

use super::Side;

/// An error reading a capture, with the byte offset in the file where it was found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {kind}")]
pub struct CaptureError {
    offset: u64,
    kind: CaptureErrorKind,
}

impl CaptureError {
    /// Makes an error at file offset `offset`.
    pub fn new(offset: u64, kind: CaptureErrorKind) -> Self {
        CaptureError { offset, kind }
    }

    /// Byte offset in the capture file: the record or block where the problem was found
    /// (the end of the file for problems only the end reveals).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// What went wrong.
    pub fn kind(&self) -> &CaptureErrorKind {
        &self.kind
    }
}

/// What went wrong reading a capture.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureErrorKind {
    /// The file does not start like a pcap or pcapng file.
    #[error("not a pcap or pcapng file")]
    NotACapture,
    /// The file ends in the middle of a record or block.
    #[error("file ends inside a {what}")]
    Truncated {
        /// What was being read.
        what: &'static str,
    },
    /// A record or block that does not parse.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// A pcapng packet block naming an interface that was never described.
    #[error("packet for undescribed interface {id}")]
    UnknownInterface {
        /// The interface id in the block.
        id: u32,
    },
    /// Bytes of a TCP stream that the capture never holds: the data after them cannot be
    /// put in order.
    #[error("connection {conn} {side}: stream bytes {from}..{to} were never captured ({waiting} bytes after them wait){cut}")]
    Gap {
        /// Connection number.
        conn: usize,
        /// Which direction.
        side: Side,
        /// First missing stream byte.
        from: u64,
        /// Stream offset of the first byte captured after the gap.
        to: u64,
        /// Bytes captured after the gap.
        waiting: usize,
        /// A note on packets cut short by the snap length, if there were any.
        cut: CutShort,
    },
    /// Out-of-order data waiting for a gap to fill exceeded the limit.
    #[error(
        "connection {conn} {side}: more than {limit} bytes wait behind a gap at stream byte {from}"
    )]
    GapTooLarge {
        /// Connection number.
        conn: usize,
        /// Which direction.
        side: Side,
        /// First missing stream byte.
        from: u64,
        /// The configured limit.
        limit: usize,
    },
    /// No TCP connection (matching the filter, if any) in the whole file.
    #[error("no TCP connection in the capture ({packets} packets, {skipped} not TCP over IP or not understood)")]
    NoTcp {
        /// Packets in the file.
        packets: u64,
        /// Packets that were skipped.
        skipped: u64,
    },
}

/// How many packets the capture cut short (snap length), shown with a [`CaptureErrorKind::Gap`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CutShort {
    /// Packets kept incomplete by the capture.
    pub packets: u64,
    /// File offset of the first of them.
    pub first_offset: Option<u64>,
}

impl fmt::Display for CutShort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.first_offset {
            Some(at) if self.packets > 0 => write!(
                f,
                "; {} packet(s) were cut short by the capture's snap length, the first at byte {at}",
                self.packets
            ),
            _ => Ok(()),
        }
    }
}
