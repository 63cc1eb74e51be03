//! The node-wide memory budget: one byte count shared by every connection the node
//! serves, for what reassembly reserves (the declared sizes of open multi-part requests)
//! and what waits in write buffers.
//!
//! Per-connection limits bound one peer; they do not bound many. With the budget, each
//! serving connection narrows its reassembly limit to what is left of the budget before it
//! decodes, so a header that would go over is refused before anything is allocated, and a
//! connection whose write buffer grows past what is left is closed: the connection that
//! would go over the budget is the one closed, with a log line saying why.

use std::sync::atomic::{AtomicUsize, Ordering};

/// What any connection may hold even when the budget is used up: a few small requests and
/// responses. A peer flooding the node cannot starve ordinary calls on other connections;
/// the node as a whole may go over the budget by at most this much per connection.
pub(crate) const ALWAYS_ALLOWED: usize = 64 << 10;

/// Bytes held by all connections, against a limit.
#[derive(Debug)]
pub(crate) struct MemoryBudget {
    limit: usize,
    used: AtomicUsize,
}

impl MemoryBudget {
    pub(crate) fn new(limit: usize) -> MemoryBudget {
        MemoryBudget {
            limit,
            used: AtomicUsize::new(0),
        }
    }

    /// The limit.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Bytes held now, by all connections.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }

    /// Records that a connection now holds `now` bytes (it held `*held`); false, with
    /// nothing recorded, when that would go over the limit (up to [`ALWAYS_ALLOWED`] is
    /// always recorded).
    pub(crate) fn hold(&self, held: &mut usize, now: usize) -> bool {
        if now <= *held {
            self.used.fetch_sub(*held - now, Ordering::AcqRel);
            *held = now;
            return true;
        }
        let more = now - *held;
        if now <= ALWAYS_ALLOWED {
            self.used.fetch_add(more, Ordering::AcqRel);
            *held = now;
            return true;
        }
        let ok = self
            .used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| {
                u.checked_add(more).filter(|&n| n <= self.limit)
            })
            .is_ok();
        if ok {
            *held = now;
        }
        ok
    }

    /// What a connection holding `held` may hold at most now: `held` plus what is free.
    pub(crate) fn room(&self, held: usize) -> usize {
        held + self.limit.saturating_sub(self.used())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_up_to_the_limit_and_gives_back() {
        const K: usize = ALWAYS_ALLOWED;
        let b = MemoryBudget::new(100 * K);
        let (mut a, mut c) = (0, 0);
        assert!(b.hold(&mut a, 60 * K));
        assert_eq!(b.room(c), 40 * K);
        assert!(!b.hold(&mut c, 41 * K), "over the limit");
        assert_eq!(c, 0);
        assert!(b.hold(&mut c, 40 * K));
        assert_eq!(b.used(), 100 * K);
        // Full, but a small holding is always allowed.
        let mut d = 0;
        assert!(b.hold(&mut d, K));
        assert!(!b.hold(&mut d, K + 1));
        assert!(b.hold(&mut d, 0));
        assert!(b.hold(&mut a, 10 * K));
        assert_eq!(b.used(), 50 * K);
        assert!(b.hold(&mut c, 0));
        assert!(b.hold(&mut a, 0));
        assert_eq!(b.used(), 0);
    }
}
