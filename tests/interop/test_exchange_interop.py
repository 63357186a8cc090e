# ruff: noqa: E501  (request fixtures read best one per line)
"""`didkit_py.exchange` against @sphereon/pex 4.1.0 (per input descriptor) and npm `dcql` 3.0.0.

Both peers are given only the credentials valid at the sample's ``now`` (neither applies the
validity rule the sample adds). Known departure (PEERS.md, pe_validation.txt): pex rejects every
Data Integrity proof under ``limit_disclosure: required``, even selective-disclosure suites.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from didkit_py.exchange import (
    HeldCredential,
    PresentationExchange,
    credentials_from_json,
    dotted,
    evaluate_dcql_query,
    parse_datetime,
)

pytestmark = pytest.mark.interop

SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "matcher-sample"


def _load() -> tuple[list[HeldCredential], list[dict[str, Any]], Any]:
    wallet = json.loads((SAMPLE / "wallet.json").read_text())
    reqs = json.loads((SAMPLE / "requests.json").read_text())
    creds, _ = credentials_from_json(wallet)
    return creds, reqs["requests"], parse_datetime(reqs["now"], at="/now")


CREDS, REQUESTS, NOW = _load() if SAMPLE.is_dir() else ([], [], None)
VALID = [c for c in CREDS if NOW is not None and c.is_valid_at(NOW)]
BY_ID = {c.id: c for c in CREDS}


def _c(cid_suffix: str) -> dict[str, Any]:
    return next(dict(c.document) for c in CREDS if c.id.endswith(cid_suffix))


# Extra PE definitions exercising features the sample does not (all evaluated by both sides).
EXTRA_PE: list[dict[str, Any]] = [
    {"id": "x-optional", "input_descriptors": [{"id": "d", "constraints": {"fields": [
        {"path": ["$.credentialSubject.age_over_21"], "filter": {"type": "boolean", "const": True}},
        {"path": ["$.credentialSubject.nope"], "optional": True}]}}]},
    {"id": "x-number", "input_descriptors": [{"id": "d", "constraints": {"fields": [
        {"path": ["$.credentialSubject.netMonthlySalary.value"], "filter": {"type": "number", "exclusiveMinimum": 3310}}]}}]},
    {"id": "x-number-ok", "input_descriptors": [{"id": "d", "constraints": {"fields": [
        {"path": ["$.credentialSubject.netMonthlySalary.value"], "filter": {"type": "number", "minimum": 3310}}]}}]},
    {"id": "x-path-order", "input_descriptors": [{"id": "d", "constraints": {"fields": [
        {"path": ["$.credentialSubject.resident_city", "$.credentialSubject.address.addressLocality"],
         "filter": {"type": "string", "const": "Heidelberg"}}]}}]},
    {"id": "x-array-index", "input_descriptors": [{"id": "d", "constraints": {"fields": [
        {"path": ["$.credentialSubject.driving_privileges[1].vehicle_category_code"], "filter": {"type": "string", "const": "AM"}}]}}]},
    {"id": "x-wildcard", "input_descriptors": [{"id": "d", "constraints": {"fields": [
        {"path": ["$.credentialSubject.courses[*].title"], "filter": {"type": "string", "pattern": "^Daten"}}]}}]},
    {"id": "x-no-fields", "input_descriptors": [{"id": "d", "constraints": {}}]},
    {"id": "x-issuer-enum", "input_descriptors": [{"id": "d", "constraints": {"fields": [
        {"path": ["$.issuer.id"], "filter": {"type": "string", "enum": ["did:web:nordlicht-software.example"]}}]}}]},
    {"id": "x-format", "format": {"ldp_vc": {"proof_type": ["DataIntegrityProof"]}}, "input_descriptors": [{"id": "d", "constraints": {"fields": [
        {"path": ["$.type"], "filter": {"type": "array", "contains": {"const": "LibraryCardCredential"}}}]}}]},
    {"id": "x-format-miss", "format": {"jwt_vc_json": {"alg": ["ES256"]}}, "input_descriptors": [{"id": "d", "constraints": {"fields": [
        {"path": ["$.type"], "filter": {"type": "array", "contains": {"const": "LibraryCardCredential"}}}]}}]},
    {"id": "x-date-format", "input_descriptors": [{"id": "d", "constraints": {"fields": [
        {"path": ["$.credentialSubject.creditsEcts"], "filter": {"type": "string", "format": "date"}}]}}]},
    {"id": "x-path-fallback", "input_descriptors": [{"id": "d", "constraints": {"fields": [
        {"path": ["$.credentialSubject.family_name", "$.validUntil"], "filter": {"type": "string", "format": "date-time"}}]}}]},
    {"id": "x-not", "input_descriptors": [{"id": "d", "constraints": {"fields": [
        {"path": ["$.credentialSubject.membershipStatus"], "filter": {"type": "string", "not": {"const": "inactive"}}}]}}]},
]  # fmt: skip


#: Definitions pex 4.1.0 refuses although PE v2 allows them (asserted, so a fix is noticed).
KNOWN_PEX_REFUSALS = {"x-optional": "pex's definition validation rejects the PE v2 field property `optional`"}
#: pex accepts an ldp_vc (Data Integrity proof) for a definition that only allows jwt_vc_json.
KNOWN_PEX_FORMAT_IGNORED = {"x-format-miss"}
#: Where pex departs from PE v2 §8 / JSON Schema (found by fuzzing); value = what the spec gives.
#: x-date-format: pex lets the number 180 pass {"type": "string", "format": "date"}.
#: x-path-fallback: pex stops at the first path that resolves even when its value fails the
#: filter; the spec (and the sample README) try the next path, so credentials whose
#: family_name is not a date-time still match through validUntil.
KNOWN_PEX_FILTER_DEPARTURES: dict[str, set[str]] = {
    "x-date-format": set(),
    "x-path-fallback": {c.id for c in VALID if "validUntil" in c.document},
}


def _pe_cases() -> list[tuple[str, dict[str, Any]]]:
    out = [(r["id"], r["request"]) for r in REQUESTS if r["kind"] == "pe"]
    return out + [(d["id"], d) for d in EXTRA_PE]


def _departs_from_spec(definition: dict[str, Any], desc_id: str) -> bool:
    desc = next(d for d in definition["input_descriptors"] if d["id"] == desc_id)
    return desc.get("constraints", {}).get("limit_disclosure") == "required"


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="matcher sample not found")
@pytest.mark.parametrize(("case_id", "definition"), _pe_cases(), ids=[c for c, _ in _pe_cases()])
def test_pe_descriptors_agree_with_pex(node: Any, case_id: str, definition: dict[str, Any]) -> None:
    theirs = node(
        "exchange_pex.mjs", {"definition": definition, "credentials": [dict(c.document) for c in VALID]}
    )
    ours = PresentationExchange().evaluate(definition, CREDS, now=NOW)
    if case_id in KNOWN_PEX_REFUSALS:
        assert all(r["status"] == "exception" for r in theirs["descriptors"].values())
        assert ours.credential_ids()  # valid PE v2; we evaluate it
        return
    if case_id in KNOWN_PEX_FILTER_DEPARTURES:
        expected = KNOWN_PEX_FILTER_DEPARTURES[case_id]
        assert set(ours.credential_ids()) == expected
        assert set(theirs["descriptors"]["d"]["ids"]) != expected  # still departing
        return
    if case_id in KNOWN_PEX_FORMAT_IGNORED:
        assert all(r["ids"] for r in theirs["descriptors"].values())
        assert ours.credential_ids() == []  # the format designation excludes ldp_vc
        return
    for desc_id, res in theirs["descriptors"].items():
        mine = {m.credential_id for m in ours.candidates[desc_id]}
        if _departs_from_spec(definition, desc_id):
            # pex refuses Data Integrity proofs here; we accept exactly the SD-capable candidates
            assert res["ids"] == [] and "LimitDisclosureEvaluation" in res["errors"]
            assert all(BY_ID[c].selective_disclosure for c in mine)
            continue
        assert set(res["ids"]) == mine, (case_id, desc_id, res)


def _dcql_extra() -> list[tuple[str, dict[str, Any]]]:
    vc = "https://www.w3.org/2018/credentials#VerifiableCredential"
    ex = "https://www.w3.org/ns/credentials/examples#"
    return [
        ("x-no-claims", {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [[vc, ex + "LibraryCardCredential"]]}}]}),
        ("x-index", {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [[vc]]},
                                      "claims": [{"path": ["credentialSubject", "driving_privileges", 0, "vehicle_category_code"], "values": ["B"]}]}]}),
        ("x-values-type", {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [[vc]]},
                                            "claims": [{"path": ["credentialSubject", "taxYear"], "values": ["2026"]}]}]}),
        ("x-int-value", {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [[vc]]},
                                          "claims": [{"path": ["credentialSubject", "taxYear"], "values": [2026]}]}]}),
        ("x-bool-false", {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [[vc]]},
                                           "claims": [{"path": ["credentialSubject", "age_over_65"], "values": [False]}]}]}),
        ("x-type-alt", {"credentials": [{"id": "a", "format": "ldp_vc",
                                         "meta": {"type_values": [[ex + "Nope"], [ex + "KYCCredential"]]}}]}),
        ("x-null-array", {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": [[vc]]},
                                           "claims": [{"path": ["credentialSubject", "borrowingRights", None]}]}]}),
        ("x-optional-unsat", {"credentials": [
            {"id": "a", "format": "ldp_vc", "meta": {"type_values": [[vc, ex + "LibraryCardCredential"]]}},
            {"id": "b", "format": "ldp_vc", "meta": {"type_values": [[vc, ex + "StudentIdCredential"]]}}],
            "credential_sets": [{"options": [["a"]]}, {"required": False, "options": [["b"]]}]}),
        ("x-required-unsat", {"credentials": [
            {"id": "a", "format": "ldp_vc", "meta": {"type_values": [[vc, ex + "LibraryCardCredential"]]}},
            {"id": "b", "format": "ldp_vc", "meta": {"type_values": [[vc, ex + "StudentIdCredential"]]}}],
            "credential_sets": [{"options": [["a", "b"]]}]}),
        ("x-multiple", {"credentials": [{"id": "a", "format": "ldp_vc", "multiple": True, "meta": {"type_values": [[vc]]},
                                         "claims": [{"path": ["credentialSubject", "birth_date"]}]}]}),
    ]  # fmt: skip


def _dcql_cases() -> list[tuple[str, dict[str, Any]]]:
    return [(r["id"], r["request"]) for r in REQUESTS if r["kind"] == "dcql"] + _dcql_extra()


def _their_relevant(res: dict[str, Any], query: dict[str, Any]) -> set[str]:
    if not res["can_be_satisfied"]:
        return set()
    qs = res["queries"]
    if query.get("credential_sets") is None:
        used = set(qs)
    else:
        used = set()
        for cs in query["credential_sets"]:
            for opt in cs["options"]:
                if all(qs[q]["ids"] for q in opt):
                    used.update(opt)
    return {i for q in used for i in qs[q]["ids"]}


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="matcher sample not found")
@pytest.mark.parametrize(("case_id", "query"), _dcql_cases(), ids=[c for c, _ in _dcql_cases()])
def test_dcql_agrees_with_npm_dcql(node: Any, case_id: str, query: dict[str, Any]) -> None:
    payload = {
        "query": copy.deepcopy(query),
        "credentials": [
            {"id": c.id, "format": c.format, "type": list(c.expanded_types), "claims": dict(c.document)}
            for c in VALID
        ],
    }
    theirs = node("exchange_dcql.mjs", payload)
    assert "error" not in theirs, theirs
    ours = evaluate_dcql_query(query, CREDS, now=NOW)
    assert ours.satisfied == theirs["can_be_satisfied"], case_id
    assert set(ours.credential_ids()) == _their_relevant(theirs, query), case_id
    for qid, res in ours.queries.items():
        assert {m.credential_id for m in res.matches} == set(theirs["queries"][qid]["ids"]), (case_id, qid)
        spec = next(q for q in query["credentials"] if q["id"] == qid)
        for m in res.matches:
            idx = theirs["queries"][qid]["claim_sets"].get(m.credential_id)
            if m.claims is None or idx is None:
                continue
            their_paths = [dotted(spec["claims"][i]["path"]) for i in idx]
            assert [dotted(p) for p in m.claims] == their_paths, (case_id, qid)


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="matcher sample not found")
@pytest.mark.parametrize("bad", [
    {"credentials": []},
    {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}}]},
    {"credentials": [{"id": "a b", "format": "ldp_vc", "meta": {}}]},
    {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}, "claims": [{"path": []}]}]},
    {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}, "claims": [{"id": "x", "path": ["a"]}], "claim_sets": [["y"]]}]},
    {"credentials": [{"id": "a", "format": "ldp_vc", "meta": {}}], "credential_sets": [{"options": [["zzz"]]}]},
])  # fmt: skip
def test_dcql_both_refuse_malformed(node: Any, bad: dict[str, Any]) -> None:
    from didkit_py.errors import InvalidInput

    theirs = node("exchange_dcql.mjs", {"query": bad, "credentials": []})
    assert "error" in theirs
    with pytest.raises(InvalidInput):
        evaluate_dcql_query(bad, CREDS, now=NOW)


# -- randomized agreement (fixed seeds; departures above excluded by construction) ----------------
_FUZZ_PATHS = [
    "$.credentialSubject.birth_date",
    "$.credentialSubject.family_name",
    "$.credentialSubject.age_over_18",
    "$.credentialSubject.address.postalCode",
    "$.credentialSubject.degree.name",
    "$.issuer.id",
    "$.type",
    "$.credentialSubject.employmentStatus",
    "$.credentialSubject.nothing",
    "$.credentialSubject.courses[*].title",
    "$.credentialSubject.driving_privileges[*].vehicle_category_code",
    "$.credentialSubject.grossMonthlySalary.value",
    "$.credentialSubject.nationalities",
    "$.credentialSubject.creditsEcts",
    "$.name",
]
_FUZZ_FILTERS: list[Any] = [
    None, {"type": "string"}, {"type": "boolean", "const": True}, {"type": "string", "pattern": "^69"},
    {"type": "array", "contains": {"const": "AgeOverCredential"}}, {"type": "string", "enum": ["active"]},
    {"type": "object"}, {"type": "number", "minimum": 100}, {"type": "string", "minLength": 20},
    {"type": "array", "minItems": 1}, {"type": "string", "const": "B"}, {"type": "integer"},
]  # fmt: skip


def _random_definitions(seed: int, n: int) -> list[dict[str, Any]]:
    import random

    rnd = random.Random(seed)
    out = []
    for i in range(n):
        fields = []
        for _ in range(rnd.randint(1, 3)):
            f: dict[str, Any] = {"path": [rnd.choice(_FUZZ_PATHS)]}  # one path: pex's path fallback departs
            flt = rnd.choice(_FUZZ_FILTERS)
            if flt:
                f["filter"] = flt
            fields.append(f)
        out.append({"id": f"fuzz{i}", "input_descriptors": [{"id": "d", "constraints": {"fields": fields}}]})
    return out


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="matcher sample not found")
@pytest.mark.parametrize("definition", _random_definitions(7, 12), ids=lambda d: d["id"])
def test_random_pe_descriptors_agree_with_pex(node: Any, definition: dict[str, Any]) -> None:
    theirs = node(
        "exchange_pex.mjs", {"definition": definition, "credentials": [dict(c.document) for c in VALID]}
    )
    ours = PresentationExchange().evaluate(definition, CREDS, now=NOW)
    assert set(theirs["descriptors"]["d"]["ids"]) == {m.credential_id for m in ours.candidates["d"]}
