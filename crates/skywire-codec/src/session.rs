//! Session ids: how a requesting node numbers its requests.
//!
//! On the wire a session is a `u32` (little-endian inside packets). skynet's sender starts at
//! 1, adds one per request, and goes back to 1 after [`Session::MAX`] (`i32::MAX`), so a session
//! it allocates is always in `1..=0x7fff_ffff`. Session 0 marks a small push (no response).

use core::fmt;

/// A session id as carried in request and response packets.
///
/// ```
/// use skywire_codec::Session;
/// assert!(Session::PUSH.is_push());
/// assert_eq!(Session::new(7).get(), 7);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Session(u32);

impl Session {
    /// Session 0: what a small push (`cluster.send` with a payload under 0x8000 bytes) carries.
    pub const PUSH: Session = Session(0);
    /// The first session a sender allocates.
    pub const FIRST: Session = Session(1);
    /// The last session a sender allocates before it wraps back to [`Session::FIRST`]
    /// (`i32::MAX`: skynet keeps sessions in a positive Lua integer range).
    pub const MAX: Session = Session(0x7fff_ffff);

    /// Wraps a raw wire value.
    pub const fn new(raw: u32) -> Session {
        Session(raw)
    }

    /// The raw wire value.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// True for session 0, the session of a small push.
    pub const fn is_push(self) -> bool {
        self.0 == 0
    }

    /// The session allocated after this one (`MAX` is followed by `FIRST`).
    pub const fn successor(self) -> Session {
        if self.0 >= Self::MAX.0 {
            Self::FIRST
        } else {
            Session(self.0 + 1)
        }
    }
}

impl fmt::Display for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u32> for Session {
    fn from(raw: u32) -> Self {
        Session(raw)
    }
}

impl From<Session> for u32 {
    fn from(s: Session) -> u32 {
        s.0
    }
}

/// Allocates sessions the way skynet's `clustersender` does.
///
/// Every call (and every query) takes the next session. A push takes one only when its
/// payload is large enough to go multi-part (the parts need a session to tie them together);
/// a small push goes out with session 0 and leaves the counter alone.
///
/// ```
/// use skywire_codec::{Session, SessionAllocator};
/// let mut sessions = SessionAllocator::new();
/// assert_eq!(sessions.allocate(), Session::new(1));
/// assert_eq!(sessions.allocate_push(10), Session::PUSH); // small push: nothing consumed
/// assert_eq!(sessions.allocate(), Session::new(2));
///
/// let mut near_end = SessionAllocator::starting_at(Session::MAX);
/// assert_eq!(near_end.allocate(), Session::MAX);
/// assert_eq!(near_end.allocate(), Session::new(1)); // wrapped
/// ```
#[derive(Clone, Debug)]
pub struct SessionAllocator {
    next: Session,
}

impl SessionAllocator {
    /// A fresh allocator: the first session it hands out is 1.
    pub const fn new() -> Self {
        SessionAllocator {
            next: Session::FIRST,
        }
    }

    /// An allocator whose next session is `next` (0 or anything above `i32::MAX` is taken
    /// as 1). Useful to test wrap-around.
    pub const fn starting_at(next: Session) -> Self {
        let next = if next.0 == 0 || next.0 > Session::MAX.0 {
            Session::FIRST
        } else {
            next
        };
        SessionAllocator { next }
    }

    /// The session the next [`allocate`](Self::allocate) returns.
    pub const fn peek(&self) -> Session {
        self.next
    }

    /// Takes a session for a call or a query.
    pub fn allocate(&mut self) -> Session {
        let s = self.next;
        self.next = s.successor();
        s
    }

    /// The session a push with a payload of `payload_len` bytes goes out with: session 0
    /// (nothing consumed) for a small push, a freshly allocated one for a multi-part push.
    pub fn allocate_push(&mut self, payload_len: usize) -> Session {
        if crate::multi_part::is_multi_part_request(payload_len) {
            self.allocate()
        } else {
            Session::PUSH
        }
    }
}

impl Default for SessionAllocator {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_one_and_counts_up() {
        let mut a = SessionAllocator::new();
        let got: [u32; 3] = [a.allocate().get(), a.allocate().get(), a.allocate().get()];
        assert_eq!(got, [1, 2, 3]);
    }

    #[test]
    fn wraps_after_i32_max_to_one() {
        let mut a = SessionAllocator::starting_at(Session::new(0x7fff_fffe));
        assert_eq!(a.allocate().get(), 0x7fff_fffe);
        assert_eq!(a.allocate().get(), i32::MAX as u32);
        assert_eq!(a.allocate().get(), 1);
        assert_eq!(a.allocate().get(), 2);
    }

    #[test]
    fn out_of_range_start_is_clamped_to_one() {
        assert_eq!(
            SessionAllocator::starting_at(Session::new(0)).peek().get(),
            1
        );
        assert_eq!(
            SessionAllocator::starting_at(Session::new(0x8000_0000))
                .peek()
                .get(),
            1
        );
    }

    #[test]
    fn small_push_consumes_nothing_large_push_consumes_one() {
        let mut a = SessionAllocator::new();
        assert_eq!(a.allocate_push(0x7fff), Session::PUSH);
        assert_eq!(a.peek().get(), 1);
        assert_eq!(a.allocate_push(0x8000).get(), 1);
        assert_eq!(a.peek().get(), 2);
    }
}
