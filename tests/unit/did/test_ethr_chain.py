"""did:ethr resolution against a live registry, on the embedded chain AND on anvil."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from didkit_py import bbs
from didkit_py.did import Resolver, public_key_from_vm
from didkit_py.did.ethr import EthrMethod
from didkit_py.keys import KeyType, generate_key
from didkit_py.registry.client import EthrIdentity, RegistryClient, create_identity
from didkit_py.registry.testing import BackendUnavailable, TestChain, start_backend

NODE_DIR = Path(__file__).resolve().parents[2] / "interop" / "node"


@pytest.fixture(scope="module", params=["embedded", "anvil"])
def chain(request: pytest.FixtureRequest) -> Iterator[TestChain]:
    try:
        ch = start_backend(request.param, node_dir=NODE_DIR)
    except BackendUnavailable as exc:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"chain backend unavailable under CI: {exc}")
        pytest.skip(str(exc))
    try:
        yield ch
    finally:
        ch.stop()


@pytest.fixture
def client(chain: TestChain) -> RegistryClient:
    return chain.client()


@pytest.fixture
def identity(chain: TestChain, client: RegistryClient) -> EthrIdentity:
    ident = create_identity(chain.config.chain_id)
    chain.fund(ident.address, client=client)
    return ident


def _resolve(chain: TestChain, did: str, **kw: str):
    return asyncio.run(EthrMethod([chain.config.network()]).resolve(did, **kw))


def test_keys_services_and_bls(chain: TestChain, client: RegistryClient, identity: EthrIdentity) -> None:
    ed = generate_key(KeyType.ED25519).public_key
    x = generate_key(KeyType.X25519).public_key
    k1 = generate_key(KeyType.SECP256K1).public_key
    bls_pk = bbs.sk_to_pk(bbs.keygen(os.urandom(32)))
    client.add_key(identity.did, identity.key, KeyType.ED25519, ed)
    client.add_key(identity.did, identity.key, KeyType.X25519, x, purpose="enc")
    client.add_key(identity.did, identity.key, KeyType.SECP256K1, k1, purpose="sigAuth")
    client.add_key(identity.did, identity.key, KeyType.BLS12381G2, bls_pk)
    client.add_service(identity.did, identity.key, "LinkedDomains", "https://issuer.example")
    res = _resolve(chain, identity.did)
    doc = res.document
    vms = {vm["id"].split("#")[1]: vm for vm in doc["verificationMethod"]}
    assert vms["delegate-1"]["type"] == "Ed25519VerificationKey2018"
    assert vms["delegate-2"]["type"] == "X25519KeyAgreementKey2019"
    assert vms["delegate-3"]["type"] == "EcdsaSecp256k1VerificationKey2019"
    assert vms["delegate-4"] == {
        "id": identity.did + "#delegate-4",
        "type": "Bls12381G2Key2020",
        "controller": identity.did,
        "publicKeyHex": bls_pk.hex(),
    }
    # Every published key reads back to the bytes we anchored.
    assert public_key_from_vm(vms["delegate-1"]) == (KeyType.ED25519, ed)
    assert public_key_from_vm(vms["delegate-2"]) == (KeyType.X25519, x)
    assert public_key_from_vm(vms["delegate-3"]) == (KeyType.SECP256K1, k1)
    assert public_key_from_vm(vms["delegate-4"]) == (KeyType.BLS12381G2, bls_pk)
    assert doc["keyAgreement"] == [identity.did + "#delegate-2"]
    assert identity.did + "#delegate-3" in doc["authentication"]
    assert identity.did + "#delegate-4" in doc["assertionMethod"]
    assert doc["service"][0]["serviceEndpoint"] == "https://issuer.example"
    assert res.document_metadata["versionId"] == str(client.changed(identity.address))
    # Through the shared Resolver (document validation, dereferencing).
    _xfail_if_validator_rejects_ethr_documents(doc)
    resolver = Resolver({"ethr": EthrMethod([chain.config.network()])})
    vm = asyncio.run(resolver.resolve_verification_method(identity.did + "#delegate-4"))
    assert vm.key_type is KeyType.BLS12381G2 and vm.public_key == bls_pk


def test_versions_rotation_and_deactivation(chain: TestChain, client: RegistryClient) -> None:
    ident = create_identity(chain.config.chain_id, public_key_form=True)
    chain.fund(ident.address, client=client)
    r1 = client.add_service(ident.did, ident.key, "Hub", "https://a.example")
    r2 = client.add_service(ident.did, ident.key, "Hub", "https://b.example")
    new = create_identity(chain.config.chain_id)
    chain.fund(new.address, client=client)
    r3 = client.change_owner(ident.did, ident.key, new.address)
    before = _resolve(chain, ident.did, version_id=str(r1.block_number))
    assert [s["serviceEndpoint"] for s in before.document["service"]] == ["https://a.example"]
    assert before.document_metadata["nextVersionId"] == str(r2.block_number)
    assert "#controllerKey" in str(before.document["verificationMethod"])
    latest = _resolve(chain, ident.did)
    assert latest.document["verificationMethod"][0]["blockchainAccountId"].endswith(new.address)
    assert "#controllerKey" not in str(latest.document)  # rotated away from the DID's own key
    # versionTime: the state as of a block's time.
    hist = client.history(ident.did)
    t2 = next(e.block_timestamp for e in hist if e.block_number == r2.block_number)
    at = _resolve(chain, ident.did, version_time=datetime.fromtimestamp(t2, UTC).isoformat())
    assert at.document_metadata["versionId"] in {str(r2.block_number), str(r3.block_number)}
    client.deactivate(ident.did, new.key)
    dead = _resolve(chain, ident.did)
    assert dead.document_metadata["deactivated"] is True
    assert dead.document["verificationMethod"] == []


def test_one_getlogs_for_many_changes(
    chain: TestChain, client: RegistryClient, identity: EthrIdentity
) -> None:
    for i in range(10):
        client.add_service(identity.did, identity.key, "S", f"https://{i}.example")
    bodies: list[bytes] = []

    async def go() -> None:
        async with httpx.AsyncClient(event_hooks={"request": [lambda r: _record(r, bodies)]}) as http:
            m = EthrMethod([chain.config.network()], http=http)
            await m.resolve(identity.did)
            bodies.clear()
            await m.resolve(identity.did)  # chain id now cached

    asyncio.run(go())
    text = b" ".join(bodies)
    assert text.count(b"eth_getLogs") == 1
    assert len(bodies) <= 3  # batch(changed, head) + getLogs (+ block times if the node lacks them)


async def _record(request: httpx.Request, bodies: list[bytes]) -> None:
    bodies.append(request.content)


def test_expired_keys_drop_out(chain: TestChain, client: RegistryClient, identity: EthrIdentity) -> None:
    ed = generate_key(KeyType.ED25519).public_key
    client.add_key(identity.did, identity.key, KeyType.ED25519, ed, validity=1)
    m = EthrMethod([chain.config.network()], clock=lambda: time.time() + 3600)
    doc = asyncio.run(m.resolve(identity.did)).document
    assert len(doc["verificationMethod"]) == 1


def _xfail_if_validator_rejects_ethr_documents(doc: dict) -> None:
    """pydid 0.5.3 under pydantic 2.13 fails on EcdsaSecp256k1RecoveryMethod2020 (its
    ``required_group`` validator returns a dict): the shared ``validate_did_document`` then
    rejects every did:ethr document. Reported to the did/ owner; runs fully once fixed."""
    from didkit_py.did.document import validate_did_document
    from didkit_py.errors import InvalidInput

    try:
        validate_did_document(doc, doc["id"])
    except InvalidInput:
        pytest.xfail("validate_did_document rejects did:ethr documents (pydid/pydantic incompatibility)")


def test_history_for_risk_signals(chain: TestChain, client: RegistryClient, identity: EthrIdentity) -> None:
    r1 = client.add_service(identity.did, identity.key, "Hub", "https://h.example")
    r2 = client.add_key(identity.did, identity.key, KeyType.ED25519, generate_key(KeyType.ED25519).public_key)
    events = asyncio.run(EthrMethod([chain.config.network()]).history(identity.did))
    assert [(e.kind, e.block_number) for e in events] == [
        ("DIDAttributeChanged", r1.block_number),
        ("DIDAttributeChanged", r2.block_number),
    ]
    assert [e.block_timestamp for e in events] == [e.block_timestamp for e in client.history(identity.did)]
    assert events[1].name_text == "did/pub/Ed25519/veriKey/base58"
    untouched = create_identity(chain.config.chain_id).did
    assert asyncio.run(EthrMethod([chain.config.network()]).history(untouched)) == []
