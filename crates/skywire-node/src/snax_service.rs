//! [`SnaxService`]: a Rust service that skynet reaches with `cluster.snax`.
//!
//! What skynet's `service/snaxd.lua` does with a message, for a service whose methods are
//! Rust [`Service`]s: the first argument is the method id, the rest go to the method.
//!
//! | id | skynet's snaxd | here |
//! |---|---|---|
//! | 1 `init` | runs `init` once; again: error `Already init` | the service is initialised when registered: error `Already init` |
//! | 2 `exit` | runs `exit`, stops the service | error: a Rust service is stopped by its program |
//! | 3 `hotfix` | patches the Lua code, answers `true, ...` or `false, err` | answers `false, "hotfix: ..."` (what `snax.hotfix` raises) |
//! | 4 `profile` | `{ name = { count = n, time = seconds } }` per method called | the same; `time` is wall time until the answer |
//! | `accept.*` by push | runs it | runs it |
//! | `accept.*` by call | runs it and never answers (the caller waits forever) | error response, not run |
//! | `response.*` | runs it, answers its results (by push: dropped) | the same |
//! | other | Lua error (`attempt to index a nil value`) | error `snax: unknown method id N ...` |
//!
//! The method's request carries the arguments after the id, as values
//! ([`ServiceRequest::args`]) and packed ([`ServiceRequest::payload`]), so [`typed`]
//! methods work unchanged.
//!
//! [`typed`]: crate::typed

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use skywire_seri::{Table, Value};

use crate::service::{undecodable_arguments, Service, ServiceError, ServiceFuture, ServiceRequest};
use crate::snax_interface::{
    SnaxGroup, SnaxInterface, SnaxInterfaceError, SnaxSystem, FIRST_METHOD_ID,
};

/// skynet's text for a second `init` (`service/snaxd.lua`: `assert(not init, "Already init")`).
const ALREADY_INIT: &str = "Already init";

/// A snax service: its methods in id order (see the module docs for what each id does).
/// Register it with [`Node::register_snax`](crate::Node::register_snax); skynet nodes then
/// find it with `cluster.snax(node, name)` and call it with `obj.req.NAME(...)` /
/// `obj.post.NAME(...)`, given the interface stub ([`SnaxInterface::to_lua_stub`]) in
/// their `snax` path.
///
/// ```
/// use skywire_node::{sync_service_fn, typed, Node, ServiceError, SnaxService};
/// let counter = SnaxService::builder()
///     .accept("add", sync_service_fn(|req| Ok(vec![]))) // id 5
///     .response("get", typed(|(): ()| async { Ok::<_, ServiceError>(7) })) // id 6
///     .build()
///     .unwrap();
/// let stub = counter.interface().to_lua_stub("counter");
/// let node = Node::new();
/// node.register_snax("counter", counter).unwrap();
/// # let _ = stub;
/// ```
pub struct SnaxService {
    interface: SnaxInterface,
    /// By id - [`FIRST_METHOD_ID`].
    methods: Vec<Method>,
    /// Calls and time per method name (skynet's profile table is by name).
    stats: Arc<[Stat]>,
}

impl std::fmt::Debug for SnaxService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnaxService")
            .field("interface", &self.interface)
            .finish_non_exhaustive()
    }
}

struct Method {
    service: Arc<dyn Service>,
    reads_args: bool,
    /// Index into the stats.
    stat: usize,
}

#[derive(Default)]
struct Stat {
    name: String,
    count: AtomicU64,
    nanos: AtomicU64,
}

/// Builds a [`SnaxService`]: each `accept` / `response` call adds the next method (ids from
/// 5, in call order, both groups counted together, as skynet counts definitions).
#[derive(Default)]
pub struct SnaxServiceBuilder {
    methods: Vec<(SnaxGroup, String, Arc<dyn Service>)>,
}

impl std::fmt::Debug for SnaxServiceBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.methods.iter().map(|(g, n, _)| format!("{g}.{n}")))
            .finish()
    }
}

impl SnaxServiceBuilder {
    /// Adds `accept.NAME`: reached by a push, its result is dropped.
    pub fn accept(mut self, name: impl Into<String>, service: impl Service) -> Self {
        self.methods
            .push((SnaxGroup::Accept, name.into(), Arc::new(service)));
        self
    }

    /// Adds `response.NAME`: reached by a call, its results are the answer.
    pub fn response(mut self, name: impl Into<String>, service: impl Service) -> Self {
        self.methods
            .push((SnaxGroup::Response, name.into(), Arc::new(service)));
        self
    }

    /// The service; a name twice in one group is refused as skynet refuses it
    /// (`accept.NAME duplicate definition`).
    pub fn build(self) -> Result<SnaxService, SnaxInterfaceError> {
        let interface =
            SnaxInterface::from_methods(self.methods.iter().map(|(g, n, _)| (*g, n.clone())))?;
        let mut stats: Vec<Stat> = Vec::new();
        let methods = self
            .methods
            .into_iter()
            .map(|(_, name, service)| {
                let stat = match stats.iter().position(|s| s.name == name) {
                    Some(i) => i,
                    None => {
                        stats.push(Stat {
                            name,
                            ..Stat::default()
                        });
                        stats.len() - 1
                    }
                };
                Method {
                    reads_args: service.reads_args(),
                    service,
                    stat,
                }
            })
            .collect();
        Ok(SnaxService {
            interface,
            methods,
            stats: stats.into(),
        })
    }
}

impl SnaxService {
    /// A builder.
    pub fn builder() -> SnaxServiceBuilder {
        SnaxServiceBuilder::default()
    }

    /// The methods and their ids.
    pub fn interface(&self) -> &SnaxInterface {
        &self.interface
    }

    /// skynet's profile table: `{ name = { count = n, time = seconds } }` for every method
    /// called at least once.
    fn profile(&self) -> Value {
        let mut t = Table::default();
        for s in self.stats.iter() {
            let count = s.count.load(Ordering::Relaxed);
            if count == 0 {
                continue;
            }
            let secs = s.nanos.load(Ordering::Relaxed) as f64 / 1e9;
            let mut entry = Table::default();
            entry.push_pair(
                "count",
                Value::Integer(i64::try_from(count).unwrap_or(i64::MAX)),
            );
            entry.push_pair("time", Value::Real(secs));
            t.push_pair(s.name.as_str(), Value::Table(entry));
        }
        Value::Table(t)
    }

    fn system(&self, which: SnaxSystem) -> Result<Vec<Value>, ServiceError> {
        match which {
            SnaxSystem::Init => Err(ServiceError::from(ALREADY_INIT)),
            SnaxSystem::Exit => Err(ServiceError::from(
                "exit: a Rust snax service is stopped by its own program, not by a caller",
            )),
            // What snax.hotfix reads: ok, then the error (it raises it).
            SnaxSystem::Hotfix => Ok(vec![
                Value::Boolean(false),
                Value::from("hotfix: a Rust snax service cannot be patched with Lua"),
            ]),
            SnaxSystem::Profile => Ok(vec![self.profile()]),
        }
    }
}

/// The method id a first argument gives: an integer, or a float with an integral value
/// (Lua indexes `func[5.0]` as `func[5]`).
fn method_id(v: Option<&Value>) -> Option<u32> {
    match v? {
        Value::Integer(i) => u32::try_from(*i).ok(),
        Value::Real(f) if f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX) => {
            Some(*f as u32)
        }
        _ => None,
    }
}

/// The packed arguments after the first: a slice of `payload` when the first value is
/// written as skynet writes it (always, for skynet), else the rest packed again.
fn rest_payload(payload: &Bytes, values: &[Value]) -> Result<Bytes, ServiceError> {
    let Some((first, rest)) = values.split_first() else {
        return Ok(Bytes::new());
    };
    let first = std::slice::from_ref(first);
    let n = skywire_seri::packed_len(first)?;
    if payload.len() >= n && skywire_seri::pack(first)?.as_ref() == &payload[..n] {
        return Ok(payload.slice(n..));
    }
    Ok(crate::pack::pack(rest)?)
}

impl Service for SnaxService {
    fn call(&self, req: ServiceRequest) -> ServiceFuture {
        let mut values = match skywire_seri::unpack(&req.payload) {
            Ok(v) => v,
            Err(e) => return ServiceFuture::ready(Err(undecodable_arguments(&e).into())),
        };
        let Some(id) = method_id(values.first()) else {
            let got = values
                .first()
                .map_or_else(|| "nothing".into(), Value::to_string);
            return ServiceFuture::ready(Err(ServiceError::new(format!(
                "snax: the first argument must be the method id, got {got}"
            ))));
        };
        if let Some(which) = SnaxSystem::from_id(id) {
            return ServiceFuture::ready(self.system(which));
        }
        let last = FIRST_METHOD_ID - 1 + self.methods.len() as u32;
        let (Some(info), Some(method)) = (
            self.interface.method(id),
            id.checked_sub(FIRST_METHOD_ID)
                .and_then(|i| self.methods.get(i as usize)),
        ) else {
            return ServiceFuture::ready(Err(ServiceError::new(format!(
                "snax: unknown method id {id} (this service has ids 1-{last})"
            ))));
        };
        if info.group == SnaxGroup::Accept && !req.push {
            return ServiceFuture::ready(Err(ServiceError::new(format!(
                "accept.{} answers nothing: send it as a push (post), not a call",
                info.name
            ))));
        }
        let payload = match rest_payload(&req.payload, &values) {
            Ok(p) => p,
            Err(e) => return ServiceFuture::ready(Err(e)),
        };
        let args = if method.reads_args {
            values.remove(0);
            values
        } else {
            Vec::new()
        };
        let stats = self.stats.clone();
        let stat = method.stat;
        let start = Instant::now();
        method
            .service
            .call(ServiceRequest {
                args,
                payload,
                ..req
            })
            .on_done(move || {
                let s = &stats[stat];
                s.count.fetch_add(1, Ordering::Relaxed);
                let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
                s.nanos.fetch_add(nanos, Ordering::Relaxed);
            })
    }

    fn reads_args(&self) -> bool {
        false
    }
}
