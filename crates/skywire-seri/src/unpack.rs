//! The ways to decode a payload: a free function per decoded form with the default limits,
//! and [`Unpack`], the one options value, for other limits or a reused buffer.
//!
//! | You need | Use |
//! |---|---|
//! | values to keep, pass on or re-encode | [`unpack`] → `Vec<`[`Value`]`>` |
//! | to read the values while the payload is at hand, no reference counts | [`unpack_ref`] → `Vec<`[`ValueRef`]`>` |
//! | to look at a few values of a hot message, no allocation per table or string | [`unpack_tape`] → [`Tape`] |
//! | Rust types (feature `serde`) | `from_slice` (straight from the bytes) |
//! | other [`DecodeLimits`], or one buffer reused message after message | [`Unpack`]'s methods |
//!
//! Every form makes the same checks and gives the same [`DecodeError`] (kind and offset).

use alloc::vec::Vec;

use bytes::Bytes;

use crate::decode::{decode_vec, refill};
use crate::error::DecodeError;
use crate::limits::DecodeLimits;
use crate::tape::{fill_tape, Tape};
use crate::value::Value;
use crate::value_ref::ValueRef;

/// Unpacks a payload (what `skynet.unpack` reads) into its argument list, with the default
/// [`DecodeLimits`]. Strings are slices of `payload`, not copies. An empty payload is zero
/// values.
///
/// Use it for values you keep, pass on or re-encode. Each string costs a reference count
/// on `payload` (an atomic increment now, a decrement when dropped); a hot path that only
/// reads the values while the payload is at hand can use [`unpack_ref`] or [`unpack_tape`],
/// a typed service `from_slice` (feature `serde`), and a loop can keep one vector with
/// [`Unpack::values_into`].
///
/// ```
/// use bytes::Bytes;
/// use skywire_seri::{unpack, Value};
/// let values = unpack(&Bytes::from_static(&[0x0a, 0x01, 0x14, b'h', b'i'])).unwrap();
/// assert_eq!(values, vec![Value::from(1), Value::from("hi")]);
/// ```
#[inline]
pub fn unpack(payload: &Bytes) -> Result<Vec<Value>, DecodeError> {
    Unpack::new().values(payload)
}

/// Unpacks a payload into borrowed values: [`unpack`]'s twin whose strings are `&[u8]`
/// slices of `payload`. Same validation, same errors (kind and offset), same limits; no
/// reference counts, so a decoded string costs nothing to make or to drop.
///
/// Use it to read the values while the payload is at hand; convert with
/// [`ValueRef::to_owned_value`] to keep one. A loop can keep one vector with
/// [`Unpack::refs_into`].
///
/// ```
/// use skywire_seri::{pack, unpack_ref, Value, ValueRef};
/// let bytes = pack(&[Value::from("get"), Value::from(42)]).unwrap();
/// let args = unpack_ref(&bytes).unwrap();
/// assert_eq!(args, [ValueRef::String(b"get"), ValueRef::Integer(42)]);
/// ```
#[inline]
pub fn unpack_ref(payload: &[u8]) -> Result<Vec<ValueRef<'_>>, DecodeError> {
    Unpack::new().refs(payload)
}

/// Decodes `payload` flat, with the default [`DecodeLimits`]: [`unpack_ref`]'s values as
/// a [`Tape`]. Same validation, same errors (kind and offset).
///
/// Use it on hot paths that look at a message once (a router reading its first argument):
/// no allocation per table or string, and none at all into a reused tape
/// ([`Unpack::tape_into`]).
#[inline]
pub fn unpack_tape(payload: &[u8]) -> Result<Tape<'_>, DecodeError> {
    Unpack::new().tape(payload)
}

/// How to decode: the [`DecodeLimits`] to apply, and a method per decoded form, building a
/// new value or refilling a buffer kept across messages. [`unpack`], [`unpack_ref`],
/// [`unpack_tape`] and `from_slice` are `Unpack::new()`'s `values`, `refs`, `tape` and
/// `deserialize`.
///
/// A `_into` method clears its buffer, then fills it, so decoding message after message
/// reuses one allocation; on error the buffer is left empty.
///
/// ```
/// use bytes::Bytes;
/// use skywire_seri::{DecodeErrorKind, DecodeLimits, Unpack, Value};
/// let unpack = Unpack::new().limits(DecodeLimits::new().max_depth(1));
/// let mut args = Vec::new();
/// for payload in [&[0x0a, 0x01][..], &[0x14, b'h', b'i']] {
///     unpack.values_into(&Bytes::copy_from_slice(payload), &mut args).unwrap();
///     assert_eq!(args.len(), 1);
/// }
/// assert_eq!(args, [Value::from("hi")]);
/// // {{}}: two nested tables, one more than the limit.
/// let e = unpack.values(&Bytes::from_static(&[0x0e, 0x06, 0x00, 0x00])).unwrap_err();
/// assert!(matches!(e.kind(), DecodeErrorKind::TooDeep { limit: 1 }));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unpack {
    limits: DecodeLimits,
}

impl Unpack {
    /// The default limits.
    pub const fn new() -> Self {
        Unpack {
            limits: DecodeLimits::new(),
        }
    }

    /// Decodes with `limits`.
    pub const fn limits(mut self, limits: DecodeLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits applied.
    pub const fn get_limits(&self) -> &DecodeLimits {
        &self.limits
    }

    /// [`unpack`] with these limits.
    #[inline]
    pub fn values(&self, payload: &Bytes) -> Result<Vec<Value>, DecodeError> {
        decode_vec::<Value>(payload, &self.limits)
    }

    /// [`unpack`] into `out` (cleared first; left empty on error).
    #[inline]
    pub fn values_into(&self, payload: &Bytes, out: &mut Vec<Value>) -> Result<(), DecodeError> {
        refill::<Value>(payload, &self.limits, out)
    }

    /// [`unpack_ref`] with these limits.
    #[inline]
    pub fn refs<'a>(&self, payload: &'a [u8]) -> Result<Vec<ValueRef<'a>>, DecodeError> {
        decode_vec::<ValueRef<'a>>(payload, &self.limits)
    }

    /// [`unpack_ref`] into `out` (cleared first; left empty on error). To keep one vector
    /// across payloads that do not live equally long, hand it from one to the next with
    /// [`ValueRef::recycle`].
    #[inline]
    pub fn refs_into<'a>(
        &self,
        payload: &'a [u8],
        out: &mut Vec<ValueRef<'a>>,
    ) -> Result<(), DecodeError> {
        refill::<ValueRef<'a>>(payload, &self.limits, out)
    }

    /// [`unpack_tape`] with these limits.
    #[inline]
    pub fn tape<'a>(&self, payload: &'a [u8]) -> Result<Tape<'a>, DecodeError> {
        let mut tape = Tape::new();
        fill_tape(payload, &self.limits, &mut tape)?;
        Ok(tape)
    }

    /// [`unpack_tape`] into `tape`, reusing its allocation (left empty on error). To keep
    /// one tape across payloads that do not live equally long, see [`Tape::recycle`].
    #[inline]
    pub fn tape_into<'a>(&self, payload: &'a [u8], tape: &mut Tape<'a>) -> Result<(), DecodeError> {
        fill_tape(payload, &self.limits, tape)
    }

    /// `from_slice` with these limits: a Rust value read straight from the payload's bytes.
    #[cfg(feature = "serde")]
    #[inline]
    pub fn deserialize<'de, T: ::serde::Deserialize<'de>>(
        &self,
        payload: &'de [u8],
    ) -> Result<T, crate::SerdeError> {
        crate::serde::deserialize_slice(payload, &self.limits)
    }
}
