//! # skywire-codec
//!
//! The wire protocol skynet nodes speak in cluster mode (`cluster.call`, `cluster.send`,
//! `cluster.query`), sans-IO: bytes in, messages out; messages in, frames out. No runtime,
//! no sockets; `no_std` + `alloc` with `default-features = false`.
//!
//! A byte's way in: [`FrameDecoder`] (2-byte big-endian length + body) →
//! [`RequestPacket`] / [`ResponsePacket`] (parsed with `nom`, zero-copy) →
//! [`RequestAssembler`] / [`ResponseAssembler`] (multi-part reassembly per session, bounded
//! by [`Limits`]) → [`Request`] / [`Response`]. [`RequestDecoder`] and [`ResponseDecoder`]
//! do all of it over a stream fed in arbitrary chunks. A reader that wants large payloads
//! never copied has the decoder say where the next bytes go:
//! [`StreamDecoder::read_parts_directly`] reads a large part's body straight into its
//! message ([`direct_part`]).
//!
//! A message's way out: [`Request::frames`] / [`Response::frames`] cut it as skynet does
//! ([`fragment`]) into [`OutFrame`]s: a few header bytes plus a [`bytes::Bytes`] slice of the
//! payload, written through [`bytes::Buf`] (vectored); [`FrameQueue`] batches many.
//!
//! Payloads are lua-seri bytes (see the `skywire-seri` crate); this crate does not look
//! inside them. The protocol is described in the repository's `spec/` folder.
//!
//! `README.md` beside this crate maps its modules and the one way their imports run.
//!
//! ## Over a blocking `std::net::TcpStream`
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::{TcpListener, TcpStream};
//! use bytes::{Buf, Bytes};
//! use skywire_codec::{Request, RequestDecoder, Response, ResponseDecoder, SessionAllocator, Target};
//!
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let addr = listener.local_addr()?;
//! // A one-connection server that answers every call with its own payload.
//! let server = std::thread::spawn(move || -> std::io::Result<()> {
//!     let (mut conn, _) = listener.accept()?;
//!     let mut requests = RequestDecoder::default();
//!     let mut buf = [0u8; 4096];
//!     loop {
//!         let n = conn.read(&mut buf)?;
//!         if n == 0 { return Ok(()); }
//!         requests.feed(&buf[..n]);
//!         while let Some(req) = requests.next_message().map_err(std::io::Error::other)? {
//!             if req.push { continue; }
//!             for mut frame in Response::ok(req.session, req.payload).frames().map_err(std::io::Error::other)? {
//!                 while frame.has_remaining() {
//!                     let n = conn.write(frame.chunk())?;
//!                     frame.advance(n);
//!                 }
//!             }
//!         }
//!     }
//! });
//!
//! let mut conn = TcpStream::connect(addr)?;
//! let mut sessions = SessionAllocator::new();
//! let payload = Bytes::from(vec![0x24; 100_000]); // big enough to go multi-part both ways
//! let call = Request::call(Target::name("@echo")?, sessions.allocate(), payload.clone());
//! for frame in call.frames()? {
//!     conn.write_all(&frame.to_vec())?;
//! }
//! let mut responses = ResponseDecoder::default();
//! let mut buf = [0u8; 4096];
//! let reply = loop {
//!     if let Some(r) = responses.next_message()? { break r; }
//!     let n = conn.read(&mut buf)?;
//!     assert!(n > 0, "server closed early");
//!     responses.feed(&buf[..n]);
//! };
//! assert!(reply.ok);
//! assert_eq!(reply.payload, payload);
//! drop(conn);
//! server.join().unwrap()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Over an async runtime
//!
//! The same decoders and encoders, as codecs for a framed stream of messages, are
//! [`ServerCodec`] (the serving side) and [`ClientCodec`] (the calling side):
//!
//! | runtime | feature | framed over | module |
//! |---|---|---|---|
//! | none (blocking `std::io`) | (none) | the loop above | |
//! | tokio | `tokio` | `tokio_util::codec::Framed` on a tokio `AsyncRead + AsyncWrite` | `tokio` |
//! | smol, async-std, any executor | `futures-io` | `futures_io::Framed` (asynchronous-codec) on a `futures_io::AsyncRead + AsyncWrite` | `futures_io` (an example over smol TCP) |
//!
//! ```toml
//! skywire-codec = { version = "0.1", features = ["futures-io"] }  # or "tokio"
//! ```
#![cfg_attr(not(test), no_std)]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(all(feature = "std", not(test)))]
extern crate std;

#[cfg(any(feature = "tokio", feature = "futures-io"))]
mod codec;
pub mod direct_part;
pub mod error;
pub mod fragment;
pub mod frame;
#[cfg(feature = "futures-io")]
pub mod futures_io;
pub mod limits;
pub mod message;
pub mod multi_part;
pub mod out_frame;
pub mod packet;
pub mod reassembly;
pub mod rope;
pub mod session;
pub mod stream;
pub mod target;
#[cfg(feature = "tokio")]
pub mod tokio;
pub mod write_queue;

#[cfg(any(feature = "tokio", feature = "futures-io"))]
pub use codec::{ClientCodec, CodecError, ServerCodec};
pub use error::{DecodeError, DecodeErrorKind, LengthRule, PacketError, ReassemblyError};
pub use fragment::{RequestFrames, ResponseFrames, MULTI_PART};
pub use frame::{Frame, FrameDecoder, FRAME_HEADER_LEN, MAX_FRAME_BODY};
pub use limits::Limits;
pub use message::{Request, RequestKind, Response};
pub use out_frame::OutFrame;
pub use packet::request::RequestPacket;
pub use packet::response::ResponsePacket;
pub use reassembly::{FrameRecorder, MessageFrames, Recorder, RequestAssembler, ResponseAssembler};
pub use rope::Rope;
pub use session::{Session, SessionAllocator};
pub use stream::{Assemble, FrameStep, Recorded, RequestDecoder, ResponseDecoder, StreamDecoder};
pub use target::Target;
pub use write_queue::FrameQueue;
