//! Services: what a node runs when a request arrives.
//!
//! A service is anything implementing [`Service`]. Three adapters cover the usual cases:
//! [`service_fn`] (an async closure), [`sync_service_fn`] (a plain closure that answers at
//! once: no allocation, no task) and [`typed`] (an async closure over serde types).
//!
//! Ordering: a connection calls [`Service::call`] in the order its requests arrive (as
//! skynet delivers the messages of one source to a service in order); the futures it returns
//! run concurrently and answer in completion order. A service that keeps state and cares
//! about order does its state change in `call` itself and returns a ready future.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use skywire_codec::{Session, Target};
use skywire_seri::Value;

use crate::error::CallError;

/// One request as a service sees it.
///
/// String values in `args` are zero-copy slices of the received bytes: a service that keeps
/// a string for long should copy it (`Bytes::copy_from_slice`) so the whole read buffer it
/// came in is not kept alive with it.
///
/// A service that answers with values (a [`ServiceResult`]) whose strings take 16 KiB or more
/// has them sent without a copy: the answer is packed into chunks that reference its large
/// strings (`skywire_seri::pack_chunks`), so an echo's reply goes out from the very bytes
/// its request came in, and those live until the reply is written.
#[derive(Clone, Debug)]
pub struct ServiceRequest {
    /// The target as the caller addressed it: `@name`, `.name` or a number.
    pub target: Target,
    /// The numeric address of the service taking the request.
    pub address: u32,
    /// The caller's session (0 for a small push).
    pub session: Session,
    /// True for a push (`cluster.send`): whatever the service returns is dropped.
    pub push: bool,
    /// The trace tag that came with the request (skynet's `0x04` packet), if any.
    pub trace: Option<Bytes>,
    /// The arguments, unpacked (empty for a service that does not read them: see
    /// [`Service::reads_args`]).
    pub args: Vec<Value>,
    /// The packed arguments as received.
    pub payload: Bytes,
    /// The address of the connection's peer.
    pub peer: SocketAddr,
}

/// The error a service fails with: a text that goes back in the error response (cut to
/// 32 KiB, as skynet cuts it).
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceError {
    text: Bytes,
}

impl ServiceError {
    /// An error with this text.
    pub fn new(text: impl Into<Bytes>) -> Self {
        ServiceError { text: text.into() }
    }

    /// An error whose text is `err`'s `Display`.
    pub fn from_error(err: &dyn std::error::Error) -> Self {
        ServiceError::new(err.to_string())
    }

    /// The error text.
    pub fn text(&self) -> &Bytes {
        &self.text
    }
}

impl fmt::Debug for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServiceError({:?})", String::from_utf8_lossy(&self.text))
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.text))
    }
}

impl std::error::Error for ServiceError {}

/// `From` for the types an error text comes in.
macro_rules! from_text {
    ($($t:ty => $to_bytes:expr),* $(,)?) => {$(
        impl From<$t> for ServiceError {
            fn from(text: $t) -> Self {
                ServiceError::new($to_bytes(text))
            }
        }
    )*};
}

from_text! {
    &str => |s: &str| s.to_owned(),
    String => |s| s,
    Bytes => |b| b,
}

impl From<CallError> for ServiceError {
    /// A failed call made by the service: an error response passes its text on, anything
    /// else its description.
    fn from(e: CallError) -> Self {
        match e {
            CallError::Remote { text, .. } => ServiceError::new(text),
            other => ServiceError::from_error(&other),
        }
    }
}

impl From<skywire_seri::SerdeError> for ServiceError {
    fn from(e: skywire_seri::SerdeError) -> Self {
        ServiceError::from_error(&e)
    }
}

impl From<skywire_seri::EncodeError> for ServiceError {
    fn from(e: skywire_seri::EncodeError) -> Self {
        ServiceError::from_error(&e)
    }
}

/// The error text for arguments that do not unpack.
pub(crate) fn undecodable_arguments(e: &skywire_seri::DecodeError) -> String {
    format!("undecodable arguments: {e}")
}

/// The error text for results that do not pack.
pub(crate) fn cannot_pack(e: &skywire_seri::EncodeError) -> String {
    format!("cannot pack the results: {e}")
}

/// What a service returns: the result values, or an error text.
pub type ServiceResult = Result<Vec<Value>, ServiceError>;

/// A service's answer as the node sends it: values to pack, or a payload packed already.
pub(crate) enum Answer {
    /// Result values, packed by the node.
    Values(Vec<Value>),
    /// A lua-seri payload, sent as it is.
    Packed(Bytes),
}

/// What a service answers with: values, or an error text.
type AnswerResult = Result<Answer, ServiceError>;

/// A boxed future of `T`.
type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, ServiceError>> + Send + 'static>>;

/// The future a [`Service`] returns: already resolved (no allocation), or a boxed future of
/// values or of a packed payload.
pub struct ServiceFuture(FutureInner);

enum FutureInner {
    Ready(Option<ServiceResult>),
    Boxed(BoxFuture<Vec<Value>>),
    Packed(BoxFuture<Bytes>),
}

impl ServiceFuture {
    /// A future that is already resolved.
    pub fn ready(result: ServiceResult) -> Self {
        ServiceFuture(FutureInner::Ready(Some(result)))
    }

    /// Wraps (boxes) any future.
    pub fn new(fut: impl Future<Output = ServiceResult> + Send + 'static) -> Self {
        ServiceFuture(FutureInner::Boxed(Box::pin(fut)))
    }

    /// Wraps (boxes) a future of an answer already packed: a lua-seri payload (what
    /// `skywire_seri::pack` gives), which the node sends as it is, unchecked. Awaited as a
    /// [`Future`] (not by the node), the payload is unpacked into values.
    pub fn packed(fut: impl Future<Output = Result<Bytes, ServiceError>> + Send + 'static) -> Self {
        ServiceFuture(FutureInner::Packed(Box::pin(fut)))
    }

    /// The same future, running `done` when it resolves (at once for a resolved one; a
    /// pending one is boxed once more, keeping its kind).
    pub(crate) fn on_done(self, done: impl FnOnce() + Send + 'static) -> ServiceFuture {
        ServiceFuture(match self.0 {
            FutureInner::Ready(r) => {
                done();
                FutureInner::Ready(r)
            }
            FutureInner::Boxed(f) => FutureInner::Boxed(Box::pin(async move {
                let r = f.await;
                done();
                r
            })),
            FutureInner::Packed(f) => FutureInner::Packed(Box::pin(async move {
                let r = f.await;
                done();
                r
            })),
        })
    }

    /// Takes the result out without polling if the future was created resolved.
    pub(crate) fn take_ready(&mut self) -> Option<AnswerResult> {
        match &mut self.0 {
            FutureInner::Ready(r) => r.take().map(|r| r.map(Answer::Values)),
            FutureInner::Boxed(_) | FutureInner::Packed(_) => None,
        }
    }

    /// Polls for the answer as the node sends it.
    pub(crate) fn poll_answer(&mut self, cx: &mut Context<'_>) -> Poll<AnswerResult> {
        match &mut self.0 {
            FutureInner::Packed(f) => f.as_mut().poll(cx).map(|r| r.map(Answer::Packed)),
            _ => Pin::new(self).poll(cx).map(|r| r.map(Answer::Values)),
        }
    }
}

impl fmt::Debug for ServiceFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            FutureInner::Ready(_) => f.write_str("ServiceFuture(ready)"),
            FutureInner::Boxed(_) | FutureInner::Packed(_) => f.write_str("ServiceFuture(pending)"),
        }
    }
}

impl Future for ServiceFuture {
    type Output = ServiceResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ServiceResult> {
        match &mut self.get_mut().0 {
            FutureInner::Ready(r) => match r.take() {
                Some(r) => Poll::Ready(r),
                None => Poll::Ready(Err(ServiceError::new("service future polled twice"))),
            },
            FutureInner::Boxed(f) => f.as_mut().poll(cx),
            FutureInner::Packed(f) => f
                .as_mut()
                .poll(cx)
                .map(|r| skywire_seri::unpack(&r?).map_err(|e| ServiceError::from_error(&e))),
        }
    }
}

/// A service: takes a request, returns values or an error text.
///
/// `call` runs on the connection's reading task, in arrival order; keep it short and put
/// waiting in the returned future. The result of a push is dropped (an error is logged).
///
/// ```
/// use skywire_node::{Service, ServiceFuture, ServiceRequest};
/// struct Hello;
/// impl Service for Hello {
///     fn call(&self, req: ServiceRequest) -> ServiceFuture {
///         let mut out = vec!["hello".into()];
///         out.extend(req.args);
///         ServiceFuture::ready(Ok(out))
///     }
/// }
/// ```
pub trait Service: Send + Sync + 'static {
    /// Handles one request.
    fn call(&self, req: ServiceRequest) -> ServiceFuture;

    /// Whether the service reads [`ServiceRequest::args`] (the default). A service that
    /// reads the packed [`payload`](ServiceRequest::payload) itself (as [`typed`] does,
    /// with `skywire_seri::from_slice`) says `false`: the node then neither unpacks the
    /// payload nor checks it, and `args` is empty. Asked once, when it is registered.
    fn reads_args(&self) -> bool {
        true
    }
}

/// The service built by [`service_fn`].
#[derive(Clone)]
pub struct ServiceFn<F>(F);

impl<F> fmt::Debug for ServiceFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServiceFn")
    }
}

/// A service from an async closure.
///
/// ```
/// use skywire_node::{service_fn, ServiceRequest};
/// let echo = service_fn(|req: ServiceRequest| async move { Ok(req.args) });
/// # let _ = echo;
/// ```
pub fn service_fn<F, Fut>(f: F) -> ServiceFn<F>
where
    F: Fn(ServiceRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ServiceResult> + Send + 'static,
{
    ServiceFn(f)
}

impl<F, Fut> Service for ServiceFn<F>
where
    F: Fn(ServiceRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ServiceResult> + Send + 'static,
{
    fn call(&self, req: ServiceRequest) -> ServiceFuture {
        ServiceFuture::new((self.0)(req))
    }
}

/// The service built by [`sync_service_fn`].
#[derive(Clone)]
pub struct SyncServiceFn<F>(F);

impl<F> fmt::Debug for SyncServiceFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SyncServiceFn")
    }
}

/// A service from a closure that answers at once. It runs on the connection's reading task
/// in arrival order, with no allocation and no task of its own: the fastest kind of service,
/// for work that never waits.
///
/// ```
/// use skywire_node::{sync_service_fn, ServiceRequest};
/// let echo = sync_service_fn(|req: ServiceRequest| Ok(req.args));
/// # let _ = echo;
/// ```
pub fn sync_service_fn<F>(f: F) -> SyncServiceFn<F>
where
    F: Fn(ServiceRequest) -> ServiceResult + Send + Sync + 'static,
{
    SyncServiceFn(f)
}

impl<F> Service for SyncServiceFn<F>
where
    F: Fn(ServiceRequest) -> ServiceResult + Send + Sync + 'static,
{
    fn call(&self, req: ServiceRequest) -> ServiceFuture {
        ServiceFuture::ready((self.0)(req))
    }
}

/// The service built by [`typed`].
pub struct Typed<F, A> {
    f: F,
    _args: std::marker::PhantomData<fn(A)>,
}

impl<F, A> fmt::Debug for Typed<F, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Typed")
    }
}

/// A service over serde types: the arguments are read into `A` as an argument list (a
/// tuple or tuple struct takes one argument per field, anything else exactly one; see
/// `skywire_seri::from_values`) straight from the request's bytes
/// (`skywire_seri::from_slice`: the node builds no [`Value`]s for it), and the result `R`
/// is written back the same way.
///
/// ```
/// use skywire_node::{typed, ServiceError};
/// // `cluster.call(node, "@add", 2, 3)` returns 5.
/// let add = typed(|(a, b): (i64, i64)| async move { Ok::<_, ServiceError>(a + b) });
/// # let _ = add;
/// ```
pub fn typed<A, R, F, Fut>(f: F) -> Typed<F, A>
where
    A: DeserializeOwned + Send + 'static,
    R: Serialize,
    F: Fn(A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, ServiceError>> + Send + 'static,
{
    Typed {
        f,
        _args: std::marker::PhantomData,
    }
}

impl<A, R, F, Fut> Service for Typed<F, A>
where
    A: DeserializeOwned + Send + 'static,
    R: Serialize,
    F: Fn(A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, ServiceError>> + Send + 'static,
{
    fn call(&self, req: ServiceRequest) -> ServiceFuture {
        let args: A = match skywire_seri::from_slice(&req.payload) {
            Ok(a) => a,
            // Arguments that do not unpack get the text untyped services get from the node.
            Err(skywire_seri::SerdeError::Decode(d)) => {
                let text = undecodable_arguments(&d);
                return ServiceFuture::ready(Err(ServiceError::new(text)));
            }
            Err(e) => return ServiceFuture::ready(Err(ServiceError::from_error(&e))),
        };
        let fut = (self.f)(args);
        ServiceFuture::packed(async move {
            let out = fut.await?;
            // Results that do not pack get the text untyped services get from the node.
            crate::pack::to_payload(&out).map_err(|e| match e {
                skywire_seri::SerdeError::Encode(e) => ServiceError::new(cannot_pack(&e)),
                e => ServiceError::from_error(&e),
            })
        })
    }

    fn reads_args(&self) -> bool {
        false
    }
}

impl<S: Service + ?Sized> Service for std::sync::Arc<S> {
    fn call(&self, req: ServiceRequest) -> ServiceFuture {
        (**self).call(req)
    }

    fn reads_args(&self) -> bool {
        (**self).reads_args()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `("ping", 1)` as lua-seri writes it: a short string (type 4, length 4 in the high
    /// bits: 0x24) and a one-byte integer (type 2, cookie 1: 0x0a).
    const PING_1: &[u8] = b"\x24ping\x0a\x01";

    #[tokio::test]
    async fn a_packed_answer_awaited_as_a_future_is_unpacked() {
        let fut = ServiceFuture::packed(async { Ok(Bytes::from_static(PING_1)) });
        assert_eq!(fut.await, Ok(vec![Value::from("ping"), Value::from(1)]));
        let bad = ServiceFuture::packed(async { Ok(Bytes::from_static(b"\x07")) });
        assert!(bad.await.is_err(), "type 7 does not unpack");
    }

    #[tokio::test]
    async fn the_node_takes_a_packed_answer_as_it_is() {
        let mut fut = ServiceFuture::packed(async { Ok(Bytes::from_static(PING_1)) });
        let answer = std::future::poll_fn(|cx| fut.poll_answer(cx)).await;
        assert!(matches!(answer, Ok(Answer::Packed(p)) if p == PING_1));
    }
}
