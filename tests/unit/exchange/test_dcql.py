# ruff: noqa: E501, SIM105  (fixtures read best one per line; total-function tests use try/except)
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.errors import InvalidInput
from didkit_py.exchange import (
    HeldCredential,
    credentials_from_json,
    dotted,
    evaluate_dcql_query,
    parse_datetime,
)

SAMPLE = Path(__file__).resolve().parents[3].parent / "shared" / "datasets" / "matcher-sample"
VC = "https://www.w3.org/2018/credentials#VerifiableCredential"
EX = "https://www.w3.org/ns/credentials/examples#"


def cq(
    qid: str, types: list[str] | None = None, claims: list[dict[str, Any]] | None = None, **kw: Any
) -> dict[str, Any]:
    q: dict[str, Any] = {
        "id": qid,
        "format": kw.pop("format", "ldp_vc"),
        "meta": {"type_values": [[VC, *(EX + t for t in types or [])]]},
    }
    if claims is not None:
        q["claims"] = claims
    q.update(kw)
    return q


def run(query: dict[str, Any], wallet: list[HeldCredential], now: datetime) -> Any:
    return evaluate_dcql_query(query, wallet, now=now)


def test_format_and_type_values(wallet: list[HeldCredential], now: datetime) -> None:
    assert run({"credentials": [cq("a", ["IdentityCard"])]}, wallet, now).credential_ids() == ["urn:a:id"]
    assert not run({"credentials": [cq("a", ["IdentityCard"], format="jwt_vc_json")]}, wallet, now).satisfied
    # any inner array may match; compact (unexpanded) types never do
    q = {
        "credentials": [
            {
                "id": "a",
                "format": "ldp_vc",
                "meta": {"type_values": [["IdentityCard"], [EX + "PayslipCredential"]]},
            }
        ]
    }
    assert run(q, wallet, now).credential_ids() == ["urn:a:pay"]


def test_validity_rule(wallet: list[HeldCredential], now: datetime) -> None:
    ev = run({"credentials": [cq("a", ["AgeOverCredential"])]}, wallet, now)
    assert ev.credential_ids() == ["urn:a:age"]  # not the not-yet-valid one
    assert ev.queries["a"].reasons["urn:a:future"] == "not valid at the evaluation time"


def test_claims_and_values(wallet: list[HeldCredential], now: datetime) -> None:
    c = [{"path": ["credentialSubject", "age_over_18"], "values": [True]}]
    assert run({"credentials": [cq("a", claims=c)]}, wallet, now).credential_ids() == ["urn:a:age"]
    c = [{"path": ["credentialSubject", "age_over_65"], "values": [True]}]
    assert run({"credentials": [cq("a", claims=c)]}, wallet, now).credential_ids() == []
    # values compare with JSON types: 3000 is not "3000", true is not 1
    c = [{"path": ["credentialSubject", "net", "value"], "values": ["3000"]}]
    assert run({"credentials": [cq("a", claims=c)]}, wallet, now).credential_ids() == []
    c = [{"path": ["credentialSubject", "net", "value"], "values": [1, 3000]}]
    assert run({"credentials": [cq("a", claims=c)]}, wallet, now).credential_ids() == ["urn:a:pay"]


def test_null_and_index_paths(wallet: list[HeldCredential], now: datetime) -> None:
    c = [{"path": ["credentialSubject", "courses", None, "title"], "values": ["Art"]}]
    ev = run({"credentials": [cq("a", claims=c)]}, wallet, now)
    assert ev.credential_ids() == ["urn:a:tor"]
    assert [dotted(p) for p in ev.claims_for("urn:a:tor") or []] == ["credentialSubject.courses.*.title"]
    c = [{"path": ["credentialSubject", "courses", 0, "title"], "values": ["Art"]}]
    assert run({"credentials": [cq("a", claims=c)]}, wallet, now).credential_ids() == []


def test_claim_sets_first_satisfiable(wallet: list[HeldCredential], now: datetime) -> None:
    claims = [
        {"id": "g", "path": ["credentialSubject", "given_name"]},
        {"id": "p", "path": ["credentialSubject", "portrait"]},
        {"id": "b", "path": ["credentialSubject", "birth_date"]},
    ]
    q = {"credentials": [cq("a", ["IdentityCard"], claims, claim_sets=[["g", "p"], ["g", "b"], ["g"]])]}
    ev = run(q, wallet, now)
    assert ev.claims_for("urn:a:id") == [
        ("credentialSubject", "given_name"),
        ("credentialSubject", "birth_date"),
    ]
    q["credentials"][0]["claim_sets"] = [["p"]]
    assert not run(q, wallet, now).satisfied


def test_no_claims_means_no_specific_claims(wallet: list[HeldCredential], now: datetime) -> None:
    ev = run({"credentials": [cq("a", ["PayslipCredential"])]}, wallet, now)
    assert ev.claims_for("urn:a:pay") is None


def test_multiple_is_recorded(wallet: list[HeldCredential], now: datetime) -> None:
    c = [{"path": ["credentialSubject", "given_name"]}]
    ev = run({"credentials": [cq("a", claims=c, multiple=True)]}, wallet, now)
    assert ev.queries["a"].multiple and ev.credential_ids() == ["urn:a:id"]


def test_credential_sets(wallet: list[HeldCredential], now: datetime) -> None:
    qs = [
        cq("id", ["IdentityCard"]),
        cq("stud", ["StudentCard"]),
        cq("pay", ["PayslipCredential"]),
        cq("tor", ["TranscriptCredential"]),
    ]
    ev = run(
        {"credentials": qs, "credential_sets": [{"options": [["stud"], ["id"]]}, {"options": [["pay"]]}]},
        wallet,
        now,
    )
    assert (
        ev.satisfied
        and set(ev.credential_ids()) == {"urn:a:id", "urn:a:pay"}
        and "tor" not in ev.used_queries
    )
    # an option needs all its queries
    ev = run({"credentials": qs, "credential_sets": [{"options": [["id", "stud"]]}]}, wallet, now)
    assert not ev.satisfied and ev.credential_ids() == []
    # optional sets: included when satisfiable, ignored otherwise
    ev = run(
        {
            "credentials": qs,
            "credential_sets": [{"options": [["id"]]}, {"required": False, "options": [["tor"]]}],
        },
        wallet,
        now,
    )
    assert set(ev.credential_ids()) == {"urn:a:id", "urn:a:tor"}
    ev = run(
        {
            "credentials": qs,
            "credential_sets": [{"options": [["id"]]}, {"required": False, "options": [["stud"]]}],
        },
        wallet,
        now,
    )
    assert ev.satisfied and ev.credential_ids() == ["urn:a:id"]
    # without credential_sets every query is required
    assert not run({"credentials": qs}, wallet, now).satisfied


def test_sd_jwt_vct_values(now: datetime) -> None:
    sd = HeldCredential.from_sd_jwt_claims(
        {"vct": "urn:eudi:pid:1", "given_name": "A", "address": {"locality": "HD"}},
        disclosable=[("given_name",)],
        id="sd1",
    )
    q = {"credentials": [{"id": "p", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:eudi:pid:1"]},
                          "claims": [{"path": ["address", "locality"]}]}]}  # fmt: skip
    assert evaluate_dcql_query(q, [sd], now=now).credential_ids() == ["sd1"]
    q["credentials"][0]["meta"] = {"vct_values": ["urn:other"]}
    assert evaluate_dcql_query(q, [sd], now=now).credential_ids() == []


def test_trusted_authorities_are_not_guessed(wallet: list[HeldCredential], now: datetime) -> None:
    q = {"credentials": [cq("a", ["IdentityCard"], trusted_authorities=[{"type": "aki", "values": ["x"]}])]}
    assert run(q, wallet, now).credential_ids() == []


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"credentials": []},
        {"credentials": [{"id": "a", "format": "ldp_vc"}]},  # meta is required
        {"credentials": [{"id": "a b", "format": "ldp_vc", "meta": {}}]},
        {"credentials": [{"id": "a", "meta": {}}]},
        {
            "credentials": [
                {"id": "a", "format": "ldp_vc", "meta": {}},
                {"id": "a", "format": "ldp_vc", "meta": {}},
            ]
        },
        {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": ["x"]}}]},
        {"credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": []}}]},
        {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}, "claims": []}]},
        {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}, "claims": [{"path": ["x", -1]}]}]},
        {
            "credentials": [
                {"id": "a", "format": "ldp_vc", "meta": {}, "claims": [{"path": ["x"], "values": [1.5]}]}
            ]
        },
        {
            "credentials": [
                {
                    "id": "a",
                    "format": "ldp_vc",
                    "meta": {},
                    "claims": [{"path": ["x"]}],
                    "claim_sets": [["x"]],
                }
            ]
        },
        {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}, "claim_sets": [["x"]]}]},
        {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}, "multiple": "yes"}]},
        {
            "credentials": [{"id": "a", "format": "ldp_vc", "meta": {}}],
            "credential_sets": [{"options": [["b"]]}],
        },
        {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}}], "credential_sets": [{"options": []}]},
        {
            "credentials": [{"id": "a", "format": "ldp_vc", "meta": {}}],
            "credential_sets": [{"options": [["a"]], "required": "no"}],
        },
    ],
)
def test_malformed_queries(wallet: list[HeldCredential], now: datetime, bad: Any) -> None:
    with pytest.raises(InvalidInput):
        evaluate_dcql_query(bad, wallet, now=now)


def _sample() -> list[tuple[str, Any, list[str], dict[str, list[str]]]]:
    if not SAMPLE.is_dir():
        return []
    reqs = json.loads((SAMPLE / "requests.json").read_text())["requests"]
    return [(r["id"], r["request"], r["relevant"], r["claims"]) for r in reqs if r["kind"] == "dcql"]


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="matcher sample not found")
@pytest.mark.parametrize(("rid", "query", "relevant", "claims"), _sample(), ids=[s[0] for s in _sample()])
def test_sample_dcql_labels(rid: str, query: Any, relevant: list[str], claims: dict[str, list[str]]) -> None:
    wallet, _ = credentials_from_json(json.loads((SAMPLE / "wallet.json").read_text()))
    ev = evaluate_dcql_query(query, wallet, now=parse_datetime("2026-11-25T00:00:00Z", at=""))
    assert set(ev.credential_ids()) == set(relevant)
    for cid, gold in claims.items():
        got = {dotted(p) for p in ev.claims_for(cid) or [] if p[0] == "credentialSubject"}
        assert got == set(gold)


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 3) | st.sampled_from(["a", "ldp_vc", "credentialSubject", VC]),
    lambda ch: st.lists(ch, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "format", "meta", "type_values", "claims", "path", "values", "claim_sets",
                         "credentials", "credential_sets", "options", "required", "multiple"]), ch, max_size=4),
    max_leaves=15,
)  # fmt: skip


@settings(max_examples=200)
@given(_json)
def test_dcql_evaluation_total(query: Any) -> None:
    from .conftest import NOW, held

    try:
        evaluate_dcql_query(query, [held("urn:1", ["T"], {"a": 1})], now=NOW)
    except InvalidInput:
        pass


@pytest.mark.parametrize(
    ("fmt", "key"),
    [
        ("ldp_vc", "type_values"),
        ("jwt_vc_json", "type_values"),
        ("dc+sd-jwt", "vct_values"),
        ("mso_mdoc", "doctype_value"),
    ],
)
def test_format_meta_is_required(wallet: list[HeldCredential], now: datetime, fmt: str, key: str) -> None:
    with pytest.raises(InvalidInput) as e:
        evaluate_dcql_query({"credentials": [{"id": "a", "format": fmt, "meta": {}}]}, wallet, now=now)
    assert key in str(e.value)
