//! The Python objects of short hash keys, kept per thread: messages repeat the same field
//! names, and a key made once is reused (no allocation, and its hash, which `bytes` and
//! `str` objects cache, is computed once for every dict it goes into).
//!
//! Keys are immutable objects, so sharing one is invisible to Python code (except to `is`).

use std::cell::RefCell;

use pyo3::prelude::*;

/// Slots in the cache (a power of two); a key's slot is chosen by a hash of its bytes.
const SLOTS: usize = 256;
/// Longest key kept.
pub(crate) const MAX_KEY: usize = 24;

struct Slot {
    /// The key's bytes, and whether the object is a `str` (else `bytes`).
    key: [u8; MAX_KEY],
    len: usize,
    text: bool,
    object: Py<PyAny>,
}

thread_local! {
    static CACHE: RefCell<Vec<Option<Slot>>> = RefCell::new((0..SLOTS).map(|_| None).collect());
}

/// FNV-1a of the key's bytes and kind: the slot.
fn slot_of(s: &[u8], text: bool) -> usize {
    let mut h: u32 = 0x811c_9dc5 ^ u32::from(text);
    for &b in s {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h as usize & (SLOTS - 1)
}

/// The object for key `s` (`str` if `text`), from the cache or made by `make` (and kept).
/// `make` gives `None` with a Python exception set; so does this.
#[inline]
pub(crate) fn key<'py>(
    py: Python<'py>,
    s: &[u8],
    text: bool,
    make: impl FnOnce() -> Option<Bound<'py, PyAny>>,
) -> Option<Bound<'py, PyAny>> {
    if s.len() > MAX_KEY {
        return make();
    }
    let at = slot_of(s, text);
    let hit = CACHE.with(|c| {
        let cache = c.borrow();
        match cache.get(at) {
            Some(Some(slot)) if slot.text == text && &slot.key[..slot.len] == s => {
                Some(slot.object.clone_ref(py).into_bound(py))
            }
            _ => None,
        }
    });
    if hit.is_some() {
        return hit;
    }
    let made = make()?;
    let mut key = [0u8; MAX_KEY];
    key[..s.len()].copy_from_slice(s);
    let slot = Slot {
        key,
        len: s.len(),
        text,
        object: made.clone().unbind(),
    };
    // The old occupant is dropped after the borrow ends (dropping a key object runs no
    // Python code, but keep the cache out of it anyway).
    let old = CACHE.with(|c| c.borrow_mut().get_mut(at).and_then(|o| o.replace(slot)));
    drop(old);
    Some(made)
}
