//! [`Proxy`]: a handle for one service on one remote node, like skynet's `cluster.proxy`.

use skywire_codec::Target;
use skywire_seri::Value;

use crate::call_options::CallOptions;
use crate::error::CallError;
use crate::remote::Remote;

/// One service on one remote node: its [`Remote`] and the target on it. The remote follows
/// the node table (a reload that moves the node moves it; a node not in the table fails
/// its calls with [`CallError::UnknownNode`] until it is added).
#[derive(Clone, Debug)]
pub struct Proxy {
    remote: Remote,
    target: Target,
}

/// A proxy name that is not `node@name` or `node.name`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid proxy name {0:?}: expected \"node@name\" or \"node.name\"")]
pub struct InvalidProxyName(pub String);

impl Proxy {
    pub(crate) fn new(remote: Remote, target: Target) -> Proxy {
        Proxy { remote, target }
    }

    /// Splits `"db@echo"` into node `db` and target `@echo` (and `"db.echo"` into `db` and
    /// `.echo`), as skynet's `cluster.proxy` does.
    pub(crate) fn split(full: &str) -> Result<(String, Target), InvalidProxyName> {
        let bad = || InvalidProxyName(full.to_owned());
        let at = full.find(['@', '.']).ok_or_else(bad)?;
        let (node, name) = full.split_at(at);
        if node.is_empty() || name.len() < 2 {
            return Err(bad());
        }
        let target =
            Target::name(bytes::Bytes::copy_from_slice(name.as_bytes())).map_err(|_| bad())?;
        Ok((node.to_owned(), target))
    }

    /// The remote node's name.
    pub fn node_name(&self) -> &str {
        self.remote.name()
    }

    /// The remote node (to call other services on it).
    pub fn remote(&self) -> &Remote {
        &self.remote
    }

    /// The service on it.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Calls the service.
    pub async fn call(&self, args: &[Value]) -> Result<Vec<Value>, CallError> {
        self.call_with(args, &CallOptions::new()).await
    }

    /// Calls the service with a deadline and/or a trace tag.
    pub async fn call_with(
        &self,
        args: &[Value],
        opts: &CallOptions,
    ) -> Result<Vec<Value>, CallError> {
        self.remote.call_with(&self.target, args, opts).await
    }

    /// Pushes to the service.
    pub async fn send(&self, args: &[Value]) -> Result<(), CallError> {
        self.remote.send(&self.target, args).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_skynet() {
        let (n, t) = Proxy::split("db@echo").unwrap();
        assert_eq!((n.as_str(), t.to_string()), ("db", "@echo".to_string()));
        let (n, t) = Proxy::split("db.echo").unwrap();
        assert_eq!((n.as_str(), t.to_string()), ("db", ".echo".to_string()));
        let (n, t) = Proxy::split("db@a.b").unwrap();
        assert_eq!((n.as_str(), t.to_string()), ("db", "@a.b".to_string()));
        for bad in ["db", "@echo", "db@", "", "db."] {
            assert!(Proxy::split(bad).is_err(), "{bad}");
        }
    }
}
