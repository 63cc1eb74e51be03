//! Packing payloads into shared blocks instead of one allocation each.
//!
//! Every call packs its arguments and every answer its results. Packing each into its own
//! buffer costs an allocation (and another when the buffer is first shared). Here small
//! payloads are packed one after the other into a per-thread 64 KiB block and split off it:
//! each payload is a [`Bytes`] view of the block, and the block is freed when the last
//! payload cut from it is dropped (payloads live until they are written). A payload that
//! does not fit in what is left of the block starts a new block, and a large one gets an
//! allocation of its own, sized exactly by `skywire_seri::pack`: growing the block for it
//! would copy the whole block (a `realloc`) on top of the payload.

use std::cell::RefCell;

use bytes::{Bytes, BytesMut};
use serde::Serialize;
use skywire_codec::{Response, Rope, Session};
use skywire_seri::{EncodeError, SerdeError, Value};

use crate::reply::Reply;

/// Size of a block.
const BLOCK: usize = 64 * 1024;
/// Room a block must have left, beyond the payload's strings, to be used (a payload with
/// tables may still be larger: the block then grows for it).
const MIN_ROOM: usize = 4 * 1024;
/// Payloads whose top-level strings take this much get an allocation of their own.
const OWN_ALLOCATION: usize = BLOCK / 4;

thread_local! {
    static BLOCK_BUF: RefCell<BytesMut> = RefCell::new(BytesMut::new());
}

/// `skywire_seri::pack`, into the current thread's block.
pub(crate) fn pack(values: &[Value]) -> Result<Bytes, EncodeError> {
    let strings = strings_len(values);
    if strings >= OWN_ALLOCATION {
        return skywire_seri::pack(values);
    }
    pack_small(strings, values)
}

/// [`pack`] of `values` whose top-level strings take `strings` bytes, fewer than
/// [`OWN_ALLOCATION`]: into the block when it has room.
fn pack_small(strings: usize, values: &[Value]) -> Result<Bytes, EncodeError> {
    into_block(strings, |buf| skywire_seri::pack_into(values, buf))
        .unwrap_or_else(|| skywire_seri::pack(values))
}

/// The payload of an answer made of `values`: [`pack`], except that an answer whose
/// strings take [`OWN_ALLOCATION`] bytes or more is packed into chunks that reference its
/// large strings instead of copying them (`skywire_seri::pack_chunks`; see
/// [`Reply`](crate::reply::Reply)).
pub(crate) fn pack_answer(session: Session, values: &[Value]) -> Result<Reply, EncodeError> {
    let strings = strings_len(values);
    if strings >= OWN_ALLOCATION {
        let chunks = skywire_seri::pack_chunks(values)?;
        return Ok(Reply::Rope(session, Rope::new(chunks)));
    }
    pack_small(strings, values).map(|p| Reply::Whole(Response::ok(session, p)))
}

/// `lead` then `values`, packed as one argument list (lua-seri writes the values of a list
/// one after the other, so this is `pack` of the list `lead, values...` without building
/// it): a snax call's method id in front of its arguments.
pub(crate) fn pack_after(lead: &Value, values: &[Value]) -> Result<Bytes, EncodeError> {
    let lead = std::slice::from_ref(lead);
    let strings = strings_len(values);
    let write = |buf: &mut BytesMut| {
        skywire_seri::pack_into(lead, buf)?;
        skywire_seri::pack_into(values, buf)
    };
    if strings >= OWN_ALLOCATION {
        let mut buf = BytesMut::new();
        return write(&mut buf).map(|()| buf.freeze());
    }
    into_block(strings, write).unwrap_or_else(|| {
        let mut buf = BytesMut::new();
        write(&mut buf).map(|()| buf.freeze())
    })
}

/// `skywire_seri::to_payload` (a Rust value packed without building `Value`s), into the
/// current thread's block. Its size is not known before: a large one grows the block.
pub(crate) fn to_payload<T: Serialize + ?Sized>(value: &T) -> Result<Bytes, SerdeError> {
    into_block(0, |buf| skywire_seri::to_payload_into(value, buf))
        .unwrap_or_else(|| skywire_seri::to_payload(value))
}

/// What `write` appends to the current thread's block (with at least `room` bytes more
/// than [`MIN_ROOM`] free first), split off it; `None` if the block is in use.
fn into_block<E>(
    room: usize,
    write: impl FnOnce(&mut BytesMut) -> Result<(), E>,
) -> Option<Result<Bytes, E>> {
    BLOCK_BUF.with(|cell| {
        let mut buf = cell.try_borrow_mut().ok()?;
        if buf.capacity() - buf.len() < MIN_ROOM + room {
            *buf = BytesMut::with_capacity(BLOCK);
        }
        Some(match write(&mut buf) {
            Ok(()) => Ok(buf.split().freeze()),
            Err(e) => {
                buf.clear();
                Err(e)
            }
        })
    })
}

/// Bytes of the top-level string arguments: a lower bound of the packed size, cheap to
/// know (tables are not walked).
fn strings_len(values: &[Value]) -> usize {
    values
        .iter()
        .map(|v| match v {
            Value::String(s) => s.len(),
            _ => 0,
        })
        .fold(0, usize::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_as_seri_and_independent_payloads() {
        let a = vec![Value::from("ping"), Value::from(1)];
        let b = vec![Value::string(vec![b'x'; 100_000])];
        let pa = pack(&a).unwrap();
        let pb = pack(&b).unwrap();
        let pa2 = pack(&a).unwrap();
        assert_eq!(pa, skywire_seri::pack(&a).unwrap());
        assert_eq!(pb, skywire_seri::pack(&b).unwrap());
        assert_eq!(pa2, pa);
        // A failed pack leaves nothing behind.
        let mut deep = Value::Nil;
        for _ in 0..40 {
            deep = Value::array(vec![deep]);
        }
        assert!(pack(&[deep]).is_err());
        assert_eq!(pack(&a).unwrap(), pa);
    }

    #[test]
    fn a_lead_value_packs_as_the_first_of_the_list() {
        let args = vec![Value::from("hello"), Value::from(42)];
        for lead in [Value::from(5), Value::from(300), Value::Real(5.0)] {
            let mut all = vec![lead.clone()];
            all.extend(args.iter().cloned());
            assert_eq!(
                pack_after(&lead, &args).unwrap(),
                skywire_seri::pack(&all).unwrap()
            );
        }
        let big = vec![Value::string(vec![b'z'; OWN_ALLOCATION])];
        let mut all = vec![Value::from(6)];
        all.extend(big.iter().cloned());
        assert_eq!(
            pack_after(&Value::from(6), &big).unwrap(),
            skywire_seri::pack(&all).unwrap()
        );
    }

    #[test]
    fn serialized_payloads_share_the_block_and_match_seri() {
        let first = to_payload(&("ping", 1)).unwrap();
        let next = to_payload(&("ping", "pong", 2.5)).unwrap();
        assert_eq!(
            first,
            skywire_seri::pack(&[Value::from("ping"), Value::from(1)]).unwrap()
        );
        assert_eq!(
            next,
            skywire_seri::pack(&[Value::from("ping"), Value::from("pong"), Value::from(2.5)])
                .unwrap()
        );
        assert_eq!(next.as_ptr(), first.as_ptr().wrapping_add(first.len()));
    }

    /// The wire bytes of a reply's frames.
    fn wire(reply: Reply) -> Vec<u8> {
        reply.frames().unwrap().flat_map(|f| f.to_vec()).collect()
    }

    #[test]
    fn large_answers_reference_their_strings_small_ones_are_whole() {
        let s = Session::new(3);
        let big = bytes::Bytes::from(vec![b'b'; 100_000]);
        let large = vec![Value::from("ok"), Value::String(big.clone())];
        let reply = pack_answer(s, &large).unwrap();
        let Reply::Rope(_, rope) = &reply else {
            panic!("a 100,000-byte answer was packed whole")
        };
        assert_eq!(rope.len(), skywire_seri::packed_len(&large).unwrap());
        let frames: Vec<_> = reply.frames().unwrap().collect();
        // The first part's data starts in the string itself: the string was not copied.
        assert!(frames.iter().any(|f| f.data().as_ptr() == big.as_ptr()));
        let whole = Response::ok(s, skywire_seri::pack(&large).unwrap());
        let want: Vec<u8> = whole.frames().unwrap().flat_map(|f| f.to_vec()).collect();
        let got: Vec<u8> = frames.iter().flat_map(|f| f.to_vec()).collect();
        assert_eq!(got, want);

        let small = vec![Value::from("ping"), Value::from(1)];
        let reply = pack_answer(s, &small).unwrap();
        assert!(matches!(reply, Reply::Whole(_)));
        assert_eq!(
            wire(reply),
            wire(Response::ok(s, skywire_seri::pack(&small).unwrap()).into())
        );
    }

    #[test]
    fn large_payloads_leave_the_block_alone() {
        let small = vec![Value::from("ping"), Value::from(7)];
        let large = vec![
            Value::from("ping"),
            Value::string(vec![b'y'; OWN_ALLOCATION]),
        ];
        let first = pack(&small).unwrap();
        let big = pack(&large).unwrap();
        let next = pack(&small).unwrap();
        assert_eq!(big, skywire_seri::pack(&large).unwrap());
        // The small payload packed after the large one follows the one before it in the
        // same block: the large one was not packed there.
        assert_eq!(next.as_ptr(), first.as_ptr().wrapping_add(first.len()));
        let big_range = big.as_ptr() as usize..big.as_ptr() as usize + big.len();
        assert!(!big_range.contains(&(first.as_ptr() as usize)));
    }
}
