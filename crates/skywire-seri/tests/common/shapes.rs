//! Rust types shared by the serde tests: a struct, and an enum with every kind of variant.

use serde::{Deserialize, Serialize};

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
