"""The issuer HTTP API on SQLite and PostgreSQL: issuance, status, auth, isolation, abuse."""

from __future__ import annotations

import concurrent.futures
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from didkit_py.credentials import derive, verify
from didkit_py.did import default_resolver
from didkit_py.errors import VerificationError
from didkit_py.status import BitstringStatusList
from issuer.db import IssuedCredential, IssuerKey, StatusEntry

from .conftest import BASE, Api

CRED: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:alice", "name": "Alice", "role": "engineer"},
}
SCHEMA = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "maxLength": 50}, "role": {"type": "string"}},
}


async def _verify(doc: Any) -> Any:
    return await verify(doc, resolver=default_resolver(), now=datetime.now(UTC))


def _issue(api: Api, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    r = api.client.post("/credentials/issue", json=body, headers=headers or api.a.issue)
    assert r.status_code == 201, r.text
    return r.json()["verifiableCredential"]


def _template(api: Api, **kw: Any) -> dict[str, Any]:
    body = {"name": "employee", "format": "eddsa-rdfc-2022", "subject_schema": SCHEMA, **kw}
    r = api.client.post("/templates", json=body, headers=api.a.admin)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _status_list(api: Api, url: str) -> tuple[dict[str, Any], BitstringStatusList]:
    r = api.client.get(url.removeprefix(BASE))
    assert r.status_code == 200
    cred = r.json()
    return cred, BitstringStatusList.decode(cred["credentialSubject"]["encodedList"])


# ----------------------------------------------------------------------------- issuance


async def test_vc_api_issue_eddsa_verifies(api: Api) -> None:
    vc = _issue(api, {"credential": CRED})
    assert vc["issuer"] == api.a.did_ed["did"]
    assert vc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    result = await _verify(vc)
    assert result.verified, result.errors
    # Tampering breaks it: the verifier really checks.
    bad = json.loads(json.dumps(vc))
    bad["credentialSubject"]["name"] = "Mallory"
    assert not (await _verify(bad)).verified


async def test_vc_jwt_is_enveloped_and_verifies(api: Api) -> None:
    vc = _issue(api, {"credential": CRED, "options": {"format": "vc+jwt"}})
    assert vc["type"] == "EnvelopedVerifiableCredential"
    assert vc["id"].startswith("data:application/vc+jwt,")
    result = await _verify(vc)
    assert result.verified, result.errors


async def test_template_bbs_with_mandatory_pointers_derives_and_verifies(api: Api) -> None:
    _template(
        api,
        name="badge",
        format="bbs-2023",
        did_id=api.a.did_bls["id"],
        types=["EmployeeBadge"],
        mandatory_pointers=["/issuer"],
        validity_seconds=86400,
    )
    vc = _issue(
        api, {"credential": CRED, "options": {"template": "badge", "mandatoryPointers": ["/validFrom"]}}
    )
    assert "EmployeeBadge" in vc["type"]
    assert vc["proof"]["cryptosuite"] == "bbs-2023"
    assert "validUntil" in vc
    derived = derive(vc, now=datetime.now(UTC), disclose=["/credentialSubject/role"])
    assert "name" not in derived["credentialSubject"]
    assert derived["validFrom"] == vc["validFrom"]  # mandatory from options
    result = await _verify(derived)
    assert result.verified, result.errors


async def test_sd_jwt_template(api: Api) -> None:
    _template(
        api, name="sd", format="dc+sd-jwt", disclosable=["/credentialSubject/name"], vct="https://x.test/E"
    )
    sd = _issue(api, {"credential": CRED, "options": {"template": "sd"}})
    assert isinstance(sd, str) and "~" in sd
    result = await _verify(sd)
    assert result.verified, result.errors


def test_schema_violation_names_the_field(api: Api) -> None:
    _template(api)
    bad = {**CRED, "credentialSubject": {"name": 42}}
    r = api.client.post(
        "/credentials/issue",
        json={"credential": bad, "options": {"template": "employee"}},
        headers=api.a.issue,
    )
    assert r.status_code == 422
    assert r.json()["at"] == "/credential/credentialSubject/name"
    missing = {**CRED, "credentialSubject": {"role": "x"}}
    r = api.client.post(
        "/credentials/issue",
        json={"credential": missing, "options": {"template": "employee"}},
        headers=api.a.issue,
    )
    assert r.status_code == 422 and "name" in r.json()["message"]


def test_bad_template_definitions_are_422(api: Api) -> None:
    r = api.client.post(
        "/templates",
        json={"name": "x", "format": "eddsa-rdfc-2022", "subject_schema": {"type": "nope"}},
        headers=api.a.admin,
    )
    assert r.status_code == 422 and r.json()["at"] == "/subject_schema"
    r = api.client.post("/templates", json={"name": "x", "format": "rot13"}, headers=api.a.admin)
    assert r.status_code == 422 and r.json()["at"] == "/format"
    # bbs-2023 needs a BLS key: the Ed25519 DID cannot back it.
    r = api.client.post(
        "/templates",
        json={"name": "x", "format": "bbs-2023", "did_id": api.a.did_ed["id"]},
        headers=api.a.admin,
    )
    assert r.status_code == 422 and r.json()["error"] == "did.noKey"


def test_malformed_requests_are_422(api: Api) -> None:
    for body in (
        [],
        {"credential": "x"},
        {"credential": CRED, "options": []},
        {"credential": CRED, "options": {"format": "nope"}},
        {"credential": {**CRED, "issuer": "did:example:someone-else"}},
        {"credential": CRED, "options": {"mandatoryPointers": ["/issuer"]}},
    ):
        r = api.client.post("/credentials/issue", json=body, headers=api.a.issue)
        assert r.status_code == 422, (body, r.text)
        assert "Traceback" not in r.text
    r = api.client.post(
        "/credentials/issue",
        content=b"{not json",
        headers={**api.a.issue, "Content-Type": "application/json"},
    )
    assert r.status_code == 422


def test_idempotent_retry_returns_the_same_credential(api: Api) -> None:
    headers = {**api.a.issue, "Idempotency-Key": "order-42"}
    r1 = api.client.post("/credentials/issue", json={"credential": CRED}, headers=headers)
    r2 = api.client.post("/credentials/issue", json={"credential": CRED}, headers=headers)
    assert r1.status_code == 201 and r2.status_code == 200
    assert r1.json() == r2.json()
    r3 = api.client.post(
        "/credentials/issue",
        json={"credential": {**CRED, "type": ["VerifiableCredential", "X"]}},
        headers=headers,
    )
    assert r3.status_code == 409
    # Another tenant may use the same key independently.
    r4 = api.client.post(
        "/credentials/issue",
        json={"credential": CRED},
        headers={**api.b.issue, "Idempotency-Key": "order-42"},
    )
    assert r4.status_code == 201 and r4.json() != r1.json()
    with api.service.sessions() as s:
        n = s.scalar(
            select(func.count())
            .select_from(IssuedCredential)
            .where(IssuedCredential.idempotency_key == "order-42")
        )
    assert n == 2


def test_concurrent_issuance_same_idempotency_key_issues_once(api: Api) -> None:
    headers = {**api.a.issue, "Idempotency-Key": "race"}

    def go(_: int) -> tuple[int, Any]:
        r = api.client.post("/credentials/issue", json={"credential": CRED}, headers=headers)
        return r.status_code, r.json()

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(go, range(6)))
    assert {code for code, _ in results} <= {200, 201}
    assert len({json.dumps(body, sort_keys=True) for _, body in results}) == 1
    with api.service.sessions() as s:
        n = s.scalar(
            select(func.count())
            .select_from(IssuedCredential)
            .where(IssuedCredential.idempotency_key == "race")
        )
    assert n == 1


def test_concurrent_issuance_gets_distinct_random_indexes_and_intact_audit(api: Api) -> None:
    def go(_: int) -> int:
        vc = _issue(api, {"credential": CRED})
        return int(vc["credentialStatus"]["statusListIndex"])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        indexes = list(pool.map(go, range(24)))
    assert len(set(indexes)) == 24
    assert indexes != sorted(indexes)  # random, not sequential (probability of sorted: 1/24!)
    heads = api.service.verify_audit("acme")
    assert heads[0]["events"] >= 24 + 6


# ----------------------------------------------------------------------------- status


async def test_revoke_suspend_reinstate_and_status_list(api: Api) -> None:
    _template(api, name="s", status_purposes=["revocation", "suspension"])
    vc = _issue(api, {"credential": CRED, "options": {"template": "s"}})
    entries = {e["statusPurpose"]: e for e in vc["credentialStatus"]}
    rev, sus = entries["revocation"], entries["suspension"]
    cred, bits = _status_list(api, sus["statusListCredential"])
    assert bits.get(int(sus["statusListIndex"])) == 0
    assert (await _verify(cred)).verified

    def set_status(status: str, headers: dict[str, str] | None = None) -> Any:
        return api.client.post(
            "/credentials/status",
            json={
                "credentialId": vc["id"],
                "credentialStatus": [{"type": "BitstringStatusListCredential", "status": status}],
            },
            headers=headers or api.a.revoke,
        )

    assert set_status("suspended").status_code == 200
    cred, bits = _status_list(api, sus["statusListCredential"])
    assert bits.get(int(sus["statusListIndex"])) == 1
    assert (await _verify(cred)).verified  # re-signed after the change
    assert set_status("active").status_code == 200
    _, bits = _status_list(api, sus["statusListCredential"])
    assert bits.get(int(sus["statusListIndex"])) == 0
    assert set_status("revoked").status_code == 200
    _, bits = _status_list(api, rev["statusListCredential"])
    assert bits.get(int(rev["statusListIndex"])) == 1
    r = api.client.post(
        "/credentials/status",
        json={
            "credentialId": vc["id"],
            "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "bogus"}],
        },
        headers=api.a.revoke,
    )
    assert r.status_code == 422 and r.json()["at"] == "/credentialStatus/0/status"
    # An issue-only key may not revoke.
    assert set_status("revoked", api.a.issue).status_code == 403


def test_status_list_cache_headers_and_etag(api: Api) -> None:
    vc = _issue(api, {"credential": CRED})
    path = vc["credentialStatus"]["statusListCredential"].removeprefix(BASE)
    r = api.client.get(path)
    assert r.headers["cache-control"] == "public, max-age=30"
    assert r.headers["content-type"].startswith("application/vc+ld+json")
    etag = r.headers["etag"]
    assert api.client.get(path, headers={"If-None-Match": etag}).status_code == 304
    api.client.post(
        "/credentials/status",
        json={
            "credentialId": vc["id"],
            "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}],
        },
        headers=api.a.revoke,
    )
    r2 = api.client.get(path, headers={"If-None-Match": etag})
    assert r2.status_code == 200 and r2.headers["etag"] != etag


# ----------------------------------------------------------------------------- auth


def test_api_key_failures_are_401_without_detail(api: Api) -> None:
    body = {"credential": CRED}
    wrong_secret = api.a.issue["Authorization"][:-4] + "AAAA"
    cases = [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic Zm9vOmJhcg=="},
        {"Authorization": "Bearer dki_0123456789abcdef_nosuchkey"},
        {"Authorization": wrong_secret},
        {"Authorization": "Bearer " + "x" * 5000},
    ]
    bodies = set()
    for headers in cases:
        r = api.client.post("/credentials/issue", json=body, headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["www-authenticate"] == "Bearer"
        bodies.add(r.text)
    assert len(bodies) == 1  # one answer for every reason: nothing to learn from it


def test_revoked_and_expired_keys(api: Api) -> None:
    row, token = api.service.create_api_key("acme", name="tmp", scopes=["issue"])
    h = {"Authorization": f"Bearer {token}"}
    assert api.client.post("/credentials/issue", json={"credential": CRED}, headers=h).status_code == 201
    assert api.client.delete(f"/api-keys/{row.id}", headers=api.a.admin).status_code == 204
    r = api.client.post("/credentials/issue", json={"credential": CRED}, headers=h)
    assert r.status_code == 401  # even though the verification was cached
    _, old = api.service.create_api_key(
        "acme", name="old", scopes=["issue"], expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    r = api.client.post(
        "/credentials/issue", json={"credential": CRED}, headers={"Authorization": f"Bearer {old}"}
    )
    assert r.status_code == 401
    # Another tenant's admin cannot revoke this tenant's key: 404, not 403.
    row2, _ = api.service.create_api_key("acme", name="x", scopes=["issue"])
    assert api.client.delete(f"/api-keys/{row2.id}", headers=api.b.admin).status_code == 404


def test_scopes_are_enforced(api: Api) -> None:
    assert (
        api.client.post("/templates", json={"name": "t", "format": "vc+jwt"}, headers=api.a.issue).status_code
        == 403
    )
    assert api.client.post("/dids", json={}, headers=api.a.revoke).status_code == 403
    assert (
        api.client.post("/credentials/issue", json={"credential": CRED}, headers=api.a.revoke).status_code
        == 403
    )
    assert api.client.get("/audit", headers=api.a.issue).status_code == 403
    r = api.client.post("/api-keys", json={"scopes": ["issue"]}, headers=api.a.admin)
    assert r.status_code == 201 and r.json()["token"].startswith("dki_")
    assert (
        api.client.get("/templates", headers={"Authorization": f"Bearer {r.json()['token']}"}).status_code
        == 200
    )


# ----------------------------------------------------------------------------- isolation


def test_other_tenants_ids_are_404(api: Api) -> None:
    tpl = _template(api)
    vc = _issue(api, {"credential": CRED})
    b = api.b
    assert api.client.get(f"/templates/{tpl['id']}", headers=b.admin).status_code == 404
    assert api.client.get(f"/dids/{api.a.did_ed['id']}", headers=b.admin).status_code == 404
    r = api.client.post(
        "/credentials/issue", json={"credential": CRED, "options": {"template": tpl["id"]}}, headers=b.issue
    )
    assert r.status_code == 404
    r = api.client.post(
        "/credentials/status",
        json={
            "credentialId": vc["id"],
            "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}],
        },
        headers=b.revoke,
    )
    assert r.status_code == 404
    path = vc["credentialStatus"]["statusListCredential"].removeprefix(BASE)
    assert api.client.get(path.replace("/acme/", "/globex/")).status_code == 404
    r = api.client.post(
        "/templates",
        json={"name": "t", "format": "eddsa-rdfc-2022", "did_id": api.a.did_ed["id"]},
        headers=b.admin,
    )
    assert r.status_code == 404
    assert (
        api.client.post(
            f"/dids/{api.a.did_ed['id']}/rotate", json={"key_type": "Ed25519"}, headers=b.admin
        ).status_code
        == 404
    )
    assert [t["name"] for t in api.client.get("/templates", headers=b.admin).json()] == []


def test_oversized_bodies_are_413(api: Api) -> None:
    big = {"credential": {**CRED, "credentialSubject": {"name": "x" * 70_000}}}
    r = api.client.post("/credentials/issue", json=big, headers=api.a.issue)
    assert r.status_code == 413

    def chunks() -> Any:
        for _ in range(100):
            yield b" " * 1000

    r = api.client.post(
        "/credentials/issue", content=chunks(), headers={**api.a.issue, "Content-Type": "application/json"}
    )
    assert r.status_code == 413


# ----------------------------------------------------------------------------- DIDs, keys, audit


def test_did_web_document_and_rotation(api: Api) -> None:
    r = api.client.post(
        "/dids", json={"method": "web", "key_types": ["Ed25519", "Bls12381G2"]}, headers=api.a.admin
    )
    assert r.status_code == 201
    did = r.json()
    assert did["did"] == "did:web:issuer.test:acme"
    doc = api.client.get("/acme/did.json").json()
    assert doc["id"] == did["did"]
    assert [vm["id"] for vm in doc["verificationMethod"]] == [k["id"] for k in did["keys"]]
    assert api.client.post("/dids", json={"method": "web"}, headers=api.a.admin).status_code == 409
    r = api.client.post(f"/dids/{did['id']}/rotate", json={"key_type": "Ed25519"}, headers=api.a.admin)
    assert r.status_code == 200
    doc2 = api.client.get("/acme/did.json").json()
    ids = [vm["id"] for vm in doc2["verificationMethod"]]
    assert did["keys"][0]["id"] not in ids and did["keys"][1]["id"] in ids and len(ids) == 2
    assert api.client.get("/globex/did.json").status_code == 404
    assert api.client.get("/nosuch/did.json").status_code == 404


def test_private_keys_are_encrypted_at_rest_and_not_logged(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _issue(api, {"credential": CRED})
    with api.service.sessions() as s:
        keys = list(s.scalars(select(IssuerKey)))
    assert keys
    for k in keys:
        secret = api.service._wrapper.unwrap(k.secret_enc, aad=k.id)
        assert secret not in k.secret_enc
        assert secret.hex() not in caplog.text
    assert api.settings.kek is not None
    assert api.settings.kek.get_secret_value() not in caplog.text
    assert api.settings.kek.get_secret_value() not in repr(api.settings)


def test_audit_chain_detects_tampering(api: Api) -> None:
    _issue(api, {"credential": CRED})
    _issue(api, {"credential": CRED})
    heads = api.service.verify_audit()
    assert {h["tenant"] for h in heads} == {"acme", "globex"}
    events = api.client.get("/audit", headers=api.a.admin).json()
    assert events[0]["action"] == "credential.issue"
    assert "Alice" not in json.dumps(events)  # ids and digests, never claim values
    with api.service.sessions.begin() as s:
        tenant_id = s.execute(text("SELECT id FROM tenants WHERE slug = 'acme'")).scalar_one()
        s.execute(
            text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3 AND tenant_id = :t"),
            {"t": tenant_id},
        )
    with pytest.raises(VerificationError) as exc:
        api.service.verify_audit("acme")
    assert exc.value.code == "audit.altered"
    api.service.verify_audit("globex")  # other tenants' chains are independent


def test_audit_truncation_is_detected(api: Api) -> None:
    _issue(api, {"credential": CRED})
    assert api.service.seal_audit() >= 1  # the issuance's event is now the log's last one
    with api.service.sessions.begin() as s:
        tenant_id = s.execute(text("SELECT id FROM tenants WHERE slug = 'acme'")).scalar_one()
        top = s.execute(
            text("SELECT max(seq) FROM audit_events WHERE tenant_id = :t"), {"t": tenant_id}
        ).scalar()
        s.execute(
            text("DELETE FROM audit_events WHERE tenant_id = :t AND seq = :q"), {"t": tenant_id, "q": top}
        )
    with pytest.raises(VerificationError) as exc:
        api.service.verify_audit("acme")
    assert exc.value.code == "audit.truncated"


def test_ops_endpoints(api: Api) -> None:
    assert api.client.get("/health").json() == {"status": "ok"}
    assert api.client.get("/ready").status_code == 200
    _issue(api, {"credential": CRED})
    metrics = api.client.get("/metrics").text
    assert 'issuer_credentials_issued_total{format="eddsa-rdfc-2022",via="vc-api"} 1.0' in metrics
    assert "issuer_http_request_seconds_bucket" in metrics
    spec = api.client.get("/openapi.json").json()
    assert "/credentials/issue" in spec["paths"]


def test_migrations_match_the_models(api: Api) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from issuer.db import Base

    engine = api.service.sessions.engine
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_status_entries_are_per_credential(api: Api) -> None:
    vc = _issue(api, {"credential": CRED})
    with api.service.sessions() as s:
        n = s.scalar(select(func.count()).select_from(StatusEntry))
    assert n == 1
    assert vc["credentialStatus"]["statusPurpose"] == "revocation"


def test_sd_jwt_token_status_list(api: Api) -> None:
    import base64

    from didkit_py.keys import KeyPair, multikey_decode
    from didkit_py.status.token_status_list import verify_status_list_token

    _template(
        api,
        name="sd",
        format="dc+sd-jwt",
        disclosable=["/credentialSubject/name"],
        status_purposes=["revocation", "suspension"],
    )
    sd = _issue(api, {"credential": CRED, "options": {"template": "sd"}})
    payload_b64 = sd.split("~")[0].split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4)))
    ref = payload["status"]["status_list"]
    kt, pk = multikey_decode(api.a.did_ed["did"].removeprefix("did:key:"))
    key = KeyPair(kt, pk)

    def read() -> int:
        r = api.client.get(ref["uri"].removeprefix(BASE))
        assert r.status_code == 200 and r.headers["content-type"] == "application/statuslist+jwt"
        verified = verify_status_list_token(r.text, key=key, uri=ref["uri"], now=datetime.now(UTC))
        return verified.status_list.get(ref["idx"])

    def set_status(status: str) -> int:
        r = api.client.post(
            "/credentials/status",
            json={
                "credentialId": payload.get("jti") or payload["id"],
                "credentialStatus": [{"type": "TokenStatusList", "status": status}],
            },
            headers=api.a.revoke,
        )
        return r.status_code

    assert read() == 0
    assert set_status("suspended") == 200 and read() == 2
    assert set_status("active") == 200 and read() == 0
    assert set_status("revoked") == 200 and read() == 1
    assert set_status("active") == 422 and read() == 1
