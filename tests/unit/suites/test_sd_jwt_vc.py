"""SD-JWT VC: typ, vct, reserved claims, issuer keys from a DID or JWT VC Issuer Metadata, status."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from didkit_py.errors import (
    InvalidInput,
    LimitExceeded,
    NotFound,
    ResolutionError,
    StatusError,
    UnsupportedError,
    VerificationError,
)
from didkit_py.keys import KeyType, generate_key, public_jwk
from didkit_py.status.token_status_list import (
    TokenStatusList,
    TokenStatusListClient,
    create_status_list_token,
)
from didkit_py.suites.sd_jwt import (
    decode_sd_jwt_vc,
    issue_sd_jwt_vc,
    issuer_metadata_url,
    parse_sd_jwt,
    present_sd_jwt_vc,
    verify_sd_jwt_vc,
)
from didkit_py.suites.sd_jwt._jws import sign_jws

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
ISSUER = generate_key(KeyType.P256)
HOLDER = generate_key(KeyType.P256)
AUD, NONCE = "https://verifier.example", "n-0S6_WzA2Mj"
ISS = "https://issuer.example/tenant/7"
VCT = "https://credentials.example/identity_credential"
CLAIMS = {
    "given_name": "Erika",
    "family_name": "Mustermann",
    "birthdate": "1963-08-12",
    "address": {"street_address": "Heidestraße 17", "locality": "Köln"},
    "nationalities": ["DE", "FR"],
}
DISCLOSABLE: list[Any] = [
    "/given_name",
    "/family_name",
    "/birthdate",
    "/address/street_address",
    "/address",
    ["nationalities", None],
]


def issue(**kw: Any) -> str:
    args: dict[str, Any] = {
        "key": ISSUER,
        "vct": VCT,
        "issuer": ISS,
        "kid": "key-1",
        "holder_key": HOLDER,
        "disclosable": DISCLOSABLE,
        "iat": NOW - timedelta(days=1),
        "exp": NOW + timedelta(days=365),
        **kw,
    }
    return issue_sd_jwt_vc(CLAIMS, **args)


def present(token: str, reveal: list[Any]) -> str:
    return present_sd_jwt_vc(token, reveal=reveal, holder_key=HOLDER, aud=AUD, nonce=NONCE, iat=NOW)


def metadata_transport(routes: dict[str, tuple[int, Any, str]]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url not in routes:
            return httpx.Response(404)
        status, body, ctype = routes[url]
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.Response(status, content=content, headers={"content-type": ctype})

    return httpx.MockTransport(handler)


def jwks_metadata(**extra: Any) -> dict[str, tuple[int, Any, str]]:
    return {
        issuer_metadata_url(ISS): (
            200,
            {"issuer": ISS, "jwks": {"keys": [{**public_jwk(ISSUER), "kid": "key-1"}]}, **extra},
            "application/json",
        )
    }


async def verify_https(token: str, routes: dict[str, tuple[int, Any, str]], **kw: Any) -> Any:
    async with httpx.AsyncClient(transport=metadata_transport(routes)) as http:
        args: dict[str, Any] = {"now": NOW, "http": http, "aud": AUD, "nonce": NONCE, **kw}
        return await verify_sd_jwt_vc(token, **args)


def test_issued_shape() -> None:
    parsed = parse_sd_jwt(issue())
    assert parsed.header["typ"] == "dc+sd-jwt" and parsed.header["kid"] == "key-1"
    p = parsed.payload
    assert p["vct"] == VCT and p["iss"] == ISS and p["cnf"] == {"jwk": public_jwk(HOLDER)}
    assert "given_name" not in p and len(p["_sd"]) >= 3  # two disclosable + decoys


def test_metadata_url() -> None:
    assert (
        issuer_metadata_url("https://e.example/tenant/1/")
        == "https://e.example/.well-known/jwt-vc-issuer/tenant/1"
    )
    assert issuer_metadata_url("https://e.example") == "https://e.example/.well-known/jwt-vc-issuer"


async def test_https_issuer_round_trip() -> None:
    pres = present(issue(), ["/given_name", ["address", "street_address"], ["nationalities", 1]])
    v = await verify_https(pres, jwks_metadata(), vct=VCT)
    assert v.vct == VCT and v.issuer == ISS
    assert v.claims["given_name"] == "Erika"
    assert v.claims["address"] == {"street_address": "Heidestraße 17", "locality": "Köln"}
    assert v.claims["nationalities"] == ["FR"]
    assert "family_name" not in v.claims and "birthdate" not in v.claims


async def test_https_issuer_jwks_uri() -> None:
    jwks_url = "https://issuer.example/jwks.json"
    routes = {
        issuer_metadata_url(ISS): (200, {"issuer": ISS, "jwks_uri": jwks_url}, "application/json"),
        jwks_url: (200, {"keys": [{**public_jwk(ISSUER), "kid": "key-1"}]}, "application/json"),
    }
    v = await verify_https(present(issue(), ["/family_name"]), routes)
    assert v.claims["family_name"] == "Mustermann"


async def test_https_issuer_failures() -> None:
    pres = present(issue(), ["/given_name"])
    with pytest.raises(VerificationError) as ei:
        await verify_https(
            pres, {issuer_metadata_url(ISS): (200, {"issuer": "https://other", "jwks": {}}, "x")}
        )
    assert ei.value.code == "sd_jwt_vc.metadata_issuer"
    with pytest.raises(NotFound):
        await verify_https(pres, {})
    wrong_kid = {
        issuer_metadata_url(ISS): (200, {"issuer": ISS, "jwks": {"keys": [public_jwk(ISSUER)]}}, "x")
    }
    with pytest.raises(ResolutionError) as ei2:
        await verify_https(pres, wrong_kid)
    assert ei2.value.code == "sd_jwt_vc.key_not_found"
    big = {issuer_metadata_url(ISS): (200, b"{" + b" " * 400_000 + b"}", "application/json")}
    with pytest.raises(LimitExceeded):
        await verify_https(pres, big)
    other_key = {
        issuer_metadata_url(ISS): (
            200,
            {"issuer": ISS, "jwks": {"keys": [{**public_jwk(generate_key(KeyType.P256)), "kid": "key-1"}]}},
            "application/json",
        )
    }
    with pytest.raises(VerificationError) as ei3:
        await verify_https(pres, other_key)
    assert ei3.value.code == "jws.signature"


async def test_http_issuer_only_on_loopback_when_allowed() -> None:
    iss = "http://127.0.0.1:8000"
    token = issue(issuer=iss)
    pres = present(token, ["/given_name"])
    routes = {
        issuer_metadata_url(iss): (
            200,
            {"issuer": iss, "jwks": {"keys": [{**public_jwk(ISSUER), "kid": "key-1"}]}},
            "application/json",
        )
    }
    with pytest.raises(UnsupportedError) as ei:
        await verify_https(pres, routes)
    assert ei.value.code == "http.scheme"
    v = await verify_https(pres, routes, allow_loopback_http=True)
    assert v.issuer == iss
    remote = present(issue(issuer="http://issuer.example"), ["/given_name"])
    with pytest.raises(UnsupportedError):
        await verify_https(remote, {}, allow_loopback_http=True)


@dataclass
class _Vm:
    id: str
    key_type: KeyType
    public_key: bytes


class FakeResolver:
    def __init__(self, did: str) -> None:
        self.did = did
        self.asked: list[str] = []

    async def resolve_verification_method(self, did_url: str, *, purpose: str | None = None) -> _Vm:
        assert purpose == "assertionMethod"
        self.asked.append(did_url)
        if did_url != self.did + "#key-1":
            raise NotFound("no such key", code="notFound")
        return _Vm(did_url, ISSUER.key_type, ISSUER.public_key)


async def test_did_issuer() -> None:
    did = "did:example:issuer"
    resolver = FakeResolver(did)
    pres = present(issue(issuer=did, kid="#key-1"), ["/birthdate"])
    v = await verify_sd_jwt_vc(pres, now=NOW, resolver=resolver, aud=AUD, nonce=NONCE)
    assert v.claims["birthdate"] == "1963-08-12" and resolver.asked == [did + "#key-1"]
    foreign = present(issue(issuer=did, kid="did:example:mallory#key-1"), ["/birthdate"])
    with pytest.raises(VerificationError) as ei:
        await verify_sd_jwt_vc(foreign, now=NOW, resolver=resolver, aud=AUD, nonce=NONCE)
    assert ei.value.code == "sd_jwt_vc.kid_not_iss"
    with pytest.raises(ResolutionError):
        await verify_sd_jwt_vc(pres, now=NOW, aud=AUD, nonce=NONCE)


async def test_vct_typ_and_kb_policy() -> None:
    pres = present(issue(), ["/given_name"])
    with pytest.raises(VerificationError) as ei:
        await verify_sd_jwt_vc(pres, now=NOW, issuer_key=ISSUER, aud=AUD, nonce=NONCE, vct="https://other")
    assert ei.value.code == "sd_jwt_vc.vct_mismatch"
    unbound = present_sd_jwt_vc(issue(), reveal=["/given_name"])
    with pytest.raises(VerificationError) as ei2:
        await verify_sd_jwt_vc(unbound, now=NOW, issuer_key=ISSUER, aud=AUD, nonce=NONCE)
    assert ei2.value.code == "kb.missing"
    v = await verify_sd_jwt_vc(unbound, now=NOW, issuer_key=ISSUER, require_kb=False)
    assert v.claims["given_name"] == "Erika"
    # legacy typ accepted unless refused
    legacy = sign_jws({"typ": "vc+sd-jwt"}, {"vct": VCT}, ISSUER) + "~"
    await verify_sd_jwt_vc(legacy, now=NOW, issuer_key=ISSUER, require_kb=False)
    with pytest.raises(VerificationError) as ei3:
        await verify_sd_jwt_vc(legacy, now=NOW, issuer_key=ISSUER, require_kb=False, accept_legacy_typ=False)
    assert ei3.value.code == "sd_jwt_vc.typ"
    no_vct = sign_jws({"typ": "dc+sd-jwt"}, {"iss": ISS}, ISSUER) + "~"
    with pytest.raises(VerificationError) as ei4:
        await verify_sd_jwt_vc(no_vct, now=NOW, issuer_key=ISSUER, require_kb=False)
    assert ei4.value.code == "sd_jwt_vc.vct"


async def test_expired_credential() -> None:
    token = issue(exp=NOW - timedelta(hours=1))
    with pytest.raises(VerificationError) as ei:
        await verify_sd_jwt_vc(token, now=NOW, issuer_key=ISSUER, require_kb=False)
    assert ei.value.code == "jwt.expired"


def test_reserved_claims_not_disclosable() -> None:
    for p in ("/exp", "/cnf", "/vct", "/status", "/iss", "/nbf"):
        with pytest.raises(InvalidInput) as ei:
            issue(disclosable=[p])
        assert ei.value.code == "sd_jwt_vc.reserved_claim"
    with pytest.raises(InvalidInput):
        issue_sd_jwt_vc({"vct": "x"}, key=ISSUER, vct=VCT)


async def test_disclosed_reserved_claim_is_refused() -> None:
    from didkit_py.suites.sd_jwt import issue_sd_jwt

    token = issue_sd_jwt({"vct": VCT, "iss": ISS}, key=ISSUER, disclosable=["/iss"], typ="dc+sd-jwt")
    with pytest.raises(VerificationError) as ei:
        await verify_sd_jwt_vc(token, now=NOW, issuer_key=ISSUER, require_kb=False)
    assert ei.value.code == "sd_jwt_vc.reserved_claim"


async def test_status_list_integration() -> None:
    uri = "https://issuer.example/status/1"
    lst = TokenStatusList.create(64, 2)
    lst.set(3, 1)
    lst.set(5, 2)
    slt = create_status_list_token(lst, key=ISSUER, uri=uri, iat=NOW - timedelta(minutes=5), ttl=300)

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept"] == "application/statuslist+jwt"
        return httpx.Response(
            200, content=slt.encode(), headers={"content-type": "application/statuslist+jwt"}
        )

    async def key_resolver(_: Any) -> Any:
        return ISSUER

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = TokenStatusListClient(http=http, key_resolver=key_resolver, now=lambda: NOW)
        for idx, expected in ((0, None), (3, "status.invalid"), (5, "status.suspended")):
            token = issue(status={"status_list": {"idx": idx, "uri": uri}})
            pres = present(token, ["/given_name"])
            if expected is None:
                v = await verify_sd_jwt_vc(
                    pres, now=NOW, issuer_key=ISSUER, aud=AUD, nonce=NONCE, status_checker=client
                )
                assert v.status == 0
            else:
                with pytest.raises(StatusError) as ei:
                    await verify_sd_jwt_vc(
                        pres, now=NOW, issuer_key=ISSUER, aud=AUD, nonce=NONCE, status_checker=client
                    )
                assert ei.value.code == expected


def test_decode_for_matcher() -> None:
    claims, vct, paths = decode_sd_jwt_vc(issue())
    assert vct == VCT
    assert claims["given_name"] == "Erika" and claims["address"]["street_address"] == "Heidestraße 17"
    assert '"_sd"' not in json.dumps(claims) and "_sd_alg" not in claims
    assert set(paths) == {
        ("given_name",),
        ("family_name",),
        ("birthdate",),
        ("address",),
        ("address", "street_address"),
        ("nationalities", 0),
        ("nationalities", 1),
    }
    # a presentation decodes to what it reveals
    claims2, _, paths2 = decode_sd_jwt_vc(present_sd_jwt_vc(issue(), reveal=["/birthdate"]))
    assert (
        claims2["birthdate"] == "1963-08-12" and "given_name" not in claims2 and paths2 == (("birthdate",),)
    )
    with pytest.raises(InvalidInput):
        decode_sd_jwt_vc("garbage")
