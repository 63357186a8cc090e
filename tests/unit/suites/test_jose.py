"""vc+jwt / vp+jwt (VC-JOSE-COSE): issue, verify, and reject every kind of bad token precisely."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py._encoding import b64url_decode, b64url_encode
from didkit_py.credentials import (
    BASE_CONTEXT_V2,
    Signer,
    build_presentation,
    issue,
    present,
    signer_for_key,
    verify,
)
from didkit_py.credentials.model import Limits
from didkit_py.did import Resolver, default_resolver
from didkit_py.errors import (
    DidkitError,
    InvalidInput,
    LimitExceeded,
    NotFound,
    UnsupportedError,
    VerificationError,
)
from didkit_py.keys import KeyPair, KeyType, generate_key, sign
from didkit_py.suites.jose import (
    FORMAT,
    encode_compact_jws,
    issue_vc_jwt,
    issue_vp_jwt,
    parse_compact_jws,
    verify_jwt,
)

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def issuer() -> Signer:
    return signer_for_key(generate_key(KeyType.ED25519))


@pytest.fixture(scope="module")
def holder() -> Signer:
    return signer_for_key(generate_key(KeyType.P256))


@pytest.fixture(scope="module")
def other() -> Signer:
    return signer_for_key(generate_key(KeyType.ED25519))


@pytest.fixture
def resolver() -> Resolver:
    return default_resolver()


def credential(issuer_id: str, subject: str = "did:example:alice", **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [BASE_CONTEXT_V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:0b7d4c6e-2f4b-4a8e-9a51-5f0f0d1c2b3a",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer_id,
        "validFrom": "2025-06-01T00:00:00Z",
        "validUntil": "2030-06-01T00:00:00Z",
        "credentialSubject": {"id": subject, "degree": {"type": "BachelorDegree", "name": "BSc"}},
    }
    for key, value in changes.items():
        key = key.replace("__", "@")
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def raw_jws(
    header: dict[str, Any], payload: Any, key: KeyPair | None, *, payload_bytes: bytes | None = None
) -> str:
    """A compact JWS with exactly this header, signed with ``key`` regardless of ``alg``."""
    h = b64url_encode(json.dumps(header).encode())
    p = b64url_encode(payload_bytes if payload_bytes is not None else json.dumps(payload).encode())
    sig = b64url_encode(sign(key, f"{h}.{p}".encode())) if key is not None else ""
    return f"{h}.{p}.{sig}"


def header_for(signer: Signer, **changes: Any) -> dict[str, Any]:
    alg = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256", KeyType.SECP256K1: "ES256K"}[signer.key.key_type]
    h: dict[str, Any] = {"alg": alg, "kid": signer.verification_method, "typ": "vc+jwt", "cty": "vc"}
    for key, value in changes.items():
        if value is None:
            h.pop(key, None)
        else:
            h[key] = value
    return h


# --------------------------------------------------------------------------------------------
# Round trips


@pytest.mark.parametrize("key_type", [KeyType.ED25519, KeyType.P256, KeyType.SECP256K1])
@pytest.mark.parametrize("method", ["key", "jwk"])
async def test_issue_and_verify_round_trip(key_type: KeyType, method: str, resolver: Resolver) -> None:
    signer = signer_for_key(generate_key(key_type), method=method)  # type: ignore[arg-type]
    token = issue_vc_jwt(credential(signer.did), key=signer.key, kid=signer.verification_method, now=NOW)
    jws = parse_compact_jws(token)
    assert jws.header == {
        "alg": header_for(signer)["alg"],
        "kid": signer.verification_method,
        "typ": "vc+jwt",
        "cty": "vc",
    }
    # The payload is the credential itself, plus registered claims restating it.
    assert jws.payload["issuer"] == signer.did and "vc" not in jws.payload
    assert jws.payload["iss"] == signer.did and jws.payload["jti"] == credential(signer.did)["id"]
    assert jws.payload["sub"] == "did:example:alice" and jws.payload["iat"] == int(NOW.timestamp())
    assert jws.payload["nbf"] == int(datetime(2025, 6, 1, tzinfo=UTC).timestamp())
    result = await verify_jwt(token, resolver=resolver, now=NOW)
    assert (
        result.kind == "credential"
        and result.signer == signer.did
        and result.kid == signer.verification_method
    )
    assert result.document["credentialSubject"]["degree"]["name"] == "BSc"


async def test_minimal_credential_without_registered_claims(issuer: Signer, resolver: Resolver) -> None:
    doc = credential(issuer.did, id=None, validFrom=None, validUntil=None)
    token = issue_vc_jwt(
        doc, key=issuer.key, kid=issuer.verification_method, now=NOW, registered_claims=False
    )
    assert set(parse_compact_jws(token).payload) == set(doc)
    assert (await verify_jwt(token, resolver=resolver, now=NOW)).signer == issuer.did


async def test_relative_kid_accepted(issuer: Signer, resolver: Resolver) -> None:
    fragment = "#" + issuer.verification_method.split("#", 1)[1]
    token = raw_jws(header_for(issuer, kid=fragment), credential(issuer.did), issuer.key)
    assert (await verify_jwt(token, resolver=resolver, now=NOW)).kid == issuer.verification_method


async def test_presentation_round_trip(issuer: Signer, holder: Signer, resolver: Resolver) -> None:
    vc = issue(credential(issuer.did, subject=holder.did), signer=issuer, now=NOW)
    vp = present([vc], signer=holder, now=NOW, challenge="n-0S6_WzA2Mj", domain="https://verifier.example")
    assert isinstance(vp, str)
    jws = parse_compact_jws(vp)
    assert jws.header["typ"] == "vp+jwt" and jws.header["cty"] == "vp"
    assert jws.payload["nonce"] == "n-0S6_WzA2Mj" and jws.payload["aud"] == "https://verifier.example"
    entry = jws.payload["verifiableCredential"][0]
    assert entry == {
        "@context": BASE_CONTEXT_V2,
        "id": f"data:application/vc+jwt,{vc}",
        "type": "EnvelopedVerifiableCredential",
    }
    result = await verify(
        vp, resolver=resolver, now=NOW, challenge="n-0S6_WzA2Mj", domain="https://verifier.example"
    )
    assert result.verified, result.errors
    assert result.kind == "presentation" and result.signer == holder.did
    assert [c.signer for c in result.credentials] == [issuer.did]
    assert {c.name for c in result.checks} >= {
        "signature",
        "challenge",
        "domain",
        "credential /verifiableCredential/0",
    }


async def test_verify_accepts_json_string_and_enveloped_object(issuer: Signer, resolver: Resolver) -> None:
    vc = issue(credential(issuer.did), signer=issuer, now=NOW)
    assert (await verify(json.dumps(vc) + "\n", resolver=resolver, now=NOW)).verified
    enveloped = build_presentation([vc], holder="did:example:x")["verifiableCredential"][0]
    assert (await verify(enveloped, resolver=resolver, now=NOW)).verified


def test_detect() -> None:
    assert FORMAT.detect("a.b.c") and not FORMAT.detect("a.b.c~d~") and not FORMAT.detect({"proof": {}})


# --------------------------------------------------------------------------------------------
# Bad tokens: each case builds a token and names the exact error class and code.

Case = tuple[str, Callable[[Signer, Signer, Signer], str], type[DidkitError], str]


def _tok(issuer: Signer, **header: Any) -> str:
    return raw_jws(header_for(issuer, **header), credential(issuer.did), issuer.key)


def _good(issuer: Signer) -> str:
    return issue_vc_jwt(credential(issuer.did), key=issuer.key, kid=issuer.verification_method, now=NOW)


def _flip(token: str, part: int) -> str:
    parts = token.split(".")
    raw = bytearray(b64url_decode(parts[part]))
    raw[len(raw) // 2] ^= 0x01
    parts[part] = b64url_encode(bytes(raw))
    return ".".join(parts)


def _swap_payload(token: str, payload: dict[str, Any]) -> str:
    h, _, s = token.split(".")
    return f"{h}.{b64url_encode(json.dumps(payload).encode())}.{s}"


def _cred(i: Signer, **changes: Any) -> str:
    return raw_jws(header_for(i), credential(i.did, **changes), i.key)


BAD: list[Case] = [
    ("truncated to two parts", lambda i, h, o: ".".join(_good(i).split(".")[:2]), InvalidInput, "jwt.parts"),
    ("truncated mid-signature", lambda i, h, o: _good(i)[:-10], VerificationError, "jwt.signature"),
    ("four parts", lambda i, h, o: _good(i) + ".x", InvalidInput, "jwt.parts"),
    ("five parts (JWE)", lambda i, h, o: "a.b.c.d.e", UnsupportedError, "jwt.jwe"),
    ("padded header", lambda i, h, o: _good(i).replace(".", "=.", 1), InvalidInput, "jwt.header_encoding"),
    (
        "header not JSON",
        lambda i, h, o: "bm90IGpzb24." + _good(i).split(".", 1)[1],
        InvalidInput,
        "jwt.header_json",
    ),
    (
        "header is an array",
        lambda i, h, o: b64url_encode(b"[1]") + "." + _good(i).split(".", 1)[1],
        InvalidInput,
        "jwt.header_type",
    ),
    (
        "header repeats alg",
        lambda i, h, o: b64url_encode(b'{"alg":"EdDSA","alg":"none"}') + "." + _good(i).split(".", 1)[1],
        InvalidInput,
        "jwt.header_json",
    ),
    (
        "payload not JSON",
        lambda i, h, o: raw_jws(header_for(i), None, i.key, payload_bytes=b"\xff\x00"),
        InvalidInput,
        "jwt.payload_json",
    ),
    (
        "payload is a string",
        lambda i, h, o: raw_jws(header_for(i), "hello", i.key),
        InvalidInput,
        "jwt.payload_type",
    ),
    (
        "alg none",
        lambda i, h, o: raw_jws(header_for(i, alg="none"), credential(i.did), None),
        VerificationError,
        "jwt.alg_none",
    ),
    (
        "alg NONE",
        lambda i, h, o: raw_jws(header_for(i, alg="NONE"), credential(i.did), None),
        VerificationError,
        "jwt.alg_none",
    ),
    ("alg HS256", lambda i, h, o: _tok(i, alg="HS256"), UnsupportedError, "jwt.alg_unsupported"),
    ("alg missing", lambda i, h, o: _tok(i, alg=None), InvalidInput, "jwt.alg_missing"),
    (
        "alg ES256 on an Ed25519 key",
        lambda i, h, o: _tok(i, alg="ES256"),
        VerificationError,
        "jwt.alg_mismatch",
    ),
    (
        "unknown crit",
        lambda i, h, o: _tok(i, crit=["exp2"], exp2=1),
        VerificationError,
        "jwt.crit_unsupported",
    ),
    (
        "crit names a registered header",
        lambda i, h, o: _tok(i, crit=["alg"]),
        InvalidInput,
        "jwt.crit_malformed",
    ),
    ("crit empty", lambda i, h, o: _tok(i, crit=[]), InvalidInput, "jwt.crit_malformed"),
    ("b64 false", lambda i, h, o: _tok(i, b64=False), UnsupportedError, "jwt.b64"),
    ("kid missing", lambda i, h, o: _tok(i, kid=None), InvalidInput, "jwt.kid_missing"),
    ("kid not a DID URL", lambda i, h, o: _tok(i, kid="key-1"), InvalidInput, "jwt.kid_invalid"),
    (
        "kid of another DID",
        lambda i, h, o: _tok(i, kid=o.verification_method),
        VerificationError,
        "jwt.kid_mismatch",
    ),
    ("kid with unknown fragment", lambda i, h, o: _tok(i, kid=i.did + "#nope"), NotFound, "notFound"),
    (
        "signed by another key",
        lambda i, h, o: raw_jws(header_for(i), credential(i.did), o.key),
        VerificationError,
        "jwt.signature",
    ),
    (
        "payload tampered",
        lambda i, h, o: _swap_payload(
            _good(i), {**credential(i.did), "credentialSubject": {"id": "did:example:mallory"}}
        ),
        VerificationError,
        "jwt.signature",
    ),
    ("signature bit flipped", lambda i, h, o: _flip(_good(i), 2), VerificationError, "jwt.signature"),
    ("signature empty", lambda i, h, o: _good(i).rsplit(".", 1)[0] + ".", VerificationError, "jwt.signature"),
    ("typ JWT", lambda i, h, o: _tok(i, typ="JWT"), InvalidInput, "jwt.typ"),
    ("cty vp with typ vc+jwt", lambda i, h, o: _tok(i, cty="vp"), InvalidInput, "jwt.cty"),
    (
        "credential expired",
        lambda i, h, o: _cred(i, validFrom="2020-01-01T00:00:00Z", validUntil="2021-01-01T00:00:00Z"),
        VerificationError,
        "credential.expired",
    ),
    (
        "credential not yet valid",
        lambda i, h, o: _cred(i, validFrom="2030-01-01T00:00:00Z"),
        VerificationError,
        "credential.not_yet_valid",
    ),
    (
        "exp in the past",
        lambda i, h, o: raw_jws(header_for(i), {**credential(i.did), "exp": 1_600_000_000}, i.key),
        VerificationError,
        "jwt.expired",
    ),
    (
        "nbf in the future",
        lambda i, h, o: raw_jws(header_for(i), {**credential(i.did), "nbf": 2_000_000_000}, i.key),
        VerificationError,
        "jwt.not_yet_valid",
    ),
    (
        "iat in the future",
        lambda i, h, o: raw_jws(header_for(i), {**credential(i.did), "iat": 2_000_000_000}, i.key),
        VerificationError,
        "jwt.iat_future",
    ),
    (
        "exp not a number",
        lambda i, h, o: raw_jws(header_for(i), {**credential(i.did), "exp": "tomorrow"}, i.key),
        InvalidInput,
        "jwt.claim_type",
    ),
    (
        "missing @context",
        lambda i, h, o: _cred(i, __context=None),
        InvalidInput,
        "credential.context_missing",
    ),
    (
        "wrong @context order",
        lambda i, h, o: _cred(
            i, __context=["https://www.w3.org/ns/credentials/examples/v2", BASE_CONTEXT_V2]
        ),
        InvalidInput,
        "credential.context_order",
    ),
    (
        "wrong types",
        lambda i, h, o: _cred(i, type=["ExampleDegreeCredential"]),
        InvalidInput,
        "credential.type_base",
    ),
    ("issuer missing", lambda i, h, o: _cred(i, issuer=None), InvalidInput, "credential.issuer_missing"),
    (
        "validUntil before validFrom",
        lambda i, h, o: _cred(i, validUntil="2025-01-01T00:00:00Z"),
        InvalidInput,
        "credential.validity_order",
    ),
    (
        "VC-JWT 1.1 vc claim",
        lambda i, h, o: raw_jws(header_for(i), {**credential(i.did), "vc": {}}, i.key),
        InvalidInput,
        "jwt.legacy_claim",
    ),
    (
        "iss differs from issuer",
        lambda i, h, o: raw_jws(header_for(i), {**credential(i.did), "iss": o.did}, i.key),
        VerificationError,
        "jwt.iss_mismatch",
    ),
    (
        "jti differs from id",
        lambda i, h, o: raw_jws(header_for(i), {**credential(i.did), "jti": "urn:x:other"}, i.key),
        VerificationError,
        "jwt.jti_mismatch",
    ),
    (
        "issuer is not a DID",
        lambda i, h, o: _cred(i, issuer="https://university.example"),
        UnsupportedError,
        "jwt.signer_not_did",
    ),
    ("issuer is another DID", lambda i, h, o: _cred(i, issuer=o.did), VerificationError, "jwt.kid_mismatch"),
    ("oversized token", lambda i, h, o: "e" * 3_000_000, LimitExceeded, "jwt.too_large"),
    ("not a string", lambda i, h, o: 42, InvalidInput, "jwt.type"),  # type: ignore[return-value,arg-type]
]


@pytest.mark.parametrize(("make", "cls", "code"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
async def test_bad_vc_jwt(
    make: Callable[[Signer, Signer, Signer], str],
    cls: type[DidkitError],
    code: str,
    issuer: Signer,
    holder: Signer,
    other: Signer,
    resolver: Resolver,
) -> None:
    token = make(issuer, holder, other)
    with pytest.raises(cls) as info:
        await verify_jwt(token, resolver=resolver, now=NOW)
    assert type(info.value) is cls
    assert info.value.code == code


async def test_key_agreement_key_is_not_an_assertion_method(resolver: Resolver) -> None:
    """did:key Ed25519 documents also list an X25519 keyAgreement key; it must not sign."""
    signer = signer_for_key(generate_key(KeyType.ED25519))
    doc = (await resolver.resolve(signer.did)).document
    x_kid = doc["keyAgreement"][0]
    x_kid = x_kid if isinstance(x_kid, str) else x_kid["id"]
    x_kid = signer.did + x_kid if x_kid.startswith("#") else x_kid
    token = raw_jws(header_for(signer, kid=x_kid), credential(signer.did), signer.key)
    with pytest.raises(VerificationError) as info:
        await verify_jwt(token, resolver=resolver, now=NOW)
    assert info.value.code == "jwt.vm_relationship"


async def test_skew_is_configurable(issuer: Signer, resolver: Resolver) -> None:
    token = raw_jws(
        header_for(issuer), {**credential(issuer.did), "nbf": int(NOW.timestamp()) + 30}, issuer.key
    )
    await verify_jwt(token, resolver=resolver, now=NOW)  # default skew 60 s
    with pytest.raises(VerificationError):
        await verify_jwt(token, resolver=resolver, now=NOW, skew=timedelta(seconds=10))


async def test_expect_presentation_rejects_credential(issuer: Signer, resolver: Resolver) -> None:
    with pytest.raises(InvalidInput) as info:
        await verify_jwt(_good(issuer), resolver=resolver, now=NOW, expect="presentation")
    assert info.value.code == "jwt.kind"


# --------------------------------------------------------------------------------------------
# Presentations


def _vp(holder: Signer, vc: str, **claims: Any) -> str:
    return issue_vp_jwt(
        build_presentation([vc], holder=holder.did),
        key=holder.key,
        kid=holder.verification_method,
        now=NOW,
        **claims,
    )


async def test_vp_wrong_challenge(issuer: Signer, holder: Signer, resolver: Resolver) -> None:
    vp = _vp(holder, _good(issuer), challenge="abc", domain="d")
    for challenge, domain, code in (("abd", "d", "vp.challenge"), ("abc", "e", "vp.domain")):
        with pytest.raises(VerificationError) as info:
            await verify_jwt(vp, resolver=resolver, now=NOW, challenge=challenge, domain=domain)
        assert info.value.code == code
    no_nonce = _vp(holder, _good(issuer))
    with pytest.raises(VerificationError) as info:
        await verify_jwt(no_nonce, resolver=resolver, now=NOW, challenge="abc")
    assert info.value.code == "vp.challenge"


async def test_vp_expired(issuer: Signer, holder: Signer, resolver: Resolver) -> None:
    vp = _vp(holder, _good(issuer), challenge="abc")
    with pytest.raises(VerificationError) as info:
        await verify_jwt(vp, resolver=resolver, now=NOW + timedelta(hours=1), challenge="abc")
    assert info.value.code == "jwt.expired"


async def test_vp_signed_by_someone_else_than_holder(
    issuer: Signer, holder: Signer, other: Signer, resolver: Resolver
) -> None:
    vp_doc = build_presentation([_good(issuer)], holder=holder.did)
    token = raw_jws({"alg": "EdDSA", "kid": other.verification_method, "typ": "vp+jwt"}, vp_doc, other.key)
    with pytest.raises(VerificationError) as info:
        await verify_jwt(token, resolver=resolver, now=NOW)
    assert info.value.code == "jwt.kid_mismatch"


def test_vp_issue_refuses_foreign_holder(issuer: Signer, holder: Signer) -> None:
    with pytest.raises(InvalidInput) as info:
        issue_vp_jwt(
            build_presentation([_good(issuer)], holder=issuer.did),
            key=holder.key,
            kid=holder.verification_method,
            now=NOW,
        )
    assert info.value.code == "issue.signer_mismatch"


def test_issue_refuses_foreign_issuer(issuer: Signer, other: Signer) -> None:
    with pytest.raises(InvalidInput) as info:
        issue(credential(other.did), signer=issuer, now=NOW)
    assert info.value.code == "issue.signer_mismatch"


def test_issue_refuses_invalid_credential(issuer: Signer) -> None:
    with pytest.raises(InvalidInput) as info:
        issue(credential(issuer.did, credentialSubject=None), signer=issuer, now=NOW)
    assert info.value.code == "credential.subject_missing"


async def test_vp_with_tampered_credential_fails(issuer: Signer, holder: Signer, resolver: Resolver) -> None:
    vc = _good(issuer)
    h, p, s = vc.split(".")
    payload = json.loads(b64url_decode(p))
    payload["credentialSubject"]["degree"]["name"] = "PhD"
    forged = f"{h}.{b64url_encode(json.dumps(payload).encode())}.{s}"
    vp = present([forged], signer=holder, now=NOW, challenge="c")
    result = await verify(vp, resolver=resolver, now=NOW, challenge="c")
    assert not result.verified
    assert result.errors[0].code == "jwt.signature"
    failed = [c for c in result.checks if not c.passed]
    assert [c.name for c in failed] == ["credential /verifiableCredential/0"]
    # The presentation's own signature is fine; only the credential inside failed.
    assert next(c for c in result.checks if c.name == "signature").passed


async def test_vp_nested_presentation_rejected(holder: Signer, resolver: Resolver) -> None:
    inner = present([], signer=holder, now=NOW)
    vp_doc = {
        "@context": [BASE_CONTEXT_V2],
        "type": "VerifiablePresentation",
        "holder": holder.did,
        "verifiableCredential": [
            {"id": f"data:application/vc+jwt,{inner}", "type": "EnvelopedVerifiableCredential"}
        ],
    }
    vp = issue(vp_doc, signer=holder, now=NOW)
    result = await verify(vp, resolver=resolver, now=NOW)
    assert not result.verified and result.errors[0].code == "jwt.kind"


async def test_verify_never_raises_for_bad_tokens(
    issuer: Signer, holder: Signer, other: Signer, resolver: Resolver
) -> None:
    """The entry point reports failures in the result instead of raising (module docstring)."""
    for name, make, cls, code in BAD:
        token = make(issuer, holder, other)
        if not isinstance(token, str) or token == "e" * 3_000_000:
            continue
        result = await verify(token, resolver=resolver, now=NOW)
        assert not result.verified, name
        assert type(result.errors[0]) is cls and result.errors[0].code == code, name
        assert result.checks and not result.checks[-1].passed and result.checks[-1].code == code, name


async def test_verify_raises_only_for_unreadable_input(resolver: Resolver) -> None:
    with pytest.raises(InvalidInput):
        await verify("", resolver=resolver, now=NOW)
    with pytest.raises(InvalidInput):
        await verify('{"a": 1,', resolver=resolver, now=NOW)
    with pytest.raises(InvalidInput) as info:
        await verify({"no": "proof"}, resolver=resolver, now=NOW)
    assert info.value.code == "format.unrecognized"
    with pytest.raises(LimitExceeded):
        await verify("x" * 5_000_000, resolver=resolver, now=NOW)
    with pytest.raises(UnsupportedError):
        await verify("a.b.c", resolver=resolver, now=NOW, format="nope")


# --------------------------------------------------------------------------------------------
# Parsers never fail with anything but our errors.


@settings(max_examples=300)
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_parse_compact_jws_random_text(text: str) -> None:
    with contextlib.suppress(DidkitError):
        parse_compact_jws(text)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    max_leaves=15,
)


@settings(max_examples=150)
@given(
    st.dictionaries(st.sampled_from(["alg", "kid", "typ", "cty", "crit", "b64", "x"]), _json, max_size=5),
    st.one_of(_json, st.binary(max_size=40)),
    st.binary(max_size=70),
)
async def test_verify_jwt_random_parts(header: dict[str, Any], payload: Any, sig: bytes) -> None:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    token = f"{b64url_encode(json.dumps(header).encode())}.{b64url_encode(body)}.{b64url_encode(sig)}"
    with contextlib.suppress(DidkitError):
        await verify_jwt(token, resolver=default_resolver(), now=NOW, limits=Limits())


def test_encode_refuses_alg_key_mismatch(issuer: Signer) -> None:
    with pytest.raises(InvalidInput):
        encode_compact_jws({"alg": "ES256"}, {}, issuer.key)


async def test_vp_with_unsecured_embedded_credential_fails(
    holder: Signer, issuer: Signer, resolver: Resolver
) -> None:
    vp_doc = {
        "@context": [BASE_CONTEXT_V2],
        "type": "VerifiablePresentation",
        "holder": holder.did,
        "verifiableCredential": [credential(issuer.did)],  # no proof: nothing vouches for it
    }
    vp = issue(vp_doc, signer=holder, now=NOW)
    result = await verify(vp, resolver=resolver, now=NOW)
    assert not result.verified and result.errors[0].code == "format.unrecognized"
    assert [c.name for c in result.checks if not c.passed] == ["credential /verifiableCredential/0"]


async def test_vc_1_1_payload_verifies_with_a_warning(issuer: Signer, resolver: Resolver) -> None:
    doc = credential(
        issuer.did,
        __context=["https://www.w3.org/2018/credentials/v1"],
        validFrom=None,
        validUntil=None,
        issuanceDate="2025-01-01T00:00:00Z",
    )
    token = raw_jws(header_for(issuer), doc, issuer.key)
    result = await verify(token, resolver=resolver, now=NOW)
    assert result.verified
    assert any("1.1" in w for w in result.warnings)
