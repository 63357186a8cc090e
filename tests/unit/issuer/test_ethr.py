"""did:ethr issuer DIDs on the embedded registry chain: keys as attributes, rotation on chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from didkit_py.credentials import derive, verify
from didkit_py.did import default_resolver
from didkit_py.did.ethr import EthrMethod
from didkit_py.registry.testing import TestChain, start_devchain
from issuer import IssuerSettings, create_app

from .conftest import new_kek

pytestmark = pytest.mark.slow

CRED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:alice", "name": "Alice", "role": "x"},
}


@pytest.fixture(scope="module")
def chain() -> Iterator[TestChain]:
    c = start_devchain()
    try:
        yield c
    finally:
        c.stop()


def test_ethr_did_issue_verify_rotate(chain: TestChain, tmp_path: Path) -> None:
    settings = IssuerSettings(
        database_url=f"sqlite:///{tmp_path / 'i.db'}",
        kek=new_kek(),  # type: ignore[arg-type]
        public_url="http://issuer.test",
        chain_url=chain.url,
        chain_registry=chain.config.registry,
        chain_id=chain.config.chain_id,
        chain_relayer_key=chain.dev_keys[3].hex(),  # type: ignore[arg-type]
        api_key_argon2_memory_kib=1024,
        api_key_argon2_time_cost=1,
    )
    app = create_app(settings)
    svc = app.state.ctx.service
    svc.create_tenant("acme")
    _, token = svc.create_api_key("acme", name="t", scopes=["admin"])
    h = {"Authorization": f"Bearer {token}"}
    resolver = default_resolver(extra_methods=[EthrMethod([chain.config.network()])], cache_ttl=0)
    now = datetime.now(UTC)

    async def check(doc: Any) -> bool:
        return bool((await verify(doc, resolver=resolver, now=now)).verified)

    with TestClient(app, base_url="http://issuer.test") as c:
        r = c.post("/dids", json={"method": "ethr", "key_types": ["Ed25519", "Bls12381G2"]}, headers=h)
        assert r.status_code == 201, r.text
        did = r.json()
        assert did["did"].startswith("did:ethr:0x539:0x")
        doc = resolver.resolve_sync(did["did"]).document
        on_chain = {vm["id"] for vm in doc["verificationMethod"]}
        assert {k["id"] for k in did["keys"] if k["type"] != "secp256k1"} <= on_chain

        def issue(options: dict[str, Any]) -> Any:
            r = c.post("/credentials/issue", json={"credential": CRED, "options": options}, headers=h)
            assert r.status_code == 201, r.text
            return r.json()["verifiableCredential"]

        import asyncio

        ed = issue({"statusPurposes": []})
        assert ed["issuer"] == did["did"]
        assert asyncio.run(check(ed))
        bbs = issue({"format": "bbs-2023", "mandatoryPointers": ["/issuer"], "statusPurposes": []})
        assert asyncio.run(check(derive(bbs, now=now, disclose=["/credentialSubject/role"])))

        # Rotation: the new Ed25519 key is on chain, the old one revoked there.
        r = c.post(f"/dids/{did['id']}/rotate", json={"key_type": "Ed25519"}, headers=h)
        assert r.status_code == 200, r.text
        assert not asyncio.run(check(ed))  # its key is no longer in the document
        ed2 = issue({"statusPurposes": []})
        assert asyncio.run(check(ed2))
        bbs2 = issue({"format": "bbs-2023", "mandatoryPointers": ["/issuer"], "statusPurposes": []})
        assert asyncio.run(check(derive(bbs2, now=now, disclose=["/credentialSubject/role"])))


def test_audit_anchor_detects_a_rewritten_log(chain: TestChain, tmp_path: Path) -> None:
    from sqlalchemy import select

    from didkit_py.errors import VerificationError
    from issuer.db import AuditEvent, Tenant
    from issuer.service import GENESIS, audit_hash

    settings = IssuerSettings(
        database_url=f"sqlite:///{tmp_path / 'a.db'}",
        kek=new_kek(),  # type: ignore[arg-type]
        chain_url=chain.url,
        chain_registry=chain.config.registry,
        chain_id=chain.config.chain_id,
        chain_relayer_key=chain.dev_keys[4].hex(),  # type: ignore[arg-type]
        api_key_argon2_memory_kib=1024,
        api_key_argon2_time_cost=1,
    )
    svc = create_app(settings).state.ctx.service
    svc.create_tenant("acme")
    svc.create_api_key("acme", name="a", scopes=["issue"])
    anchored = svc.anchor_audit()
    assert [(a["tenant"], a["events"]) for a in anchored] == [("acme", 2)]
    svc.create_api_key("acme", name="b", scopes=["issue"])  # more events after the anchor
    assert svc.verify_anchors()[0]["seq"] == 2
    svc.seal_audit()
    # An insider rewrites event 2 and recomputes the whole chain: the log alone looks intact...
    with svc.sessions.begin() as s:
        t = s.scalar(select(Tenant))
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        events[1].details = {"key_id": "0" * 16, "scopes": ["admin"]}
        prev = GENESIS
        for ev in events:
            ev.prev_hash = prev
            ev.hash = audit_hash(ev)
            prev = ev.hash
        t.audit_head = prev
    svc.verify_audit()
    # ... but not against its anchor on chain.
    with pytest.raises(VerificationError) as exc:
        svc.verify_anchors()
    assert exc.value.code == "audit.anchor_mismatch"


def test_ethr_bls_only_did_signs_its_own_status_lists(chain: TestChain, tmp_path: Path) -> None:
    """A did:ethr asked for a BLS key only also anchors an Ed25519 key; its status lists are its own.

    A tenant's other Ed25519 DID (created first, so it is the tenant's default) must not sign
    them, or a verifier sees a status list from another issuer (``status.issuer_mismatch``).
    """
    import asyncio

    settings = IssuerSettings(
        database_url=f"sqlite:///{tmp_path / 's.db'}",
        kek=new_kek(),  # type: ignore[arg-type]
        public_url="http://issuer.test",
        chain_url=chain.url,
        chain_registry=chain.config.registry,
        chain_id=chain.config.chain_id,
        chain_relayer_key=chain.dev_keys[5].hex(),  # type: ignore[arg-type]
        api_key_argon2_memory_kib=1024,
        api_key_argon2_time_cost=1,
    )
    app = create_app(settings)
    svc = app.state.ctx.service
    svc.create_tenant("acme")
    _, token = svc.create_api_key("acme", name="t", scopes=["admin"])
    h = {"Authorization": f"Bearer {token}"}
    resolver = default_resolver(extra_methods=[EthrMethod([chain.config.network()])], cache_ttl=0)
    now = datetime.now(UTC)
    with TestClient(app, base_url="http://issuer.test") as c:
        other = c.post("/dids", json={"method": "key", "key_types": ["Ed25519"]}, headers=h)
        assert other.status_code == 201, other.text
        r = c.post("/dids", json={"method": "ethr", "key_types": ["Bls12381G2"]}, headers=h)
        assert r.status_code == 201, r.text
        did = r.json()
        types = sorted(k["type"] for k in did["keys"] if k["type"] != "secp256k1")
        assert types == ["Bls12381G2", "Ed25519"], did["keys"]
        doc = resolver.resolve_sync(did["did"]).document
        assert {k["id"] for k in did["keys"] if k["type"] != "secp256k1"} <= {
            vm["id"] for vm in doc["verificationMethod"]
        }
        r = c.post(
            "/credentials/issue",
            json={
                "credential": CRED,
                "options": {  # no template: the tenant's default bbs-2023 DID, the did:ethr one
                    "format": "bbs-2023",
                    "mandatoryPointers": ["/issuer"],
                    "statusPurposes": ["revocation"],
                },
            },
            headers=h,
        )
        assert r.status_code == 201, r.text
        vc = r.json()["verifiableCredential"]
        assert vc["issuer"] == did["did"]
        url = vc["credentialStatus"]["statusListCredential"]
        r = c.get(url.removeprefix("http://issuer.test"))
        assert r.status_code == 200, r.text
        status_list = r.json()
        assert status_list["issuer"] == did["did"]
        assert status_list["proof"]["verificationMethod"].startswith(did["did"] + "#")
        assert status_list["proof"]["verificationMethod"] != other.json()["keys"][0]["id"]
        assert asyncio.run(verify(status_list, resolver=resolver, now=now)).verified
