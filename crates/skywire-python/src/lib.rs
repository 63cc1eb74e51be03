//! `skywire._skywire`, the native half of the `skywire` Python package (the Python half, in
//! `python/skywire/`, holds the value types, the exceptions, the asyncio glue and the
//! documentation `help(skywire)` shows).
//!
//! Nothing here re-implements the protocol: values are packed with
//! [`skywire_seri::Packer`] and unpacked with [`skywire_seri::Unpack::tape_into`] (the flat
//! form, from which the Python objects are built), calls go through a
//! [`skywire_node::Remote`] and services are [`skywire_node::Service`]s of a
//! [`skywire_node::Node`], all on one tokio runtime the module owns. The GIL is released
//! whenever Rust waits, and no runtime thread ever takes it: results reach Python through
//! the calling thread, an event loop's reader ([`completions`]) or the blocking-task pool
//! that runs plain Python services.
//!
//! | file | holds |
//! |---|---|
//! | `ffi_ext.rs` | the two C-API calls pyo3's abi3-py38 build leaves out (buffer protocol, UTF-8 view of a `str`) |
//! | `input.rs` | reading `bytes`, `bytearray`, `memoryview` and other buffers without a copy |
//! | `py_types.rs` | the Python-side classes (`Table`, `LightUserdata`, the exceptions), looked up once |
//! | `errors.rs` | Rust errors to Python exceptions |
//! | `encode.rs` | Python objects to a payload (through `Packer`) |
//! | `decode.rs` | a payload to Python objects (with seri's `Reader`) |
//! | `key_cache.rs` | the objects of short hash keys, reused from message to message |
//! | `codec.rs` | `pack` and `unpack` |
//! | `runtime.rs` | the module's tokio runtime, and dropping node handles inside it |
//! | `wait.rs` | blocking on a future with the GIL released and Ctrl-C still heard |
//! | `target.rs` | Python targets (`"@name"`, `".name"`, addresses) |
//! | `client.rs` | `Client`: calls, pushes and queries, blocking or for asyncio |
//! | `completions.rs` | handing results to an asyncio event loop without taking the GIL on a runtime thread |
//! | `service.rs` | a Python function as a `skywire_node::Service` |
//! | `request.rs` | `Request`: what a service may learn of a request besides its arguments |
//! | `node.rs` | `NodeCore`: services, listening, waiting, closing |
#![deny(missing_docs)]

mod client;
mod codec;
mod completions;
mod decode;
mod encode;
mod errors;
mod ffi_ext;
mod input;
mod key_cache;
mod node;
mod py_types;
mod request;
mod runtime;
mod service;
mod target;
mod wait;

use pyo3::prelude::*;

/// The native half of the `skywire` package: use `skywire` itself.
#[pymodule]
fn _skywire(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(codec::pack, m)?)?;
    m.add_function(wrap_pyfunction!(codec::unpack, m)?)?;
    m.add_class::<client::Client>()?;
    m.add_class::<client::Pending>()?;
    m.add_class::<completions::Completions>()?;
    m.add_class::<node::NodeCore>()?;
    m.add_class::<request::Request>()?;
    m.add("DEFAULT_MAX_DEPTH", skywire_seri::DEFAULT_MAX_DEPTH)?;
    m.add("MAX_PACK_DEPTH", skywire_seri::MAX_PACK_DEPTH)?;
    Ok(())
}
