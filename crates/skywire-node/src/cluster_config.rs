//! skynet's `clustername` file: the node table, as Lua assignments.
//!
//! skynet runs the file as a Lua chunk and takes every global it sets:
//!
//! ```lua
//! db = "127.0.0.1:2528"      -- node `db` is reachable there
//! db2 = "10.0.0.7:2529"
//! old = false                -- node `old` is down: calls to it fail at once
//! __nowaiting = true         -- options start with two underscores
//! ```
//!
//! This reads the subset of Lua such files are written in: `name = value` statements,
//! optionally separated by `;`, with comments, where each value is a constant (see
//! [`skywire_seri::lua_text`]). Anything else (a `local`, a function call, string
//! concatenation) is an error naming its line and column: we do not run Lua. A node's value
//! must be a `"host:port"` string or `false`; assigning `nil` removes an entry; the last
//! assignment to a name wins.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use skywire_seri::Value;

use skywire_seri::lua_text::{is_keyword, LiteralError, LiteralErrorKind, Parser};

/// Where a node is: an address to connect to, or down.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NodeAddress {
    /// `"host:port"` (a host name or an IP address, then a port).
    At(String),
    /// `false`: the node is down; calls to it fail at once.
    Down,
}

impl NodeAddress {
    /// Checks and wraps a `host:port` string.
    ///
    /// ```
    /// use skywire_node::NodeAddress;
    /// assert!(NodeAddress::at("127.0.0.1:2528").is_ok());
    /// assert!(NodeAddress::at("db.local:2528").is_ok());
    /// assert!(NodeAddress::at("127.0.0.1").is_err());
    /// ```
    pub fn at(addr: impl Into<String>) -> Result<NodeAddress, InvalidAddress> {
        let addr = addr.into();
        match addr.rsplit_once(':') {
            Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
                Ok(NodeAddress::At(addr))
            }
            _ => Err(InvalidAddress(addr)),
        }
    }
}

impl fmt::Display for NodeAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeAddress::At(a) => f.write_str(a),
            NodeAddress::Down => f.write_str("false"),
        }
    }
}

/// A node address that is not `host:port`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid node address {0:?}: expected \"host:port\"")]
pub struct InvalidAddress(pub String);

/// A node table with its options: what a `clustername` file holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterConfig {
    nodes: BTreeMap<String, NodeAddress>,
    options: BTreeMap<String, Value>,
}

impl ClusterConfig {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads the text of a `clustername` file.
    ///
    /// ```
    /// use skywire_node::{ClusterConfig, NodeAddress};
    /// let c = ClusterConfig::parse("db = '127.0.0.1:2528'; old = false\n__nowaiting = true").unwrap();
    /// assert_eq!(c.nodes()["db"], NodeAddress::At("127.0.0.1:2528".into()));
    /// assert_eq!(c.nodes()["old"], NodeAddress::Down);
    /// assert_eq!(c.nowaiting(), Some(true));
    /// let e = ClusterConfig::parse("db = '127.0.0.1:2528'\nlocal x = 1").unwrap_err();
    /// assert_eq!((e.line, e.column), (2, 1));
    /// ```
    pub fn parse(text: &str) -> Result<ClusterConfig, ClusterFileError> {
        parse(text).map_err(|(line, column, kind)| ClusterFileError {
            path: None,
            line,
            column,
            kind,
        })
    }

    /// Reads a `clustername` file.
    pub fn load(path: impl AsRef<Path>) -> Result<ClusterConfig, ClusterFileError> {
        let path = path.as_ref();
        let with_path = |line, column, kind| ClusterFileError {
            path: Some(path.to_owned()),
            line,
            column,
            kind,
        };
        let bytes = std::fs::read(path)
            .map_err(|e| with_path(0, 0, ClusterFileErrorKind::Io(e.to_string())))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let before = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let column = before.len()
                - before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1)
                + 1;
            with_path(line, column, ClusterFileErrorKind::NotUtf8)
        })?;
        parse(&text).map_err(|(line, column, kind)| with_path(line, column, kind))
    }

    /// Sets a node's address (builder style).
    pub fn with_node(mut self, name: impl Into<String>, address: NodeAddress) -> Self {
        self.nodes.insert(name.into(), address);
        self
    }

    /// Sets a node's address.
    pub fn set_node(&mut self, name: impl Into<String>, address: NodeAddress) {
        self.nodes.insert(name.into(), address);
    }

    /// Sets an option (its name without the leading `__`).
    pub fn set_option(&mut self, name: impl Into<String>, value: Value) {
        self.options.insert(name.into(), value);
    }

    /// The nodes, by name.
    pub fn nodes(&self) -> &BTreeMap<String, NodeAddress> {
        &self.nodes
    }

    /// The options (names without the leading `__`), e.g. `nowaiting`.
    pub fn options(&self) -> &BTreeMap<String, Value> {
        &self.options
    }

    /// The `__nowaiting` option, if set: true means a call to a node not in the table fails
    /// at once instead of waiting for the node to appear.
    pub fn nowaiting(&self) -> Option<bool> {
        self.options.get("nowaiting").map(Value::is_truthy)
    }
}

/// The table as `clustername` text, one `name = value` line per node, then each option as
/// `__name = value`; [`ClusterConfig::parse`] reads it back. Node names are written as
/// they are: a name that is not a Lua name makes a file skynet cannot load.
///
/// ```
/// use skywire_node::{ClusterConfig, NodeAddress};
/// let c = ClusterConfig::new()
///     .with_node("db", NodeAddress::At("127.0.0.1:2528".into()))
///     .with_node("old", NodeAddress::Down);
/// assert_eq!(c.to_string(), "db = \"127.0.0.1:2528\"\nold = false\n");
/// ```
impl fmt::Display for ClusterConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, addr) in &self.nodes {
            match addr {
                NodeAddress::At(a) => writeln!(f, "{name} = {}", Value::from(a.as_str()))?,
                NodeAddress::Down => writeln!(f, "{name} = false")?,
            }
        }
        for (name, value) in &self.options {
            writeln!(f, "__{name} = {value}")?;
        }
        Ok(())
    }
}

/// What is wrong with a `clustername` file, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ClusterFileError {
    /// The file, when read from one.
    pub path: Option<PathBuf>,
    /// 1-based line (0 when the file could not be read).
    pub line: usize,
    /// 1-based column in bytes (0 when the file could not be read).
    pub column: usize,
    /// What was wrong.
    pub kind: ClusterFileErrorKind,
}

impl fmt::Display for ClusterFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self
            .path
            .as_deref()
            .map_or_else(|| "clustername".into(), |p| p.display().to_string());
        if self.line == 0 {
            write!(f, "{path}: {}", self.kind)
        } else {
            write!(f, "{path}:{}:{}: {}", self.line, self.column, self.kind)
        }
    }
}

/// What is wrong with a `clustername` file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClusterFileErrorKind {
    /// The file cannot be read.
    #[error("cannot read: {0}")]
    Io(String),
    /// The file is not UTF-8.
    #[error("not valid UTF-8")]
    NotUtf8,
    /// A statement other than `name = value`.
    #[error("expected `name = value`{}", .0.as_ref().map(|w| format!(", found {w}")).unwrap_or_default())]
    NotAnAssignment(Option<String>),
    /// A value that is not a constant, or a malformed one.
    #[error("{0}")]
    Value(LiteralErrorKind),
    /// A node assigned something other than a string or `false`.
    #[error("node {name}: expected a \"host:port\" string or false, found {found}")]
    BadNodeValue {
        /// The node.
        name: String,
        /// The value found, as a Lua literal.
        found: String,
    },
    /// A node address that is not `host:port`.
    #[error("node {name}: {source}")]
    BadAddress {
        /// The node.
        name: String,
        /// The address.
        source: InvalidAddress,
    },
}

type Located = (usize, usize, ClusterFileErrorKind);

fn located(e: LiteralError) -> Located {
    (e.line, e.column, ClusterFileErrorKind::Value(e.kind))
}

fn parse(text: &str) -> Result<ClusterConfig, Located> {
    let mut p = Parser::new(text.as_bytes());
    let mut config = ClusterConfig::new();
    let at = |(line, column): (usize, usize), kind| (line, column, kind);
    let found = |p: &Parser<'_>| p.peek().map(|c| format!("{:?}", char::from(c)));
    loop {
        p.skip_space().map_err(located)?;
        if p.at_end() {
            return Ok(config);
        }
        if p.eat(b';') {
            continue;
        }
        let start = p.position();
        let Some(name) = p.name() else {
            return Err(at(start, ClusterFileErrorKind::NotAnAssignment(found(&p))));
        };
        if is_keyword(name) {
            let what = Some(format!("`{name}`"));
            return Err(at(start, ClusterFileErrorKind::NotAnAssignment(what)));
        }
        p.skip_space().map_err(located)?;
        if !p.eat(b'=') || p.peek() == Some(b'=') {
            let here = p.position();
            return Err(at(here, ClusterFileErrorKind::NotAnAssignment(found(&p))));
        }
        p.skip_space().map_err(located)?;
        let value_at = p.position();
        let value = p.value().map_err(located)?;
        if let Some(option) = name.strip_prefix("__") {
            match value {
                Value::Nil => config.options.remove(option),
                v => config.options.insert(option.to_owned(), v),
            };
        } else {
            let address = node_address(name, value).map_err(|kind| at(value_at, kind))?;
            match address {
                Some(a) => config.nodes.insert(name.to_owned(), a),
                None => config.nodes.remove(name),
            };
        }
        // Next: the end, a `;`, or the next statement (Lua needs no separator).
        p.skip_space().map_err(located)?;
        if let Some(c) = p.peek() {
            if !(c == b';' || c.is_ascii_alphabetic() || c == b'_') {
                let here = p.position();
                return Err(at(here, ClusterFileErrorKind::NotAnAssignment(found(&p))));
            }
        }
    }
}

/// A node's value: an address, down, or `None` for nil (no entry).
fn node_address(name: &str, value: Value) -> Result<Option<NodeAddress>, ClusterFileErrorKind> {
    match value {
        Value::Nil => Ok(None),
        Value::Boolean(false) => Ok(Some(NodeAddress::Down)),
        Value::String(s) => {
            let text = String::from_utf8_lossy(&s).into_owned();
            if std::str::from_utf8(&s).is_err() {
                return Err(ClusterFileErrorKind::BadAddress {
                    name: name.to_owned(),
                    source: InvalidAddress(text),
                });
            }
            NodeAddress::at(text)
                .map(Some)
                .map_err(|source| ClusterFileErrorKind::BadAddress {
                    name: name.to_owned(),
                    source,
                })
        }
        other => Err(ClusterFileErrorKind::BadNodeValue {
            name: name.to_owned(),
            found: other.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ClusterFileError {
        ClusterConfig::parse(text).unwrap_err()
    }

    #[test]
    fn a_typical_file() {
        let text = r#"
-- the nodes of the test cluster
db = "127.0.0.1:2528"
db2 = '127.0.0.1:2529' ; game = false
--[[ a long
comment ]] rust = "localhost:2530"
__nowaiting = true
gone = "1.2.3.4:5"
gone = nil
db2 = "127.0.0.1:2600"   -- last assignment wins
"#;
        let c = ClusterConfig::parse(text).unwrap();
        let nodes: Vec<(&str, String)> = c
            .nodes()
            .iter()
            .map(|(k, v)| (k.as_str(), v.to_string()))
            .collect();
        assert_eq!(
            nodes,
            [
                ("db", "127.0.0.1:2528".to_string()),
                ("db2", "127.0.0.1:2600".to_string()),
                ("game", "false".to_string()),
                ("rust", "localhost:2530".to_string()),
            ]
        );
        assert_eq!(c.nowaiting(), Some(true));
        assert_eq!(ClusterConfig::parse("").unwrap(), ClusterConfig::new());
        assert_eq!(
            ClusterConfig::parse("a='h:1' b='h:2'")
                .unwrap()
                .nodes()
                .len(),
            2
        );
        assert_eq!(
            ClusterConfig::parse("__nowaiting = false")
                .unwrap()
                .nowaiting(),
            Some(false)
        );
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = err("db = \"127.0.0.1:2528\"\nlocal x = 1\n");
        assert_eq!((e.line, e.column), (2, 1));
        assert!(matches!(
            e.kind,
            ClusterFileErrorKind::NotAnAssignment(Some(_))
        ));

        let e = err("db = \"127.0.0.1\"");
        assert_eq!((e.line, e.column), (1, 6));
        assert!(matches!(e.kind, ClusterFileErrorKind::BadAddress { .. }));

        let e = err("\n\n  db = 2528");
        assert_eq!((e.line, e.column), (3, 8));
        assert_eq!(
            e.kind,
            ClusterFileErrorKind::BadNodeValue {
                name: "db".into(),
                found: "2528".into()
            }
        );
        assert!(matches!(
            err("db = true").kind,
            ClusterFileErrorKind::BadNodeValue { .. }
        ));

        let e = err("db = \"127.0.0.1:1\" .. port");
        assert_eq!((e.line, e.column), (1, 20));

        let e = err("db == 'x:1'");
        assert!(matches!(e.kind, ClusterFileErrorKind::NotAnAssignment(_)));
        let e = err("db.x = 'h:1'");
        assert_eq!((e.line, e.column), (1, 3));

        let e = err("db = \"h:1");
        assert_eq!(
            e.kind,
            ClusterFileErrorKind::Value(LiteralErrorKind::UnfinishedString)
        );
        let e = err("db = os.getenv('DB')");
        assert!(matches!(
            e.kind,
            ClusterFileErrorKind::Value(LiteralErrorKind::UnknownName(_))
        ));
        assert_eq!(
            e.to_string(),
            "clustername:1:6: unknown name \"os\" (only constants are allowed)"
        );
    }

    #[test]
    fn load_names_the_file() {
        let dir = std::env::temp_dir().join(format!("skywire-clustername-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("clustername");
        std::fs::write(&path, "db = '127.0.0.1:1'\nx = {}\n").unwrap();
        let e = ClusterConfig::load(&path).unwrap_err();
        assert_eq!(e.path.as_deref(), Some(path.as_path()));
        assert_eq!((e.line, e.column), (2, 5));
        assert!(e
            .to_string()
            .starts_with(&format!("{}:2:5: ", path.display())));
        std::fs::write(&path, b"db = '\xff'").unwrap();
        assert_eq!(
            ClusterConfig::load(&path).unwrap_err().kind,
            ClusterFileErrorKind::NotUtf8
        );
        let missing = ClusterConfig::load(dir.join("missing")).unwrap_err();
        assert!(matches!(missing.kind, ClusterFileErrorKind::Io(_)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
