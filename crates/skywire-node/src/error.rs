//! Errors of the node: what a call can fail with, what registering a service can fail with.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

/// Why a call, push or query to a remote node failed.
///
/// Every variant says what went wrong and, where there is one, on which node (the node's
/// name in the node table, or `host:port` for a direct connection).
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The remote node answered with an error response. `text` is the error text as sent
    /// (skynet nodes send e.g. `Invalid name`, or `./lualib/skynet.lua:720: call failed`
    /// when the service raised an error).
    #[error("node {node}: error response: {}", String::from_utf8_lossy(text))]
    Remote {
        /// The node that answered.
        node: String,
        /// The error text of the response (bytes; usually UTF-8).
        text: Bytes,
    },
    /// The node name is not in the node table.
    #[error("cluster node [{node}] is absent")]
    UnknownNode {
        /// The name asked for.
        node: String,
    },
    /// The node is marked down (`false` in the node table), or its last connection
    /// attempts failed and the next is not due yet (see
    /// [`NodeBuilder::reconnect_backoff`](crate::NodeBuilder::reconnect_backoff)).
    #[error("cluster node [{node}] is down")]
    NodeDown {
        /// The node.
        node: String,
    },
    /// Opening the connection to the node failed.
    #[error("node {node}: cannot connect to {addr}: {source}")]
    Connect {
        /// The node.
        node: String,
        /// The address tried.
        addr: String,
        /// What the operating system said (kind [`TimedOut`](std::io::ErrorKind::TimedOut)
        /// when the connect timeout passed); shared by the callers that waited for the
        /// same attempt ([`source`](std::error::Error::source) gives the `Arc`).
        source: Arc<std::io::Error>,
    },
    /// The connection the call was sent on closed before the response came.
    #[error("node {node}: connection lost: {reason}")]
    ConnectionLost {
        /// The node.
        node: String,
        /// Why the connection closed.
        reason: String,
        /// The I/O error that closed it, when a read or a write failed
        /// ([`source`](std::error::Error::source) gives the `Arc`).
        #[source]
        source: Option<Arc<std::io::Error>>,
    },
    /// The call's deadline passed before the response came.
    #[error("node {node}: no response within {after:?}")]
    Timeout {
        /// The node.
        node: String,
        /// The deadline that passed.
        after: Duration,
    },
    /// The arguments cannot be packed (lua-seri).
    #[error("cannot pack the arguments: {0}")]
    Encode(#[from] skywire_seri::EncodeError),
    /// The response payload is not valid lua-seri.
    #[error("node {node}: undecodable response: {source}")]
    Decode {
        /// The node.
        node: String,
        /// What was wrong with the payload.
        source: skywire_seri::DecodeError,
    },
    /// The target cannot be sent (an empty name, or a name over 255 bytes), or a packet
    /// could not be built.
    #[error("cannot build the request: {0}")]
    Packet(#[from] skywire_codec::PacketError),
    /// A query was answered with something other than an address.
    #[error("node {node}: query answer is not an address: {answer}")]
    BadQueryAnswer {
        /// The node.
        node: String,
        /// The answer, as a Lua literal.
        answer: String,
    },
    /// The node's `.service` has no snax service of this name: it answered `nil, text`
    /// (see [`Remote::snax`](crate::Remote::snax)).
    #[error(
        "node {node}: no snax service {name}: {}",
        String::from_utf8_lossy(text)
    )]
    SnaxNotFound {
        /// The node.
        node: String,
        /// The snax service asked for.
        name: String,
        /// The text of the answer.
        text: Bytes,
    },
    /// A snax method that cannot be called as asked (not in the interface, or a push to a
    /// method that answers): nothing was sent.
    #[error(transparent)]
    SnaxMethod(#[from] crate::snax::SnaxMethodError),
    /// Converting arguments or results to or from Rust types failed (the typed helpers).
    #[error("argument conversion: {0}")]
    Serde(#[from] skywire_seri::SerdeError),
    /// The node was shut down.
    #[error("the node is shut down")]
    Shutdown,
    /// The pushes sent on a connection could not be confirmed as taken by the peer's node
    /// before it closed (the confirming name query failed): they may be lost.
    #[error("node {node}: pushes not confirmed, they may be lost: {source}")]
    Unconfirmed {
        /// The node.
        node: String,
        /// Why the confirmation failed.
        source: Box<CallError>,
    },
}

impl CallError {
    /// The error text of an error response, if this is one.
    pub fn remote_text(&self) -> Option<&Bytes> {
        match self {
            CallError::Remote { text, .. } => Some(text),
            _ => None,
        }
    }

    /// True for the error responses that say the target does not exist on the remote node,
    /// skynet's and this crate's alike: `Invalid name` (an unknown `@name`), `name not
    /// found` (a query for an unknown name) and `call to invalid address` (an unknown
    /// `.name` or address; skynet puts a Lua source location in front of it).
    pub fn is_unknown_target(&self) -> bool {
        use crate::serving::{INVALID_ADDRESS, INVALID_NAME, NAME_NOT_FOUND};
        self.remote_text().is_some_and(|t| {
            t == INVALID_NAME || t == NAME_NOT_FOUND || t.ends_with(INVALID_ADDRESS.as_bytes())
        })
    }
}

/// Why [`Node::open`](crate::Node::open) cannot listen where the node table says.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The name is not in the node table (skynet: `NAME is down`, for this and for
    /// `false` alike).
    #[error("cluster node [{0}] is not in the node table: nothing says where to listen")]
    UnknownNode(String),
    /// The name is marked `false` (down) in the node table.
    #[error(
        "cluster node [{0}] is marked false (down) in the node table: nothing says where to listen"
    )]
    NodeDown(String),
    /// Listening on the address failed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// What the operating system said.
        source: std::io::Error,
    },
}

/// Why a service cannot be registered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// Another service already has this name.
    #[error("a service named {0:?} is already registered")]
    NameTaken(String),
    /// Another service already has this address.
    #[error("address {0} (0x{0:08x}) is already in use")]
    AddressTaken(u32),
    /// Address 0 is the name-query service.
    #[error("address 0 is reserved for name queries")]
    AddressZero,
    /// The name is empty, starts with `@`, `.` or `:`, or is over 254 bytes (`@name` must
    /// fit the 255 bytes a by-name packet carries).
    #[error("invalid service name {0:?}: 1..=254 bytes, not starting with '@', '.' or ':'")]
    InvalidName(String),
    /// All addresses are taken.
    #[error("no free service address left")]
    NoFreeAddress,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(text: &'static str) -> CallError {
        CallError::Remote {
            node: "db".into(),
            text: Bytes::from_static(text.as_bytes()),
        }
    }

    /// The texts of the captures (`tests/captures/README.md`): skynet's own forms.
    #[test]
    fn unknown_targets_by_skynets_texts() {
        assert!(remote("Invalid name").is_unknown_target());
        assert!(remote("name not found").is_unknown_target());
        assert!(remote("./lualib/skynet.lua:747: call to invalid address").is_unknown_target());
        assert!(!remote("./lualib/skynet.lua:720: call failed").is_unknown_target());
        assert!(!remote("Invalid name, said the service").is_unknown_target());
        assert!(!CallError::Shutdown.is_unknown_target());
    }
}
