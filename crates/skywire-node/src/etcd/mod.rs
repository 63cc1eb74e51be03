//! Node and service discovery through etcd (feature `etcd`).
//!
//! A node publishes itself under a prefix ([`Node::publish_etcd`]): `PREFIX/nodes/NAME =
//! "host:port"` and one `PREFIX/names/NAME/SERVICE = address` per registered service,
//! all under one lease kept alive while the node runs, so a node that crashes disappears
//! after the lease's TTL and one that shuts down (or drops its [`Publication`]) disappears
//! at once. A node follows the prefix ([`Node::follow_etcd`]): the node table is the
//! prefix's `nodes/` keys, applied with [`Node::reload`] (skynet's `cluster.reload`): a
//! node that moved has its connection closed and its pending calls failed, a node whose
//! key vanished is marked down so calls to it fail at once. Anything else can follow the
//! same keys with [`watch`] (`skywire discover` writes skynet's `clustername` file from
//! it). The layout is `spec/discovery.md`.
//!
//! etcd being unreachable, a watch cancelled, a lease lost: each is logged, and retried
//! with a backoff bounded by [`EtcdConfig::retry`]; a follower keeps the last table it
//! had meanwhile. A key or value that does not follow the layout is a [`BadEntry`],
//! logged and skipped.
//!
//! ```no_run
//! use skywire_node::etcd::EtcdConfig;
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let node = skywire_node::Node::new();
//! let listener = node.listen("10.0.0.7:2528").await?;
//! let etcd = EtcdConfig::new(["http://10.0.0.1:2379"], "/skywire");
//! let _published = node.publish_etcd(etcd.clone(), "db", &listener.local_addr().to_string())?;
//! let followed = node.follow_etcd(etcd);
//! // node.remote("cache") now works once `cache` has published itself.
//! let echo_of_cache = followed.state().fleet.query("cache", "echo");
//! # Ok(()) }
//! ```

mod config;
mod fleet;
mod keys;
mod publish;
mod watch;

use std::time::Duration;

pub use config::EtcdConfig;
pub use fleet::Fleet;
pub use keys::BadEntry;
pub use publish::{Publication, PublishState};
pub use watch::{watch, FleetState, FleetWatch};

use crate::cluster_config::{InvalidAddress, NodeAddress};
use crate::node::Node;

/// What went wrong talking to etcd (each is logged and retried; the latest is in the
/// state of a [`FleetWatch`] or [`Publication`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EtcdError {
    /// etcd answered with an error, or could not be reached.
    #[error("etcd {op} at {endpoints}: {source}")]
    Etcd {
        /// What was asked (`connect`, `get`, `watch`, `grant`, `put`, `keep-alive`...).
        op: &'static str,
        /// The endpoints tried.
        endpoints: String,
        /// What the client said.
        source: etcd_client::Error,
    },
    /// etcd did not answer in time ([`EtcdConfig::request_timeout`]).
    #[error("etcd {op} at {endpoints}: no answer within {after:?}")]
    Timeout {
        /// What was asked.
        op: &'static str,
        /// The endpoints tried.
        endpoints: String,
        /// How long we waited.
        after: Duration,
    },
    /// etcd cancelled the watch (the revision asked for was compacted, say).
    #[error("etcd cancelled the watch of {prefix}: {reason}")]
    WatchCancelled {
        /// The prefix watched.
        prefix: String,
        /// What etcd said.
        reason: String,
    },
    /// The watch stream ended (etcd went away).
    #[error("the watch of {prefix} ended")]
    WatchEnded {
        /// The prefix watched.
        prefix: String,
    },
    /// The lease expired before it was renewed (etcd restarted without it, or we were cut
    /// off longer than its TTL): a new one is granted and everything published again.
    #[error("lease {id:x} expired")]
    LeaseLost {
        /// The lease.
        id: i64,
    },
    /// A node name that cannot be published (not a Lua name, or starting with `__`).
    #[error("node name {0:?} cannot be published: a clustername key is a Lua name not starting with `__`")]
    InvalidNodeName(String),
    /// A node address that is not `host:port`.
    #[error(transparent)]
    InvalidAddress(#[from] InvalidAddress),
}

impl Node {
    /// Publishes this node under `config`'s prefix as `name`, reachable at `address`
    /// (`host:port`, what other nodes connect to): `PREFIX/nodes/NAME = address` and
    /// `PREFIX/names/NAME/SERVICE = ADDRESS` for each registered service (followed as
    /// services come and go), under a lease renewed every third of its TTL. A lost lease
    /// is granted again and everything published again; etcd unreachable is retried with
    /// backoff. Dropping the handle or shutting the node down revokes the lease (the keys
    /// go at once); a node that dies leaves them to expire after the TTL. Call it within a
    /// tokio runtime.
    pub fn publish_etcd(
        &self,
        config: EtcdConfig,
        name: &str,
        address: &str,
    ) -> Result<Publication, EtcdError> {
        if !keys::valid_node_name(name) {
            return Err(EtcdError::InvalidNodeName(name.to_owned()));
        }
        let NodeAddress::At(address) = NodeAddress::at(address)? else {
            unreachable!("NodeAddress::at gives an address")
        };
        Ok(Publication::start(
            self.clone(),
            config,
            name.to_owned(),
            address,
        ))
    }

    /// Follows `config`'s prefix: the node table becomes the `PREFIX/nodes/` keys, applied
    /// with [`reload`](Self::reload) at each change (skynet's `cluster.reload`: a moved node
    /// reconnects, its pending calls fail); a node whose key vanished is marked down
    /// (calls fail at once). Nodes set by hand and never published are left alone. On
    /// etcd errors the table stays as it was and the watch is retried with backoff.
    /// Following stops when the handle is dropped or the node shuts down. The handle's
    /// [`FleetState::fleet`] also answers `cluster.query` from the registry
    /// ([`Fleet::query`]: no round trip, possibly stale), for callers who ask it. Call it
    /// within a tokio runtime.
    pub fn follow_etcd(&self, config: EtcdConfig) -> FleetWatch {
        FleetWatch::start(config, Some(self.clone()))
    }
}
