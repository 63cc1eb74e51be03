//! `.service`: the node's answers to the queries skynet code sends its service manager
//! (`service/service_mgr.lua`), which is how `cluster.snax(node, name)` finds a snax
//! service: `cluster.call(node, ".service", "QUERY", "snaxd", name)`.
//!
//! skynet's service manager answers every command with a normal response: the result, or
//! `nil, error text` when the command failed (`skynet.ret(skynet.pack(nil, r))`). Here:
//!
//! - `"QUERY", "snaxd", name` and `"GQUERY", "snaxd", name`: the address of the snax
//!   service `name` ([`Node::register_snax`](crate::Node::register_snax)); skynet keeps the
//!   unique (`QUERY`) and global (`GQUERY`) services apart, a Rust node has one set.
//!   `"QUERY", name` (not `snaxd`): the address of the other service `name`.
//! - An unknown name: `nil, "... not found"` at once. skynet waits until a service of
//!   that name is launched, which for a name that never comes is forever (the caller
//!   hangs; recorded against live skynet in the node README).
//! - `"LIST"`: `{ name = ":0000000a", ["snaxd.name"] = ... }`, as skynet lists them.
//! - `"LAUNCH"` / `"GLAUNCH"`: `nil, text`: a Rust node starts no services on request.
//! - Anything else: `nil, "Invalid command X"`, skynet's text.
//!
//! A user service registered as `service` takes `.service` instead.

use skywire_seri::{Table, Value};

use crate::registry::Registry;

/// The local name of skynet's service manager, as a cluster target.
pub(crate) const SERVICE_MANAGER: &str = ".service";

/// The name under which `.service` knows snax services (`"QUERY", "snaxd", name`);
/// `@snaxd` is its global form.
const SNAXD: &str = "snaxd";

/// The answer to one request to `.service` (a normal response's values).
pub(crate) fn answer(registry: &Registry, args: &[Value]) -> Vec<Value> {
    let failed = |text: String| vec![Value::Nil, Value::from(text)];
    let command = match args.first() {
        Some(Value::String(s)) => String::from_utf8_lossy(s).into_owned(),
        Some(other) => return failed(format!("Invalid command {other}")),
        None => return failed("Invalid command nil".into()),
    };
    match command.as_str() {
        "QUERY" | "GQUERY" => {
            let Some(service) = args.get(1).and_then(Value::as_str) else {
                return failed(format!("{command}: expected a service name"));
            };
            // service_mgr's read_name: "@snaxd" is "snaxd".
            let service = service.strip_prefix('@').unwrap_or(service);
            let (name, snax) = if service == SNAXD {
                match args.get(2).and_then(Value::as_str) {
                    Some(n) => (n, true),
                    None => {
                        return failed(format!("{command} snaxd: expected a snax service name"))
                    }
                }
            } else {
                (service, false)
            };
            match registry.address_of_kind(name, snax) {
                Some(a) => vec![Value::Integer(i64::from(a))],
                None if snax => failed(format!("snax service {name} not found")),
                None => failed(format!("service {name} not found")),
            }
        }
        "LIST" => {
            let mut t = Table::default();
            for s in registry.list() {
                let key = if s.snax {
                    format!("{SNAXD}.{}", s.name)
                } else {
                    s.name
                };
                t.push_pair(key, format!(":{:08x}", s.address));
            }
            vec![Value::Table(t)]
        }
        "LAUNCH" | "GLAUNCH" => failed(format!(
            "{command}: a skywire node does not launch services on request"
        )),
        other => failed(format!("Invalid command {other}")),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::metrics::Metrics;
    use crate::service::sync_service_fn;
    use crate::snax_interface::SnaxInterface;

    fn registry() -> Registry {
        let mut r = Registry::default();
        let svc = || Arc::new(sync_service_fn(|r| Ok(r.args)));
        r.register("echo", Some(10), svc(), &Metrics::default())
            .unwrap();
        r.register_snax(
            "counter",
            Some(11),
            svc(),
            SnaxInterface::new(),
            &Metrics::default(),
        )
        .unwrap();
        r
    }

    fn ask(r: &Registry, args: &[&str]) -> String {
        let args: Vec<Value> = args.iter().map(|a| Value::from(*a)).collect();
        let out: Vec<String> = answer(r, &args).iter().map(Value::to_string).collect();
        out.join(", ")
    }

    #[test]
    fn answers_like_service_mgr() {
        let r = registry();
        assert_eq!(ask(&r, &["QUERY", "snaxd", "counter"]), "11");
        assert_eq!(ask(&r, &["GQUERY", "snaxd", "counter"]), "11");
        assert_eq!(ask(&r, &["QUERY", "@snaxd", "counter"]), "11");
        // The two kinds are apart, as skynet's names "snaxd.counter" and "echo" are.
        assert_eq!(ask(&r, &["QUERY", "echo"]), "10");
        assert_eq!(
            ask(&r, &["QUERY", "snaxd", "echo"]),
            r#"nil, "snax service echo not found""#
        );
        assert_eq!(
            ask(&r, &["QUERY", "counter"]),
            r#"nil, "service counter not found""#
        );
        assert_eq!(
            ask(&r, &["QUERY", "snaxd"]),
            r#"nil, "QUERY snaxd: expected a snax service name""#
        );
        // skynet's own text for an unknown command (captured: tests/captures/snax).
        assert_eq!(ask(&r, &["NOSUCH"]), r#"nil, "Invalid command NOSUCH""#);
        assert_eq!(
            ask(&r, &["LIST"]),
            r#"{echo = ":0000000a", ["snaxd.counter"] = ":0000000b"}"#
        );
        assert!(ask(&r, &["LAUNCH", "snaxd", "x"]).starts_with("nil, "));
    }
}
