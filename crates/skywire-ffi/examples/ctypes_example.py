"""Calling libskywire_ffi from Python with ctypes, as skywire.h documents it.

    cargo build -p skywire-ffi
    python3 crates/skywire-ffi/examples/ctypes_example.py target/debug/libskywire_ffi.so

It wraps the C API in `pack(*values)` / `unpack(data)` and a request-stream reader, then
checks them against bytes skynet made: every vector of spec/vectors/lua-seri.json packs to
skynet's bytes and unpacks back, and the first call in skynet's captured traffic decodes.
Exits non-zero on any difference.
"""

import ctypes as C
import json
import math
import pathlib
import struct
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]

# ---- the header's types ---------------------------------------------------------------


class Slice(C.Structure):  # sw_slice: borrowed bytes
    _fields_ = [("ptr", C.POINTER(C.c_uint8)), ("len", C.c_size_t)]

    def bytes(self):
        return C.string_at(self.ptr, self.len) if self.ptr else None


class Bytes(C.Structure):  # sw_bytes: a buffer we own, freed with sw_bytes_free
    _fields_ = [("ptr", C.POINTER(C.c_uint8)), ("len", C.c_size_t)]


class Item(C.Structure):  # sw_item: one value of a view
    _fields_ = [
        ("type", C.c_uint8),
        ("boolean", C.c_bool),
        ("integer", C.c_int64),
        ("real", C.c_double),
        ("userdata", C.c_uint64),
        ("string", Slice),
        ("array_len", C.c_size_t),
        ("hash_len", C.c_size_t),
        ("next", C.c_size_t),
    ]


class Request(C.Structure):  # sw_request
    _fields_ = [
        ("session", C.c_uint32),
        ("push", C.c_bool),
        ("address", C.c_uint32),
        ("name", Slice),
        ("trace", Slice),
        ("payload", Slice),
    ]


SW_OK, SW_NEED_MORE = 0, 1
NIL, BOOLEAN, INTEGER, REAL, STRING, TABLE, USERDATA = range(7)

lib = C.CDLL(sys.argv[1] if len(sys.argv) > 1 else "libskywire_ffi.so")
P = C.c_void_p
for name, res, args in [
    ("sw_last_error_message", C.c_char_p, []),
    ("sw_status_name", C.c_char_p, [C.c_int32]),
    ("sw_bytes_free", None, [Bytes]),
    ("sw_builder_new", P, []),
    ("sw_builder_free", None, [P]),
    ("sw_builder_nil", C.c_int32, [P]),
    ("sw_builder_boolean", C.c_int32, [P, C.c_bool]),
    ("sw_builder_integer", C.c_int32, [P, C.c_int64]),
    ("sw_builder_real", C.c_int32, [P, C.c_double]),
    ("sw_builder_string", C.c_int32, [P, C.c_char_p, C.c_size_t]),
    ("sw_builder_userdata", C.c_int32, [P, C.c_uint64]),
    ("sw_builder_table_begin", C.c_int32, [P]),
    ("sw_builder_table_hash", C.c_int32, [P]),
    ("sw_builder_table_end", C.c_int32, [P]),
    ("sw_builder_pack", C.c_int32, [P, C.POINTER(Bytes)]),
    ("sw_unpack", C.c_int32, [C.c_char_p, C.c_size_t, C.POINTER(P)]),
    ("sw_view_items", C.POINTER(Item), [P, C.POINTER(C.c_size_t)]),
    ("sw_view_free", None, [P]),
    ("sw_request_decoder_new", P, [P]),
    ("sw_request_decoder_free", None, [P]),
    ("sw_request_decoder_feed", C.c_int32, [P, C.c_char_p, C.c_size_t]),
    ("sw_request_decoder_next", C.c_int32, [P, C.POINTER(Request)]),
]:
    f = getattr(lib, name)
    f.restype, f.argtypes = res, args


class SkywireError(Exception):
    pass


def check(status):
    if status != SW_OK:
        raise SkywireError(
            f"{lib.sw_status_name(status).decode()}: {lib.sw_last_error_message().decode()}"
        )


# ---- Python values <-> the builder and the view ----------------------------------------


class Table:
    """A Lua table: its array part and its hash part (pairs in wire order)."""

    def __init__(self, array=(), hash=()):
        self.array, self.hash = list(array), list(hash)


class Userdata(int):
    """A light userdata (a pointer value)."""


def _append(b, v):
    if v is None:
        check(lib.sw_builder_nil(b))
    elif isinstance(v, bool):
        check(lib.sw_builder_boolean(b, v))
    elif isinstance(v, Userdata):
        check(lib.sw_builder_userdata(b, v))
    elif isinstance(v, int):
        check(lib.sw_builder_integer(b, v))
    elif isinstance(v, float):
        check(lib.sw_builder_real(b, v))
    elif isinstance(v, (bytes, str)):
        data = v.encode() if isinstance(v, str) else v
        check(lib.sw_builder_string(b, data, len(data)))
    elif isinstance(v, Table):
        check(lib.sw_builder_table_begin(b))
        for x in v.array:
            _append(b, x)
        if v.hash:
            check(lib.sw_builder_table_hash(b))
        for k, x in v.hash:
            _append(b, k)
            _append(b, x)
        check(lib.sw_builder_table_end(b))
    else:
        raise TypeError(f"cannot pack {type(v).__name__}")


def pack(*values):
    """skynet.pack(...): the values as lua-seri bytes."""
    b = lib.sw_builder_new()
    try:
        for v in values:
            _append(b, v)
        out = Bytes()
        check(lib.sw_builder_pack(b, C.byref(out)))
        try:
            return C.string_at(out.ptr, out.len)
        finally:
            lib.sw_bytes_free(out)  # ownership rule 2
    finally:
        lib.sw_builder_free(b)  # ownership rule 1


def _value(items, i):
    """The value at items[i] (strings as bytes)."""
    it = items[i]
    if it.type == TABLE:
        j, array, hash = i + 1, [], []
        for _ in range(it.array_len):
            array.append(_value(items, j))
            j = items[j].next
        for _ in range(it.hash_len):
            k = _value(items, j)
            j = items[j].next
            hash.append((k, _value(items, j)))
            j = items[j].next
        return Table(array, hash)
    return {
        NIL: lambda: None,
        BOOLEAN: lambda: it.boolean,
        INTEGER: lambda: it.integer,
        REAL: lambda: it.real,
        STRING: lambda: it.string.bytes(),
        USERDATA: lambda: Userdata(it.userdata),
    }[it.type]()


def unpack(data):
    """skynet.unpack(msg, sz): the values of lua-seri bytes, as a tuple."""
    view = P()
    check(lib.sw_unpack(data, len(data), C.byref(view)))
    try:
        count = C.c_size_t()
        items = lib.sw_view_items(view, C.byref(count))
        values, i = [], 0
        while i < count.value:
            values.append(_value(items, i))
            i = items[i].next
        return tuple(values)
    finally:
        lib.sw_view_free(view)  # the items die with the view: copied out above


# ---- checks against skynet's bytes ------------------------------------------------------


def from_json(v):
    """The vectors' JSON value form (spec/vectors/README.md) as Python values."""
    if isinstance(v, dict):
        if "real" in v:
            r = v["real"]
            return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "-0": -0.0}.get(
                r, float(r) if not isinstance(r, str) else r
            )
        if "bytes" in v:
            return bytes.fromhex(v["bytes"])
        if "userdata" in v:
            return Userdata(int(v["userdata"], 16))
        return Table(
            map(from_json, v.get("array", [])),
            [(from_json(k), from_json(x)) for k, x in v.get("hash", [])],
        )
    return v.encode() if isinstance(v, str) else v


def same(a, b):
    if isinstance(a, Table):
        return (
            isinstance(b, Table)
            and len(a.array) == len(b.array)
            and all(map(same, a.array, b.array))
            and len(a.hash) == len(b.hash)
            and all(same(k, l) and same(x, y) for (k, x), (l, y) in zip(a.hash, b.hash))
        )
    if isinstance(a, float):
        return isinstance(b, float) and struct.pack("<d", a) == struct.pack("<d", b)
    return type(a) is type(b) and a == b


def main():
    vectors = json.loads((ROOT / "spec/vectors/lua-seri.json").read_text())["vectors"]
    bad = 0
    for v in vectors:
        packed = bytes.fromhex(v["packed"])
        values = [from_json(x) for x in v["values"]]
        back = unpack(packed)
        # NaN: skynet's bits, as the vectors README says; compare the rest exactly.
        values = [b if isinstance(a, float) and math.isnan(a) else a for a, b in zip(values, back)]
        if pack(*values) != packed or not all(map(same, values, back)) or len(back) != len(values):
            bad += 1
            print(f"vector {v['id']}: differs", file=sys.stderr)

    # The first request skynet sent in tests/captures/basic, fed in 100-byte pieces.
    stream = (ROOT / "tests/captures/basic/requests.bin").read_bytes()
    d = lib.sw_request_decoder_new(None)
    try:
        req, status, at = Request(), SW_NEED_MORE, 0
        while status == SW_NEED_MORE and at < len(stream):
            check(lib.sw_request_decoder_feed(d, stream[at : at + 100], len(stream[at : at + 100])))
            at += 100
            status = lib.sw_request_decoder_next(d, C.byref(req))
        check(status)
        first = (req.session, req.name.bytes(), unpack(req.payload.bytes()))
    finally:
        lib.sw_request_decoder_free(d)
    # tests/captures/basic/calls.jsonl, line 1: cluster.call("db", "@echo", "ping")
    if first != (1, b"@echo", (b"ping",)):
        bad += 1
        print(f"first request: {first}", file=sys.stderr)

    try:
        unpack(b"\x0a")
        bad += 1
    except SkywireError as e:
        if str(e) != "SW_ERR_TRUNCATED: at byte 0: truncated: the value needs 2 bytes, 1 left":
            bad += 1
            print(f"error: {e}", file=sys.stderr)

    print(f"ctypes: {len(vectors)} lua-seri vectors, 1 request, 1 error: "
          f"{len(vectors) + 2 - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
