"""An HTTP transport that only connects to public addresses (no SSRF into private networks).

Whoever sends a credential chooses URLs we fetch: a did:web host, a status list URL, a
redirect. Without a check, a verifier or issuer on a private network can be made to probe
or call its neighbours (``did:web:db.internal``, ``https://169.254.169.254/...``). The
:class:`PublicAddressTransport` resolves the host itself, refuses the request when any
address is not globally routable (private, loopback, link-local, CGNAT, multicast, reserved),
and then connects to the address it checked — the URL's host is replaced by that IP, with the
original name kept in the ``Host`` header and as the TLS SNI/certificate name — so a DNS
answer that changes between check and connect (DNS rebinding) cannot slip past.

Loopback stays reachable only when ``allow_loopback`` is set (tests, local development).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable

import httpx

from .errors import NetworkError

__all__ = ["PublicAddressTransport", "is_public_address"]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Lookup = Callable[[str, int], Awaitable[list[str]]]
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def is_public_address(ip: IpAddress) -> bool:
    """Globally routable: not private, loopback, link-local, shared (CGNAT), multicast or reserved."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def _system_lookup(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class PublicAddressTransport(httpx.AsyncBaseTransport):
    """Check and pin the address of every request, then send it with ``inner``."""

    def __init__(
        self,
        *,
        allow_loopback: bool = False,
        inner: httpx.AsyncBaseTransport | None = None,
        lookup: Lookup | None = None,
    ) -> None:
        self._allow_loopback = allow_loopback
        self._inner = inner or httpx.AsyncHTTPTransport()
        self._lookup = lookup or _system_lookup

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if self._allow_loopback and host.lower() in _LOOPBACK_NAMES:
            return await self._inner.handle_async_request(request)
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        try:
            literal: IpAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [literal]
        else:
            try:
                found = await self._lookup(host, port)
            except OSError:
                raise NetworkError(f"cannot resolve host {host!r}", code="net.dns") from None
            addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
            if not addresses:
                raise NetworkError(f"cannot resolve host {host!r}", code="net.dns")
        for ip in addresses:
            if not is_public_address(ip):
                raise NetworkError(
                    f"refusing to connect to {host!r}: it resolves to a non-public address",
                    code="net.private_address",
                )
        if literal is None:
            # Connect to the address just checked; the name stays in Host and in TLS.
            request.url = request.url.copy_with(host=str(addresses[0]))
            if request.url.scheme == "https":
                request.extensions = {**request.extensions, "sni_hostname": host}
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
