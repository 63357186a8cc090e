"""Reviewed request templates, and how a plain-language purpose picks one.

A purpose ("we need to check the customer is over 18") never becomes a query by generation: it
selects one of the reviewed templates in ``request_templates.json`` (plus an optional file from
``DIDKIT_VERIFIER_TEMPLATES_FILE``), each holding a fixed DCQL query that asks for the fewest
claims. Selection is lexical and explainable: the purpose's words are compared with each
template's keywords (weight 2), title and description (weight 1); the best score wins, a tie or
no overlap is refused so that the relying party picks explicitly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from didkit_py.errors import InvalidInput
from didkit_py.exchange import parse_dcql_query
from didkit_py.match.text import tokens

__all__ = ["PurposeMatch", "RequestTemplate", "load_templates", "template_for_purpose"]

_STOP_WORDS = (
    "a an the to of for and or is are be we i you they it that this check verify prove show need "
    "needs want wants please their his her our my your with in on at by from as who has have "
    "customer user person holder"
)
_STOP = frozenset(_STOP_WORDS.split(" "))
_MAX_PURPOSE = 500


@dataclass(frozen=True, slots=True)
class RequestTemplate:
    id: str
    title: str
    description: str
    keywords: tuple[str, ...]
    dcql_query: Mapping[str, Any]

    def formats(self) -> set[str]:
        return {str(q["format"]) for q in self.dcql_query["credentials"]}

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "dcql_query": self.dcql_query,
        }


@dataclass(frozen=True, slots=True)
class PurposeMatch:
    template: RequestTemplate
    score: int
    matched: tuple[str, ...]


def _parse(raw: Any, source: str) -> list[RequestTemplate]:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("templates"), list):
        raise InvalidInput(f"{source}: expected {{'templates': [...]}}", code="templates.format")
    out: list[RequestTemplate] = []
    for i, t in enumerate(raw["templates"]):
        at = f"/templates/{i}"
        if not isinstance(t, Mapping):
            raise InvalidInput(f"{source}: a template is an object", code="templates.format", at=at)
        tid, title, desc = t.get("id"), t.get("title"), t.get("description", "")
        kws = t.get("keywords", [])
        if not isinstance(tid, str) or not tid or not isinstance(title, str) or not isinstance(desc, str):
            raise InvalidInput(f"{source}: template needs id and title", code="templates.format", at=at)
        if not isinstance(kws, list) or not all(isinstance(k, str) for k in kws):
            raise InvalidInput(f"{source}: keywords are strings", code="templates.format", at=at)
        query = t.get("dcql_query")
        parse_dcql_query(query)  # raises InvalidInput with the DCQL error
        assert isinstance(query, Mapping)
        out.append(RequestTemplate(tid, title, desc, tuple(k.lower() for k in kws), query))
    return out


def load_templates(extra_file: Path | None = None) -> dict[str, RequestTemplate]:
    """The packaged templates, then those of ``extra_file`` (same id: the file's wins)."""
    text = (
        resources.files(__package__ or "verifier.service")
        .joinpath("request_templates.json")
        .read_text(encoding="utf-8")
    )
    templates = {t.id: t for t in _parse(json.loads(text), "request_templates.json")}
    if extra_file is not None:
        try:
            raw = json.loads(extra_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidInput(
                f"cannot read the templates file: {exc.__class__.__name__}", code="templates.file"
            ) from None
        templates.update({t.id: t for t in _parse(raw, str(extra_file))})
    return templates


def template_for_purpose(purpose: str, templates: Sequence[RequestTemplate]) -> PurposeMatch:
    """The reviewed template that best fits a plain-language purpose (see the module docstring)."""
    if not isinstance(purpose, str) or not purpose.strip():
        raise InvalidInput("the purpose is empty", code="request.purpose", at="/purpose")
    if len(purpose) > _MAX_PURPOSE:
        raise InvalidInput("the purpose is too long", code="request.purpose", at="/purpose")
    words = [w for w in tokens(purpose) if w not in _STOP]
    scored: list[PurposeMatch] = []
    for t in templates:
        kw = set(t.keywords)
        text = set(tokens(f"{t.title} {t.description}")) - _STOP
        matched = sorted({w for w in words if w in kw or _stem(w) in kw or w in text})
        score = sum(2 if (w in kw or _stem(w) in kw) else 1 for w in matched)
        if score:
            scored.append(PurposeMatch(t, score, tuple(matched)))
    if not scored:
        raise InvalidInput(
            "no reviewed request template fits this purpose; pick a template or send a DCQL query",
            code="request.purpose_unmatched",
            at="/purpose",
        )
    scored.sort(key=lambda m: -m.score)
    if len(scored) > 1 and scored[0].score == scored[1].score:
        raise InvalidInput(
            f"the purpose fits several templates equally ({scored[0].template.id}, "
            f"{scored[1].template.id}); pick one",
            code="request.purpose_ambiguous",
            at="/purpose",
        )
    return scored[0]


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word
