"""Type stubs of the native module ``skywire._skywire`` (use ``skywire`` itself)."""

import asyncio
from typing import Any, List, Optional, Tuple, Union, final

__all__ = [
    "pack",
    "unpack",
    "Client",
    "Pending",
    "Completions",
    "NodeCore",
    "Request",
    "DEFAULT_MAX_DEPTH",
    "MAX_PACK_DEPTH",
]

_Target = Union[str, bytes, int]

DEFAULT_MAX_DEPTH: int
MAX_PACK_DEPTH: int

def pack(*values: Any) -> bytes:
    """The lua-seri bytes of the argument list ``values``, as ``skynet.pack(...)`` makes them."""

def unpack(
    data: Union[bytes, bytearray, memoryview], *, str: bool = False, exact: bool = False, max_depth: int = 64
) -> Tuple[Any, ...]:
    """The values of a lua-seri payload, as a tuple."""

@final
class Client:
    """A connection to the node at ``address`` ("host:port")."""

    def __new__(cls, address: str, *, timeout: Optional[float] = 10.0) -> "Client": ...
    @property
    def address(self) -> str: ...
    def call(
        self,
        target: _Target,
        *args: Any,
        timeout: Optional[float] = None,
        str: bool = False,
        exact: bool = False,
        trace: Union[str, bytes, None] = None,
    ) -> Tuple[Any, ...]: ...
    def send(self, target: _Target, *args: Any, timeout: Optional[float] = None) -> None: ...
    def query(self, name: str, timeout: Optional[float] = None) -> int: ...
    def close(self) -> None: ...
    def __enter__(self) -> "Client": ...
    def __exit__(self, *exc: Any) -> None: ...
    def _start(
        self,
        completions: "Completions",
        future: "asyncio.Future[Any]",
        op: str,
        target: Any,
        args: Tuple[Any, ...],
        timeout: Optional[float],
        str: bool,
        exact: bool,
        trace: Union[str, bytes, None] = None,
    ) -> "Pending": ...

@final
class Pending:
    """An operation started for asyncio."""

    def cancel(self) -> None: ...

@final
class Completions:
    """An event loop's inbox: results handed over without the GIL on skywire's threads."""

    def __new__(cls) -> "Completions": ...
    def fileno(self) -> int: ...
    def drain(self) -> None: ...

@final
class NodeCore:
    """The native part of ``skywire.Node``."""

    def __new__(cls) -> "NodeCore": ...
    def register(
        self,
        name: str,
        function: Any,
        asynchronous: bool,
        str: bool,
        exact: bool,
        request: bool,
        address: Optional[int] = None,
    ) -> int: ...
    def unregister(self, name: str) -> Optional[int]: ...
    def services(self) -> List[Tuple[str, int]]: ...
    def set_loop(self, completions: Completions) -> None: ...
    def has_loop(self) -> bool: ...
    def listen(self, address: str) -> str: ...
    def wait(self, timeout: Optional[float] = None) -> bool: ...
    def close(self, timeout: float) -> None: ...
    @property
    def closed(self) -> bool: ...

@final
class Request:
    """What a service registered with ``request=True`` is told of one request."""

    @property
    def target(self) -> Union[str, bytes, int]: ...
    @property
    def address(self) -> int: ...
    @property
    def session(self) -> int: ...
    @property
    def push(self) -> bool: ...
    @property
    def trace(self) -> Optional[bytes]: ...
    @property
    def peer(self) -> str: ...
