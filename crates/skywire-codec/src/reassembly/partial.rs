//! The open multi-part messages of one stream, bounded by [`Limits`].

use alloc::collections::BTreeMap;
use bytes::{Bytes, BytesMut};

use crate::error::ReassemblyError;
use crate::limits::Limits;
use crate::session::Session;

/// One open multi-part message.
#[derive(Debug)]
struct Partial<H> {
    head: H,
    declared: usize,
    /// The data received so far.
    buf: BytesMut,
}

impl<H> Partial<H> {
    /// The message's buffer, allocated at its declared size the first time (the size was
    /// checked against the limits when the header came).
    fn filling(&mut self) -> &mut BytesMut {
        if self.buf.capacity() == 0 {
            self.buf.reserve(self.declared);
        }
        &mut self.buf
    }
}

/// Open multi-part messages keyed by session, each with a caller-defined head `H` (the
/// target of a request, nothing for a response).
///
/// A header is checked against the limits when it opens a message; the message's buffer is
/// allocated, at its declared size, when its first part arrives, so the memory held is
/// bounded by [`Limits::max_buffered_bytes`]. A message that goes wrong is dropped at once.
///
/// Parts are copied on arrival rather than kept as slices of the frames that carried them:
/// a slice keeps the reader's whole buffer alive, so a peer sending many tiny parts could
/// otherwise pin far more memory than it sent. A message whose first part is also its last
/// is handed out as that part, without a copy; and a reader can skip the copy of large
/// parts by reading their bodies straight into the message's buffer ([`part_buf`](Self::part_buf),
/// which [`StreamDecoder::read_parts_directly`](crate::StreamDecoder::read_parts_directly)
/// drives).
#[derive(Debug)]
pub struct PartialSet<H> {
    open: BTreeMap<Session, Partial<H>>,
    reserved: usize,
    limits: Limits,
}

impl<H> PartialSet<H> {
    /// An empty set with these limits.
    pub fn new(limits: Limits) -> Self {
        PartialSet {
            open: BTreeMap::new(),
            reserved: 0,
            limits,
        }
    }

    /// Opens a message of `size` bytes on `session`.
    pub fn open(&mut self, session: Session, size: u32, head: H) -> Result<(), ReassemblyError> {
        if self.open.contains_key(&session) {
            self.close(session);
            return Err(ReassemblyError::SessionInUse { session });
        }
        let size64 = u64::from(size);
        let declared = match usize::try_from(size) {
            Ok(d) if d <= self.limits.max_message_size() => d,
            _ => {
                return Err(ReassemblyError::MessageTooLarge {
                    session,
                    size: size64,
                    limit: self.limits.max_message_size(),
                })
            }
        };
        if self.open.len() >= self.limits.max_partial_messages() {
            return Err(ReassemblyError::TooManyPartial {
                session,
                limit: self.limits.max_partial_messages(),
            });
        }
        if declared
            > self
                .limits
                .max_buffered_bytes()
                .saturating_sub(self.reserved)
        {
            return Err(ReassemblyError::BufferLimit {
                session,
                size: size64,
                buffered: self.reserved,
                limit: self.limits.max_buffered_bytes(),
            });
        }
        self.reserved += declared;
        self.open.insert(
            session,
            Partial {
                head,
                declared,
                buf: BytesMut::new(),
            },
        );
        Ok(())
    }

    /// True if a message is open on `session`.
    pub fn is_open(&self, session: Session) -> bool {
        self.open.contains_key(&session)
    }

    /// Adds a part to the message open on `session`, first letting `note` update its head
    /// (the frame recorder's hook; `|_| ()` when there is nothing to note); on the last
    /// part, closes it and returns its head and payload.
    pub fn append(
        &mut self,
        session: Session,
        data: &Bytes,
        last: bool,
        note: impl FnOnce(&mut H),
    ) -> Result<Option<(H, Bytes)>, ReassemblyError> {
        let Some(p) = self.open.get_mut(&session) else {
            return Err(ReassemblyError::PartWithoutHeader { session });
        };
        let received = p.buf.len() + data.len();
        if received > p.declared || (last && received != p.declared) {
            let declared = p.declared as u64;
            self.close(session);
            return Err(ReassemblyError::SizeMismatch {
                session,
                declared,
                received: received as u64,
            });
        }
        note(&mut p.head);
        if p.buf.capacity() == 0 && last {
            // The whole message in one part: hand the part itself out, no copy.
            return Ok(self.remove(session).map(|p| (p.head, data.clone())));
        }
        p.filling().extend_from_slice(data);
        if !last {
            return Ok(None);
        }
        Ok(self.remove(session).map(|p| (p.head, p.buf.freeze())))
    }

    /// True if `len` more bytes of a part (the message's last if `last`) fit the message
    /// open on `session`: what [`append`](Self::append) would accept. A part read straight
    /// into its message ([`part_buf`](Self::part_buf)) is checked with this first.
    pub fn part_fits(&self, session: Session, len: usize, last: bool) -> bool {
        self.open.get(&session).is_some_and(|p| {
            let received = p.buf.len() + len;
            received <= p.declared && (!last || received == p.declared)
        })
    }

    /// The buffer of the message open on `session`, holding the data received so far,
    /// with room for the whole declared size; `None` if no message is open there.
    ///
    /// This is how a part's body skips the reader's buffer: it is read straight into the
    /// end of this buffer, so the payload is never copied in memory (see
    /// [`StreamDecoder::read_parts_directly`](crate::StreamDecoder::read_parts_directly)).
    /// Whatever is appended counts as received: [`part_fits`](Self::part_fits) says what
    /// may be, and a message whose data does not end up at its declared size is an error
    /// at its last part, as always.
    pub fn part_buf(&mut self, session: Session) -> Option<&mut BytesMut> {
        self.open.get_mut(&session).map(Partial::filling)
    }

    /// Takes the message open on `session` out of the set, releasing its reservation.
    fn remove(&mut self, session: Session) -> Option<Partial<H>> {
        let p = self.open.remove(&session)?;
        self.reserved -= p.declared;
        Some(p)
    }

    /// Drops the message open on `session`, if any.
    pub fn close(&mut self, session: Session) {
        self.remove(session);
    }

    /// Drops every open message.
    pub fn clear(&mut self) {
        self.open.clear();
        self.reserved = 0;
    }

    /// Number of open messages.
    pub fn len(&self) -> usize {
        self.open.len()
    }

    /// True when no message is open.
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// The lowest session with an open message.
    pub fn first_open(&self) -> Option<Session> {
        self.open.keys().next().copied()
    }

    /// Bytes reserved by the open messages (the sum of their declared sizes).
    pub fn reserved(&self) -> usize {
        self.reserved
    }

    /// Changes the limits for messages opened from now on (open ones are kept).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u32) -> Session {
        Session::new(n)
    }

    #[test]
    fn joins_parts_in_order() {
        let mut set = PartialSet::new(Limits::default());
        set.open(s(1), 5, "h").unwrap();
        assert_eq!(
            set.append(s(1), &Bytes::from_static(b"ab"), false, |_| ())
                .unwrap(),
            None
        );
        let (h, payload) = set
            .append(s(1), &Bytes::from_static(b"cde"), true, |_| ())
            .unwrap()
            .unwrap();
        assert_eq!((h, &payload[..]), ("h", &b"abcde"[..]));
        assert!(set.is_empty());
        assert_eq!(set.reserved(), 0);
    }

    #[test]
    fn too_many_or_too_few_bytes() {
        let mut set = PartialSet::new(Limits::default());
        // (session, the one part, whether it is the last, the bytes received when it fails):
        // 3 bytes declared each time.
        let cases: [(u32, &'static [u8], bool, u64); 2] =
            [(1, b"abcd", false, 4), (2, b"ab", true, 2)];
        for (n, data, last, received) in cases {
            set.open(s(n), 3, ()).unwrap();
            assert_eq!(
                set.append(s(n), &Bytes::from_static(data), last, |_| ()),
                Err(ReassemblyError::SizeMismatch {
                    session: s(n),
                    declared: 3,
                    received
                }),
                "session {n}"
            );
            assert!(set.is_empty(), "session {n}");
        }
        assert_eq!(set.reserved(), 0);
    }

    #[test]
    fn part_without_header_and_duplicate_header() {
        let mut set = PartialSet::new(Limits::default());
        assert_eq!(
            set.append(s(9), &Bytes::new(), true, |_| ()),
            Err(ReassemblyError::PartWithoutHeader { session: s(9) })
        );
        set.open(s(9), 10, ()).unwrap();
        assert_eq!(
            set.open(s(9), 10, ()),
            Err(ReassemblyError::SessionInUse { session: s(9) })
        );
        assert!(!set.is_open(s(9)));
    }

    #[test]
    fn limits_are_enforced_before_allocation() {
        let limits = Limits::default()
            .with_max_message_size(100)
            .with_max_partial_messages(2)
            .with_max_buffered_bytes(150);
        let mut set = PartialSet::new(limits);
        // Opened in turn: (session, declared size, what opening it gives).
        let steps = [
            (
                1,
                101,
                Err(ReassemblyError::MessageTooLarge {
                    session: s(1),
                    size: 101,
                    limit: 100,
                }),
            ),
            (1, 100, Ok(())),
            (
                2,
                51,
                Err(ReassemblyError::BufferLimit {
                    session: s(2),
                    size: 51,
                    buffered: 100,
                    limit: 150,
                }),
            ),
            (2, 50, Ok(())),
            (
                3,
                0,
                Err(ReassemblyError::TooManyPartial {
                    session: s(3),
                    limit: 2,
                }),
            ),
        ];
        for (n, size, want) in steps {
            assert_eq!(
                set.open(s(n), size, ()),
                want,
                "session {n} of {size} bytes"
            );
        }
        set.close(s(1));
        set.open(s(3), 100, ()).unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(set.first_open(), Some(s(2)));
    }

    #[test]
    fn one_part_is_handed_out_without_a_copy() {
        let mut set = PartialSet::new(Limits::default());
        set.open(s(1), 4, ()).unwrap();
        let data = Bytes::from_static(b"abcd");
        let ((), payload) = set.append(s(1), &data, true, |_| ()).unwrap().unwrap();
        assert_eq!(payload.as_ptr(), data.as_ptr());
        assert_eq!(set.reserved(), 0);
    }

    #[test]
    fn parts_are_copied_not_pinned() {
        let mut set = PartialSet::new(Limits::default());
        set.open(s(2), 2, ()).unwrap();
        let first = Bytes::from(vec![b'x']);
        assert_eq!(set.append(s(2), &first, false, |_| ()).unwrap(), None);
        let ((), payload) = set
            .append(s(2), &Bytes::from_static(b"y"), true, |_| ())
            .unwrap()
            .unwrap();
        assert_eq!(&payload[..], b"xy");
        assert_ne!(payload.as_ptr(), first.as_ptr());
        assert!(
            first.is_unique(),
            "the first part's buffer is no longer referenced"
        );
    }

    #[test]
    fn clear_drops_everything_and_frees_the_budget() {
        let limits = Limits::default().with_max_buffered_bytes(10);
        let mut set = PartialSet::new(limits);
        set.open(s(1), 6, ()).unwrap();
        set.open(s(2), 4, ()).unwrap();
        set.append(s(1), &Bytes::from_static(b"abc"), false, |_| ())
            .unwrap();
        set.clear();
        assert_eq!((set.len(), set.reserved()), (0, 0));
        assert_eq!(
            set.append(s(1), &Bytes::from_static(b"def"), true, |_| ()),
            Err(ReassemblyError::PartWithoutHeader { session: s(1) })
        );
        set.open(s(3), 10, ()).unwrap();
    }

    #[test]
    fn u32_max_size_is_refused_not_allocated() {
        let mut set: PartialSet<()> = PartialSet::new(Limits::default());
        assert!(matches!(
            set.open(s(1), u32::MAX, ()),
            Err(ReassemblyError::MessageTooLarge { .. })
        ));
    }
}
