//! [`Fleet`]: what the keys under a prefix say, kept up to date by a watch.

use std::collections::{BTreeMap, BTreeSet};

use skywire_seri::Value;

use super::keys::{self, BadEntry, Entry, Key};
use crate::cluster_config::{ClusterConfig, NodeAddress};

/// The nodes and cluster names published under a prefix, as a watch last saw them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fleet {
    nodes: BTreeMap<String, NodeAddress>,
    names: BTreeMap<String, BTreeMap<String, u32>>,
    gone: BTreeSet<String>,
}

impl Fleet {
    /// The nodes published now: name -> `host:port`.
    pub fn nodes(&self) -> &BTreeMap<String, NodeAddress> {
        &self.nodes
    }

    /// Nodes seen since the watch began whose key has gone (expired, revoked, deleted):
    /// marked down in [`cluster_config`](Self::cluster_config).
    pub fn gone(&self) -> &BTreeSet<String> {
        &self.gone
    }

    /// The cluster names a node published: service name -> address.
    pub fn names(&self, node: &str) -> Option<&BTreeMap<String, u32>> {
        self.names.get(node)
    }

    /// `cluster.query(node, service)` answered from the registry: the address `node`
    /// published for `service`, without asking the node (so it can be stale).
    pub fn query(&self, node: &str, service: &str) -> Option<u32> {
        self.names.get(node)?.get(service).copied()
    }

    /// The node table: every published node at its address, every gone node `false`
    /// (skynet's `cluster.reload` keeps nodes a table does not name: a vanished node must
    /// be named down to stop calls to it).
    pub fn cluster_config(&self) -> ClusterConfig {
        let mut c = ClusterConfig::new();
        for (name, addr) in &self.nodes {
            c.set_node(name.clone(), addr.clone());
        }
        for name in &self.gone {
            c.set_node(name.clone(), NodeAddress::Down);
        }
        c
    }

    /// [`cluster_config`](Self::cluster_config) with `__nowaiting = true`, what
    /// `skywire discover` writes: calls to a node not in the table fail at once.
    pub fn clustername(&self) -> ClusterConfig {
        let mut c = self.cluster_config();
        c.set_option("nowaiting", Value::Boolean(true));
        c
    }

    /// Applies a put. A bad entry changes nothing.
    pub(crate) fn put(&mut self, prefix: &str, key: &[u8], value: &[u8]) -> Result<(), BadEntry> {
        match keys::parse_entry(prefix, key, value)? {
            Entry::Node(name, addr) => {
                self.gone.remove(&name);
                self.nodes.insert(name, addr);
            }
            Entry::Name(node, service, address) => {
                self.names.entry(node).or_default().insert(service, address);
            }
        }
        Ok(())
    }

    /// Applies a delete.
    pub(crate) fn delete(&mut self, prefix: &str, key: &[u8]) -> Result<(), BadEntry> {
        match keys::parse_key(prefix, key)? {
            Key::Node(name) => {
                if self.nodes.remove(&name).is_some() {
                    self.gone.insert(name);
                }
            }
            Key::Name(node, service) => {
                if let Some(names) = self.names.get_mut(&node) {
                    names.remove(&service);
                    if names.is_empty() {
                        self.names.remove(&node);
                    }
                }
            }
        }
        Ok(())
    }

    /// Takes a fresh read of the prefix: nodes this fleet had that it lacks are gone.
    pub(crate) fn replace(&mut self, mut fresh: Fleet) {
        let mut gone = std::mem::take(&mut self.gone);
        gone.extend(
            self.nodes
                .keys()
                .filter(|n| !fresh.nodes.contains_key(*n))
                .cloned(),
        );
        gone.retain(|n| !fresh.nodes.contains_key(n));
        fresh.gone = gone;
        *self = fresh;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "/sw/";

    fn at(a: &str) -> NodeAddress {
        NodeAddress::At(a.into())
    }

    /// A fleet that was told of these nodes (`(name, "host:port")`), in order.
    fn fleet_of(nodes: &[(&str, &str)]) -> Fleet {
        let mut f = Fleet::default();
        for (name, addr) in nodes {
            let key = format!("{P}nodes/{name}");
            f.put(P, key.as_bytes(), addr.as_bytes()).unwrap();
        }
        f
    }

    #[test]
    fn a_deleted_node_is_down_and_comes_back_when_put() {
        let mut f = fleet_of(&[("a", "h:1"), ("b", "h:2")]);
        f.delete(P, b"/sw/nodes/a").unwrap();
        let c = f.cluster_config();
        assert_eq!(c.nodes()["a"], NodeAddress::Down);
        assert_eq!(c.nodes()["b"], at("h:2"));
        f.put(P, b"/sw/nodes/a", b"h:3").unwrap();
        assert_eq!(f.cluster_config().nodes()["a"], at("h:3"));
        assert!(f.gone().is_empty());
    }

    #[test]
    fn a_bad_value_keeps_the_last_good_one() {
        let mut f = fleet_of(&[("a", "h:1")]);
        assert!(f.put(P, b"/sw/nodes/a", b"garbage").is_err());
        assert_eq!(f.nodes()["a"], at("h:1"));
    }

    #[test]
    fn names_answer_queries_and_go_with_their_keys() {
        let mut f = Fleet::default();
        f.put(P, b"/sw/names/a/echo", b"10").unwrap();
        assert_eq!(f.query("a", "echo"), Some(10));
        f.delete(P, b"/sw/names/a/echo").unwrap();
        assert_eq!(f.query("a", "echo"), None);
        assert!(f.names("a").is_none());
    }

    #[test]
    fn a_fresh_read_marks_the_missing_gone() {
        let mut f = fleet_of(&[("a", "h:1"), ("b", "h:2")]);
        f.replace(fleet_of(&[("b", "h:9")]));
        assert_eq!(f.gone().iter().collect::<Vec<_>>(), ["a"]);
        assert_eq!(f.nodes()["b"], at("h:9"));
    }

    #[test]
    fn the_clustername_text_reads_back() {
        let mut f = fleet_of(&[("a", "127.0.0.1:1"), ("b", "h:2")]);
        f.delete(P, b"/sw/nodes/b").unwrap();
        let text = f.clustername().to_string();
        assert_eq!(text, "a = \"127.0.0.1:1\"\nb = false\n__nowaiting = true\n");
        assert_eq!(ClusterConfig::parse(&text).unwrap(), f.clustername());
    }
}
