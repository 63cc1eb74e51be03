//! Packets: what one frame body holds, in each direction.
//!
//! [`request`] covers the sender-to-agent direction (requests, pushes, multi-part headers
//! and parts, trace tags), [`response`] the agent-to-sender direction.

pub mod request;
pub mod response;

use bytes::Bytes;
use nom::number::complete::le_u32;
use nom::IResult;

/// Reads a little-endian `u32` field (every integer inside a packet is little-endian).
pub(crate) fn u32_field(input: &[u8]) -> IResult<&[u8], u32> {
    le_u32(input)
}

/// The part of `body` that `rest` (a tail of it, as left by a nom parser) covers, as a
/// zero-copy [`Bytes`].
pub(crate) fn tail_of(body: &Bytes, rest: &[u8]) -> Bytes {
    body.slice(body.len() - rest.len()..)
}
