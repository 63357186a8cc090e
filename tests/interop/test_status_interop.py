"""Bitstring Status List interop with Digital Bazaar's @digitalbazaar/vc-bitstring-status-list@2.0.1.

Both directions, with real eddsa-rdfc-2022 proofs on the status list credential:
a list DB made and signed is fetched, verified and read by our StatusListClient; a list we made
and signed is verified and read by DB's ``checkStatus``. Tampered lists fail on both sides.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from didkit_py.did import default_resolver
from didkit_py.errors import VerificationError
from didkit_py.jsonld import DocumentLoader
from didkit_py.keys import KeyType, generate_key, multikey_encode, secret_multikey_encode
from didkit_py.status import (
    BitstringStatusList,
    BitstringStatusListEntry,
    StatusListClient,
    StatusListManager,
)
from didkit_py.suites.data_integrity import add_proof, verify_proof

pytestmark = pytest.mark.interop

URL = "https://issuer.example/status/3"
NOW = datetime.now(UTC)
REVOKED = [0, 7, 4242, 65_536, 131_071]


@pytest.fixture(scope="module")
def issuer() -> dict[str, Any]:
    kp = generate_key(KeyType.ED25519)
    pub = multikey_encode(kp.key_type, kp.public_key)
    assert kp.secret_key is not None
    return {
        "kp": kp,
        "did": f"did:key:{pub}",
        "vm": f"did:key:{pub}#{pub}",
        "node_key": {
            "publicKeyMultibase": pub,
            "secretKeyMultibase": secret_multikey_encode(kp.key_type, kp.secret_key),
        },
    }


def _client(body: Any) -> StatusListClient:
    resolver, loader = default_resolver(), DocumentLoader()

    async def verify_list(secured: Any) -> Mapping[str, Any]:
        await verify_proof(secured, resolver=resolver, loader=loader, now=datetime.now(UTC))
        return {k: v for k, v in secured.items() if k != "proof"}

    def handler(request: httpx.Request) -> httpx.Response:
        import json

        return httpx.Response(
            200,
            stream=httpx.ByteStream(json.dumps(body).encode()),
            headers={"Content-Type": "application/vc+ld+json"},
        )

    return StatusListClient(
        http=httpx.AsyncClient(transport=httpx.MockTransport(handler)), verify_list_credential=verify_list
    )


def _entry(index: int, purpose: str = "revocation") -> BitstringStatusListEntry:
    return BitstringStatusListEntry(
        status_list_credential=URL, status_list_index=index, status_purpose=purpose
    )


async def test_list_made_by_digital_bazaar_is_read_by_us(node, issuer) -> None:  # type: ignore[no-untyped-def]
    made = node(
        "status_peer.mjs",
        {
            "op": "make",
            "id": URL,
            "issuer": issuer["did"],
            "key": issuer["node_key"],
            "set": REVOKED,
            "statusPurpose": "revocation",
        },
    )
    assert made["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    client = _client(made)
    for i in [*REVOKED, 1, 8, 4241, 131_070]:
        result = await client.check(_entry(i), now=NOW, credential_issuer=issuer["did"])
        assert result.label == ("revoked" if i in REVOKED else "valid"), i
    tampered = dict(
        made,
        credentialSubject=dict(made["credentialSubject"], encodedList=BitstringStatusList.create().encode()),
    )
    with pytest.raises(VerificationError) as e:
        await _client(tampered).check(_entry(7), now=NOW)
    assert e.value.code == "status.list_verification"
    with pytest.raises(VerificationError) as e2:
        await _client(made).check(_entry(7, "suspension"), now=NOW)
    assert e2.value.code == "status.purpose_mismatch"


def test_list_made_by_us_is_read_by_digital_bazaar(node, issuer) -> None:  # type: ignore[no-untyped-def]
    manager = StatusListManager.create(id=URL, status_purpose="revocation")
    indexes = [manager.allocate() for _ in range(6)]
    revoked = indexes[:3]
    for i in revoked:
        manager.set_status(i, 1)
    unsigned = manager.credential(issuer=issuer["did"], valid_from=NOW - timedelta(minutes=5))
    signed = add_proof(
        unsigned,
        suite="eddsa-rdfc-2022",
        key=issuer["kp"],
        verification_method=issuer["vm"],
        loader=DocumentLoader(),
    )
    entries = [manager.entry(i).to_json() for i in indexes]
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer["did"],
        "credentialSubject": {"id": "did:example:holder"},
        "credentialStatus": entries,
    }
    out = node("status_peer.mjs", {"op": "check", "credential": credential, "statusListCredential": signed})
    assert out["error"] is None, out
    assert out["verified"] is True
    assert out["statuses"] == [i in revoked for i in indexes]
    # DB decodes our encodedList bit for bit.
    read = node(
        "status_peer.mjs",
        {"op": "read", "encodedList": signed["credentialSubject"]["encodedList"], "indexes": indexes},
    )
    assert read["length"] == 131_072 and read["statuses"] == [i in revoked for i in indexes]
    # A tampered list of ours fails DB's verification too.
    forged = dict(
        signed,
        credentialSubject=dict(
            signed["credentialSubject"], encodedList=BitstringStatusList.create().encode()
        ),
    )
    bad = node("status_peer.mjs", {"op": "check", "credential": credential, "statusListCredential": forged})
    assert bad["verified"] is False
