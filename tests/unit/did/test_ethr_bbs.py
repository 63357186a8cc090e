"""A bbs-2023 credential from a did:ethr issuer whose BLS12-381 G2 key is anchored on the registry.

ethr-did-resolver renders the key as ``Bls12381G2Key2020`` with ``publicKeyHex``; our resolver
renders it identically (see the interop tests), and our verifier must accept it. Runs on the
embedded chain and on anvil.
"""

from __future__ import annotations

import asyncio
import copy
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from didkit_py.did import Resolver
from didkit_py.did.ethr import EthrMethod
from didkit_py.errors import ResolutionError, VerificationError
from didkit_py.jsonld import DocumentLoader
from didkit_py.keys import KeyType, generate_key
from didkit_py.registry.client import create_identity
from didkit_py.registry.testing import BackendUnavailable, TestChain, start_backend
from didkit_py.suites.data_integrity import add_proof, derive, verify_proof

NODE_DIR = Path(__file__).resolve().parents[2] / "interop" / "node"
V2 = "https://www.w3.org/ns/credentials/v2"
EX = "https://www.w3.org/ns/credentials/examples/v2"


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


def test_bbs_2023_from_a_did_ethr_issuer(chain: TestChain) -> None:
    client = chain.client()
    issuer = create_identity(chain.config.chain_id)
    bls = generate_key(KeyType.BLS12381G2)
    # The issuer pays nothing: it signs, a relayer (dev account) submits.
    sig = client.sign_set_attribute(issuer.did, issuer.key, "did/pub/Bls12381G2Key2020", bls.public_key)
    client.set_attribute_signed(
        issuer.did, sig, "did/pub/Bls12381G2Key2020", bls.public_key, chain.dev_key(3)
    )
    resolver = Resolver({"ethr": EthrMethod([chain.config.network()])})
    doc = asyncio.run(resolver.resolve(issuer.did)).document
    vm = next(v for v in doc["verificationMethod"] if v["type"] == "Bls12381G2Key2020")
    assert vm["publicKeyHex"] == bls.public_key.hex() and vm["id"] in doc["assertionMethod"]

    loader = DocumentLoader()
    credential: dict[str, Any] = {
        "@context": [V2, EX],
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer.did,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"degree": {"type": "ExampleBachelorDegree", "name": "BSc"}, "nickname": "Sam"},
    }
    base = add_proof(
        credential, suite="bbs-2023", key=bls, verification_method=vm["id"], loader=loader,
        mandatory_pointers=["/issuer"],
    )  # fmt: skip
    derived = derive(base, selective_pointers=["/credentialSubject/degree/name"], loader=loader)
    assert "nickname" not in derived["credentialSubject"]
    asyncio.run(verify_proof(derived, resolver=resolver, loader=loader))

    tampered = copy.deepcopy(derived)
    tampered["credentialSubject"]["degree"]["name"] = "PhD"
    with pytest.raises(VerificationError):
        asyncio.run(verify_proof(tampered, resolver=resolver, loader=loader))

    # Once the key is revoked on chain, the same credential no longer verifies.
    sig = client.sign_revoke_attribute(issuer.did, issuer.key, "did/pub/Bls12381G2Key2020", bls.public_key)
    client.revoke_attribute_signed(
        issuer.did, sig, "did/pub/Bls12381G2Key2020", bls.public_key, chain.dev_key(3)
    )
    fresh = Resolver({"ethr": EthrMethod([chain.config.network()])})
    with pytest.raises((VerificationError, ResolutionError)):
        asyncio.run(verify_proof(derived, resolver=fresh, loader=loader))
