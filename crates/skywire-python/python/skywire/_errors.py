"""The exceptions skywire raises.

::

    Error
    ├── EncodeError (also ValueError)      values lua-seri cannot carry
    ├── DecodeError (also ValueError)      bytes that are not lua-seri: .offset, .kind
    └── CallError                          a call, push or query failed: .node
        ├── RemoteError                    the node answered with an error: .text
        │   └── UnknownNameError           ... saying the target does not exist
        ├── TimeoutError (also builtins.TimeoutError)
        ├── ConnectionLostError (also ConnectionError)
        └── ConnectError (also ConnectionError)

Besides these, packing raises ``TypeError`` for an object with no Lua form and
``OverflowError`` for an ``int`` outside the 64-bit signed range.
"""

from __future__ import annotations

import builtins
import logging
from types import TracebackType
from typing import Optional

__all__ = [
    "Error",
    "EncodeError",
    "DecodeError",
    "CallError",
    "RemoteError",
    "UnknownNameError",
    "TimeoutError",
    "ConnectionLostError",
    "ConnectError",
]

_log = logging.getLogger("skywire")


class Error(Exception):
    """The base of every skywire exception."""


class EncodeError(Error, ValueError):
    """Values lua-seri cannot carry: a ``None`` or NaN table key, tables nested more than
    32 deep (skynet's limit), a ``str`` that is not valid Unicode. The message names the
    argument and the place in it."""


class DecodeError(Error, ValueError):
    """Bytes that do not unpack. ``offset`` is the byte where the bad value starts (or where
    the input ended too early); ``kind`` the class of error, as the conformance vectors
    name them: ``"unknown-type"``, ``"bad-cookie"``, ``"truncated"``, ``"bad-array-size"``,
    ``"negative-array-size"``, ``"array-too-large"``, ``"too-deep"``, or
    ``"invalid-utf8"`` (a string that is not UTF-8, unpacked with ``str=True``)."""

    def __init__(self, message: str, offset: Optional[int] = None, kind: Optional[str] = None) -> None:
        super().__init__(message)
        self.offset = offset
        self.kind = kind


class CallError(Error):
    """A call, push or query failed. ``node`` is the node called (``"host:port"``)."""

    def __init__(self, message: str, node: Optional[str] = None) -> None:
        super().__init__(message)
        self.node = node


class RemoteError(CallError):
    """The node answered with an error response; ``text`` is its text (``bytes``). A
    skynet service that raised sends ``./lualib/skynet.lua:...: call failed``; a skywire
    node sends the service's own message."""

    def __init__(self, message: str, node: Optional[str] = None, text: bytes = b"") -> None:
        super().__init__(message, node)
        self.text = text


class UnknownNameError(RemoteError):
    """The node says the target does not exist: ``Invalid name`` (an unknown ``@name``),
    ``name not found`` (a query), ``call to invalid address`` (an unknown ``.name`` or
    address)."""


class TimeoutError(CallError, builtins.TimeoutError):
    """No response within the timeout."""


class ConnectionLostError(CallError, ConnectionError):
    """The connection closed before the response came."""


class ConnectError(CallError, ConnectionError):
    """The node cannot be reached: the connection was refused or timed out, or recent
    attempts failed and the next is not due yet."""


def _service_failed(name: str, exc: BaseException, traceback: Optional[TracebackType]) -> None:
    """Logs the exception a service raised (called by the native module)."""
    _log.error("service %r raised", name, exc_info=(type(exc), exc, traceback or exc.__traceback__))
