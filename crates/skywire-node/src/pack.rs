//! Packing payloads into shared blocks instead of one allocation each.
//!
//! Every call packs its arguments and every answer its results. Packing each into its own
//! buffer costs an allocation (and another when the buffer is first shared). Here small
//! payloads are packed one after the other into a per-thread 64 KiB block and split off it:
//! each payload is a [`Bytes`] view of the block, and the block is freed when the last
//! payload cut from it is dropped (payloads live until they are written).

use std::cell::RefCell;

use bytes::{Bytes, BytesMut};
use skywire_seri::{EncodeError, Value};

/// Size of a block.
const BLOCK: usize = 64 * 1024;
/// Room a block must have left to be used; payloads packed into it may be larger (the
/// block then grows for them).
const MIN_ROOM: usize = 4 * 1024;

thread_local! {
    static BLOCK_BUF: RefCell<BytesMut> = RefCell::new(BytesMut::new());
}

/// `skywire_seri::pack`, into the current thread's block.
pub(crate) fn pack(values: &[Value]) -> Result<Bytes, EncodeError> {
    BLOCK_BUF.with(|cell| {
        let Ok(mut buf) = cell.try_borrow_mut() else {
            return skywire_seri::pack(values);
        };
        if buf.capacity() - buf.len() < MIN_ROOM {
            *buf = BytesMut::with_capacity(BLOCK);
        }
        match skywire_seri::pack_into(values, &mut buf) {
            Ok(()) => Ok(buf.split().freeze()),
            Err(e) => {
                buf.clear();
                Err(e)
            }
        }
    })
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
}
