""":class:`Node`: Python functions as services of a skynet cluster."""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from typing import Any, Callable, Dict, Optional

from . import _skywire
from ._aio import _inbox

__all__ = ["Node"]


def _is_async(function: Callable[..., Any]) -> bool:
    while isinstance(function, functools.partial):
        function = function.func
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        getattr(function, "__call__", None)
    )


class _LoopThread:
    """An event loop of the node's own, on a daemon thread, for its async services when
    no other loop was given."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="skywire-async-services", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


class Node:
    """``Node(*, loop=None)``: a node of a skynet cluster whose services are Python
    functions.

    ::

        node = skywire.Node()
        node.register("echo", lambda *args: args)
        node.listen("127.0.0.1:2528")
        node.serve_forever()

    A skynet node whose ``clustername`` file says ``py = "127.0.0.1:2528"`` then reaches
    ``echo`` with ``cluster.call("py", "@echo", ...)`` (also ``".echo"`` and its address,
    see :meth:`register`), ``cluster.send`` and ``cluster.query("py", "echo")``.

    The node's connections are read, reassembled and answered on skywire's own threads,
    without the GIL. A plain function runs on a thread of a pool (up to 64 at once), an
    ``async def`` function as a task on an event loop: ``loop`` if given, else the loop
    running where :meth:`listen` is called, else a loop the node runs on a thread of its
    own. A function gets the request's arguments (decoded as :func:`skywire.unpack` does,
    with the ``str`` and ``exact`` given to :meth:`register`) and returns its results:
    ``None`` for none, a ``tuple`` for several, anything else for one. ``async def``
    functions start in the order their requests arrived (as skynet delivers a source's
    messages); plain functions run side by side, in no set order. An exception sends
    an error response, ``"ExceptionType: message"``, to the caller (and is logged to the
    ``skywire`` logger). The result of a push is dropped.
    """

    def __init__(self, *, loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
        self._core = _skywire.NodeCore()
        self._loop = loop
        self._loop_thread: Optional[_LoopThread] = None
        self._has_async = False
        self._listening = False

    def register(
        self,
        name: str,
        function: Optional[Callable[..., Any]] = None,
        *,
        str: bool = False,
        exact: bool = False,
        request: bool = False,
        address: Optional[int] = None,
    ) -> Any:
        """Serves ``function`` as ``name``: reachable as ``"@name"``, ``".name"`` and by
        its address (counting up from 1, or ``address``), which is returned.

        ``str`` and ``exact`` say how its arguments are decoded (as for
        :func:`skywire.unpack`). With ``request=True`` it gets a :class:`skywire.Request`
        before them: ``push`` (a ``cluster.send``, whose result is dropped), ``session``,
        ``target``, ``trace`` (a trace tag, or None), ``peer``.

        Without ``function``, a decorator::

            @node.register("add")
            def add(a, b):
                return a + b
        """
        if function is None:

            def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
                self.register(name, f, str=str, exact=exact, request=request, address=address)
                return f

            return decorate
        if not callable(function):
            raise TypeError(f"a service is a function, not {type(function).__name__}")
        asynchronous = _is_async(function)
        registered = self._core.register(name, function, asynchronous, str, exact, request, address)
        if asynchronous:
            self._has_async = True
            if self._listening:
                self._attach_loop()
        return registered

    def unregister(self, name: str) -> Optional[int]:
        """Stops serving ``name``; its address, or None. Requests already running finish."""
        return self._core.unregister(name)

    @property
    def services(self) -> Dict[str, int]:
        """The services served: name -> address."""
        return dict(self._core.services())

    def listen(self, address: str = "127.0.0.1:2528") -> str:
        """Listens on ``address`` (``"host:port"``; port 0 picks a free port) and returns
        the address listened on. Serving starts at once, in the background; call it again
        to listen on more addresses."""
        if self._has_async:
            self._attach_loop()
        bound = self._core.listen(address)
        self._listening = True
        return bound

    def serve_forever(self) -> None:
        """Blocks until :meth:`close` (from another thread, or a service). Ctrl-C raises
        ``KeyboardInterrupt`` here; the node keeps serving until closed."""
        self._core.wait(None)

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Waits until the node is closed (True) or ``timeout`` seconds pass (False)."""
        return self._core.wait(timeout)

    async def wait_closed(self) -> None:
        """Waits, without blocking the event loop, until the node is closed."""
        loop = asyncio.get_running_loop()
        while not await loop.run_in_executor(None, self._core.wait, 0.5):
            pass

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._core.closed

    def close(self, timeout: float = 5.0) -> None:
        """Stops listening, lets running requests finish and answer (for up to
        ``timeout`` seconds), then closes every connection."""
        self._core.close(timeout)
        if self._loop_thread is not None:
            self._loop_thread.stop()
            self._loop_thread = None

    def __enter__(self) -> "Node":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"skywire.Node(services={self.services!r})"

    def _attach_loop(self) -> None:
        if self._core.has_loop():
            return
        loop = self._loop
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._loop_thread = _LoopThread()
                loop = self._loop_thread.loop
        self._core.set_loop(_inbox(loop))
