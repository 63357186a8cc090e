"""IETF Token Status List: packing, the draft's examples, the token, bounded inflation, fetching."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py._encoding import b64url_encode
from didkit_py.errors import (
    DidkitError,
    InvalidInput,
    LimitExceeded,
    NotFound,
    UnsupportedError,
    VerificationError,
)
from didkit_py.keys import KeyType, generate_key
from didkit_py.status.token_status_list import (
    STATUS_LIST_TYP,
    TokenStatusList,
    create_status_list_token,
    fetch_status_list_token,
    parse_status_reference,
    verify_status_list_token,
)
from didkit_py.suites.sd_jwt._jws import decode_jws, sign_jws

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
KEY = generate_key(KeyType.P256)
URI = "https://issuer.example/statuslists/1"

# draft-ietf-oauth-status-list §4.1 / §4.2 examples (bytes, and the compressed lst they publish).
SPEC_1BIT = ([1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1], "b9a3", "eNrbuRgAAhcBXQ")
SPEC_2BIT = ([1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3], "c944f9", "eNo76fITAAPfAgc")


@pytest.mark.parametrize(("bits", "case"), [(1, SPEC_1BIT), (2, SPEC_2BIT)])
def test_spec_examples(bits: int, case: tuple[list[int], str, str]) -> None:
    statuses, hexbytes, lst = case
    sl = TokenStatusList.create(len(statuses), bits)
    for i, v in enumerate(statuses):
        sl.set(i, v)
    assert sl.data.hex() == hexbytes
    assert sl.compress() == lst
    back = TokenStatusList.decompress(lst, bits)
    assert [back.get(i) for i in range(len(statuses))] == statuses


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_set_get_all_widths(bits: int) -> None:
    sl = TokenStatusList.create(100, bits)
    values = [(i * 7) % (1 << bits) for i in range(sl.size)]
    for i, v in enumerate(values):
        sl.set(i, v)
    again = TokenStatusList.from_claim(sl.to_claim())
    assert [again.get(i) for i in range(sl.size)] == values
    with pytest.raises(ValueError):
        sl.set(0, 1 << bits)
    with pytest.raises(InvalidInput):
        sl.get(sl.size)


def test_bad_bits() -> None:
    for bits in (0, 3, 16, True, "1"):
        with pytest.raises(InvalidInput):
            TokenStatusList.from_claim({"bits": bits, "lst": "eNrbuRgAAhcBXQ"})


def test_compression_bomb_is_refused() -> None:
    bomb = b64url_encode(zlib.compress(b"\x00" * 50_000_000, 9))
    assert len(bomb) < 100_000
    with pytest.raises(LimitExceeded) as ei:
        TokenStatusList.decompress(bomb, 1, max_bytes=1_000_000)
    assert ei.value.code == "status_list.too_large"


def test_bad_compression() -> None:
    for lst in (b64url_encode(b"not zlib"), b64url_encode(zlib.compress(b"\x01\x02")[:-3]), "***"):
        with pytest.raises(InvalidInput):
            TokenStatusList.decompress(lst, 1)
    trailing = b64url_encode(zlib.compress(b"\x01") + b"junk")
    with pytest.raises(InvalidInput):
        TokenStatusList.decompress(trailing, 1)


def test_reference_parsing() -> None:
    assert parse_status_reference({"status_list": {"idx": 3, "uri": URI}}) == (3, URI)
    for bad in (
        {},
        {"status_list": {"idx": -1, "uri": URI}},
        {"status_list": {"idx": True, "uri": URI}},
        None,
    ):
        with pytest.raises(InvalidInput):
            parse_status_reference(bad)


def token(**kw: Any) -> str:
    sl = TokenStatusList.create(32, 1)
    sl.set(9, 1)
    args: dict[str, Any] = {"key": KEY, "uri": URI, "iat": NOW - timedelta(minutes=1), "ttl": 600, **kw}
    return create_status_list_token(sl, **args)


def test_token_round_trip() -> None:
    t = token(exp=NOW + timedelta(days=1), kid="k1")
    jws = decode_jws(t)
    assert jws.header["typ"] == STATUS_LIST_TYP and jws.header["kid"] == "k1"
    assert jws.payload["sub"] == URI and jws.payload["status_list"]["bits"] == 1
    v = verify_status_list_token(t, key=KEY, uri=URI, now=NOW)
    assert v.status_list.get(9) == 1 and v.status_list.get(8) == 0 and v.ttl == 600


def test_token_failures() -> None:
    t = token()
    with pytest.raises(VerificationError) as ei:
        verify_status_list_token(t, key=KEY, uri="https://other", now=NOW)
    assert ei.value.code == "status_list.sub"
    with pytest.raises(VerificationError):
        verify_status_list_token(t, key=generate_key(KeyType.P256), uri=URI, now=NOW)
    expired = token(exp=NOW - timedelta(hours=1))
    with pytest.raises(VerificationError) as ei2:
        verify_status_list_token(expired, key=KEY, uri=URI, now=NOW)
    assert ei2.value.code == "jwt.expired"
    wrong_typ = sign_jws(
        {"typ": "JWT"}, {"sub": URI, "iat": 1, "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}}, KEY
    )
    with pytest.raises(VerificationError) as ei3:
        verify_status_list_token(wrong_typ, key=KEY, uri=URI, now=NOW)
    assert ei3.value.code == "status_list.typ"
    no_iat = sign_jws(
        {"typ": STATUS_LIST_TYP}, {"sub": URI, "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}}, KEY
    )
    with pytest.raises(VerificationError):
        verify_status_list_token(no_iat, key=KEY, uri=URI, now=NOW)


async def test_fetch() -> None:
    t = token()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/statuslists/1":
            return httpx.Response(
                200, content=t.encode(), headers={"content-type": "application/statuslist+jwt"}
            )
        if request.url.path == "/wrong-type":
            return httpx.Response(200, content=t.encode(), headers={"content-type": "text/plain"})
        if request.url.path == "/huge":
            return httpx.Response(
                200, content=b"a" * 10_000, headers={"content-type": "application/statuslist+jwt"}
            )
        return httpx.Response(404)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        assert await fetch_status_list_token(URI, http=http) == t
        with pytest.raises(InvalidInput):
            await fetch_status_list_token("https://issuer.example/wrong-type", http=http)
        with pytest.raises(LimitExceeded):
            await fetch_status_list_token("https://issuer.example/huge", http=http, max_bytes=1000)
        with pytest.raises(NotFound):
            await fetch_status_list_token("https://issuer.example/none", http=http)
        with pytest.raises(UnsupportedError):
            await fetch_status_list_token("http://issuer.example/statuslists/1", http=http)
        with pytest.raises(UnsupportedError):
            await fetch_status_list_token("file:///etc/passwd", http=http)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60), st.sampled_from([1, 2, 4, 8, 3]))
def test_any_lst_parses_or_raises_ours(lst: str, bits: int) -> None:
    try:
        sl = TokenStatusList.decompress(lst, bits)
    except DidkitError:
        return
    assert TokenStatusList.decompress(sl.compress(), bits).data == sl.data
