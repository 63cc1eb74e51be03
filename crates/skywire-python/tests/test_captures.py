"""Byte-exactness against tests/captures/: traffic between two unmodified skynet nodes.

Every argument list the client logged packs to exactly the payload skynet put on the wire
(hash pairs in `args` are in wire order); every payload on the wire, both directions,
unpacks and packs back to its own bytes; the results the client logged are what the
responses unpack to, and the pushes the services logged what the pushes unpack to (those
two logs are in the receiver's iteration order: compared as unordered tables)."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

import skywire
from conftest import capture_dirs
from lua_values import content_eq, to_python
from wire import requests, responses

CAPTURES = capture_dirs()


def log(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def target_of(addr):
    """A logged target as the wire carries it: a name's bytes, or the address."""
    return addr.encode() if isinstance(addr, str) else addr


@pytest.fixture(params=CAPTURES, ids=[p.name for p in CAPTURES])
def capture(request):
    d = request.param
    return {
        "requests": requests((d / "requests.bin").read_bytes()),
        "responses": responses((d / "responses.bin").read_bytes()),
        "calls": log(d / "calls.jsonl"),
        "pushes": log(d / "pushes.jsonl"),
    }


def test_every_payload_round_trips_byte_for_byte(capture):
    payloads = [r.payload for r in capture["requests"]]
    payloads += [p for _, ok, p in capture["responses"] if ok]
    assert len(payloads) > 20
    for p in payloads:
        assert skywire.pack(*skywire.unpack(p, exact=True)) == p
        # The default mapping (dicts, lists) carries the same values.
        assert content_eq(
            skywire.unpack(skywire.pack(*skywire.unpack(p)), exact=True), skywire.unpack(p, exact=True)
        )


def test_logged_arguments_pack_to_the_wire_bytes(capture):
    sent = defaultdict(list)  # (target, payload) -> requests
    for r in capture["requests"]:
        sent[(r.target, r.payload)].append(r)
    answers = {s: (ok, p) for s, ok, p in capture["responses"]}
    checked = 0
    for op in capture["calls"]:
        if op["op"] == "query":
            key = (0, skywire.pack(op["name"]))
        elif op["op"] in ("call", "send"):
            key = (target_of(op["addr"]), skywire.pack(*[to_python(a) for a in op["args"]]))
        else:
            continue
        assert sent[key], f"no request on the wire packs as {op}"
        req = sent[key].pop(0)
        checked += 1
        if op["op"] == "call" and op["ok"]:
            ok, payload = answers[req.session]
            assert ok
            assert content_eq(skywire.unpack(payload, exact=True), tuple(to_python(x) for x in op["ret"]))
        if op["op"] == "query" and op["ok"]:
            assert skywire.unpack(answers[req.session][1]) == (op["ret"],)
    assert checked == sum(1 for op in capture["calls"] if op["op"] != "end")


def test_pushes_received_are_what_was_pushed(capture):
    pushed = [skywire.unpack(r.payload, exact=True) for r in capture["requests"] if r.push]
    logged = [tuple(to_python(x) for x in p) for p in capture["pushes"]]
    for got in logged:
        match = next((i for i, p in enumerate(pushed) if content_eq(p, got)), None)
        assert match is not None, f"no push on the wire unpacks as {got!r}"
        pushed.pop(match)
