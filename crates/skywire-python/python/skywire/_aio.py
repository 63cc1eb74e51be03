"""asyncio: :class:`AsyncClient`, and the inbox through which the native side hands an
event loop its results without taking the GIL on its own threads."""

from __future__ import annotations

import asyncio
import threading
import weakref
from typing import Any, Optional, Tuple

from . import _skywire

__all__ = ["AsyncClient"]

_inboxes: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _skywire.Completions]" = (
    weakref.WeakKeyDictionary()
)
_inboxes_lock = threading.Lock()


def _inbox(loop: asyncio.AbstractEventLoop) -> _skywire.Completions:
    """The inbox of ``loop``, made and watched (``loop.add_reader``) on first use."""
    with _inboxes_lock:
        inbox = _inboxes.get(loop)
        if inbox is None:
            inbox = _skywire.Completions()
            _inboxes[loop] = inbox
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                loop.add_reader(inbox.fileno(), inbox.drain)
            else:
                # add_reader is not thread-safe: have the loop do it. Whatever is queued
                # before then is read once it does (the socket holds the wake-up).
                loop.call_soon_threadsafe(loop.add_reader, inbox.fileno(), inbox.drain)
        return inbox


class AsyncClient:
    """``AsyncClient(address, *, timeout=10.0)``: :class:`skywire.Client` for asyncio.

    The same calls, awaited: ``await client.call("@echo", "hi")``. While a call waits,
    neither the event loop nor any thread holds the GIL for it; the result is handed to
    the loop through a socket it watches. Cancelling the awaiting task stops the call.
    Many calls may be in flight at once on the one connection (``asyncio.gather``).
    Works with any event loop that implements ``add_reader`` (the default loop on Linux
    and macOS, uvloop).
    """

    def __init__(self, address: str, *, timeout: Optional[float] = 10.0) -> None:
        self._client = _skywire.Client(address, timeout=timeout)

    @property
    def address(self) -> str:
        """The address given."""
        return self._client.address

    async def call(
        self,
        target: Any,
        *args: Any,
        timeout: Optional[float] = None,
        str: bool = False,
        exact: bool = False,
        trace: Any = None,
    ) -> Tuple[Any, ...]:
        """Calls ``target`` with ``args``; the results as a tuple (see :meth:`Client.call`)."""
        return await self._start("call", target, args, timeout, str, exact, trace)

    async def send(self, target: Any, *args: Any, timeout: Optional[float] = None) -> None:
        """Pushes ``args`` to ``target`` (see :meth:`Client.send`)."""
        await self._start("send", target, args, timeout, False, False)

    async def query(self, name: str, timeout: Optional[float] = None) -> int:
        """The address of cluster name ``name`` (see :meth:`Client.query`)."""
        return await self._start("query", name, (), timeout, False, False)

    async def close(self) -> None:
        """Closes the connection once its pushes are confirmed (see :meth:`Client.close`)."""
        await self._start("close", None, (), None, False, False)

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"skywire.AsyncClient({self.address!r})"

    async def _start(
        self, op: str, target: Any, args: tuple, timeout: Optional[float], text: bool, exact: bool, trace: Any = None
    ) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        pending = self._client._start(_inbox(loop), future, op, target, args, timeout, text, exact, trace)
        try:
            return await future
        except asyncio.CancelledError:
            pending.cancel()
            raise
