"""did:ethr parsing, the document builder, and resolution failures (no chain needed)."""

from __future__ import annotations

import asyncio
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.did.ethr import EthrMethod, EthrNetwork, build_ethr_document, parse_ethr_did
from didkit_py.errors import InvalidInput, ResolutionError
from didkit_py.registry.client import DEV_REGISTRY_ADDRESS, address_from_public_key
from didkit_py.registry.devchain import DevChain, serve_in_thread
from didkit_py.registry.events import RegistryEvent

ADDR = "0xb9c5714089478a327f09197987f16f9e5d936e8a"
PUB = "0x03fdd57adec3d438ea237fe46b33ee1e016eda6b585c3e27ea66686c2ea5358479"
_GOOD = to_checksum_address(ADDR)
_FLIP = next(i for i, c in enumerate(_GOOD) if i > 1 and c.isalpha())
BAD_CHECKSUM = _GOOD[:_FLIP] + _GOOD[_FLIP].swapcase() + _GOOD[_FLIP + 1 :]  # wrong EIP-55 case


class TestParse:
    def test_forms(self) -> None:
        p = parse_ethr_did(f"did:ethr:{ADDR}")
        assert p.network == "mainnet" and p.address == to_checksum_address(ADDR)
        p = parse_ethr_did(f"did:ethr:0x7a69:{ADDR}")
        assert p.network == "0x7a69" and p.public_key_hex is None
        p = parse_ethr_did(f"did:ethr:rsk:testnet:{PUB}")
        assert p.network == "rsk:testnet" and p.public_key_hex == PUB
        assert p.address == address_from_public_key(bytes.fromhex(PUB[2:]))

    @pytest.mark.parametrize(
        "did",
        [
            "did:ethr:",
            "did:ethr:0x123",
            "did:ethr:0xZZc5714089478a327f09197987f16f9e5d936e8a",
            f"did:ethr:{ADDR}00",
            "did:ethr:" + BAD_CHECKSUM,
            f"did:ethr:{PUB[:-2]}",
            "did:ethr:0x04" + "11" * 32,  # not a compressed key prefix
            "did:ethr:0x02" + "ff" * 32,  # x not on the curve
            f"did:web:{ADDR}",
            f"did:ethr::{ADDR}",
            f"did:ethr:0x1 :{ADDR}",
            "ethr:" + ADDR,
            "",
        ],
    )
    def test_malformed(self, did: str) -> None:
        with pytest.raises(InvalidInput) as ei:
            parse_ethr_did(did)
        assert ei.value.code == "invalidDid"

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=120))
    def test_any_text_parses_or_is_invalid(self, text: str) -> None:
        try:
            p = parse_ethr_did(text)
        except InvalidInput as exc:
            assert exc.code == "invalidDid"
            return
        assert p.did == text.split("?")[0].split("#")[0]

    @settings(max_examples=100, deadline=None)
    @given(st.binary(min_size=20, max_size=20), st.sampled_from(["", "0x539:", "dev:", "a.b:c-d:"]))
    def test_any_address_round_trips(self, raw: bytes, net: str) -> None:
        did = f"did:ethr:{net}0x{raw.hex()}"
        p = parse_ethr_did(did)
        assert p.did == did and p.address.lower() == "0x" + raw.hex()


def _ev(kind: str, block: int, **kw: object) -> RegistryEvent:
    return RegistryEvent(
        kind=kind,
        identity=kw.pop("identity", "0x" + "11" * 20),
        block_number=block,  # type: ignore[arg-type]
        log_index=0,
        transaction_hash="0x",
        previous_change=0,
        **kw,
    )  # type: ignore[arg-type]


class TestBuilder:
    DID = "did:ethr:0x539:0x1111111111111111111111111111111111111111"
    A = "0x1111111111111111111111111111111111111111"

    def _build(self, history: list[RegistryEvent], *, height: int | None = None, now: int = 1000):
        return build_ethr_document(self.DID, self.A, None, history, 1337, height, now)

    def test_empty(self) -> None:
        doc, deact, v, nv = self._build([])
        assert not deact and v == 0 and nv is None
        assert [vm["id"] for vm in doc["verificationMethod"]] == [self.DID + "#controller"]
        assert doc["verificationMethod"][0]["blockchainAccountId"] == f"eip155:1337:{self.A}"

    def test_key_types_and_counters(self) -> None:
        h = [
            _ev(
                "DIDAttributeChanged",
                1,
                name=b"did/pub/Ed25519/veriKey/base58".ljust(32, b"\0"),
                value=b"\x01" * 32,
                valid_to=2000,
            ),
            _ev(
                "DIDAttributeChanged",
                2,
                name=b"did/pub/X25519/enc/base58".ljust(32, b"\0"),
                value=b"\x02" * 32,
                valid_to=2000,
            ),
            _ev(
                "DIDAttributeChanged",
                3,
                name=b"did/pub/Bls12381G2Key2020".ljust(32, b"\0"),
                value=b"\x03" * 96,
                valid_to=2000,
            ),
            _ev(
                "DIDAttributeChanged",
                4,
                name=b"did/svc/Hub".ljust(32, b"\0"),
                value=b'{"a":1}',
                valid_to=2000,
            ),
            _ev(
                "DIDAttributeChanged",
                5,
                name=b"did/svc/Web".ljust(32, b"\0"),
                value=b"https://x",
                valid_to=500,
            ),  # expired
            _ev(
                "DIDAttributeChanged", 6, name=b"not/a/did/attr".ljust(32, b"\0"), value=b"zz", valid_to=2000
            ),
        ]
        doc, _, v, _ = self._build(h)
        types = [vm["type"] for vm in doc["verificationMethod"][1:]]
        assert types == ["Ed25519VerificationKey2018", "X25519KeyAgreementKey2019", "Bls12381G2Key2020"]
        assert doc["verificationMethod"][3]["publicKeyHex"] == "03" * 96
        assert doc["keyAgreement"] == [self.DID + "#delegate-2"]
        assert doc["service"] == [{"id": self.DID + "#service-1", "type": "Hub", "serviceEndpoint": {"a": 1}}]
        assert v == 6

    def test_validity_is_strict_like_the_contract(self) -> None:
        h = [
            _ev(
                "DIDDelegateChanged",
                1,
                delegate_type=b"veriKey".ljust(32, b"\0"),
                delegate="0x" + "22" * 20,
                valid_to=1000,
            )
        ]
        doc, *_ = self._build(h, now=1000)
        assert len(doc["verificationMethod"]) == 1  # validTo == now: no longer valid
        doc, *_ = self._build(h, now=999)
        assert len(doc["verificationMethod"]) == 2

    def test_deactivated_and_versions(self) -> None:
        h = [
            _ev("DIDAttributeChanged", 3, name=b"did/svc/Hub".ljust(32, b"\0"), value=b"x", valid_to=2000),
            _ev("DIDOwnerChanged", 5, owner="0x" + "00" * 20),
            _ev("DIDAttributeChanged", 7, name=b"did/svc/Hub".ljust(32, b"\0"), value=b"y", valid_to=2000),
        ]
        doc, deact, v, nv = self._build(h)
        assert deact and v == 5 and doc["verificationMethod"] == []
        doc, deact, v, nv = self._build(h, height=4)
        assert not deact and v == 3 and nv == 5 and doc["service"][0]["serviceEndpoint"] == "x"

    def test_non_utf8_names_are_skipped(self) -> None:
        h = [_ev("DIDAttributeChanged", 1, name=b"\xff" * 32, value=b"x", valid_to=2000)]
        doc, _, v, _ = self._build(h)
        assert v == 0 and len(doc["verificationMethod"]) == 1


def _net(url: str, chain_id: int = 1337) -> EthrNetwork:
    return EthrNetwork(chain_id=chain_id, rpc_url=url, registry=DEV_REGISTRY_ADDRESS, name="dev")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestFailures:
    def test_unknown_network(self) -> None:
        m = EthrMethod([_net("http://127.0.0.1:1")])
        with pytest.raises(ResolutionError) as ei:
            asyncio.run(m.resolve(f"did:ethr:0x1:{ADDR}"))
        assert ei.value.code == "unknownNetwork"
        with pytest.raises(ResolutionError):
            asyncio.run(m.resolve(f"did:ethr:{ADDR}"))  # mainnet is not configured

    def test_node_unreachable(self) -> None:
        m = EthrMethod([_net(f"http://127.0.0.1:{_free_port()}")], timeout=2)
        with pytest.raises(ResolutionError) as ei:
            asyncio.run(m.resolve(f"did:ethr:dev:{ADDR}"))
        assert ei.value.code == "chain.unreachable"

    def test_node_timeout(self) -> None:
        stop = threading.Event()

        class Slow(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                stop.wait(5)

            def log_message(self, *a: object) -> None:
                pass

        srv = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
        srv.daemon_threads = True
        t = threading.Thread(target=srv.serve_forever, daemon=True)
        t.start()
        try:
            m = EthrMethod([_net(f"http://127.0.0.1:{srv.server_address[1]}")], timeout=0.3)
            with pytest.raises(ResolutionError) as ei:
                asyncio.run(m.resolve(f"did:ethr:dev:{ADDR}"))
            assert ei.value.code == "chain.timeout"
        finally:
            stop.set()
            srv.shutdown()
            srv.server_close()

    def test_wrong_chain_id_and_bad_versions(self) -> None:
        chain = DevChain(None)
        srv = serve_in_thread(chain)
        try:
            wrong = EthrMethod([_net(srv.url, chain_id=4242)])
            with pytest.raises(ResolutionError) as ei:
                asyncio.run(wrong.resolve(f"did:ethr:0x1092:{ADDR}"))
            assert ei.value.code == "wrongChain"
            right = EthrMethod([_net(srv.url)])
            with pytest.raises(InvalidInput) as ei2:
                asyncio.run(right.resolve(f"did:ethr:dev:{ADDR}", version_id="latest"))
            assert ei2.value.code == "invalidVersionId"
            with pytest.raises(InvalidInput):
                asyncio.run(right.resolve(f"did:ethr:dev:{ADDR}", version_time="yesterday"))
            with pytest.raises(ResolutionError) as ei3:
                asyncio.run(right.resolve(f"did:ethr:dev:{ADDR}", version_id="999999"))
            assert ei3.value.code == "notFound"
            no_registry = EthrMethod([EthrNetwork(chain_id=1337, rpc_url=srv.url, registry="0x" + "42" * 20)])
            with pytest.raises(ResolutionError) as ei4:
                asyncio.run(no_registry.resolve(f"did:ethr:0x539:{ADDR}"))
            assert ei4.value.code == "registry.not_deployed"
        finally:
            srv.stop()

    def test_bad_network_config(self) -> None:
        with pytest.raises(InvalidInput):
            EthrNetwork(chain_id=0, rpc_url="http://x", registry=DEV_REGISTRY_ADDRESS)
        with pytest.raises(InvalidInput):
            EthrNetwork(chain_id=1, rpc_url="http://x", registry="0x12")
        with pytest.raises(InvalidInput):
            EthrMethod([])
