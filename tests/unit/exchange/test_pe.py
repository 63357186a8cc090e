# ruff: noqa: E501, SIM105  (fixtures read best one per line; total-function tests use try/except)
from __future__ import annotations

import copy
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
    PresentationExchange,
    build_presentation_submission,
    credentials_from_json,
    evaluate_presentation_definition,
    parse_datetime,
)

SAMPLE = Path(__file__).resolve().parents[3].parent / "shared" / "datasets" / "matcher-sample"


def pd(*descs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": "pd", "input_descriptors": list(descs), **extra}


def desc(did: str, *fields: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": did, "constraints": {"fields": list(fields), **extra.pop("constraints", {})}, **extra}


def type_field(t: str) -> dict[str, Any]:
    return {"path": ["$.type"], "filter": {"type": "array", "contains": {"const": t}}}


def ids(definition: dict[str, Any], wallet: list[HeldCredential], now: datetime) -> list[str]:
    return evaluate_presentation_definition(definition, wallet, now=now).credential_ids()


# -- input descriptors and fields -----------------------------------------------------------
def test_type_filter_and_validity(wallet: list[HeldCredential], now: datetime) -> None:
    # the expired identity card and the not-yet-valid attestation never match
    assert ids(pd(desc("d", type_field("IdentityCard"))), wallet, now) == ["urn:a:id"]
    assert ids(pd(desc("d", type_field("AgeOverCredential"))), wallet, now) == ["urn:a:age"]


def test_path_array_first_resolving(wallet: list[HeldCredential], now: datetime) -> None:
    f = {
        "path": ["$.credentialSubject.postal", "$.credentialSubject.address.postalCode"],
        "filter": {"type": "string", "pattern": "^691"},
    }
    ev = evaluate_presentation_definition(pd(desc("d", f)), wallet, now=now)
    assert ev.credential_ids() == ["urn:a:id"]
    assert ev.claims_for("urn:a:id") == ["$.credentialSubject.address.postalCode"]
    f["filter"]["pattern"] = "^999"
    assert ids(pd(desc("d", f)), wallet, now) == []


def test_filter_kinds(wallet: list[HeldCredential], now: datetime) -> None:
    num = {"path": ["$.credentialSubject.net.value"], "filter": {"type": "number", "minimum": 3000}}
    assert ids(pd(desc("d", num)), wallet, now) == ["urn:a:pay"]
    num["filter"] = {"type": "number", "exclusiveMinimum": 3000}
    assert ids(pd(desc("d", num)), wallet, now) == []
    b = {"path": ["$.credentialSubject.age_over_65"], "filter": {"type": "boolean", "const": True}}
    assert ids(pd(desc("d", b)), wallet, now) == []
    d = {
        "path": ["$.credentialSubject.birth_date"],
        "filter": {"type": "string", "formatMaximum": "2008-11-25"},
    }
    assert ids(pd(desc("d", d)), wallet, now) == ["urn:a:id"]
    d["filter"] = {"type": "string", "formatMinimum": "2000-01-01"}
    assert ids(pd(desc("d", d)), wallet, now) == []
    arr = {"path": ["$.credentialSubject.courses[*].title"], "filter": {"type": "string", "enum": ["Art"]}}
    assert ids(pd(desc("d", arr)), wallet, now) == ["urn:a:tor"]


def test_field_without_filter_needs_only_presence(wallet: list[HeldCredential], now: datetime) -> None:
    assert set(ids(pd(desc("d", {"path": ["$.credentialSubject.birth_date"]})), wallet, now)) == {"urn:a:id"}
    assert ids(pd(desc("d", {"path": ["$.credentialSubject.nothing"]})), wallet, now) == []


def test_optional_and_intent_to_retain(wallet: list[HeldCredential], now: datetime) -> None:
    d = desc(
        "d",
        type_field("IdentityCard"),
        {"path": ["$.credentialSubject.nickname"], "optional": True},
        {"path": ["$.credentialSubject.given_name"], "optional": True, "intent_to_retain": True},
    )
    ev = evaluate_presentation_definition(pd(d), wallet, now=now)
    [m] = ev.matches()
    assert m.claims == ("$.type",) and m.optional_claims == ("$.credentialSubject.given_name",)


def test_no_fields_matches_everything_valid(wallet: list[HeldCredential], now: datetime) -> None:
    assert len(ids(pd({"id": "any"}), wallet, now)) == 4


def test_limit_disclosure(wallet: list[HeldCredential], now: datetime) -> None:
    f = {"path": ["$.credentialSubject.age_over_18"]}
    d = desc("d", f, constraints={"limit_disclosure": "required"})
    ev = evaluate_presentation_definition(pd(d), wallet, now=now)
    assert ev.credential_ids() == ["urn:a:age"]  # bbs-2023
    assert ev.claims_for("urn:a:age") == ["$.credentialSubject.age_over_18"]
    f2 = {"path": ["$.credentialSubject.given_name"]}
    assert ids(pd(desc("d", f2, constraints={"limit_disclosure": "required"})), wallet, now) == []
    assert ids(pd(desc("d", f2, constraints={"limit_disclosure": "preferred"})), wallet, now) == ["urn:a:id"]


def test_predicate_needs_filter() -> None:
    bad = pd(desc("d", {"path": ["$.x"], "predicate": "required"}))
    with pytest.raises(InvalidInput):
        PresentationExchange().parse(bad)


# -- formats ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "n"),
    [
        ({"ldp_vc": {"proof_type": ["DataIntegrityProof"]}}, 4),
        ({"ldp_vc": {"proof_type": ["Ed25519Signature2020"]}}, 0),
        ({"di_vc": {"proof_type": ["DataIntegrityProof"], "cryptosuite": ["bbs-2023"]}}, 1),
        ({"jwt_vc_json": {"alg": ["ES256"]}}, 0),
        ({"ldp": {"proof_type": ["DataIntegrityProof"]}}, 4),
    ],
)
def test_format_restrictions(
    wallet: list[HeldCredential], now: datetime, fmt: dict[str, Any], n: int
) -> None:
    assert len(ids(pd({"id": "d"}, format=fmt), wallet, now)) == n
    # descriptor-level format overrides the definition's
    assert (
        len(ids(pd({"id": "d", "format": fmt}, format={"jwt_vc_json": {"alg": ["ES256"]}}), wallet, now)) == n
    )


# -- submission requirements -------------------------------------------------------------------
def _groups() -> list[dict[str, Any]]:
    return [
        {"id": "idc", "group": ["A"], "constraints": {"fields": [type_field("IdentityCard")]}},
        {"id": "stud", "group": ["A"], "constraints": {"fields": [type_field("StudentCard")]}},
        {"id": "pay", "group": ["B"], "constraints": {"fields": [type_field("PayslipCredential")]}},
        {"id": "unused", "group": ["C"], "constraints": {"fields": [type_field("TranscriptCredential")]}},
    ]


@pytest.mark.parametrize(
    ("reqs", "expected"),
    [
        ([{"rule": "all", "from": "B"}], {"urn:a:pay"}),
        ([{"rule": "all", "from": "A"}], set()),  # student card missing
        ([{"rule": "pick", "count": 1, "from": "A"}], {"urn:a:id"}),
        ([{"rule": "pick", "count": 2, "from": "A"}], set()),
        ([{"rule": "pick", "min": 1, "max": 2, "from": "A"}], {"urn:a:id"}),
        ([{"rule": "pick", "min": 2, "from": "A"}], set()),
        ([{"rule": "pick", "max": 1, "from": "A"}], {"urn:a:id"}),
        ([{"rule": "pick", "count": 3, "from": "A"}], set()),  # more than the group has
        ([{"rule": "all", "from": "A"}, {"rule": "all", "from": "B"}], set()),
        ([{"rule": "pick", "count": 1, "from": "A"}, {"rule": "all", "from": "B"}], {"urn:a:id", "urn:a:pay"}),
        ([{"rule": "all", "from_nested": [{"rule": "pick", "count": 1, "from": "A"}, {"rule": "all", "from": "B"}]}],
         {"urn:a:id", "urn:a:pay"}),
        ([{"rule": "pick", "count": 1, "from_nested": [{"rule": "all", "from": "A"}, {"rule": "all", "from": "B"}]}],
         {"urn:a:pay"}),
        ([{"rule": "all", "from_nested": [{"rule": "all", "from": "A"}, {"rule": "all", "from": "B"}]}], set()),
    ],
)  # fmt: skip
def test_submission_requirements(
    wallet: list[HeldCredential], now: datetime, reqs: list[dict[str, Any]], expected: set[str]
) -> None:
    # descriptors outside the referenced groups ("unused") never take part
    assert set(ids(pd(*_groups(), submission_requirements=reqs), wallet, now)) == expected


def test_without_requirements_every_descriptor_is_required(
    wallet: list[HeldCredential], now: datetime
) -> None:
    ev = evaluate_presentation_definition(pd(*_groups()), wallet, now=now)
    assert not ev.satisfied and ev.credential_ids() == [] and "stud" in ev.problems[0]


# -- malformed definitions ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("id"),
        lambda d: d.update(input_descriptors=[]),
        lambda d: d.update(surprise=1),
        lambda d: d["input_descriptors"][0].update(surprise=1),
        lambda d: d["input_descriptors"][0]["constraints"].update(surprise=1),
        lambda d: d["input_descriptors"][0]["constraints"]["fields"][0].update(surprise=1),
        lambda d: d["input_descriptors"][0]["constraints"]["fields"][0].update(path=["$..["]),
        lambda d: d["input_descriptors"][0]["constraints"]["fields"][0].update(path=[]),
        lambda d: d["input_descriptors"][0]["constraints"]["fields"][0].update(path="$.type"),
        lambda d: d["input_descriptors"][0]["constraints"]["fields"][0].update(filter={"type": "nonsense"}),
        lambda d: d["input_descriptors"][0]["constraints"]["fields"][0].update(optional="yes"),
        lambda d: d["input_descriptors"][0]["constraints"].update(limit_disclosure="always"),
        lambda d: d["input_descriptors"].append(copy.deepcopy(d["input_descriptors"][0])),
        lambda d: d.update(submission_requirements=[{"rule": "all", "from": "nope"}]),
        lambda d: d.update(submission_requirements=[{"rule": "some", "from": "A"}]),
        lambda d: d.update(submission_requirements=[{"rule": "all", "from": "A", "from_nested": []}]),
        lambda d: d.update(submission_requirements=[{"rule": "pick", "from": "A", "count": 0}]),
        lambda d: d.update(submission_requirements=[{"rule": "pick", "from": "A", "min": 3, "max": 1}]),
        lambda d: d.update(format={"ldp_vc": {"proof_type": "x"}}),
    ],
)
def test_malformed_definitions(wallet: list[HeldCredential], now: datetime, mutate: Any) -> None:
    d = pd({"id": "d", "group": ["A"], "constraints": {"fields": [type_field("IdentityCard")]}})
    mutate(d)
    with pytest.raises(InvalidInput):
        evaluate_presentation_definition(d, wallet, now=now)


def test_remote_ref_is_not_fetched(wallet: list[HeldCredential], now: datetime) -> None:
    f = {"path": ["$.type"], "filter": {"$ref": "https://example.com/schema.json"}}
    with pytest.raises(InvalidInput) as e:
        evaluate_presentation_definition(pd(desc("d", f)), wallet, now=now)
    assert e.value.code == "pe.filter_ref"


def test_wrapped_definition_accepted(wallet: list[HeldCredential], now: datetime) -> None:
    assert ids({"presentation_definition": pd(desc("d", type_field("IdentityCard")))}, wallet, now) == [
        "urn:a:id"
    ]


# -- presentation submission -------------------------------------------------------------------
def test_presentation_submission(wallet: list[HeldCredential], now: datetime) -> None:
    by = {c.id: c for c in wallet}
    definition = pd(
        *_groups(),
        submission_requirements=[{"rule": "pick", "count": 1, "from": "A"}, {"rule": "all", "from": "B"}],
    )
    ev = evaluate_presentation_definition(definition, wallet, now=now)
    sub = build_presentation_submission(
        ev, [("idc", by["urn:a:id"]), ("pay", by["urn:a:pay"])], submission_id="s-1"
    )
    assert sub == {
        "id": "s-1",
        "definition_id": "pd",
        "descriptor_map": [
            {"id": "idc", "format": "ldp_vp", "path": "$", "path_nested": {"id": "idc", "format": "ldp_vc", "path": "$.verifiableCredential[0]"}},
            {"id": "pay", "format": "ldp_vp", "path": "$", "path_nested": {"id": "pay", "format": "ldp_vc", "path": "$.verifiableCredential[1]"}},
        ],
    }  # fmt: skip
    single = build_presentation_submission(ev, [("pay", by["urn:a:pay"])], submission_id="s-2", envelope=None)
    assert single["descriptor_map"] == [{"id": "pay", "format": "ldp_vc", "path": "$"}]
    with pytest.raises(InvalidInput):
        build_presentation_submission(ev, [("idc", by["urn:a:pay"])], submission_id="s-3")
    with pytest.raises(InvalidInput):
        build_presentation_submission(ev, [("unused", by["urn:a:tor"])], submission_id="s-4")
    with pytest.raises(InvalidInput):
        build_presentation_submission(ev, [], submission_id="s-5")


# -- the sample -----------------------------------------------------------------------------------
def _sample() -> list[tuple[str, Any, list[str], dict[str, list[str]]]]:
    if not SAMPLE.is_dir():
        return []
    reqs = json.loads((SAMPLE / "requests.json").read_text())["requests"]
    return [(r["id"], r["request"], r["relevant"], r["claims"]) for r in reqs if r["kind"] == "pe"]


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="matcher sample not found")
@pytest.mark.parametrize(
    ("rid", "definition", "relevant", "claims"), _sample(), ids=[s[0] for s in _sample()]
)
def test_sample_pe_labels(
    rid: str, definition: Any, relevant: list[str], claims: dict[str, list[str]]
) -> None:
    wallet, _ = credentials_from_json(json.loads((SAMPLE / "wallet.json").read_text()))
    now = parse_datetime("2026-11-25T00:00:00Z", at="")
    ev = PresentationExchange().evaluate(definition, wallet, now=now)
    assert set(ev.credential_ids()) == set(relevant)
    for cid, gold in claims.items():
        got = {c.removeprefix("$.") for c in ev.claims_for(cid) if c.startswith("$.credentialSubject")}
        assert got == set(gold)


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["$.type", "$.credentialSubject.a", "all", "pick", "A", "x"]),
    lambda ch: st.lists(ch, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "path", "filter", "fields", "constraints", "input_descriptors", "group",
                         "submission_requirements", "rule", "from", "count", "optional", "limit_disclosure", "type"]), ch, max_size=4),
    max_leaves=15,
)  # fmt: skip


@settings(max_examples=200)
@given(_json)
def test_pe_evaluation_total(definition: Any) -> None:
    from .conftest import NOW, held

    try:
        evaluate_presentation_definition(definition, [held("urn:1", ["T"], {"a": 1})], now=NOW)
    except InvalidInput:
        pass


def test_sd_jwt_credentials_plug_into_pe(now: datetime) -> None:
    sd = HeldCredential.from_sd_jwt_claims(
        {"vct": "urn:eudi:pid:1", "given_name": "A", "birthdate": "1990-01-01"},
        disclosable=[("given_name",)],
        id="sd1",
    )
    d = pd(
        desc("d", {"path": ["$.vct"], "filter": {"type": "string", "const": "urn:eudi:pid:1"}}, {"path": ["$.given_name"]},
             constraints={"limit_disclosure": "required"}),
        format={"vc+sd-jwt": {"sd-jwt_alg_values": ["ES256"]}},
    )  # fmt: skip
    ev = evaluate_presentation_definition(d, [sd], now=now)
    assert ev.credential_ids() == ["sd1"] and ev.claims_for("sd1") == ["$.vct", "$.given_name"]
    sub = build_presentation_submission(ev, [("d", sd)], submission_id="s", envelope=None)
    assert sub["descriptor_map"] == [{"id": "d", "format": "dc+sd-jwt", "path": "$"}]
    d["format"] = {"ldp_vc": {"proof_type": ["DataIntegrityProof"]}}
    assert evaluate_presentation_definition(d, [sd], now=now).credential_ids() == []


def test_next_path_is_tried_when_a_resolved_value_fails_the_filter(
    wallet: list[HeldCredential], now: datetime
) -> None:
    # PE v2 §8: each path in turn until one's value passes the filter (pex stops at the first that resolves)
    f = {
        "path": ["$.credentialSubject.given_name", "$.credentialSubject.birth_date"],
        "filter": {"type": "string", "format": "date"},
    }
    ev = evaluate_presentation_definition(pd(desc("d", f)), wallet, now=now)
    assert ev.credential_ids() == ["urn:a:id"] and ev.claims_for("urn:a:id") == [
        "$.credentialSubject.birth_date"
    ]
