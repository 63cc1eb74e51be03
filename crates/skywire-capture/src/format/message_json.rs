//! One decoded message as one JSON object: the line form of `skywire decode --json`, also
//! written by `skywire node --trace FILE`.
//!
//! The schema (keys in this order; `conn` only when the message came from a capture file with
//! connections, numbered from 0 in order of appearance):
//!
//! - request: `{"conn":N?,"dir":"request","kind":"call"|"push"|"query","session":N,"target":T,"trace":S?,"size":N,"crc32":N,"args":[V...]}`
//! - ok response: `{"conn":N?,"dir":"response","session":N,"ok":true,"size":N,"crc32":N,"values":[V...]}`
//! - error response: `{"conn":N?,"dir":"response","session":N,"ok":false,"size":N,"crc32":N,"error":S}`
//!
//! `T` is the target name as a JSON string (`"@echo"`, `".echo"`) or the numeric address as
//! a JSON integer; `kind` is `query` for address 0; `size` is the (reassembled) payload
//! length and `crc32` its CRC-32 (IEEE). `V` is a value in the JSON form of
//! [`skywire_seri::to_json`]; `S` (trace tag, error text, and a name that is not clean text)
//! uses the same form as a string value: a JSON string, or `{"bytes":"<hex>"}`.
//!
//! A payload that is not valid lua-seri gets `"undecodable":"<reason>"` instead of
//! `args` / `values`.
//!
//! ```
//! use bytes::Bytes;
//! use skywire_codec::{Request, Response, Session, Target};
//! use skywire_capture::format::message_json::{request_record, response_record};
//!
//! let req = Request::call(Target::name("@echo")?, Session::new(1), Bytes::from_static(b"\x24ping"));
//! assert_eq!(
//!     request_record(&req, Some(0)).to_json_line(),
//!     r#"{"conn":0,"dir":"request","kind":"call","session":1,"target":"@echo","size":5,"crc32":4143094840,"args":["ping"]}"#
//! );
//! let err = Response::error(Session::new(1), "Invalid name");
//! assert_eq!(
//!     response_record(&err, None).to_json_line(),
//!     r#"{"dir":"response","session":1,"ok":false,"size":12,"crc32":3495684504,"error":"Invalid name"}"#
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use skywire_codec::{Request, Response, Target};
use skywire_seri::Value;

/// One message as a JSON object of the `--json` schema (see the [module docs](self)).
///
/// Build one with [`request_record`] / [`response_record`] (or [`request_record_with`] /
/// [`response_record_with`] when the payload is already unpacked); print it with
/// [`to_json_line`](Self::to_json_line). Fields that do not apply are `None` and left out
/// of the JSON.
// Every `Option` field is left out of the JSON when it is `None` (and `None` when missing).
#[serde_with_macros::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Connection number in a capture file (0 = first connection seen).
    pub conn: Option<usize>,
    /// `"request"` or `"response"`.
    pub dir: String,
    /// Requests: `"call"`, `"push"` or `"query"`.
    pub kind: Option<String>,
    /// The session on the wire (0 for a small push).
    pub session: u32,
    /// Requests: the target, a name (JSON string, or `{"bytes":..}`) or an address (integer).
    pub target: Option<Json>,
    /// Requests: the trace tag sent before it, if any (string form of a value).
    pub trace: Option<Json>,
    /// Responses: true for a result, false for an error.
    pub ok: Option<bool>,
    /// Payload length in bytes (the error text's length for an error response).
    pub size: usize,
    /// CRC-32 (IEEE) of the payload.
    pub crc32: u32,
    /// Requests: the unpacked arguments, as a JSON array of values.
    pub args: Option<Json>,
    /// Ok responses: the unpacked results, as a JSON array of values.
    pub values: Option<Json>,
    /// Error responses: the error text (string form of a value).
    pub error: Option<Json>,
    /// Why the payload could not be unpacked, instead of `args` / `values`.
    pub undecodable: Option<String>,
}

impl Record {
    /// The record as one line of JSON (no trailing newline), keys in schema order.
    pub fn to_json_line(&self) -> String {
        // Serializing a struct of strings, integers and JSON values cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The record as a JSON value (an object; key order is then `serde_json`'s).
    pub fn to_value(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

/// A byte string in the JSON form of a Lua string: a JSON string when it is clean UTF-8
/// text, `{"bytes":"<hex>"}` otherwise.
pub fn bytes_json(bytes: &[u8]) -> Json {
    skywire_seri::to_json(&Value::string_from_slice(bytes))
}

/// The JSON form of a target: the name (see [`bytes_json`]) or the address as an integer.
pub fn target_json(target: &Target) -> Json {
    match target {
        Target::Address(a) => Json::from(*a),
        Target::Name(n) => bytes_json(n),
    }
}

/// The JSON array of a decoded argument or result list.
fn values_json(values: &[Value]) -> Json {
    skywire_seri::values_to_json(values)
}

/// The record of a request, unpacking its payload (`conn`: its connection in a capture).
pub fn request_record(req: &Request, conn: Option<usize>) -> Record {
    let args = skywire_seri::unpack(&req.payload).map_err(|e| e.to_string());
    request_record_with(req, conn, args.as_deref().map_err(String::as_str))
}

/// The record of a request whose payload the caller already unpacked (`Err`: the reason it
/// is undecodable).
pub fn request_record_with(
    req: &Request,
    conn: Option<usize>,
    args: Result<&[Value], &str>,
) -> Record {
    let (args, undecodable) = split(args);
    Record {
        conn,
        dir: "request".into(),
        kind: Some(req.kind().as_str().into()),
        session: req.session.get(),
        target: Some(target_json(&req.target)),
        trace: req.trace.as_deref().map(bytes_json),
        ok: None,
        size: req.payload.len(),
        crc32: crc32fast::hash(&req.payload),
        args,
        values: None,
        error: None,
        undecodable,
    }
}

/// The record of a response, unpacking an ok payload (`conn`: its connection in a capture).
pub fn response_record(resp: &Response, conn: Option<usize>) -> Record {
    if resp.ok {
        let values = skywire_seri::unpack(&resp.payload).map_err(|e| e.to_string());
        response_record_with(resp, conn, values.as_deref().map_err(String::as_str))
    } else {
        response_record_with(resp, conn, Ok(&[]))
    }
}

/// The record of a response whose ok payload the caller already unpacked (`Err`: the reason
/// it is undecodable). For an error response `values` is ignored: the payload is the text.
pub fn response_record_with(
    resp: &Response,
    conn: Option<usize>,
    values: Result<&[Value], &str>,
) -> Record {
    let (values, undecodable, error) = if resp.ok {
        let (v, u) = split(values);
        (v, u, None)
    } else {
        (None, None, Some(bytes_json(&resp.payload)))
    };
    Record {
        conn,
        dir: "response".into(),
        kind: None,
        session: resp.session.get(),
        target: None,
        trace: None,
        ok: Some(resp.ok),
        size: resp.payload.len(),
        crc32: crc32fast::hash(&resp.payload),
        args: None,
        values,
        error,
        undecodable,
    }
}

fn split(values: Result<&[Value], &str>) -> (Option<Json>, Option<String>) {
    match values {
        Ok(v) => (Some(values_json(v)), None),
        Err(reason) => (None, Some(reason.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use skywire_codec::Session;

    #[test]
    fn crc_is_ieee() {
        // The standard check value of CRC-32/ISO-HDLC.
        let r = request_record(
            &Request::call(
                Target::Address(10),
                Session::new(1),
                Bytes::from_static(b"123456789"),
            ),
            None,
        );
        assert_eq!(r.crc32, 0xcbf4_3926);
        // "123456789" is not lua-seri ('1' = 0x31: type 1, cookie 6: no such boolean).
        assert!(r.undecodable.is_some());
        assert!(r.args.is_none());
        assert_eq!(r.target, Some(Json::from(10)));
    }

    #[test]
    fn push_query_and_trace() {
        let push = Request::push(Target::name(".echo").unwrap(), Session::PUSH, Bytes::new());
        let line = request_record(&push, None).to_json_line();
        assert_eq!(
            line,
            r#"{"dir":"request","kind":"push","session":0,"target":".echo","size":0,"crc32":0,"args":[]}"#
        );
        let q = Request::call(
            Target::QUERY,
            Session::new(7),
            Bytes::from_static(b"\x24echo"),
        )
        .with_trace(Bytes::from_static(b"\xfftag"));
        let r = request_record(&q, Some(3));
        assert_eq!(r.kind.as_deref(), Some("query"));
        assert_eq!(r.target, Some(Json::from(0)));
        assert_eq!(r.trace, Some(serde_json::json!({"bytes": "ff746167"})));
        assert_eq!(r.args, Some(serde_json::json!(["echo"])));
    }

    #[test]
    fn ok_response_values_and_round_trip() {
        // pack(1.5, "x"): real (0x42 + 8 LE bytes), short string of 1.
        let payload = Bytes::from_static(b"\x42\x00\x00\x00\x00\x00\x00\xf8\x3f\x0cx");
        let r = response_record(&Response::ok(Session::new(9), payload), None);
        assert_eq!(r.values, Some(serde_json::json!([{"real": 1.5}, "x"])));
        let back: Record = serde_json::from_str(&r.to_json_line()).unwrap();
        assert_eq!(back, r);
    }
}
