"""Every malformed or malicious SD-JWT raises a specific error class and code.

Tokens are crafted by signing hand-made payloads with a real key, so the failure comes from the
rule under test and not from a broken signature.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from didkit_py._encoding import b64url_encode
from didkit_py.errors import DidkitError, InvalidInput, LimitExceeded, UnsupportedError, VerificationError
from didkit_py.keys import KeyType, generate_key, public_jwk
from didkit_py.suites.sd_jwt import (
    Disclosure,
    Limits,
    create_kb_jwt,
    issue_sd_jwt,
    parse_sd_jwt,
    present_sd_jwt,
    verify_sd_jwt,
)
from didkit_py.suites.sd_jwt._jws import sign_jws

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
ISSUER = generate_key(KeyType.P256)
HOLDER = generate_key(KeyType.P256)
AUD, NONCE = "https://verifier.example", "nonce-123"


def raw_disclosure(*arr: Any) -> Disclosure:
    """A Disclosure without the issuer-side checks (so reserved names can be forged)."""
    enc = b64url_encode(json.dumps(list(arr)).encode())
    return Disclosure.parse(enc)


def signed(
    payload: dict[str, Any], disclosures: list[Disclosure], header: dict[str, Any] | None = None
) -> str:
    jwt = sign_jws(header or {"typ": "example+sd-jwt"}, payload, ISSUER)
    return jwt + "~" + "".join(d.encoded + "~" for d in disclosures)


def expect(exc: type[DidkitError], code: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(exc) as ei:
        fn()
    assert ei.value.code == code, (ei.value.code, str(ei.value))


def verify(token: str, **kw: Any) -> Any:
    kw.setdefault("issuer_key", ISSUER)
    return verify_sd_jwt(token, now=NOW, **kw)


def bound_token() -> str:
    return issue_sd_jwt(
        {"cnf": {"jwk": public_jwk(HOLDER)}, "a": 1, "b": 2}, key=ISSUER, disclosable=["/a", "/b"], typ="x"
    )


# --------------------------------------------------------------------------- Disclosures


def test_disclosure_not_referenced() -> None:
    d = raw_disclosure("salt-1", "a", 1)
    stray = raw_disclosure("salt-2", "b", 2)
    token = signed({"_sd": [d.digest()]}, [d, stray])
    expect(VerificationError, "sd_jwt.unreferenced_disclosure", lambda: verify(token))


def test_duplicated_digest() -> None:
    d = raw_disclosure("salt-1", "a", 1)
    token = signed({"_sd": [d.digest()], "x": {"_sd": [d.digest()]}}, [d])
    expect(VerificationError, "sd_jwt.duplicate_digest", lambda: verify(token))
    token2 = signed({"_sd": [d.digest(), d.digest()]}, [])
    expect(VerificationError, "sd_jwt.duplicate_digest", lambda: verify(token2))


def test_same_disclosure_twice() -> None:
    d = raw_disclosure("salt-1", "a", 1)
    token = signed({"_sd": [d.digest()]}, [d, d])
    expect(VerificationError, "sd_jwt.duplicate_disclosure", lambda: verify(token))


@pytest.mark.parametrize("name", ["_sd", "..."])
def test_disclosure_for_reserved_claim_name(name: str) -> None:
    d = raw_disclosure("salt-1", name, ["x"])
    token = signed({"_sd": [d.digest()]}, [d])
    expect(VerificationError, "sd_jwt.reserved_name", lambda: verify(token))


def test_disclosure_for_existing_claim() -> None:
    d = raw_disclosure("salt-1", "a", 2)
    token = signed({"_sd": [d.digest()], "a": 1}, [d])
    expect(VerificationError, "sd_jwt.claim_exists", lambda: verify(token))


def test_array_disclosure_in_object_and_vice_versa() -> None:
    arr = raw_disclosure("salt-1", "v")
    expect(
        VerificationError, "sd_jwt.disclosure_shape", lambda: verify(signed({"_sd": [arr.digest()]}, [arr]))
    )
    obj = raw_disclosure("salt-2", "k", "v")
    expect(
        VerificationError,
        "sd_jwt.disclosure_shape",
        lambda: verify(signed({"l": [{"...": obj.digest()}]}, [obj])),
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"_sd": "not-an-array"},
        {"x": {"...": "abc"}},
        {"l": [{"...": "abc", "extra": 1}]},
        {"x": {"_sd_alg": "sha-256"}},
    ],
)
def test_reserved_key_misuse(payload: dict[str, Any]) -> None:
    expect(VerificationError, "sd_jwt.reserved_misuse", lambda: verify(signed(payload, [])))


def test_non_string_digest() -> None:
    expect(VerificationError, "sd_jwt.digest_type", lambda: verify(signed({"_sd": [1]}, [])))


@pytest.mark.parametrize(
    "enc",
    [
        b64url_encode(b'["s", "a"'),  # not JSON
        b64url_encode(b'["s"]'),  # one element
        b64url_encode(b'["s", "a", 1, 2]'),  # four
        b64url_encode(b'[1, "a", 1]'),  # salt not string
        b64url_encode(b'["s", 5, 1]'),  # name not string
        b64url_encode(b'{"s": 1}'),
        "not*base64",
    ],
)
def test_malformed_disclosure(enc: str) -> None:
    jwt = sign_jws({}, {"a": 1}, ISSUER)
    expect(InvalidInput, _code_of(enc), lambda: verify(jwt + "~" + enc + "~"))


def _code_of(enc: str) -> str:
    if enc == "not*base64":
        return "encoding.base64url"
    if enc == b64url_encode(b'["s", "a"'):
        return "json.syntax"
    return "sd_jwt.disclosure_shape"


def test_unknown_sd_alg() -> None:
    token = signed({"_sd_alg": "md5", "a": 1}, [])
    expect(UnsupportedError, "sd_jwt.sd_alg_unsupported", lambda: verify(token))


# --------------------------------------------------------------------------- JWS / JSON


def test_alg_none_and_hmac_are_refused() -> None:
    body = b64url_encode(json.dumps({"a": 1}).encode())
    for alg in ("none", "HS256"):
        hdr = b64url_encode(json.dumps({"alg": alg}).encode())
        expect(VerificationError, "jws.alg_forbidden", lambda h=hdr: verify(f"{h}.{body}.~"))


def test_tampered_signature_and_payload() -> None:
    token = issue_sd_jwt({"a": 1}, key=ISSUER, disclosable=["/a"])
    h, _, s = token.split("~")[0].split(".")
    other = b64url_encode(json.dumps({"a": 2}).encode())
    expect(VerificationError, "jws.signature", lambda: verify(f"{h}.{other}.{s}~"))
    expect(VerificationError, "jws.signature", lambda: verify(token, issuer_key=generate_key(KeyType.P256)))


def test_alg_does_not_match_key() -> None:
    token = issue_sd_jwt({"a": 1}, key=ISSUER)
    expect(
        VerificationError,
        "jws.alg_key_mismatch",
        lambda: verify(token, issuer_key=generate_key(KeyType.ED25519)),
    )


def test_duplicate_json_member() -> None:
    hdr = b64url_encode(b'{"alg":"ES256"}')
    body = b64url_encode(b'{"a":1,"a":2}')
    expect(InvalidInput, "json.duplicate_key", lambda: parse_sd_jwt(f"{hdr}.{body}.AA~"))


def test_not_an_sd_jwt() -> None:
    expect(InvalidInput, "sd_jwt.format", lambda: parse_sd_jwt("a.b.c"))
    expect(InvalidInput, "jws.format", lambda: parse_sd_jwt("abc~"))
    jwt = sign_jws({}, {"a": 1}, ISSUER)
    expect(InvalidInput, "sd_jwt.format", lambda: parse_sd_jwt(jwt + "~~"))


def test_typ_checked() -> None:
    token = issue_sd_jwt({"a": 1}, key=ISSUER, typ="other")
    expect(VerificationError, "sd_jwt.typ", lambda: verify(token, typ="example+sd-jwt"))


# --------------------------------------------------------------------------- size limits


def test_oversized_token() -> None:
    expect(LimitExceeded, "sd_jwt.too_large", lambda: parse_sd_jwt("a" * 2_000_000 + "~"))
    expect(
        LimitExceeded,
        "sd_jwt.too_large",
        lambda: parse_sd_jwt("a" * 200 + "~", limits=Limits(max_token_bytes=100)),
    )


def test_too_many_disclosures() -> None:
    token = issue_sd_jwt({"l": list(range(20))}, key=ISSUER, disclosable=[["l", None]])
    expect(
        LimitExceeded,
        "sd_jwt.too_many_disclosures",
        lambda: parse_sd_jwt(token, limits=Limits(max_disclosures=5)),
    )


def test_oversized_disclosure() -> None:
    token = issue_sd_jwt({"a": "x" * 5000}, key=ISSUER, disclosable=["/a"])
    expect(
        LimitExceeded,
        "sd_jwt.disclosure_too_large",
        lambda: parse_sd_jwt(token, limits=Limits(max_disclosure_bytes=1000)),
    )


def test_deep_json_is_refused() -> None:
    deep: Any = 1
    for _ in range(100):
        deep = {"a": deep}
    jwt = sign_jws({}, {"d": deep}, ISSUER)
    expect(LimitExceeded, "json.depth", lambda: parse_sd_jwt(jwt + "~"))


# --------------------------------------------------------------------------- Key Binding


def present(token: str, **kw: Any) -> str:
    args: dict[str, Any] = {"holder_key": HOLDER, "aud": AUD, "nonce": NONCE, "iat": NOW, **kw}
    return present_sd_jwt(token, reveal=["/a"], **args)


def verify_kb(pres: str, **kw: Any) -> Any:
    args: dict[str, Any] = {"require_kb": True, "aud": AUD, "nonce": NONCE, **kw}
    return verify(pres, **args)


def test_kb_good() -> None:
    v = verify_kb(present(bound_token()))
    assert v.claims["a"] == 1 and "b" not in v.claims


def test_kb_other_audience() -> None:
    expect(VerificationError, "kb.aud", lambda: verify_kb(present(bound_token(), aud="https://evil.example")))


def test_kb_other_nonce() -> None:
    expect(VerificationError, "kb.nonce", lambda: verify_kb(present(bound_token(), nonce="other")))


def test_kb_stale_and_future_iat() -> None:
    stale = present(bound_token(), iat=NOW - timedelta(minutes=30))
    expect(VerificationError, "kb.iat_stale", lambda: verify_kb(stale))
    future = present(bound_token(), iat=NOW + timedelta(minutes=30))
    expect(VerificationError, "kb.iat_future", lambda: verify_kb(future))


def test_kb_swapped_sd_hash() -> None:
    token = bound_token()
    pres_a = present_sd_jwt(token, reveal=["/a"], holder_key=HOLDER, aud=AUD, nonce=NONCE, iat=NOW)
    pres_b = present_sd_jwt(token, reveal=["/b"], holder_key=HOLDER, aud=AUD, nonce=NONCE, iat=NOW)
    kb_a = pres_a.rsplit("~", 1)[1]
    body_b = pres_b.rsplit("~", 1)[0] + "~"
    expect(VerificationError, "kb.sd_hash", lambda: verify_kb(body_b + kb_a))
    # dropping a Disclosure from a bound presentation breaks sd_hash too
    parts = pres_a.split("~")
    expect(VerificationError, "kb.sd_hash", lambda: verify_kb(parts[0] + "~" + parts[-1]))


def test_kb_wrong_typ_and_wrong_key() -> None:
    token = bound_token()
    body = present_sd_jwt(token, reveal=["/a"])
    bad_typ = sign_jws(
        {"typ": "JWT"}, {"iat": int(NOW.timestamp()), "aud": AUD, "nonce": NONCE, "sd_hash": "x"}, HOLDER
    )
    expect(VerificationError, "kb.typ", lambda: verify_kb(body + bad_typ))
    other = generate_key(KeyType.P256)
    kb = create_kb_jwt(body, holder_key=other, aud=AUD, nonce=NONCE, iat=NOW)
    expect(VerificationError, "jws.signature", lambda: verify_kb(body + kb))


def test_kb_missing_when_required() -> None:
    expect(VerificationError, "kb.missing", lambda: verify_kb(present_sd_jwt(bound_token(), reveal=["/a"])))


def test_kb_without_cnf() -> None:
    token = issue_sd_jwt({"a": 1}, key=ISSUER, disclosable=["/a"])
    pres = present_sd_jwt(token, holder_key=HOLDER, aud=AUD, nonce=NONCE, iat=NOW)
    expect(VerificationError, "kb.no_cnf", lambda: verify_kb(pres))


def test_kb_claims_missing() -> None:
    body = present_sd_jwt(bound_token(), reveal=["/a"])
    kb = sign_jws({"typ": "kb+jwt"}, {"iat": int(NOW.timestamp()), "aud": AUD}, HOLDER)
    expect(VerificationError, "kb.claim_missing", lambda: verify_kb(body + kb))


def test_present_refuses_already_bound() -> None:
    pres = present(bound_token())
    expect(InvalidInput, "sd_jwt.kb_present", lambda: present_sd_jwt(pres))
