"""Benchmarks of the skywire Python package (a script, not a test).

    python bench/bench.py                       # codec figures, then calls/s
    python bench/bench.py --codec-only
    python bench/bench.py --skywire PATH        # the `skywire` binary to call (else built with cargo)

Codec: the 200-byte game message of BENCHMARKS.md (``"cmd", msg`` as in
benches/common/mod.rs), as a Python dict, packed and unpacked by skywire beside the
``msgpack`` C extension's ``packb`` / ``unpackb`` on the same values, in the same run.
Each figure is the best of several timing rounds (``timeit``), in ns per operation.

Calls: calls/s of ``skywire.Client`` (blocking, one caller) and ``skywire.AsyncClient``
(64 calls in flight) against a ``skywire node`` started here, on ``"ping", 1`` to its
``@echo``; and the same clients against a Python ``skywire.Node`` serving a plain and an
async echo.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
import timeit
from pathlib import Path

import skywire

ROOT = Path(__file__).resolve().parents[3]


def game_msg() -> dict:
    """`msg` of benches/common/mod.rs, keys in the same order."""
    return {
        "id": 123_456,
        "name": "player_one",
        "pos": {"x": 1.5, "y": -2.25, "z": 100.0},
        "items": [i * 1000 + 7 for i in range(1, 21)],
        "flags": True,
        "guild": "dragons",
        "hp": 9876,
        "mp": 321,
        "buffs": [{"id": 1, "t": 30}, {"id": 2, "t": 60}],
    }


def best_ns(stmt, number: int, repeat: int = 7) -> float:
    return min(timeit.repeat(stmt, number=number, repeat=repeat)) / number * 1e9


def codec_rows():
    """(name, skywire's operation, msgpack's operation) on the same values."""
    import msgpack

    msg = game_msg()
    packed = skywire.pack("cmd", msg)
    assert len(packed) == 200, len(packed)
    mp = msgpack.packb(["cmd", msg])
    assert skywire.unpack(packed, str=True) == ("cmd", msg)
    assert msgpack.unpackb(mp) == ["cmd", msg]
    ping = skywire.pack("ping", 1)
    mping = msgpack.packb(["ping", 1])
    return [
        ("pack cmd_msg", lambda: skywire.pack("cmd", msg), lambda: msgpack.packb(["cmd", msg])),
        ("unpack cmd_msg, str", lambda: skywire.unpack(packed, str=True), lambda: msgpack.unpackb(mp)),
        ("unpack cmd_msg, bytes", lambda: skywire.unpack(packed), lambda: msgpack.unpackb(mp, raw=True)),
        ("pack ping_1", lambda: skywire.pack("ping", 1), lambda: msgpack.packb(["ping", 1])),
        ("unpack ping_1, bytes", lambda: skywire.unpack(ping), lambda: msgpack.unpackb(mping, raw=True)),
    ]


def codec() -> None:
    import msgpack

    print(f"lua-seri {len(skywire.pack('cmd', game_msg()))} bytes, msgpack {len(msgpack.packb(['cmd', game_msg()]))} bytes; msgpack {msgpack.version}")
    print(f"{'operation':24} {'skywire ns':>11} {'msgpack ns':>11} {'ratio':>6}")
    for name, ours, theirs in codec_rows():
        a = best_ns(ours, 20_000)
        b = best_ns(theirs, 20_000)
        print(f"{name:24} {a:11.0f} {b:11.0f} {a / b:6.2f}")


def repeat(spec: str) -> None:
    """``--repeat ROW:LIB:N``: runs one operation N times (for --instructions)."""
    name, lib, n = spec.rsplit(":", 2)
    row = next(r for r in codec_rows() if r[0] == name)
    op = row[1] if lib == "skywire" else row[2]
    for _ in range(int(n)):
        op()


def instructions(n: int = 2000) -> None:
    """Instructions per operation under callgrind: N runs minus 0 runs, divided by N (the
    loop and the lambda call are in both figures, the same for both libraries)."""

    def collected(spec: str) -> int:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, "--repeat", spec],
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        return int(re.search(r"Collected : *(\d+)", out).group(1))

    print(f"instructions per operation (callgrind, N = {n}):")
    print(f"{'operation':24} {'skywire':>9} {'msgpack':>9} {'ratio':>6}")
    for name, _, _ in codec_rows():
        counts = []
        for lib in ("skywire", "msgpack"):
            counts.append((collected(f"{name}:{lib}:{n}") - collected(f"{name}:{lib}:0")) // n)
        print(f"{name:24} {counts[0]:9} {counts[1]:9} {counts[0] / counts[1]:6.2f}")


def find_skywire(path: str | None) -> str:
    if path:
        return path
    found = shutil.which("skywire")
    if found:
        return found
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "skywire-cli"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    return str(Path(target) / "release" / "skywire")


def start_skywire_node(binary: str):
    proc = subprocess.Popen(
        [binary, "node", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    m = re.search(r"listening on (\S+)", line)
    if not m:
        proc.kill()
        raise SystemExit(f"skywire node did not start: {line!r}")
    return proc, m.group(1)


def blocking_rate(address: str, target: str, seconds: float = 3.0) -> float:
    with skywire.Client(address) as c:
        c.call(target, "ping", 1)
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(200):
                c.call(target, "ping", 1)
            n += 200
        return n / (time.perf_counter() - start)


def async_rate(address: str, target: str, seconds: float = 3.0, in_flight: int = 64) -> float:
    async def run() -> float:
        async with skywire.AsyncClient(address) as c:
            await c.call(target, "ping", 1)
            n, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                await asyncio.gather(*[c.call(target, "ping", 1) for _ in range(in_flight)])
                n += in_flight
            return n / (time.perf_counter() - start)

    return asyncio.run(run())


def calls(binary: str) -> None:
    proc, address = start_skywire_node(binary)
    try:
        print(f"skywire node at {address} (@echo):")
        print(f"  Client, one caller:          {blocking_rate(address, '@echo'):9.0f} calls/s")
        print(f"  AsyncClient, 64 in flight:   {async_rate(address, '@echo'):9.0f} calls/s")
    finally:
        proc.terminate()
        proc.wait()
    node = skywire.Node()
    node.register("echo", lambda *args: args)

    async def aecho(*args):
        return args

    node.register("aecho", aecho)
    address = node.listen("127.0.0.1:0")
    try:
        print(f"Python skywire.Node at {address}:")
        print(f"  Client -> plain function:    {blocking_rate(address, '@echo'):9.0f} calls/s")
        print(f"  Client -> async function:    {blocking_rate(address, '@aecho'):9.0f} calls/s")
        print(f"  AsyncClient (64) -> plain:   {async_rate(address, '@echo'):9.0f} calls/s")
        print(f"  AsyncClient (64) -> async:   {async_rate(address, '@aecho'):9.0f} calls/s")
    finally:
        node.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--codec-only", action="store_true")
    ap.add_argument("--instructions", action="store_true", help="instruction counts of the codec rows (needs valgrind)")
    ap.add_argument("--repeat", help=argparse.SUPPRESS)
    ap.add_argument("--skywire", help="the skywire binary (default: on PATH, else cargo build --release)")
    args = ap.parse_args()
    if args.repeat:
        return repeat(args.repeat)
    if args.instructions:
        return instructions()
    print(f"Python {sys.version.split()[0]}, skywire from {Path(skywire.__file__).parent}")
    codec()
    if not args.codec_only:
        calls(find_skywire(args.skywire))


if __name__ == "__main__":
    main()
