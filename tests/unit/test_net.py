"""PublicAddressTransport: private destinations are refused, public ones pinned to the checked IP."""

from __future__ import annotations

import ipaddress

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from didkit_py.did.web import WebMethod
from didkit_py.errors import NetworkError
from didkit_py.net import PublicAddressTransport, is_public_address


def _lookup(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def lookup(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("no such host")
        return table[host]

    return lookup


class Recorder(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        return httpx.Response(200, json={"ok": True})


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # CGNAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:10.0.0.1", False),  # IPv4-mapped private
        ("::ffff:93.184.215.14", True),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


async def test_public_host_is_pinned_to_the_checked_address_with_name_in_host_and_sni() -> None:
    inner = Recorder()
    transport = PublicAddressTransport(inner=inner, lookup=_lookup({"example.com": ["93.184.215.14"]}))
    async with httpx.AsyncClient(transport=transport) as client:
        r = await client.get("https://example.com/.well-known/did.json")
    assert r.status_code == 200
    sent = inner.seen[0]
    assert sent.url.host == "93.184.215.14"
    assert sent.headers["host"] == "example.com"
    assert sent.extensions["sni_hostname"] == "example.com"


@pytest.mark.parametrize(
    "url",
    [
        "https://intranet.example/did.json",  # resolves to 10.0.0.5
        "https://mixed.example/did.json",  # one public, one private answer: refused
        "https://169.254.169.254/latest/meta-data",
        "http://127.0.0.1:8080/",
        "https://[::1]/",
    ],
)
async def test_private_destinations_are_refused_before_connecting(url: str) -> None:
    inner = Recorder()
    table = {"intranet.example": ["10.0.0.5"], "mixed.example": ["93.184.215.14", "192.168.0.7"]}
    transport = PublicAddressTransport(inner=inner, lookup=_lookup(table))
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(NetworkError) as exc:
            await client.get(url)
    assert exc.value.code == "net.private_address"
    assert inner.seen == []


async def test_unresolvable_host_is_a_network_error() -> None:
    transport = PublicAddressTransport(inner=Recorder(), lookup=_lookup({}))
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(NetworkError) as exc:
            await client.get("https://nowhere.example/")
    assert exc.value.code == "net.dns"


async def test_loopback_only_when_allowed() -> None:
    inner = Recorder()
    transport = PublicAddressTransport(inner=inner, allow_loopback=True, lookup=_lookup({}))
    async with httpx.AsyncClient(transport=transport) as client:
        assert (await client.get("http://127.0.0.1:8080/x")).status_code == 200
        assert (await client.get("http://localhost:8080/x")).status_code == 200
    assert [r.url.host for r in inner.seen] == ["127.0.0.1", "localhost"]


async def test_did_web_on_a_private_network_is_not_fetched() -> None:
    inner = Recorder()
    transport = PublicAddressTransport(inner=inner, lookup=_lookup({"db.internal": ["10.9.8.7"]}))
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(NetworkError) as exc:
            await WebMethod(client).resolve("did:web:db.internal")
    assert exc.value.code == "net.private_address"
    assert inner.seen == []


@given(st.ip_addresses())
def test_any_address_is_classified_without_error(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    assert isinstance(is_public_address(ip), bool)


async def test_the_resolvers_own_client_refuses_private_hosts() -> None:
    """No injected client: WebMethod builds one with the guard (localhost resolves locally)."""
    with pytest.raises(NetworkError) as exc:
        await WebMethod().resolve("did:web:localhost%3A9")
    assert exc.value.code == "net.private_address"
