//! Who may connect: a peer allowlist and a bound on accepted connections.
//!
//! The cluster protocol has no authentication at all: whoever reaches the port can call
//! every service. The allowlist, the network and the bounds are the protection (skynet's
//! answer is a firewall; these do it in the node too, and log what they refuse).

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The admission rules of one node.
#[derive(Debug)]
pub(crate) struct Admission {
    allow: Vec<IpNet>,
    slots: Arc<Semaphore>,
    max: usize,
}

/// Why a peer was turned away.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Its address is in no allowed network.
    NotAllowed,
    /// `max` connections are open already.
    Full {
        /// The bound.
        max: usize,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotAllowed => f.write_str("its address is not in the allowlist"),
            Refusal::Full { max } => write!(f, "{max} connections are open (max_connections)"),
        }
    }
}

impl Admission {
    pub(crate) fn new(allow: Vec<IpNet>, max: usize) -> Admission {
        let max = max.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
        Admission {
            allow,
            slots: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    /// Admits `peer`, or says why not; the permit is held for as long as the connection
    /// is served.
    pub(crate) fn admit(&self, peer: IpAddr) -> Result<OwnedSemaphorePermit, Refusal> {
        // An IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d.
        let peer = match peer {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(peer, IpAddr::V4),
            v4 => v4,
        };
        if !self.allow.is_empty() && !self.allow.iter().any(|n| n.contains(&peer)) {
            return Err(Refusal::NotAllowed);
        }
        self.slots
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::Full { max: self.max })
    }
}

impl Admission {
    /// Connections admitted and still served.
    pub(crate) fn in_use(&self) -> usize {
        self.max.saturating_sub(self.slots.available_permits())
    }

    /// Waits until every admitted connection is done.
    pub(crate) async fn all_done(&self) {
        if let Ok(all) = self.slots.acquire_many(self.max as u32).await {
            drop(all);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowlist_and_bound() {
        let a = Admission::new(
            vec![
                "127.0.0.0/8".parse().unwrap(),
                "10.1.0.0/16".parse().unwrap(),
            ],
            2,
        );
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(
            a.admit("192.168.1.1".parse().unwrap()).unwrap_err(),
            Refusal::NotAllowed
        );
        assert_eq!(
            a.admit("10.2.0.1".parse().unwrap()).unwrap_err(),
            Refusal::NotAllowed
        );
        let mapped: IpAddr = "::ffff:10.1.2.3".parse().unwrap();
        let one = a.admit(mapped).unwrap();
        let two = a.admit(local).unwrap();
        assert_eq!(a.admit(local).unwrap_err(), Refusal::Full { max: 2 });
        drop(one);
        let _three = a.admit(local).unwrap();
        drop(two);
        // No allowlist: everyone.
        let open = Admission::new(Vec::new(), 1);
        assert!(open.admit("203.0.113.9".parse().unwrap()).is_ok());
    }
}
