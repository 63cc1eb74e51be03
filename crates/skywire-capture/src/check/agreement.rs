//! Agreement of decoded traffic with the skynet-side logs ([`crate::check::call_log`]).
//!
//! `calls.jsonl` lists operations in the order they finished, which is not the wire order
//! when they ran concurrently, so requests are matched to log lines by content: a log line
//! `call` / `send` stands for the request with the same target whose payload is exactly
//! `skynet.pack(args...)` (the log keeps hash pairs in wire order), a `query` for the
//! request to address 0 whose payload is `skynet.pack(name)`. Identical operations may
//! repeat: lines and requests are matched as multisets, each used once, preferring a line
//! whose outcome agrees with the response. Then:
//!
//! - `call` with `ok: true`: the response to that request's session is ok and carries
//!   `ret` (hash parts compared unordered: the echo rebuilt the tables);
//! - `call` / `query` with `ok: false`: the response is an error (the log's text is the
//!   caller's Lua error, not the wire text, so it is not compared);
//! - `query` with `ok: true`: the response carries the address;
//! - `pushes.jsonl`: each push request's arguments are one line's (unordered hash parts).
//!
//! Every request must match exactly one line and every line one request.

use std::collections::HashMap;

use bytes::Bytes;
use skywire_codec::{Request, RequestKind, Response, Target};
use skywire_seri::{values_content_eq, Value};

use crate::check::call_log::{LogEntry, LogOp, Outcome, PushEntry};
use crate::format::human::{cut, display_cut, values_cut};

/// Characters of values shown in a disagreement.
const SHOW: usize = 120;

/// A request seen on the wire, with the response to it (if any).
#[derive(Clone, Debug)]
pub struct Exchange {
    /// Where the request is (file, connection, offset), for messages.
    pub place: String,
    /// The request.
    pub request: Request,
    /// The response to its session, if one came.
    pub response: Option<Response>,
}

/// A way the traffic and the logs disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    /// Where: a request's place, or `log line N`.
    pub place: String,
    /// What.
    pub what: String,
}

fn short(values: &[Value]) -> String {
    values_cut(values, Some(SHOW))
}

fn describe(req: &Request) -> String {
    format!(
        "{} {} session {} ({} bytes)",
        req.kind().as_str(),
        req.target,
        req.session,
        req.payload.len()
    )
}

/// What a log line says went on the wire: kind, target and exact payload.
fn expected_request(op: &LogOp) -> Result<(RequestKind, Target, Bytes), String> {
    let pack = |v: &[Value]| skywire_seri::pack(v).map_err(|e| format!("cannot pack: {e}"));
    Ok(match op {
        LogOp::Call { target, args, .. } => (RequestKind::Call, target.clone(), pack(args)?),
        LogOp::Send { target, args } => (RequestKind::Push, target.clone(), pack(args)?),
        LogOp::Query { name, .. } => (
            RequestKind::Query,
            Target::QUERY,
            pack(&[Value::String(name.clone())])?,
        ),
    })
}

/// Whether the response agrees with the line's outcome; `Err` says how it does not.
fn outcome_agrees(op: &LogOp, response: Option<&Response>) -> Result<(), String> {
    let outcome = match op {
        LogOp::Send { .. } => return Ok(()),
        LogOp::Call { outcome, .. } | LogOp::Query { outcome, .. } => outcome,
    };
    let Some(resp) = response else {
        return Err("the log has a result but the capture has no response".into());
    };
    match (outcome, resp.ok) {
        (Outcome::Err(_), false) => Ok(()),
        (Outcome::Err(e), true) => Err(format!(
            "the log has an error ({}) but the response is ok",
            cut(e.clone(), Some(SHOW))
        )),
        (Outcome::Ok(_), false) => Err(format!(
            "the log has a result but the response is an error: {}",
            display_cut(&Value::string_from_slice(&resp.payload), Some(SHOW))
        )),
        (Outcome::Ok(want), true) => match skywire_seri::unpack(&resp.payload) {
            Err(e) => Err(format!("the response does not unpack: {e}")),
            Ok(got) if values_content_eq(&got, want) => Ok(()),
            Ok(got) => Err(format!(
                "the response carries {} but the log has {}",
                short(&got),
                short(want)
            )),
        },
    }
}

fn op_name(op: &LogOp) -> String {
    match op {
        LogOp::Call { target, .. } => format!("call {target}"),
        LogOp::Send { target, .. } => format!("send {target}"),
        LogOp::Query { name, .. } => {
            format!("query {}", Value::String(name.clone()))
        }
    }
}

/// Matches requests to `calls.jsonl` lines and, when given, pushes to `pushes.jsonl` lines
/// (see the [module docs](self)); everything that does not agree.
pub fn agree(
    exchanges: &[Exchange],
    calls: &[LogEntry],
    pushes: Option<&[PushEntry]>,
) -> Vec<Disagreement> {
    let mut out = Vec::new();
    let mut by_key: HashMap<(RequestKind, Target, Bytes), Vec<usize>> = HashMap::new();
    for (i, entry) in calls.iter().enumerate() {
        match expected_request(&entry.op) {
            Ok(key) => by_key.entry(key).or_default().push(i),
            Err(e) => out.push(Disagreement {
                place: format!("log line {}", entry.line),
                what: e,
            }),
        }
    }
    let mut used = vec![false; calls.len()];
    for ex in exchanges {
        let req = &ex.request;
        let key = (req.kind(), req.target.clone(), req.payload.clone());
        let candidates: Vec<usize> = by_key
            .get(&key)
            .map(|c| c.iter().copied().filter(|&i| !used[i]).collect())
            .unwrap_or_default();
        let agreeing = candidates
            .iter()
            .copied()
            .find(|&i| outcome_agrees(&calls[i].op, ex.response.as_ref()).is_ok());
        match (agreeing, candidates.first()) {
            (Some(i), _) => used[i] = true,
            (None, Some(&i)) => {
                used[i] = true;
                let why = outcome_agrees(&calls[i].op, ex.response.as_ref())
                    .err()
                    .unwrap_or_default();
                out.push(Disagreement {
                    place: ex.place.clone(),
                    what: format!("{} (log line {}): {why}", describe(req), calls[i].line),
                });
            }
            (None, None) => out.push(Disagreement {
                place: ex.place.clone(),
                what: format!("{} matches no line of the call log", describe(req)),
            }),
        }
    }
    for (i, entry) in calls.iter().enumerate() {
        if !used[i] {
            out.push(Disagreement {
                place: format!("log line {}", entry.line),
                what: format!("{}: no such request in the traffic", op_name(&entry.op)),
            });
        }
    }
    if let Some(pushes) = pushes {
        out.extend(agree_pushes(exchanges, pushes));
    }
    out
}

fn agree_pushes(exchanges: &[Exchange], pushes: &[PushEntry]) -> Vec<Disagreement> {
    let mut out = Vec::new();
    let mut used = vec![false; pushes.len()];
    for ex in exchanges.iter().filter(|e| e.request.push) {
        let args = match skywire_seri::unpack(&ex.request.payload) {
            Ok(a) => a,
            Err(e) => {
                out.push(Disagreement {
                    place: ex.place.clone(),
                    what: format!("push does not unpack: {e}"),
                });
                continue;
            }
        };
        let found = pushes
            .iter()
            .enumerate()
            .find(|(i, p)| !used[*i] && values_content_eq(&p.args, &args));
        match found {
            Some((i, _)) => used[i] = true,
            None => out.push(Disagreement {
                place: ex.place.clone(),
                what: format!(
                    "{} carrying {} matches no line of the push log",
                    describe(&ex.request),
                    short(&args)
                ),
            }),
        }
    }
    for (i, p) in pushes.iter().enumerate() {
        if !used[i] {
            out.push(Disagreement {
                place: format!("push log line {}", p.line),
                what: format!("push of {}: no such push in the traffic", short(&p.args)),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::call_log::{parse_calls, parse_pushes};
    use skywire_codec::Session;

    fn call(target: &str, session: u32, payload: &'static [u8]) -> Request {
        Request::call(
            Target::name(target.as_bytes().to_vec()).unwrap(),
            Session::new(session),
            Bytes::from_static(payload),
        )
    }

    fn ex(req: Request, resp: Option<Response>) -> Exchange {
        Exchange {
            place: format!("s{}", req.session),
            request: req,
            response: resp,
        }
    }

    // Payloads below are lua-seri written by hand from the format's rules:
    // 0x24 "ping" = short string of 4; 0x0a 0x07 = integer 7 (u8 form).
    #[test]
    fn identical_calls_match_by_outcome_in_any_order() {
        let log = parse_calls(
            r#"{"op":"call","addr":"@echo","args":["ping"],"ok":false,"err":"x"}
{"op":"call","addr":"@echo","args":["ping"],"ok":true,"ret":["ping"]}"#,
        )
        .unwrap();
        let ok = Response::ok(Session::new(1), Bytes::from_static(b"\x24ping"));
        let bad = Response::error(Session::new(2), "call failed");
        let traffic = [
            ex(call("@echo", 1, b"\x24ping"), Some(ok)),
            ex(call("@echo", 2, b"\x24ping"), Some(bad)),
        ];
        assert_eq!(agree(&traffic, &log, None), vec![]);
    }

    #[test]
    fn wrong_results_missing_and_extra_lines_are_reported() {
        let log = parse_calls(
            r#"{"op":"call","addr":"@echo","args":["ping"],"ok":true,"ret":["pong"]}
{"op":"send","addr":"@echo","args":[7]}"#,
        )
        .unwrap();
        let traffic = [
            ex(
                call("@echo", 1, b"\x24ping"),
                Some(Response::ok(
                    Session::new(1),
                    Bytes::from_static(b"\x24ping"),
                )),
            ),
            ex(call("@other", 2, b"\x24ping"), None),
        ];
        let d = agree(&traffic, &log, None);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d[0]
            .what
            .contains(r#"carries "ping" but the log has "pong""#));
        assert!(d[1].what.contains("matches no line"));
        assert_eq!(d[2].place, "log line 2");
    }

    #[test]
    fn pushes_compare_hash_parts_unordered() {
        // {a = 1, b = 2} packed with the hash pairs b, a: table with no array part (0x06),
        // "b" (0x0c 'b') 2 (0x0a 0x02), "a" 1, end (0x00).
        let payload = b"\x06\x0cb\x0a\x02\x0ca\x0a\x01\x00";
        let push = Request::push(
            Target::Address(10),
            Session::PUSH,
            Bytes::from_static(payload),
        );
        let log = parse_calls(
            r#"{"op":"send","addr":10,"args":[{"array":[],"hash":[["b",2],["a",1]]}]}"#,
        )
        .unwrap();
        let pushes = parse_pushes(r#"[{"array":[],"hash":[["a",1],["b",2]]}]"#).unwrap();
        assert_eq!(
            agree(&[ex(push.clone(), None)], &log, Some(&pushes)),
            vec![]
        );
        // In the call log, hash order is wire order: the other order is a different payload.
        let reordered = parse_calls(
            r#"{"op":"send","addr":10,"args":[{"array":[],"hash":[["a",1],["b",2]]}]}"#,
        )
        .unwrap();
        assert_eq!(agree(&[ex(push, None)], &reordered, None).len(), 2);
    }

    #[test]
    fn queries_carry_the_name_and_come_back_with_the_address() {
        let log = parse_calls(r#"{"op":"query","name":"echo","ok":true,"ret":10}"#).unwrap();
        let q = Request::call(
            Target::QUERY,
            Session::new(3),
            Bytes::from_static(b"\x24echo"),
        );
        let r = Response::ok(Session::new(3), Bytes::from_static(b"\x0a\x0a"));
        assert_eq!(agree(&[ex(q.clone(), Some(r))], &log, None), vec![]);
        let wrong = Response::ok(Session::new(3), Bytes::from_static(b"\x0a\x0b"));
        assert_eq!(agree(&[ex(q, Some(wrong))], &log, None).len(), 1);
    }
}
