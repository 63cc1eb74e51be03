//! The services of a node: names and numeric addresses.
//!
//! A service registered as `echo` is reachable as `@echo` (its cluster name, what
//! `cluster.register` gives in skynet), `.echo` (its local name), by its number, and as
//! `:0000000a` (skynet's hex form of a handle). Address 0 is the name-query service.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use skywire_codec::Target;

use crate::error::RegisterError;
use crate::metrics::{Metrics, ServiceStats};
use crate::service::Service;
use crate::service_mgr::SERVICE_MANAGER;
use crate::snax_interface::SnaxInterface;

/// A registered service's name and address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceInfo {
    /// The name (reachable as `@name` and `.name`).
    pub name: String,
    /// The numeric address.
    pub address: u32,
    /// Registered as a snax service ([`Node::register_snax`](crate::Node::register_snax)):
    /// found by `.service`'s `"QUERY", "snaxd", name`.
    pub snax: bool,
}

/// Where a target leads.
pub(crate) enum Resolved {
    /// A registered service: its address, itself, and whether it reads the unpacked
    /// arguments ([`Service::reads_args`]).
    Service(u32, Arc<dyn Service>, bool),
    /// Address 0: a name query.
    Query,
    /// `.service` with no service of that name: the node's answer to skynet's service
    /// manager queries ([`crate::service_mgr`]).
    ServiceManager,
    /// An `@name` that is not registered (skynet answers `Invalid name`).
    UnknownClusterName,
    /// Any other target that leads nowhere (skynet: `call to invalid address`).
    InvalidAddress,
}

struct Entry {
    name: String,
    service: Arc<dyn Service>,
    /// [`Service::reads_args`], asked once.
    reads_args: bool,
    /// A snax service's interface.
    snax: Option<SnaxInterface>,
    /// Its metrics handles, when the node records metrics.
    stats: Option<ServiceStats>,
}

/// Names and addresses of the services of one node.
#[derive(Default)]
pub(crate) struct Registry {
    by_name: HashMap<String, u32>,
    by_addr: BTreeMap<u32, Entry>,
    next: u32,
}

/// Longest name: `@` + name must fit the 255 bytes of a by-name packet.
const MAX_SERVICE_NAME: usize = 254;

impl Registry {
    /// Registers `service` under `name` at `address`, or at the next free address.
    pub(crate) fn register(
        &mut self,
        name: &str,
        address: Option<u32>,
        service: Arc<dyn Service>,
        metrics: &Metrics,
    ) -> Result<u32, RegisterError> {
        self.insert(name, address, service, None, metrics)
    }

    /// [`register`](Self::register) for a snax service.
    pub(crate) fn register_snax(
        &mut self,
        name: &str,
        address: Option<u32>,
        service: Arc<dyn Service>,
        interface: SnaxInterface,
        metrics: &Metrics,
    ) -> Result<u32, RegisterError> {
        self.insert(name, address, service, Some(interface), metrics)
    }

    fn insert(
        &mut self,
        name: &str,
        address: Option<u32>,
        service: Arc<dyn Service>,
        snax: Option<SnaxInterface>,
        metrics: &Metrics,
    ) -> Result<u32, RegisterError> {
        if name.is_empty() || name.len() > MAX_SERVICE_NAME || name.starts_with(['@', '.', ':']) {
            return Err(RegisterError::InvalidName(name.to_owned()));
        }
        if self.by_name.contains_key(name) {
            return Err(RegisterError::NameTaken(name.to_owned()));
        }
        let address = match address {
            Some(0) => return Err(RegisterError::AddressZero),
            Some(a) if self.by_addr.contains_key(&a) => return Err(RegisterError::AddressTaken(a)),
            Some(a) => a,
            None => self.free_address()?,
        };
        self.by_name.insert(name.to_owned(), address);
        self.by_addr.insert(
            address,
            Entry {
                name: name.to_owned(),
                reads_args: service.reads_args(),
                service,
                snax,
                stats: metrics.service(name),
            },
        );
        Ok(address)
    }

    /// The next free address counting up from 1 (wrapping, skipping 0 and taken ones).
    fn free_address(&mut self) -> Result<u32, RegisterError> {
        if self.by_addr.len() >= u32::MAX as usize {
            return Err(RegisterError::NoFreeAddress);
        }
        loop {
            self.next = self.next.wrapping_add(1);
            if self.next != 0 && !self.by_addr.contains_key(&self.next) {
                return Ok(self.next);
            }
        }
    }

    /// Removes a service by name; returns its address.
    pub(crate) fn unregister(&mut self, name: &str) -> Option<u32> {
        let address = self.by_name.remove(name)?;
        self.by_addr.remove(&address);
        Some(address)
    }

    /// The address of a cluster name (what a name query answers).
    pub(crate) fn address_of(&self, name: &[u8]) -> Option<u32> {
        let name = std::str::from_utf8(name).ok()?;
        self.by_name.get(name).copied()
    }

    /// The address of the service `name` that is (`snax`) or is not a snax service.
    pub(crate) fn address_of_kind(&self, name: &str, snax: bool) -> Option<u32> {
        let a = *self.by_name.get(name)?;
        self.by_addr
            .get(&a)
            .filter(|e| e.snax.is_some() == snax)
            .map(|_| a)
    }

    /// The interface of the snax service `name`.
    pub(crate) fn snax_interface(&self, name: &str) -> Option<&SnaxInterface> {
        let a = self.by_name.get(name)?;
        self.by_addr.get(a)?.snax.as_ref()
    }

    /// The metrics handles of the service at `address` (when the node records metrics).
    pub(crate) fn stats(&self, address: u32) -> Option<&ServiceStats> {
        self.by_addr.get(&address)?.stats.as_ref()
    }

    /// Where `target` leads.
    pub(crate) fn resolve(&self, target: &Target) -> Resolved {
        let address = match target {
            Target::Address(0) => return Resolved::Query,
            Target::Name(n)
                if n.as_ref() == SERVICE_MANAGER.as_bytes()
                    && !self.by_name.contains_key(&SERVICE_MANAGER[1..]) =>
            {
                return Resolved::ServiceManager
            }
            Target::Address(a) => Some(*a),
            Target::Name(n) => match n.split_first() {
                Some((b'@', rest)) => match self.address_of(rest) {
                    Some(a) => Some(a),
                    None => return Resolved::UnknownClusterName,
                },
                Some((b'.', rest)) => self.address_of(rest),
                Some((b':', hex)) => parse_hex_handle(hex),
                _ => None,
            },
        };
        match address.and_then(|a| self.by_addr.get(&a).map(|e| (a, e))) {
            Some((a, e)) => Resolved::Service(a, e.service.clone(), e.reads_args),
            None => Resolved::InvalidAddress,
        }
    }

    /// All services, by address.
    pub(crate) fn list(&self) -> Vec<ServiceInfo> {
        self.by_addr
            .iter()
            .map(|(a, e)| ServiceInfo {
                name: e.name.clone(),
                address: *a,
                snax: e.snax.is_some(),
            })
            .collect()
    }
}

/// skynet's `:0000000a` handle form: hex digits after the colon.
fn parse_hex_handle(hex: &[u8]) -> Option<u32> {
    if hex.is_empty() || hex.len() > 8 {
        return None;
    }
    let s = std::str::from_utf8(hex).ok()?;
    u32::from_str_radix(s, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;
    use crate::service::sync_service_fn;

    fn svc() -> Arc<dyn Service> {
        Arc::new(sync_service_fn(|r| Ok(r.args)))
    }

    fn resolved_addr(r: &Registry, t: Target) -> Option<u32> {
        match r.resolve(&t) {
            Resolved::Service(a, _, _) => Some(a),
            _ => None,
        }
    }

    #[test]
    fn automatic_addresses_count_up_from_one_and_skip_taken() {
        let mut r = Registry::default();
        assert_eq!(r.register("a", Some(2), svc(), &Metrics::default()), Ok(2));
        assert_eq!(r.register("b", None, svc(), &Metrics::default()), Ok(1));
        assert_eq!(r.register("c", None, svc(), &Metrics::default()), Ok(3));
        assert_eq!(
            r.register("a", None, svc(), &Metrics::default()),
            Err(RegisterError::NameTaken("a".into()))
        );
        assert_eq!(
            r.register("d", Some(3), svc(), &Metrics::default()),
            Err(RegisterError::AddressTaken(3))
        );
        assert_eq!(
            r.register("d", Some(0), svc(), &Metrics::default()),
            Err(RegisterError::AddressZero)
        );
        for bad in ["", "@x", ".x", ":1"] {
            assert!(matches!(
                r.register(bad, None, svc(), &Metrics::default()),
                Err(RegisterError::InvalidName(_))
            ));
        }
        assert!(r
            .register(&"n".repeat(254), None, svc(), &Metrics::default())
            .is_ok());
        assert!(r
            .register(&"m".repeat(255), None, svc(), &Metrics::default())
            .is_err());
    }

    #[test]
    fn every_form_of_target_resolves() {
        let mut r = Registry::default();
        r.register("echo", Some(10), svc(), &Metrics::default())
            .unwrap();
        let name = |s: &'static str| Target::name(s).unwrap();
        assert_eq!(resolved_addr(&r, name("@echo")), Some(10));
        assert_eq!(resolved_addr(&r, name(".echo")), Some(10));
        assert_eq!(resolved_addr(&r, name(":0000000a")), Some(10));
        assert_eq!(resolved_addr(&r, name(":a")), Some(10));
        assert_eq!(resolved_addr(&r, Target::Address(10)), Some(10));
        assert!(matches!(
            r.resolve(&name("@nope")),
            Resolved::UnknownClusterName
        ));
        assert!(matches!(
            r.resolve(&name(".nope")),
            Resolved::InvalidAddress
        ));
        assert!(matches!(r.resolve(&name("echo")), Resolved::InvalidAddress));
        assert!(matches!(r.resolve(&name(":zz")), Resolved::InvalidAddress));
        assert!(matches!(
            r.resolve(&name(":000000000a")),
            Resolved::InvalidAddress
        ));
        assert!(matches!(
            r.resolve(&Target::Address(11)),
            Resolved::InvalidAddress
        ));
        assert!(matches!(r.resolve(&Target::QUERY), Resolved::Query));
        assert_eq!(r.unregister("echo"), Some(10));
        assert!(matches!(
            r.resolve(&name("@echo")),
            Resolved::UnknownClusterName
        ));
    }
}
