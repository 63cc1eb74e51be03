"""`skywire.Client` against a real `skywire node` process (started by the fixture), and every
error a call can end in."""

from __future__ import annotations

import signal
import socket
import threading
import time

import pytest

import skywire
from lua_values import exact_eq
from wire import FakeNode, read_frame, requests, response_frame

VALUES = [
    None,
    True,
    False,
    0,
    255,
    65536,
    -1,
    2**63 - 1,
    -(2**63),
    0.5,
    -0.0,
    float("inf"),
    b"",
    b"\x00\xff",
    "h\u00e9llo",
    [1, 2, 3],
    {"k": "v", 1: [True]},
    skywire.Table([1], [(b"k", 2)]),
    skywire.LightUserdata(0xDEADBEEF),
]


def test_call_echoes_every_type(skywire_node):
    with skywire.Client(skywire_node) as c:
        got = c.call("@echo", *VALUES)
    expected = [v.encode() if isinstance(v, str) else v for v in VALUES]
    expected[16] = {b"k": b"v", 1: [True]}
    assert exact_eq(got, tuple(expected))


def test_call_options_str_and_exact(skywire_node):
    c = skywire.Client(skywire_node)
    assert c.call("@echo", "a", {"k": "v"}, str=True) == ("a", {"k": "v"})
    (t,) = c.call("@echo", [1, 2], exact=True)
    assert t == skywire.Table([1, 2])
    assert c.call(".echo", 1) == (1,)
    assert c.call(1, "by address") == (b"by address",)
    assert c.call(b"@echo") == ()


def test_send_and_query(skywire_node):
    c = skywire.Client(skywire_node)
    assert c.query("kv") == 2
    c.send("@kv", "SET", "k", "v1")
    assert c.call("@kv", "GET", "k") == (b"v1",)  # same connection: the push came first
    assert c.call(2, "SET", "k", "v2") == (b"v1",)
    c.close()  # confirms the pushes, closes; the next call reconnects
    assert c.call("@kv", "GET", "k") == (b"v2",)


def test_multi_part_payloads_both_ways(skywire_node):
    c = skywire.Client(skywire_node)
    for n in (0x7FFF, 0x8000, 0x8001, 0x10000, 1 << 20):
        s = bytes(range(256)) * (n // 256) + b"x" * (n % 256)
        assert c.call("@echo", s) == (s,)


def test_calls_from_many_threads_share_the_connection(skywire_node):
    c = skywire.Client(skywire_node)
    results = {}

    def run(i):
        results[i] = [c.call("@echo", i, j) for j in range(50)]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[i] == [(i, j) for j in range(50)] for i in range(8))


def test_unknown_names(skywire_node):
    c = skywire.Client(skywire_node)
    for target, text in [("@nobody", b"Invalid name"), (".nobody", b"call to invalid address"), (999, b"call to invalid address")]:
        with pytest.raises(skywire.UnknownNameError) as e:
            c.call(target, 1)
        assert e.value.text == text and e.value.node == skywire_node
        assert isinstance(e.value, skywire.RemoteError)
    with pytest.raises(skywire.UnknownNameError, match="name not found"):
        c.query("nobody")


def test_remote_error(skywire_node):
    c = skywire.Client(skywire_node)
    with pytest.raises(skywire.RemoteError) as e:
        c.call("@echo", "error", "boom")
    assert e.value.text == b"boom" and not isinstance(e.value, skywire.UnknownNameError)
    assert "error response: boom" in str(e.value)


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_connect_error():
    c = skywire.Client(f"127.0.0.1:{free_port()}")
    with pytest.raises(skywire.ConnectError) as e:
        c.call("@echo", 1)
    assert isinstance(e.value, ConnectionError) and "cannot connect" in str(e.value)
    with pytest.raises(skywire.ConnectError):  # within the backoff: "down"
        c.send("@echo", 1)


def silent(conn: socket.socket) -> None:
    """Reads requests, never answers."""
    while read_frame(conn) is not None:
        pass


def hangs_up(conn: socket.socket) -> None:
    """Reads one request, then closes."""
    read_frame(conn)
    conn.close()


def answers_garbage(conn: socket.socket) -> None:
    """Answers every call with an ok response whose payload is not lua-seri."""
    while True:
        body = read_frame(conn)
        if body is None:
            return
        (req,) = requests(len(body).to_bytes(2, "big") + body)
        conn.sendall(response_frame(req.session, True, b"\x0a\x01\x07"))


def test_timeout():
    fake = FakeNode(silent)
    try:
        c = skywire.Client(fake.address, timeout=0.2)
        start = time.monotonic()
        with pytest.raises(skywire.TimeoutError) as e:
            c.call("@echo", 1)
        assert 0.15 < time.monotonic() - start < 5
        assert isinstance(e.value, TimeoutError) and e.value.node == fake.address
        with pytest.raises(skywire.TimeoutError):
            c.query("echo")
        # The call's own timeout wins over the client's.
        slow = skywire.Client(fake.address, timeout=5)
        start = time.monotonic()
        with pytest.raises(skywire.TimeoutError, match="no response within 100ms"):
            slow.call("@echo", 1, timeout=0.1)
        assert time.monotonic() - start < 2
    finally:
        fake.close()


def test_connection_lost():
    with FakeNode(hangs_up) as fake, pytest.raises(skywire.ConnectionLostError) as e:
        skywire.Client(fake.address).call("@echo", 1)
    assert isinstance(e.value, ConnectionError)


def test_undecodable_response():
    with FakeNode(answers_garbage) as fake, pytest.raises(skywire.DecodeError) as e:
        skywire.Client(fake.address).call("@echo", 1)
    assert (e.value.kind, e.value.offset) == ("unknown-type", 2)
    assert "cannot unpack the response" in str(e.value)


@pytest.mark.parametrize(
    "target, error",
    [(1.5, TypeError), (None, TypeError), ("", ValueError), ("@" + "x" * 255, ValueError), (-1, ValueError), (2**32, ValueError)],
)
def test_bad_targets(skywire_node, target, error):
    with pytest.raises(error):
        skywire.Client(skywire_node).call(target, 1)


def test_bad_arguments(skywire_node):
    c = skywire.Client(skywire_node)
    with pytest.raises(OverflowError, match="argument 2"):
        c.call("@echo", 1, 2**64)
    with pytest.raises(ValueError, match="a timeout is a number of seconds"):
        c.call("@echo", timeout=-1)
    with pytest.raises(ValueError, match="a timeout is a number of seconds"):
        skywire.Client(skywire_node, timeout=float("nan"))
    with pytest.raises(TypeError):
        c.call("@echo", trace=5)
    assert c.call("@echo", 1, trace="tag-1") == (1,)


def test_the_gil_is_released_while_waiting():
    fake = FakeNode(silent)
    try:
        c = skywire.Client(fake.address, timeout=0.5)
        counted = []
        stop = threading.Event()

        def count():
            n = 0
            while not stop.is_set():
                n += 1
            counted.append(n)

        t = threading.Thread(target=count)
        t.start()
        time.sleep(0.05)
        with pytest.raises(skywire.TimeoutError):
            c.call("@echo", 1)
        stop.set()
        t.join()
        # The counting thread ran through the whole call (with the GIL held by the
        # waiting thread it would have had only the interpreter's switch slices).
        assert counted[0] > 100_000
    finally:
        fake.close()


def test_a_signal_interrupts_a_blocked_call():
    fake = FakeNode(silent)
    previous = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            skywire.Client(fake.address, timeout=None).call("@echo", 1)
        assert time.monotonic() - start < 3
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        fake.close()


def test_repr_and_address(skywire_node):
    c = skywire.Client(skywire_node)
    assert c.address == skywire_node and repr(c) == f"skywire.Client({skywire_node!r})"
