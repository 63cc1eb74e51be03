//! `futures-io` codecs (feature `futures-io`), for runtimes other than tokio (smol,
//! async-std, any executor): [`ServerCodec`] and [`ClientCodec`] implement
//! asynchronous-codec's `Decoder` and `Encoder`, so that [`Framed`] runs them over any
//! `futures_io::AsyncRead + AsyncWrite`: a `Stream` of whole messages in, a `Sink` of
//! messages out. They are the very codecs the `tokio` feature gives tokio-util (what they do
//! is in one place, `codec.rs`).
//!
//! Over a smol `TcpStream` on loopback, a call of 100 000 bytes (multi-part both ways) and
//! its echo; `futures_util`'s `SinkExt` / `StreamExt` give `send` and `next`:
//!
//! ```
//! use bytes::Bytes;
//! use futures_util::{SinkExt, StreamExt};
//! use skywire_codec::futures_io::Framed;
//! use skywire_codec::{ClientCodec, CodecError, Request, Response, ServerCodec, SessionAllocator, Target};
//!
//! smol::block_on(async {
//!     let listener = smol::net::TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     // A one-connection server that answers every call with its own payload.
//!     let server = smol::spawn(async move {
//!         let (conn, _) = listener.accept().await?;
//!         let mut conn = Framed::new(conn, ServerCodec::default());
//!         while let Some(req) = conn.next().await {
//!             let req = req?;
//!             if !req.push {
//!                 conn.send(Response::ok(req.session, req.payload)).await?;
//!             }
//!         }
//!         Ok::<(), CodecError>(())
//!     });
//!
//!     let stream = smol::net::TcpStream::connect(addr).await?;
//!     let mut conn = Framed::new(stream, ClientCodec::default());
//!     let mut sessions = SessionAllocator::new();
//!     let payload = Bytes::from(vec![0x24; 100_000]);
//!     let call = Request::call(Target::name("@echo")?, sessions.allocate(), payload.clone());
//!     conn.send(call).await?;
//!     let reply = conn.next().await.expect("a response")?;
//!     assert!(reply.ok);
//!     assert_eq!(reply.payload, payload);
//!     drop(conn);
//!     server.await?;
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use asynchronous_codec::{Decoder, Encoder};
use bytes::BytesMut;

use crate::codec::{ClientCodec, CodecError, ServerCodec};
use crate::message::{Request, Response};

/// asynchronous-codec's framed reader and writer, re-exported so that its version is the
/// one these codecs implement.
pub use asynchronous_codec::{Framed, FramedRead, FramedWrite};

crate::codec::framing_traits!(futures);
