"""Risk signals and owner-based issuer trust from a real registry chain (the embedded dev chain)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from didkit_py.credentials import Signer, issue
from didkit_py.did import default_resolver
from didkit_py.did.ethr import EthrMethod
from didkit_py.keys import KeyType, generate_key
from didkit_py.registry.client import create_identity
from didkit_py.registry.testing import TestChain, start_backend
from verifier import EthrHistoryRisk, IssuerTrustPolicy, Policies, Verifier

NODE_DIR = Path(__file__).resolve().parents[2] / "interop" / "node"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chain() -> Iterator[TestChain]:
    ch = start_backend("embedded", node_dir=NODE_DIR)
    try:
        yield ch
    finally:
        ch.stop()


def _credential(issuer: str) -> dict[str, object]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:alice", "name": "Alice"},
    }


async def test_owner_trust_and_risk_signals_on_chain(chain: TestChain) -> None:
    client = chain.client()
    ident = create_identity(chain.config.chain_id)
    chain.fund(ident.address, client=client)
    ed = generate_key(KeyType.ED25519)
    client.add_key(ident.did, ident.key, KeyType.ED25519, ed.public_key)
    resolver = default_resolver(extra_methods=[EthrMethod([chain.config.network()])], cache_ttl=0)
    signer = Signer(ed, f"{ident.did}#delegate-1")
    time.sleep(1.1)  # block times have one-second resolution
    issued = datetime.now(UTC)
    token = issue(_credential(ident.did), signer=signer, now=issued)

    trusted = Policies(issuer_trust=IssuerTrustPolicy(trusted_owners=frozenset({ident.address})))
    verifier = Verifier(resolver=resolver, policies=trusted, risk=EthrHistoryRisk(resolver))
    report = await verifier.verify_credential(token)
    assert report.verdict == "accepted", report.failed_checks()
    assert [c.outcome.value for c in report.checks if c.policy == "issuer_trust"] == ["passed"]
    # A fresh DID: its owner has not changed; no key changed since issuance.
    assert report.risk_signals == []

    # The issuer adds a key after issuing, then hands the DID to a new owner.
    time.sleep(1.1)
    client.add_key(ident.did, ident.key, KeyType.ED25519, generate_key(KeyType.ED25519).public_key)
    new_owner = create_identity(chain.config.chain_id)
    client.change_owner(ident.did, ident.key, new_owner.address)
    report = await verifier.verify_credential(token)
    signals = {(s.code, s.severity) for s in report.risk_signals}
    assert ("owner_changed_recently", "warning") in signals
    assert ("key_rotated_after_issuance", "info") in signals
    # Owner-based trust follows the registry: the old owner is no longer trusted.
    assert [c.code for c in report.checks if c.policy == "issuer_trust"] == ["issuer_trust.untrusted"]
    assert report.verdict == "rejected"

    # A credential claiming an issuance time before its key existed is flagged high.
    backdated = issue(_credential(ident.did), signer=signer, now=issued - timedelta(hours=2))
    report = await Verifier(resolver=resolver, risk=EthrHistoryRisk(resolver)).verify_credential(backdated)
    assert ("key_rotated_after_issuance", "high") in {(s.code, s.severity) for s in report.risk_signals}
