"""OpenID for Verifiable Presentations 1.0 §6: the Digital Credentials Query Language (DCQL).

https://openid.net/specs/openid-4-verifiable-presentations-1_0.html#name-digital-credentials-query-l

§6.1 Credential Query (``id``, ``format``, ``meta``, ``claims``, ``claim_sets``, ``multiple``),
§6.2 Credential Set Query (``options``, ``required``), §6.3 Claims Query (``id``, ``path``,
``values``), §6.4 selecting claims and credentials, §7 claims path pointers, Appendix B format
``meta`` (``type_values`` for ``ldp_vc`` / ``jwt_vc_json`` against the *expanded* types,
``vct_values`` for ``dc+sd-jwt``, ``doctype_value`` for ``mso_mdoc``).

As with PE, a credential outside its validity period at ``now`` never matches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import InvalidInput
from .credential import HeldCredential
from .paths import ClaimPath, select_claims_path, validate_claims_path

__all__ = [
    "CredentialQueryResult",
    "DcqlEvaluation",
    "DcqlMatch",
    "evaluate_dcql_query",
]

_ID_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_MAX_QUERIES = 256
_MAX_CLAIMS = 256


@dataclass(frozen=True, slots=True)
class _Claim:
    id: str | None
    path: ClaimPath
    values: tuple[Any, ...] | None


@dataclass(frozen=True, slots=True)
class _CredentialQuery:
    id: str
    format: str
    meta: Mapping[str, Any]
    claims: tuple[_Claim, ...] | None
    claim_sets: tuple[tuple[str, ...], ...] | None
    multiple: bool
    trusted_authorities: tuple[Any, ...] | None
    at: str


@dataclass(frozen=True, slots=True)
class _CredentialSet:
    options: tuple[tuple[str, ...], ...]
    required: bool


@dataclass(frozen=True, slots=True)
class DcqlMatch:
    """A credential satisfying a credential query, with the claim paths to disclose.

    ``claims`` is ``None`` when the query has no ``claims`` (the verifier asks for no specific
    claims; what to reveal is the holder's and format's call), else the paths of the first
    satisfiable claim set (or every claim when there are no ``claim_sets``).
    """

    query_id: str
    credential_id: str
    claims: tuple[ClaimPath, ...] | None


@dataclass(frozen=True, slots=True)
class CredentialQueryResult:
    query_id: str
    matches: tuple[DcqlMatch, ...]
    multiple: bool
    reasons: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DcqlEvaluation:
    """Per credential query its matches, which queries a response uses, and whether it can be met."""

    satisfied: bool
    queries: Mapping[str, CredentialQueryResult]
    used_queries: tuple[str, ...]
    problems: tuple[str, ...] = ()

    def matches(self) -> list[DcqlMatch]:
        if not self.satisfied:
            return []
        return [m for q in self.used_queries for m in self.queries[q].matches]

    def credential_ids(self) -> list[str]:
        return list(dict.fromkeys(m.credential_id for m in self.matches()))

    def claims_for(self, credential_id: str) -> list[ClaimPath] | None:
        out: dict[ClaimPath, None] = {}
        whole = False
        for m in self.matches():
            if m.credential_id == credential_id:
                if m.claims is None:
                    whole = True
                else:
                    out.update(dict.fromkeys(m.claims))
        return None if whole and not out else list(out)


def _require_obj(v: Any, at: str, what: str) -> Mapping[str, Any]:
    if not isinstance(v, Mapping):
        raise InvalidInput(f"{what} must be a JSON object", code="dcql.type", at=at)
    return v


def _str_array_of_arrays(v: Any, at: str) -> None:
    if not isinstance(v, list) or not v:
        raise InvalidInput("must be a non-empty array of arrays of strings", code="dcql.meta", at=at)
    for i, inner in enumerate(v):
        if not isinstance(inner, list) or not inner or not all(isinstance(s, str) for s in inner):
            raise InvalidInput("must be a non-empty array of strings", code="dcql.meta", at=f"{at}/{i}")


def _parse_meta(fmt: str, meta: Any, at: str) -> Mapping[str, Any]:
    m = _require_obj(meta, at, "meta")
    # Appendix B: each format's meta parameter is REQUIRED for that format
    required = {"ldp_vc": "type_values", "jwt_vc_json": "type_values", "dc+sd-jwt": "vct_values",
                "vc+sd-jwt": "vct_values", "mso_mdoc": "doctype_value"}.get(fmt)  # fmt: skip
    if required is not None and required not in m:
        raise InvalidInput(f"meta.{required} is required for {fmt}", code="dcql.meta", at=f"{at}/{required}")
    if fmt in ("ldp_vc", "jwt_vc_json") and "type_values" in m:
        _str_array_of_arrays(m["type_values"], f"{at}/type_values")
    if fmt in ("dc+sd-jwt", "vc+sd-jwt") and "vct_values" in m:
        v = m["vct_values"]
        if not isinstance(v, list) or not v or not all(isinstance(s, str) for s in v):
            raise InvalidInput(
                "vct_values must be a non-empty array of strings", code="dcql.meta", at=f"{at}/vct_values"
            )
    if fmt == "mso_mdoc" and "doctype_value" in m and not isinstance(m["doctype_value"], str):
        raise InvalidInput("doctype_value must be a string", code="dcql.meta", at=f"{at}/doctype_value")
    return m


def _parse_claim(raw: Any, at: str, need_id: bool) -> _Claim:
    obj = _require_obj(raw, at, "claims query")
    cid = obj.get("id")
    if cid is not None and (not isinstance(cid, str) or not _ID_RE.match(cid)):
        raise InvalidInput("claim id must be alphanumeric, '_' or '-'", code="dcql.id", at=f"{at}/id")
    if need_id and cid is None:
        raise InvalidInput("claim id is required when claim_sets is present", code="dcql.id", at=f"{at}/id")
    if "path" not in obj:
        raise InvalidInput("claims query needs a path", code="dcql.path", at=f"{at}/path")
    path = validate_claims_path(obj["path"], at=f"{at}/path")
    values: tuple[Any, ...] | None = None
    if "values" in obj:
        vals = obj["values"]
        if not isinstance(vals, list) or not vals:
            raise InvalidInput("values must be a non-empty array", code="dcql.values", at=f"{at}/values")
        for i, v in enumerate(vals):
            if not isinstance(v, str | int | bool) or isinstance(v, float):
                raise InvalidInput(
                    "values must be strings, integers or booleans", code="dcql.values", at=f"{at}/values/{i}"
                )
        values = tuple(vals)
    return _Claim(cid, path, values)


def _parse_query(raw: Any, at: str) -> _CredentialQuery:
    obj = _require_obj(raw, at, "credential query")
    qid = obj.get("id")
    if not isinstance(qid, str) or not _ID_RE.match(qid):
        raise InvalidInput(
            "credential query id must be alphanumeric, '_' or '-'", code="dcql.id", at=f"{at}/id"
        )
    fmt = obj.get("format")
    if not isinstance(fmt, str) or not fmt:
        raise InvalidInput("credential query needs a format string", code="dcql.format", at=f"{at}/format")
    multiple = obj.get("multiple", False)
    if not isinstance(multiple, bool):
        raise InvalidInput("multiple must be a boolean", code="dcql.type", at=f"{at}/multiple")
    for flag in ("require_cryptographic_holder_binding",):
        if flag in obj and not isinstance(obj[flag], bool):
            raise InvalidInput(f"{flag} must be a boolean", code="dcql.type", at=f"{at}/{flag}")
    if "meta" not in obj:
        raise InvalidInput("credential query needs meta", code="dcql.meta", at=f"{at}/meta")
    meta = _parse_meta(fmt, obj["meta"], f"{at}/meta")
    ta: tuple[Any, ...] | None = None
    if "trusted_authorities" in obj:
        t = obj["trusted_authorities"]
        if not isinstance(t, list) or not t or not all(isinstance(x, Mapping) for x in t):
            raise InvalidInput(
                "trusted_authorities must be a non-empty array of objects",
                code="dcql.type",
                at=f"{at}/trusted_authorities",
            )
        ta = tuple(t)
    claim_sets_raw = obj.get("claim_sets")
    claims: tuple[_Claim, ...] | None = None
    if "claims" in obj:
        cl = obj["claims"]
        if not isinstance(cl, list) or not cl:
            raise InvalidInput("claims must be a non-empty array", code="dcql.claims", at=f"{at}/claims")
        if len(cl) > _MAX_CLAIMS:
            raise InvalidInput("too many claims", code="dcql.limit", at=f"{at}/claims")
        claims = tuple(
            _parse_claim(c, f"{at}/claims/{i}", claim_sets_raw is not None) for i, c in enumerate(cl)
        )
        ids = [c.id for c in claims if c.id is not None]
        if len(set(ids)) != len(ids):
            raise InvalidInput("claim ids must be unique", code="dcql.id", at=f"{at}/claims")
    claim_sets: tuple[tuple[str, ...], ...] | None = None
    if claim_sets_raw is not None:
        if claims is None:
            raise InvalidInput("claim_sets needs claims", code="dcql.claim_sets", at=f"{at}/claim_sets")
        if not isinstance(claim_sets_raw, list) or not claim_sets_raw:
            raise InvalidInput(
                "claim_sets must be a non-empty array", code="dcql.claim_sets", at=f"{at}/claim_sets"
            )
        known = {c.id for c in claims}
        sets: list[tuple[str, ...]] = []
        for i, s in enumerate(claim_sets_raw):
            if not isinstance(s, list) or not s or not all(isinstance(x, str) for x in s):
                raise InvalidInput(
                    "a claim set must be a non-empty array of claim ids",
                    code="dcql.claim_sets",
                    at=f"{at}/claim_sets/{i}",
                )
            for x in s:
                if x not in known:
                    raise InvalidInput(
                        f"unknown claim id {x!r}", code="dcql.claim_sets", at=f"{at}/claim_sets/{i}"
                    )
            sets.append(tuple(s))
        claim_sets = tuple(sets)
    return _CredentialQuery(qid, fmt, meta, claims, claim_sets, multiple, ta, at)


def parse_dcql_query(query: Any) -> tuple[tuple[_CredentialQuery, ...], tuple[_CredentialSet, ...] | None]:
    """Validate a DCQL query (§6) and return its credential queries and credential sets."""
    if isinstance(query, Mapping) and "dcql_query" in query and len(query) == 1:
        query = query["dcql_query"]
    obj = _require_obj(query, "", "DCQL query")
    creds = obj.get("credentials")
    if not isinstance(creds, list) or not creds:
        raise InvalidInput(
            "credentials must be a non-empty array", code="dcql.credentials", at="/credentials"
        )
    if len(creds) > _MAX_QUERIES:
        raise InvalidInput("too many credential queries", code="dcql.limit", at="/credentials")
    queries = tuple(_parse_query(q, f"/credentials/{i}") for i, q in enumerate(creds))
    ids = [q.id for q in queries]
    if len(set(ids)) != len(ids):
        raise InvalidInput("credential query ids must be unique", code="dcql.id", at="/credentials")
    sets: tuple[_CredentialSet, ...] | None = None
    if "credential_sets" in obj:
        raw = obj["credential_sets"]
        if not isinstance(raw, list) or not raw:
            raise InvalidInput(
                "credential_sets must be a non-empty array",
                code="dcql.credential_sets",
                at="/credential_sets",
            )
        parsed: list[_CredentialSet] = []
        for i, s in enumerate(raw):
            at = f"/credential_sets/{i}"
            so = _require_obj(s, at, "credential set query")
            opts = so.get("options")
            if not isinstance(opts, list) or not opts:
                raise InvalidInput(
                    "options must be a non-empty array", code="dcql.credential_sets", at=f"{at}/options"
                )
            options: list[tuple[str, ...]] = []
            for j, o in enumerate(opts):
                if not isinstance(o, list) or not o or not all(isinstance(x, str) for x in o):
                    raise InvalidInput(
                        "an option must be a non-empty array of credential query ids",
                        code="dcql.credential_sets",
                        at=f"{at}/options/{j}",
                    )
                for x in o:
                    if x not in ids:
                        raise InvalidInput(
                            f"unknown credential query id {x!r}",
                            code="dcql.credential_sets",
                            at=f"{at}/options/{j}",
                        )
                options.append(tuple(o))
            req = so.get("required", True)
            if not isinstance(req, bool):
                raise InvalidInput("required must be a boolean", code="dcql.type", at=f"{at}/required")
            parsed.append(_CredentialSet(tuple(options), req))
        sets = tuple(parsed)
    return queries, sets


def _meta_ok(q: _CredentialQuery, cred: HeldCredential) -> bool:
    m = q.meta
    if "type_values" in m and q.format in ("ldp_vc", "jwt_vc_json"):
        have = set(cred.expanded_types)
        if not any(set(inner) <= have for inner in m["type_values"]):
            return False
    if "vct_values" in m and q.format in ("dc+sd-jwt", "vc+sd-jwt") and cred.vct not in m["vct_values"]:
        return False
    return not ("doctype_value" in m and q.format == "mso_mdoc" and m["doctype_value"] not in cred.types)


def _value_in(value: Any, allowed: Sequence[Any]) -> bool:
    # JSON equality: true is not 1, 1 is not "1".
    return any(type(value) is type(a) and value == a for a in allowed)


def _claim_ok(c: _Claim, cred: HeldCredential) -> bool:
    selected = select_claims_path(cred.document, c.path)
    if selected is None:
        return False
    return c.values is None or any(_value_in(v, c.values) for v in selected)


def _match_query(q: _CredentialQuery, cred: HeldCredential) -> DcqlMatch | str:
    if cred.format != q.format:
        return "format differs"
    if q.trusted_authorities is not None:
        # aki / etsi_tl / openid_federation need the issuer's certificate chain or trust list,
        # which the holder cannot check offline here: refuse rather than over-share.
        return "trusted_authorities cannot be checked offline"
    if not _meta_ok(q, cred):
        return "meta does not match"
    if q.claims is None:
        return DcqlMatch(q.id, cred.id, None)
    ok = {i: _claim_ok(c, cred) for i, c in enumerate(q.claims)}
    if q.claim_sets is None:
        if not all(ok.values()):
            missing = next(c for i, c in enumerate(q.claims) if not ok[i])
            return f"claim {list(missing.path)} not satisfied"
        return DcqlMatch(q.id, cred.id, tuple(c.path for c in q.claims))
    by_id = {c.id: (i, c) for i, c in enumerate(q.claims)}
    for s in q.claim_sets:
        if all(ok[by_id[x][0]] for x in s):
            return DcqlMatch(q.id, cred.id, tuple(by_id[x][1].path for x in s))
    return "no claim set satisfiable"


def evaluate_dcql_query(
    query: Any, credentials: Sequence[HeldCredential], *, now: datetime
) -> DcqlEvaluation:
    """§6.4: which credentials satisfy each credential query and which queries a response uses.

    Without ``credential_sets`` every query is required. With them, a required set needs one
    option whose queries all have a match; the used queries are those of every satisfiable
    option (of optional sets too). An unsatisfiable query yields ``satisfied=False`` and the
    reasons per credential.
    """
    queries, sets = parse_dcql_query(query)
    if now.tzinfo is None:
        raise InvalidInput("now must be timezone-aware", code="exchange.now", at="now")
    results: dict[str, CredentialQueryResult] = {}
    for q in queries:
        found: list[DcqlMatch] = []
        why: dict[str, str] = {}
        for c in credentials:
            if not c.is_valid_at(now):
                why[c.id] = "not valid at the evaluation time"
                continue
            r = _match_query(q, c)
            if isinstance(r, str):
                why[c.id] = r
            else:
                found.append(r)
        results[q.id] = CredentialQueryResult(q.id, tuple(found), q.multiple, why)
    problems: list[str] = []
    used: dict[str, None] = {}
    if sets is None:
        for q in queries:
            if not results[q.id].matches:
                problems.append(f"credential query {q.id!r} has no matching credential")
            used[q.id] = None
    else:
        for i, s in enumerate(sets):
            good = [o for o in s.options if all(results[x].matches for x in o)]
            if not good:
                if s.required:
                    problems.append(f"credential set {i}: no option can be satisfied")
                continue
            for o in good:
                used.update(dict.fromkeys(o))
    return DcqlEvaluation(
        satisfied=not problems, queries=results, used_queries=tuple(used), problems=tuple(problems)
    )
