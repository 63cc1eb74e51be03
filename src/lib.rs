//! # skywire
//!
//! A Rust implementation of the wire protocol that [skynet](https://github.com/cloudwu/skynet)
//! nodes speak in cluster mode (`cluster.call`, `cluster.send`, `cluster.query`).
//!
//! This package re-exports the library crates:
//!
//! - [`seri`]: skynet's Lua value serialization (`skynet.pack` / `skynet.unpack`).
//! - [`codec`]: framing, requests, responses, fragmentation and reassembly (sans-IO).
//! - [`node`]: a tokio node that serves skynet nodes and calls them.

pub use skywire_codec as codec;
pub use skywire_node as node;
pub use skywire_seri as seri;
