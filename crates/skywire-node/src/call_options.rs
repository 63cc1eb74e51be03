//! How a call is addressed and bounded: [`IntoTarget`] and [`CallOptions`].

use std::time::Duration;

use bytes::Bytes;
use skywire_codec::Target;

use crate::error::CallError;

/// Anything that names a service on a remote node: a [`Target`], a `u32` address, or a
/// string taken as a name (`"@echo"`, `".echo"`; as in skynet, a string is always a name,
/// `"10"` included).
pub trait IntoTarget {
    /// The target, or an error for a name that does not fit a packet (empty or over 255
    /// bytes).
    fn into_target(self) -> Result<Target, CallError>;
}

impl IntoTarget for Target {
    fn into_target(self) -> Result<Target, CallError> {
        match self {
            Target::Name(n) => Ok(Target::name(n)?),
            a @ Target::Address(_) => Ok(a),
        }
    }
}

impl IntoTarget for &Target {
    fn into_target(self) -> Result<Target, CallError> {
        self.clone().into_target()
    }
}

impl IntoTarget for u32 {
    fn into_target(self) -> Result<Target, CallError> {
        Ok(Target::Address(self))
    }
}

impl IntoTarget for &str {
    fn into_target(self) -> Result<Target, CallError> {
        Ok(Target::name(Bytes::copy_from_slice(self.as_bytes()))?)
    }
}

impl IntoTarget for String {
    fn into_target(self) -> Result<Target, CallError> {
        Ok(Target::name(Bytes::from(self))?)
    }
}

impl IntoTarget for &String {
    fn into_target(self) -> Result<Target, CallError> {
        self.as_str().into_target()
    }
}

impl IntoTarget for Bytes {
    fn into_target(self) -> Result<Target, CallError> {
        Ok(Target::name(self)?)
    }
}

/// Per-call settings: a deadline overriding the node's default, and a trace tag.
///
/// ```
/// use std::time::Duration;
/// use skywire_node::CallOptions;
/// let opts = CallOptions::new().timeout(Duration::from_secs(2)).trace("req-42");
/// # let _ = opts;
/// ```
#[derive(Clone, Debug, Default)]
pub struct CallOptions {
    pub(crate) timeout: Option<Option<Duration>>,
    pub(crate) trace: Option<Bytes>,
}

impl CallOptions {
    /// The node's defaults, no trace tag.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fail with [`CallError::Timeout`] if the whole call (connecting, waiting for room,
    /// waiting for the response) takes longer than `after`.
    pub fn timeout(mut self, after: Duration) -> Self {
        self.timeout = Some(Some(after));
        self
    }

    /// Wait as long as it takes, whatever the node's default.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = Some(None);
        self
    }

    /// Send a trace tag (skynet's `0x04` packet) just before the request; the serving node
    /// hands it to the service with the request.
    pub fn trace(mut self, tag: impl Into<Bytes>) -> Self {
        self.trace = Some(tag.into());
        self
    }

    /// The deadline to apply given the node's default.
    pub(crate) fn effective_timeout(&self, default: Option<Duration>) -> Option<Duration> {
        self.timeout.unwrap_or(default)
    }
}
