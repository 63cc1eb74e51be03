//! The key layout under a prefix, and the checks every key and value goes through
//! (`spec/discovery.md`).
//!
//! ```text
//! PREFIX/nodes/NODE          = "host:port"   under the node's lease
//! PREFIX/names/NODE/SERVICE  = "10"          decimal service address, same lease
//! ```

use crate::cluster_config::{InvalidAddress, NodeAddress};

/// The folder of node entries under a prefix.
const NODES: &str = "nodes/";
/// The folder of cluster names under a prefix.
const NAMES: &str = "names/";

/// Longest node name accepted (skynet's clustername keys are Lua names; this keeps a key
/// and a file line bounded).
const MAX_NODE_NAME: usize = 255;
/// Longest service name: `@` + name must fit the 255 bytes of a by-name packet
/// (the registry's bound).
const MAX_SERVICE_NAME: usize = 254;

/// A prefix made to end with `/` (`"/skywire"` and `"/skywire/"` are the same prefix).
pub(crate) fn normalize(prefix: &str) -> String {
    let mut p = prefix.to_owned();
    if !p.ends_with('/') {
        p.push('/');
    }
    p
}

/// `PREFIX/nodes/NODE`.
pub(crate) fn node_key(prefix: &str, node: &str) -> String {
    format!("{prefix}{NODES}{node}")
}

/// `PREFIX/names/NODE/`: the folder of one node's names.
pub(crate) fn names_of(prefix: &str, node: &str) -> String {
    format!("{prefix}{NAMES}{node}/")
}

/// `PREFIX/names/NODE/SERVICE`.
pub(crate) fn name_key(prefix: &str, node: &str, service: &str) -> String {
    format!("{}{service}", names_of(prefix, node))
}

/// What one key under the prefix is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Entry {
    /// `nodes/NODE = host:port`.
    Node(String, NodeAddress),
    /// `names/NODE/SERVICE = address`.
    Name(String, String, u32),
}

/// What one key under the prefix names, with no value (a deletion).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Key {
    /// `nodes/NODE`.
    Node(String),
    /// `names/NODE/SERVICE`.
    Name(String, String),
}

/// A key or value under the prefix that does not follow the layout; it is logged and
/// skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadEntry {
    /// The key is not `PREFIX/nodes/NODE` or `PREFIX/names/NODE/SERVICE`.
    #[error("key {0:?}: not PREFIX/nodes/NODE or PREFIX/names/NODE/SERVICE")]
    UnknownKey(String),
    /// The key or value is not UTF-8.
    #[error("key {0:?}: not UTF-8")]
    NotUtf8(String),
    /// The node name cannot be a key of a skynet `clustername` file (a Lua name, not
    /// starting with `__`, at most 255 bytes).
    #[error("key {key:?}: node name {name:?} is not a Lua name (or starts with `__`)")]
    NodeName {
        /// The key.
        key: String,
        /// The name in it.
        name: String,
    },
    /// The service name is empty, too long, or starts with `@`, `.` or `:`.
    #[error("key {key:?}: invalid service name {name:?}")]
    ServiceName {
        /// The key.
        key: String,
        /// The name in it.
        name: String,
    },
    /// A node's value is not `host:port`.
    #[error("key {key:?}: {source}")]
    Address {
        /// The key.
        key: String,
        /// What was wrong.
        source: InvalidAddress,
    },
    /// A name's value is not a decimal service address from 1 to 2^32-1.
    #[error("key {key:?}: value {value:?} is not a service address (decimal, 1 to 4294967295)")]
    ServiceAddress {
        /// The key.
        key: String,
        /// The value.
        value: String,
    },
}

/// Whether `name` can be a node of a `clustername` file.
pub(crate) fn valid_node_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok
        && name.len() <= MAX_NODE_NAME
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("__")
        && !skywire_seri::lua_text::is_keyword(name)
}

/// Whether `name` can be a registered service's cluster name (and a key segment).
pub(crate) fn valid_service_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_SERVICE_NAME
        && !name.starts_with(['@', '.', ':'])
        && !name.contains('/')
}

fn text(bytes: &[u8]) -> Result<&str, BadEntry> {
    std::str::from_utf8(bytes).map_err(|_| BadEntry::NotUtf8(String::from_utf8_lossy(bytes).into()))
}

/// Reads a key (relative to nothing: the whole key) under `prefix`.
pub(crate) fn parse_key(prefix: &str, key: &[u8]) -> Result<Key, BadEntry> {
    let key = text(key)?;
    let unknown = || BadEntry::UnknownKey(key.to_owned());
    let rest = key.strip_prefix(prefix).ok_or_else(unknown)?;
    if let Some(node) = rest.strip_prefix(NODES) {
        if !valid_node_name(node) {
            return Err(BadEntry::NodeName {
                key: key.to_owned(),
                name: node.to_owned(),
            });
        }
        return Ok(Key::Node(node.to_owned()));
    }
    let (node, service) = rest
        .strip_prefix(NAMES)
        .and_then(|r| r.split_once('/'))
        .ok_or_else(unknown)?;
    if !valid_node_name(node) {
        return Err(BadEntry::NodeName {
            key: key.to_owned(),
            name: node.to_owned(),
        });
    }
    if !valid_service_name(service) {
        return Err(BadEntry::ServiceName {
            key: key.to_owned(),
            name: service.to_owned(),
        });
    }
    Ok(Key::Name(node.to_owned(), service.to_owned()))
}

/// Reads a key and its value.
pub(crate) fn parse_entry(prefix: &str, key: &[u8], value: &[u8]) -> Result<Entry, BadEntry> {
    let parsed = parse_key(prefix, key)?;
    let key = String::from_utf8_lossy(key).into_owned();
    let value = text(value).map_err(|_| BadEntry::NotUtf8(key.clone()))?;
    match parsed {
        Key::Node(node) => {
            let address = NodeAddress::at(value).map_err(|source| BadEntry::Address {
                key: key.clone(),
                source,
            })?;
            Ok(Entry::Node(node, address))
        }
        Key::Name(node, service) => match value.parse::<u32>() {
            Ok(a) if a != 0 && !value.starts_with(['+', '0']) => Ok(Entry::Name(node, service, a)),
            _ => Err(BadEntry::ServiceAddress {
                key,
                value: value.to_owned(),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "/sw/";

    #[test]
    fn keys_follow_the_layout() {
        assert_eq!(node_key(P, "db"), "/sw/nodes/db");
        assert_eq!(name_key(P, "db", "echo"), "/sw/names/db/echo");
        assert_eq!(normalize("/sw"), P);
        assert_eq!(normalize(P), P);
    }

    #[test]
    fn good_entries_are_read() {
        assert_eq!(
            parse_entry(P, b"/sw/nodes/db", b"127.0.0.1:2528"),
            Ok(Entry::Node(
                "db".into(),
                NodeAddress::At("127.0.0.1:2528".into())
            ))
        );
        assert_eq!(
            parse_entry(P, b"/sw/names/db/echo", b"10"),
            Ok(Entry::Name("db".into(), "echo".into(), 10))
        );
    }

    #[test]
    fn bad_entries_are_typed_errors() {
        let bad = |k: &[u8], v: &[u8]| parse_entry(P, k, v).unwrap_err();
        assert!(matches!(bad(b"/sw/other/x", b"1"), BadEntry::UnknownKey(_)));
        assert!(matches!(
            bad(b"/sw/nodes/a-b", b"h:1"),
            BadEntry::NodeName { .. }
        ));
        assert!(matches!(
            bad(b"/sw/nodes/end", b"h:1"),
            BadEntry::NodeName { .. }
        ));
        assert!(matches!(
            bad(b"/sw/nodes/__x", b"h:1"),
            BadEntry::NodeName { .. }
        ));
        assert!(matches!(
            bad(b"/sw/nodes/9a", b"h:1"),
            BadEntry::NodeName { .. }
        ));
        assert!(matches!(
            bad(b"/sw/nodes/db", b"nocolon"),
            BadEntry::Address { .. }
        ));
        assert!(matches!(
            bad(b"/sw/nodes/db", b"h:99999"),
            BadEntry::Address { .. }
        ));
        assert!(matches!(
            bad(b"/sw/nodes/db", b"\xff"),
            BadEntry::NotUtf8(_)
        ));
        assert!(matches!(
            bad(b"/sw/names/db/@x", b"1"),
            BadEntry::ServiceName { .. }
        ));
        assert!(matches!(
            bad(b"/sw/names/db/", b"1"),
            BadEntry::ServiceName { .. }
        ));
        assert!(matches!(
            bad(b"/sw/names/db/e", b"0"),
            BadEntry::ServiceAddress { .. }
        ));
        assert!(matches!(
            bad(b"/sw/names/db/e", b"010"),
            BadEntry::ServiceAddress { .. }
        ));
        assert!(matches!(
            bad(b"/sw/names/db/e", b"4294967296"),
            BadEntry::ServiceAddress { .. }
        ));
        assert!(matches!(
            bad(b"/sw/names/db/e", b"0xa"),
            BadEntry::ServiceAddress { .. }
        ));
    }
}
