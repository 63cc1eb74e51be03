//! `skywire call`, `skywire send`, `skywire query`: `cluster.call`, `cluster.send` and
//! `cluster.query` from the command line, to a node at `HOST:PORT`.

use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use skywire_codec::Target;
use skywire_node::{CallError, CallOptions, Node, Remote};
use skywire_seri::{parse_lua, LiteralError, Value};

use super::CmdResult;

/// What `call` and `send` share.
#[derive(clap::Args, Debug)]
pub struct Common {
    /// The node, `HOST:PORT` (what a skynet clustername file gives for it).
    pub addr: String,
    /// The service: `@name` (cluster name), `.name` (local name), or an address (`10`,
    /// `0x0a`).
    pub target: String,
    /// Arguments: Lua literals (`42`, `-1.5`, `true`, `nil`, `"quoted"`, `{1, 2, k = "v"}`)
    /// or bare words, taken as strings.
    #[arg(allow_hyphen_values = true)]
    pub args: Vec<String>,
    /// Give up after this many seconds (connecting, sending, waiting for the answer).
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// Send a trace tag before the request (skynet's `0x04` packet).
    #[arg(long, value_name = "TAG")]
    pub trace_tag: Option<String>,
}

/// Arguments of `skywire call`.
#[derive(clap::Args, Debug)]
pub struct CallArgs {
    #[command(flatten)]
    common: Common,
    /// Print the results as a JSON array in the JSON value form (as `skywire decode
    /// --json`) instead of Lua literals.
    #[arg(long)]
    json: bool,
}

/// Arguments of `skywire send`.
#[derive(clap::Args, Debug)]
pub struct SendArgs {
    #[command(flatten)]
    common: Common,
}

/// Arguments of `skywire query`.
#[derive(clap::Args, Debug)]
pub struct QueryArgs {
    /// The node, `HOST:PORT`.
    addr: String,
    /// The cluster name to look up (without `@`).
    name: String,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Print the address as JSON (an integer).
    #[arg(long)]
    json: bool,
}

/// Reads TARGET: `@name` / `.name` (any name skynet accepts, `:0000000a` included) or a
/// number, decimal or `0x` hex.
pub fn parse_target(text: &str) -> Result<Target, String> {
    if text.starts_with(['@', '.', ':']) {
        if text.len() < 2 {
            return Err(format!("invalid target {text:?}: the name is missing"));
        }
        return Target::name(Bytes::copy_from_slice(text.as_bytes()))
            .map_err(|e| format!("invalid target {text:?}: {e}"));
    }
    let number = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => text.parse::<u32>(),
    };
    number.map(Target::Address).map_err(|_| {
        format!("invalid target {text:?}: expected @name, .name or an address (10, 0x0a)")
    })
}

pub(crate) fn options(timeout: f64, trace_tag: Option<&str>) -> Result<CallOptions, String> {
    let timeout = Duration::try_from_secs_f64(timeout)
        .map_err(|_| format!("invalid --timeout {timeout}: seconds, at least 0"))?;
    let mut opts = CallOptions::new().timeout(timeout);
    if let Some(tag) = trace_tag {
        opts = opts.trace(tag.to_owned());
    }
    Ok(opts)
}

/// One command-line argument as a value: a Lua literal ([`skywire_seri::parse_lua`]:
/// `42`, `-1.5`, `0x0a`, `true`, `nil`, `"quoted\n"`, `'single'`, `{1, 2, k = "v"}`,
/// `math.huge`, `0/0`, ..., everything `Value`'s `Display` prints) or a bare word taken as a
/// string as it is (`GET`, `key1`, `hello world`), unless it starts like a string or table
/// literal (`"`, `'`, `{`, `[[`, `(`): then it must be one, and the error says where it is
/// wrong.
fn parse_arg(arg: &str) -> Result<Value, LiteralError> {
    match parse_lua(arg) {
        Ok(v) => Ok(v),
        Err(e) if looks_like_a_literal(arg) => Err(e),
        Err(_) => Ok(Value::string(arg.to_owned())),
    }
}

/// True when `arg` starts like a string, table or parenthesized literal.
fn looks_like_a_literal(arg: &str) -> bool {
    let t = arg.trim_start();
    t.starts_with(['"', '\'', '{', '(']) || t.starts_with("[[") || t.starts_with("[=")
}

pub(crate) fn parse_args(args: &[String]) -> Result<Vec<Value>, String> {
    args.iter()
        .enumerate()
        .map(|(i, a)| parse_arg(a).map_err(|e| format!("argument {} ({a:?}): {e}", i + 1)))
        .collect()
}

/// Runs `f` with a handle to the node at `addr` on a small runtime, then closes the
/// connection once the peer confirmed any push (`Remote::close`): a push that may not have
/// arrived is an error, not a silent success.
pub(crate) fn with_remote<T>(
    addr: &str,
    f: impl AsyncFnOnce(&Remote) -> Result<T, CallError>,
) -> Result<Result<T, CallError>, Box<dyn std::error::Error + Send + Sync>> {
    let rt = super::runtime::with_threads(1)?;
    Ok(rt.block_on(async {
        let node = Node::new();
        let remote = node.remote_at(addr);
        let out = f(&remote).await;
        let closed = remote.close().await;
        out.and_then(|v| closed.map(|()| v))
    }))
}

/// Prints an error response on stderr and gives the exit code, or passes other errors on.
pub(crate) fn report(name: &str, e: CallError) -> CmdResult {
    match e {
        CallError::Remote { text, .. } => {
            eprintln!(
                "skywire {name}: error response: {}",
                String::from_utf8_lossy(&text)
            );
            Ok(ExitCode::FAILURE)
        }
        other => Err(other.into()),
    }
}

/// Prints results as `skywire call` does: Lua literals on one line, or a JSON array.
pub(crate) fn print_results(ret: &[Value], json: bool) -> std::io::Result<()> {
    if json {
        outln!("{}", skywire_seri::values_to_json(ret))
    } else {
        let line: Vec<String> = ret.iter().map(Value::to_string).collect();
        outln!("{}", line.join(", "))
    }
}

/// Runs `skywire call`.
pub fn run_call(args: CallArgs) -> CmdResult {
    let c = &args.common;
    let target = parse_target(&c.target)?;
    let values = parse_args(&c.args)?;
    let opts = options(c.timeout, c.trace_tag.as_deref())?;
    let result = with_remote(&c.addr, async |r: &Remote| {
        r.call_with(target, &values, &opts).await
    })?;
    match result {
        Ok(ret) => {
            print_results(&ret, args.json)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => report("call", e),
    }
}

/// Runs `skywire send`.
pub fn run_send(args: SendArgs) -> CmdResult {
    let c = &args.common;
    let target = parse_target(&c.target)?;
    let values = parse_args(&c.args)?;
    let opts = options(c.timeout, c.trace_tag.as_deref())?;
    match with_remote(&c.addr, async |r: &Remote| {
        r.send_with(target, &values, &opts).await
    })? {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => report("send", e),
    }
}

/// Runs `skywire query`.
pub fn run_query(args: QueryArgs) -> CmdResult {
    let opts = options(args.timeout, None)?;
    match with_remote(&args.addr, async |r: &Remote| {
        r.query_with(&args.name, &opts).await
    })? {
        Ok(address) => {
            if args.json {
                outln!("{}", serde_json::Value::from(address))?;
            } else {
                outln!("{address}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => report("query", e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use skywire_seri::{LiteralErrorKind, Table};

    #[test]
    fn arguments_are_literals_or_bare_words() {
        assert_eq!(parse_arg("42").unwrap(), Value::Integer(42));
        assert_eq!(parse_arg("GET").unwrap(), Value::string("GET"));
        assert_eq!(parse_arg("\"GET\"").unwrap(), Value::string("GET"));
        assert_eq!(
            parse_arg("{1, k = 'v'}").unwrap().to_string(),
            r#"{1, k = "v"}"#
        );
        assert!(parse_arg("{1, 2").is_err());
    }

    #[test]
    fn bare_words_and_literals() {
        assert_eq!(
            parse_arg("hello world").unwrap(),
            Value::string("hello world")
        );
        assert_eq!(parse_arg("").unwrap(), Value::string(""));
        assert_eq!(parse_arg("-").unwrap(), Value::string("-"));
        assert_eq!(parse_arg("1st").unwrap(), Value::string("1st"));
        assert_eq!(parse_arg("nil").unwrap(), Value::Nil);
        assert_eq!(parse_arg("false").unwrap(), Value::Boolean(false));
        assert_eq!(parse_arg("-1.5").unwrap(), Value::Real(-1.5));
        assert_eq!(parse_arg("0x0a").unwrap(), Value::Integer(10));
        assert_eq!(parse_arg("'x'").unwrap(), Value::string("x"));
        assert_eq!(parse_arg("[[long]]").unwrap(), Value::string("long"));
        let e = parse_arg("\"unterminated").unwrap_err();
        assert_eq!(e.kind, LiteralErrorKind::UnfinishedString);
        let e = parse_arg("{1, k = }").unwrap_err();
        assert_eq!((e.line, e.column), (1, 9));
    }

    #[test]
    fn printed_values_read_back_as_arguments() {
        let mut t = Table::from_array(vec![Value::Integer(1), Value::string("two")]);
        t.push_pair("k", Value::Real(-0.0));
        t.push_pair(Value::Integer(i64::MIN), Value::LightUserdata(7));
        let v = Value::Table(t);
        assert!(parse_arg(&v.to_string()).unwrap().exact_eq(&v));
    }

    #[test]
    fn targets() {
        assert_eq!(parse_target("10"), Ok(Target::Address(10)));
        assert_eq!(parse_target("0x0a"), Ok(Target::Address(10)));
        assert_eq!(parse_target("0XFF"), Ok(Target::Address(255)));
        assert_eq!(parse_target("@echo"), Ok(Target::name("@echo").unwrap()));
        assert_eq!(parse_target(".echo"), Ok(Target::name(".echo").unwrap()));
        assert_eq!(
            parse_target(":0000000a"),
            Ok(Target::name(":0000000a").unwrap())
        );
        for bad in ["echo", "", "-1", "0x", "4294967296", "@"] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }
}
