"""`skywire.AsyncClient` against a real `skywire node` process and fake nodes."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

import skywire
from wire import FakeNode, read_frame


def run(coro):
    return asyncio.run(coro)


def test_calls_sends_queries(skywire_node):
    async def main():
        async with skywire.AsyncClient(skywire_node) as c:
            assert await c.call("@echo", "hi", 1, [2]) == (b"hi", 1, [2])
            assert await c.call("@echo", "hi", str=True) == ("hi",)
            assert await c.call("@echo", [1], exact=True) == (skywire.Table([1]),)
            assert await c.call("@echo", 3, trace=b"tag") == (3,)
            assert await c.query("kv") == 2
            await c.send("@kv", "SET", "a", 1)
            assert await c.call("@kv", "GET", "a") == (1,)

    run(main())


def test_many_in_flight(skywire_node):
    async def main():
        c = skywire.AsyncClient(skywire_node)
        got = await asyncio.gather(*[c.call("@echo", i, b"x" * (i * 97)) for i in range(300)])
        assert got == [(i, b"x" * (i * 97)) for i in range(300)]
        await c.close()

    run(main())


def test_errors(skywire_node):
    async def main():
        c = skywire.AsyncClient(skywire_node)
        with pytest.raises(skywire.UnknownNameError) as e:
            await c.call("@nobody")
        assert e.value.text == b"Invalid name"
        with pytest.raises(skywire.RemoteError, match="boom"):
            await c.call("@echo", "error", "boom")
        with pytest.raises(skywire.UnknownNameError):
            await c.query("nobody")
        with pytest.raises(ValueError):
            await c.call("")
        with pytest.raises(OverflowError):
            await c.call("@echo", 2**64)
        # Still fine afterwards.
        assert await c.call("@echo", 1) == (1,)

    run(main())


def silent(conn):
    while read_frame(conn) is not None:
        pass


def test_timeout_and_cancel():
    fake = FakeNode(silent)

    async def main():
        c = skywire.AsyncClient(fake.address, timeout=0.2)
        with pytest.raises(skywire.TimeoutError):
            await c.call("@echo", 1)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(c.call("@echo", 1, timeout=30), 0.1)
        task = asyncio.ensure_future(c.call("@echo", 1, timeout=30))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    try:
        run(main())
    finally:
        fake.close()


def test_the_loop_keeps_running_while_calls_wait():
    fake = FakeNode(silent)

    async def main():
        c = skywire.AsyncClient(fake.address, timeout=0.5)
        ticks = 0

        async def tick():
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        t = asyncio.ensure_future(tick())
        with pytest.raises(skywire.TimeoutError):
            await c.call("@echo", 1)
        t.cancel()
        assert ticks >= 20

    try:
        run(main())
    finally:
        fake.close()


def test_one_client_on_several_loops_and_threads(skywire_node):
    c = skywire.AsyncClient(skywire_node)
    assert run(c.call("@echo", 1)) == (1,)
    assert run(c.call("@echo", 2)) == (2,)  # a new loop, a new inbox
    results = []

    def in_thread(i):
        results.append(asyncio.run(c.call("@echo", i)))

    threads = [threading.Thread(target=in_thread, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [(i,) for i in range(4)]


def test_connect_error():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()

    async def main():
        start = time.monotonic()
        with pytest.raises(skywire.ConnectError):
            await skywire.AsyncClient(f"127.0.0.1:{port}").call("@echo")
        assert time.monotonic() - start < 5

    run(main())
