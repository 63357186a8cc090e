"""DIF Presentation Exchange v2.0.0: evaluate a ``presentation_definition`` against held credentials.

https://identity.foundation/presentation-exchange/spec/v2.0.0/ — §5 (Presentation Definition),
§5.1 Submission Requirements, §8 Input Evaluation, §6 Presentation Submission.

One rule is added on top of the spec (the wallet's, not the verifier's): a credential outside its
validity period at ``now`` is never a candidate, even when the definition does not look at dates.
The definition is validated first and malformed ones are refused with :class:`InvalidInput`
(unknown properties where the PE v2 JSON Schema sets ``additionalProperties: false``, a bad
JSONPath, an invalid JSON Schema ``filter``, a ``from`` group that no descriptor has, ...).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError
from jsonschema.exceptions import ValidationError as _SchemaValidationError
from referencing import Registry
from referencing.exceptions import Unresolvable

from ..errors import InvalidInput
from .credential import HeldCredential
from .paths import JsonPathCache, jsonpath_to_claim_path

__all__ = [
    "DescriptorCandidate",
    "PEEvaluation",
    "PresentationExchange",
    "build_presentation_submission",
    "evaluate_presentation_definition",
]

_DEF_KEYS = frozenset(
    {"id", "name", "purpose", "format", "frame", "submission_requirements", "input_descriptors"}
)
_DESC_KEYS = frozenset({"id", "name", "purpose", "issuance", "group", "format", "constraints"})
_CONSTRAINT_KEYS = frozenset(
    {"limit_disclosure", "statuses", "fields", "subject_is_issuer", "is_holder", "same_subject"}
)
_FIELD_KEYS = frozenset(
    {"id", "path", "purpose", "name", "intent_to_retain", "optional", "filter", "predicate"}
)
_SR_KEYS = frozenset({"name", "purpose", "rule", "count", "min", "max", "from", "from_nested"})
_MAX_DESCRIPTORS = 256
_MAX_FIELDS = 256
_MAX_NESTING = 16

#: Which PE format designations accept a credential of each of our formats (DIF claim format registry).
_FORMAT_DESIGNATIONS: dict[str, frozenset[str]] = {
    "ldp_vc": frozenset({"ldp_vc", "ldp", "di_vc", "di"}),
    "jwt_vc_json": frozenset({"jwt_vc_json", "jwt_vc", "jwt"}),
    "jwt_vc": frozenset({"jwt_vc", "jwt_vc_json", "jwt"}),
    "dc+sd-jwt": frozenset({"dc+sd-jwt", "vc+sd-jwt"}),
    "vc+sd-jwt": frozenset({"vc+sd-jwt", "dc+sd-jwt"}),
    "mso_mdoc": frozenset({"mso_mdoc"}),
}


# --- JSON Schema filters ---------------------------------------------------------------------
def _as_date(value: Any) -> date | datetime | None:
    if not isinstance(value, str):
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    return dt


def _cmp_dates(a: Any, b: Any) -> int | None:
    x, y = _as_date(a), _as_date(b)
    if x is None or y is None:
        return None
    # Compare date-only against datetime by date; aware against naive by treating naive as UTC.
    if isinstance(x, datetime) != isinstance(y, datetime):
        x = x.date() if isinstance(x, datetime) else x
        y = y.date() if isinstance(y, datetime) else y
    elif isinstance(x, datetime) and isinstance(y, datetime) and (x.tzinfo is None) != (y.tzinfo is None):
        x, y = x.replace(tzinfo=None), y.replace(tzinfo=None)
    return (x > y) - (x < y)  # type: ignore[operator]


def _format_bound(op: str) -> Any:
    def check(validator: Any, bound: Any, instance: Any, schema: Any) -> Any:
        c = _cmp_dates(instance, bound)
        if c is None:
            return
        ok = {"min": c >= 0, "max": c <= 0, "xmin": c > 0, "xmax": c < 0}[op]
        if not ok:
            yield _SchemaValidationError(f"{instance!r} is out of the {op} bound {bound!r}")

    return check


#: Draft 7 plus the ajv-keywords date bounds PE v2 examples use (``formatMinimum`` etc.).
_FilterValidator = jsonschema.validators.extend(
    jsonschema.Draft7Validator,
    {
        "formatMinimum": _format_bound("min"),
        "formatMaximum": _format_bound("max"),
        "formatExclusiveMinimum": _format_bound("xmin"),
        "formatExclusiveMaximum": _format_bound("xmax"),
    },
)


def _compile_filter(schema: Any, *, at: str) -> Any:
    if not isinstance(schema, Mapping | bool):
        raise InvalidInput("filter must be a JSON Schema object", code="pe.filter", at=at)
    try:
        _FilterValidator.check_schema(schema)
    except SchemaError as exc:
        raise InvalidInput(
            f"filter is not a valid JSON Schema: {exc.message}", code="pe.filter", at=at
        ) from None
    # An empty registry: a $ref to anything outside the filter fails instead of fetching it.
    return _FilterValidator(
        schema, registry=Registry(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )


def _filter_passes(validator: Any, value: Any, *, at: str) -> bool:
    try:
        return bool(validator.is_valid(value))
    except Unresolvable as exc:
        raise InvalidInput(
            f"filter $ref cannot be resolved offline: {exc}", code="pe.filter_ref", at=at
        ) from None
    except RecursionError:
        raise InvalidInput("filter recurses too deeply", code="pe.filter", at=at) from None


# --- parsed definition -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Field:
    id: str | None
    paths: tuple[str, ...]
    filter: Any
    optional: bool
    intent_to_retain: bool
    predicate: str | None
    at: str


@dataclass(frozen=True, slots=True)
class _Descriptor:
    id: str
    groups: tuple[str, ...]
    format: Mapping[str, Any] | None
    fields: tuple[_Field, ...]
    limit_disclosure: str | None
    at: str


@dataclass(frozen=True, slots=True)
class _Requirement:
    rule: str
    count: int | None
    min: int | None
    max: int | None
    from_group: str | None
    from_nested: tuple[_Requirement, ...]
    name: str | None
    at: str


def _check_keys(obj: Any, allowed: frozenset[str], *, what: str, at: str) -> Mapping[str, Any]:
    if not isinstance(obj, Mapping):
        raise InvalidInput(f"{what} must be a JSON object", code="pe.type", at=at)
    unknown = sorted(k for k in obj if k not in allowed)
    if unknown:
        raise InvalidInput(
            f"unknown {what} property {unknown[0]!r}", code="pe.unknown_property", at=f"{at}/{unknown[0]}"
        )
    return obj


def _opt_str(obj: Mapping[str, Any], key: str, at: str) -> str | None:
    v = obj.get(key)
    if v is not None and not isinstance(v, str):
        raise InvalidInput(f"{key} must be a string", code="pe.type", at=f"{at}/{key}")
    return v


def _opt_int(obj: Mapping[str, Any], key: str, at: str, minimum: int) -> int | None:
    v = obj.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise InvalidInput(f"{key} must be an integer >= {minimum}", code="pe.type", at=f"{at}/{key}")
    return v


def _check_format(fmt: Any, *, at: str) -> Mapping[str, Any] | None:
    if fmt is None:
        return None
    if not isinstance(fmt, Mapping) or not fmt:
        raise InvalidInput("format must be a non-empty object", code="pe.format", at=at)
    for k, v in fmt.items():
        if not isinstance(v, Mapping):
            raise InvalidInput("format values must be objects", code="pe.format", at=f"{at}/{k}")
        for sub, lst in v.items():
            if not isinstance(lst, list) or not all(isinstance(x, str) for x in lst):
                raise InvalidInput(
                    f"{sub} must be an array of strings", code="pe.format", at=f"{at}/{k}/{sub}"
                )
    return fmt


class PresentationExchange:
    """Evaluates presentation definitions; holds the compiled-JSONPath cache (create one per app)."""

    def __init__(self) -> None:
        self._paths = JsonPathCache()

    # -- parsing -----------------------------------------------------------------------------
    def _parse_field(self, raw: Any, at: str) -> _Field:
        obj = _check_keys(raw, _FIELD_KEYS, what="field", at=at)
        paths = obj.get("path")
        if not isinstance(paths, list) or not paths:
            raise InvalidInput("field path must be a non-empty array", code="pe.path", at=f"{at}/path")
        for i, p in enumerate(paths):
            self._paths.compile(p, at=f"{at}/path/{i}")
        flt = _compile_filter(obj["filter"], at=f"{at}/filter") if "filter" in obj else None
        optional = obj.get("optional", False)
        retain = obj.get("intent_to_retain", False)
        if not isinstance(optional, bool):
            raise InvalidInput("optional must be a boolean", code="pe.type", at=f"{at}/optional")
        if not isinstance(retain, bool):
            raise InvalidInput(
                "intent_to_retain must be a boolean", code="pe.type", at=f"{at}/intent_to_retain"
            )
        predicate = _opt_str(obj, "predicate", at)
        if predicate is not None:
            if predicate not in ("required", "preferred"):
                raise InvalidInput(
                    "predicate must be required or preferred", code="pe.type", at=f"{at}/predicate"
                )
            if flt is None:
                raise InvalidInput("predicate needs a filter", code="pe.predicate", at=f"{at}/predicate")
        _opt_str(obj, "purpose", at)
        _opt_str(obj, "name", at)
        return _Field(_opt_str(obj, "id", at), tuple(paths), flt, optional, retain, predicate, at)

    def _parse_descriptor(self, raw: Any, at: str) -> _Descriptor:
        obj = _check_keys(raw, _DESC_KEYS, what="input descriptor", at=at)
        did = obj.get("id")
        if not isinstance(did, str) or not did:
            raise InvalidInput("input descriptor needs an id", code="pe.descriptor_id", at=f"{at}/id")
        groups = obj.get("group", [])
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise InvalidInput("group must be an array of strings", code="pe.type", at=f"{at}/group")
        constraints = _check_keys(
            obj.get("constraints", {}), _CONSTRAINT_KEYS, what="constraints", at=f"{at}/constraints"
        )
        ld = constraints.get("limit_disclosure")
        if ld is not None and ld not in ("required", "preferred"):
            raise InvalidInput(
                "limit_disclosure must be required or preferred",
                code="pe.type",
                at=f"{at}/constraints/limit_disclosure",
            )
        raw_fields = constraints.get("fields", [])
        if not isinstance(raw_fields, list):
            raise InvalidInput("fields must be an array", code="pe.type", at=f"{at}/constraints/fields")
        if len(raw_fields) > _MAX_FIELDS:
            raise InvalidInput("too many fields", code="pe.limit", at=f"{at}/constraints/fields")
        fields = tuple(self._parse_field(f, f"{at}/constraints/fields/{i}") for i, f in enumerate(raw_fields))
        _opt_str(obj, "name", at)
        _opt_str(obj, "purpose", at)
        return _Descriptor(
            did, tuple(groups), _check_format(obj.get("format"), at=f"{at}/format"), fields, ld, at
        )

    def _parse_requirement(self, raw: Any, at: str, groups: set[str], depth: int) -> _Requirement:
        if depth > _MAX_NESTING:
            raise InvalidInput("submission requirements nest too deeply", code="pe.limit", at=at)
        obj = _check_keys(raw, _SR_KEYS, what="submission requirement", at=at)
        rule = obj.get("rule")
        if rule not in ("all", "pick"):
            raise InvalidInput("rule must be all or pick", code="pe.rule", at=f"{at}/rule")
        has_from, has_nested = "from" in obj, "from_nested" in obj
        if has_from == has_nested:
            raise InvalidInput("exactly one of from / from_nested is required", code="pe.from", at=at)
        count = _opt_int(obj, "count", at, 1)
        mn = _opt_int(obj, "min", at, 0)
        mx = _opt_int(obj, "max", at, 0)
        if mn is not None and mx is not None and mn > mx:
            raise InvalidInput("min is greater than max", code="pe.rule", at=f"{at}/min")
        nested: tuple[_Requirement, ...] = ()
        grp: str | None = None
        if has_from:
            grp = obj["from"]
            if not isinstance(grp, str):
                raise InvalidInput("from must be a string", code="pe.type", at=f"{at}/from")
            if grp not in groups:
                raise InvalidInput(
                    f"no input descriptor is in group {grp!r}", code="pe.group", at=f"{at}/from"
                )
        else:
            lst = obj["from_nested"]
            if not isinstance(lst, list) or not lst:
                raise InvalidInput(
                    "from_nested must be a non-empty array", code="pe.type", at=f"{at}/from_nested"
                )
            nested = tuple(
                self._parse_requirement(r, f"{at}/from_nested/{i}", groups, depth + 1)
                for i, r in enumerate(lst)
            )
        return _Requirement(rule, count, mn, mx, grp, nested, _opt_str(obj, "name", at), at)

    def parse(
        self, definition: Any
    ) -> tuple[str, Mapping[str, Any] | None, tuple[_Descriptor, ...], tuple[_Requirement, ...] | None]:
        """Validate a presentation definition (PE v2 §5) and return its parsed parts."""
        if (
            isinstance(definition, Mapping)
            and "presentation_definition" in definition
            and len(definition) == 1
        ):
            definition = definition["presentation_definition"]
        obj = _check_keys(definition, _DEF_KEYS, what="presentation definition", at="")
        pid = obj.get("id")
        if not isinstance(pid, str) or not pid:
            raise InvalidInput("presentation definition needs an id", code="pe.id", at="/id")
        raw_desc = obj.get("input_descriptors")
        if not isinstance(raw_desc, list) or not raw_desc:
            raise InvalidInput(
                "input_descriptors must be a non-empty array", code="pe.descriptors", at="/input_descriptors"
            )
        if len(raw_desc) > _MAX_DESCRIPTORS:
            raise InvalidInput("too many input descriptors", code="pe.limit", at="/input_descriptors")
        descs = tuple(self._parse_descriptor(d, f"/input_descriptors/{i}") for i, d in enumerate(raw_desc))
        ids = [d.id for d in descs]
        if len(set(ids)) != len(ids):
            raise InvalidInput(
                "input descriptor ids must be unique", code="pe.descriptor_id", at="/input_descriptors"
            )
        fmt = _check_format(obj.get("format"), at="/format")
        _opt_str(obj, "name", "")
        _opt_str(obj, "purpose", "")
        reqs: tuple[_Requirement, ...] | None = None
        if "submission_requirements" in obj:
            raw_sr = obj["submission_requirements"]
            if not isinstance(raw_sr, list):
                raise InvalidInput(
                    "submission_requirements must be an array", code="pe.type", at="/submission_requirements"
                )
            groups = {g for d in descs for g in d.groups}
            reqs = tuple(
                self._parse_requirement(r, f"/submission_requirements/{i}", groups, 0)
                for i, r in enumerate(raw_sr)
            )
        return pid, fmt, descs, reqs

    # -- evaluation --------------------------------------------------------------------------
    def _format_ok(self, cred: HeldCredential, fmt: Mapping[str, Any] | None) -> bool:
        if fmt is None:
            return True
        accepted = _FORMAT_DESIGNATIONS.get(cred.format, frozenset({cred.format}))
        for key, spec in fmt.items():
            if key not in accepted:
                continue
            proof_types = spec.get("proof_type")
            if proof_types is not None and not set(proof_types) & set(cred.proof_types):
                continue
            suites = spec.get("cryptosuite")
            if suites is not None and not set(suites) & set(cred.cryptosuites):
                continue
            return True
        return False

    def _match_descriptor(
        self, desc: _Descriptor, cred: HeldCredential, def_format: Mapping[str, Any] | None
    ) -> DescriptorCandidate | str:
        """A candidate, or the reason ``cred`` does not satisfy ``desc`` (PE v2 §8 Input Evaluation)."""
        if not self._format_ok(cred, desc.format if desc.format is not None else def_format):
            return "format not accepted"
        claims: list[str] = []
        optional: list[str] = []
        for f in desc.fields:
            hit: str | None = None
            for i, path in enumerate(f.paths):
                values = self._paths.find(path, cred.document, at=f"{f.at}/path/{i}")
                if not values:
                    continue
                if f.filter is None or any(_filter_passes(f.filter, v, at=f"{f.at}/filter") for v in values):
                    hit = path
                    break
            if hit is None:
                if f.optional:
                    continue
                return f"field {f.id or f.paths[0]} not satisfied"
            (optional if f.optional else claims).append(hit)
        if desc.limit_disclosure == "required":
            cps = [jsonpath_to_claim_path(c) for c in claims]
            if not cred.can_limit_disclosure([c for c in cps if c is not None]):
                return "limit_disclosure required but the proof cannot disclose selectively"
        return DescriptorCandidate(
            descriptor_id=desc.id,
            credential_id=cred.id,
            claims=tuple(dict.fromkeys(claims)),
            optional_claims=tuple(dict.fromkeys(optional)),
            limit_disclosure=desc.limit_disclosure,
        )

    def evaluate(
        self, definition: Any, credentials: Sequence[HeldCredential], *, now: datetime
    ) -> PEEvaluation:
        """Which credentials satisfy which input descriptors, and whether the definition can be met."""
        pid, def_format, descs, reqs = self.parse(definition)
        if now.tzinfo is None:
            raise InvalidInput("now must be timezone-aware", code="exchange.now", at="now")
        valid = [c for c in credentials if c.is_valid_at(now)]
        # by identity: dataclass equality would compare whole documents (quadratic in the wallet)
        expired = {c.id: "not valid at the evaluation time" for c in credentials if not c.is_valid_at(now)}
        candidates: dict[str, tuple[DescriptorCandidate, ...]] = {}
        reasons: dict[str, dict[str, str]] = {}
        for d in descs:
            found: list[DescriptorCandidate] = []
            why: dict[str, str] = dict(expired)
            for c in valid:
                r = self._match_descriptor(d, c, def_format)
                if isinstance(r, str):
                    why[c.id] = r
                else:
                    found.append(r)
            candidates[d.id] = tuple(found)
            reasons[d.id] = why
        problems: list[str] = []
        if reqs is None:
            participating = tuple(d.id for d in descs)
            for d in descs:
                if not candidates[d.id]:
                    problems.append(f"input descriptor {d.id!r} has no matching credential")
        else:
            groups_used: set[str] = set()

            def collect(r: _Requirement) -> None:
                # only satisfiable branches contribute descriptors to a submission
                if _requirement_problem(r, descs, candidates) is not None:
                    return
                if r.from_group is not None:
                    groups_used.add(r.from_group)
                for n in r.from_nested:
                    collect(n)

            for req in reqs:
                collect(req)
            participating = tuple(d.id for d in descs if groups_used & set(d.groups))
            for req in reqs:
                why_not = _requirement_problem(req, descs, candidates)
                if why_not:
                    problems.append(why_not)
        return PEEvaluation(
            definition_id=pid,
            satisfied=not problems,
            candidates=candidates,
            participating=participating,
            reasons=reasons,
            problems=tuple(problems),
        )


def _requirement_problem(
    r: _Requirement, descs: Sequence[_Descriptor], candidates: Mapping[str, Sequence[DescriptorCandidate]]
) -> str | None:
    """PE v2 §5.1.1: why submission requirement ``r`` cannot be met, or ``None`` when it can."""
    if r.from_group is not None:
        members = [d for d in descs if r.from_group in d.groups]
        total = len(members)
        ok = sum(1 for d in members if candidates[d.id])
    else:
        total = len(r.from_nested)
        ok = sum(1 for n in r.from_nested if _requirement_problem(n, descs, candidates) is None)
    label = r.name or r.from_group or "nested requirement"
    if r.rule == "all":
        return None if ok == total else f"{label!r}: all {total} required, {ok} satisfiable"
    # pick: count is exact, min a lower bound; max bounds what is submitted (one can pick fewer).
    need = r.count if r.count is not None else (r.min or 0)
    if r.count is not None and r.count > total:
        return f"{label!r}: pick {r.count} from only {total}"
    if ok < need:
        return f"{label!r}: pick needs {need}, {ok} satisfiable"
    if r.max is not None and need > r.max:
        return f"{label!r}: needs {need} but at most {r.max} allowed"
    return None


@dataclass(frozen=True, slots=True)
class DescriptorCandidate:
    """A credential that satisfies one input descriptor, with the claims it must reveal.

    ``claims`` are the field paths (JSONPath, the first of each field's ``path`` that resolved and
    passed the filter) of the required fields; under ``limit_disclosure: required`` they are
    exactly what is revealed. ``optional_claims`` resolved for optional fields; the holder may add them.
    """

    descriptor_id: str
    credential_id: str
    claims: tuple[str, ...]
    optional_claims: tuple[str, ...] = ()
    limit_disclosure: str | None = None


@dataclass(frozen=True, slots=True)
class PEEvaluation:
    """The outcome of evaluating a presentation definition against a wallet."""

    definition_id: str
    satisfied: bool
    candidates: Mapping[str, tuple[DescriptorCandidate, ...]]
    participating: tuple[str, ...]
    reasons: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def matches(self) -> list[DescriptorCandidate]:
        """Candidates of every descriptor taking part in the submission (empty when unsatisfiable)."""
        if not self.satisfied:
            return []
        return [c for d in self.participating for c in self.candidates.get(d, ())]

    def credential_ids(self) -> list[str]:
        """Every credential that can take part in a submission, in descriptor order (the holder chooses)."""
        return list(dict.fromkeys(c.credential_id for c in self.matches()))

    def claims_for(self, credential_id: str) -> list[str]:
        """The union of required claims over the descriptors this credential satisfies."""
        out: dict[str, None] = {}
        for c in self.matches():
            if c.credential_id == credential_id:
                out.update(dict.fromkeys(c.claims))
        return list(out)


def evaluate_presentation_definition(
    definition: Any, credentials: Sequence[HeldCredential], *, now: datetime
) -> PEEvaluation:
    """One-shot :meth:`PresentationExchange.evaluate` (compiles the JSONPaths every call)."""
    return PresentationExchange().evaluate(definition, credentials, now=now)


_UUIDISH = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")


def build_presentation_submission(
    evaluation: PEEvaluation,
    selection: Sequence[tuple[str, HeldCredential]],
    *,
    submission_id: str,
    envelope: str | None = "ldp_vp",
) -> dict[str, Any]:
    """PE v2 §6: the ``presentation_submission`` for the holder's chosen (descriptor, credential) pairs.

    ``selection`` is in the order the credentials appear in the presentation's
    ``verifiableCredential`` array (one entry per credential; a credential may answer several
    descriptors by appearing in several pairs). With ``envelope`` (``ldp_vp`` / ``jwt_vp_json``)
    each map entry points into the VP (``path_nested`` as OpenID4VP uses it); with ``None`` the
    credential is submitted on its own (``path: "$"``). Every pair is checked against the
    evaluation and the result must satisfy the definition's descriptors that take part.
    """
    if not _UUIDISH.match(submission_id):
        raise InvalidInput("submission id must be a short token", code="pe.submission_id", at="submission_id")
    if not evaluation.satisfied:
        raise InvalidInput("the definition cannot be satisfied", code="pe.unsatisfiable")
    order: dict[str, int] = {}
    descriptor_map: list[dict[str, Any]] = []
    for n, (desc_id, cred) in enumerate(selection):
        if desc_id not in evaluation.participating:
            raise InvalidInput(
                f"descriptor {desc_id!r} does not take part", code="pe.selection", at=f"selection/{n}"
            )
        if not any(c.credential_id == cred.id for c in evaluation.candidates.get(desc_id, ())):
            raise InvalidInput(
                f"credential does not satisfy descriptor {desc_id!r}",
                code="pe.selection",
                at=f"selection/{n}",
            )
        idx = order.setdefault(cred.id, len(order))
        if envelope is None:
            if len(order) > 1:
                raise InvalidInput(
                    "without an envelope only one credential can be submitted", code="pe.selection"
                )
            descriptor_map.append({"id": desc_id, "format": cred.format, "path": "$"})
        else:
            descriptor_map.append(
                {
                    "id": desc_id,
                    "format": envelope,
                    "path": "$",
                    "path_nested": {
                        "id": desc_id,
                        "format": cred.format,
                        "path": f"$.verifiableCredential[{idx}]",
                    },
                }
            )
    if not descriptor_map:
        raise InvalidInput("nothing selected", code="pe.selection")
    return {"id": submission_id, "definition_id": evaluation.definition_id, "descriptor_map": descriptor_map}
