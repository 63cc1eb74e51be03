//! [`Snax`]: a handle to a snax service on another node, skynet's `cluster.snax`.
//!
//! What `cluster.snax(node, name)` does, and what this does the same way (checked against
//! live skynet: `tests/captures/snax`):
//!
//! 1. ask the node's `.service` for `"QUERY", "snaxd", name`: a request to the name
//!    `.service`, answered with the service's address;
//! 2. call `response.*` methods with a request to that address whose first argument is the
//!    method id (`obj.req.NAME(...)` is `skynet.call(handle, "snax", id, ...)`, and the
//!    cluster proxy forwards the packed `id, ...` as it is), and `accept.*` methods with a
//!    push of the same form (`obj.post.NAME(...)`).
//!
//! The ids come from the caller's own copy of the service's interface
//! ([`SnaxInterface`]): names are turned into ids before anything is sent, and a name not
//! in the interface, a `post` to a `response` method or a `req` to an `accept` method fail
//! there ([`SnaxMethodError`]).

use std::sync::Arc;

use skywire_codec::Target;
use skywire_seri::Value;

use crate::call_options::CallOptions;
use crate::error::CallError;
use crate::remote::Remote;
use crate::service_mgr::SERVICE_MANAGER;
use crate::snax_interface::{SnaxGroup, SnaxInterface, SnaxSystem, FIRST_METHOD_ID};

/// A method of a snax service, by name or by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnaxMethodRef<'a> {
    /// A name of the interface, looked up in the group the call needs (`response` for
    /// [`Snax::req`], `accept` for [`Snax::post`]).
    Name(&'a str),
    /// An id: a system method (1-4, `req` only) or one of the interface's.
    Id(u32),
}

impl<'a> From<&'a str> for SnaxMethodRef<'a> {
    fn from(name: &'a str) -> Self {
        SnaxMethodRef::Name(name)
    }
}

impl<'a> From<&'a String> for SnaxMethodRef<'a> {
    fn from(name: &'a String) -> Self {
        SnaxMethodRef::Name(name)
    }
}

impl From<u32> for SnaxMethodRef<'_> {
    fn from(id: u32) -> Self {
        SnaxMethodRef::Id(id)
    }
}

impl From<SnaxSystem> for SnaxMethodRef<'_> {
    fn from(s: SnaxSystem) -> Self {
        SnaxMethodRef::Id(s.id())
    }
}

/// A snax method that cannot be called the way it was asked for; nothing was sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SnaxMethodError {
    /// `req` of a name that is no `response` method (skynet's text).
    #[error("request {service}:{name} no exist")]
    NoSuchResponse {
        /// The snax service.
        service: String,
        /// The name asked for.
        name: String,
    },
    /// `post` of a name that is no `accept` method (skynet's text).
    #[error("post {service}:{name} no exist")]
    NoSuchAccept {
        /// The snax service.
        service: String,
        /// The name asked for.
        name: String,
    },
    /// `req` of an `accept` method: it answers nothing (skynet's caller would wait
    /// forever).
    #[error("{service}: accept.{name} answers nothing: post it instead")]
    AcceptByRequest {
        /// The snax service.
        service: String,
        /// The method.
        name: String,
    },
    /// `post` of a `response` method (or a system method): its answer would be lost.
    #[error("{service}: {method} is not an accept method: req it instead")]
    NotByPost {
        /// The snax service.
        service: String,
        /// The method, as `response.NAME` or the system method's name.
        method: String,
    },
    /// An id that is no method of the interface.
    #[error("{service}: no method with id {id} (its ids are 1-{last})")]
    NoSuchId {
        /// The snax service.
        service: String,
        /// The id asked for.
        id: u32,
        /// Its highest id.
        last: u32,
    },
}

/// A snax service on a remote node: its [`Remote`], address, name and interface. Cheap to
/// clone. Get one with [`Node::snax`](crate::Node::snax) / [`Remote::snax`] (which ask
/// the node for the address, as `cluster.snax(node, name)` does) or [`Snax::bind`] (an
/// address known already, `cluster.snax(node, name, address)`).
///
/// ```no_run
/// # async fn f(node: skywire_node::Node) -> Result<(), Box<dyn std::error::Error>> {
/// use skywire_node::SnaxInterface;
/// let iface = SnaxInterface::load("service/counter.lua")?;
/// let counter = node.snax("db", "counter", iface).await?;
/// counter.post("add", &[3.into()]).await?; // accept.add(3)
/// let total = counter.req("get", &[]).await?; // response.get()
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Snax {
    remote: Remote,
    address: u32,
    name: Arc<str>,
    interface: Arc<SnaxInterface>,
}

impl Remote {
    /// Finds the snax service `name` on this node (`.service`'s `"QUERY", "snaxd", name`)
    /// and returns its handle; see [`Snax`]. A node that has no such service answers
    /// [`CallError::SnaxNotFound`] (a Rust node at once; a skynet node waits until one is
    /// launched, so give the query a deadline: [`snax_with`](Self::snax_with)).
    pub async fn snax(&self, name: &str, interface: SnaxInterface) -> Result<Snax, CallError> {
        self.snax_with(name, interface, &CallOptions::new()).await
    }

    /// [`snax`](Self::snax) with a deadline (and/or trace tag) for the query.
    pub async fn snax_with(
        &self,
        name: &str,
        interface: SnaxInterface,
        opts: &CallOptions,
    ) -> Result<Snax, CallError> {
        let args = [
            Value::from("QUERY"),
            Value::from("snaxd"),
            Value::from(name),
        ];
        let ret = self.call_with(SERVICE_MANAGER, &args, opts).await?;
        match ret.as_slice() {
            [Value::Integer(a), ..] if u32::try_from(*a).is_ok() => {
                Ok(Snax::bind(self.clone(), *a as u32, name, interface))
            }
            [Value::Nil, Value::String(text), ..] => Err(CallError::SnaxNotFound {
                node: self.name().to_owned(),
                name: name.to_owned(),
                text: text.clone(),
            }),
            other => Err(CallError::BadQueryAnswer {
                node: self.name().to_owned(),
                answer: other
                    .first()
                    .map_or_else(|| "nothing".into(), Value::to_string),
            }),
        }
    }
}

impl Snax {
    /// The handle for the snax service `name` at `address` on `remote`, without asking.
    pub fn bind(remote: Remote, address: u32, name: &str, interface: SnaxInterface) -> Snax {
        Snax {
            remote,
            address,
            name: name.into(),
            interface: Arc::new(interface),
        }
    }

    /// The service's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its address on the remote node.
    pub fn address(&self) -> u32 {
        self.address
    }

    /// Its interface (the ids the calls use).
    pub fn interface(&self) -> &SnaxInterface {
        &self.interface
    }

    /// The remote node.
    pub fn remote(&self) -> &Remote {
        &self.remote
    }

    /// Calls a `response` method (by name, or any id that answers: a response method's or
    /// a system method's) and returns its results: `obj.req.NAME(...)`.
    pub async fn req<'m>(
        &self,
        method: impl Into<SnaxMethodRef<'m>>,
        args: &[Value],
    ) -> Result<Vec<Value>, CallError> {
        self.req_with(method, args, &CallOptions::new()).await
    }

    /// [`req`](Self::req) with a deadline and/or a trace tag.
    pub async fn req_with<'m>(
        &self,
        method: impl Into<SnaxMethodRef<'m>>,
        args: &[Value],
        opts: &CallOptions,
    ) -> Result<Vec<Value>, CallError> {
        let id = self.id_for(method.into(), SnaxGroup::Response)?;
        let payload = crate::pack::pack_after(&Value::from(id), args)?;
        let reply = self
            .remote
            .call_raw(Target::Address(self.address), payload, opts)
            .await?;
        skywire_seri::unpack(&reply).map_err(|source| CallError::Decode {
            node: self.remote.name().to_owned(),
            source,
        })
    }

    /// Pushes to an `accept` method: `obj.post.NAME(...)`. Returns once the push is
    /// queued, as [`Remote::send`] does.
    pub async fn post<'m>(
        &self,
        method: impl Into<SnaxMethodRef<'m>>,
        args: &[Value],
    ) -> Result<(), CallError> {
        self.post_with(method, args, &CallOptions::new()).await
    }

    /// [`post`](Self::post) with a deadline and/or a trace tag.
    pub async fn post_with<'m>(
        &self,
        method: impl Into<SnaxMethodRef<'m>>,
        args: &[Value],
        opts: &CallOptions,
    ) -> Result<(), CallError> {
        let id = self.id_for(method.into(), SnaxGroup::Accept)?;
        let payload = crate::pack::pack_after(&Value::from(id), args)?;
        self.remote
            .send_raw(Target::Address(self.address), payload, opts)
            .await
    }

    /// The service's profile (system method 4, `snax.profile_info`): `{ name = { count =
    /// n, time = seconds } }` for the methods called so far.
    pub async fn profile(&self) -> Result<Value, CallError> {
        let mut ret = self.req(SnaxSystem::Profile, &[]).await?;
        Ok(if ret.is_empty() {
            Value::Nil
        } else {
            ret.swap_remove(0)
        })
    }

    /// The id to send for `method` in a call that needs `group`.
    fn id_for(&self, method: SnaxMethodRef<'_>, group: SnaxGroup) -> Result<u32, SnaxMethodError> {
        let service = || self.name.to_string();
        let i = &self.interface;
        match method {
            SnaxMethodRef::Name(name) => {
                if let Some(id) = i.id_of(group, name) {
                    return Ok(id);
                }
                let other = match group {
                    SnaxGroup::Accept => SnaxGroup::Response,
                    SnaxGroup::Response => SnaxGroup::Accept,
                };
                let in_other = i.id_of(other, name).is_some();
                Err(match (group, in_other) {
                    (SnaxGroup::Response, true) => SnaxMethodError::AcceptByRequest {
                        service: service(),
                        name: name.to_owned(),
                    },
                    (SnaxGroup::Accept, true) => SnaxMethodError::NotByPost {
                        service: service(),
                        method: format!("response.{name}"),
                    },
                    (SnaxGroup::Response, false) => SnaxMethodError::NoSuchResponse {
                        service: service(),
                        name: name.to_owned(),
                    },
                    (SnaxGroup::Accept, false) => SnaxMethodError::NoSuchAccept {
                        service: service(),
                        name: name.to_owned(),
                    },
                })
            }
            SnaxMethodRef::Id(id) => {
                if let Some(s) = SnaxSystem::from_id(id) {
                    return match group {
                        SnaxGroup::Response => Ok(id),
                        SnaxGroup::Accept => Err(SnaxMethodError::NotByPost {
                            service: service(),
                            method: s.name().to_owned(),
                        }),
                    };
                }
                let Some(m) = i.method(id) else {
                    return Err(SnaxMethodError::NoSuchId {
                        service: service(),
                        id,
                        last: FIRST_METHOD_ID - 1 + i.methods().len() as u32,
                    });
                };
                match (group, m.group) {
                    (g, mg) if g == mg => Ok(id),
                    (SnaxGroup::Response, _) => Err(SnaxMethodError::AcceptByRequest {
                        service: service(),
                        name: m.name.clone(),
                    }),
                    (SnaxGroup::Accept, _) => Err(SnaxMethodError::NotByPost {
                        service: service(),
                        method: format!("response.{}", m.name),
                    }),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Node;

    fn handle() -> Snax {
        let i = SnaxInterface::from_list(["accept.add", "response.get", "accept.get"]).unwrap();
        Snax::bind(Node::new().remote_at("127.0.0.1:1"), 10, "counter", i)
    }

    #[test]
    fn names_and_ids_resolve_before_sending() {
        let s = handle();
        let req = |m: SnaxMethodRef<'_>| s.id_for(m, SnaxGroup::Response);
        let post = |m: SnaxMethodRef<'_>| s.id_for(m, SnaxGroup::Accept);
        assert_eq!(post("add".into()), Ok(5));
        assert_eq!(req("get".into()), Ok(6));
        assert_eq!(post("get".into()), Ok(7), "accept.get is its own method");
        assert_eq!(req(SnaxSystem::Profile.into()), Ok(4));
        assert_eq!(req(6.into()), Ok(6));
        assert_eq!(post(5.into()), Ok(5));
        // skynet's texts for a name that is not there.
        assert_eq!(
            req("nope".into()).unwrap_err().to_string(),
            "request counter:nope no exist"
        );
        assert_eq!(
            post("nope".into()).unwrap_err().to_string(),
            "post counter:nope no exist"
        );
        assert!(matches!(
            req("add".into()),
            Err(SnaxMethodError::AcceptByRequest { .. })
        ));
        assert!(matches!(
            req(5.into()),
            Err(SnaxMethodError::AcceptByRequest { .. })
        ));
        assert!(matches!(
            post(6.into()),
            Err(SnaxMethodError::NotByPost { .. })
        ));
        assert!(matches!(
            post(2.into()),
            Err(SnaxMethodError::NotByPost { .. })
        ));
        assert_eq!(
            req(8.into()),
            Err(SnaxMethodError::NoSuchId {
                service: "counter".into(),
                id: 8,
                last: 7
            })
        );
        assert!(matches!(
            req(0.into()),
            Err(SnaxMethodError::NoSuchId { .. })
        ));
    }
}
