//! `skywire node --etcd URL --name NAME`: publish the node in etcd and follow the prefix's
//! node table (feature `etcd`).

use std::time::Duration;

use skywire_node::etcd::{EtcdConfig, FleetWatch, Publication};
use skywire_node::Node;

/// The etcd arguments of `skywire node`.
#[derive(clap::Args, Debug)]
pub struct EtcdArgs {
    /// An etcd endpoint (`http://127.0.0.1:2379`; repeat for more): publish this node as
    /// `--name` at `--advertise` (default: the address listened on) under a lease, and
    /// follow the prefix's nodes as the node table (spec/discovery.md).
    #[arg(long = "etcd", value_name = "URL", requires = "name")]
    pub endpoints: Vec<String>,
    /// The etcd key prefix.
    #[arg(long, value_name = "PREFIX", default_value = "/skywire")]
    pub etcd_prefix: String,
    /// The `host:port` other nodes connect to, when it is not the address listened on
    /// (listening on 0.0.0.0, behind NAT).
    #[arg(long, value_name = "HOST:PORT")]
    pub advertise: Option<String>,
    /// The lease TTL in seconds: a node that dies disappears after this long.
    #[arg(long, value_name = "SECONDS", default_value_t = EtcdConfig::DEFAULT_TTL.as_secs())]
    pub etcd_ttl: u64,
}

impl EtcdArgs {
    /// Whether `--etcd` was given.
    pub fn on(&self) -> bool {
        !self.endpoints.is_empty()
    }

    /// Publishes `node` as `name` (at `--advertise`, else `listening`) and follows the
    /// prefix.
    pub fn start(
        &self,
        node: &Node,
        name: &str,
        listening: std::net::SocketAddr,
    ) -> Result<(Publication, FleetWatch), String> {
        let config = EtcdConfig::new(self.endpoints.iter().cloned(), &self.etcd_prefix)
            .ttl(Duration::from_secs(self.etcd_ttl));
        let advertise = match &self.advertise {
            Some(a) => a.clone(),
            None if listening.ip().is_unspecified() => {
                return Err(format!(
                "listening on {listening}: say with --advertise where other nodes reach this one"
            ))
            }
            None => listening.to_string(),
        };
        let published = node
            .publish_etcd(config.clone(), name, &advertise)
            .map_err(|e| e.to_string())?;
        Ok((published, node.follow_etcd(config)))
    }
}
