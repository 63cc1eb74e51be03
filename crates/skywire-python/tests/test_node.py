"""`skywire.Node`: Python functions served to other nodes. Called by the Python client
(Python to Python), by the Rust `skywire call` / `send` / `query` commands, and through a
`skywire proxy` process that decodes every message it relays."""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
import time

import pytest

import skywire
from wire import FakeNode, read_frame, request_frame, responses


def echo(*args):
    return args


async def aecho(*args):
    await asyncio.sleep(0.001)
    return args


def test_python_to_python(node):
    assert node.register("echo", echo) == 1
    assert node.register("aecho", aecho) == 2
    node.register("add", lambda a, b: a + b)
    node.register("none", lambda *a: None)
    node.register("one_list", lambda *a: list(a))
    addr = node.listen("127.0.0.1:0")
    assert node.services == {"echo": 1, "aecho": 2, "add": 3, "none": 4, "one_list": 5}
    c = skywire.Client(addr)
    assert c.call("@echo", 1, "x", [2]) == (1, b"x", [2])
    assert c.call("@aecho", 1, {"k": "v"}) == (1, {b"k": b"v"})
    assert c.call("@add", 2, 3) == (5,)
    assert c.call("@none", 1) == ()
    assert c.call("@one_list", 1, 2) == ([1, 2],)
    assert c.call(".echo", "local") == (b"local",)
    assert c.call(3, 40, 2) == (42,)
    assert c.query("add") == 3
    with pytest.raises(skywire.UnknownNameError):
        c.call("@nobody")


def test_register_options_and_decorator(node):
    @node.register("kinds", str=True)
    def kinds(*args):
        return tuple(type(a).__name__ for a in args)

    @node.register("tables", exact=True, address=77)
    def tables(t):
        return t.array, t.hash

    assert kinds.__name__ == "kinds"  # the decorator gives the function back
    c = skywire.Client(node.listen("127.0.0.1:0"))
    assert c.call("@kinds", "a", b"b", {"k": 1}, str=True) == ("str", "str", "dict")
    assert c.call(77, [1, 2]) == ([1, 2], {})
    assert node.unregister("kinds") == 1 and node.unregister("kinds") is None
    with pytest.raises(skywire.UnknownNameError):
        c.call("@kinds")


def test_registration_errors(node):
    node.register("x", echo)
    with pytest.raises(ValueError, match="already registered"):
        node.register("x", echo)
    for bad in ("", "@x", ".x", ":x", "n" * 255):
        with pytest.raises(ValueError, match="invalid service name"):
            node.register(bad, echo)
    with pytest.raises(ValueError, match="address 0"):
        node.register("y", echo, address=0)
    with pytest.raises(TypeError, match="a service is a function"):
        node.register("z", 42)
    with pytest.raises(OSError, match="cannot listen on"):
        node.listen("256.0.0.1:1")


def test_service_errors_become_error_responses(node, caplog):
    def fails(*args):
        raise ValueError(f"bad input {args!r}")

    async def afails():
        raise KeyError("k")

    node.register("fails", fails)
    node.register("afails", afails)
    node.register("unpackable", lambda: object())
    node.register("two", lambda a, b: a)
    c = skywire.Client(node.listen("127.0.0.1:0"))
    for target, args, text in [
        ("@fails", (1,), b"ValueError: bad input (1,)"),
        ("@afails", (), b"KeyError: 'k'"),
        ("@unpackable", (), b"TypeError: cannot pack result 1: object objects have no Lua form"),
        ("@two", (1,), b"TypeError: "),
    ]:
        with pytest.raises(skywire.RemoteError) as e:
            c.call(target, *args)
        assert e.value.text.startswith(text) and not isinstance(e.value, skywire.UnknownNameError)
        if target == "@two":
            assert e.value.text.endswith(b"missing 1 required positional argument: 'b'")
        else:
            assert e.value.text == text
    assert "service 'fails' raised" in caplog.text and "ValueError: bad input" in caplog.text


def test_undecodable_arguments(node):
    node.register("echo", echo)
    addr = node.listen("127.0.0.1:0")
    host, port = addr.rsplit(":", 1)
    import socket

    with socket.create_connection((host, int(port))) as s:
        s.sendall(request_frame(b"@echo", 1, b"\x0a\x01\x07"))
        body = read_frame(s)
    ((session, ok, text),) = responses(len(body).to_bytes(2, "big") + body)
    assert (session, ok) == (1, False)
    assert text == b"cannot unpack the arguments: at byte 2: unknown type 7 (type byte 0x07)"


def test_pushes_reach_services(node):
    got = []
    done = threading.Event()

    def sink(*args):
        got.append(args)
        if len(got) == 3:
            done.set()

    node.register("sink", sink)
    c = skywire.Client(node.listen("127.0.0.1:0"))
    c.send("@sink", 1)
    c.send(1, "by address")
    c.send("@sink", b"x" * 100_000)  # a multi-part push
    c.close()
    assert done.wait(5)
    assert sorted(got, key=repr) == sorted([(1,), (b"by address",), (b"x" * 100_000,)], key=repr)


def test_plain_functions_run_concurrently(node):
    node.register("slow", lambda: time.sleep(0.5))
    c = skywire.Client(node.listen("127.0.0.1:0"))
    start = time.monotonic()
    threads = [threading.Thread(target=c.call, args=("@slow",)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - start < 2.0  # 8 x 0.5 s one after the other would be 4 s


def test_async_functions_run_concurrently_on_the_nodes_own_loop(node):
    loops = set()

    async def slow():
        loops.add(asyncio.get_running_loop())
        await asyncio.sleep(0.5)
        return threading.current_thread().name

    node.register("slow", slow)
    c = skywire.AsyncClient(node.listen("127.0.0.1:0"))

    async def main():
        return await asyncio.gather(*[c.call("@slow", str=True) for _ in range(20)])

    start = time.monotonic()
    names = asyncio.run(main())
    assert time.monotonic() - start < 2.5
    assert len(loops) == 1 and {n for (n,) in names} == {"skywire-async-services"}


def test_async_functions_run_on_the_loop_that_listened():
    async def main():
        here = asyncio.get_running_loop()
        node = skywire.Node()

        async def where():
            return asyncio.get_running_loop() is here

        node.register("where", where)
        c = skywire.AsyncClient(node.listen("127.0.0.1:0"))
        try:
            assert await c.call("@where") == (True,)
            node.register("later", where)  # registered after listen: the same loop
            assert await c.call("@later") == (True,)
        finally:
            node.close()

    asyncio.run(main())


def test_async_functions_on_a_given_loop():
    loop = asyncio.new_event_loop()
    t = threading.Thread(target=loop.run_forever, daemon=True)
    t.start()
    node = skywire.Node(loop=loop)

    async def where():
        return asyncio.get_running_loop() is loop

    node.register("where", where)
    try:
        assert skywire.Client(node.listen("127.0.0.1:0")).call("@where") == (True,)
    finally:
        node.close()
        loop.call_soon_threadsafe(loop.stop)
        t.join(5)


def test_a_service_calling_another_node(node, skywire_node):
    rust = skywire.Client(skywire_node)
    node.register("relay", lambda *args: rust.call("@echo", "via", *args))

    async def arelay(*args):
        return await skywire.AsyncClient(skywire_node).call("@echo", "avia", *args)

    node.register("arelay", arelay)
    c = skywire.Client(node.listen("127.0.0.1:0"))
    assert c.call("@relay", 1) == (b"via", 1)
    assert c.call("@arelay", 2) == (b"avia", 2)


def test_called_by_the_rust_cli(node, skywire_bin):
    node.register("add", lambda a, b: a + b)
    node.register("echo", echo)
    got = []
    node.register("sink", lambda *a: got.append(a))
    addr = node.listen("127.0.0.1:0")

    def cli(*args):
        return subprocess.run([skywire_bin, *args], capture_output=True, text=True, timeout=30)

    assert cli("call", addr, "@add", "2", "3").stdout.strip() == "5"
    out = cli("call", addr, "@echo", "hello", "42", "{1, 2, k = 1.5}", "nil", "true").stdout.strip()
    assert out == '"hello", 42, {1, 2, k = 1.5}, nil, true'
    assert cli("query", addr, "add").stdout.strip() == "1"
    r = cli("call", addr, "@nobody")
    assert r.returncode == 1 and "Invalid name" in r.stderr
    assert cli("send", addr, "@sink", "pushed").returncode == 0
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        time.sleep(0.01)
    assert got == [(b"pushed",)]


def test_python_to_python_through_a_skywire_proxy(node, start_skywire):
    node.register("echo", echo)
    addr = node.listen("127.0.0.1:0")
    proxy = start_skywire("proxy", "--listen", "127.0.0.1:0", "--upstream", addr, "--json")
    with skywire.Client(proxy.address) as c:
        assert c.call("@echo", "through", {"k": [1, 2]}) == (b"through", {b"k": [1, 2]})
        big = b"y" * 70_000
        assert c.call("@echo", big) == (big,)
    out = proxy.stop()
    messages = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    # The proxy (skywire's decoder) read our requests and the Python node's responses,
    # the 70 KB ones in several parts, as the values sent.
    assert [(m["dir"], m["session"], m["size"]) for m in messages] == [
        ("request", 1, 18),
        ("response", 1, 18),
        ("request", 2, 70_005),
        ("response", 2, 70_005),
    ]
    assert messages[0]["args"] == ["through", {"array": [], "hash": [["k", {"array": [1, 2], "hash": []}]]}]
    assert messages[1]["ok"] and messages[1]["values"] == messages[0]["args"]
    assert messages[3]["values"] == ["y" * 70_000]


def test_close_lets_running_requests_answer(node):
    started = threading.Event()

    def slow():
        started.set()
        time.sleep(0.3)
        return "done"

    node.register("slow", slow)
    c = skywire.Client(node.listen("127.0.0.1:0"))
    result = []
    t = threading.Thread(target=lambda: result.append(c.call("@slow")))
    t.start()
    assert started.wait(5)
    assert not node.wait(timeout=0.01)
    node.close(timeout=5)
    t.join(5)
    assert result == [(b"done",)] and node.closed and node.wait(timeout=0)
    with pytest.raises(skywire.ConnectError):
        skywire.Client(c.address).call("@slow")


def test_serve_forever_ends_when_closed(node):
    node.listen("127.0.0.1:0")
    threading.Timer(0.2, node.close).start()
    start = time.monotonic()
    node.serve_forever()
    assert node.closed and time.monotonic() - start < 5


def test_wait_closed_from_asyncio(node):
    node.listen("127.0.0.1:0")

    async def main():
        asyncio.get_running_loop().call_later(0.1, node.close)
        await asyncio.wait_for(node.wait_closed(), 5)

    asyncio.run(main())
    assert node.closed


def test_answers_go_out_in_completion_order(node):
    node.register("sleep", lambda t: (time.sleep(t), t)[1])
    c = skywire.AsyncClient(node.listen("127.0.0.1:0"))
    finished = []

    async def call(t):
        await c.call("@sleep", t)
        finished.append(t)

    async def main():
        await asyncio.gather(call(0.4), call(0.01))

    asyncio.run(main())
    assert finished == [0.01, 0.4]
