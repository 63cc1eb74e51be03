//! Resource limits for reassembly. skynet has none; a node facing the network needs them.

/// Bounds on what reassembly may hold, with defaults sized for game-server traffic.
///
/// Every multi-part header is checked against these before anything is allocated for it:
/// its declared size against [`max_message_size`](Self::max_message_size), the number of
/// open messages against [`max_partial_messages`](Self::max_partial_messages), and the sum of
/// the declared sizes of all open messages against
/// [`max_buffered_bytes`](Self::max_buffered_bytes).
///
/// ```
/// use skywire_codec::Limits;
/// let l = Limits::default().with_max_message_size(1 << 20).with_max_partial_messages(16);
/// assert_eq!(l.max_message_size(), 1 << 20);
/// assert_eq!(l.max_buffered_bytes(), Limits::DEFAULT.max_buffered_bytes());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    max_message_size: usize,
    max_partial_messages: usize,
    max_buffered_bytes: usize,
}

impl Limits {
    /// 32 MiB messages, 1024 open multi-part messages, 256 MiB reserved in all.
    pub const DEFAULT: Limits = Limits {
        max_message_size: 32 << 20,
        max_partial_messages: 1024,
        max_buffered_bytes: 256 << 20,
    };

    /// Largest payload a multi-part message may declare.
    pub const fn max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// Most multi-part messages open at once (per decoder, i.e. per connection direction).
    pub const fn max_partial_messages(&self) -> usize {
        self.max_partial_messages
    }

    /// Most bytes all open multi-part messages may declare together.
    pub const fn max_buffered_bytes(&self) -> usize {
        self.max_buffered_bytes
    }

    /// Sets [`max_message_size`](Self::max_message_size).
    pub const fn with_max_message_size(mut self, n: usize) -> Self {
        self.max_message_size = n;
        self
    }

    /// Sets [`max_partial_messages`](Self::max_partial_messages).
    pub const fn with_max_partial_messages(mut self, n: usize) -> Self {
        self.max_partial_messages = n;
        self
    }

    /// Sets [`max_buffered_bytes`](Self::max_buffered_bytes).
    pub const fn with_max_buffered_bytes(mut self, n: usize) -> Self {
        self.max_buffered_bytes = n;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
