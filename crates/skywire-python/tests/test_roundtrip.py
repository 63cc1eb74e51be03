"""Round trips, including random values (hypothesis): `pack` against the test's own encoder
(written from the spec), `unpack(pack(x))` against `x` in both mappings, and random bytes
against the decoder (a value or a DecodeError, nothing else)."""

from __future__ import annotations

import math
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

import skywire
from lua_values import exact_eq, ref_pack

I64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
# Integers near every width boundary skynet's encoder chooses at.
EDGES = st.sampled_from([0, 1, 255, 256, 65535, 65536, 2**31 - 1, 2**31, 2**32, -1, -256, -(2**31), -(2**31) - 1])
FLOATS = st.floats(allow_nan=True, allow_infinity=True)
SCALARS = (
    st.none()
    | st.booleans()
    | I64
    | EDGES
    | FLOATS
    | st.binary(max_size=40)
    | st.binary(min_size=28, max_size=300)
    | st.builds(skywire.LightUserdata, st.integers(min_value=0, max_value=2**64 - 1))
)
KEYS = st.booleans() | I64 | st.binary(max_size=8) | st.floats(allow_nan=False)


def tables(children):
    """Exact tables: an array part and hash pairs in a chosen order (keys may repeat:
    lua-seri carries whatever pairs it is given)."""
    return st.builds(
        skywire.Table,
        st.lists(children, max_size=6),
        st.lists(st.tuples(KEYS, children), max_size=6),
    )


EXACT_VALUES = st.recursive(SCALARS, tables, max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(EXACT_VALUES, max_size=5))
def test_pack_matches_the_spec_encoder(values):
    assert skywire.pack(*values) == ref_pack(*values)


@settings(max_examples=300, deadline=None)
@given(st.lists(EXACT_VALUES, max_size=5))
def test_exact_round_trip(values):
    packed = skywire.pack(*values)
    back = skywire.unpack(packed, exact=True)
    assert exact_eq(back, tuple(values))
    assert skywire.pack(*back) == packed


# The default mapping: dicts, lists and str, with what each comes back as.
PLAIN_SCALARS = st.none() | st.booleans() | I64 | st.floats(allow_nan=False) | st.binary(max_size=20) | st.text(max_size=10)
PLAIN_KEYS = I64 | st.binary(max_size=8)


def plain(children):
    return st.lists(children, min_size=1, max_size=5) | st.tuples(children, children) | st.dictionaries(
        PLAIN_KEYS, children, max_size=5
    )


PLAIN_VALUES = st.recursive(PLAIN_SCALARS, plain, max_leaves=25)


def decoded(v, text: bool):
    """What `unpack` gives for a value `pack` took."""
    if isinstance(v, str):
        return v if text else v.encode()
    if isinstance(v, bytes):
        return v.decode() if text else v
    if isinstance(v, (list, tuple)):
        return [decoded(x, text) for x in v]
    if isinstance(v, dict):
        return {decoded(k, text): decoded(x, text) for k, x in v.items()}
    return v


def utf8(v) -> bool:
    try:
        decoded(v, True)
        return True
    except UnicodeDecodeError:
        return False


@settings(max_examples=300, deadline=None)
@given(st.lists(PLAIN_VALUES, max_size=4))
def test_plain_round_trip(values):
    packed = skywire.pack(*values)
    assert exact_eq(skywire.unpack(packed), tuple(decoded(v, False) for v in values))
    if utf8(values):
        assert exact_eq(skywire.unpack(packed, str=True), tuple(decoded(v, True) for v in values))
    else:
        try:
            skywire.unpack(packed, str=True)
            raise AssertionError("invalid UTF-8 read as str")
        except skywire.DecodeError as e:
            assert e.kind == "invalid-utf8"


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_decode_or_fail_cleanly(data):
    try:
        values = skywire.unpack(data, exact=True)
    except skywire.DecodeError as e:
        assert 0 <= e.offset <= len(data)
        return
    # What decodes packs back to skynet's form, which decodes to the same values.
    assert exact_eq(skywire.unpack(skywire.pack(*values), exact=True), values)
    skywire.unpack(data)  # the default mapping reads it too


@settings(max_examples=300, deadline=None)
@given(st.lists(EXACT_VALUES, min_size=1, max_size=3), st.data())
def test_every_cut_of_a_payload_is_refused(values, data):
    packed = skywire.pack(*values)
    # Cut inside the last value: always truncated (a shorter whole prefix may decode).
    last = len(skywire.pack(*values[:-1]))
    if len(packed) - last < 2:
        return
    cut = data.draw(st.integers(min_value=last + 1, max_value=len(packed) - 1))
    try:
        skywire.unpack(packed[:cut])
        raise AssertionError("a cut payload decoded")
    except skywire.DecodeError as e:
        # Truncated, or a table whose announced array no longer fits what is left.
        assert e.kind in ("truncated", "array-too-large")


def test_floats_keep_their_bits():
    for bits in ("7ff8000000000000", "fff8000000000000", "7ff0000000000001", "8000000000000000", "0000000000000001"):
        x = struct.unpack(">d", bytes.fromhex(bits))[0]
        (back,) = skywire.unpack(skywire.pack(x))
        assert struct.pack(">d", back).hex() == bits
    assert math.copysign(1.0, skywire.unpack(skywire.pack(-0.0))[0]) == -1.0


def test_table_lookup_is_luas_rawget():
    t = skywire.unpack(skywire.pack(skywire.Table([b"a", b"b"], [(b"name", 1), (True, 2), (1.5, 3), (10, 4)])))[0]
    assert isinstance(t, skywire.Table)
    assert t[1] == b"a" and t[2.0] == b"b" and t[b"name"] == 1 and t["name"] == 1
    assert t[True] == 2 and t[1.5] == 3 and t[10.0] == 4
    assert t.get(3) is None and t.get(b"x", 7) == 7
    try:
        t[0]
        raise AssertionError("t[0] found")
    except KeyError:
        pass
    u = skywire.Table([b"a"], [(b"name", 1), (1, b"hash part")])
    assert u.to_dict() == {1: b"hash part", b"name": 1}  # later keys win, as in Lua


def test_default_mapping_of_each_table_shape():
    cases = [
        ([1, 2], [1, 2]),
        ({"k": 1}, {b"k": 1}),
        ({}, {}),
        ([], {}),
        (skywire.Table([1], [(b"k", 2)]), skywire.Table([1], [(b"k", 2)])),
        # Keys Python cannot keep apart, or cannot hash: a Table, pairs as on the wire.
        (skywire.Table([], [(True, 1), (1, 2)]), skywire.Table([], [(True, 1), (1, 2)])),
        (skywire.Table([], [(b"k", 1), (b"k", 2)]), skywire.Table([], [(b"k", 1), (b"k", 2)])),
        (skywire.Table([], [([1], 2)]), skywire.Table([], [([1], 2)])),
        ({1: {2: [3]}}, {1: {2: [3]}}),
    ]
    for given_, expected in cases:
        (got,) = skywire.unpack(skywire.pack(given_))
        assert exact_eq(got, expected), (given_, got)


def test_large_values():
    big = b"x" * 200_000
    many = list(range(100_000))
    packed = skywire.pack(big, many, {i: i for i in range(1000)})
    got = skywire.unpack(packed)
    assert got[0] == big and got[1] == many and got[2] == {i: i for i in range(1000)}
    assert packed == ref_pack(big, many, {i: i for i in range(1000)})
