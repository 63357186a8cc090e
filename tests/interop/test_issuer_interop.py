"""Issuer VC-API output verifies with Digital Bazaar's stack (jsonld-signatures, @digitalbazaar/vc)."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from issuer import IssuerSettings, create_app

pytestmark = pytest.mark.interop

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
CRED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES],
    "type": ["VerifiableCredential", "ExampleAlumniCredential"],
    "credentialSubject": {"id": "did:example:alice", "name": "Alice", "alumniOf": "Example University"},
}


def test_vc_api_output_verifies_with_digital_bazaar(node: Any, tmp_path: Path) -> None:
    settings = IssuerSettings(
        database_url=f"sqlite:///{tmp_path / 'i.db'}",
        kek=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),  # type: ignore[arg-type]
        public_url="http://issuer.test",
        api_key_argon2_memory_kib=1024,
        api_key_argon2_time_cost=1,
    )
    app = create_app(settings)
    service = app.state.ctx.service
    service.create_tenant("acme")
    _, token = service.create_api_key("acme", name="t", scopes=["admin"])
    h = {"Authorization": f"Bearer {token}"}
    with TestClient(app, base_url="http://issuer.test") as c:
        for kt in ("Ed25519", "P-256", "Bls12381G2"):
            assert c.post("/dids", json={"method": "key", "key_types": [kt]}, headers=h).status_code == 201

        def issue(options: dict[str, Any]) -> dict[str, Any]:
            r = c.post("/credentials/issue", json={"credential": CRED, "options": options}, headers=h)
            assert r.status_code == 201, r.text
            return dict(r.json()["verifiableCredential"])

        eddsa = issue({})  # with a BitstringStatusListEntry
        plain = issue({"statusPurposes": []})
        ecdsa = issue({"format": "ecdsa-rdfc-2019", "statusPurposes": []})
        bbs = issue({"format": "bbs-2023", "mandatoryPointers": ["/issuer"], "statusPurposes": []})
        revoked = issue({})
        r = c.post(
            "/credentials/status",
            json={"credentialId": revoked["id"], "credentialStatus": [{"type": "x", "status": "revoked"}]},
            headers=h,
        )
        assert r.status_code == 200
        status_list = c.get(
            eddsa["credentialStatus"]["statusListCredential"].removeprefix("http://issuer.test")
        )
        assert status_list.status_code == 200
    # @digitalbazaar/vc-bitstring-status-list reads our list: revoked is set, the other is clear.
    for cred, expected in ((eddsa, [False]), (revoked, [True])):
        out = node(
            "status_peer.mjs", {"op": "check", "credential": cred, "statusListCredential": status_list.json()}
        )
        assert out["error"] is None and out["verified"] is True, out
        assert out["statuses"] == expected
    tampered = {**plain, "credentialSubject": {**plain["credentialSubject"], "name": "Mallory"}}
    res = node(
        "di_peer.mjs",
        {
            "op": "batch",
            "ops": [
                {"op": "verify", "document": eddsa},
                {"op": "vcVerify", "document": plain},
                {"op": "vcVerify", "document": ecdsa},
                {"op": "derive", "document": bbs, "selectivePointers": ["/credentialSubject/alumniOf"]},
                {"op": "verify", "document": status_list.json()},
                {"op": "vcVerify", "document": tampered},
            ],
        },
    )
    assert all(r["ok"] for r in res), res
    assert res[0]["result"]["verified"] is True, res[0]
    assert res[1]["result"]["verified"] is True, res[1]
    assert res[2]["result"]["verified"] is True, res[2]
    derived = res[3]["result"]
    assert "name" not in derived["credentialSubject"]
    assert res[4]["result"]["verified"] is True, res[4]
    assert res[5]["result"]["verified"] is False
    [check] = node("di_peer.mjs", {"op": "batch", "ops": [{"op": "verify", "document": derived}]})
    assert check["ok"] and check["result"]["verified"] is True, check
