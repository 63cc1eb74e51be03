//! The two sides of a connection as codecs over a byte buffer (features `tokio` and
//! `futures-io`): [`ServerCodec`] for the serving side, [`ClientCodec`] for the calling side.
//!
//! What they do is here, once; `tokio.rs` makes them tokio-util codecs and `futures_io.rs`
//! asynchronous-codec codecs, each a few lines that call these methods.
//!
//! The encoders copy frames into the `BytesMut` the framed writer writes from; a writer that
//! wants to avoid that copy writes [`OutFrame`](crate::OutFrame)s or a
//! [`FrameQueue`](crate::FrameQueue) itself.

use bytes::BytesMut;

use crate::error::{DecodeError, PacketError};
use crate::limits::Limits;
use crate::message::{Request, Response};
use crate::stream::{RequestDecoder, ResponseDecoder};

/// Errors from the codecs: I/O, or a stream that does not decode.
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

            /// The next whole message split off `src`, if it holds one.
            pub(crate) fn decode_buf(&mut self, src: &mut BytesMut) -> Result<Option<$in>, CodecError> {
                Ok(self.decoder.decode(src)?)
            }

            /// At the end of the stream: the last messages, then an error if the stream
            /// ended inside a frame or a multi-part message.
            pub(crate) fn decode_buf_eof(&mut self, src: &mut BytesMut) -> Result<Option<$in>, CodecError> {
                Ok(self.decoder.decode_eof(src)?)
            }

            /// Appends the frames of `item` to `dst`.
            pub(crate) fn encode_buf(&mut self, item: &$out, dst: &mut BytesMut) -> Result<(), CodecError> {
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

/// A framing crate's `Decoder` and `Encoder` for both codecs, over the methods above; the
/// crate's two traits must be in scope where it is used. tokio-util's `Encoder` takes the
/// item as a type parameter (`tokio`), asynchronous-codec's as an associated type
/// (`futures`); the rest is the same.
macro_rules! framing_traits {
    ($style:ident) => {
        $crate::codec::framing_traits!(@side $style ServerCodec decodes Request, encodes Response);
        $crate::codec::framing_traits!(@side $style ClientCodec decodes Response, encodes Request);
    };
    (@side $style:ident $codec:ident decodes $in:ident, encodes $out:ident) => {
        impl Decoder for $codec {
            type Item = $in;
            type Error = CodecError;

            fn decode(&mut self, src: &mut BytesMut) -> Result<Option<$in>, CodecError> {
                self.decode_buf(src)
            }

            fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<$in>, CodecError> {
                self.decode_buf_eof(src)
            }
        }

        $crate::codec::framing_traits!(@encoder $style $codec $out {
            type Error = CodecError;

            fn encode(&mut self, item: $out, dst: &mut BytesMut) -> Result<(), CodecError> {
                self.encode_buf(&item, dst)
            }
        });
    };
    (@encoder tokio $codec:ident $out:ident { $($body:tt)* }) => {
        impl Encoder<$out> for $codec {
            $($body)*
        }
    };
    (@encoder futures $codec:ident $out:ident { $($body:tt)* }) => {
        impl Encoder for $codec {
            type Item<'a> = $out;
            $($body)*
        }
    };
}

pub(crate) use framing_traits;
