//! The output forms of decoded traffic: for people, and as JSON lines.

pub mod frame_json;
pub mod human;
pub mod message_json;
