"""The conformance suite (crates/skywire-conform, conform/README.md) on the Python side of
the package: a `skywire.Node` serving the contract in Python passes every case of
`skywire conform`, and a `skywire.Client` performing the caller script sends exactly the
bytes skynet's own sender wrote for it (`skywire conform --serve`)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading

import skywire
from conftest import ROOT
from lua_values import to_python

ECHO, ECHO2 = 10, 11  # the contract's addresses (those skynet gave in the captures)
MAX_SLEEP = 60_000


def contract_echo():
    """One contract service (conform/README.md, "The contract"), in Python."""
    pushes = []

    async def echo(req, *args):
        if req.push:
            pushes.append(list(args))
            return None
        command = args[0] if args else None
        if command == b"fail":
            raise RuntimeError("echo: failed as asked")
        if command == b"big":
            return b"R" * max(0, min(args[1], 64 << 20))
        if command == b"sleep":
            await asyncio.sleep(max(0, min(args[1], MAX_SLEEP)) / 100)
            return args
        if command == b"pushes" and len(args) == 1:
            taken = [skywire.Table(p) for p in pushes]
            pushes.clear()
            return tuple(taken)
        return args

    return echo


def contract_node() -> skywire.Node:
    node = skywire.Node()
    # exact: every table comes back as it came, in skynet's form.
    node.register("echo", contract_echo(), exact=True, request=True, address=ECHO)
    node.register("echo2", contract_echo(), exact=True, request=True, address=ECHO2)
    return node


def test_a_python_node_passes_the_conformance_suite(skywire_bin):
    node = contract_node()
    try:
        addr = node.listen("127.0.0.1:0")
        run = subprocess.run(
            [skywire_bin, "conform", addr, "--json"], capture_output=True, text=True, timeout=600
        )
    finally:
        node.close(timeout=2)
    cases = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    failed = [c for c in cases if c.get("result", c.get("status")) not in ("pass", "passed")]
    assert len(cases) == 281, run.stdout[-2000:] + run.stderr[-2000:]
    assert not failed, json.dumps(failed[:5], indent=1)[:4000]
    assert run.returncode == 0


def test_the_python_client_sends_skynets_bytes(start_skywire):
    server = start_skywire("conform", "--serve", "127.0.0.1:0", "--wait", "60")
    steps = [json.loads(line) for line in (ROOT / "conform/caller/basic.jsonl").read_text().splitlines()]
    c = skywire.Client(server.address)
    for i, step in enumerate(steps):
        if step["op"] == "query":
            try:
                assert c.query(step["name"]) == step["ret"]
            except skywire.RemoteError:
                assert not step["ok"]
            continue
        target = step["addr"].encode() if isinstance(step["addr"], str) else step["addr"]
        args = [to_python(a) for a in step["args"]]
        if step["op"] == "send":
            c.send(target, *args)
            continue
        trace = f"(python-{i + 1})conform" if step.get("trace") else None
        try:
            got = c.call(target, *args, trace=trace, exact=True)
        except skywire.RemoteError:
            assert not step["ok"], step
            continue
        assert step["ok"], step
        assert len(got) == len(step["ret"])
    c.close()
    out = server.proc.communicate(timeout=60)[0]
    assert server.proc.returncode == 0, out[-3000:]
    assert f"{len(steps)} of {len(steps)} steps as skynet sends them, 0 deviations" in out, out[-3000:]
