"""Block every network connection that does not go to the loopback interface.

Use ``install()``/``uninstall()`` or the ``guard()`` context manager in an autouse fixture. Blocked calls
raise :class:`NetworkBlocked` (an ``OSError``), covering ``socket.connect``/``connect_ex``,
``socket.create_connection``, UDP ``sendto``, ``getaddrinfo`` (for anything but loopback names/addresses and
the wildcard addresses used to bind servers) and asyncio's
``loop.create_connection``/``sock_connect`` (which go through ``getaddrinfo`` and ``socket.connect``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
UNSPECIFIED = frozenset({"", "0.0.0.0", "::", b"", b"0.0.0.0", b"::"})
"""Wildcard addresses: resolving them (to bind a server) is allowed; connecting to them is not."""


class NetworkBlocked(OSError):
    """Raised for a connection attempt to a non-loopback address."""


_originals: dict[str, Any] = {}


def is_loopback(host: Any) -> bool:
    """True for loopback IPs, ``localhost`` names, and AF_UNIX paths."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%", 1)[0].lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _check_address(family: int, address: Any) -> None:
    if family == getattr(socket, "AF_UNIX", object()):
        return
    host = address[0] if isinstance(address, tuple) and address else address
    if not is_loopback(host):
        raise NetworkBlocked(f"network access blocked by bot.emulator.netguard: {address!r}")


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    _check_address(self.family, address)
    return _originals["connect"](self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    _check_address(self.family, address)
    return _originals["connect_ex"](self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not is_loopback(host) and host not in UNSPECIFIED:
        raise NetworkBlocked(f"name resolution blocked by bot.emulator.netguard: {host!r}")
    return _originals["getaddrinfo"](host, *args, **kwargs)


def _guarded_sendto(self: socket.socket, data: Any, *args: Any) -> Any:
    if args:
        _check_address(self.family, args[-1])
    return _originals["sendto"](self, data, *args)


def _guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
    _check_address(socket.AF_INET, address)
    return _originals["create_connection"](address, *args, **kwargs)


_PATCHES: tuple[tuple[Any, str, Any], ...] = (
    (socket.socket, "connect", _guarded_connect),
    (socket.socket, "connect_ex", _guarded_connect_ex),
    (socket.socket, "sendto", _guarded_sendto),
    (socket, "getaddrinfo", _guarded_getaddrinfo),
    (socket, "create_connection", _guarded_create_connection),
)


def install() -> None:
    """Patch the socket module (idempotent)."""
    if _originals:
        return
    for owner, name, replacement in _PATCHES:
        _originals[name] = getattr(owner, name)
        setattr(owner, name, replacement)


def uninstall() -> None:
    """Restore the original socket functions."""
    if not _originals:
        return
    for owner, name, _ in _PATCHES:
        setattr(owner, name, _originals[name])
    _originals.clear()


def installed() -> bool:
    return bool(_originals)


@contextlib.contextmanager
def guard() -> Iterator[None]:
    """``with guard(): ...`` blocks non-loopback connections inside the block."""
    already = installed()
    install()
    try:
        yield
    finally:
        if not already:
            uninstall()
