# ruff: noqa: SIM105  (fixtures read best one per line; total-function tests use try/except)
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.errors import InvalidInput
from didkit_py.exchange import HeldCredential, credentials_from_json, parse_datetime
from didkit_py.exchange.credential import expand_types

from .conftest import NOW, held, make_vc


def test_from_vc_reads_metadata() -> None:
    c = held(
        "urn:x",
        ["DrivingLicenceCredential"],
        {"a": 1},
        suite="ecdsa-sd-2023",
        valid_until="2030-01-01T00:00:00Z",
    )
    assert c.id == "urn:x" and c.format == "ldp_vc"
    assert c.types == ("VerifiableCredential", "DrivingLicenceCredential")
    assert c.expanded_types == (
        "https://www.w3.org/2018/credentials#VerifiableCredential",
        "https://www.w3.org/ns/credentials/examples#DrivingLicenceCredential",
    )
    assert c.issuer_id == "did:web:issuer.example" and c.issuer_name == "Issuer"
    assert c.selective_disclosure and c.cryptosuites == ("ecdsa-sd-2023",)
    assert c.valid_until == datetime(2030, 1, 1, tzinfo=UTC)


def test_non_sd_suite() -> None:
    assert not held("urn:x", ["T"], {}).selective_disclosure
    assert held("urn:x", ["T"], {}, suite="bbs-2023").can_limit_disclosure()


@pytest.mark.parametrize(
    ("vf", "vu", "ok"),
    [
        ("2020-01-01T00:00:00Z", None, True),
        ("2027-01-01T00:00:00Z", None, False),
        ("2020-01-01T00:00:00Z", "2026-11-24T23:59:59Z", False),
        ("2020-01-01T00:00:00Z", "2026-11-25T00:00:00Z", True),  # validUntil == now is still valid
    ],
)
def test_validity_rule(vf: str, vu: str | None, ok: bool) -> None:
    assert held("urn:x", ["T"], {}, valid_from=vf, valid_until=vu).is_valid_at(NOW) is ok


def test_naive_now_refused() -> None:
    with pytest.raises(InvalidInput):
        held("urn:x", ["T"], {}).is_valid_at(datetime(2026, 1, 1))


def test_expand_types_rules() -> None:
    assert expand_types(
        ["VerifiableCredential", "https://ex.org/T"], [CTX0 := "https://www.w3.org/ns/credentials/v2"]
    ) == (
        "https://www.w3.org/2018/credentials#VerifiableCredential",
        "https://ex.org/T",
    )
    assert expand_types(["Foo"], [CTX0])[0] == "https://www.w3.org/ns/credentials/issuer-dependent#Foo"
    assert expand_types(["Foo"], [CTX0, {"@vocab": "https://v.example/#"}])[0] == "https://v.example/#Foo"
    assert expand_types(["Foo"], [CTX0, {"Foo": "https://t.example/Foo"}])[0] == "https://t.example/Foo"


def test_sd_jwt_plugs_in() -> None:
    c = HeldCredential.from_sd_jwt_claims(
        {
            "vct": "urn:eu.europa.ec.eudi:pid:1",
            "iss": "https://issuer.example",
            "given_name": "A",
            "exp": 1893456000,
        },
        disclosable=[("given_name",)],
    )
    assert c.format == "dc+sd-jwt" and c.vct == "urn:eu.europa.ec.eudi:pid:1"
    assert c.can_limit_disclosure() and c.disclosable == frozenset({("given_name",)})
    assert c.is_valid_at(NOW)
    with pytest.raises(InvalidInput):
        HeldCredential.from_sd_jwt_claims({"given_name": "A"}, disclosable=[])


def test_wallet_forms() -> None:
    vc = make_vc("urn:1", ["T"], {})
    creds, meta = credentials_from_json({"now": "x", "trusted_issuers": ["did:a"], "credentials": [vc]})
    assert [c.id for c in creds] == ["urn:1"] and meta["trusted_issuers"] == ["did:a"]
    assert credentials_from_json([vc])[1] == {}
    with pytest.raises(InvalidInput):
        credentials_from_json([vc, vc])
    with pytest.raises(InvalidInput):
        credentials_from_json({"credentials": [vc], "trusted_issuers": "did:a"})
    with pytest.raises(InvalidInput):
        credentials_from_json("nope")


def test_missing_id_gets_content_hash() -> None:
    vc = make_vc("urn:1", ["T"], {})
    del vc["id"]
    assert HeldCredential.from_vc(vc).id.startswith("urn:sha256:")


@pytest.mark.parametrize("bad", ["2026-13-01T00:00:00Z", "yesterday", 5, None])
def test_parse_datetime_rejects(bad: Any) -> None:
    with pytest.raises(InvalidInput):
        parse_datetime(bad, at="/x")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda ch: st.lists(ch, max_size=3) | st.dictionaries(st.text(max_size=6), ch, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150)
@given(
    st.one_of(
        _json, st.dictionaries(st.sampled_from(["credentials", "type", "validFrom", "id", "issuer"]), _json)
    )
)
def test_wallet_parser_never_crashes(data: Any) -> None:
    try:
        credentials_from_json(data)
    except InvalidInput:
        pass
