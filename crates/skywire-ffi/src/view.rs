//! Reading values from C: `sw_unpack` decodes a payload with `skywire_seri::unpack_tape` and
//! lays the values out as one flat array of `sw_item`s, in wire order.

use skywire_seri::{unpack_tape, TapeValue};

use crate::buffer::{self, SwSlice};
use crate::guard::{self, Error};
use crate::status::SwStatus;

/// The type of an `sw_item`: Lua's types, as lua-seri carries them.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum SwType {
    /// `nil`.
    SW_NIL = 0,
    /// `true` / `false`: `sw_item.boolean`.
    SW_BOOLEAN = 1,
    /// A Lua integer: `sw_item.integer`.
    SW_INTEGER = 2,
    /// A Lua float: `sw_item.real`.
    SW_REAL = 3,
    /// A string, any bytes: `sw_item.string`.
    SW_STRING = 4,
    /// A table: `sw_item.array_len` and `sw_item.hash_len`; its contents are the items
    /// that follow it.
    SW_TABLE = 5,
    /// A light userdata (a pointer value from the sending process): `sw_item.userdata`.
    SW_USERDATA = 6,
}

/// One value of an unpacked payload. The field its `type` names holds the value; the
/// others are 0 (and `string` is `{NULL, 0}`).
///
/// A table's contents follow it: first its `array_len` array values (keys 1, 2, ...), then
/// its `hash_len` pairs as key, value, key, value (in wire order), each of them an item
/// that may itself be a table. `next` skips over all of that: it is the index of the item
/// after this value, so the values of the argument list are at `0`, `items[0].next`,
/// `items[items[0].next].next`, ...
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SwItem {
    /// Which field holds the value.
    pub r#type: SwType,
    /// `SW_BOOLEAN`: the value.
    pub boolean: bool,
    /// `SW_INTEGER`: the value.
    pub integer: i64,
    /// `SW_REAL`: the value.
    pub real: f64,
    /// `SW_USERDATA`: the pointer value.
    pub userdata: u64,
    /// `SW_STRING`: the bytes (not NUL-terminated; may hold NULs), inside the view.
    pub string: SwSlice,
    /// `SW_TABLE`: how many array values follow.
    pub array_len: usize,
    /// `SW_TABLE`: how many key/value pairs follow the array values.
    pub hash_len: usize,
    /// The index of the item after this value and everything inside it.
    pub next: usize,
}

impl SwItem {
    const NIL: SwItem = SwItem {
        r#type: SwType::SW_NIL,
        boolean: false,
        integer: 0,
        real: 0.0,
        userdata: 0,
        string: SwSlice::NONE,
        array_len: 0,
        hash_len: 0,
        next: 0,
    };
}

/// An unpacked payload (opaque): its values as `sw_item`s, and the bytes their strings
/// point into.
///
/// Ownership: made by `sw_unpack`, freed by `sw_view_free`; everything it hands out
/// (items, strings) lives exactly as long as it does. Read-only, so any number of threads
/// may read one at once.
#[derive(Debug)]
pub struct SwView {
    /// What the strings point into. Never touched again: a boxed slice does not move.
    _payload: Box<[u8]>,
    items: Vec<SwItem>,
    args: usize,
}

impl SwView {
    fn new(payload: Box<[u8]>) -> Result<SwView, Error> {
        let tape = unpack_tape(&payload)?;
        let mut items = Vec::new();
        for v in tape.args() {
            flatten(v, &mut items);
        }
        let args = tape.len();
        drop(tape);
        Ok(SwView {
            _payload: payload,
            items,
            args,
        })
    }
}

/// Appends the items of `v` (a table's contents after it). Recursion is bounded by the
/// decoder's nesting limit.
fn flatten(v: TapeValue<'_, '_>, items: &mut Vec<SwItem>) {
    let at = items.len();
    let mut item = SwItem::NIL;
    match v {
        TapeValue::Nil => {}
        TapeValue::Boolean(b) => (item.r#type, item.boolean) = (SwType::SW_BOOLEAN, b),
        TapeValue::Integer(i) => (item.r#type, item.integer) = (SwType::SW_INTEGER, i),
        TapeValue::Real(x) => (item.r#type, item.real) = (SwType::SW_REAL, x),
        TapeValue::String(s) => (item.r#type, item.string) = (SwType::SW_STRING, SwSlice::of(s)),
        TapeValue::LightUserdata(p) => (item.r#type, item.userdata) = (SwType::SW_USERDATA, p),
        TapeValue::Table(t) => {
            item.r#type = SwType::SW_TABLE;
            item.array_len = t.array_len();
            item.hash_len = t.hash_len();
        }
    }
    items.push(item);
    if let TapeValue::Table(t) = v {
        for x in t.array() {
            flatten(x, items);
        }
        for (k, x) in t.hash() {
            flatten(k, items);
            flatten(x, items);
        }
    }
    let next = items.len();
    if let Some(item) = items.get_mut(at) {
        item.next = next;
    }
}

/// Unpacks a payload (what `skynet.unpack` reads) into a new view at `*out`: every value
/// checked, every length against the bytes present, nesting bounded (64 tables). The `len`
/// bytes at `data` are copied, so they need not outlive the call; `data` may be NULL when
/// `len` is 0 (zero values).
///
/// On an error, `*out` is NULL and `sw_last_error_offset()` is the offset in the payload
/// of the value at fault.
///
/// Ownership: on `SW_OK` the caller owns `*out` and frees it with `sw_view_free`.
///
/// # Safety
/// `data` must be NULL or point to `len` readable bytes; `out` must be NULL or valid for
/// writing a pointer.
#[no_mangle]
pub unsafe extern "C" fn sw_unpack(data: *const u8, len: usize, out: *mut *mut SwView) -> SwStatus {
    guard::status(|| {
        if out.is_null() {
            return Err(Error::null("out"));
        }
        // SAFETY: not NULL, and the caller's promise.
        unsafe { out.write(core::ptr::null_mut()) };
        // SAFETY: the caller's promise.
        let payload = Box::from(unsafe { buffer::input(data, len, "data") }?);
        let view = Box::new(SwView::new(payload)?);
        // SAFETY: as above.
        unsafe { out.write(Box::into_raw(view)) };
        Ok(SwStatus::SW_OK)
    })
}

/// How many values (arguments) the payload held; 0 for NULL.
///
/// # Safety
/// `view` must be NULL or a live view.
#[no_mangle]
pub unsafe extern "C" fn sw_view_len(view: *const SwView) -> usize {
    // SAFETY: the caller's promise.
    guard::value(0, || unsafe { view.as_ref() }.map_or(0, |v| v.args))
}

/// The items of the view, all of them, in wire order (see `sw_item`), and their number at
/// `*count` (when `count` is not NULL). NULL (and a count of 0) for a NULL view.
///
/// Ownership: the array belongs to the view and lives as long as it does.
///
/// # Safety
/// `view` must be NULL or a live view; `count` must be NULL or valid for writing a
/// `size_t`.
#[no_mangle]
pub unsafe extern "C" fn sw_view_items(view: *const SwView, count: *mut usize) -> *const SwItem {
    guard::value(core::ptr::null(), || {
        // SAFETY: the caller's promise.
        let (items, n) = match unsafe { view.as_ref() } {
            Some(v) => (v.items.as_ptr(), v.items.len()),
            None => (core::ptr::null(), 0),
        };
        if !count.is_null() {
            // SAFETY: not NULL, and the caller's promise.
            unsafe { count.write(n) };
        }
        items
    })
}

/// Frees a view and everything it handed out. NULL is ignored.
///
/// # Safety
/// `view` must be NULL or a view from `sw_unpack` not freed before.
#[no_mangle]
pub unsafe extern "C" fn sw_view_free(view: *mut SwView) {
    guard::value((), || {
        if !view.is_null() {
            // SAFETY: the caller's promise: it came from `Box::into_raw` in `sw_unpack`.
            drop(unsafe { Box::from_raw(view) });
        }
    })
}
