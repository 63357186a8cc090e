"""OpenID4VCI / OpenID4VP messages: parsers reject bad input, proofs and request objects are checked."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.credentials import signer_for_key
from didkit_py.did import default_resolver
from didkit_py.errors import DidkitError, InvalidInput, UnsupportedError, VerificationError
from didkit_py.keys import KeyType, generate_key, public_jwk
from didkit_py.oid4vc import vci, vp
from didkit_py.suites.jose import encode_compact_jws

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ISSUER = "https://issuer.example/tenant"
QUERY = {"credentials": [{"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:x"]}}]}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
    max_leaves=12,
)


# --------------------------------------------------------------------------- OpenID4VCI


def _offer(**kw: Any) -> dict[str, Any]:
    offer: dict[str, Any] = {
        "credential_issuer": ISSUER,
        "credential_configuration_ids": ["pid"],
        "grants": {vci.PRE_AUTHORIZED_GRANT: {"pre-authorized_code": "abc", "tx_code": {"length": 4}}},
    }
    offer.update(kw)
    return offer


def test_offer_by_value_and_reference() -> None:
    uri = vci.credential_offer_uri(_offer())
    value, ref = vci.parse_credential_offer_uri(uri)
    assert ref is None and value == _offer()
    offer = vci.parse_credential_offer(value)
    grant = offer.pre_authorized()
    assert (
        grant.pre_authorized_code == "abc"
        and grant.tx_code is not None
        and grant.tx_code.input_mode == "numeric"
    )
    value, ref = vci.parse_credential_offer_uri(
        vci.credential_offer_uri(offer_uri="https://issuer.example/o/1")
    )
    assert value is None and ref == "https://issuer.example/o/1"


@pytest.mark.parametrize(
    "bad",
    [
        _offer(credential_issuer="http://issuer.example"),
        _offer(credential_issuer="https://issuer.example?x=1"),
        _offer(credential_configuration_ids=[]),
        _offer(credential_configuration_ids=["a", "a"]),
        _offer(credential_configuration_ids="pid"),
        _offer(grants={vci.PRE_AUTHORIZED_GRANT: {"tx_code": {}}}),
        _offer(
            grants={vci.PRE_AUTHORIZED_GRANT: {"pre-authorized_code": "x", "tx_code": {"input_mode": "qr"}}}
        ),
        {"credential_configuration_ids": ["pid"]},
    ],
)
def test_bad_offers(bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        vci.parse_credential_offer(bad)


def test_offer_uri_needs_exactly_one_parameter() -> None:
    for uri in (
        "openid-credential-offer://?",
        "openid-credential-offer://?credential_offer=%7B%7D&credential_offer_uri=https%3A%2F%2Fa",
        "ftp://?credential_offer_uri=https%3A%2F%2Fa",
        "openid-credential-offer://?credential_offer=%5B1%5D",
        "openid-credential-offer://?credential_offer=nope",
    ):
        with pytest.raises(InvalidInput):
            vci.parse_credential_offer_uri(uri)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_offer_uri_parser_total(text: str) -> None:
    for uri in (text, "openid-credential-offer://?credential_offer=" + quote(text)):
        try:
            value, ref = vci.parse_credential_offer_uri(uri)
        except InvalidInput:
            continue
        assert (value is None) != (ref is None)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_message_parsers_total(value: Any) -> None:
    for parse in (
        vci.parse_credential_offer,
        lambda v: vci.parse_issuer_metadata(v, credential_issuer=ISSUER),
        vci.parse_token_response,
        vci.parse_nonce_response,
        vci.parse_credential_request,
        vci.parse_credential_response,
        lambda v: vp.parse_direct_post({"vp_token": json.dumps(v)}),
    ):
        with contextlib.suppress(InvalidInput, VerificationError):
            parse(value)


def test_metadata_must_name_the_offered_issuer() -> None:
    meta = {
        "credential_issuer": ISSUER,
        "credential_endpoint": f"{ISSUER}/credential",
        "credential_configurations_supported": {"pid": {"format": "dc+sd-jwt"}},
    }
    assert vci.parse_issuer_metadata(meta, credential_issuer=ISSUER).credential_endpoint.endswith(
        "/credential"
    )
    with pytest.raises(VerificationError):
        vci.parse_issuer_metadata(meta, credential_issuer="https://other.example")
    with pytest.raises(InvalidInput):
        vci.parse_issuer_metadata(
            {**meta, "credential_endpoint": "http://evil.example/c"}, credential_issuer=ISSUER
        )
    assert (
        vci.issuer_metadata_url(ISSUER)
        == "https://issuer.example/.well-known/openid-credential-issuer/tenant"
    )


def test_token_and_credential_requests() -> None:
    form = vci.token_request_form("code-1", "1234")
    assert vci.parse_token_request(form) == ("code-1", "1234")
    with pytest.raises(InvalidInput):
        vci.parse_token_request({**form, "grant_type": "authorization_code"})
    assert vci.parse_credential_request(vci.credential_request_body("pid", ["a.b.c"])) == ("pid", ["a.b.c"])
    with pytest.raises(InvalidInput):
        vci.parse_credential_request({"credential_configuration_id": "pid", "proof": {"jwt": "x"}})
    with pytest.raises(InvalidInput, match="deferred"):
        vci.parse_credential_response({"transaction_id": "t"})
    with pytest.raises(InvalidInput):
        vci.parse_token_response({"access_token": "x", "token_type": "DPoP"})


class _Nonces:
    def __init__(self, *values: str) -> None:
        self.values = set(values)

    async def __call__(self, n: str) -> bool:
        if n in self.values:
            self.values.discard(n)
            return True
        return False


async def test_proof_of_possession_checks() -> None:
    resolver = default_resolver()
    holder = signer_for_key(generate_key(KeyType.ED25519))
    nonces = _Nonces("n1", "n2")
    proof = vci.build_proof_jwt(holder, audience=ISSUER, nonce="n1", now=NOW)
    check = await vci.check_proof_jwt(
        proof, resolver=resolver, audience=ISSUER, now=NOW, consume_nonce=nonces
    )
    assert check.holder_did == holder.did and check.public_key == holder.key.public_key
    with pytest.raises(VerificationError, match="nonce"):  # replayed
        await vci.check_proof_jwt(proof, resolver=resolver, audience=ISSUER, now=NOW, consume_nonce=nonces)
    bad_aud = vci.build_proof_jwt(holder, audience="https://other.example", nonce="n2", now=NOW)
    with pytest.raises(VerificationError, match="aud"):
        await vci.check_proof_jwt(bad_aud, resolver=resolver, audience=ISSUER, now=NOW, consume_nonce=nonces)
    old = vci.build_proof_jwt(holder, audience=ISSUER, nonce="n2", now=NOW - timedelta(hours=1))
    with pytest.raises(VerificationError, match="iat"):
        await vci.check_proof_jwt(old, resolver=resolver, audience=ISSUER, now=NOW, consume_nonce=nonces)
    other = signer_for_key(generate_key(KeyType.ED25519))
    header = {"alg": "EdDSA", "typ": vci.PROOF_TYP, "kid": holder.verification_method}
    forged = encode_compact_jws(
        header, {"aud": ISSUER, "iat": int(NOW.timestamp()), "nonce": "n2"}, other.key
    )
    with pytest.raises(VerificationError):
        await vci.check_proof_jwt(forged, resolver=resolver, audience=ISSUER, now=NOW, consume_nonce=nonces)
    wrong_typ = encode_compact_jws({**header, "typ": "JWT"}, {"aud": ISSUER, "iat": 1}, holder.key)
    with pytest.raises(VerificationError, match="typ"):
        await vci.check_proof_jwt(wrong_typ, resolver=resolver, audience=ISSUER, now=NOW, consume_nonce=None)
    p256 = generate_key(KeyType.P256)
    jwk_proof = encode_compact_jws(
        {"alg": "ES256", "typ": vci.PROOF_TYP, "jwk": public_jwk(p256)},
        {"aud": ISSUER, "iat": int(NOW.timestamp())},
        p256,
    )
    check = await vci.check_proof_jwt(
        jwk_proof, resolver=resolver, audience=ISSUER, now=NOW, consume_nonce=None
    )
    assert check.key_type == KeyType.P256 and check.holder_did is None
    both = encode_compact_jws(
        {"alg": "ES256", "typ": vci.PROOF_TYP, "jwk": public_jwk(p256), "kid": "did:key:z#z"},
        {"aud": ISSUER, "iat": int(NOW.timestamp())},
        p256,
    )
    with pytest.raises(VerificationError):
        await vci.check_proof_jwt(both, resolver=resolver, audience=ISSUER, now=NOW, consume_nonce=None)


# --------------------------------------------------------------------------- OpenID4VP


def _mock(routes: dict[str, str]) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        body = routes.get(str(request.url))
        if body is None:
            return httpx.Response(404)
        return httpx.Response(200, text=body, headers={"content-type": "application/oauth-authz-req+jwt"})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


async def _resolve(uri: str, routes: dict[str, str] | None = None, **kw: Any) -> vp.AuthorizationRequest:
    async with _mock(routes or {}) as http:
        return await vp.resolve_authorization_request(
            vp.parse_authorization_request_uri(uri), http=http, resolver=default_resolver(), now=NOW, **kw
        )


async def test_signed_request_by_reference() -> None:
    rp = signer_for_key(generate_key(KeyType.P256))
    client_id, jwt = vp.build_request_object(
        rp, response_uri="https://rp.example/cb", nonce="n", state="s", dcql_query=QUERY, now=NOW
    )
    uri = vp.authorization_request_uri(client_id=client_id, request_uri="https://rp.example/req/1")
    req = await _resolve(uri, {"https://rp.example/req/1": jwt})
    assert req.signed and req.verifier_id == rp.did and req.nonce == "n" and req.query == QUERY
    assert req.signer_kid == rp.verification_method


async def test_request_refusals() -> None:
    rp = signer_for_key(generate_key(KeyType.ED25519))
    mallory = signer_for_key(generate_key(KeyType.ED25519))
    client_id, jwt = vp.build_request_object(
        rp, response_uri="https://rp.example/cb", nonce="n", dcql_query=QUERY, now=NOW
    )
    ref = "https://rp.example/req/1"
    uri = vp.authorization_request_uri(client_id=client_id, request_uri=ref)
    # a broken signature
    h, p, s = jwt.split(".")
    with pytest.raises(VerificationError, match="signature"):
        await _resolve(uri, {ref: f"{h}.{p}.{s[:-4]}AAAA"})
    # signed by someone else but claiming rp's client_id
    _, mjwt = vp.build_request_object(
        mallory, response_uri="https://rp.example/cb", nonce="n", dcql_query=QUERY, now=NOW
    )
    with pytest.raises(VerificationError):
        await _resolve(uri, {ref: mjwt})
    # outer client_id differs from the signed one
    with pytest.raises(VerificationError, match="client_id"):
        await _resolve(
            vp.authorization_request_uri(
                client_id=f"decentralized_identifier:{mallory.did}", request_uri=ref
            ),
            {ref: jwt},
        )
    # expired
    _, old = vp.build_request_object(
        rp, response_uri="https://rp.example/cb", nonce="n", dcql_query=QUERY, now=NOW - timedelta(hours=1)
    )
    with pytest.raises(VerificationError, match="expired"):
        await _resolve(uri, {ref: old})
    # a DID client that does not sign
    plain = {
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": "https://rp.example/cb",
        "nonce": "n",
        "dcql_query": QUERY,
    }
    with pytest.raises(VerificationError, match="sign"):
        await _resolve(vp.authorization_request_uri(client_id=client_id, params=plain))
    # redirect_uri client whose id is not its response_uri
    with pytest.raises(VerificationError, match="response_uri"):
        await _resolve(
            vp.authorization_request_uri(client_id="redirect_uri:https://evil.example/cb", params=plain)
        )
    ok = await _resolve(
        vp.authorization_request_uri(client_id="redirect_uri:https://rp.example/cb", params=plain)
    )
    assert not ok.signed and ok.client_id_prefix == "redirect_uri"
    # unsupported prefixes and modes
    with pytest.raises(UnsupportedError):
        await _resolve(vp.authorization_request_uri(client_id="x509_san_dns:rp.example", params=plain))
    with pytest.raises(UnsupportedError):
        await _resolve(vp.authorization_request_uri(client_id="rp.example", params=plain))
    with pytest.raises(UnsupportedError):
        await _resolve(
            vp.authorization_request_uri(
                client_id="redirect_uri:https://rp.example/cb",
                params={**plain, "response_mode": "direct_post.jwt"},
            )
        )
    with pytest.raises(InvalidInput):
        await _resolve(
            vp.authorization_request_uri(
                client_id="redirect_uri:http://rp.example/cb",
                params={**plain, "response_uri": "http://rp.example/cb"},
            )
        )
    with pytest.raises(InvalidInput):
        await _resolve(
            vp.authorization_request_uri(
                client_id="redirect_uri:https://rp.example/cb", params={**plain, "nonce": ""}
            )
        )


@settings(max_examples=150, deadline=None)
@given(
    st.text(max_size=200),
    st.dictionaries(
        st.sampled_from(
            [
                "client_id",
                "response_type",
                "response_mode",
                "response_uri",
                "nonce",
                "dcql_query",
                "request",
                "state",
            ]
        ),
        st.text(max_size=40),
        max_size=6,
    ),
)
def test_request_uri_parser_total(text: str, params: dict[str, str]) -> None:
    import asyncio

    for uri in (text, vp.authorization_request_uri(client_id=text or "x", params=params)):
        try:
            parsed = vp.parse_authorization_request_uri(uri)
        except InvalidInput:
            continue
        with contextlib.suppress(DidkitError):
            asyncio.run(_resolve_params(parsed))


async def _resolve_params(params: dict[str, str]) -> None:
    async with _mock({}) as http:
        await vp.resolve_authorization_request(params, http=http, resolver=default_resolver(), now=NOW)


def test_direct_post_roundtrip() -> None:
    form = vp.direct_post_form({"pid": ["a~b~"]}, "s1")
    assert vp.parse_direct_post(form) == ({"pid": ["a~b~"]}, "s1")
    with pytest.raises(InvalidInput):
        vp.parse_direct_post({"vp_token": json.dumps({"pid": []})})


@pytest.mark.parametrize(
    "url", ["https://rp.example\U00053135f1/req", "https://\ud800.example/req", "https://exa mple.com/x"]
)
async def test_unencodable_request_uri_hosts_are_invalid_input(url: str) -> None:
    """Found by the fuzzer: httpx raised InvalidURL / UnicodeEncodeError from inside the fetch."""
    uri = (
        "openid4vp://?"
        + "client_id=decentralized_identifier%3Adid%3Akey%3Az&request_uri="
        + quote(url, safe=":/", errors="surrogatepass")
    )
    with pytest.raises(InvalidInput):
        await _resolve(uri)
    with pytest.raises(InvalidInput):
        vp.check_url(url, allow_loopback_http=False, what="x")


def test_token_request_must_be_a_form() -> None:
    """Found by the fuzzer: a JSON string reached ``.get``."""
    with pytest.raises(InvalidInput):
        vci.parse_token_request("grant_type")  # type: ignore[arg-type]
