"""SD-JWT VC and Token Status List against @sd-jwt/* 0.19.0 (tests/interop/node/sdjwt_peer.mjs).

Both directions: their credential presented by us verifies there; ours verifies there; theirs
(presented by them) verifies here; status list tokens are read both ways.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from didkit_py.errors import VerificationError
from didkit_py.keys import KeyType, generate_key, key_pair_from_jwk, private_jwk, public_jwk
from didkit_py.status.token_status_list import (
    TokenStatusList,
    create_status_list_token,
    verify_status_list_token,
)
from didkit_py.suites.sd_jwt import issue_sd_jwt_vc, parse_sd_jwt, present_sd_jwt_vc, verify_sd_jwt_vc

pytestmark = pytest.mark.interop

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
TS = int(NOW.timestamp())
AUD, NONCE = "https://verifier.example", "nonce-5f1c"
ISS = "https://issuer.example"
VCT = "https://credentials.example/identity_credential"
PAYLOAD = {
    "iss": ISS,
    "vct": VCT,
    "iat": TS - 60,
    "exp": TS + 86400,
    "given_name": "Erika",
    "family_name": "Mustermann",
    "birthdate": "1963-08-12",
    "address": {"street_address": "Heidestraße 17", "locality": "Köln", "country": "DE"},
    "nationalities": ["DE", "FR"],
}
THEIR_FRAME = {
    "_sd": ["given_name", "family_name", "birthdate", "address"],
    "address": {"_sd": ["street_address", "locality"]},
    "nationalities": {"_sd": [0, 1]},
}
OUR_DISCLOSABLE: list[Any] = [
    "/given_name",
    "/family_name",
    "/birthdate",
    "/address/street_address",
    "/address/locality",
    "/address",
    ["nationalities", None],
]
PEER = "sdjwt_peer.mjs"


def _jwk(kp: Any, private: bool = False) -> dict[str, Any]:
    return private_jwk(kp) if private else public_jwk(kp)


@pytest.fixture(scope="module")
def their_keys(node: Any) -> dict[str, Any]:
    keys: dict[str, Any] = node(PEER, {"op": "keys"})
    return keys


def their_token(node: Any, keys: dict[str, Any], payload: dict[str, Any] | None = None) -> str:
    out = node(
        PEER,
        {
            "op": "issue",
            "issuerPrivateJwk": keys["issuer"]["privateKey"],
            "holderPublicJwk": keys["holder"]["publicKey"],
            "payload": payload or PAYLOAD,
            "disclosureFrame": THEIR_FRAME,
        },
    )
    return str(out["token"])


def their_verify(
    node: Any, presentation: str, issuer_public_jwk: dict[str, Any], **kw: Any
) -> dict[str, Any]:
    req = {
        "op": "verify",
        "presentation": presentation,
        "issuerPublicJwk": issuer_public_jwk,
        "nonce": NONCE,
        "aud": AUD,
        "currentDate": TS,
        **kw,
    }
    res: dict[str, Any] = node(PEER, req)
    return res


def test_theirs_presented_by_us_verifies_there(node: Any, their_keys: dict[str, Any]) -> None:
    token = their_token(node, their_keys)
    holder = key_pair_from_jwk(
        {k: v for k, v in their_keys["holder"]["privateKey"].items() if k in "ktycrvxyd"}
    )
    pres = present_sd_jwt_vc(
        token,
        reveal=["/given_name", ["address", "street_address"], ["nationalities", 1]],
        holder_key=holder,
        aud=AUD,
        nonce=NONCE,
        iat=NOW,
    )
    res = their_verify(node, pres, their_keys["issuer"]["publicKey"])
    assert res["ok"], res
    claims = res["claims"]
    assert claims["given_name"] == "Erika"
    assert claims["address"] == {"street_address": "Heidestraße 17", "country": "DE"}
    assert claims["nationalities"] == ["FR"]
    assert "family_name" not in claims and "birthdate" not in claims
    assert res["kb"]["aud"] == AUD and res["kb"]["nonce"] == NONCE


def test_ours_verifies_there(node: Any) -> None:
    issuer, holder = generate_key(KeyType.P256), generate_key(KeyType.P256)
    token = issue_sd_jwt_vc(
        {k: v for k, v in PAYLOAD.items() if k not in ("iss", "vct", "iat", "exp")},
        key=issuer,
        vct=VCT,
        issuer=ISS,
        holder_key=holder,
        disclosable=OUR_DISCLOSABLE,
        iat=TS - 60,
        exp=TS + 86400,
    )
    pres = present_sd_jwt_vc(
        token,
        reveal=["/family_name", "/address/locality", "/nationalities/0"],
        holder_key=holder,
        aud=AUD,
        nonce=NONCE,
        iat=NOW,
    )
    res = their_verify(node, pres, _jwk(issuer))
    assert res["ok"], res
    assert res["header"]["typ"] == "dc+sd-jwt"
    claims = res["claims"]
    assert claims["family_name"] == "Mustermann"
    assert claims["address"] == {"locality": "Köln", "country": "DE"}
    assert claims["nationalities"] == ["DE"]
    assert "given_name" not in claims
    # and a tampered one does not
    bad = their_verify(node, pres, _jwk(issuer), nonce="other-nonce")
    assert not bad["ok"]
    other = their_verify(node, pres, _jwk(generate_key(KeyType.P256)))
    assert not other["ok"]


def test_our_full_issuance_verifies_there(node: Any) -> None:
    """With every Disclosure and no Key Binding (their holder-side decoding of our issuance)."""
    issuer = generate_key(KeyType.P256)
    token = issue_sd_jwt_vc(
        {"given_name": "Erika", "nationalities": ["DE", "FR"]},
        key=issuer,
        vct=VCT,
        issuer=ISS,
        disclosable=["/given_name", ["nationalities", None]],
        iat=TS,
    )
    res = node(
        PEER,
        {"op": "verify", "presentation": token, "issuerPublicJwk": _jwk(issuer), "currentDate": TS},
    )
    assert res["ok"], res
    assert res["claims"]["given_name"] == "Erika" and res["claims"]["nationalities"] == ["DE", "FR"]


async def test_theirs_verifies_here(node: Any, their_keys: dict[str, Any]) -> None:
    token = their_token(node, their_keys)
    out = node(
        PEER,
        {
            "op": "present",
            "token": token,
            "holderPrivateJwk": their_keys["holder"]["privateKey"],
            "presentationFrame": {
                "birthdate": True,
                "address": {"locality": True},
                "nationalities": {"0": True},
            },
            "kb": {"iat": TS, "aud": AUD, "nonce": NONCE},
        },
    )
    pres = out["presentation"]
    issuer_key = key_pair_from_jwk(
        {k: their_keys["issuer"]["publicKey"][k] for k in ("kty", "crv", "x", "y")}
    )
    v = await verify_sd_jwt_vc(pres, now=NOW, issuer_key=issuer_key, aud=AUD, nonce=NONCE, vct=VCT)
    assert v.claims["birthdate"] == "1963-08-12"
    assert v.claims["address"] == {"locality": "Köln", "country": "DE"}
    assert v.claims["nationalities"] == ["DE"]
    assert "given_name" not in v.claims
    assert v.sd_jwt.kb_payload is not None and v.sd_jwt.kb_payload["aud"] == AUD
    with pytest.raises(VerificationError):
        await verify_sd_jwt_vc(pres, now=NOW, issuer_key=issuer_key, aud="https://evil.example", nonce=NONCE)
    # their full issuance decodes here too
    full = await verify_sd_jwt_vc(token, now=NOW, issuer_key=issuer_key, require_kb=False)
    assert full.claims["given_name"] == "Erika" and full.claims["nationalities"] == ["DE", "FR"]
    assert len(parse_sd_jwt(token).disclosures) == 8


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_status_list_ours_read_there(node: Any, bits: int) -> None:
    issuer = generate_key(KeyType.P256)
    uri = "https://issuer.example/status/7"
    values = [(i * 5 + 3) % (1 << bits) for i in range(200)]
    sl = TokenStatusList.create(len(values), bits)
    for i, v in enumerate(values):
        sl.set(i, v)
    jwt = create_status_list_token(sl, key=issuer, uri=uri, iat=NOW, ttl=3600)
    res = node(PEER, {"op": "status_read", "jwt": jwt, "issuerPublicJwk": _jwk(issuer), "count": len(values)})
    assert res["sigOk"] and res["typ"] == "statuslist+jwt" and res["sub"] == uri and res["bits"] == bits
    assert res["statuses"] == values


@pytest.mark.parametrize("bits", [1, 2, 4, 8])
def test_status_list_theirs_read_here(node: Any, their_keys: dict[str, Any], bits: int) -> None:
    uri = "https://issuer.example/status/9"
    values = [(i * 3 + 1) % (1 << bits) for i in range(160)]
    out = node(
        PEER,
        {
            "op": "status_create",
            "statuses": values,
            "bits": bits,
            "uri": uri,
            "iat": TS - 10,
            "ttl": 600,
            "issuerPrivateJwk": their_keys["issuer"]["privateKey"],
        },
    )
    key = key_pair_from_jwk({k: their_keys["issuer"]["publicKey"][k] for k in ("kty", "crv", "x", "y")})
    v = verify_status_list_token(out["jwt"], key=key, uri=uri, now=NOW)
    assert [v.status_list.get(i) for i in range(len(values))] == values
    assert v.ttl == 600


def test_their_verifier_checks_our_status_list(node: Any) -> None:
    issuer, holder = generate_key(KeyType.P256), generate_key(KeyType.P256)
    uri = "https://issuer.example/status/3"
    sl = TokenStatusList.create(128, 2)
    sl.set(17, 1)
    status_jwt = create_status_list_token(sl, key=issuer, uri=uri, iat=NOW - timedelta(minutes=1))
    for idx, ok in ((16, True), (17, False)):
        token = issue_sd_jwt_vc(
            {"given_name": "Erika"},
            key=issuer,
            vct=VCT,
            issuer=ISS,
            holder_key=holder,
            disclosable=["/given_name"],
            iat=TS - 60,
            status={"status_list": {"idx": idx, "uri": uri}},
        )
        pres = present_sd_jwt_vc(
            token, reveal=["/given_name"], holder_key=holder, aud=AUD, nonce=NONCE, iat=NOW
        )
        res = their_verify(node, pres, _jwk(issuer), statusListJwt=status_jwt)
        assert res["ok"] is ok, res
        if not ok:
            assert "status 1" in res["error"]


async def test_jws_json_serialization_both_ways(node: Any, their_keys: dict[str, Any]) -> None:
    """RFC 9901 §8 flattened form: theirs converts ours back to the same compact SD-JWT, and vice versa."""
    from didkit_py.suites.sd_jwt import sd_jwt_from_json, sd_jwt_to_json

    issuer, holder = generate_key(KeyType.P256), generate_key(KeyType.P256)
    token = issue_sd_jwt_vc(
        {"given_name": "Erika", "family_name": "Mustermann"},
        key=issuer,
        vct=VCT,
        issuer=ISS,
        holder_key=holder,
        disclosable=["/given_name", "/family_name"],
        iat=TS - 60,
    )
    pres = present_sd_jwt_vc(token, reveal=["/given_name"], holder_key=holder, aud=AUD, nonce=NONCE, iat=NOW)
    back = node(PEER, {"op": "flat_to_compact", "json": sd_jwt_to_json(pres)})
    assert back["token"] == pres
    # theirs, presented with KB by them, as flattened JSON -> verifies here
    theirs = node(
        PEER,
        {
            "op": "present",
            "token": their_token(node, their_keys),
            "holderPrivateJwk": their_keys["holder"]["privateKey"],
            "presentationFrame": {"given_name": True},
            "kb": {"iat": TS, "aud": AUD, "nonce": NONCE},
        },
    )["presentation"]
    flat = node(PEER, {"op": "compact_to_flat", "token": theirs})["json"]
    assert sd_jwt_from_json(flat) == theirs
    issuer_key = key_pair_from_jwk(
        {k: their_keys["issuer"]["publicKey"][k] for k in ("kty", "crv", "x", "y")}
    )
    v = await verify_sd_jwt_vc(json.dumps(flat), now=NOW, issuer_key=issuer_key, aud=AUD, nonce=NONCE)
    assert v.claims["given_name"] == "Erika" and "family_name" not in v.claims
