//! Caller scripts: JSON Lines, one operation per line, in the captures' JSON value form.
//!
//! ```text
//! {"op":"call","addr":"@echo","args":[V...],"ok":true,"ret":[V...]}
//! {"op":"call","addr":"@echo","args":["traced",1],"trace":true,"ok":true,"ret":["traced",1]}
//! {"op":"call","addr":10,"args":[...],"ok":false}
//! {"op":"send","addr":".echo","args":[...]}
//! {"op":"query","name":"echo","ok":true,"ret":10}
//! ```
//!
//! `addr` is `"@name"`, `".name"` or a number; `trace` asks for a trace tag before the call
//! (its bytes are the caller's own); `ok`/`ret` are what the contract answers (hash parts of
//! `ret` compare unordered). Steps run one at a time, in order.

use serde_json::Value as Json;
use skywire_codec::Target;
use skywire_seri::Value;

/// The built-in script: the operations of the captures' `basic` scenario
/// (`conform/caller/basic.jsonl`, made from `tests/captures/basic/calls.jsonl`).
pub const BASIC: &str = include_str!("../../../../conform/caller/basic.jsonl");

/// What skynet's sender wrote for [`BASIC`]: `tests/captures/basic/requests.bin`.
pub const BASIC_EXPECTED: &[u8] = include_bytes!("../../../../tests/captures/basic/requests.bin");

/// One operation.
#[derive(Clone, Debug)]
pub enum Step {
    /// `cluster.call`.
    Call {
        /// Where to.
        target: Target,
        /// The arguments.
        args: Vec<Value>,
        /// A trace tag goes first.
        trace: bool,
        /// `Some(values)`: the call succeeds with these; `None`: it fails.
        ret: Option<Vec<Value>>,
    },
    /// `cluster.send`.
    Send {
        /// Where to.
        target: Target,
        /// The arguments.
        args: Vec<Value>,
    },
    /// `cluster.query`.
    Query {
        /// The name asked for.
        name: String,
        /// `Some(address)`, or `None`: the query fails.
        ret: Option<u32>,
    },
}

/// A script line that does not read.
#[derive(Debug, thiserror::Error)]
#[error("caller script line {line}: {what}")]
pub struct ScriptError {
    /// 1-based.
    pub line: usize,
    /// What is wrong.
    pub what: String,
}

fn target(j: &Json) -> Result<Target, String> {
    match j {
        Json::String(s) => Target::name(s.clone().into_bytes()).map_err(|e| e.to_string()),
        Json::Number(n) => n
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(Target::Address)
            .ok_or_else(|| format!("address {n} is not a u32")),
        other => Err(format!("addr must be a name or a number, not {other}")),
    }
}

fn values(j: &Json, field: &str) -> Result<Vec<Value>, String> {
    skywire_seri::values_from_json(j).map_err(|e| format!("{field}: {e}"))
}

fn step(j: &Json) -> Result<Step, String> {
    let ok = j["ok"].as_bool().unwrap_or(true);
    match j["op"].as_str() {
        Some("call") => Ok(Step::Call {
            target: target(&j["addr"])?,
            args: values(&j["args"], "args")?,
            trace: j["trace"].as_bool().unwrap_or(false),
            ret: if ok {
                Some(values(&j["ret"], "ret")?)
            } else {
                None
            },
        }),
        Some("send") => Ok(Step::Send {
            target: target(&j["addr"])?,
            args: values(&j["args"], "args")?,
        }),
        Some("query") => Ok(Step::Query {
            name: j["name"]
                .as_str()
                .ok_or("query without a name")?
                .to_string(),
            ret: if ok {
                let n = j["ret"].as_u64().and_then(|n| u32::try_from(n).ok());
                Some(n.ok_or("query ret must be an address")?)
            } else {
                None
            },
        }),
        other => Err(format!("unknown op {other:?}")),
    }
}

/// Reads a script.
pub fn parse(text: &str) -> Result<Vec<Step>, ScriptError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let err = |what: String| ScriptError { line: i + 1, what };
            let j: Json = serde_json::from_str(l).map_err(|e| err(e.to_string()))?;
            step(&j).map_err(err)
        })
        .collect()
}

impl Step {
    /// One line for reports: `call @echo ("ping")`.
    pub fn summary(&self) -> String {
        let t = |t: &Target| match t {
            Target::Address(a) => a.to_string(),
            Target::Name(n) => String::from_utf8_lossy(n).into_owned(),
        };
        let a = |args: &[Value]| crate::text::values(args, 60);
        match self {
            Step::Call {
                target,
                args,
                trace,
                ..
            } => {
                format!(
                    "call{} {} ({})",
                    if *trace { " (traced)" } else { "" },
                    t(target),
                    a(args)
                )
            }
            Step::Send { target, args } => format!("send {} ({})", t(target), a(args)),
            Step::Query { name, .. } => format!("query {name:?}"),
        }
    }
}
