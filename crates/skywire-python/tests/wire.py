"""Test helpers for the cluster protocol's framing (spec/protocol.md), written here: a reader
of request and response streams, and a fake node answering with raw bytes."""

from __future__ import annotations

import socket
import struct
import threading
from typing import Callable, Dict, Iterator, List, Optional, Tuple


def frames(stream: bytes) -> Iterator[bytes]:
    """The bodies of the frames of a byte stream (2-byte big-endian length, then the body)."""
    at = 0
    while at < len(stream):
        (n,) = struct.unpack_from(">H", stream, at)
        yield stream[at + 2 : at + 2 + n]
        at += 2 + n


class Request:
    def __init__(self, target, session: int, push: bool, payload: bytes, trace: Optional[bytes]):
        self.target, self.session, self.push, self.payload, self.trace = target, session, push, payload, trace

    def __repr__(self) -> str:
        return f"Request({self.target!r}, session={self.session}, push={self.push}, {len(self.payload)} bytes)"


def requests(stream: bytes) -> List[Request]:
    """Every request and push of a request stream, reassembled, in completion order."""
    out: List[Request] = []
    open_: Dict[int, list] = {}
    trace = None
    for body in frames(stream):
        kind = body[0]
        if kind == 0x04:
            trace = body[1:]
            continue
        if kind in (0x00, 0x01, 0x41):
            (addr,) = struct.unpack_from("<I", body, 1)
            target, rest = addr, body[5:]
        elif kind in (0x80, 0x81, 0xC1):
            k = body[1]
            target, rest = body[2 : 2 + k], body[2 + k :]
        else:
            target, rest = None, body[1:]
        if kind in (0x00, 0x80):
            (session,) = struct.unpack_from("<I", rest, 0)
            out.append(Request(target, session, session == 0, rest[4:], trace))
            trace = None
        elif kind in (0x01, 0x81, 0x41, 0xC1):
            session, size = struct.unpack_from("<II", rest, 0)
            open_[session] = [target, kind & 0x40 != 0, size, bytearray(), trace]
            trace = None
        elif kind in (0x02, 0x03):
            (session,) = struct.unpack_from("<I", rest, 0)
            msg = open_[session]
            msg[3] += rest[4:]
            if kind == 0x03:
                del open_[session]
                assert len(msg[3]) == msg[2], "a multi-part message's size"
                out.append(Request(msg[0], session, msg[1], bytes(msg[3]), msg[4]))
        else:
            raise ValueError(f"packet type {kind:#x}")
    return out


def responses(stream: bytes) -> List[Tuple[int, bool, bytes]]:
    """Every response of a response stream as (session, ok, payload), reassembled."""
    out = []
    open_: Dict[int, bytearray] = {}
    for body in frames(stream):
        session, kind = struct.unpack_from("<IB", body, 0)
        rest = body[5:]
        if kind in (0, 1):
            out.append((session, kind == 1, rest))
        elif kind == 2:
            open_[session] = bytearray()
        elif kind in (3, 4):
            open_[session] += rest
            if kind == 4:
                out.append((session, True, bytes(open_.pop(session))))
    return out


def frame(body: bytes) -> bytes:
    return struct.pack(">H", len(body)) + body


def request_frame(name: bytes, session: int, payload: bytes) -> bytes:
    """A one-packet call (or push, session 0) to `name`."""
    return frame(bytes([0x80, len(name)]) + name + struct.pack("<I", session) + payload)


def response_frame(session: int, ok: bool, payload: bytes) -> bytes:
    return frame(struct.pack("<IB", session, 1 if ok else 0) + payload)


def read_frame(sock: socket.socket) -> Optional[bytes]:
    head = _read_exactly(sock, 2)
    if head is None:
        return None
    (n,) = struct.unpack(">H", head)
    return _read_exactly(sock, n)


def _read_exactly(sock: socket.socket, n: int) -> Optional[bytes]:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


class FakeNode:
    """A listener on 127.0.0.1, port 0, handing each accepted connection to `serve`
    (on a thread of its own); stopped by `close`, or at the end of a `with` block."""

    def __init__(self, serve: Callable[[socket.socket], None]) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % self._listener.getsockname()[1]
        self._serve = serve
        self._conns: List[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self._conns.append(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        try:
            self._serve(conn)
        except OSError:
            pass

    def __enter__(self) -> "FakeNode":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._listener.close()
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass
