//! [`SnaxInterface`]: a snax service's methods and their ids, as skynet numbers them.
//!
//! A snax call travels as an ordinary request (or push) to the service's address whose
//! first argument is the method's id (`skynet.call(handle, "snax", id, ...)`; over the
//! cluster `clusterproxy` forwards the packed `id, ...` as it is). Ids 1-4 are the system
//! methods `init`, `exit`, `hotfix` and `profile`; the service's `accept.*` and
//! `response.*` methods follow from 5, accept and response counted together, in the order
//! they are defined (`lualib/snax/interface.lua`). Caller and service must agree on that
//! order: each side computes it from its own copy of the service's Lua file.

use std::fmt;
use std::path::{Path, PathBuf};

use skywire_seri::lua_text::{is_keyword, LiteralError};
use skywire_seri::Value;

use crate::snax_lua::read_definitions;

/// The two groups of a snax service's own methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SnaxGroup {
    /// `accept.NAME`: called with a push (`obj.post.NAME(...)`), nothing comes back.
    Accept,
    /// `response.NAME`: called with a request (`obj.req.NAME(...)`), its results come back.
    Response,
}

impl SnaxGroup {
    /// `"accept"` or `"response"`, as in Lua.
    pub fn as_str(self) -> &'static str {
        match self {
            SnaxGroup::Accept => "accept",
            SnaxGroup::Response => "response",
        }
    }
}

impl fmt::Display for SnaxGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The system methods every snax service has, with their fixed ids
/// (`lualib/snax/interface.lua`: `{ "init", "exit", "hotfix", "profile" }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SnaxSystem {
    /// Id 1: `init(...)`, run once when the service starts.
    Init = 1,
    /// Id 2: `exit(...)`, stops the service (`snax.kill`).
    Exit = 2,
    /// Id 3: `hotfix(source, ...)`, patches the service with Lua source (`snax.hotfix`).
    Hotfix = 3,
    /// Id 4: `profile()`, the call counts and times per method (`snax.profile_info`).
    Profile = 4,
}

impl SnaxSystem {
    /// All four, by id.
    pub const ALL: [SnaxSystem; 4] = [
        SnaxSystem::Init,
        SnaxSystem::Exit,
        SnaxSystem::Hotfix,
        SnaxSystem::Profile,
    ];

    /// The method's id.
    pub fn id(self) -> u32 {
        self as u32
    }

    /// Its Lua name.
    pub fn name(self) -> &'static str {
        match self {
            SnaxSystem::Init => "init",
            SnaxSystem::Exit => "exit",
            SnaxSystem::Hotfix => "hotfix",
            SnaxSystem::Profile => "profile",
        }
    }

    /// The system method with this id.
    pub fn from_id(id: u32) -> Option<SnaxSystem> {
        SnaxSystem::ALL
            .get(usize::try_from(id).ok()?.checked_sub(1)?)
            .copied()
    }
}

/// The id of a service's first own method: after the four system methods.
pub const FIRST_METHOD_ID: u32 = 5;

/// One of a snax service's own methods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnaxMethod {
    /// Its id (from [`FIRST_METHOD_ID`] on).
    pub id: u32,
    /// `accept` or `response`.
    pub group: SnaxGroup,
    /// Its name.
    pub name: String,
}

/// A snax service's own methods, in id order.
///
/// ```
/// use skywire_node::{SnaxGroup, SnaxInterface};
/// let i = SnaxInterface::parse_lua(r#"
///     function accept.add(n) end
///     function response.get() end
///     function accept.get() end   -- another method: accept and response are apart
/// "#).unwrap();
/// assert_eq!(i.id_of(SnaxGroup::Accept, "add"), Some(5));
/// assert_eq!(i.id_of(SnaxGroup::Response, "get"), Some(6));
/// assert_eq!(i.id_of(SnaxGroup::Accept, "get"), Some(7));
/// assert_eq!(i, SnaxInterface::from_list(["accept.add", "response.get", "accept.get"]).unwrap());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SnaxInterface {
    methods: Vec<SnaxMethod>,
}

impl SnaxInterface {
    /// No methods of its own (the system methods only).
    pub fn new() -> Self {
        Self::default()
    }

    /// The methods in order, numbered from 5. A name twice in one group is refused with
    /// skynet's `"<group>.<name> duplicate definition"`.
    pub fn from_methods<S: Into<String>>(
        methods: impl IntoIterator<Item = (SnaxGroup, S)>,
    ) -> Result<Self, SnaxInterfaceError> {
        let mut i = SnaxInterface::new();
        for (group, name) in methods {
            i.push(group, name.into())
                .map_err(SnaxInterfaceError::without_place)?;
        }
        Ok(i)
    }

    /// The methods in order, each written `accept.NAME` or `response.NAME`.
    ///
    /// ```
    /// use skywire_node::SnaxInterface;
    /// assert!(SnaxInterface::from_list(["accept.a", "response.b"]).is_ok());
    /// assert!(SnaxInterface::from_list(["a"]).is_err());
    /// assert_eq!(
    ///     SnaxInterface::from_list(["accept.a", "accept.a"]).unwrap_err().to_string(),
    ///     "accept.a duplicate definition"
    /// );
    /// ```
    pub fn from_list<S: AsRef<str>>(
        list: impl IntoIterator<Item = S>,
    ) -> Result<Self, SnaxInterfaceError> {
        let mut i = SnaxInterface::new();
        for item in list {
            let item = item.as_ref();
            let (group, name) = match item.split_once('.') {
                Some(("accept", n)) => (SnaxGroup::Accept, n),
                Some(("response", n)) => (SnaxGroup::Response, n),
                _ => {
                    return Err(SnaxInterfaceError::without_place(
                        SnaxInterfaceErrorKind::BadListItem(item.to_owned()),
                    ))
                }
            };
            i.push(group, name.to_owned())
                .map_err(SnaxInterfaceError::without_place)?;
        }
        Ok(i)
    }

    /// Reads a snax service's Lua source for its definitions, in order, without running it
    /// (see the rules in the crate's `snax_lua` module: top-level `function accept.NAME`,
    /// `accept.NAME = ...`, `accept["NAME"] = ...`; anything that would make the order
    /// depend on running the code is refused with its line and column).
    pub fn parse_lua(text: &str) -> Result<Self, SnaxInterfaceError> {
        let place = |line, column, kind| SnaxInterfaceError {
            path: None,
            line,
            column,
            kind,
        };
        let defs = read_definitions(text).map_err(|(l, c, k)| place(l, c, k))?;
        let mut i = SnaxInterface::new();
        for d in defs {
            i.push(d.group, d.name)
                .map_err(|k| place(d.line, d.column, k))?;
        }
        Ok(i)
    }

    /// [`parse_lua`](Self::parse_lua) of a file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, SnaxInterfaceError> {
        let path = path.as_ref();
        let with_path = |mut e: SnaxInterfaceError| {
            e.path = Some(path.to_owned());
            e
        };
        let bytes = std::fs::read(path).map_err(|e| {
            with_path(SnaxInterfaceError::without_place(
                SnaxInterfaceErrorKind::Io(std::sync::Arc::new(e)),
            ))
        })?;
        // Lua source is bytes; names and keywords are ASCII, so other bytes (in strings
        // and comments) are read as they are.
        let text = String::from_utf8_lossy(&bytes);
        Self::parse_lua(&text).map_err(with_path)
    }

    /// Finds `name`'s file along a skynet `snax` search path (`"./snax/?.lua;./lib/?.lua"`:
    /// each `?` replaced by `name`, the first file that exists wins), as skynet's snax
    /// loader does, and [`load`](Self::load)s it.
    pub fn search(path: &str, name: &str) -> Result<Self, SnaxInterfaceError> {
        let mut tried = Vec::new();
        for pattern in path.split(';').filter(|p| !p.is_empty()) {
            let file = PathBuf::from(pattern.replace('?', name));
            if file.is_file() {
                return Self::load(file);
            }
            tried.push(file.display().to_string());
        }
        Err(SnaxInterfaceError::without_place(
            SnaxInterfaceErrorKind::NotFound {
                name: name.to_owned(),
                tried,
            },
        ))
    }

    fn push(&mut self, group: SnaxGroup, name: String) -> Result<(), SnaxInterfaceErrorKind> {
        if self.id_of(group, &name).is_some() {
            return Err(SnaxInterfaceErrorKind::Duplicate(group, name));
        }
        let id =
            FIRST_METHOD_ID.saturating_add(u32::try_from(self.methods.len()).unwrap_or(u32::MAX));
        self.methods.push(SnaxMethod { id, group, name });
        Ok(())
    }

    /// The methods, in id order.
    pub fn methods(&self) -> &[SnaxMethod] {
        &self.methods
    }

    /// The id of a method.
    pub fn id_of(&self, group: SnaxGroup, name: &str) -> Option<u32> {
        self.methods
            .iter()
            .find(|m| m.group == group && m.name == name)
            .map(|m| m.id)
    }

    /// The method with this id (`None` for a system id or one past the end).
    pub fn method(&self, id: u32) -> Option<&SnaxMethod> {
        let index = id.checked_sub(FIRST_METHOD_ID)?;
        self.methods.get(usize::try_from(index).ok()?)
    }

    /// The Lua file a skynet caller needs to reach a service with these methods: put it in
    /// its `snax` path as `NAME.lua`; `cluster.snax(node, "NAME")` numbers the methods from
    /// it. The bodies are empty: only the order of the definitions counts.
    ///
    /// ```
    /// use skywire_node::SnaxInterface;
    /// let i = SnaxInterface::from_list(["accept.add", "response.get"]).unwrap();
    /// let stub = i.to_lua_stub("counter");
    /// assert!(stub.contains("function accept.add(...) end -- id 5\n"));
    /// assert_eq!(SnaxInterface::parse_lua(&stub).unwrap(), i);
    /// ```
    pub fn to_lua_stub(&self, name: &str) -> String {
        let mut out = format!(
            "-- {name}.lua: the snax interface of the service {name}, for skynet callers.\n\
             -- cluster.snax(node, {quoted}) numbers the methods in the order they are\n\
             -- defined here (ids 1-4 are init, exit, hotfix, profile): keep it. Written by\n\
             -- skywire; the bodies are never run.\n",
            quoted = Value::from(name)
        );
        for m in &self.methods {
            if is_lua_name(&m.name) {
                out.push_str(&format!(
                    "function {}.{}(...) end -- id {}\n",
                    m.group, m.name, m.id
                ));
            } else {
                out.push_str(&format!(
                    "{}[{}] = function(...) end -- id {}\n",
                    m.group,
                    Value::from(m.name.as_str()),
                    m.id
                ));
            }
        }
        out
    }
}

/// A name Lua accepts after `function accept.` (an identifier, not a keyword).
fn is_lua_name(s: &str) -> bool {
    let mut chars = s.bytes();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == b'_')
        && !is_keyword(s)
}

/// Why a snax interface cannot be had, and where (file, 1-based line and column; 0 where
/// there is no place).
#[derive(Clone, Debug, thiserror::Error)]
pub struct SnaxInterfaceError {
    /// The file, when read from one.
    pub path: Option<PathBuf>,
    /// 1-based line, 0 when not in a text.
    pub line: usize,
    /// 1-based column (bytes), 0 when not in a text.
    pub column: usize,
    /// What was wrong.
    #[source]
    pub kind: SnaxInterfaceErrorKind,
}

impl SnaxInterfaceError {
    fn without_place(kind: SnaxInterfaceErrorKind) -> Self {
        SnaxInterfaceError {
            path: None,
            line: 0,
            column: 0,
            kind,
        }
    }
}

impl fmt::Display for SnaxInterfaceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{}:", p.display())?;
            if self.line > 0 {
                write!(f, "{}:{}:", self.line, self.column)?;
            }
            f.write_str(" ")?;
        } else if self.line > 0 {
            write!(f, "line {}, column {}: ", self.line, self.column)?;
        }
        write!(f, "{}", self.kind)
    }
}

/// What is wrong with a snax interface. The first three are skynet's own refusals, with
/// its texts (`lualib/snax/interface.lua`).
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnaxInterfaceErrorKind {
    /// A name defined twice in one group.
    #[error("{0}.{1} duplicate definition")]
    Duplicate(SnaxGroup, String),
    /// `accept[1] = ...`: keys must be strings.
    #[error("{0} method only support string")]
    KeyNotAString(SnaxGroup),
    /// `accept.x = 1`: the value is a literal, not a function.
    #[error("{0}.{1} must be function")]
    NotAFunction(SnaxGroup, String),
    /// A definition inside a function body: it does not run while the file loads.
    #[error("{0}.* defined inside a function: skynet numbers only what runs while the file loads; define snax methods at the top level")]
    InFunction(SnaxGroup),
    /// A definition inside an `if` or a loop.
    #[error("{0}.* defined inside an `if` or a loop: whether and how often it runs cannot be read from the text; define snax methods at the top level")]
    Conditional(SnaxGroup),
    /// `accept[expr] = ...` with a key that is not a literal.
    #[error(
        "{0}[...] with a key that is not a literal string: the name cannot be read from the text"
    )]
    Dynamic(SnaxGroup),
    /// `a, accept.x = ...`.
    #[error(
        "{0}.* in a multiple assignment: Lua leaves the order open; one definition per statement"
    )]
    MultipleAssignment(SnaxGroup),
    /// `function accept.a.b()` / `accept.a.b = ...`.
    #[error("{0}.{1}.* : snax methods are {0}.NAME, one level")]
    Nested(SnaxGroup, String),
    /// Any other use of the name: read, passed on, redeclared as a local or a parameter.
    #[error("`{0}` used other than to define a method ({0}.NAME = ..., function {0}.NAME(...)): cannot read the interface from the text")]
    OtherUse(SnaxGroup),
    /// Blocks that do not match (`end` without a block, a block without `end`).
    #[error("not valid Lua: {0}")]
    Unbalanced(&'static str),
    /// The text does not lex as Lua (an unfinished string or comment, ...).
    #[error("not valid Lua: {}", .0.kind)]
    Lua(#[source] LiteralError),
    /// A list item that is not `accept.NAME` or `response.NAME`.
    #[error("{0:?}: expected accept.NAME or response.NAME")]
    BadListItem(String),
    /// The file cannot be read.
    #[error("cannot read: {0}")]
    Io(#[source] std::sync::Arc<std::io::Error>),
    /// No file along the search path.
    #[error("snax service {name:?} not found along the path; tried {}", tried.join(", "))]
    NotFound {
        /// The service's name.
        name: String,
        /// The files tried.
        tried: Vec<String>,
    },
}
