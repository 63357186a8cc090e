"""Bounded HTTP for the OpenID4VC clients: https only (loopback http when allowed), size-limited.

The client is injected (``httpx.AsyncClient``); every transport failure, redirect and oversized
body becomes one of our errors, never an httpx exception.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..errors import InvalidInput, LimitExceeded, NetworkError

__all__ = ["HttpResult", "check_url", "request"]

MAX_BODY_BYTES = 2 * 1024 * 1024


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: Any, *, allow_loopback_http: bool, what: str, at: str | None = None) -> str:
    """Refuse anything but an absolute https URL (http to a loopback host only when allowed)."""
    if not isinstance(url, str) or not url or len(url) > 4096:
        raise InvalidInput(f"{what} must be a URL", code="oid4vc.url", at=at)
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise InvalidInput(f"{what} must not contain spaces or control characters", code="oid4vc.url", at=at)
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise InvalidInput(f"{what} is not a valid URL", code="oid4vc.url", at=at) from None
    if parts.fragment:
        raise InvalidInput(f"{what} must not have a fragment", code="oid4vc.url", at=at)
    try:
        httpx.URL(url)  # hosts httpx cannot encode (bad IDNA, lone surrogates) fail here, not mid-request
    except (httpx.InvalidURL, UnicodeError, ValueError):
        raise InvalidInput(f"{what} is not a valid URL", code="oid4vc.url", at=at) from None
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and host and allow_loopback_http and _is_loopback(host):
        return url
    raise InvalidInput(f"{what} must be an https URL", code="oid4vc.insecure_url", at=at)


@dataclass(frozen=True, slots=True)
class HttpResult:
    status: int
    content_type: str
    body: bytes = field(repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)

    def json(self, *, what: str) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            raise NetworkError(f"{what} is not valid JSON", code="oid4vc.bad_response") from None

    def text(self, *, what: str) -> str:
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError:
            raise NetworkError(f"{what} is not UTF-8 text", code="oid4vc.bad_response") from None


async def request(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    allow_loopback_http: bool,
    what: str,
    headers: dict[str, str] | None = None,
    data: dict[str, str] | None = None,
    json_body: Any = None,
    max_bytes: int = MAX_BODY_BYTES,
) -> HttpResult:
    """One request, no redirects followed, body cut off at ``max_bytes``."""
    check_url(url, allow_loopback_http=allow_loopback_http, what=what)
    try:
        async with http.stream(
            method, url, headers=headers, data=data, json=json_body, follow_redirects=False
        ) as resp:
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise LimitExceeded(f"{what} is larger than {max_bytes} bytes", code="oid4vc.too_large")
                chunks.append(chunk)
            ctype = resp.headers.get("content-type", "").split(";", 1)[0].strip().lower()
            return HttpResult(resp.status_code, ctype, b"".join(chunks), dict(resp.headers))
    except httpx.HTTPError as exc:
        raise NetworkError(f"{what}: {type(exc).__name__}", code="oid4vc.network") from None
    except (httpx.InvalidURL, UnicodeError) as exc:  # hosts httpx cannot encode (IDNA, surrogates)
        raise InvalidInput(f"{what} is not a valid URL", code="oid4vc.url") from exc
