"""Test helpers for Lua values: the JSON value form of spec/vectors and tests/captures, the
comparisons a protocol test needs, and an encoder written here from skynet's rules
(spec/lua-seri.md, lualib-src/lua-seri.c) that `skywire.pack` is held to."""

from __future__ import annotations

import math
import struct
from typing import Any

import skywire

# skynet computes 0.0/0.0 as this NaN on x86; the vectors' "nan" carries these bits.
SKYNET_NAN = struct.unpack(">d", bytes.fromhex("fff8000000000000"))[0]

_SPECIAL = {"nan": SKYNET_NAN, "inf": math.inf, "-inf": -math.inf, "-0": -0.0}


def to_python(v: Any) -> Any:
    """A JSON-form value as a Python value to pack: tables as `Table` (wire order kept),
    strings as `bytes`, reals as `float`."""
    if v is None or isinstance(v, bool) or isinstance(v, int):
        return v
    if isinstance(v, str):
        return v.encode()
    if isinstance(v, dict):
        if "real" in v:
            r = v["real"]
            return _SPECIAL[r] if isinstance(r, str) else float(r)
        if "bytes" in v:
            return bytes.fromhex(v["bytes"])
        if "userdata" in v:
            return skywire.LightUserdata(int(v["userdata"], 16))
        if "array" in v or "hash" in v:
            return skywire.Table(
                [to_python(x) for x in v.get("array", [])],
                [(to_python(k), to_python(x)) for k, x in v.get("hash", [])],
            )
    raise ValueError(f"not a JSON-form value: {v!r}")


def exact_eq(a: Any, b: Any) -> bool:
    """Equal as Lua values of the same wire form: types match (an int is not a float),
    reals by bits (NaN equals NaN, -0.0 is not 0.0), tables part by part in order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, skywire.Table):
        return exact_eq(a.array, b.array) and exact_eq(a.hash, b.hash)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(exact_eq(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return exact_eq(list(a.items()), list(b.items()))
    return a == b


def content_eq(a: Any, b: Any) -> bool:
    """`exact_eq`, but a table's hash part compares as an unordered set of pairs (a Lua
    table has no order; a receiver writes it in its own iteration order)."""
    if isinstance(a, skywire.Table) and isinstance(b, skywire.Table):
        if not content_eq(a.array, b.array) or len(a.hash) != len(b.hash):
            return False
        left = list(b.hash)
        for k, v in a.hash:
            for i, (k2, v2) in enumerate(left):
                if content_eq(k, k2) and content_eq(v, v2):
                    del left[i]
                    break
            else:
                return False
        return True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and type(a) is type(b):
        return len(a) == len(b) and all(content_eq(x, y) for x, y in zip(a, b))
    return exact_eq(a, b)


# --- an encoder of our own, from spec/lua-seri.md ---------------------------------------


def ref_pack(*values: Any) -> bytes:
    """skynet.pack's bytes for `values` (None, bool, int, float, bytes, str, list, tuple,
    dict, Table, LightUserdata), written from the spec, not from skywire."""
    out = bytearray()
    for v in values:
        _ref_value(v, out)
    return bytes(out)


def _type_byte(ty: int, cookie: int) -> int:
    return ty | (cookie << 3)


def _ref_int(i: int, out: bytearray) -> None:
    if i == 0:
        out.append(_type_byte(2, 0))
    elif i != ((i + 2**31) % 2**32) - 2**31:  # not an int32
        out.append(_type_byte(2, 6))
        out += struct.pack("<q", i)
    elif i < 0:
        out.append(_type_byte(2, 4))
        out += struct.pack("<i", i)
    elif i < 0x100:
        out += bytes([_type_byte(2, 1), i])
    elif i < 0x10000:
        out.append(_type_byte(2, 2))
        out += struct.pack("<H", i)
    else:
        out.append(_type_byte(2, 4))
        out += struct.pack("<i", i)


def _ref_value(v: Any, out: bytearray) -> None:
    if v is None:
        out.append(0)
    elif isinstance(v, bool):
        out.append(_type_byte(1, int(v)))
    elif isinstance(v, int):
        _ref_int(v, out)
    elif isinstance(v, float):
        out.append(_type_byte(2, 8))
        out += struct.pack("<d", v)
    elif isinstance(v, (bytes, str)):
        b = v.encode() if isinstance(v, str) else v
        if len(b) < 32:
            out.append(_type_byte(4, len(b)))
        elif len(b) < 0x10000:
            out.append(_type_byte(5, 2))
            out += struct.pack("<H", len(b))
        else:
            out.append(_type_byte(5, 4))
            out += struct.pack("<I", len(b))
        out += b
    elif isinstance(v, skywire.LightUserdata):
        out.append(_type_byte(3, 0))
        out += struct.pack("<Q", v.address)
    elif isinstance(v, (list, tuple, dict, skywire.Table)):
        if isinstance(v, dict):
            array, pairs = [], list(v.items())
        elif isinstance(v, skywire.Table):
            array, pairs = v.array, v.hash
        else:
            array, pairs = list(v), []
        if len(array) < 31:
            out.append(_type_byte(6, len(array)))
        else:
            out.append(_type_byte(6, 31))
            _ref_int(len(array), out)
        for x in array:
            _ref_value(x, out)
        for k, x in pairs:
            _ref_value(k, out)
            _ref_value(x, out)
        out.append(0)
    else:
        raise TypeError(type(v))
