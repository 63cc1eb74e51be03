"""The Lua value types Python has no match for: :class:`Table` and :class:`LightUserdata`."""

from __future__ import annotations

from typing import Any, Iterable, List, Optional, Tuple

__all__ = ["Table", "LightUserdata"]

_MISSING = object()


class Table:
    """A Lua table as lua-seri carries it: an array part and a hash part, in wire order.

    ``array`` is a list: the values of keys ``1 .. len(array)``. ``hash`` is a list of
    ``(key, value)`` tuples, in the order they are packed (and were unpacked). Both are
    plain lists, free to change.

    :func:`skywire.unpack` gives a ``Table`` for a table with both parts, and for every
    table with ``exact=True`` (then ``pack(*unpack(data, exact=True)) == data``). Pack one
    to send a table with both parts, or hash pairs in a chosen order::

        >>> import skywire
        >>> skywire.pack(skywire.Table([1, 2], [(b"n", 2)]))
        b'\\x16\\n\\x01\\n\\x02\\x0cn\\n\\x02\\x00'
        >>> skywire.unpack(_)
        (Table([1, 2], [(b'n', 2)]),)

    ``t[key]`` and ``t.get(key)`` look a key up as Lua's ``rawget`` does: an integer key
    ``1 .. len(array)`` reads the array part, anything else the first equal key of the hash
    part. Two tables are equal when both parts are equal, in order.
    """

    __slots__ = ("array", "hash")

    array: List[Any]
    hash: List[Tuple[Any, Any]]

    def __init__(self, array: Iterable[Any] = (), hash: Iterable[Tuple[Any, Any]] = ()) -> None:
        self.array = list(array)
        if isinstance(hash, dict):
            hash = hash.items()
        self.hash = [(k, v) for k, v in hash]

    def __getitem__(self, key: Any) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        """The value of ``key`` (Lua's ``rawget``), or ``default``."""
        i = _array_index(key)
        if i is not None and 1 <= i <= len(self.array):
            return self.array[i - 1]
        for k, v in self.hash:
            if _lua_key_eq(k, key):
                return v
        return default

    def to_dict(self) -> dict:
        """Both parts as one ``dict`` (array items under keys ``1 ..``); later keys win."""
        d = {i + 1: v for i, v in enumerate(self.array)}
        d.update(self.hash)
        return d

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Table):
            return NotImplemented
        return self.array == other.array and self.hash == other.hash

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Table({self.array!r}, {self.hash!r})"


def _array_index(key: Any) -> Optional[int]:
    """The integer a key denotes (an ``int``, or a ``float`` with an integral value)."""
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    if isinstance(key, float) and key.is_integer():
        return int(key)
    return None


def _lua_key_eq(a: Any, b: Any) -> bool:
    """Lua's raw key equality: numbers by value (``1 == 1.0``), booleans apart from
    numbers, a ``str`` equal to ``bytes`` of its UTF-8."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, str) and isinstance(b, (bytes, bytearray)):
        return a.encode("utf-8", "surrogatepass") == b
    if isinstance(b, str) and isinstance(a, (bytes, bytearray)):
        return b.encode("utf-8", "surrogatepass") == a
    return a == b


class LightUserdata:
    """A Lua light userdata: a C pointer value from the sending process, meaningless
    anywhere else but carried as it is (``address``, 0 .. 2**64-1)."""

    __slots__ = ("_address",)

    def __init__(self, address: int) -> None:
        address = int(address)
        if not 0 <= address < 1 << 64:
            raise ValueError(f"a light userdata is a 64-bit address, not {address}")
        self._address = address

    @property
    def address(self) -> int:
        """The pointer value."""
        return self._address

    def __int__(self) -> int:
        return self._address

    def __index__(self) -> int:
        return self._address

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LightUserdata):
            return NotImplemented
        return self._address == other._address

    def __hash__(self) -> int:
        return hash((LightUserdata, self._address))

    def __repr__(self) -> str:
        return f"LightUserdata(0x{self._address:016x})"
