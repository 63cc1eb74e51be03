"""skynet's cluster protocol for Python: lua-seri values, a client, and Python services
that skynet nodes call.

Values (``skynet.pack`` / ``skynet.unpack``, byte for byte)::

    >>> import skywire
    >>> data = skywire.pack("ping", 1, {"k": 2.5})
    >>> data
    b'$ping\\n\\x01\\x06\\x0ckB\\x00\\x00\\x00\\x00\\x00\\x00\\x04@\\x00'
    >>> skywire.unpack(data)
    (b'ping', 1, {b'k': 2.5})
    >>> skywire.unpack(data, str=True)
    ('ping', 1, {'k': 2.5})

Calling a node (skynet's ``cluster.call`` / ``cluster.send`` / ``cluster.query``)::

    client = skywire.Client("127.0.0.1:2528")
    client.call("@echo", "hello", 42)        # -> (b'hello', 42)
    client.send("@kv", "SET", "k", "v")      # a push: no answer
    client.query("kv")                       # -> 2, the address of @kv

    async with skywire.AsyncClient("127.0.0.1:2528") as c:
        await c.call("@echo", "hi")

Serving skynet nodes (they call ``cluster.call("py", "@add", 2, 3)``)::

    node = skywire.Node()

    @node.register("add")
    def add(a, b):
        return a + b

    node.listen("127.0.0.1:2528")
    node.serve_forever()

The mapping, Python to Lua: ``None`` nil, ``bool`` boolean, ``int`` integer (64-bit
signed; beyond it ``OverflowError``), ``float`` float, ``str`` string (UTF-8), ``bytes`` /
``bytearray`` / ``memoryview`` string, ``list`` / ``tuple`` a table's array part, ``dict``
its hash part, :class:`Table` both parts in a given order, :class:`LightUserdata` light
userdata. Lua to Python: strings are ``bytes`` (``str=True``: ``str``), a table with only
an array part a ``list``, with only a hash part a ``dict``, with both (or with keys Python
cannot keep apart) a :class:`Table`; ``exact=True`` gives a :class:`Table` for every table,
so that ``pack(*unpack(data, exact=True)) == data``.

Errors: :mod:`skywire._errors` (``skywire.Error`` and its subclasses; ``help(skywire.Error)``).

All the protocol work is skywire's Rust crates (skywire-seri, skywire-node) on a runtime
of their own; the GIL is released whenever they wait.
"""

from __future__ import annotations

from . import _errors
from ._aio import AsyncClient
from ._errors import *  # noqa: F403 (skywire.Error and its subclasses: _errors.__all__)
from ._node import Node
from ._skywire import DEFAULT_MAX_DEPTH, MAX_PACK_DEPTH, Client, Request, pack, unpack
from ._types import LightUserdata, Table

__all__ = [
    "pack",
    "unpack",
    "Table",
    "LightUserdata",
    "Client",
    "AsyncClient",
    "Node",
    "Request",
    *_errors.__all__,
    "DEFAULT_MAX_DEPTH",
    "MAX_PACK_DEPTH",
]
