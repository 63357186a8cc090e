"""Client-side checks (names, values, keys) and the errors for node down, wrong chain, out of gas."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py import bbs
from didkit_py.errors import ChainError, InvalidInput, LimitExceeded, NetworkError, UnsupportedError
from didkit_py.keys import KeyType, generate_key
from didkit_py.registry.client import (
    ChainConfig,
    RegistryClient,
    check_attribute_name,
    create_identity,
    key_attribute,
    service_attribute,
)
from didkit_py.registry.settings import ChainSettings
from didkit_py.registry.testing import TestChain


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_attribute_names_are_checked_never_truncated(name: str) -> None:
    try:
        raw = check_attribute_name(name)
    except LimitExceeded:
        assert len(name.encode()) > 32
        return
    except InvalidInput as exc:
        assert exc.code == "registry.attribute_name" and not name.startswith(("did/pub/", "did/svc/"))
        return
    assert len(raw) == 32 and raw.rstrip(b"\0") == name.encode().rstrip(b"\0")


def test_key_attributes() -> None:
    ed = generate_key(KeyType.ED25519).public_key
    assert key_attribute(KeyType.ED25519, ed) == ("did/pub/Ed25519/veriKey/base58", ed)
    assert key_attribute(KeyType.ED25519, ed, purpose="sigAuth")[0] == "did/pub/Ed25519/sigAuth/base58"
    x = generate_key(KeyType.X25519).public_key
    assert key_attribute(KeyType.X25519, x, purpose="enc")[0] == "did/pub/X25519/enc/base58"
    k = generate_key(KeyType.SECP256K1).public_key
    assert key_attribute(KeyType.SECP256K1, k)[0] == "did/pub/Secp256k1/veriKey/hex"
    b = bbs.sk_to_pk(bbs.keygen(b"\x07" * 32))
    assert key_attribute(KeyType.BLS12381G2, b) == ("did/pub/Bls12381G2Key2020", b)
    with pytest.raises(InvalidInput):
        key_attribute(KeyType.ED25519, b"\x00" * 31)  # not a key
    with pytest.raises(InvalidInput):
        key_attribute(KeyType.BLS12381G2, b"\x01" * 96)  # not a G2 point
    with pytest.raises(UnsupportedError):
        key_attribute(KeyType.P256, generate_key(KeyType.P256).public_key)
    with pytest.raises(InvalidInput):
        key_attribute(KeyType.ED25519, ed, purpose="admin")


def test_service_attributes() -> None:
    assert service_attribute("LinkedDomains", "https://a.example") == (
        "did/svc/LinkedDomains",
        b"https://a.example",
    )
    assert service_attribute("Hub", {"origins": ["https://a"]})[1] == b'{"origins":["https://a"]}'
    for bad in ("", "Has Space", "a/b", "x" * 30):
        with pytest.raises(InvalidInput):
            service_attribute(bad, "https://a.example")
    with pytest.raises(LimitExceeded):
        service_attribute("Big", "https://" + "a" * 3000)


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIDKIT_CHAIN_URL", "http://127.0.0.1:9999")
    monkeypatch.setenv("DIDKIT_CHAIN_ID", "31337")
    monkeypatch.setenv("DIDKIT_CHAIN_REGISTRY", "0x" + "ab" * 20)
    cfg = ChainSettings().to_config()
    assert (cfg.url, cfg.chain_id, cfg.registry) == ("http://127.0.0.1:9999", 31337, "0x" + "ab" * 20)
    with pytest.raises(InvalidInput):
        ChainConfig(url="ftp://x")
    with pytest.raises(InvalidInput):
        ChainConfig(registry="0x12")


def test_node_down_is_a_network_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = RegistryClient(ChainConfig(url=f"http://127.0.0.1:{port}", timeout=2))
    with pytest.raises(NetworkError) as ei:
        client.changed("0x" + "11" * 20)
    assert ei.value.code == "chain.unreachable"
    ident = create_identity(1337)
    with pytest.raises(NetworkError):
        client.set_attribute(ident.did, ident.key, "did/svc/S", b"s")


def test_wrong_chain_id(chain: TestChain) -> None:
    cfg = ChainConfig(url=chain.url, registry=chain.config.registry, chain_id=chain.config.chain_id + 1)
    with pytest.raises(ChainError) as ei:
        RegistryClient(cfg).changed("0x" + "11" * 20)
    assert ei.value.code == "chain.wrong_chain_id"


def test_out_of_gas(chain: TestChain, client: RegistryClient, identity) -> None:
    fn = client.contract.functions.setAttribute(
        identity.address, check_attribute_name("did/svc/S"), b"s", 100
    )
    # Above the intrinsic and EIP-7623 floor cost (~24.4k), far below what the call needs (~36k).
    with pytest.raises(ChainError) as ei:
        client._send(identity.key, fn, "setAttribute", gas=26_000)
    assert ei.value.code == "chain.out_of_gas"


def test_identity_argument_checks(client: RegistryClient) -> None:
    with pytest.raises(InvalidInput):
        client.changed("not-an-address")
    with pytest.raises(InvalidInput):
        client.changed("did:ethr:0x123")
    ident = create_identity(1337)
    with pytest.raises(InvalidInput):
        client.add_delegate(ident.did, ident.key, "", "0x" + "11" * 20)
    with pytest.raises(InvalidInput):
        client.add_delegate(ident.did, ident.key, "veriKey", "0x" + "11" * 20, validity=0)
    with pytest.raises(InvalidInput):
        client.change_owner(ident.did, ident.key, "0x1234")
    with pytest.raises(InvalidInput):
        client.set_attribute(ident.did, generate_key(KeyType.ED25519), "did/svc/S", b"s")
