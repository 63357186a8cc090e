"""Bounded HTTP GET for issuer metadata and status list tokens.

https only; plain http is allowed for loopback hosts when the caller opts in (tests, local dev).
The body is streamed and cut off at ``max_bytes``; every failure becomes one of our errors.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import httpx

from ...errors import LimitExceeded, NetworkError, NotFound, ResolutionError, UnsupportedError

__all__ = ["check_url", "fetch_bytes"]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, allow_loopback_http: bool, what: str) -> None:
    """Refuse anything but https (and http to a loopback host when allowed)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ResolutionError(f"{what} URL is malformed", code="http.url") from None
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and host and allow_loopback_http and _is_loopback(host):
        return
    raise UnsupportedError(f"{what} must be fetched over https", code="http.scheme")


async def fetch_bytes(
    http: httpx.AsyncClient,
    url: str,
    *,
    accept: str,
    max_bytes: int,
    timeout: float,
    allow_loopback_http: bool,
    what: str,
) -> tuple[bytes, str]:
    """GET ``url`` and return ``(body, content type)``; no redirects are followed."""
    check_url(url, allow_loopback_http=allow_loopback_http, what=what)
    try:
        async with http.stream(
            "GET", url, headers={"Accept": accept}, timeout=timeout, follow_redirects=False
        ) as resp:
            if resp.status_code == 404:
                raise NotFound(f"{what} not found", code="http.not_found")
            if resp.status_code != 200:
                raise ResolutionError(f"{what} answered HTTP {resp.status_code}", code="http.status")
            declared = resp.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise LimitExceeded(f"{what} larger than {max_bytes} bytes", code="http.too_large")
            buf = bytearray()
            async for chunk in resp.aiter_bytes():
                buf.extend(chunk)
                if len(buf) > max_bytes:
                    raise LimitExceeded(f"{what} larger than {max_bytes} bytes", code="http.too_large")
            return bytes(buf), resp.headers.get("content-type", "")
    except httpx.TimeoutException as exc:
        raise NetworkError(f"{what}: timed out", code="http.timeout") from exc
    except httpx.HTTPError as exc:
        raise NetworkError(f"{what}: {type(exc).__name__}", code="http.error") from exc
