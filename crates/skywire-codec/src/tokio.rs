//! tokio-util codecs (feature `tokio`): [`ServerCodec`] and [`ClientCodec`] implement
//! `tokio_util::codec::{Decoder, Encoder}`, to use with `tokio_util::codec::Framed` over a
//! tokio `AsyncRead + AsyncWrite` (a `tokio::net::TcpStream`).
//!
//! The same codecs run over `futures-io` streams (smol, async-std) with the `futures-io`
//! feature ([`futures_io`](crate::futures_io)); what they do is in one place, `codec.rs`.
//!
//! ```
//! use bytes::{Bytes, BytesMut};
//! use skywire_codec::{ClientCodec, Request, Session, Target};
//! use tokio_util::codec::Encoder;
//! let mut out = BytesMut::new();
//! let call = Request::call(Target::name("@echo")?, Session::new(1), Bytes::from_static(b"\x24ping"));
//! ClientCodec::default().encode(call, &mut out)?;
//! assert_eq!(&out[..], b"\x00\x10\x80\x05@echo\x01\x00\x00\x00\x24ping");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use crate::codec::{ClientCodec, CodecError, ServerCodec};
use crate::message::{Request, Response};

crate::codec::framing_traits!(tokio);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Session, Target};
    use bytes::Bytes;

    #[test]
    fn client_and_server_codecs_meet() {
        let mut client = ClientCodec::default();
        let mut server = ServerCodec::default();
        let mut wire = BytesMut::new();
        let payload = Bytes::from(vec![5u8; 0x10001]);
        let req = Request::call(
            Target::name("@echo").unwrap(),
            Session::new(1),
            payload.clone(),
        );
        client.encode(req.clone(), &mut wire).unwrap();
        // feed the server in small pieces
        let mut inbox = BytesMut::new();
        let mut got = None;
        while !wire.is_empty() {
            let n = wire.len().min(1000);
            inbox.extend_from_slice(&wire.split_to(n));
            if let Some(r) = server.decode(&mut inbox).unwrap() {
                got = Some(r);
            }
        }
        assert_eq!(got.unwrap(), req);
        let mut back = BytesMut::new();
        server
            .encode(Response::ok(Session::new(1), payload.clone()), &mut back)
            .unwrap();
        let resp = client.decode(&mut back).unwrap().unwrap();
        assert_eq!(resp.payload, payload);
        assert!(client.decode_eof(&mut back).unwrap().is_none());
    }

    #[test]
    fn eof_inside_a_frame_is_an_error() {
        let mut server = ServerCodec::default();
        let mut src = BytesMut::from(&b"\x00\x10\x80"[..]);
        assert!(server.decode(&mut src).unwrap().is_none());
        assert!(matches!(
            server.decode_eof(&mut src),
            Err(CodecError::Decode(_))
        ));
    }
}
