//! Rust types shared by the serde tests: a struct, and an enum with every kind of variant.

use serde::{Deserialize, Serialize};
use skywire_seri::{SerdeError, Table, Value};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub enum Shape {
    Empty,
    Circle(f64),
    Segment(Point, Point),
    Rect { w: u16, h: u16 },
}

/// One shape of each kind of variant: unit, newtype, tuple, struct.
pub fn every_shape(radius: f64) -> Vec<Shape> {
    vec![
        Shape::Empty,
        Shape::Circle(radius),
        Shape::Segment(Point { x: 1, y: 2 }, Point { x: 3, y: 4 }),
        Shape::Rect { w: 3, h: 4 },
    ]
}

/// A table that reads as `Point { x: 1, y: 2 }` in any key order: `y`, then keys to pass
/// over (a number, and a table with array and hash parts both), then `x` as an integral
/// float (which reads into an integer), then `extra = extra` (a field `Point` does not
/// have).
pub fn point_table_with(extra: Value) -> Table {
    let mut t = Table::new();
    t.push_pair("y", 2);
    t.push_pair(5, "ignored non-string key");
    let mut key = Table::from_array(vec![7.into(), "x".into()]);
    key.push_pair("x", 8);
    t.push_pair(Value::Table(key), "ignored table key");
    t.push_pair("x", 1.0);
    t.push_pair("extra", extra);
    t
}

/// What reading a 1-tuple from the two arguments `"get", 1` fails with.
pub fn one_wanted_two_found() -> SerdeError {
    SerdeError::TrailingValues {
        expected: 1,
        found: 2,
    }
}

/// Declares `Record`, a struct with most kinds of field (a string, strings, an option, a
/// map, enums, nested sequences, then the test's own `$field`s), and `record()`, its value
/// with each `$field` set to its `$value`.
macro_rules! record {
    ($($(#[$attr:meta])* $field:ident: $ty:ty = $value:expr),* $(,)?) => {
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq, Clone)]
        struct Record {
            name: String,
            tags: Vec<String>,
            nick: Option<String>,
            scores: std::collections::BTreeMap<String, i64>,
            shapes: Vec<crate::shapes::Shape>,
            nested: Vec<Vec<u8>>,
            $($(#[$attr])* $field: $ty,)*
        }

        fn record() -> Record {
            Record {
                name: "héllo".into(),
                tags: vec!["a".into(), "b".into()],
                nick: None,
                scores: [("x".to_string(), 1), ("y".to_string(), -2)]
                    .into_iter()
                    .collect(),
                shapes: crate::shapes::every_shape(1.5),
                nested: vec![vec![], vec![1, 2]],
                $($field: $value,)*
            }
        }
    };
}
pub(crate) use record;
