"""``dc+sd-jwt`` through :mod:`didkit_py.credentials`: issue, derive with Key Binding, verify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from didkit_py.credentials import derive, issue, signer_for_key, verify
from didkit_py.did import default_resolver
from didkit_py.errors import InvalidInput
from didkit_py.keys import KeyType, generate_key, public_jwk
from didkit_py.suites.sd_jwt import parse_sd_jwt

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
ISSUER = signer_for_key(generate_key(KeyType.P256))
HOLDER = signer_for_key(generate_key(KeyType.P256))
AUD, NONCE = "https://verifier.example", "c-1234"


def credential() -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "IdentityCredential"],
        "issuer": ISSUER.did,
        "validFrom": "2025-01-01T00:00:00Z",
        "validUntil": "2030-01-01T00:00:00Z",
        "credentialSubject": {"id": HOLDER.did, "name": "Erika", "birthdate": "1963-08-12"},
    }


def issued() -> str:
    token = issue(
        credential(),
        signer=ISSUER,
        now=NOW,
        format="dc+sd-jwt",
        extra={"disclosable": ["/credentialSubject/birthdate", "/credentialSubject/name"]},
    )
    assert isinstance(token, str)
    return token


def test_issue_maps_the_data_model() -> None:
    parsed = parse_sd_jwt(issued())
    p = parsed.payload
    assert parsed.header["typ"] == "dc+sd-jwt" and parsed.header["kid"] == ISSUER.verification_method
    assert p["iss"] == ISSUER.did and p["vct"] == "IdentityCredential"
    assert p["iat"] == int(NOW.timestamp()) and p["exp"] == int(datetime(2030, 1, 1, tzinfo=UTC).timestamp())
    assert p["cnf"] == {"jwk": public_jwk(HOLDER.key)}  # from credentialSubject.id (did:key)
    assert "birthdate" not in p["credentialSubject"]


async def test_derive_with_key_binding_and_verify() -> None:
    pres = derive(
        issued(),
        now=NOW,
        disclose=["/credentialSubject/birthdate"],
        holder=HOLDER,
        challenge=NONCE,
        domain=AUD,
    )
    result = await verify(pres, resolver=default_resolver(), now=NOW, challenge=NONCE, domain=AUD)
    assert result.verified, result.to_dict()
    assert result.format == "dc+sd-jwt" and result.signer == ISSUER.did
    subj = result.document["credentialSubject"] if result.document else {}
    assert subj["birthdate"] == "1963-08-12" and "name" not in subj
    names = [c.name for c in result.checks]
    assert names == [
        "parse",
        "header",
        "issuer key",
        "signature",
        "disclosures",
        "vct",
        "validity period",
        "key binding",
    ]


async def test_verify_failures_are_reported() -> None:
    pres = derive(issued(), now=NOW, disclose=[], holder=HOLDER, challenge=NONCE, domain=AUD)
    other = await verify(pres, resolver=default_resolver(), now=NOW, challenge="other", domain=AUD)
    assert not other.verified and other.errors[0].code == "kb.nonce"
    plain = derive(issued(), now=NOW, disclose=["/credentialSubject/name"])
    missing = await verify(plain, resolver=default_resolver(), now=NOW, challenge=NONCE, domain=AUD)
    assert not missing.verified and missing.errors[0].code == "kb.missing"
    ok = await verify(plain, resolver=default_resolver(), now=NOW)
    assert ok.verified
    late = await verify(plain, resolver=default_resolver(), now=NOW + timedelta(days=3650))
    assert not late.verified and late.errors[0].code == "jwt.expired"


def test_derive_needs_challenge_for_binding() -> None:
    with pytest.raises(InvalidInput) as ei:
        derive(issued(), now=NOW, disclose=[], holder=HOLDER)
    assert ei.value.code == "derive.kb_request"


def test_issuer_must_be_signer() -> None:
    doc = credential() | {"issuer": "did:example:someone-else"}
    with pytest.raises(InvalidInput):
        issue(doc, signer=ISSUER, now=NOW, format="dc+sd-jwt")


async def test_status_checked_when_http_given() -> None:
    import httpx

    from didkit_py.status.token_status_list import TokenStatusList, create_status_list_token

    uri = "https://issuer.example/status/1"
    lst = TokenStatusList.create(16, 1)
    lst.set(5, 1)
    slt = create_status_list_token(lst, key=ISSUER.key, uri=uri, iat=NOW)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=slt.encode(), headers={"content-type": "application/statuslist+jwt"}
        )

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        for idx, ok in ((4, True), (5, False)):
            token = issue(
                credential(),
                signer=ISSUER,
                now=NOW,
                format="dc+sd-jwt",
                extra={"status": {"status_list": {"idx": idx, "uri": uri}}},
            )
            r = await verify(token, resolver=default_resolver(), now=NOW, extra={"http": http})
            assert r.verified is ok, r.to_dict()
            if not ok:
                assert r.errors[0].code == "status.invalid"
            else:
                assert "status" in [c.name for c in r.checks]
        r = await verify(token, resolver=default_resolver(), now=NOW)
        assert r.verified and any("status list was not checked" in w for w in r.warnings)


def test_holder_key_as_jwk_and_did_jwk_subject() -> None:
    doc = credential()
    doc["credentialSubject"] = {"name": "Erika"}  # no subject id: no cnf unless given
    plain = parse_sd_jwt(issue(doc, signer=ISSUER, now=NOW, format="dc+sd-jwt"))  # type: ignore[arg-type]
    assert "cnf" not in plain.payload
    bound = issue(
        doc, signer=ISSUER, now=NOW, format="dc+sd-jwt", extra={"holder_key": public_jwk(HOLDER.key)}
    )
    assert parse_sd_jwt(bound).payload["cnf"] == {"jwk": public_jwk(HOLDER.key)}  # type: ignore[arg-type]
    jwk_holder = signer_for_key(HOLDER.key, method="jwk")
    doc["credentialSubject"] = {"id": jwk_holder.did, "name": "Erika"}
    via_did_jwk = issue(doc, signer=ISSUER, now=NOW, format="dc+sd-jwt")
    assert parse_sd_jwt(via_did_jwk).payload["cnf"] == {"jwk": public_jwk(HOLDER.key)}  # type: ignore[arg-type]
