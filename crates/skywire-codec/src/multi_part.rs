//! When a message goes multi-part, and how it is cut: skynet's `MULTI_PART` rules, in one
//! place at the bottom of the crate (sessions, messages and fragmentation all ask them).

use bytes::Bytes;

/// skynet's `MULTI_PART`: the size of one part of a multi-part message, and the threshold
/// that sends a message multi-part (requests at `>= MULTI_PART`, ok responses at
/// `> MULTI_PART`). Also the length an error text is cut to.
pub const MULTI_PART: usize = 0x8000;

/// True when a request (or push) payload of `len` bytes goes multi-part.
pub const fn is_multi_part_request(len: usize) -> bool {
    len >= MULTI_PART
}

/// True when an ok response payload of `len` bytes goes multi-part.
pub const fn is_multi_part_response(len: usize) -> bool {
    len > MULTI_PART
}

/// How many parts a multi-part payload of `len` bytes is cut into.
pub const fn part_count(len: usize) -> usize {
    len.div_ceil(MULTI_PART)
}

/// The error text as it goes on the wire: at most [`MULTI_PART`] bytes.
pub fn truncate_error_text(text: &Bytes) -> Bytes {
    text.slice(..error_text_len(text.len()))
}

/// How many bytes of an error text of `len` bytes go on the wire.
pub(crate) const fn error_text_len(len: usize) -> usize {
    if len < MULTI_PART {
        len
    } else {
        MULTI_PART
    }
}
