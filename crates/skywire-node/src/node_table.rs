//! The node table: node name -> where it is, plus the remotes built from it.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Mutex, PoisonError, RwLock};

use crate::cluster_config::{ClusterConfig, NodeAddress};
use crate::error::CallError;
use crate::remote::{Place, Remote, RemoteSettings};

/// The nodes this node can call.
///
/// Each name has one [`Remote`] for the node's lifetime, whatever reloads do: a reload
/// that moves the node moves its remote, and a node taken out of the table (or not added
/// yet, but asked for) keeps its remote, absent, so that handles and proxies taken before
/// follow it when it comes back.
pub(crate) struct NodeTable {
    settings: RemoteSettings,
    /// Name -> its address in the table (none when absent), and its remote.
    nodes: RwLock<HashMap<String, (Option<NodeAddress>, Remote)>>,
    direct: Mutex<HashMap<String, Remote>>,
}

impl NodeTable {
    pub(crate) fn new(settings: RemoteSettings) -> Self {
        NodeTable {
            settings,
            nodes: RwLock::new(HashMap::new()),
            direct: Mutex::new(HashMap::new()),
        }
    }

    /// Applies a table the way skynet's `cluster.reload` does: every node it names gets the
    /// new address (a node whose address changed has its connection closed), nodes it does
    /// not name are left alone; `__nowaiting` is taken.
    pub(crate) fn reload(&self, config: &ClusterConfig) {
        if let Some(nw) = config.nowaiting() {
            self.settings.nowaiting.store(nw, Ordering::Relaxed);
        }
        let mut nodes = self.nodes.write().unwrap_or_else(PoisonError::into_inner);
        for (name, addr) in config.nodes() {
            match nodes.get_mut(name) {
                Some((old, remote)) => {
                    if old.as_ref() != Some(addr) {
                        match old {
                            Some(o) => {
                                tracing::info!(node = %name, from = %o, to = %addr, "node changed")
                            }
                            None => tracing::debug!(node = %name, at = %addr, "node added"),
                        }
                        *old = Some(addr.clone());
                        remote.set_place(place_of(addr));
                    }
                }
                None => {
                    tracing::debug!(node = %name, at = %addr, "node added");
                    let remote = Remote::new(name.clone(), place_of(addr), &self.settings);
                    nodes.insert(name.clone(), (Some(addr.clone()), remote));
                }
            }
        }
        // Calls waiting for absent nodes check again (waiting may be off now).
        for (_, remote) in nodes.values().filter(|(a, _)| a.is_none()) {
            remote.wake();
        }
    }

    /// Takes a node out of the table; calls through handles to it fail with
    /// [`CallError::UnknownNode`] (or wait for it, when calls wait for unknown nodes).
    pub(crate) fn remove(&self, name: &str) -> bool {
        let mut nodes = self.nodes.write().unwrap_or_else(PoisonError::into_inner);
        match nodes.get_mut(name) {
            Some((addr @ Some(_), remote)) => {
                *addr = None;
                remote.set_place(Place::Absent);
                true
            }
            _ => false,
        }
    }

    /// The table as it is now.
    pub(crate) fn snapshot(&self) -> ClusterConfig {
        let nodes = self.nodes.read().unwrap_or_else(PoisonError::into_inner);
        let mut c = ClusterConfig::new();
        for (name, (addr, _)) in nodes.iter() {
            if let Some(addr) = addr {
                c.set_node(name.clone(), addr.clone());
            }
        }
        if self.settings.nowaiting.load(Ordering::Relaxed) {
            c.set_option("nowaiting", skywire_seri::Value::Boolean(true));
        }
        c
    }

    /// The remote for a node in the table; for one that is not, its (absent) remote when
    /// calls wait for unknown nodes and the table does not say `__nowaiting`, else
    /// [`CallError::UnknownNode`].
    pub(crate) fn remote(&self, name: &str) -> Result<Remote, CallError> {
        {
            let nodes = self.nodes.read().unwrap_or_else(PoisonError::into_inner);
            if let Some((Some(_), r)) = nodes.get(name) {
                return Ok(r.clone());
            }
        }
        let waits =
            self.settings.config.wait_for_nodes && !self.settings.nowaiting.load(Ordering::Relaxed);
        if !waits {
            return Err(CallError::UnknownNode { node: name.into() });
        }
        Ok(self.entry(name))
    }

    /// The remote for `name`, in the table or not (then absent until it is added).
    pub(crate) fn entry(&self, name: &str) -> Remote {
        let mut nodes = self.nodes.write().unwrap_or_else(PoisonError::into_inner);
        nodes
            .entry(name.to_owned())
            .or_insert_with(|| {
                (
                    None,
                    Remote::new(name.to_owned(), Place::Absent, &self.settings),
                )
            })
            .1
            .clone()
    }

    /// The remote for a `host:port` outside the table (one per address, shared).
    pub(crate) fn direct(&self, addr: &str) -> Remote {
        let mut direct = self.direct.lock().unwrap_or_else(PoisonError::into_inner);
        direct
            .entry(addr.to_owned())
            .or_insert_with(|| {
                Remote::new(addr.to_owned(), Place::At(addr.to_owned()), &self.settings)
            })
            .clone()
    }

    /// Every remote, of the table and direct ones.
    pub(crate) fn remotes(&self) -> Vec<Remote> {
        let mut all: Vec<Remote> = {
            let nodes = self.nodes.read().unwrap_or_else(PoisonError::into_inner);
            nodes.values().map(|(_, r)| r.clone()).collect()
        };
        let direct = self.direct.lock().unwrap_or_else(PoisonError::into_inner);
        all.extend(direct.values().cloned());
        all
    }

    /// Outgoing connections open, and the calls waiting on them (for the metrics).
    pub(crate) fn connection_stats(&self) -> (usize, usize) {
        self.remotes()
            .iter()
            .filter_map(Remote::pending_calls)
            .fold((0, 0), |(open, calls), n| (open + 1, calls + n))
    }

    /// Closes every connection (node shutdown).
    pub(crate) fn shut(&self) {
        for r in self.remotes() {
            r.shut();
        }
    }
}

fn place_of(addr: &NodeAddress) -> Place {
    match addr {
        NodeAddress::At(a) => Place::At(a.clone()),
        NodeAddress::Down => Place::Down,
    }
}
