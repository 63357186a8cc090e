"""The did:web method (W3C CCG did:web, §3.2 "Read (Resolve)").

``did:web:example.com`` → ``https://example.com/.well-known/did.json``;
``did:web:example.com:user:alice`` → ``https://example.com/user/alice/did.json``;
a port is pct-encoded: ``did:web:localhost%3A8443``.

Defences: HTTPS only (plain HTTP only to 127.0.0.1 / localhost, and only when the resolver is
built with ``allow_loopback_http``), IP-address hosts refused (as the spec says) except that
loopback, redirects followed by hand and re-checked, a per-request and a total timeout, and the
body streamed with a size limit. The document's ``id`` must be the DID resolved. The resolver's
own HTTP client connects to public addresses only (:mod:`didkit_py.net`: a host that resolves
to a private network is refused); an injected client brings its own policy.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
from typing import Any
from urllib.parse import quote, unquote

import httpx

from ..errors import InvalidInput, LimitExceeded, NetworkError, NotFound, UnsupportedError
from ..net import PublicAddressTransport
from .syntax import parse_did
from .types import ResolutionResult

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_TIMEOUT", "WebMethod", "check_fetch_url", "did_web_url"]

DEFAULT_MAX_BYTES = 256 * 1024
DEFAULT_TIMEOUT = 10.0
_LOOPBACK = {"127.0.0.1", "localhost"}
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOST_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
_ACCEPT = "application/did+json, application/did+ld+json;q=0.9, application/json;q=0.8"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def did_web_url(did: str, *, allow_loopback_http: bool = False) -> str:
    """The HTTPS URL of a did:web document (did:web §3.2 steps 1-6)."""
    parsed = parse_did(did)
    if parsed.method != "web":
        raise InvalidInput("not a did:web", code="invalidDid")
    # 1. Replace ':' with '/' in the method-specific identifier.
    segments = parsed.method_specific_id.split(":")
    # 2. Percent-decode the port in the host, if any.
    authority = unquote(segments[0])
    host, sep, port = authority.partition(":")
    if not _HOST_RE.fullmatch(host) or len(host) > 253:
        raise InvalidInput("did:web host is not a domain name", code="invalidDid")
    if sep and (not port.isdigit() or not 0 < int(port) < 65536 or port.startswith("0")):
        raise InvalidInput("did:web port must be 1-65535", code="invalidDid")
    loopback = host.lower() in _LOOPBACK
    if _is_ip(host) and not (loopback and allow_loopback_http):
        raise InvalidInput("did:web must not name an IP address", code="invalidDid")
    path_parts: list[str] = []
    for seg in segments[1:]:
        decoded = unquote(seg)
        if decoded in ("", ".", "..") or any(c in decoded for c in "/?#\\") or not decoded.isprintable():
            raise InvalidInput("did:web path segment is not allowed", code="invalidDid")
        path_parts.append(quote(decoded, safe="-._~!$&'()*+,;=@"))
    scheme = "http" if (loopback and allow_loopback_http) else "https"
    base = f"{scheme}://{host.lower()}{':' + port if sep else ''}"
    # 3-5. A path gets /did.json appended; a bare domain uses /.well-known/did.json.
    return f"{base}/{'/'.join(path_parts)}/did.json" if path_parts else f"{base}/.well-known/did.json"


def check_fetch_url(url: str, *, allow_loopback_http: bool = False) -> httpx.URL:
    """Refuse any URL but HTTPS (and loopback HTTP when allowed) before fetching it."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise InvalidInput("not a valid URL", code="did_web.insecure_url") from None
    host = parsed.host.lower()
    if parsed.scheme == "https" and host:
        return parsed
    if parsed.scheme == "http" and host in _LOOPBACK and allow_loopback_http:
        return parsed
    raise InvalidInput(
        f"refusing to fetch a DID document over {parsed.scheme or 'no scheme'} from {host or 'no host'}",
        code="did_web.insecure_url",
    )


def _content_type_ok(value: str | None) -> bool:
    if not value:
        return True
    media = value.split(";", 1)[0].strip().lower()
    return "json" in media or media in ("text/plain", "application/octet-stream")


class WebMethod:
    """did:web resolution over an injected ``httpx.AsyncClient`` (or a fresh one per request)."""

    name = "web"

    def __init__(
        self,
        http: httpx.AsyncClient | None = None,
        *,
        allow_loopback_http: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = 3,
    ) -> None:
        self._http = http
        self._allow_loopback_http = allow_loopback_http
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects

    def url_for(self, did: str) -> str:
        return did_web_url(did, allow_loopback_http=self._allow_loopback_http)

    async def resolve(
        self, did: str, *, version_id: str | None = None, version_time: str | None = None
    ) -> ResolutionResult:
        url = self.url_for(did)
        if version_id is not None or version_time is not None:
            raise UnsupportedError("did:web documents have no versions", code="versionNotSupported")
        body, content_type = await self._fetch(url)
        if not _content_type_ok(content_type):
            raise UnsupportedError(
                f"did:web answered with {content_type}, not a JSON DID document",
                code="representationNotSupported",
            )
        try:
            doc: Any = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise InvalidInput("did:web document is not JSON", code="invalidDidDocument") from None
        if not isinstance(doc, dict):
            raise InvalidInput("did:web document must be a JSON object", code="invalidDidDocument")
        if doc.get("id") != did:
            raise InvalidInput(
                "did:web document id does not match the DID", code="invalidDidDocument", at="/id"
            )
        media = "application/did+ld+json" if "@context" in doc else "application/did+json"
        return ResolutionResult(
            document=doc, document_metadata={}, resolution_metadata={"contentType": media}
        )

    async def _fetch(self, url: str) -> tuple[bytes, str | None]:
        client = self._http or httpx.AsyncClient(
            transport=PublicAddressTransport(allow_loopback=self._allow_loopback_http)
        )
        try:
            async with asyncio.timeout(self._timeout * 2):
                return await self._fetch_with(client, url)
        except TimeoutError:
            raise NetworkError("did:web fetch timed out", code="did_web.timeout") from None
        except httpx.TimeoutException:
            raise NetworkError("did:web fetch timed out", code="did_web.timeout") from None
        except httpx.HTTPError as exc:
            raise NetworkError(f"did:web fetch failed: {type(exc).__name__}", code="did_web.http") from None
        finally:
            if self._http is None:
                await client.aclose()

    async def _fetch_with(self, client: httpx.AsyncClient, url: str) -> tuple[bytes, str | None]:
        current = check_fetch_url(url, allow_loopback_http=self._allow_loopback_http)
        for _ in range(self._max_redirects + 1):
            async with client.stream(
                "GET", current, headers={"Accept": _ACCEPT}, timeout=self._timeout, follow_redirects=False
            ) as resp:
                if resp.is_redirect:
                    location = resp.headers.get("location")
                    if not location:
                        raise NetworkError("did:web redirect without Location", code="did_web.http")
                    current = check_fetch_url(
                        str(current.join(location)), allow_loopback_http=self._allow_loopback_http
                    )
                    continue
                if resp.status_code in (404, 410):
                    raise NotFound("did:web document not found", code="notFound")
                if resp.status_code != 200:
                    raise NetworkError(
                        f"did:web server answered HTTP {resp.status_code}", code="did_web.http"
                    )
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self._max_bytes:
                    raise LimitExceeded(
                        f"did:web document is larger than {self._max_bytes} bytes", code="did_web.too_large"
                    )
                body = bytearray()
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > self._max_bytes:
                        raise LimitExceeded(
                            f"did:web document is larger than {self._max_bytes} bytes",
                            code="did_web.too_large",
                        )
                return bytes(body), resp.headers.get("content-type")
        raise NetworkError("did:web: too many redirects", code="did_web.http")
