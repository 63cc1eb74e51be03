//! One frame as one JSON object: the line form of `skywire decode --frames --json`.
//!
//! `{"conn":N?,"dir":"request"|"response","offset":N,"len":N,"type":N,"packet":P,"session":N?,"target":T?,"push":B?,"size":N?,"trace":S?}`
//!
//! - `offset`: stream offset of the frame's length header; `len`: bytes on the wire, header
//!   included; `type`: the packet type byte (requests: the first body byte; responses: the
//!   byte after the session).
//! - `packet`, request direction: `"request"` (`0x00`/`0x80`, a push when `session` is 0),
//!   `"multi-header"` (`0x01`/`0x41`/`0x81`/`0xc1`), `"part"` (`0x02`), `"last-part"`
//!   (`0x03`), `"trace"` (`0x04`); response direction: `"ok"`, `"error"`, `"multi-begin"`,
//!   `"part"`, `"last-part"`.
//! - `size`: the payload, data or text bytes the frame carries, or for a multi-part header
//!   the total it declares. `target` and `trace` as in [`crate::format::message_json`].
//!
//! ```
//! use bytes::Bytes;
//! use skywire_capture::format::frame_json::frame_record;
//! use skywire_capture::dissect::Packet;
//! use skywire_codec::{Frame, RequestPacket};
//! let body = Bytes::from_static(b"\x80\x05@echo\x01\x00\x00\x00\x24ping");
//! let frame = Frame { offset: 0, body: body.clone() };
//! let packet = Packet::Request(RequestPacket::parse(&body)?);
//! assert_eq!(
//!     frame_record(&frame, &packet, Some(0)).to_json_line(),
//!     r#"{"conn":0,"dir":"request","offset":0,"len":18,"type":128,"packet":"request","session":1,"target":"@echo","push":false,"size":5}"#
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use skywire_codec::{Frame, RequestPacket, ResponsePacket};

use crate::dissect::Packet;
use crate::format::message_json::{bytes_json, target_json};

/// One frame as a JSON object (see the [module docs](self)).
// Every `Option` field is left out of the JSON when it is `None` (and `None` when missing).
#[serde_with_macros::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameRecord {
    /// Connection number in a capture file.
    pub conn: Option<usize>,
    /// `"request"` or `"response"`.
    pub dir: String,
    /// Stream offset of the frame.
    pub offset: u64,
    /// Bytes on the wire, header included.
    pub len: usize,
    /// The packet type byte.
    #[serde(rename = "type")]
    pub ty: u8,
    /// The packet's name (see the module docs).
    pub packet: String,
    /// The session, for every packet but a trace tag.
    pub session: Option<u32>,
    /// Requests and multi-part headers: the target.
    pub target: Option<Json>,
    /// Requests and multi-part headers: true for a push.
    pub push: Option<bool>,
    /// Bytes carried, or declared by a multi-part header.
    pub size: Option<u64>,
    /// Trace tags: the tag.
    pub trace: Option<Json>,
}

impl FrameRecord {
    /// The record as one line of JSON, keys in schema order.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The record of one frame (`conn`: its connection in a capture).
pub fn frame_record(frame: &Frame, packet: &Packet, conn: Option<usize>) -> FrameRecord {
    let mut r = FrameRecord {
        conn,
        dir: String::new(),
        offset: frame.offset,
        len: frame.wire_len(),
        ty: 0,
        packet: String::new(),
        session: None,
        target: None,
        push: None,
        size: None,
        trace: None,
    };
    match packet {
        Packet::Request(p) => {
            r.dir = "request".into();
            r.ty = p.type_byte();
            r.session = p.session().map(|s| s.get());
            match p {
                RequestPacket::Request {
                    target,
                    session,
                    payload,
                } => {
                    r.packet = "request".into();
                    r.target = Some(target_json(target));
                    r.push = Some(session.is_push());
                    r.size = Some(payload.len() as u64);
                }
                RequestPacket::MultiHeader {
                    target, size, push, ..
                } => {
                    r.packet = "multi-header".into();
                    r.target = Some(target_json(target));
                    r.push = Some(*push);
                    r.size = Some(u64::from(*size));
                }
                RequestPacket::Part { data, last, .. } => {
                    r.packet = if *last { "last-part" } else { "part" }.into();
                    r.size = Some(data.len() as u64);
                }
                RequestPacket::Trace { tag } => {
                    r.packet = "trace".into();
                    r.trace = Some(bytes_json(tag));
                }
            }
        }
        Packet::Response(p) => {
            r.dir = "response".into();
            r.ty = p.type_byte();
            r.session = Some(p.session().get());
            let (name, size) = match p {
                ResponsePacket::Ok { payload, .. } => ("ok", payload.len() as u64),
                ResponsePacket::Error { text, .. } => ("error", text.len() as u64),
                ResponsePacket::MultiBegin { size, .. } => ("multi-begin", u64::from(*size)),
                ResponsePacket::Part { data, last, .. } => {
                    (if *last { "last-part" } else { "part" }, data.len() as u64)
                }
            };
            r.packet = name.into();
            r.size = Some(size);
        }
    }
    r
}
