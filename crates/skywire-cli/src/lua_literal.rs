//! Arguments of `skywire call` / `skywire send`: each is a Lua literal or a bare word.
//!
//! The literal syntax is [`skywire_node::lua_literal`]'s (everything `Value`'s `Display`
//! prints reads back): `42`, `-1.5`, `0x0a`, `true`, `nil`, `"quoted\n"`, `'single'`,
//! `{1, 2, k = "v"}`, `math.huge`, `0/0`, ... An argument that is not a literal is taken as
//! a string as it is (`GET`, `key1`, `hello world`), unless it starts like a string or table
//! literal (`"`, `'`, `{`, `[[`, `(`): then it must be one, and the error says where it is
//! wrong.

use skywire_seri::Value;

pub use skywire_node::lua_literal::{parse_value, LiteralError, LiteralErrorKind};

/// One command-line argument as a value.
///
/// ```
/// use skywire_cli::lua_literal::parse_arg;
/// use skywire_seri::Value;
/// assert_eq!(parse_arg("42").unwrap(), Value::Integer(42));
/// assert_eq!(parse_arg("GET").unwrap(), Value::string("GET"));
/// assert_eq!(parse_arg("\"GET\"").unwrap(), Value::string("GET"));
/// assert_eq!(parse_arg("{1, k = 'v'}").unwrap().to_string(), r#"{1, k = "v"}"#);
/// assert!(parse_arg("{1, 2").is_err());
/// ```
pub fn parse_arg(arg: &str) -> Result<Value, LiteralError> {
    match parse_value(arg) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use skywire_seri::Table;

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
    fn nan_reads_back_as_nan() {
        for text in [Value::Real(f64::NAN).to_string(), "-(0/0)".to_string()] {
            assert!(
                matches!(parse_value(&text).unwrap(), Value::Real(f) if f.is_nan()),
                "{text}"
            );
        }
    }
}
