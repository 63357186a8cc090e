"""Fetching status lists: verification first, limits, HTTP cache, and every failure fails."""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from didkit_py._encoding import b64url_decode, b64url_encode, multibase_encode
from didkit_py.errors import (
    InvalidInput,
    LimitExceeded,
    NetworkError,
    NotFound,
    ResolutionError,
    StatusError,
    VerificationError,
)
from didkit_py.status import (
    BitstringStatusList,
    BitstringStatusListEntry,
    StatusListClient,
    StatusListLimits,
    build_status_list_credential,
)

URL = "https://issuer.example/status/1"
ISSUER = "did:example:issuer"
NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
KEY = Ed25519PrivateKey.generate()


def _sign(doc: dict[str, Any]) -> dict[str, Any]:
    """A real Ed25519 signature over canonical JSON: a test stand-in for a Data Integrity suite."""
    payload = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    return {**doc, "proof": {"type": "TestProof", "proofValue": b64url_encode(KEY.sign(payload))}}


async def _verify(secured: Any) -> Mapping[str, Any]:
    if not isinstance(secured, dict) or "proof" not in secured:
        raise VerificationError("no proof", code="proof.missing")
    doc = {k: v for k, v in secured.items() if k != "proof"}
    payload = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    try:
        KEY.public_key().verify(b64url_decode(secured["proof"]["proofValue"]), payload)
    except InvalidSignature:
        raise VerificationError("bad signature", code="proof.signature") from None
    return doc


def _list_cred(sl: BitstringStatusList, purpose: str = "revocation") -> dict[str, Any]:
    return _sign(build_status_list_credential(id=URL, issuer=ISSUER, status_list=sl, status_purpose=purpose))


def _entry(index: int, purpose: str = "revocation") -> BitstringStatusListEntry:
    return BitstringStatusListEntry.from_json(
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose,
            "statusListIndex": str(index),
            "statusListCredential": URL,
        }
    )


class Server:
    """An in-process HTTP peer (httpx.MockTransport): no sockets, no network."""

    def __init__(self, body: Any, *, headers: dict[str, str] | None = None, status: int = 200) -> None:
        self.body = body
        self.headers = headers or {}
        self.status = status
        self.hits = 0
        self.requests: list[httpx.Request] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.hits += 1
        self.requests.append(request)
        content = (
            self.body
            if isinstance(self.body, bytes)
            else (self.body.encode() if isinstance(self.body, str) else json.dumps(self.body).encode())
        )
        # A streamed body, as a real transport gives: the client reads it chunk by chunk.
        return httpx.Response(self.status, stream=httpx.ByteStream(content), headers=self.headers)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _client(server: Server, clock: Clock | None = None, **limits: Any) -> StatusListClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(server.handler))
    return StatusListClient(
        http=http, verify_list_credential=_verify, clock=clock or Clock(), limits=StatusListLimits(**limits)
    )


async def test_revoked_and_clear() -> None:
    sl = BitstringStatusList.create()
    sl.set(31337, 1)
    client = _client(Server(_list_cred(sl)))
    r = await client.check(_entry(31337), now=NOW, credential_issuer=ISSUER)
    assert r.label == "revoked"
    with pytest.raises(StatusError):
        r.raise_for_status()
    assert (await client.check(_entry(31338), now=NOW, credential_issuer=ISSUER)).label == "valid"


async def test_suspension_reversible_after_cache_expiry() -> None:
    sl = BitstringStatusList.create()
    sl.set(5, 1)
    server = Server(_list_cred(sl, "suspension"), headers={"Cache-Control": "max-age=60"})
    clock = Clock()
    client = _client(server, clock, ttl_floor=10)
    assert (await client.check(_entry(5, "suspension"), now=NOW)).label == "suspended"
    sl.set(5, 0)
    server.body = _list_cred(sl, "suspension")
    clock.t += 59
    assert (await client.check(_entry(5, "suspension"), now=NOW)).label == "suspended"  # cached
    clock.t += 2
    assert (await client.check(_entry(5, "suspension"), now=NOW)).label == "valid"
    assert server.hits == 2


async def test_tampered_list_credential_fails_never_passes() -> None:
    sl = BitstringStatusList.create()
    sl.set(9, 1)
    cred = _list_cred(sl)
    clean = BitstringStatusList.create()
    cred["credentialSubject"]["encodedList"] = clean.encode()  # un-revoke without re-signing
    client = _client(Server(cred))
    with pytest.raises(VerificationError) as e:
        await client.check(_entry(9), now=NOW)
    assert e.value.code == "status.list_verification"
    unsigned = build_status_list_credential(
        id=URL, issuer=ISSUER, status_list=clean, status_purpose="revocation"
    )
    with pytest.raises(VerificationError):
        await _client(Server(unsigned)).check(_entry(9), now=NOW)


async def test_cache_floor_and_ceiling_and_no_store() -> None:
    sl = BitstringStatusList.create()
    body = _list_cred(sl)
    clock = Clock()
    server = Server(body, headers={"Cache-Control": "max-age=0"})
    client = _client(server, clock, ttl_floor=30)
    await client.check(_entry(1), now=NOW)
    clock.t += 29
    await client.check(_entry(1), now=NOW)
    assert server.hits == 1  # max-age=0 still cached for the floor
    clock.t += 2
    await client.check(_entry(1), now=NOW)
    assert server.hits == 2

    server2 = Server(body, headers={"Cache-Control": "public, max-age=999999"})
    client2 = _client(server2, clock, ttl_ceiling=100)
    await client2.check(_entry(1), now=NOW)
    clock.t += 101
    await client2.check(_entry(1), now=NOW)
    assert server2.hits == 2

    server3 = Server(body, headers={"Cache-Control": "no-store"})
    client3 = _client(server3, clock)
    await client3.check(_entry(1), now=NOW)
    await client3.check(_entry(1), now=NOW)
    assert server3.hits == 2

    server4 = Server(body, headers={"Cache-Control": "max-age=100", "Age": "90"})
    client4 = _client(server4, clock, ttl_floor=1)
    await client4.check(_entry(1), now=NOW)
    clock.t += 11
    await client4.check(_entry(1), now=NOW)
    assert server4.hits == 2


async def test_list_ttl_used_without_cache_headers() -> None:
    sl = BitstringStatusList.create()
    cred = _sign(
        build_status_list_credential(
            id=URL, issuer=ISSUER, status_list=sl, status_purpose="revocation", ttl_ms=120_000
        )
    )
    clock = Clock()
    server = Server(cred)
    client = _client(server, clock, ttl_floor=1)
    await client.check(_entry(1), now=NOW)
    clock.t += 119
    await client.check(_entry(1), now=NOW)
    clock.t += 2
    await client.check(_entry(1), now=NOW)
    assert server.hits == 2


async def test_concurrent_checks_fetch_once() -> None:
    import asyncio

    server = Server(_list_cred(BitstringStatusList.create()))
    client = _client(server)
    await asyncio.gather(*(client.check(_entry(i), now=NOW) for i in range(20)))
    assert server.hits == 1


@pytest.mark.parametrize(
    ("server", "exc", "code"),
    [
        (Server("nope", status=404), NotFound, "status.not_found"),
        (Server("oops", status=500), ResolutionError, "status.retrieval"),
        (
            Server("redirect", status=302, headers={"Location": "https://elsewhere.example/"}),
            ResolutionError,
            "status.retrieval",
        ),
        (Server("<html>hello</html>"), InvalidInput, "status.not_a_credential"),
        (Server(b"\xff\xfe"), InvalidInput, "status.not_a_credential"),
        (Server(b"x" * 2000), LimitExceeded, "status.limit"),
        (Server(b"{}", headers={"Content-Length": "99999999"}), LimitExceeded, "status.limit"),
        (
            Server(gzip.compress(b" " * 5000), headers={"Content-Encoding": "gzip"}),
            LimitExceeded,
            "status.limit",
        ),
        (Server(b"{}", headers={"Content-Encoding": "br"}), ResolutionError, "status.retrieval"),
    ],
)
async def test_retrieval_failures(server: Server, exc: type[Exception], code: str) -> None:
    client = _client(server, max_response_bytes=1024)
    with pytest.raises(exc) as e:
        await client.check(_entry(1), now=NOW)
    assert e.value.code == code  # type: ignore[attr-defined]


async def test_gzip_content_encoding_within_limit_is_accepted() -> None:
    body = json.dumps(_list_cred(BitstringStatusList.create())).encode()
    server = Server(gzip.compress(body), headers={"Content-Encoding": "gzip"})
    assert (await _client(server).check(_entry(1), now=NOW)).label == "valid"


async def test_decompression_bomb_in_the_list_fails() -> None:
    cred = build_status_list_credential(
        id=URL, issuer=ISSUER, status_list=BitstringStatusList.create(), status_purpose="revocation"
    )
    cred["credentialSubject"]["encodedList"] = multibase_encode(
        gzip.compress(bytes(32 * 1024 * 1024)), "base64url"
    )
    client = _client(Server(_sign(cred)), max_list_bytes=1024 * 1024)
    with pytest.raises(LimitExceeded):
        await client.check(_entry(1), now=NOW)


async def test_timeouts_and_network_errors() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    for handler, code in [(timeout, "status.timeout"), (refused, "status.retrieval")]:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        client = StatusListClient(http=http, verify_list_credential=_verify)
        with pytest.raises(NetworkError) as e:
            await client.check(_entry(1), now=NOW)
        assert e.value.code == code


async def test_urls_must_be_https_except_loopback_when_allowed() -> None:
    server = Server(_list_cred(BitstringStatusList.create()))
    client = _client(server)
    for url in ["http://issuer.example/s", "file:///etc/passwd", "ftp://x/y"]:
        e = BitstringStatusListEntry(
            status_list_credential=url, status_list_index=1, status_purpose="revocation"
        )
        with pytest.raises(InvalidInput):
            await client.check(e, now=NOW)
    http = httpx.AsyncClient(transport=httpx.MockTransport(server.handler))
    loop = StatusListClient(http=http, verify_list_credential=_verify, allow_loopback_http=True)
    e = BitstringStatusListEntry(
        status_list_credential="http://127.0.0.1:9/s", status_list_index=1, status_purpose="revocation"
    )
    with pytest.raises(VerificationError):  # fetched over loopback http, then refused: issuer mismatch
        await loop.check(e, now=NOW, credential_issuer="did:example:someone-else")
    assert server.requests[-1].url.host == "127.0.0.1"


async def test_jwt_bodies_are_passed_to_the_verifier() -> None:
    sl = BitstringStatusList.create()
    sl.set(3, 1)
    doc = build_status_list_credential(id=URL, issuer=ISSUER, status_list=sl, status_purpose="revocation")
    token = "eyJhbGciOiJFZERTQSJ9." + b64url_encode(json.dumps(doc).encode()) + ".c2ln"
    seen: list[Any] = []

    async def verify_jwt(secured: Any) -> Mapping[str, Any]:
        seen.append(secured)
        if not isinstance(secured, str):
            raise VerificationError("expected a JWT")
        return json.loads(b64url_decode(secured.split(".")[1]))

    http = httpx.AsyncClient(
        transport=httpx.MockTransport(Server(token, headers={"Content-Type": "application/vc+jwt"}).handler)
    )
    client = StatusListClient(http=http, verify_list_credential=verify_jwt)
    assert (await client.check(_entry(3), now=NOW)).label == "revoked"
    assert seen == [token]


async def test_a_cancelled_fetch_does_not_break_the_checks_sharing_it() -> None:
    import asyncio

    gate = asyncio.Event()
    body = json.dumps(_list_cred(BitstringStatusList.create())).encode()

    async def slow_verify(secured: Any) -> Mapping[str, Any]:
        await gate.wait()
        return await _verify(secured)

    server = Server(body)
    client = StatusListClient(
        http=httpx.AsyncClient(transport=httpx.MockTransport(server.handler)),
        verify_list_credential=slow_verify,
    )
    first = asyncio.create_task(client.check(_entry(1), now=NOW))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(client.check(_entry(2), now=NOW))
    await asyncio.sleep(0.01)
    first.cancel()
    await asyncio.sleep(0.01)
    gate.set()
    assert (await second).label == "valid"
    assert first.cancelled()
