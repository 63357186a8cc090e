"""Reviewed templates: a purpose selects one, never a generated query."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.errors import InvalidInput
from verifier.service.request_templates import load_templates, template_for_purpose


@pytest.mark.parametrize(
    ("purpose", "expected"),
    [
        ("Check the customer is over 18 before selling alcohol", "birth_date"),
        ("Has the applicant graduated from university?", "degree"),
        ("Job application: candidate name and qualification for hiring", "degree_and_name"),
    ],
)
def test_purpose_selects_a_reviewed_template(purpose: str, expected: str) -> None:
    templates = list(load_templates().values())
    assert template_for_purpose(purpose, templates).template.id == expected


def test_unmatched_and_ambiguous_purposes_are_refused() -> None:
    templates = list(load_templates().values())
    with pytest.raises(InvalidInput) as e:
        template_for_purpose("what is the weather like", templates)
    assert e.value.code == "request.purpose_unmatched"
    with pytest.raises(InvalidInput):
        template_for_purpose("", templates)


def test_extra_templates_file(tmp_path: Path) -> None:
    f = tmp_path / "t.json"
    q = {
        "credentials": [
            {
                "id": "m",
                "format": "ldp_vc",
                "meta": {"type_values": [["https://www.w3.org/2018/credentials#VerifiableCredential"]]},
                "claims": [{"path": ["credentialSubject", "memberOf"]}],
            }
        ]
    }
    f.write_text(
        json.dumps(
            {
                "templates": [
                    {
                        "id": "member",
                        "title": "Club membership",
                        "keywords": ["club", "member"],
                        "dcql_query": q,
                    }
                ]
            }
        )
    )
    templates = load_templates(f)
    assert "member" in templates and "degree" in templates
    f.write_text(
        json.dumps({"templates": [{"id": "bad", "title": "x", "dcql_query": {"credentials": "no"}}]})
    )
    with pytest.raises(InvalidInput):
        load_templates(f)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_purpose_picks_one_or_raises(purpose: str) -> None:
    templates = list(load_templates().values())
    try:
        m = template_for_purpose(purpose, templates)
    except InvalidInput:
        return
    assert m.template in templates and m.score > 0
