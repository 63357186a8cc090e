"""OpenID4VCI deferred issuance (§9) and the Notification Endpoint (§11), SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from didkit_py.credentials import signer_for_key, verify
from didkit_py.did import default_resolver
from didkit_py.keys import KeyType, generate_key, public_jwk
from didkit_py.oid4vc.vci import parse_credential_outcome
from didkit_py.suites.jose import encode_compact_jws
from issuer.db import DeferredRequest, IssuedCredential, Notification, Offer

from .conftest import Api
from .test_oid4vci import ISSUER, _nonce, _proof, _request, _setup, _token


def _deferred(api: Api, token: str, tid: str, tenant: str = "acme") -> Any:
    return api.client.post(
        f"/{tenant}/deferred_credential",
        json={"transaction_id": tid},
        headers={"Authorization": f"Bearer {token}"},
    )


def _notify(api: Api, token: str, body: Any, tenant: str = "acme") -> Any:
    return api.client.post(f"/{tenant}/notification", json=body, headers={"Authorization": f"Bearer {token}"})


def _issued_count(api: Api) -> int:
    with api.service.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(IssuedCredential)) or 0)


def _pending(api: Api, n: int = 1) -> tuple[str, str, list[Any], str]:
    """A manual-approval offer redeemed and requested: (token, transaction_id, holders, deferred id)."""
    offer = _setup(api, tx_code=False, approval="manual")
    token = _token(api, offer)
    holders = [signer_for_key(generate_key(KeyType.ED25519)) for _ in range(n)]
    r = _request(api, token, [_proof(h, _nonce(api)) for h in holders])
    assert r.status_code == 202, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert set(body) == {"transaction_id", "interval"}
    assert body["interval"] == api.settings.deferred_interval_seconds
    out = parse_credential_outcome(body, status=202)
    assert out.pending and out.credentials == []
    tid = body["transaction_id"]
    assert len(tid) >= 43  # token_urlsafe(32): 256 random bits
    [listed] = api.client.get("/deferred?status=pending", headers=api.a.admin).json()
    return token, tid, holders, listed["id"]


def test_metadata_advertises_deferred_and_notification_endpoints(api: Api) -> None:
    meta = api.client.get("/.well-known/openid-credential-issuer/acme").json()
    assert meta["deferred_credential_endpoint"] == f"{ISSUER}/deferred_credential"
    assert meta["notification_endpoint"] == f"{ISSUER}/notification"


async def test_deferred_flow_pending_approve_fetch_once(api: Api) -> None:
    before = _issued_count(api)
    token, tid, holders, did = _pending(api, n=2)
    assert _issued_count(api) == before  # nothing issued while pending
    # The transaction id is stored only as a hash.
    with api.service.sessions() as s:
        row = s.get(DeferredRequest, did)
        assert row is not None and tid not in str(row.__dict__)
        assert [h["kid"].split("#")[0] for h in row.holders] == [h.did for h in holders]
    # Pending: 202 with the same transaction_id and an interval.
    r = _deferred(api, token, tid)
    assert r.status_code == 202 and r.json() == {
        "transaction_id": tid,
        "interval": api.settings.deferred_interval_seconds,
    }
    view = api.client.get(f"/deferred/{did}", headers=api.a.admin).json()
    assert view["status"] == "pending" and view["claims"] == {"name": "Alice"}
    assert view["holders"] == [h.did for h in holders] and view["template"] == "employee"

    r = api.client.post(f"/deferred/{did}/approve", headers=api.a.admin)
    assert r.status_code == 200, r.text
    approved = r.json()
    assert approved["status"] == "approved" and len(approved["credentials"]) == 2
    assert _issued_count(api) == before + 2
    # Approving again issues nothing more.
    again = api.client.post(f"/deferred/{did}/approve", headers=api.a.admin)
    assert again.status_code == 200 and again.json()["credentials"] == approved["credentials"]
    assert _issued_count(api) == before + 2
    # Rejecting an approved request is a conflict.
    assert api.client.post(f"/deferred/{did}/reject", headers=api.a.admin).status_code == 409

    r = _deferred(api, token, tid)
    assert r.status_code == 200, r.text
    body = r.json()
    out = parse_credential_outcome(body)
    assert len(out.credentials) == 2 and out.notification_id
    subjects = [c["credentialSubject"]["id"] for c in out.credentials]  # type: ignore[index]
    assert subjects == [h.did for h in holders]  # bound to the keys proven at request time
    for vc in out.credentials:
        assert isinstance(vc, dict) and "credentialStatus" in vc
        result = await verify(vc, resolver=default_resolver(), now=datetime.now(UTC))
        assert result.verified, result.errors
    # Once only.
    r = _deferred(api, token, tid)
    assert r.status_code == 400 and r.json()["error"] == "invalid_transaction_id"
    assert api.client.get(f"/deferred/{did}", headers=api.a.admin).json()["status"] == "delivered"

    actions = [e["action"] for e in api.client.get("/audit", headers=api.a.admin).json()]
    assert actions[:5] == [
        "deferred.deliver",
        "deferred.approve",
        "credential.issue",
        "credential.issue",
        "deferred.request",
    ]
    events = api.client.get("/audit", headers=api.a.admin).json()
    # The approving admin is the actor of the issuance; the wallet's offer requested it.
    by_action = {e["action"]: e for e in events}
    issue_actors = {e["actor"] for e in events if e["action"] == "credential.issue"}
    assert issue_actors == {by_action["deferred.approve"]["actor"]}
    assert by_action["deferred.request"]["actor"].startswith("offer:")
    assert "Alice" not in str(events)  # claim values never reach the audit log


def test_reject_denies_and_issues_nothing(api: Api) -> None:
    before = _issued_count(api)
    token, tid, _holders, did = _pending(api)
    r = api.client.post(f"/deferred/{did}/reject", headers=api.a.admin)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert api.client.post(f"/deferred/{did}/reject", headers=api.a.admin).status_code == 200
    assert api.client.post(f"/deferred/{did}/approve", headers=api.a.admin).status_code == 409
    r = _deferred(api, token, tid)
    assert r.status_code == 400 and r.json()["error"] == "credential_request_denied"
    assert _issued_count(api) == before
    actions = [e["action"] for e in api.client.get("/audit", headers=api.a.admin).json()]
    assert actions[:2] == ["deferred.reject", "deferred.request"]


def test_admin_api_is_tenant_scoped_and_admin_only(api: Api) -> None:
    *_, did = _pending(api)
    for path in (f"/deferred/{did}", f"/deferred/{did}/approve", f"/deferred/{did}/reject"):
        method = api.client.get if path.endswith(did) else api.client.post
        assert method(path, headers=api.b.admin).status_code == 404
        assert method(path, headers=api.a.issue).status_code == 403
        assert method(path).status_code == 401
    assert api.client.get("/deferred", headers=api.b.admin).json() == []
    assert api.client.get("/deferred", headers=api.a.revoke).status_code == 403
    assert api.client.get("/deferred/nosuch", headers=api.a.admin).status_code == 404
    assert api.client.get(f"/deferred/{did}", headers=api.a.admin).json()["status"] == "pending"


def test_deferred_endpoint_token_and_transaction_errors(api: Api) -> None:
    token, tid, _h, did = _pending(api)
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {token}"}):
        r = api.client.post("/acme/deferred_credential", json={"transaction_id": tid}, headers=headers)
        assert r.status_code == 401 and r.json()["error"] == "invalid_token"
        assert r.headers["www-authenticate"].startswith("Bearer")
    # The right token at another tenant.
    assert _deferred(api, token, tid, tenant="globex").status_code == 401
    # Another offer's token cannot read this transaction.
    other = _token(
        api,
        api.client.post(
            "/offers", json={"template": "employee", "claims": {"name": "Bob"}}, headers=api.a.issue
        ).json(),
    )
    r = _deferred(api, other, tid)
    assert r.status_code == 400 and r.json()["error"] == "invalid_transaction_id"
    r = _deferred(api, token, tid[:-2] + ("AA" if not tid.endswith("AA") else "BB"))
    assert r.status_code == 400 and r.json()["error"] == "invalid_transaction_id"
    for bad in ({}, {"transaction_id": 5}, {"transaction_id": ""}, []):
        r = api.client.post(
            "/acme/deferred_credential", json=bad, headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 400 and r.json()["error"] == "invalid_credential_request"
    # An unknown token is 401 whatever the body.
    r = api.client.post("/acme/deferred_credential", json={}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    r = api.client.post("/acme/notification", json={}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    # The access token outlives its normal expiry here, for its own pending transaction only.
    with api.service.sessions.begin() as s:
        for o in s.scalars(select(Offer)):
            o.token_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert _deferred(api, token, tid).status_code == 202
    r = _request(api, token, [])
    assert r.status_code == 401  # not at the credential endpoint
    assert _deferred(api, token, "unknown").status_code == 401
    # An expired pending request is gone.
    with api.service.sessions.begin() as s:
        row = s.get(DeferredRequest, did)
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert _deferred(api, token, tid).status_code == 401
    assert api.client.post(f"/deferred/{did}/approve", headers=api.a.admin).status_code == 409
    assert api.client.get(f"/deferred/{did}", headers=api.a.admin).json()["status"] == "expired"
    assert api.client.get("/deferred?status=pending", headers=api.a.admin).json() == []
    [expired] = api.client.get("/deferred?status=expired", headers=api.a.admin).json()
    assert expired["id"] == did


def test_deferred_requests_count_against_the_batch_limit(api: Api) -> None:
    offer = _setup(api, tx_code=False, approval="manual")
    token = _token(api, offer)
    holder = signer_for_key(generate_key(KeyType.ED25519))
    n = api.settings.max_batch_size
    r = _request(api, token, [_proof(holder, _nonce(api)) for _ in range(n)])
    assert r.status_code == 202
    r = _request(api, token, [_proof(holder, _nonce(api))])
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"


def test_deferred_proof_is_checked_before_deferring(api: Api) -> None:
    offer = _setup(api, tx_code=False, approval="manual")
    token = _token(api, offer)
    holder = signer_for_key(generate_key(KeyType.ED25519))
    r = _request(api, token, [_proof(holder, "made-up")])
    assert r.status_code == 400 and r.json()["error"] == "invalid_nonce"
    r = _request(api, token, [_proof(holder, _nonce(api), aud="http://issuer.test/globex")])
    assert r.status_code == 400 and r.json()["error"] == "invalid_proof"
    assert api.client.get("/deferred", headers=api.a.admin).json() == []


async def test_deferred_sd_jwt_with_jwk_proof_binds_the_stored_key(api: Api) -> None:
    offer = _setup(
        api, fmt="dc+sd-jwt", tx_code=False, approval="manual", disclosable=["/credentialSubject/name"]
    )
    token = _token(api, offer)
    kp = generate_key(KeyType.P256)
    jwk = public_jwk(kp)
    proof = encode_compact_jws(
        {"alg": "ES256", "typ": "openid4vci-proof+jwt", "jwk": jwk},
        {"aud": ISSUER, "iat": int(datetime.now(UTC).timestamp()), "nonce": _nonce(api)},
        kp,
    )
    r = _request(api, token, [proof])
    assert r.status_code == 202, r.text
    tid = r.json()["transaction_id"]
    [item] = api.client.get("/deferred", headers=api.a.admin).json()
    assert item["holders"][0].startswith("did:jwk:")
    assert api.client.post(f"/deferred/{item['id']}/approve", headers=api.a.admin).status_code == 200
    r = _deferred(api, token, tid)
    assert r.status_code == 200, r.text
    cred = r.json()["credentials"][0]["credential"]
    assert isinstance(cred, str) and "~" in cred
    result = await verify(cred, resolver=default_resolver(), now=datetime.now(UTC))
    assert result.verified, result.errors
    from didkit_py.suites.jose import parse_compact_jws

    payload = parse_compact_jws(cred.split("~")[0]).payload
    assert payload["cnf"]["jwk"]["x"] == jwk["x"]


# --------------------------------------------------------------------------- notifications


def _immediate(api: Api) -> tuple[str, str]:
    offer = _setup(api, tx_code=False)
    token = _token(api, offer)
    holder = signer_for_key(generate_key(KeyType.ED25519))
    r = _request(api, token, [_proof(holder, _nonce(api))])
    assert r.status_code == 200, r.text
    nid = r.json()["notification_id"]
    assert isinstance(nid, str) and len(nid) >= 32
    return token, nid


def _notification_events(api: Api) -> list[dict[str, Any]]:
    events = api.client.get("/audit", headers=api.a.admin).json()
    return [e for e in events if e["action"] == "oid4vci.notification"]


def test_notification_events_are_audited_once_each(api: Api) -> None:
    token, nid = _immediate(api)
    r = _notify(api, token, {"notification_id": nid, "event": "credential_accepted"})
    assert r.status_code == 204 and r.content == b""
    # Identical notifications succeed and are recorded once (§11: idempotent).
    assert _notify(api, token, {"notification_id": nid, "event": "credential_accepted"}).status_code == 204
    [ev] = _notification_events(api)
    assert ev["details"]["event"] == "credential_accepted" and ev["digest"]
    issued = next(
        e for e in api.client.get("/audit", headers=api.a.admin).json() if e["action"] == "credential.issue"
    )
    assert ev["digest"] == issued["digest"]  # the event names the credential by its digest
    r = _notify(
        api,
        token,
        {"notification_id": nid, "event": "credential_deleted", "event_description": "Deleted by Alice"},
    )
    assert r.status_code == 204
    events = _notification_events(api)
    assert [e["details"]["event"] for e in events] == ["credential_deleted", "credential_accepted"]
    # Each event once per notification_id: going back and forth records nothing more.
    for event in ("credential_accepted", "credential_deleted", "credential_failure", "credential_failure"):
        assert _notify(api, token, {"notification_id": nid, "event": event}).status_code == 204
    assert [e["details"]["event"] for e in _notification_events(api)] == [
        "credential_failure",
        "credential_deleted",
        "credential_accepted",
    ]
    assert "Alice" not in str(api.client.get("/audit", headers=api.a.admin).json())
    with api.service.sessions() as s:
        assert s.get(Notification, nid) is None  # stored hashed


def test_notification_errors(api: Api) -> None:
    token, nid = _immediate(api)
    for body in (
        {"event": "credential_accepted"},
        {"notification_id": nid},
        {"notification_id": nid, "event": "credential_lost"},
        {"notification_id": 5, "event": "credential_accepted"},
        {"notification_id": nid, "event": "credential_failure", "event_description": 'quote " here'},
        ["credential_accepted"],
    ):
        r = _notify(api, token, body)
        assert r.status_code == 400 and r.json()["error"] == "invalid_notification_request", body
    r = _notify(api, token, {"notification_id": "nope", "event": "credential_accepted"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_notification_id"
    for headers in ({}, {"Authorization": "Bearer nope"}):
        r = api.client.post(
            "/acme/notification",
            json={"notification_id": nid, "event": "credential_accepted"},
            headers=headers,
        )
        assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    assert (
        _notify(api, token, {"notification_id": nid, "event": "credential_accepted"}, "globex").status_code
        == 401
    )
    # Another offer's token cannot notify about this response.
    other_token, _ = _immediate_again(api)
    r = _notify(api, other_token, {"notification_id": nid, "event": "credential_accepted"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_notification_id"
    assert _notification_events(api) == []
    # Unknown members are ignored.
    r = _notify(api, token, {"notification_id": nid, "event": "credential_failure", "extra": 1})
    assert r.status_code == 204


def _immediate_again(api: Api) -> tuple[str, str]:
    r = api.client.post(
        "/offers", json={"template": "employee", "claims": {"name": "Bob"}}, headers=api.a.issue
    )
    token = _token(api, r.json())
    holder = signer_for_key(generate_key(KeyType.ED25519))
    r = _request(api, token, [_proof(holder, _nonce(api))])
    assert r.status_code == 200, r.text
    return token, r.json()["notification_id"]


def test_deferred_delivery_notification_names_the_credential_ids(api: Api) -> None:
    token, tid, _h, did = _pending(api)
    approved = api.client.post(f"/deferred/{did}/approve", headers=api.a.admin).json()
    body = _deferred(api, token, tid).json()
    # The token expired meanwhile: still valid at the Notification Endpoint for its own responses.
    with api.service.sessions.begin() as s:
        for o in s.scalars(select(Offer)):
            o.token_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    r = _notify(api, token, {"notification_id": body["notification_id"], "event": "credential_accepted"})
    assert r.status_code == 204
    [ev] = _notification_events(api)
    assert ev["credential"] == approved["credentials"][0]
    assert _notify(api, token, {"notification_id": "x", "event": "credential_accepted"}).status_code == 401


def test_existing_templates_default_to_immediate_issuance(api: Api) -> None:
    _setup(api)
    tpl = api.client.get("/templates/employee", headers=api.a.admin).json()
    assert tpl["approval"] == "auto"
    r = api.client.post(
        "/templates",
        json={"name": "x", "format": "vc+jwt", "approval": "sometimes"},
        headers=api.a.admin,
    )
    assert r.status_code == 422 and r.json()["at"] == "/approval"


def test_concurrent_approvals_issue_once_and_concurrent_fetches_deliver_once(api: Api) -> None:
    from concurrent.futures import ThreadPoolExecutor

    before = _issued_count(api)
    token, tid, _h, did = _pending(api, n=2)
    with ThreadPoolExecutor(4) as pool:
        approvals = list(
            pool.map(lambda _i: api.client.post(f"/deferred/{did}/approve", headers=api.a.admin), range(4))
        )
    assert [r.status_code for r in approvals] == [200] * 4, [r.text for r in approvals]
    assert {tuple(r.json()["credentials"]) for r in approvals} == {tuple(approvals[0].json()["credentials"])}
    assert _issued_count(api) == before + 2
    actions = [e["action"] for e in api.client.get("/audit", headers=api.a.admin).json()]
    assert actions.count("deferred.approve") == 1 and actions.count("credential.issue") == 2
    with ThreadPoolExecutor(4) as pool:
        fetches = list(pool.map(lambda _i: _deferred(api, token, tid), range(4)))
    assert sorted(r.status_code for r in fetches) == [200, 400, 400, 400]
    assert all(r.json()["error"] == "invalid_transaction_id" for r in fetches if r.status_code == 400)


def test_expired_notifications_are_dropped_now_and_then(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    token, nid = _immediate(api)
    with api.service.sessions.begin() as s:
        for n in s.scalars(select(Notification)):
            n.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    r = _notify(api, token, {"notification_id": nid, "event": "credential_accepted"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_notification_id"
    import issuer.oid4vci

    monkeypatch.setattr(issuer.oid4vci.secrets, "randbelow", lambda _n: 0)
    _immediate_again(api)  # its notification is written, the expired one deleted
    with api.service.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Notification)) == 1


def test_an_interrupted_approval_is_finished_by_approving_again(api: Api) -> None:
    before = _issued_count(api)
    token, tid, _h, did = _pending(api)
    with api.service.sessions.begin() as s:  # as if a worker died after taking the request on
        row = s.get(DeferredRequest, did)
        assert row is not None
        row.status = "approving"
    assert _deferred(api, token, tid).status_code == 202  # still waiting, for the wallet
    r = api.client.post(f"/deferred/{did}/reject", headers=api.a.admin)
    assert r.status_code == 409 and r.json()["error"] == "deferred.approving"
    r = api.client.post(f"/deferred/{did}/approve", headers=api.a.admin)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert _issued_count(api) == before + 1
    assert _deferred(api, token, tid).status_code == 200
