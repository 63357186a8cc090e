"""Wallet flow: a DCQL query picks claim paths of a stored SD-JWT VC; the presentation reveals just those."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from didkit_py.exchange import HeldCredential, evaluate_dcql_query
from didkit_py.keys import KeyType, generate_key
from didkit_py.suites.sd_jwt import decode_sd_jwt_vc, issue_sd_jwt_vc, present_sd_jwt_vc, verify_sd_jwt_vc

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
VCT = "https://credentials.example/identity_credential"


async def test_dcql_selects_what_the_presentation_reveals() -> None:
    issuer, holder = generate_key(KeyType.P256), generate_key(KeyType.P256)
    token = issue_sd_jwt_vc(
        {
            "given_name": "Erika",
            "family_name": "Mustermann",
            "address": {"street_address": "Heidestraße 17", "locality": "Köln"},
            "nationalities": ["DE", "FR"],
        },
        key=issuer,
        vct=VCT,
        issuer="https://issuer.example",
        holder_key=holder,
        disclosable=[
            "/given_name",
            "/family_name",
            "/address/street_address",
            "/address/locality",
            "/address",
        ],
        iat=NOW - timedelta(days=1),
    )
    claims, vct, paths = decode_sd_jwt_vc(token)
    assert vct == VCT
    held = HeldCredential.from_sd_jwt_claims(claims, disclosable=paths, id="cred-1")
    query = {
        "credentials": [
            {
                "id": "pid",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [VCT]},
                "claims": [{"path": ["family_name"]}, {"path": ["address", "locality"]}],
            }
        ]
    }
    result = evaluate_dcql_query(query, [held], now=NOW)
    assert result.satisfied and result.credential_ids() == ["cred-1"]
    reveal = result.claims_for("cred-1")
    assert reveal is not None
    pres = present_sd_jwt_vc(
        token,
        reveal=[list(p) for p in reveal],
        holder_key=holder,
        aud="https://rp.example",
        nonce="n",
        iat=NOW,
    )
    v = await verify_sd_jwt_vc(pres, now=NOW, issuer_key=issuer, aud="https://rp.example", nonce="n", vct=VCT)
    assert v.claims["family_name"] == "Mustermann"
    assert v.claims["address"] == {"locality": "Köln"}
    assert "given_name" not in v.claims
    # the other type is not matched
    other = evaluate_dcql_query(
        {"credentials": [{"id": "x", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:other"]}}]},
        [held],
        now=NOW,
    )
    assert not other.satisfied
