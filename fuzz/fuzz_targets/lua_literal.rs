//! The Lua-literal reader (`skywire_seri::parse_lua`: the `skywire` command's
//! arguments, the right-hand sides of a `clustername` file) and the `clustername` reader
//! (`ClusterConfig::parse`) on arbitrary text.
//!
//! Checked: no panic, no hang; an error's line and column are inside the text; a value
//! read prints (`Display`, a Lua literal) as text that reads back to the same value (NaN
//! bits aside), and printing that again gives the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skywire_fuzz::seri::json_eq;
use skywire_seri::parse_lua;
use skywire_node::ClusterConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines = text.split('\n').count();
    match parse_lua(text) {
        Ok(v) => {
            let printed = v.to_string();
            let back = match parse_lua(&printed) {
                Ok(b) => b,
                Err(e) => panic!("Display output does not read back: {e}\n  text: {printed:.300}"),
            };
            assert!(json_eq(&v, &back), "read back differently: {printed:.300}");
            assert_eq!(back.to_string(), printed, "printing is not stable");
        }
        Err(e) => {
            assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}", e.line);
            assert!(e.column >= 1, "{e}");
            let line = text.split('\n').nth(e.line - 1).unwrap_or("");
            assert!(
                e.column <= line.len() + 1,
                "{e}: line is {} bytes",
                line.len()
            );
        }
    }
    match ClusterConfig::parse(text) {
        Ok(c) => {
            let _ = (c.nodes().len(), c.options().len(), c.nowaiting());
        }
        Err(e) => {
            assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}", e.line);
            let _ = e.to_string();
        }
    }
});
