//! tokio-util codecs (feature `tokio`): [`ServerCodec`] for the serving side, [`ClientCodec`]
//! for the calling side, to use with `tokio_util::codec::Framed`.
//!
//! The encoders copy frames into the `BytesMut` that `Framed` writes from; a writer that
//! wants to avoid that copy writes [`OutFrame`](crate::OutFrame)s or a
//! [`FrameQueue`](crate::FrameQueue) itself.

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use crate::error::{DecodeError, PacketError};
use crate::limits::Limits;
use crate::message::{Request, Response};
use crate::stream::{RequestDecoder, ResponseDecoder};

/// Errors from the tokio codecs: I/O, or a stream that does not decode.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The underlying reader or writer failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The incoming bytes do not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A message to send cannot be encoded (bad name, payload over 4 GiB).
    #[error(transparent)]
    Encode(#[from] PacketError),
}

/// The serving side of a connection (skynet's `clusteragent`): decodes [`Request`]s,
/// encodes [`Response`]s.
#[derive(Debug, Default)]
pub struct ServerCodec {
    decoder: RequestDecoder,
}

impl ServerCodec {
    /// A codec with these reassembly limits.
    pub fn new(limits: Limits) -> Self {
        ServerCodec {
            decoder: RequestDecoder::new(limits),
        }
    }
}

impl Decoder for ServerCodec {
    type Item = Request;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Request>, CodecError> {
        Ok(self.decoder.decode(src)?)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Request>, CodecError> {
        Ok(self.decoder.decode_eof(src)?)
    }
}

impl Encoder<Response> for ServerCodec {
    type Error = CodecError;

    fn encode(&mut self, item: Response, dst: &mut BytesMut) -> Result<(), CodecError> {
        Ok(item.write_frames(dst)?)
    }
}

/// The calling side of a connection (skynet's `clustersender`): decodes [`Response`]s,
/// encodes [`Request`]s.
#[derive(Debug, Default)]
pub struct ClientCodec {
    decoder: ResponseDecoder,
}

impl ClientCodec {
    /// A codec with these reassembly limits.
    pub fn new(limits: Limits) -> Self {
        ClientCodec {
            decoder: ResponseDecoder::new(limits),
        }
    }
}

impl Decoder for ClientCodec {
    type Item = Response;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Response>, CodecError> {
        Ok(self.decoder.decode(src)?)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Response>, CodecError> {
        Ok(self.decoder.decode_eof(src)?)
    }
}

impl Encoder<Request> for ClientCodec {
    type Error = CodecError;

    fn encode(&mut self, item: Request, dst: &mut BytesMut) -> Result<(), CodecError> {
        Ok(item.write_frames(dst)?)
    }
}

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
