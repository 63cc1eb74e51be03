//! The JSON form of Lua values (feature `json`), documented on `to_json`.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde_json::{Map, Number, Value as Json};

use crate::text;
use crate::value::{Table, Value};

/// Converts a value to its JSON form.
///
/// | Lua value | JSON |
/// |---|---|
/// | nil | `null` |
/// | boolean | `true` / `false` |
/// | integer | JSON integer (full `i64` range) |
/// | float | `{"real": 0.5}`; `{"real": "nan"}`, `"inf"`, `"-inf"`, `"-0"` |
/// | string: UTF-8 without control characters other than tab, CR, LF | JSON string |
/// | any other string | `{"bytes": "<lowercase hex>"}` |
/// | table | `{"array": [V...], "hash": [[K, V]...]}` |
/// | light userdata | `{"userdata": "<16 lowercase hex digits>"}` |
///
/// Writing always emits both `array` and `hash`; reading accepts either
/// missing. `{"real": 3}` (an integer inside `real`) is the float 3.0. When
/// reading, a bare JSON float (`1.5`, not in an object) is accepted as a
/// float too; hex may be upper or lower case.
///
/// ```
/// use skywire_seri::{to_json, Value};
/// assert_eq!(to_json(&Value::Real(0.5)), serde_json::json!({"real": 0.5}));
/// assert_eq!(to_json(&Value::from(&b"\x00\xff"[..])), serde_json::json!({"bytes": "00ff"}));
/// ```
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Nil => Json::Null,
        Value::Boolean(b) => Json::Bool(*b),
        Value::Integer(i) => Json::Number(Number::from(*i)),
        Value::Real(x) => {
            let inner = match text::special_real_name(*x) {
                Some(name) => Json::String(name.to_owned()),
                // Finite here, so `from_f64` cannot fail; null is unreachable.
                None => Number::from_f64(*x).map_or(Json::Null, Json::Number),
            };
            object("real", inner)
        }
        Value::String(s) => match text::json_safe_str(s) {
            Some(t) => Json::String(t.to_owned()),
            None => object("bytes", Json::String(text::hex_encode(s))),
        },
        Value::Table(t) => {
            let mut m = Map::new();
            m.insert("array".to_owned(), values_to_json(&t.array));
            let hash = t
                .hash
                .iter()
                .map(|(k, v)| Json::Array(alloc::vec![to_json(k), to_json(v)]))
                .collect();
            m.insert("hash".to_owned(), Json::Array(hash));
            Json::Object(m)
        }
        Value::LightUserdata(p) => object("userdata", Json::String(text::userdata_hex(*p))),
    }
}

fn object(key: &str, value: Json) -> Json {
    let mut m = Map::new();
    m.insert(key.to_owned(), value);
    Json::Object(m)
}

/// Converts an argument list to a JSON array of JSON forms.
pub fn values_to_json(vs: &[Value]) -> Json {
    Json::Array(vs.iter().map(to_json).collect())
}

/// Reads a value from its JSON form.
///
/// ```
/// use skywire_seri::{from_json, Value};
/// let v = from_json(&serde_json::json!({"array": [1, {"real": 3}], "hash": [["k", "v"]]})).unwrap();
/// assert_eq!(v.to_string(), r#"{1, 3.0, k = "v"}"#);
/// let err = from_json(&serde_json::json!({"array": [{"real": "x"}]})).unwrap_err();
/// assert_eq!(err.path(), "/array/0/real");
/// ```
pub fn from_json(j: &Json) -> Result<Value, JsonError> {
    let mut path = String::new();
    read(j, &mut path)
}

/// Reads an argument list from a JSON array of JSON forms.
pub fn values_from_json(j: &Json) -> Result<Vec<Value>, JsonError> {
    let mut path = String::new();
    read_array(j, &mut path)
}

/// Why a JSON document is not a valid JSON form, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at {}: {kind}", if path.is_empty() { "the top level" } else { path.as_str() })]
pub struct JsonError {
    path: String,
    kind: JsonErrorKind,
}

impl JsonError {
    /// Where the problem is, as a JSON pointer (`""` for the top level,
    /// `/0/array/2/hash/1/0` inside).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What was wrong.
    pub fn kind(&self) -> &JsonErrorKind {
        &self.kind
    }
}

/// What was wrong with a JSON form.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// The JSON type cannot stand for a value there (e.g. `"array": 5`).
    #[error("expected {expected}, found {found}")]
    UnexpectedType {
        /// What was expected.
        expected: &'static str,
        /// The JSON type found.
        found: &'static str,
    },
    /// A JSON integer outside the `i64` range.
    #[error("integer {0} is outside the Lua integer (i64) range")]
    IntegerOutOfRange(String),
    /// `{"real": "..."}` with a string other than nan, inf, -inf, -0.
    #[error("invalid real {0:?}: expected a number or \"nan\", \"inf\", \"-inf\", \"-0\"")]
    BadReal(String),
    /// `{"bytes": ...}` is not hex.
    #[error("invalid hex string")]
    BadHex,
    /// `{"userdata": ...}` is not 16 hex digits.
    #[error("invalid userdata: expected 16 hex digits")]
    BadUserdata,
    /// An object key that the form does not define.
    #[error("unknown key {0:?}")]
    UnknownKey(String),
    /// A `real`/`bytes`/`userdata` object with other keys as well.
    #[error("a {0:?} object must have no other keys")]
    ExtraKeys(&'static str),
    /// A hash entry that is not a 2-element `[key, value]` array.
    #[error("hash entry must be a [key, value] array")]
    BadPair,
}

fn json_type(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

fn fail<T>(path: &str, kind: JsonErrorKind) -> Result<T, JsonError> {
    Err(JsonError {
        path: path.to_owned(),
        kind,
    })
}

/// Runs `f` with `segment` appended to the path, then restores it.
fn nested<T>(
    path: &mut String,
    segment: fmt::Arguments<'_>,
    f: impl FnOnce(&mut String) -> Result<T, JsonError>,
) -> Result<T, JsonError> {
    let len = path.len();
    path.push('/');
    path.push_str(&format!("{segment}"));
    let r = f(path);
    path.truncate(len);
    r
}

/// The items of `j`, which must be a JSON array (`expected` says of what, for the error).
fn as_array<'j>(
    j: &'j Json,
    path: &str,
    expected: &'static str,
) -> Result<&'j Vec<Json>, JsonError> {
    match j {
        Json::Array(items) => Ok(items),
        _ => fail(
            path,
            JsonErrorKind::UnexpectedType {
                expected,
                found: json_type(j),
            },
        ),
    }
}

fn read_array(j: &Json, path: &mut String) -> Result<Vec<Value>, JsonError> {
    let items = as_array(j, path, "an array of values")?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| nested(path, format_args!("{i}"), |p| read(item, p)))
        .collect()
}

fn read(j: &Json, path: &mut String) -> Result<Value, JsonError> {
    match j {
        Json::Null => Ok(Value::Nil),
        Json::Bool(b) => Ok(Value::Boolean(*b)),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(Value::Integer(i))
            } else if n.is_u64() {
                fail(path, JsonErrorKind::IntegerOutOfRange(format!("{n}")))
            } else {
                Ok(Value::Real(n.as_f64().unwrap_or(f64::NAN)))
            }
        }
        Json::String(s) => Ok(Value::from(s.as_str())),
        Json::Array(_) => fail(
            path,
            JsonErrorKind::UnexpectedType {
                expected: "a value (tables are {\"array\": ..., \"hash\": ...})",
                found: "array",
            },
        ),
        Json::Object(m) => read_object(m, path),
    }
}

fn read_object(m: &Map<String, Json>, path: &mut String) -> Result<Value, JsonError> {
    for key in ["real", "bytes", "userdata"] {
        if let Some(inner) = m.get(key) {
            if m.len() != 1 {
                return fail(path, JsonErrorKind::ExtraKeys(key));
            }
            return nested(path, format_args!("{key}"), |p| read_scalar(key, inner, p));
        }
    }
    let mut t = Table::new();
    for (key, inner) in m {
        match key.as_str() {
            "array" => {
                t.array = nested(path, format_args!("array"), |p| read_array(inner, p))?;
            }
            "hash" => {
                t.hash = nested(path, format_args!("hash"), |p| read_hash(inner, p))?;
            }
            other => return fail(path, JsonErrorKind::UnknownKey(other.to_owned())),
        }
    }
    Ok(Value::Table(t))
}

fn read_scalar(key: &str, inner: &Json, path: &str) -> Result<Value, JsonError> {
    match (key, inner) {
        ("real", Json::Number(n)) => Ok(Value::Real(n.as_f64().unwrap_or(f64::NAN))),
        ("real", Json::String(s)) => match text::parse_special_real(s) {
            Some(x) => Ok(Value::Real(x)),
            None => fail(path, JsonErrorKind::BadReal(s.clone())),
        },
        ("bytes", Json::String(s)) => match text::hex_decode(s) {
            Some(b) => Ok(Value::from(b)),
            None => fail(path, JsonErrorKind::BadHex),
        },
        ("userdata", Json::String(s)) => match text::parse_userdata_hex(s) {
            Some(p) => Ok(Value::LightUserdata(p)),
            None => fail(path, JsonErrorKind::BadUserdata),
        },
        _ => fail(
            path,
            JsonErrorKind::UnexpectedType {
                expected: if key == "real" {
                    "a number or a string"
                } else {
                    "a hex string"
                },
                found: json_type(inner),
            },
        ),
    }
}

fn read_hash(j: &Json, path: &mut String) -> Result<Vec<(Value, Value)>, JsonError> {
    let items = as_array(j, path, "an array of [key, value] pairs")?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            nested(path, format_args!("{i}"), |p| match item {
                Json::Array(kv) if kv.len() == 2 => {
                    let k = nested(p, format_args!("0"), |p| read(&kv[0], p))?;
                    let v = nested(p, format_args!("1"), |p| read(&kv[1], p))?;
                    Ok((k, v))
                }
                _ => fail(p, JsonErrorKind::BadPair),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use serde_json::json;

    #[test]
    fn writes_each_kind() {
        let mut t = Table::from_array(alloc::vec![Value::from(1)]);
        t.push_pair("k", Value::Real(-0.0));
        let v = alloc::vec![
            Value::Nil,
            true.into(),
            i64::MIN.into(),
            Value::Real(3.0),
            Value::Real(f64::NAN),
            Value::Real(f64::INFINITY),
            Value::Real(f64::NEG_INFINITY),
            "tab\tok".into(),
            "bell\x07".into(),
            Value::from(&b"\xff"[..]),
            Value::Table(t),
            Value::LightUserdata(0xabc),
        ];
        assert_eq!(
            values_to_json(&v),
            json!([
                null, true, -9223372036854775808i64, {"real": 3.0}, {"real": "nan"},
                {"real": "inf"}, {"real": "-inf"}, "tab\tok", {"bytes": "62656c6c07"},
                {"bytes": "ff"}, {"array": [1], "hash": [["k", {"real": "-0"}]]},
                {"userdata": "0000000000000abc"}
            ])
        );
    }

    #[test]
    fn reads_with_paths() {
        let v = values_from_json(&json!([{"real": 3}, {"bytes": "00FF"}, {}, 1.5])).unwrap();
        assert_eq!(v[0].as_real().map(f64::to_bits), Some(3.0f64.to_bits()));
        assert_eq!(v[1].as_bytes(), Some(&b"\x00\xff"[..]));
        assert_eq!(v[2], Value::Table(Table::new()));
        assert_eq!(v[3], Value::Real(1.5));

        let e = values_from_json(&json!([1, {"array": [], "hash": [[1]]}])).unwrap_err();
        assert_eq!(e.path(), "/1/hash/0");
        assert_eq!(e.kind(), &JsonErrorKind::BadPair);
        assert_eq!(
            e.to_string(),
            "at /1/hash/0: hash entry must be a [key, value] array"
        );

        let e = from_json(&json!({"real": 1, "x": 2})).unwrap_err();
        assert_eq!(e.kind(), &JsonErrorKind::ExtraKeys("real"));
        assert_eq!(
            e.to_string(),
            "at the top level: a \"real\" object must have no other keys"
        );
        let e = from_json(&json!(18446744073709551615u64)).unwrap_err();
        assert!(matches!(e.kind(), JsonErrorKind::IntegerOutOfRange(_)));
        let e = from_json(&json!({"hash": [[{"userdata": "12"}, 1]]})).unwrap_err();
        assert_eq!(
            (e.path(), e.kind()),
            ("/hash/0/0/userdata", &JsonErrorKind::BadUserdata)
        );
        let e = from_json(&json!({"bytes": "abc"})).unwrap_err();
        assert_eq!(e.kind(), &JsonErrorKind::BadHex);
        let e = from_json(&json!({"arr": []})).unwrap_err();
        assert_eq!(e.kind(), &JsonErrorKind::UnknownKey("arr".into()));
        let e = from_json(&json!([1])).unwrap_err();
        assert!(matches!(
            e.kind(),
            JsonErrorKind::UnexpectedType { found: "array", .. }
        ));
        let e = from_json(&json!({"real": "NaN"})).unwrap_err();
        assert_eq!(e.kind(), &JsonErrorKind::BadReal("NaN".into()));
    }
}
