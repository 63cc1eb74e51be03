//! skynet's Lua value serialization, the bytes `skynet.pack(...)` produces and
//! `skynet.unpack(msg, sz)` reads (`lualib-src/lua-seri.c`), byte-exact.
//!
//! - [`pack`] / [`pack_into`] / [`packed_len`] encode an argument list exactly
//!   as skynet's encoder does (same integer widths, string forms, table
//!   layout, nesting limit [`MAX_PACK_DEPTH`]).
//! - [`unpack`] and its siblings decode untrusted bytes: strings are zero-copy (slices of
//!   the input [`Bytes`](bytes::Bytes), or borrowed), every length is checked against the
//!   bytes actually present before anything is allocated, nesting is bounded
//!   ([`DecodeLimits`]), and every failure is a [`DecodeError`] with the byte offset;
//!   nothing panics.
//! - [`Value`] / [`Table`] model Lua values; a table keeps its array part and
//!   its hash part in wire order, so decode-then-encode gives back the same
//!   bytes. [`Value::content_eq`] compares the way an echo test needs (hash parts
//!   unordered, reals by bits).
//! - [`lua_text`]: Lua text in and out. `Display` writes a Lua literal, [`parse_lua`] reads
//!   one back (typed [`LiteralError`] with line and column).
//! - With the `serde` feature, `to_value` / `from_value` and `to_values` /
//!   `from_values` map Rust types to and from Lua values (see the docs of
//!   `to_value` for the mapping), `to_payload` writes them straight to bytes and
//!   `from_slice` reads them straight from the bytes, and `Value` implements
//!   `Serialize` / `Deserialize`.
//! - With the `json` feature, `to_json` / `from_json` give the JSON form
//!   used in logs and by the CLI.
//!
//! # Which encoding entry point
//!
//! | You have / need | Use |
//! |---|---|
//! | values, to a payload | [`pack`] → [`Bytes`](bytes::Bytes), [`pack_into`] a `BytesMut` (one buffer for many payloads) |
//! | a Rust type, to a payload (feature `serde`; builds no tree) | `to_payload` → `Bytes`, `to_payload_into` a `BytesMut` |
//! | a Rust type, to values to keep or look at (feature `serde`) | `to_values` (an argument list), `to_value` (one value) |
//! | values of your own (another language's objects), to a payload, one at a time | [`Packer`] |
//!
//! `to_payload` gives exactly what `pack(&to_values(x)?)` gives, bytes and errors.
//!
//! # Which decoding entry point
//!
//! | You have / need | Use |
//! |---|---|
//! | values to keep, pass on or re-encode | [`unpack`] → `Vec<`[`Value`]`>` |
//! | to read the values while the payload is at hand (no reference counts) | [`unpack_ref`] → `Vec<`[`ValueRef`]`>` |
//! | to look at a few values of a hot message (no allocation per table or string) | [`unpack_tape`] → [`Tape`] |
//! | to build values of your own (another language's objects), one at a time | [`Reader`] |
//! | a Rust type, from the payload's bytes (feature `serde`; builds no tree) | `from_slice` |
//! | a Rust type, from values already decoded (feature `serde`) | `from_values` (an argument list), `from_value` (one value) |
//! | other [`DecodeLimits`], or one buffer reused message after message | [`Unpack`]: `values`/`values_into`, `refs`/`refs_into`, `tape`/`tape_into`, `deserialize` |
//!
//! All of them make the same checks and give the same errors; `from_slice` gives exactly
//! what `from_values(&unpack(bytes)?)` gives.
//!
//! Speed (the repository's `BENCHMARKS.md`, against skynet's own `skynet.unpack` in the
//! same run): on a 200-byte game message every form is 5x or more skynet's; on a tiny
//! call like `("ping", 1)` the forms without an allocation (`from_slice`, a reused
//! [`Tape`]) are 3x or more, while [`unpack`] and [`unpack_ref`] pay for their vector's
//! `malloc` and `free`. A node's `typed` services and `call_typed` use `from_slice`: for a
//! hot path, decode into Rust types; keep [`Value`]s for what you pass on or keep.
//!
//! # Modules
//!
//! | File | Holds |
//! |---|---|
//! | `wire.rs` | the lua-seri type bytes and cookies (the protocol constants, once) |
//! | `encode.rs` | [`pack`], [`pack_into`], [`packed_len`] |
//! | `packer.rs` | [`Packer`]: `encode.rs`'s writers, one value at a time |
//! | `chunks.rs` | [`pack_chunks`]: `pack`'s bytes as chunks, large strings referenced, not copied |
//! | `decode.rs` | the one decoder behind every form (the wire `Cursor`, [`Value`]/[`ValueRef`]/validation-only) |
//! | `unpack.rs` | the entry points: [`unpack`], [`unpack_ref`], [`unpack_tape`], [`Unpack`] |
//! | `limits.rs` | [`DecodeLimits`], [`DEFAULT_MAX_DEPTH`] |
//! | `tape.rs` | [`Tape`], the flat form, and its cursors |
//! | `reader.rs` | [`Reader`]: the decoder's cursor, one value at a time |
//! | `error.rs` | [`DecodeError`], [`DecodeErrorKind`], [`EncodeError`] |
//! | `value.rs`, `value_ref.rs` | [`Value`] / [`Table`] (owned), [`ValueRef`] / [`TableRef`] (borrowed) |
//! | `view.rs` | [`LuaValue`]: one read-only view of both forms (comparisons, look-ups, `Display`) |
//! | `compare.rs` | `content_eq` / `exact_eq` |
//! | `lua_text/` | `write.rs` (`Display`), `read.rs` ([`lua_text::Parser`], [`parse_lua`]), `string.rs`, `numeral.rs`, `error.rs` |
//! | `serde/` | `ser.rs` (the mapping from Rust types, once) over `sink.rs` (a tree sink and a byte sink), `payload.rs` (`to_payload`), `de.rs` (the mapping to Rust types, once) over `read.rs` (a byte source and a tree source), `args.rs` (argument lists), `compact.rs` (`Value`'s compact form), `value_impl.rs` (`Value: Serialize + Deserialize`) |
//! | `json.rs`, `text.rs` | the JSON form (feature `json`) and the hex/text helpers it shares with serde |
//!
//! The crate is `no_std` (it needs `alloc`); the `std` feature only enables
//! `std` support in its dependencies.
//!
//! # Example
//!
//! ```
//! use skywire_seri::{pack, unpack, Table, Value};
//!
//! let mut t = Table::from_array(vec![Value::from(1), Value::from(2)]);
//! t.insert("name", "v");
//! let args = vec![Value::from("ping"), Value::Table(t), Value::Real(0.5)];
//!
//! let bytes = pack(&args).unwrap();
//! assert_eq!(
//!     &bytes[..],
//!     &[
//!         0x24, b'p', b'i', b'n', b'g', // short string, length 4
//!         0x16, // table, array length 2
//!         0x0a, 0x01, 0x0a, 0x02, // 1, 2 (u8 integers)
//!         0x24, b'n', b'a', b'm', b'e', 0x0c, b'v', // name = "v"
//!         0x00, // end of the hash part
//!         0x42, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f, // 0.5 as a little-endian double
//!     ]
//! );
//!
//! let back = unpack(&bytes).unwrap();
//! assert_eq!(back, args);
//! assert_eq!(back[1].to_string(), r#"{1, 2, name = "v"}"#);
//! ```
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[macro_use]
mod accessors;
mod chunks;
mod compare;
mod decode;
mod encode;
mod error;
#[cfg(feature = "json")]
mod json;
mod limits;
pub mod lua_text;
mod packer;
mod reader;
#[cfg(feature = "serde")]
mod serde;
mod tape;
#[cfg(any(feature = "serde", feature = "json"))]
mod text;
mod unpack;
mod value;
mod value_ref;
mod view;
mod wire;

#[cfg(feature = "json")]
pub use self::json::{
    from_json, to_json, values_from_json, values_to_json, JsonError, JsonErrorKind,
};
#[cfg(feature = "serde")]
pub use self::serde::{
    from_slice, from_value, from_values, to_payload, to_payload_into, to_value, to_values,
    SerdeError, SERIALIZE_MAX_DEPTH,
};
pub use chunks::{pack_chunks, PACK_REF_MIN};
pub use compare::{values_content_eq, values_exact_eq};
pub use encode::{pack, pack_into, packed_len, MAX_PACK_DEPTH};
pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use limits::{DecodeLimits, DEFAULT_MAX_DEPTH};
pub use lua_text::{parse_lua, LiteralError, LiteralErrorKind};
pub use packer::Packer;
pub use reader::{Item, Reader};
pub use tape::{Tape, TapePairs, TapeTable, TapeValue, TapeValues};
pub use unpack::{unpack, unpack_ref, unpack_tape, Unpack};
pub use value::{IntegerOverflow, Table, Value};
pub use value_ref::{TableRef, ValueRef};
pub use view::LuaValue;
