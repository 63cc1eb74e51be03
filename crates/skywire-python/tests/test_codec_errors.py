"""Every error path of pack and unpack: the exception class, and a message naming what and
where."""

from __future__ import annotations

import math

import pytest

import skywire


def nest(v, n):
    for _ in range(n):
        v = [v]
    return v


def table_with_pair(pair):
    """A Table whose hash part holds `pair` as it is (the constructor would refuse it)."""
    t = skywire.Table()
    t.hash.append(pair)
    return t


@pytest.mark.parametrize(
    "values, error, message",
    [
        ((2**63,), OverflowError, r"argument 1: int 9223372036854775808 does not fit in a Lua integer"),
        ((1, -(2**63) - 1), OverflowError, r"argument 2: int -9223372036854775809 does not fit"),
        (({"items": [1, 2, 3, 2**64]},), OverflowError, r"argument 1\['items'\]\[3\]: int 18446744073709551616"),
        ((object(),), TypeError, r"argument 1: object objects have no Lua form"),
        ((1, [1, {2, 3}]), TypeError, r"argument 2\[1\]: set objects have no Lua form"),
        (({"k": 1j},), TypeError, r"argument 1\['k'\]: complex objects have no Lua form"),
        (({None: 1},), skywire.EncodeError, r"argument 1, the key None: table key is nil"),
        (({math.nan: 1},), skywire.EncodeError, r"argument 1, the key nan: table key is NaN"),
        ((nest(1, 33),), skywire.EncodeError, r"argument 1\[0\]\[0\].*: value nested in 33 tables"),
        (("\ud800",), skywire.EncodeError, r"argument 1: .*surrogate"),
        ((table_with_pair((1, 2, 3)),), TypeError, r"argument 1.hash\[0\]: a hash pair must be a \(key, value\) tuple"),
        ((skywire.Table([], [(None, 1)]),), skywire.EncodeError, r"argument 1.hash\[0\]: table key is nil"),
        ((skywire.Table([1, [2**70]]),), OverflowError, r"argument 1\[1\]\[0\]: int 1180591620717411303424"),
    ],
)
def test_pack_refuses(values, error, message):
    with pytest.raises(error, match=message):
        skywire.pack(*values)


def test_encode_errors_are_value_errors_and_keep_their_cause():
    with pytest.raises(ValueError) as e:
        skywire.pack("\udfff")
    assert isinstance(e.value, skywire.EncodeError) and isinstance(e.value, skywire.Error)
    assert isinstance(e.value.__cause__, UnicodeEncodeError)


def test_table_parts_must_be_lists():
    t = skywire.Table()
    t.array = (1, 2)
    with pytest.raises(TypeError, match="Table.array must be a list, not tuple"):
        skywire.pack(t)


def test_light_userdata_is_a_64_bit_address():
    for bad in (-1, 2**64):
        with pytest.raises(ValueError, match="64-bit address"):
            skywire.LightUserdata(bad)
    assert skywire.pack(skywire.LightUserdata(2**64 - 1)) == b"\x03" + b"\xff" * 8


def test_the_limits_pass_at_their_edge():
    assert skywire.unpack(skywire.pack(2**63 - 1, -(2**63))) == (2**63 - 1, -(2**63))
    assert skywire.unpack(skywire.pack(nest(1, 32)))[0] == nest(1, 32)


def test_cyclic_values_stop_at_the_nesting_limit():
    a: list = []
    a.append(a)
    with pytest.raises(skywire.EncodeError, match="nested in 33 tables"):
        skywire.pack(a)
    d: dict = {}
    d["self"] = d
    with pytest.raises(skywire.EncodeError, match="nested in 33 tables"):
        skywire.pack(d)


@pytest.mark.parametrize("data", ["text", 42, None, [1, 2]])
def test_unpack_wants_bytes(data):
    with pytest.raises(TypeError, match="a bytes-like object is required"):
        skywire.unpack(data)


def test_unpack_refuses_a_non_contiguous_buffer():
    view = memoryview(b"\x0a\x01\x0a\x02")[::2]
    with pytest.raises(BufferError):
        skywire.unpack(view)


def test_invalid_utf8_says_where():
    data = skywire.pack("ok", b"ab\xffcd")
    assert skywire.unpack(data) == (b"ok", b"ab\xffcd")
    with pytest.raises(skywire.DecodeError) as e:
        skywire.unpack(data, str=True)
    # "ok" is 3 bytes, then the type byte of the second string: its bytes start at 4.
    assert (e.value.kind, e.value.offset) == ("invalid-utf8", 6)
    assert "at byte 6" in str(e.value) and "start at byte 4" in str(e.value)
    assert isinstance(e.value.__cause__, UnicodeDecodeError)


def test_max_depth():
    data = skywire.pack(nest(1, 10))
    assert skywire.unpack(data, max_depth=10)[0] == nest(1, 10)
    with pytest.raises(skywire.DecodeError) as e:
        skywire.unpack(data, max_depth=9)
    assert (e.value.kind, e.value.offset) == ("too-deep", 9)
    # 60,000 nested table heads: refused at the default limit, no stack overflow.
    with pytest.raises(skywire.DecodeError) as e:
        skywire.unpack(b"\x0e" * 60_000)
    assert (e.value.kind, e.value.offset) == ("too-deep", 64)


def test_a_bytearray_cannot_change_size_while_read():
    data = bytearray(skywire.pack("x" * 100))
    view = memoryview(data)
    assert skywire.unpack(view) == (b"x" * 100,)
    view.release()
    data += b"\x00"  # released: resizable again
    assert skywire.unpack(data)[1] is None
