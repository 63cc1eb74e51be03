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

/// Defines one side's codec: a stream decoder for what comes in, `write_frames` for what
/// goes out. The two sides differ only in their types.
macro_rules! codec {
    ($(#[$doc:meta])* $codec:ident: $decoder:ident decodes $in:ident, encodes $out:ident) => {
        $(#[$doc])*
        #[derive(Debug, Default)]
        pub struct $codec {
            decoder: $decoder,
        }

        impl $codec {
            /// A codec with these reassembly limits.
            pub fn new(limits: Limits) -> Self {
                $codec {
                    decoder: $decoder::new(limits),
                }
            }
        }

        impl Decoder for $codec {
            type Item = $in;
            type Error = CodecError;

            fn decode(&mut self, src: &mut BytesMut) -> Result<Option<$in>, CodecError> {
                Ok(self.decoder.decode(src)?)
            }

            fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<$in>, CodecError> {
                Ok(self.decoder.decode_eof(src)?)
            }
        }

        impl Encoder<$out> for $codec {
            type Error = CodecError;

            fn encode(&mut self, item: $out, dst: &mut BytesMut) -> Result<(), CodecError> {
                Ok(item.write_frames(dst)?)
            }
        }
    };
}

codec!(
    /// The serving side of a connection (skynet's `clusteragent`): decodes [`Request`]s,
    /// encodes [`Response`]s.
    ServerCodec: RequestDecoder decodes Request, encodes Response
);

codec!(
    /// The calling side of a connection (skynet's `clustersender`): decodes [`Response`]s,
    /// encodes [`Request`]s.
    ClientCodec: ResponseDecoder decodes Response, encodes Request
);

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
