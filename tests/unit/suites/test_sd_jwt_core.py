"""SD-JWT issue → present → verify round trips (RFC 9901)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from didkit_py.errors import InvalidInput, UnsupportedError
from didkit_py.keys import KeyType, generate_key
from didkit_py.suites.sd_jwt import (
    Disclosure,
    normalize_claim_path,
    parse_sd_jwt,
    present_sd_jwt,
    sd_jwt_payload,
    verify_sd_jwt,
)

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)

CLAIMS: dict[str, Any] = {
    "iss": "https://issuer.example",
    "iat": int(NOW.timestamp()) - 10,
    "credentialSubject": {
        "given_name": "Erika",
        "birthdate": "1964-08-12",
        "address": {"street": "Heidestraße 17", "locality": "Köln", "country": "DE"},
        "nationalities": ["DE", "FR", "IT"],
    },
}
PATHS: list[Any] = [
    "/credentialSubject/given_name",
    "/credentialSubject/birthdate",
    ["credentialSubject", "address", "street"],
    ["credentialSubject", "address", "locality"],
    "/credentialSubject/address",
    ["credentialSubject", "nationalities", None],
]


@pytest.fixture(scope="module")
def issuer() -> Any:
    return generate_key(KeyType.P256)


@pytest.fixture(scope="module")
def holder() -> Any:
    return generate_key(KeyType.P256)


def _issue(issuer: Any, holder: Any | None = None, **kw: Any) -> str:
    from didkit_py.keys import public_jwk
    from didkit_py.suites.sd_jwt import issue_sd_jwt

    claims = dict(CLAIMS)
    if holder is not None:
        claims["cnf"] = {"jwk": public_jwk(holder)}
    return issue_sd_jwt(claims, key=issuer, disclosable=PATHS, typ="example+sd-jwt", **kw)


@pytest.mark.parametrize("kt", [KeyType.ED25519, KeyType.P256, KeyType.SECP256K1])
def test_round_trip_all_disclosed(kt: KeyType) -> None:
    key = generate_key(kt)
    token = _issue(key)
    v = verify_sd_jwt(token, issuer_key=key, now=NOW, typ="example+sd-jwt")
    assert v.claims == CLAIMS
    assert (
        parse_sd_jwt(token).header["alg"] == {"Ed25519": "EdDSA", "P-256": "ES256", "secp256k1": "ES256K"}[kt]
    )


def test_payload_hides_disclosable_claims(issuer: Any) -> None:
    payload = parse_sd_jwt(_issue(issuer)).payload
    text = json.dumps(payload, ensure_ascii=False)
    # quoted, so that a random digest that happens to contain the letters cannot match
    for secret in ('"Erika"', '"1964-08-12"', '"Heidestraße 17"', '"FR"', '"given_name"', '"birthdate"'):
        assert secret not in text
    assert payload["_sd_alg"] == "sha-256"
    assert [set(e) for e in payload["credentialSubject"]["nationalities"]] == [{"..."}] * 3


def test_recursive_nested_reveal_pulls_parent_only(issuer: Any, holder: Any) -> None:
    token = _issue(issuer, holder)
    pres = present_sd_jwt(
        token,
        reveal=[["credentialSubject", "address", "street"]],
        holder_key=holder,
        aud="https://verifier.example",
        nonce="n-1",
        iat=NOW,
    )
    v = verify_sd_jwt(
        pres, issuer_key=issuer, now=NOW, require_kb=True, aud="https://verifier.example", nonce="n-1"
    )
    # country is not disclosable: it comes with its parent
    assert v.claims["credentialSubject"]["address"] == {"street": "Heidestraße 17", "country": "DE"}
    assert "given_name" not in v.claims["credentialSubject"]
    assert v.claims["credentialSubject"]["nationalities"] == []
    assert v.kb_payload is not None and v.kb_payload["aud"] == "https://verifier.example"


def test_reveal_parent_reveals_subtree(issuer: Any) -> None:
    pres = present_sd_jwt(_issue(issuer), reveal=["/credentialSubject/address"])
    v = verify_sd_jwt(pres, issuer_key=issuer, now=NOW)
    assert v.claims["credentialSubject"]["address"] == CLAIMS["credentialSubject"]["address"]


def test_reveal_array_element_and_wildcard(issuer: Any) -> None:
    token = _issue(issuer)
    one = verify_sd_jwt(
        present_sd_jwt(token, reveal=["/credentialSubject/nationalities/1"]), issuer_key=issuer, now=NOW
    )
    assert one.claims["credentialSubject"]["nationalities"] == ["FR"]
    every = verify_sd_jwt(
        present_sd_jwt(token, reveal=[["credentialSubject", "nationalities", None]]),
        issuer_key=issuer,
        now=NOW,
    )
    assert every.claims["credentialSubject"]["nationalities"] == ["DE", "FR", "IT"]


def test_reveal_nothing_and_always_visible(issuer: Any) -> None:
    token = _issue(issuer)
    v = verify_sd_jwt(present_sd_jwt(token, reveal=["/iss"]), issuer_key=issuer, now=NOW)
    assert v.claims == {
        "iss": CLAIMS["iss"],
        "iat": CLAIMS["iat"],
        "credentialSubject": {"nationalities": []},
    }
    assert v.disclosed_paths == ()


def test_reveal_unknown_path_is_refused(issuer: Any) -> None:
    with pytest.raises(InvalidInput) as ei:
        present_sd_jwt(_issue(issuer), reveal=["/credentialSubject/shoe_size"])
    assert ei.value.code == "sd_jwt.path_not_found"


def test_issue_unknown_path_is_refused(issuer: Any) -> None:
    with pytest.raises(InvalidInput) as ei:
        sd_jwt_payload(CLAIMS, ["/credentialSubject/nope"])
    assert ei.value.code == "sd_jwt.path_not_found"


def test_issue_refuses_reserved_claim_names() -> None:
    with pytest.raises(InvalidInput) as ei:
        sd_jwt_payload({"a": {"_sd": 1}}, [])
    assert ei.value.code == "sd_jwt.reserved_name"
    with pytest.raises(InvalidInput):
        sd_jwt_payload({"...": 1}, [])


def test_issue_unknown_hash_alg() -> None:
    with pytest.raises(UnsupportedError) as ei:
        sd_jwt_payload({"a": 1}, ["/a"], hash_alg="md5")
    assert ei.value.code == "sd_jwt.sd_alg_unsupported"


def test_decoys_are_added_and_ignored(issuer: Any) -> None:
    from didkit_py.suites.sd_jwt import issue_sd_jwt

    token = issue_sd_jwt({"a": 1, "b": 2}, key=issuer, disclosable=["/a"], decoys=4)
    parsed = parse_sd_jwt(token)
    assert len(parsed.payload["_sd"]) == 5 and len(parsed.disclosures) == 1
    assert parsed.payload["_sd"] == sorted(parsed.payload["_sd"])
    assert verify_sd_jwt(token, issuer_key=issuer, now=NOW).claims == {"a": 1, "b": 2}
    ranged = parse_sd_jwt(issue_sd_jwt({"a": 1}, key=issuer, disclosable=["/a"], decoys=(2, 3))).payload
    assert len(ranged["_sd"]) in (3, 4)


def test_injected_salts_are_deterministic() -> None:
    salts = iter(["s1", "s2", "s3"])
    p1, d1 = sd_jwt_payload({"a": 1, "b": [True]}, ["/a", "/b/0"], salt=lambda: next(salts))
    salts = iter(["s1", "s2", "s3"])
    p2, d2 = sd_jwt_payload({"a": 1, "b": [True]}, ["/a", "/b/0"], salt=lambda: next(salts))
    assert p1 == p2 and [d.encoded for d in d1] == [d.encoded for d in d2]
    assert Disclosure.parse(d1[1].encoded).value is True


def test_random_salts_differ() -> None:
    _, d1 = sd_jwt_payload({"a": 1}, ["/a"])
    _, d2 = sd_jwt_payload({"a": 1}, ["/a"])
    assert d1[0].salt != d2[0].salt and len(d1[0].salt) == 22


def test_claim_path_spellings() -> None:
    assert normalize_claim_path("/a~1b/0/*") == ("a/b", 0, None)
    assert normalize_claim_path(["a", 0, None]) == ("a", 0, None)
    for bad in ("a/b", [], ["a", -1], ["a", 1.5], 7):
        with pytest.raises(InvalidInput):
            normalize_claim_path(bad)  # type: ignore[arg-type]


def test_validity_claims(issuer: Any) -> None:
    from didkit_py.suites.sd_jwt import issue_sd_jwt

    token = issue_sd_jwt({"exp": int(NOW.timestamp()) + 100, "nbf": int(NOW.timestamp()) - 100}, key=issuer)
    verify_sd_jwt(token, issuer_key=issuer, now=NOW)
    from didkit_py.errors import VerificationError

    with pytest.raises(VerificationError) as ei:
        verify_sd_jwt(token, issuer_key=issuer, now=NOW + timedelta(seconds=200))
    assert ei.value.code == "jwt.expired"
    with pytest.raises(VerificationError) as ei:
        verify_sd_jwt(token, issuer_key=issuer, now=NOW - timedelta(seconds=200))
    assert ei.value.code == "jwt.not_yet_valid"
    # within skew
    verify_sd_jwt(token, issuer_key=issuer, now=NOW + timedelta(seconds=130))


def test_presentation_without_holder_key_has_no_kb(issuer: Any) -> None:
    pres = present_sd_jwt(_issue(issuer), reveal=[])
    assert pres.endswith("~") and parse_sd_jwt(pres).kb_jwt is None


def test_jws_json_serialization_round_trip(issuer: Any, holder: Any) -> None:
    from didkit_py.suites.sd_jwt import sd_jwt_from_json, sd_jwt_to_json

    pres = present_sd_jwt(
        _issue(issuer, holder),
        reveal=["/credentialSubject/birthdate"],
        holder_key=holder,
        aud="https://v.example",
        nonce="n",
        iat=NOW,
    )
    for general in (False, True):
        obj = sd_jwt_to_json(pres, general=general)
        hdr = obj["signatures"][0]["header"] if general else obj["header"]
        assert len(hdr["disclosures"]) == 1 and hdr["kb_jwt"] == pres.rsplit("~", 1)[1]
        assert sd_jwt_from_json(obj) == pres
        # the verifier takes the JSON text directly; sd_hash is over the compact equivalent
        v = verify_sd_jwt(
            json.dumps(obj), issuer_key=issuer, now=NOW, require_kb=True, aud="https://v.example", nonce="n"
        )
        assert v.claims["credentialSubject"]["birthdate"] == "1964-08-12"


def test_jws_json_serialization_bad_input(issuer: Any) -> None:
    from didkit_py.suites.sd_jwt import sd_jwt_from_json, sd_jwt_to_json

    obj = sd_jwt_to_json(_issue(issuer), general=True)
    second = {"protected": "e30", "signature": "AA", "header": {"disclosures": []}}
    bad: list[Any] = [
        [],
        {"payload": 1, "protected": "a", "signature": "b"},
        {**obj, "signatures": [*obj["signatures"], second]},
        {**obj, "signatures": []},
        {"payload": "a", "protected": "b", "signature": "c", "header": {"disclosures": "x"}},
        {"payload": "a", "protected": "b", "signature": "c", "header": {"disclosures": ["x~y"]}},
        {"payload": "a", "protected": "b", "signature": "c", "header": {"kb_jwt": 5}},
    ]
    for item in bad:
        with pytest.raises(InvalidInput):
            sd_jwt_from_json(item)
    with pytest.raises(InvalidInput):
        parse_sd_jwt('{"payload": "a", "payload": "b"}')


def test_reveal_always_visible_claim_under_disclosable_parent(issuer: Any) -> None:
    """country is not disclosable but sits in a disclosable address: revealing it needs the address."""
    token = _issue(issuer)
    v = verify_sd_jwt(
        present_sd_jwt(token, reveal=["/credentialSubject/address/country"]), issuer_key=issuer, now=NOW
    )
    assert v.claims["credentialSubject"]["address"] == {"country": "DE"}
    # the same through a wildcard over an array of objects
    from didkit_py.suites.sd_jwt import issue_sd_jwt

    t2 = issue_sd_jwt(
        {"items": [{"k": 1, "s": "a"}, {"k": 2, "s": "b"}]},
        key=issuer,
        disclosable=[["items", None], ["items", None, "s"]],
    )
    v2 = verify_sd_jwt(present_sd_jwt(t2, reveal=[["items", None, "k"]]), issuer_key=issuer, now=NOW)
    assert v2.claims == {"items": [{"k": 1}, {"k": 2}]}


def test_non_json_claims_are_refused() -> None:
    for bad in ({"a": float("nan")}, {"a": {1, 2}}, {"a": "\ud800"}):
        with pytest.raises(InvalidInput):
            sd_jwt_payload(bad, ["/a"])
    from didkit_py.suites.sd_jwt import issue_sd_jwt

    with pytest.raises(InvalidInput):
        issue_sd_jwt({"a": "\udfff"}, key=generate_key(KeyType.P256))
