//! One direction of a TCP connection put back in order: retransmissions dropped,
//! out-of-order segments held until the gap before them fills (up to a limit), sequence
//! numbers followed across their 32-bit wrap-around.

use std::collections::BTreeMap;

/// Why a segment could not be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamError {
    /// Holding the segment would put more than the limit behind a gap.
    TooMuchWaiting {
        /// First missing stream byte.
        gap_at: u64,
    },
}

/// The in-order byte stream of one direction, reassembled from segments.
///
/// Stream offsets count from the first byte after the SYN (or, when no SYN was captured,
/// from the first payload byte seen).
#[derive(Debug)]
pub struct StreamAssembler {
    /// Sequence number of stream byte 0, once known.
    base: Option<u32>,
    /// Stream bytes handed out so far (the offset of the next byte expected).
    delivered: u64,
    /// Segments beyond a gap, by stream offset.
    waiting: BTreeMap<u64, Vec<u8>>,
    /// Bytes held in `waiting`.
    waiting_bytes: usize,
    /// Most bytes `waiting` may hold.
    limit: usize,
}

impl StreamAssembler {
    /// An empty stream that holds at most `limit` bytes behind a gap.
    pub fn new(limit: usize) -> Self {
        StreamAssembler {
            base: None,
            delivered: 0,
            waiting: BTreeMap::new(),
            waiting_bytes: 0,
            limit,
        }
    }

    /// A SYN with sequence number `seq`: the stream starts at `seq + 1`. Ignored once the
    /// start is known (a retransmitted SYN).
    pub fn syn(&mut self, seq: u32) {
        if self.base.is_none() {
            self.base = Some(seq.wrapping_add(1));
        }
    }

    /// True once a SYN or a payload byte has fixed where the stream starts.
    pub fn started(&self) -> bool {
        self.base.is_some()
    }

    /// Stream bytes handed out so far.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// The first gap, if data waits behind one: (first missing byte, first byte after it,
    /// bytes waiting).
    pub fn gap(&self) -> Option<(u64, u64, usize)> {
        let (&at, _) = self.waiting.first_key_value()?;
        Some((self.delivered, at, self.waiting_bytes))
    }

    /// Takes a segment whose first payload byte has sequence number `seq`; appends to `out`
    /// the bytes that are now in order (this segment's and any waiting ones it unblocks).
    pub fn segment(
        &mut self,
        seq: u32,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), StreamError> {
        if payload.is_empty() {
            return Ok(());
        }
        let base = *self.base.get_or_insert(seq);
        let start = self.stream_offset(seq.wrapping_sub(base));
        let end = start + payload.len() as i128;
        let delivered = i128::from(self.delivered);
        if end <= delivered {
            return Ok(()); // all of it already delivered: a retransmission
        }
        if start > delivered {
            return self.hold(start, payload);
        }
        // Overlaps the delivered end: hand out what is new, then whatever it unblocks.
        let skip = usize::try_from(delivered - start).unwrap_or(0);
        self.deliver(&payload[skip..], out);
        self.drain(out);
        Ok(())
    }

    /// The stream offset a 32-bit relative sequence number stands for: the one nearest to
    /// the delivered end (a segment more than 2 GiB away from it cannot be told apart).
    fn stream_offset(&self, rel: u32) -> i128 {
        let diff = rel.wrapping_sub(self.delivered as u32) as i32;
        i128::from(self.delivered) + i128::from(diff)
    }

    fn deliver(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(bytes);
        self.delivered += bytes.len() as u64;
    }

    fn hold(&mut self, start: i128, payload: &[u8]) -> Result<(), StreamError> {
        let start = u64::try_from(start).unwrap_or(u64::MAX);
        let longer = self
            .waiting
            .get(&start)
            .is_none_or(|held| held.len() < payload.len());
        if !longer {
            return Ok(()); // a retransmission of a segment already waiting
        }
        let old = self.waiting.get(&start).map_or(0, Vec::len);
        if self.waiting_bytes - old + payload.len() > self.limit {
            return Err(StreamError::TooMuchWaiting {
                gap_at: self.delivered,
            });
        }
        self.waiting_bytes = self.waiting_bytes - old + payload.len();
        self.waiting.insert(start, payload.to_vec());
        Ok(())
    }

    /// Hands out waiting segments that now start at or before the delivered end.
    fn drain(&mut self, out: &mut Vec<u8>) {
        while let Some(entry) = self.waiting.first_entry() {
            let start = *entry.key();
            if start > self.delivered {
                break;
            }
            let seg = entry.remove();
            self.waiting_bytes -= seg.len();
            let skip = usize::try_from(self.delivered - start).unwrap_or(usize::MAX);
            if let Some(new) = seg.get(skip..) {
                self.deliver(new, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(a: &mut StreamAssembler, seq: u32, data: &[u8]) -> Vec<u8> {
        let mut out = vec![];
        a.segment(seq, data, &mut out).unwrap();
        out
    }

    #[test]
    fn in_order_retransmitted_and_overlapping() {
        let mut a = StreamAssembler::new(1 << 20);
        a.syn(99);
        assert_eq!(run(&mut a, 100, b"abc"), b"abc");
        assert_eq!(run(&mut a, 100, b"abc"), b""); // retransmission
        assert_eq!(run(&mut a, 101, b"bcde"), b"de"); // overlap
        assert_eq!(a.delivered(), 5);
    }

    #[test]
    fn out_of_order_waits_for_the_gap() {
        let mut a = StreamAssembler::new(1 << 20);
        a.syn(0);
        assert_eq!(run(&mut a, 4, b"def"), b"");
        assert_eq!(run(&mut a, 7, b"gh"), b"");
        assert_eq!(a.gap(), Some((0, 3, 5)));
        assert_eq!(run(&mut a, 1, b"abc"), b"abcdefgh");
        assert_eq!(a.gap(), None);
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut a = StreamAssembler::new(1 << 20);
        a.syn(u32::MAX - 2); // stream starts at u32::MAX - 1
        assert_eq!(run(&mut a, u32::MAX - 1, b"ab"), b"ab");
        // the next byte has sequence number 0 (wrapped); send the later part first
        assert_eq!(run(&mut a, 2, b"ef"), b"");
        assert_eq!(run(&mut a, 0, b"cd"), b"cdef");
        assert_eq!(a.delivered(), 6);
    }

    #[test]
    fn long_streams_pass_4_gib_of_offsets() {
        // Relative sequence numbers repeat every 4 GiB; offsets keep growing.
        let mut a = StreamAssembler::new(16);
        a.syn(0);
        a.delivered = (1 << 32) + 10; // pretend 4 GiB + 10 bytes went by
        assert_eq!(run(&mut a, 11, b"x"), b"x");
        assert_eq!(a.delivered(), (1 << 32) + 11);
    }

    #[test]
    fn waiting_is_bounded() {
        let mut a = StreamAssembler::new(4);
        a.syn(0);
        let mut out = vec![];
        a.segment(10, b"abcd", &mut out).unwrap();
        assert_eq!(
            a.segment(20, b"e", &mut out),
            Err(StreamError::TooMuchWaiting { gap_at: 0 })
        );
    }

    #[test]
    fn without_syn_the_first_segment_starts_the_stream() {
        let mut a = StreamAssembler::new(16);
        assert!(!a.started());
        assert_eq!(run(&mut a, 5000, b"xy"), b"xy");
        assert!(a.started());
        assert_eq!(run(&mut a, 4999, b"wxy"), b""); // before the start: dropped
    }
}
