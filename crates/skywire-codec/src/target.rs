//! The target of a request: a numeric service address or a service name.

use bytes::Bytes;
use core::fmt;

use crate::error::PacketError;

/// Longest service name a by-name packet can carry (its length travels in one byte).
pub const MAX_NAME_LEN: usize = 255;

/// Where a request goes on the receiving node.
///
/// skynet sends a numeric target in the `0x00` / `0x01` / `0x41` packets and a string target
/// in the `0x80` / `0x81` / `0xc1` packets. A name starting with `@` is looked up among the
/// receiving node's cluster-registered names; any other name (conventionally `.name`) is
/// resolved as a local service name. Address 0 is the name-query service.
///
/// ```
/// use skywire_codec::Target;
/// let t = Target::name("@echo").unwrap();
/// assert_eq!(t.to_string(), "@echo");
/// assert!(Target::name("").is_err());
/// assert_eq!(Target::Address(10).to_string(), "10");
/// assert!(Target::QUERY.is_query());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// A numeric service handle on the receiving node.
    Address(u32),
    /// A service name, 1..=255 bytes (not necessarily UTF-8).
    Name(Bytes),
}

impl Target {
    /// Address 0: the receiving node answers a name query (`cluster.query`).
    pub const QUERY: Target = Target::Address(0);

    /// A by-name target, checked to be 1..=255 bytes long.
    pub fn name(name: impl Into<Bytes>) -> Result<Target, PacketError> {
        let name = name.into();
        check_name_len(name.len())?;
        Ok(Target::Name(name))
    }

    /// True for address 0, the name-query service.
    pub fn is_query(&self) -> bool {
        matches!(self, Target::Address(0))
    }

    /// The name, if this is a by-name target.
    pub fn as_name(&self) -> Option<&[u8]> {
        match self {
            Target::Name(n) => Some(n),
            Target::Address(_) => None,
        }
    }

    /// The address, if this is a numeric target.
    pub fn as_address(&self) -> Option<u32> {
        match self {
            Target::Address(a) => Some(*a),
            Target::Name(_) => None,
        }
    }
}

/// Checks that a name's length fits a by-name packet.
pub(crate) fn check_name_len(len: usize) -> Result<(), PacketError> {
    if len == 0 {
        Err(PacketError::EmptyName)
    } else if len > MAX_NAME_LEN {
        Err(PacketError::NameTooLong { len })
    } else {
        Ok(())
    }
}

impl fmt::Display for Target {
    /// A name prints as its text (invalid UTF-8 bytes as `\xNN`), an address as a decimal number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Address(a) => write!(f, "{a}"),
            Target::Name(n) => {
                for chunk in n.utf8_chunks() {
                    f.write_str(chunk.valid())?;
                    for b in chunk.invalid() {
                        write!(f, "\\x{b:02x}")?;
                    }
                }
                Ok(())
            }
        }
    }
}

impl From<u32> for Target {
    fn from(a: u32) -> Self {
        Target::Address(a)
    }
}
