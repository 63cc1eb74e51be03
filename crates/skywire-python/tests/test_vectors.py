"""Byte-exactness against the conformance vectors (spec/vectors/), whose bytes came from
skynet: lua-seri.json (skynet.pack's own output), lua-seri-invalid.json (payloads a strict
decoder rejects, and where) and messages.json (whole messages cut from skynet traffic)."""

from __future__ import annotations

import pytest

import skywire
from conftest import load_vectors
from lua_values import content_eq, exact_eq, ref_pack, to_python
from wire import requests, responses

SERI = load_vectors("lua-seri.json")["vectors"]
INVALID = load_vectors("lua-seri-invalid.json")["vectors"]
MESSAGES = load_vectors("messages.json")["vectors"]


def by_id(vectors):
    return pytest.mark.parametrize("v", vectors, ids=[v["id"] for v in vectors])


@by_id(SERI)
def test_pack_gives_skynets_bytes(v):
    values = [to_python(x) for x in v["values"]]
    packed = bytes.fromhex(v["packed"])
    assert skywire.pack(*values) == packed
    # The test's own encoder agrees with skynet too (so the random tests can trust it).
    assert ref_pack(*values) == packed


@by_id(SERI)
def test_unpack_reads_skynets_bytes(v):
    values = tuple(to_python(x) for x in v["values"])
    packed = bytes.fromhex(v["packed"])
    got = skywire.unpack(packed, exact=True)
    assert exact_eq(got, values)
    assert skywire.pack(*got) == packed
    # Every buffer type reads the same, without a copy where Python allows it.
    for data in (bytearray(packed), memoryview(packed), memoryview(bytearray(packed))):
        assert exact_eq(skywire.unpack(data, exact=True), values)


@by_id([v for v in SERI if v["unpacks_from"]])
def test_other_forms_skynet_reads(v):
    values = tuple(to_python(x) for x in v["values"])
    for form in v["unpacks_from"]:
        got = skywire.unpack(bytes.fromhex(form), exact=True)
        assert content_eq(got, values), form
        # Packed again, they come out in skynet's one form (hash pairs maybe reordered).
        assert content_eq(skywire.unpack(skywire.pack(*got), exact=True), values)


@by_id([v for v in SERI if v["unpacks_from_skynet_only"]])
def test_forms_only_skynet_reads_never_crash(v):
    for form in v["unpacks_from_skynet_only"]:
        try:
            skywire.unpack(bytes.fromhex(form))
        except skywire.DecodeError as e:
            assert isinstance(e.offset, int) and e.kind


def test_what_skynet_refuses_to_pack():
    def nest(v, n):
        for _ in range(n):
            v = [v]
        return v

    # table/nested/34: 34 nested empty tables; table/nested/33-with-item.
    for too_deep in (nest({}, 33), nest([1], 32)):
        with pytest.raises(skywire.EncodeError, match="nested in 33 tables"):
            skywire.pack(too_deep)
    # type/function, type/coroutine: no Lua form.
    for value in (lambda: 0, (x for x in ())):
        with pytest.raises(TypeError, match="have no Lua form"):
            skywire.pack(value)
    # The deepest skynet packs: 33 nested tables, the innermost empty.
    assert skywire.pack(nest({}, 32)) == bytes([0x0E] * 32 + [0x06] + [0x00] * 33)


@by_id(INVALID)
def test_invalid_payloads_rejected_where_the_spec_says(v):
    data = bytes.fromhex(v["bytes"])
    for given in (data, bytearray(data), memoryview(data)):
        with pytest.raises(skywire.DecodeError) as e:
            skywire.unpack(given)
        assert (e.value.kind, e.value.offset) == (v["error"], v["offset"])
        assert f"at byte {v['offset']}" in str(e.value)


@by_id(MESSAGES)
def test_message_payloads_from_skynet_traffic(v):
    stream = b"".join(bytes.fromhex(f) for f in v["frames"])
    payload = bytes.fromhex(v["payload"])
    if v["direction"] == "requests":
        (req,) = requests(stream)
        assert req.payload == payload and req.session == v["session"]
        is_seri = True
    else:
        ((session, ok, got),) = responses(stream)
        assert got == payload and session == v["session"]
        is_seri = ok
    if is_seri:
        values = skywire.unpack(payload, exact=True)
        assert skywire.pack(*values) == payload
