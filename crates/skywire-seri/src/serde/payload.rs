//! [`to_payload`] / [`to_payload_into`]: a Rust value straight to lua-seri bytes, the
//! mapping of [`ser`](super::ser) over the [`Wire`] sink.

use alloc::vec::Vec;

use ::serde::Serialize;
use bytes::{Bytes, BytesMut};

use super::ser::{self, ArgsSerializer};
use super::sink::Wire;
use super::SerdeError;
use crate::encode::{self, Buffer};

/// The buffer [`to_payload`] starts with: most messages fit (one allocation), a larger one
/// grows it.
const FIRST_CAPACITY: usize = 256;

/// Serializes a Rust value as a Lua argument list straight into the bytes `skynet.pack`
/// gives for it, without building [`Value`](crate::Value)s: exactly
/// `pack(&to_values(value)?)`, bytes and errors (a value that does not pack gives
/// [`SerdeError::Encode`] with the error [`pack`](crate::pack) gives).
///
/// The mapping is the one of [`to_values`](super::to_values) (see
/// [`to_value`](super::to_value)). The value is serialized once; only if it does not go
/// straight to bytes (an error, or a table nested 32 deep, which only `pack` can judge) is
/// it serialized again through [`to_values`](super::to_values) and [`pack`](crate::pack),
/// which decide.
///
/// ```
/// use skywire_seri::{pack, to_payload, to_values};
/// #[derive(serde::Serialize)]
/// struct Login<'a> { user: &'a str, level: u8 }
///
/// let login = ("login", Login { user: "ana", level: 3 });
/// let payload = to_payload(&login).unwrap();
/// assert_eq!(payload, pack(&to_values(&login).unwrap()).unwrap());
/// ```
pub fn to_payload<T: Serialize + ?Sized>(value: &T) -> Result<Bytes, SerdeError> {
    let mut out = Vec::with_capacity(FIRST_CAPACITY);
    match write(value, &mut out) {
        Ok(()) => Ok(encode::into_payload(out)),
        Err(_) => Ok(encode::pack(&ser::to_values(value)?)?),
    }
}

/// [`to_payload`], appended to `out`. On error, `out` is truncated back to the length it had
/// (nothing of the failed value is left in it).
///
/// ```
/// use bytes::BytesMut;
/// use skywire_seri::{to_payload, to_payload_into};
///
/// let mut out = BytesMut::new();
/// to_payload_into(&("ping", 1), &mut out).unwrap();
/// to_payload_into(&("ping", 2), &mut out).unwrap();
/// assert_eq!(out.len(), 14);
/// assert_eq!(&out[..7], &to_payload(&("ping", 1)).unwrap()[..]);
/// ```
pub fn to_payload_into<T: Serialize + ?Sized>(
    value: &T,
    out: &mut BytesMut,
) -> Result<(), SerdeError> {
    let start = out.len();
    if write(value, out).is_ok() {
        return Ok(());
    }
    Buffer::truncate(out, start);
    Ok(encode::pack_into(&ser::to_values(value)?, out)?)
}

/// Writes `value`'s argument list to `out`, or refuses (then `out` holds a part of it).
#[inline]
fn write<T: Serialize + ?Sized, B: Buffer>(value: &T, out: &mut B) -> Result<(), SerdeError> {
    value.serialize(ArgsSerializer::new(&mut Wire::new(out)))
}

#[cfg(test)]
mod tests {
    use alloc::collections::BTreeMap;
    use alloc::vec;

    use serde::Serialize;

    use super::*;
    use crate::value::Value;

    /// Ordinary values go straight to bytes (the reference path is for refusals only), and
    /// those bytes are the reference's.
    #[test]
    fn ordinary_values_are_written_straight() {
        #[derive(Serialize)]
        enum Kind {
            Unit,
            New(Option<u8>),
            Pair(i8, &'static str),
            Named { flag: bool },
        }
        #[derive(Serialize)]
        struct Msg {
            id: u32,
            note: Option<&'static str>,
            ratio: f64,
            tags: BTreeMap<&'static str, Option<i64>>,
            kinds: Vec<Kind>,
            raw: Value,
        }
        let m = Msg {
            id: 7,
            note: None,
            ratio: 0.5,
            tags: BTreeMap::from([("a", Some(1)), ("b", None)]),
            kinds: vec![
                Kind::Unit,
                Kind::New(None),
                Kind::Pair(-1, "x"),
                Kind::Named { flag: true },
            ],
            raw: Value::array(vec![Value::Nil, Value::from("v")]),
        };
        let args = ("cmd", &m, None::<u8>, vec![1u8; 40]);
        let mut out = Vec::new();
        assert_eq!(write(&args, &mut out), Ok(()));
        let reference = encode::pack(&ser::to_values(&args).unwrap()).unwrap();
        assert_eq!(out, reference.to_vec());
    }
}
