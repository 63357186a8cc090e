"""The SD-JWT specification's (RFC 9901) examples reproduce exactly with their salts injected.

Data: ``sd_jwt_spec_examples.json`` beside this file; its ``source`` member names where every
value comes from. Signatures (ECDSA, randomized) are verified with the RFC's Appendix A.5 key,
not reproduced.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from didkit_py.errors import VerificationError
from didkit_py.suites.sd_jwt import (
    Disclosure,
    compute_sd_hash,
    parse_sd_jwt,
    sd_jwt_payload,
    verify_sd_jwt,
    verify_sd_jwt_vc,
)
from didkit_py.suites.sd_jwt._jws import public_key_from_jwk

DATA = json.loads((Path(__file__).parent / "sd_jwt_spec_examples.json").read_text(encoding="utf-8"))
EXAMPLES = {ex["caseName"]: ex for ex in DATA["examples"]}
ISSUER_KEY = public_key_from_jwk(DATA["keys"]["issuer_public_jwk"])


def _salts(ex: dict[str, Any]) -> Any:
    it = iter(d["contents"][0] for d in ex["expected_disclosures"])
    return lambda: next(it)


@pytest.mark.parametrize("case", list(EXAMPLES), ids=list(EXAMPLES))
def test_issuance_reproduces_payload_and_disclosures(case: str) -> None:
    ex = EXAMPLES[case]
    claims = {**ex["issuer_added_claims"], **ex["user_claims"]}
    payload, disclosures = sd_jwt_payload(
        claims, ex["disclosable"], salt=_salts(ex), ascii_json=ex.get("ascii_json", False)
    )
    assert payload == ex["expected_payload"]
    assert [d.encoded for d in disclosures] == [d["disclosure"] for d in ex["expected_disclosures"]]
    assert [d.digest() for d in disclosures] == [d["digest"] for d in ex["expected_disclosures"]]


@pytest.mark.parametrize("case", list(EXAMPLES), ids=list(EXAMPLES))
def test_disclosures_parse_back(case: str) -> None:
    for exp in EXAMPLES[case]["expected_disclosures"]:
        d = Disclosure.parse(exp["disclosure"])
        contents = [d.salt, d.value] if d.name is None else [d.salt, d.name, d.value]
        assert contents == exp["contents"]
        assert d.digest() == exp["digest"]


@pytest.mark.parametrize(
    "ex", DATA["disclosure_examples"], ids=[e["caseName"] for e in DATA["disclosure_examples"]]
)
def test_disclosure_examples(ex: dict[str, Any]) -> None:
    if "contents" in ex:
        c = ex["contents"]
        d = Disclosure.create(c[0], c[1], c[2]) if len(c) == 3 else Disclosure.create(c[0], None, c[1])
        assert d.encoded == ex["disclosure"]
        # Other JSON spellings of the same array decode to the same claim (§4.2.1).
        for other in ex.get("equivalent_encodings", []):
            p = Disclosure.parse(other)
            assert (p.salt, p.name, p.value) == (d.salt, d.name, d.value)
    if "digest" in ex:
        assert Disclosure.parse(ex["disclosure"]).digest() == ex["digest"]


def test_rfc9901_issuer_signed_jwt_verifies_with_all_disclosures() -> None:
    ex = EXAMPLES["example-1-simple"]
    token = (
        ex["issuer_signed_jwt_rfc9901"]
        + "~"
        + "".join(d["disclosure"] + "~" for d in ex["expected_disclosures"])
    )
    v = verify_sd_jwt(token, issuer_key=ISSUER_KEY, now=datetime(2024, 1, 1, tzinfo=UTC))
    expected = {**ex["issuer_added_claims"], **ex["user_claims"]}
    assert v.claims == expected
    assert v.payload == ex["expected_payload"]


def test_presentation_with_key_binding_verifies() -> None:
    ex = EXAMPLES["example-1-simple"]
    kb = ex["presentation_kb"]
    now = datetime.fromtimestamp(kb["iat"] + 5, UTC)
    v = verify_sd_jwt(
        ex["presentation_draft"],
        issuer_key=ISSUER_KEY,
        now=now,
        require_kb=True,
        aud=kb["aud"],
        nonce=kb["nonce"],
    )
    assert v.kb_payload == kb
    assert v.claims["given_name"] == "John" and v.claims["family_name"] == "Doe"
    assert v.claims["nationalities"] == ["US"]
    assert "email" not in v.claims and "birthdate" not in v.claims
    parsed = parse_sd_jwt(ex["presentation_draft"])
    assert compute_sd_hash(parsed.serialize_without_kb()) == kb["sd_hash"]


def test_presentation_rejects_other_nonce() -> None:
    ex = EXAMPLES["example-1-simple"]
    kb = ex["presentation_kb"]
    with pytest.raises(VerificationError) as ei:
        verify_sd_jwt(
            ex["presentation_draft"],
            issuer_key=ISSUER_KEY,
            now=datetime.fromtimestamp(kb["iat"], UTC),
            require_kb=True,
            aud=kb["aud"],
            nonce="another",
        )
    assert ei.value.code == "kb.nonce"


def test_appendix_a2_presentation_gives_the_listed_claims() -> None:
    ex = EXAMPLES["appendix-a2-complex"]
    v = verify_sd_jwt(ex["presentation_draft"], issuer_key=ISSUER_KEY, now=datetime(2024, 5, 9, tzinfo=UTC))
    assert v.claims == ex["presentation_verified_claims"]
    # the recursive array element was disclosed together with one of its members
    assert ("verified_claims", "verification", "evidence", 0) in v.disclosed_paths


async def test_appendix_a3_sd_jwt_vc_presentation() -> None:
    ex = EXAMPLES["appendix-a3-sd-jwt-vc"]
    kb = ex["presentation_kb"]
    v = await verify_sd_jwt_vc(
        ex["presentation_draft"],
        now=datetime.fromtimestamp(kb["iat"] + 1, UTC),
        issuer_key=ISSUER_KEY,
        aud=kb["aud"],
        nonce=kb["nonce"],
        vct="https://bmi.bund.example/credential/pid/1.0",
    )
    assert v.claims == ex["presentation_verified_claims"]
    assert v.sd_jwt.kb_payload == kb
    assert v.sd_jwt.header["typ"] == "vc+sd-jwt"  # the legacy media type, accepted by default
