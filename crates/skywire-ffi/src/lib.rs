#![doc = include_str!("../README.md")]
//!
//! # Modules
//!
//! | File | Holds |
//! |---|---|
//! | `guard.rs` | the boundary: every entry point's body runs inside `catch_unwind`; errors become a status and the thread's last error |
//! | `status.rs` | [`SwStatus`], the codes, and which seri / codec error maps to which |
//! | `last_error.rs` | the thread's last error: `sw_last_error_message`, `sw_last_error_offset` |
//! | `buffer.rs` | [`SwSlice`] (borrowed bytes), [`SwBytes`] (a buffer the caller frees with `sw_bytes_free`) |
//! | `builder.rs` | [`SwBuilder`]: values built call by call, `sw_builder_pack` (`skywire_seri::pack`) |
//! | `view.rs` | [`SwView`], [`SwItem`]: `sw_unpack` (`skywire_seri::unpack_tape`) as one flat array |
//! | `message.rs` | [`SwRequest`], [`SwResponse`]; the encoders (`Request::write_frames`, `Response::write_frames`) |
//! | `decoder.rs` | [`SwRequestDecoder`], [`SwResponseDecoder`], [`SwLimits`]: skywire-codec's stream decoders |
//!
//! The header `include/skywire.h` is generated from these files by cbindgen
//! (`cbindgen.toml`) in `build.rs`, on every build of the crate.
#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]

mod buffer;
mod builder;
mod decoder;
mod guard;
mod last_error;
mod message;
mod status;
mod view;

pub use buffer::{sw_bytes_free, SwBytes, SwSlice};
pub use builder::{
    sw_builder_boolean, sw_builder_free, sw_builder_integer, sw_builder_new, sw_builder_nil,
    sw_builder_pack, sw_builder_real, sw_builder_string, sw_builder_table_begin,
    sw_builder_table_end, sw_builder_table_hash, sw_builder_userdata, SwBuilder,
};
pub use decoder::{
    sw_limits_default, sw_request_decoder_feed, sw_request_decoder_finish, sw_request_decoder_free,
    sw_request_decoder_new, sw_request_decoder_next, sw_response_decoder_feed,
    sw_response_decoder_finish, sw_response_decoder_free, sw_response_decoder_new,
    sw_response_decoder_next, Decoder, SwLimits, SwRequestDecoder, SwResponseDecoder,
};
pub use last_error::{sw_last_error_message, sw_last_error_offset};
pub use message::{sw_request_encode, sw_response_encode, SwRequest, SwResponse};
pub use status::{sw_status_name, SwStatus};
pub use view::{sw_unpack, sw_view_free, sw_view_items, sw_view_len, SwItem, SwType, SwView};
