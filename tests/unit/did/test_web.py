"""did:web: URL construction, transport defences (MockTransport) and a real 127.0.0.1 server."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.did import WebMethod, check_fetch_url, default_resolver, did_web_url
from didkit_py.errors import (
    DidkitError,
    InvalidInput,
    LimitExceeded,
    NetworkError,
    NotFound,
    UnsupportedError,
)
from didkit_py.keys import KeyType, generate_key, multikey_encode

KEY = generate_key(KeyType.ED25519)
MB = multikey_encode(KeyType.ED25519, KEY.public_key)


def _doc(did: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {"id": "#key-1", "type": "Multikey", "controller": did, "publicKeyMultibase": MB}
        ],
        "assertionMethod": ["#key-1"],
    }


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
        ("did:web:Example.COM", "https://example.com/.well-known/did.json"),
        ("did:web:example.com:a%20b", "https://example.com/a%20b/did.json"),
    ],
)
def test_did_web_url(did: str, url: str) -> None:
    assert did_web_url(did) == url


@pytest.mark.parametrize(
    "did",
    [
        pytest.param("did:web:example.com:..", id="dot-dot-segment"),
        pytest.param("did:web:example.com:a%2Fb", id="encoded-slash"),
        pytest.param("did:web:1.2.3.4", id="ip-address"),
        pytest.param("did:web:127.0.0.1", id="loopback-ip-not-allowed"),
        pytest.param("did:web:ex_ample.com", id="underscore-host"),
        pytest.param("did:web:example.com%3A0", id="port-zero"),
        pytest.param("did:web:example.com%3A99999", id="port-too-big"),
        pytest.param("did:web:user%40example.com", id="userinfo"),
        pytest.param("did:web:-example.com", id="leading-dash"),
    ],
)
def test_did_web_url_bad(did: str) -> None:
    with pytest.raises(InvalidInput) as info:
        did_web_url(did)
    assert info.value.code == "invalidDid"


def test_http_only_to_loopback_and_only_when_allowed() -> None:
    assert did_web_url("did:web:example.com", allow_loopback_http=True).startswith("https://")
    assert did_web_url("did:web:127.0.0.1%3A8080", allow_loopback_http=True) == (
        "http://127.0.0.1:8080/.well-known/did.json"
    )
    assert did_web_url("did:web:localhost", allow_loopback_http=False).startswith("https://")
    for url, allowed in [
        ("http://example.com/did.json", True),
        ("http://127.0.0.1/did.json", False),
        ("ftp://example.com/did.json", True),
        ("file:///etc/passwd", True),
    ]:
        with pytest.raises(InvalidInput) as info:
            check_fetch_url(url, allow_loopback_http=allowed)
        assert info.value.code == "did_web.insecure_url"


# --- MockTransport ---------------------------------------------------------------------------

DID = "did:web:example.com:user:alice"
URL = "https://example.com/user/alice/did.json"


def _method(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> WebMethod:
    return WebMethod(httpx.AsyncClient(transport=httpx.MockTransport(handler)), **kw)


async def test_mock_ok() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json=_doc(DID))

    result = await _method(handler).resolve(DID)
    assert seen == [URL]
    assert result.document["id"] == DID
    assert result.resolution_metadata == {"contentType": "application/did+ld+json"}


def _streamed(size: int) -> httpx.Response:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(size // 1024):
            yield b" " * 1024

    return httpx.Response(200, content=chunks())  # no Content-Length: must be cut off while streaming


def _raise(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


MOCK_CASES = [
    pytest.param(lambda r: httpx.Response(404), NotFound, "notFound", id="404"),
    pytest.param(lambda r: httpx.Response(410), NotFound, "notFound", id="410"),
    pytest.param(lambda r: httpx.Response(500), NetworkError, "did_web.http", id="500"),
    pytest.param(
        lambda r: _streamed(300 * 1024), LimitExceeded, "did_web.too_large", id="oversized-streamed"
    ),
    pytest.param(
        lambda r: httpx.Response(200, headers={"content-length": str(10**9)}, content=b"{}"),
        LimitExceeded,
        "did_web.too_large",
        id="oversized-declared",
    ),
    pytest.param(
        lambda r: httpx.Response(200, json=_doc("did:web:evil.example")),
        InvalidInput,
        "invalidDidDocument",
        id="id-mismatch",
    ),
    pytest.param(
        lambda r: httpx.Response(200, content=b"{not json"), InvalidInput, "invalidDidDocument", id="not-json"
    ),
    pytest.param(
        lambda r: httpx.Response(200, json=[1]), InvalidInput, "invalidDidDocument", id="json-array"
    ),
    pytest.param(
        lambda r: httpx.Response(200, headers={"content-type": "text/html"}, content=b"<html>"),
        UnsupportedError,
        "representationNotSupported",
        id="html",
    ),
    pytest.param(
        lambda r: httpx.Response(302, headers={"location": "http://example.com/did.json"}),
        InvalidInput,
        "did_web.insecure_url",
        id="redirect-to-http",
    ),
    pytest.param(
        lambda r: httpx.Response(302, headers={"location": URL}),
        NetworkError,
        "did_web.http",
        id="redirect-loop",
    ),
    pytest.param(lambda r: httpx.Response(302), NetworkError, "did_web.http", id="redirect-no-location"),
    pytest.param(_raise(httpx.ReadTimeout("slow")), NetworkError, "did_web.timeout", id="read-timeout"),
    pytest.param(_raise(httpx.ConnectError("refused")), NetworkError, "did_web.http", id="connect-error"),
]


@pytest.mark.parametrize(("handler", "cls", "code"), MOCK_CASES)
async def test_mock_failures(handler: Any, cls: type[Exception], code: str) -> None:
    with pytest.raises(cls) as info:
        await _method(handler).resolve(DID)
    assert isinstance(info.value, DidkitError) and info.value.code == code


async def test_https_redirect_is_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/user/alice/did.json":
            return httpx.Response(301, headers={"location": "/moved/did.json"})
        return httpx.Response(200, json=_doc(DID))

    assert (await _method(handler).resolve(DID)).document["id"] == DID


async def test_resolver_validates_web_documents_with_pydid() -> None:
    bad = {**_doc(DID), "verificationMethod": [{"id": "not a url", "type": "Multikey", "controller": DID}]}
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=bad)))
    with pytest.raises(InvalidInput) as info:
        await default_resolver(http=client).resolve(DID)
    assert info.value.code == "invalidDidDocument"


# --- a real server on 127.0.0.1 ---------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, bytes] = {}  # noqa: RUF012 (each test gets its own subclass)
    delay = 0.0

    def do_GET(self) -> None:
        time.sleep(self.delay)
        body = self.routes.get(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("content-type", "application/did+json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"routes": {}, "delay": 0.0})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"did:web:127.0.0.1%3A{httpd.server_address[1]}", handler
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


async def test_real_loopback_server(server: tuple[str, type[_Handler]]) -> None:
    base, handler = server
    user_did = base + ":user:alice"
    handler.routes["/.well-known/did.json"] = json.dumps(_doc(base)).encode()
    handler.routes["/user/alice/did.json"] = json.dumps(_doc(user_did)).encode()
    resolver = default_resolver(allow_loopback_http=True)
    assert (await resolver.resolve(base)).document["id"] == base
    vm = await resolver.resolve_verification_method(user_did + "#key-1", purpose="assertionMethod")
    assert vm.public_key == KEY.public_key and vm.controller == user_did
    with pytest.raises(NotFound):
        await resolver.resolve(base + ":nobody")
    with pytest.raises(InvalidInput) as info:
        await default_resolver().resolve(base)  # loopback HTTP not allowed by default
    assert info.value.code == "invalidDid"


async def test_real_server_timeout(server: tuple[str, type[_Handler]]) -> None:
    base, handler = server
    handler.routes["/.well-known/did.json"] = json.dumps(_doc(base)).encode()
    handler.delay = 1.0
    resolver = default_resolver(allow_loopback_http=True, timeout=0.2)
    with pytest.raises(NetworkError) as info:
        await resolver.resolve(base)
    assert info.value.code == "did_web.timeout"


@given(st.text(max_size=60), st.booleans())
@settings(max_examples=300)
def test_did_web_url_random_text(text: str, loopback: bool) -> None:
    try:
        url = did_web_url("did:web:" + text, allow_loopback_http=loopback)
    except InvalidInput:
        return
    parsed = check_fetch_url(url, allow_loopback_http=loopback)
    assert parsed.path.endswith("/did.json") and ".." not in parsed.path.split("/")
