# ruff: noqa: E501  (strategy pools read best one per line)
"""Property: a recommendation never contains a credential the exchange finds ineligible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from didkit_py.errors import InvalidInput
from didkit_py.exchange import HeldCredential, PresentationExchange, evaluate_dcql_query
from didkit_py.match import Matcher

from .conftest import Dataset

PATHS = [
    "$.credentialSubject.birth_date", "$.credentialSubject.family_name", "$.credentialSubject.age_over_18",
    "$.credentialSubject.address.postalCode", "$.credentialSubject.degree.name", "$.issuer.id",
    "$.credentialSubject.employmentStatus", "$.credentialSubject.nothing", "$.type", "$.credentialSubject.courses[*].title",
]  # fmt: skip
FILTERS: list[dict[str, Any] | None] = [
    None, {"type": "string"}, {"type": "boolean", "const": True}, {"type": "string", "pattern": "^69"},
    {"type": "array", "contains": {"const": "AgeOverCredential"}}, {"type": "string", "enum": ["active"]},
    {"type": "string", "formatMaximum": "2008-01-01"}, {"type": "object"},
]  # fmt: skip
EX = "https://www.w3.org/ns/credentials/examples#"
TYPES = [
    "PersonIdentificationData",
    "AgeOverCredential",
    "PassportCredential",
    "StudentIdCredential",
    "PayslipCredential",
]

field = st.builds(
    lambda paths, flt, opt: {
        "path": paths,
        **({"filter": flt} if flt else {}),
        **({"optional": True} if opt else {}),
    },
    st.lists(st.sampled_from(PATHS), min_size=1, max_size=2, unique=True),
    st.sampled_from(FILTERS),
    st.booleans(),
)


@st.composite
def definitions(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 3))
    descs = []
    for i in range(n):
        constraints: dict[str, Any] = {"fields": draw(st.lists(field, max_size=3))}
        if draw(st.booleans()):
            constraints["limit_disclosure"] = draw(st.sampled_from(["required", "preferred"]))
        descs.append(
            {"id": f"d{i}", "group": [draw(st.sampled_from(["A", "B"]))], "constraints": constraints}
        )
    d: dict[str, Any] = {"id": "pd", "input_descriptors": descs}
    groups = sorted({g for x in descs for g in x["group"]})
    if draw(st.booleans()):
        d["submission_requirements"] = [
            {
                "rule": draw(st.sampled_from(["all", "pick"])),
                "from": g,
                **({"count": 1} if draw(st.booleans()) else {}),
            }
            for g in groups
        ]
    return d


@st.composite
def dcql_queries(draw: st.DrawFn) -> dict[str, Any]:
    qs = []
    for i in range(draw(st.integers(1, 3))):
        q: dict[str, Any] = {
            "id": f"q{i}",
            "format": draw(st.sampled_from(["ldp_vc", "ldp_vc", "jwt_vc_json"])),
            "meta": {"type_values": [[EX + draw(st.sampled_from(TYPES))]]},
        }
        paths = draw(st.lists(st.sampled_from([
            ["credentialSubject", "birth_date"], ["credentialSubject", "age_over_18"], ["credentialSubject", "family_name"],
            ["credentialSubject", "courses", None, "title"], ["credentialSubject", "nope"]]), max_size=2, unique_by=str))  # fmt: skip
        if paths:
            q["claims"] = [{"path": p} for p in paths]
        qs.append(q)
    out: dict[str, Any] = {"credentials": qs}
    if len(qs) > 1 and draw(st.booleans()):
        out["credential_sets"] = [{"options": [[q["id"]] for q in qs], "required": draw(st.booleans())}]
    return out


@st.composite
def shifted_wallets(draw: st.DrawFn, base: list[HeldCredential]) -> list[HeldCredential]:
    """The sample wallet with random validity windows (some credentials expire, some start later)."""
    out = []
    now = datetime(2026, 11, 25, tzinfo=UTC)
    for c in base:
        vf = now + timedelta(days=draw(st.integers(-2000, 30)))
        vu = now + timedelta(days=draw(st.integers(-30, 2000))) if draw(st.booleans()) else None
        out.append(
            HeldCredential(**{**{f: getattr(c, f) for f in c.__slots__}, "valid_from": vf, "valid_until": vu})
        )
    return out


LEX = Matcher(None)
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(data=st.data())
def test_pe_recommendations_are_eligible(sample: Dataset, data: st.DataObject) -> None:
    wallet = data.draw(shifted_wallets(sample.credentials))
    definition = data.draw(definitions())
    try:
        _, recs = LEX.recommend(definition, wallet, now=sample.now, trusted_issuers=sample.trusted)
    except InvalidInput:
        return
    eligible = PresentationExchange().evaluate(definition, wallet, now=sample.now).credential_ids()
    assert [r.credential_id for r in recs if r.credential_id not in eligible] == []
    assert {r.credential_id for r in recs} == set(eligible)
    by = {c.id: c for c in wallet}
    assert all(by[r.credential_id].is_valid_at(sample.now) for r in recs)


@SETTINGS
@given(data=st.data())
def test_dcql_recommendations_are_eligible(sample: Dataset, data: st.DataObject) -> None:
    wallet = data.draw(shifted_wallets(sample.credentials))
    query = data.draw(dcql_queries())
    _, recs = LEX.recommend(query, wallet, now=sample.now)
    eligible = evaluate_dcql_query(query, wallet, now=sample.now).credential_ids()
    assert {r.credential_id for r in recs} == set(eligible)
    by = {c.id: c for c in wallet}
    assert all(by[r.credential_id].is_valid_at(sample.now) for r in recs)


WORDS = ["prove", "over", "18", "driving", "licence", "address", "degree", "student", "income", "insurance",
         "vaccination", "library", "tax", "identity", "Führerschein", "âge", "domicilio", "the", "a", "my", "boat"]  # fmt: skip


@SETTINGS
@given(data=st.data())
def test_purpose_recommendations_are_valid_and_trusted(sample: Dataset, data: st.DataObject) -> None:
    wallet = data.draw(shifted_wallets(sample.credentials))
    purpose = " ".join(data.draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8)))
    _, recs = LEX.recommend({"purpose": purpose}, wallet, now=sample.now, trusted_issuers=sample.trusted)
    by = {c.id: c for c in wallet}
    for r in recs:
        assert by[r.credential_id].is_valid_at(sample.now)
        assert by[r.credential_id].issuer_id in sample.trusted
        assert 0.0 <= r.score <= 1.0
    assert len({r.credential_id for r in recs}) == len(recs)


@pytest.fixture(scope="module")
def emb(minilm: Any) -> Matcher:
    return Matcher(minilm)


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_embedding_purposes_are_valid_and_trusted(sample: Dataset, emb: Matcher, data: st.DataObject) -> None:
    m = emb
    wallet = data.draw(shifted_wallets(sample.credentials))
    purpose = " ".join(data.draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8)))
    _, recs = m.recommend({"purpose": purpose}, wallet, now=sample.now, trusted_issuers=sample.trusted)
    by = {c.id: c for c in wallet}
    assert all(
        by[r.credential_id].is_valid_at(sample.now) and by[r.credential_id].issuer_id in sample.trusted
        for r in recs
    )
