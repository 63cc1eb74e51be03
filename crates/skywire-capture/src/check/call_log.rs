//! The skynet-side logs of a capture, as the capture folders hold them (their README is the
//! reference): `calls.jsonl`, one operation the calling node finished per line, and
//! `pushes.jsonl`, the arguments of each push the serving node received.
//!
//! ```
//! use skywire_capture::check::call_log::{parse_calls, LogOp, Outcome};
//! let log = parse_calls(r#"{"op":"call","addr":"@echo","args":["ping"],"ok":true,"ret":["ping"]}
//! {"op":"query","name":"nonexist","ok":false,"err":"call failed"}
//! {"op":"end"}
//! "#)?;
//! assert_eq!(log.len(), 2); // "end" is not an operation
//! assert!(matches!(&log[1].op, LogOp::Query { outcome: Outcome::Err(_), .. }));
//! assert_eq!(log[1].line, 2);
//! # Ok::<(), skywire_capture::check::call_log::LogError>(())
//! ```

use bytes::Bytes;
use serde_json::Value as Json;
use skywire_codec::Target;
use skywire_seri::Value;

/// How an operation ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// `ok: true`, with what came back (`ret`): the results of a call, or for a query the
    /// address as one integer.
    Ok(Vec<Value>),
    /// `ok: false`, with the caller's Lua error text (`err`; not the error response's text).
    Err(String),
}

/// One finished operation.
#[derive(Clone, Debug, PartialEq)]
pub enum LogOp {
    /// `cluster.call`.
    Call {
        /// Target as the Lua code gave it.
        target: Target,
        /// Arguments, hash parts in wire order.
        args: Vec<Value>,
        /// Result.
        outcome: Outcome,
    },
    /// `cluster.send`.
    Send {
        /// Target.
        target: Target,
        /// Arguments, hash parts in wire order.
        args: Vec<Value>,
    },
    /// `cluster.query`.
    Query {
        /// The name asked for.
        name: Bytes,
        /// The address found, or the error.
        outcome: Outcome,
    },
}

/// A line of `calls.jsonl`.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    /// Line number, from 1.
    pub line: usize,
    /// The operation.
    pub op: LogOp,
}

/// A line of `pushes.jsonl`: the arguments a push delivered (hash parts in the receiver's
/// order).
#[derive(Clone, Debug, PartialEq)]
pub struct PushEntry {
    /// Line number, from 1.
    pub line: usize,
    /// The arguments.
    pub args: Vec<Value>,
}

/// A log line that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct LogError {
    /// Line number, from 1.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

fn err(line: usize, reason: impl Into<String>) -> LogError {
    LogError {
        line,
        reason: reason.into(),
    }
}

/// The non-empty lines of a JSON-lines text, parsed, with their line numbers.
fn json_lines(text: &str) -> impl Iterator<Item = Result<(usize, Json), LogError>> + '_ {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map(|j| (i + 1, j))
                .map_err(|e| err(i + 1, format!("not JSON: {e}")))
        })
}

/// Reads `calls.jsonl`. The closing `{"op":"end"}` line is checked for but not returned.
pub fn parse_calls(text: &str) -> Result<Vec<LogEntry>, LogError> {
    let mut out = Vec::new();
    for item in json_lines(text) {
        let (line, j) = item?;
        let field = |name: &str| j.get(name).ok_or_else(|| err(line, format!("no `{name}`")));
        let op = field("op")?
            .as_str()
            .ok_or_else(|| err(line, "`op` is not a string"))?;
        let values = |name: &str| {
            skywire_seri::values_from_json(field(name)?)
                .map_err(|e| err(line, format!("`{name}` {e}")))
        };
        let target = || -> Result<Target, LogError> {
            match field("addr")? {
                Json::String(s) => Target::name(Bytes::copy_from_slice(s.as_bytes()))
                    .map_err(|e| err(line, e.to_string())),
                Json::Number(n) => n
                    .as_u64()
                    .and_then(|a| u32::try_from(a).ok())
                    .map(Target::Address)
                    .ok_or_else(|| err(line, "`addr` is not a 32-bit address")),
                _ => Err(err(line, "`addr` is neither a name nor an address")),
            }
        };
        let ok = || -> Result<bool, LogError> {
            field("ok")?
                .as_bool()
                .ok_or_else(|| err(line, "`ok` is not a boolean"))
        };
        let error_text = || -> Result<Outcome, LogError> {
            Ok(Outcome::Err(
                field("err")?
                    .as_str()
                    .ok_or_else(|| err(line, "`err` is not a string"))?
                    .to_owned(),
            ))
        };
        let op = match op {
            "end" => continue,
            "call" => LogOp::Call {
                target: target()?,
                args: values("args")?,
                outcome: if ok()? {
                    Outcome::Ok(values("ret")?)
                } else {
                    error_text()?
                },
            },
            "send" => LogOp::Send {
                target: target()?,
                args: values("args")?,
            },
            "query" => LogOp::Query {
                name: Bytes::copy_from_slice(
                    field("name")?
                        .as_str()
                        .ok_or_else(|| err(line, "`name` is not a string"))?
                        .as_bytes(),
                ),
                outcome: if ok()? {
                    let v = skywire_seri::from_json(field("ret")?)
                        .map_err(|e| err(line, format!("`ret` {e}")))?;
                    Outcome::Ok(vec![v])
                } else {
                    error_text()?
                },
            },
            other => return Err(err(line, format!("unknown op {other:?}"))),
        };
        out.push(LogEntry { line, op });
    }
    Ok(out)
}

/// Reads `pushes.jsonl`.
pub fn parse_pushes(text: &str) -> Result<Vec<PushEntry>, LogError> {
    json_lines(text)
        .map(|item| {
            let (line, j) = item?;
            let args = skywire_seri::values_from_json(&j).map_err(|e| err(line, e.to_string()))?;
            Ok(PushEntry { line, args })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_name_their_number() {
        let e = parse_calls("{\"op\":\"end\"}\n\n{\"op\":\"call\",\"addr\":true}\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.reason.contains("addr"), "{e}");
        assert_eq!(parse_pushes("[1]\nnope\n").unwrap_err().line, 2);
        assert_eq!(parse_calls("{\"op\":\"dance\"}").unwrap_err().line, 1);
    }

    #[test]
    fn targets_and_outcomes() {
        let log = parse_calls(
            r#"{"op":"send","addr":10,"args":["push by number",7]}
{"op":"call","addr":".echo","args":[],"ok":false,"err":"boom"}
{"op":"query","name":"echo","ok":true,"ret":10}"#,
        )
        .unwrap();
        assert_eq!(
            log[0].op,
            LogOp::Send {
                target: Target::Address(10),
                args: vec![Value::from("push by number"), Value::from(7)]
            }
        );
        assert_eq!(
            log[1].op,
            LogOp::Call {
                target: Target::name(".echo").unwrap(),
                args: vec![],
                outcome: Outcome::Err("boom".into())
            }
        );
        assert_eq!(
            log[2].op,
            LogOp::Query {
                name: Bytes::from_static(b"echo"),
                outcome: Outcome::Ok(vec![Value::from(10)])
            }
        );
    }
}
