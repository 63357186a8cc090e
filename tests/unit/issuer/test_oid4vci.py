"""OpenID4VCI pre-authorized code flow against the issuer app (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from didkit_py.credentials import signer_for_key, verify
from didkit_py.did import default_resolver
from didkit_py.keys import KeyType, generate_key
from didkit_py.oid4vc.vci import PRE_AUTHORIZED_GRANT, build_proof_jwt

from .conftest import BASE, Api

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
ISSUER = f"{BASE}/acme"


def _setup(api: Api, fmt: str = "eddsa-rdfc-2022", tx_code: bool = True, **tpl: Any) -> dict[str, Any]:
    body = {
        "name": "employee",
        "format": fmt,
        "contexts": [EXAMPLES],
        "types": ["EmployeeCredential"],
        "subject_schema": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}},
        },
        **tpl,
    }
    r = api.client.post("/templates", json=body, headers=api.a.admin)
    assert r.status_code == 201, r.text
    r = api.client.post(
        "/offers",
        json={"template": "employee", "claims": {"name": "Alice"}, "tx_code": tx_code},
        headers=api.a.issue,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def _token(api: Api, offer: dict[str, Any]) -> str:
    code = offer["credential_offer"]["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
    if "tx_code" in offer:
        form["tx_code"] = offer["tx_code"]
    r = api.client.post("/acme/token", data=form)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    return str(r.json()["access_token"])


def _nonce(api: Api) -> str:
    r = api.client.post("/acme/nonce")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    return str(r.json()["c_nonce"])


def _proof(signer: Any, nonce: str | None, aud: str = ISSUER) -> str:
    return build_proof_jwt(signer, audience=aud, nonce=nonce, now=datetime.now(UTC))


def _request(api: Api, token: str, proofs: list[str], config: str = "employee") -> Any:
    return api.client.post(
        "/acme/credential",
        json={"credential_configuration_id": config, "proofs": {"jwt": proofs}},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_metadata(api: Api) -> None:
    _setup(api)
    meta = api.client.get("/.well-known/openid-credential-issuer/acme").json()
    assert meta["credential_issuer"] == ISSUER
    assert meta["credential_endpoint"] == f"{ISSUER}/credential"
    assert meta["nonce_endpoint"] == f"{ISSUER}/nonce"
    conf = meta["credential_configurations_supported"]["employee"]
    assert conf["format"] == "ldp_vc" and "EmployeeCredential" in conf["credential_definition"]["type"]
    assert api.client.get("/acme/.well-known/openid-credential-issuer").json() == meta
    asm = api.client.get("/.well-known/oauth-authorization-server/acme").json()
    assert asm["issuer"] == ISSUER and asm["token_endpoint"] == f"{ISSUER}/token"
    assert api.client.get("/.well-known/openid-credential-issuer/nosuch").status_code == 404
    # Each tenant lists only its own configurations.
    other = api.client.get("/.well-known/openid-credential-issuer/globex").json()
    assert other["credential_configurations_supported"] == {}


def test_offer_by_reference_deep_link_and_qr(api: Api) -> None:
    offer = _setup(api)
    link = urlsplit(offer["deep_link"])
    assert link.scheme == "openid-credential-offer"
    ref = parse_qs(link.query)["credential_offer_uri"][0]
    assert ref == offer["credential_offer_uri"]
    by_ref = api.client.get(ref.removeprefix(BASE))
    assert by_ref.status_code == 200 and by_ref.json() == offer["credential_offer"]
    by_value = parse_qs(urlsplit(offer["deep_link_by_value"]).query)["credential_offer"][0]
    assert '"credential_issuer":"http://issuer.test/acme"' in by_value
    assert offer["credential_offer"]["grants"][PRE_AUTHORIZED_GRANT]["tx_code"]["length"] == 6
    svg = api.client.get(offer["qr_svg"].removeprefix(BASE))
    assert (
        svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    )
    png = api.client.get(offer["qr_png"].removeprefix(BASE))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert api.client.get(ref.removeprefix(BASE).replace("/acme/", "/globex/")).status_code == 404


async def test_pre_authorized_flow_issues_a_bound_credential(api: Api) -> None:
    offer = _setup(api)
    token = _token(api, offer)
    holder = signer_for_key(generate_key(KeyType.ED25519))
    r = _request(api, token, [_proof(holder, _nonce(api))])
    assert r.status_code == 200, r.text
    [item] = r.json()["credentials"]
    vc = item["credential"]
    assert vc["credentialSubject"] == {"name": "Alice", "id": holder.did}
    assert "EmployeeCredential" in vc["type"] and vc["issuer"] == api.a.did_ed["did"]
    result = await verify(vc, resolver=default_resolver(), now=datetime.now(UTC))
    assert result.verified, result.errors
    events = api.client.get("/audit", headers=api.a.admin).json()
    assert [e["action"] for e in events[:2]] == ["credential.issue", "offer.create"]


def test_token_endpoint_errors(api: Api) -> None:
    offer = _setup(api)
    code = offer["credential_offer"]["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    r = api.client.post("/acme/token", data={"grant_type": "authorization_code", "code": "x"})
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = api.client.post(
        "/acme/token", data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": "nope"}
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    r = api.client.post(
        "/acme/token",
        data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code, "tx_code": wrong},
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    # The code of one tenant is not valid at another.
    r = api.client.post(
        "/globex/token",
        data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code, "tx_code": offer["tx_code"]},
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    _token(api, offer)
    # Single use.
    r = api.client.post(
        "/acme/token",
        data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code, "tx_code": offer["tx_code"]},
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    assert api.client.get(offer["credential_offer_uri"].removeprefix(BASE)).status_code == 404


def test_tx_code_brute_force_burns_the_offer(api: Api) -> None:
    offer = _setup(api)
    code = offer["credential_offer"]["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    wrong = [f"{i:06d}" for i in range(10) if f"{i:06d}" != offer["tx_code"]][:5]
    for w in wrong:
        api.client.post(
            "/acme/token",
            data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code, "tx_code": w},
        )
    r = api.client.post(
        "/acme/token",
        data={"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code, "tx_code": offer["tx_code"]},
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_proof_replay_wrong_nonce_wrong_audience(api: Api) -> None:
    offer = _setup(api)
    token = _token(api, offer)
    holder = signer_for_key(generate_key(KeyType.ED25519))
    proof = _proof(holder, _nonce(api))
    assert _request(api, token, [proof]).status_code == 200
    r = _request(api, token, [proof])  # replayed proof: its nonce is spent
    assert r.status_code == 400 and r.json()["error"] == "invalid_nonce"
    r = _request(api, token, [_proof(holder, "made-up")])
    assert r.status_code == 400 and r.json()["error"] == "invalid_nonce"
    r = _request(api, token, [_proof(holder, None)])
    assert r.status_code == 400 and r.json()["error"] == "invalid_nonce"
    r = _request(api, token, [_proof(holder, _nonce(api), aud=f"{BASE}/globex")])
    assert r.status_code == 400 and r.json()["error"] == "invalid_proof"
    r = _request(api, token, [])
    assert r.status_code == 400
    r = _request(api, token, [_proof(holder, _nonce(api))], config="other")
    assert r.status_code == 400 and r.json()["error"] == "unknown_credential_configuration"
    # A nonce from another tenant is not valid here.
    other = api.client.post("/globex/nonce").json()["c_nonce"]
    r = _request(api, token, [_proof(holder, other)])
    assert r.status_code == 400 and r.json()["error"] == "invalid_nonce"


def test_access_token_errors(api: Api) -> None:
    offer = _setup(api)
    token = _token(api, offer)
    holder = signer_for_key(generate_key(KeyType.ED25519))
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {token}"}):
        r = api.client.post(
            "/acme/credential",
            json={
                "credential_configuration_id": "employee",
                "proofs": {"jwt": [_proof(holder, _nonce(api))]},
            },
            headers=headers,
        )
        assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    r = api.client.post(
        "/globex/credential",
        json={"credential_configuration_id": "employee"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 401


async def test_batch_issuance_and_limit(api: Api) -> None:
    offer = _setup(api, tx_code=False)
    token = _token(api, offer)
    holders = [signer_for_key(generate_key(KeyType.ED25519)) for _ in range(3)]
    r = _request(api, token, [_proof(h, _nonce(api)) for h in holders])
    assert r.status_code == 200, r.text
    creds = [c["credential"] for c in r.json()["credentials"]]
    assert [c["credentialSubject"]["id"] for c in creds] == [h.did for h in holders]
    assert len({c["credentialStatus"]["statusListIndex"] for c in creds}) == 3
    many = [_proof(holders[0], _nonce(api)) for _ in range(api.settings.max_batch_size + 1)]
    assert _request(api, token, many).status_code == 400


@pytest.mark.parametrize("fmt", ["dc+sd-jwt", "vc+jwt"])
async def test_compact_formats(api: Api, fmt: str) -> None:
    offer = _setup(
        api, fmt=fmt, tx_code=False, disclosable=["/credentialSubject/name"] if fmt == "dc+sd-jwt" else []
    )
    meta = api.client.get("/.well-known/openid-credential-issuer/acme").json()
    conf = meta["credential_configurations_supported"]["employee"]
    assert conf["format"] == ("dc+sd-jwt" if fmt == "dc+sd-jwt" else "jwt_vc_json")
    token = _token(api, offer)
    holder = signer_for_key(generate_key(KeyType.ED25519))
    r = _request(api, token, [_proof(holder, _nonce(api))])
    assert r.status_code == 200, r.text
    cred = r.json()["credentials"][0]["credential"]
    assert isinstance(cred, str)
    result = await verify(cred, resolver=default_resolver(), now=datetime.now(UTC))
    assert result.verified, result.errors


def test_offer_validates_claims_against_the_schema(api: Api) -> None:
    _setup(api)
    r = api.client.post("/offers", json={"template": "employee", "claims": {"name": 5}}, headers=api.a.issue)
    assert r.status_code == 422 and r.json()["at"] == "/claims/name"
    r = api.client.post(
        "/offers", json={"template": "employee", "claims": {"name": "x"}}, headers=api.b.issue
    )
    assert r.status_code == 404
    r = api.client.post(
        "/offers", json={"template": "employee", "claims": {"name": "x"}}, headers=api.a.revoke
    )
    assert r.status_code == 403
