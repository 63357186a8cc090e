"""The ledger half through the service: an issuer did:ethr with a BLS key on the registry chain,
``verifier serve`` with ``DIDKIT_VERIFIER_CHAIN`` and a relying party that trusts the issuer's
*owner address*. A bbs-2023 disclosure is accepted; after the DID changes hands the next one is
refused (issuer trust follows the registry) and the report carries the ledger's risk signals."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "verifier_service"))

from _verifier_proc import verifier_process
from svc_holder import CONTEXT, bbs_vp_token, holder, resolve

from didkit_py.credentials import Signer, issue
from didkit_py.keys import KeyType, generate_key
from didkit_py.registry.client import create_identity
from didkit_py.registry.testing import TestChain, start_backend

NODE_DIR = Path(__file__).resolve().parents[1] / "interop" / "node"

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def chain() -> Iterator[TestChain]:
    ch = start_backend("embedded", node_dir=NODE_DIR)
    try:
        yield ch
    finally:
        ch.stop()


def test_issuer_trust_and_ledger_signals_through_the_service(chain: TestChain, tmp_path: Path) -> None:
    client = chain.client()
    ident = create_identity(chain.config.chain_id)
    chain.fund(ident.address, client=client)
    bls = generate_key(KeyType.BLS12381G2)
    client.add_key(ident.did, ident.key, KeyType.BLS12381G2, bls.public_key)
    issuer = Signer(bls, f"{ident.did}#delegate-1")
    time.sleep(1.1)  # block times have one-second resolution
    now = datetime.now(UTC)
    h = holder()
    doc = {
        "@context": CONTEXT,
        "id": "urn:uuid:7f1d3c8e-1111-4c2a-9d55-0000000e7e00",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": ident.did,
        "validFrom": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {"id": h.did, "name": "Alice", "degree": {"type": "ExampleBachelorDegree"}},
    }
    base = issue(doc, signer=issuer, now=now, format="bbs-2023", extra={"mandatory_pointers": ["/issuer"]})
    rps = json.dumps(
        [{"id": "uni", "name": "University", "trusted_owners": [ident.address], "formats": ["ldp_vc"]}]
    )
    env = {
        "DIDKIT_VERIFIER_CHAIN": "true",
        "DIDKIT_VERIFIER_DID_CACHE_SECONDS": "0",
        "DIDKIT_VERIFIER_RELYING_PARTIES": rps,
        "DIDKIT_CHAIN_URL": chain.url,
        "DIDKIT_CHAIN_ID": str(chain.config.chain_id),
        "DIDKIT_CHAIN_REGISTRY": chain.config.registry,
    }
    with verifier_process(tmp_path, **env) as url, httpx.Client(base_url=url, timeout=60) as http:

        def present_once() -> dict[str, object]:
            created = http.post("/oid4vp/requests", json={"template": "degree"}).json()
            req = resolve(created["authorization_request"], now=datetime.now(UTC))
            token = bbs_vp_token(
                base, h, req, "degree_ldp", ["/credentialSubject/degree/type"], now=datetime.now(UTC)
            )
            http.post(req["response_uri"], data={"vp_token": json.dumps(token), "state": req["state"]})
            return http.get(created["status_uri"]).json()  # type: ignore[no-any-return]

        res = present_once()
        assert res["verdict"] == "accepted", res["error"]
        checks = res["presentations"][0]["report"]["checks"]  # type: ignore[index]
        assert [c["outcome"] for c in checks if c["policy"] == "issuer_trust"] == ["passed"]
        # The issuer hands its DID to a new owner.
        time.sleep(1.1)
        client.change_owner(ident.did, ident.key, create_identity(chain.config.chain_id).address)
        time.sleep(0.5)
        res = present_once()
        assert res["verdict"] == "rejected"
        assert res["error"]["policy"] == "issuer_trust"  # type: ignore[index]
        ledger = {(s["code"], s["severity"]) for s in res["risk_signals"] if s["source"] == "ledger"}  # type: ignore[union-attr]
        assert ("owner_changed_recently", "warning") in ledger
