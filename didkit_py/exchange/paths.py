"""Addressing claims: PE JSONPath expressions and OpenID4VP DCQL claims paths.

Both are used by :mod:`.pe`, :mod:`.dcql` and the matcher, and both end up as *claim paths*
(tuples of object keys, array indices and ``None`` for "every element") so that a disclosure
plan is format-neutral. :func:`dotted` renders one for people and for the sample scorer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import InvalidInput

__all__ = [
    "ClaimPath",
    "JsonPathCache",
    "dotted",
    "jsonpath_to_claim_path",
    "select_claims_path",
    "validate_claims_path",
]

#: A claim path: object keys (str), array indices (int >= 0) and ``None`` (all elements).
ClaimPath = tuple[str | int | None, ...]

#: Member names jsonpath-ng's lexer accepts after a dot (its ID token).
_DOT_NAME = re.compile(r"[A-Za-z_@][A-Za-z0-9_@\-]*")
#: JSONPath expressions longer than this are refused rather than compiled.
MAX_JSONPATH_LEN = 1024
#: DCQL claims paths deeper than this are refused.
MAX_CLAIMS_PATH_LEN = 64


class JsonPathCache:
    """Compiles JSONPath expressions once per evaluator.

    Plain paths (``$.a.b``, ``$['a'][0]``, ``[*]``) are parsed and walked by us; only
    expressions with filters, slices or recursive descent go to jsonpath-ng's extended grammar,
    whose PLY parser costs ~0.1 s per compile (a hostile definition with many distinct paths
    would otherwise cost seconds). The cache lives in the evaluator object (no module-level
    state) and is bounded.
    """

    def __init__(self, max_size: int = 512) -> None:
        self._cache: dict[str, Any] = {}
        self._max = max_size

    def compile(self, expr: Any, *, at: str) -> Any:
        """A compiled expression: a claim path (tuple) for plain paths, else a jsonpath-ng object."""
        if not isinstance(expr, str):
            raise InvalidInput("JSONPath must be a string", code="exchange.jsonpath", at=at)
        hit = self._cache.get(expr)
        if hit is not None:
            return hit
        if len(expr) > MAX_JSONPATH_LEN:
            raise InvalidInput("JSONPath is too long", code="exchange.jsonpath", at=at)
        if not expr.startswith("$"):
            raise InvalidInput("JSONPath must start with '$'", code="exchange.jsonpath", at=at)
        compiled: Any = jsonpath_to_claim_path(expr)
        if compiled is None:
            from jsonpath_ng.ext import parse  # imported lazily: it builds its grammar tables on import

            try:
                compiled = parse(expr)
            except Exception as exc:  # jsonpath-ng raises bare Exception subclasses (lexer, parser)
                raise InvalidInput(f"invalid JSONPath: {exc}", code="exchange.jsonpath", at=at) from None
        if len(self._cache) >= self._max:
            self._cache.clear()
        self._cache[expr] = compiled
        return compiled

    def find(self, expr: str, document: Any, *, at: str) -> list[Any]:
        """The values ``expr`` selects in ``document`` (empty when it does not resolve)."""
        compiled = self.compile(expr, at=at)
        if isinstance(compiled, tuple):
            return _walk(document, compiled)
        try:
            return [m.value for m in compiled.find(document)]
        except (TypeError, ValueError, KeyError, AttributeError, IndexError):
            # A filter comparing incompatible types does not select anything.
            return []


def _walk(document: Any, path: ClaimPath) -> list[Any]:
    """JSONPath semantics for a plain path: missing members and out-of-range indices select nothing."""
    selected = [document]
    for comp in path:
        nxt: list[Any] = []
        for el in selected:
            if comp is None:
                if isinstance(el, list):
                    nxt.extend(el)
                elif isinstance(el, Mapping):
                    nxt.extend(el.values())
            elif isinstance(comp, int):
                if isinstance(el, list) and comp < len(el):
                    nxt.append(el[comp])
            elif isinstance(el, Mapping) and comp in el:
                nxt.append(el[comp])
        selected = nxt
        if not selected:
            return []
    return selected


def jsonpath_to_claim_path(expr: str) -> ClaimPath | None:
    """``$.a.b[0].c`` / ``$['a']['b'][*]`` as a claim path; ``None`` when it is not a plain path."""
    if not expr.startswith("$"):
        return None
    out: list[str | int | None] = []
    i, n = 1, len(expr)
    while i < n:
        ch = expr[i]
        if ch == ".":
            if expr.startswith("..", i):
                return None
            j = i + 1
            while j < n and expr[j] not in ".[":
                j += 1
            name = expr[i + 1 : j]
            if not (name == "*" or _DOT_NAME.fullmatch(name)):
                return None  # leave anything unusual to jsonpath-ng (and its errors)
            out.append(None if name == "*" else name)
            i = j
        elif ch == "[":
            j = expr.find("]", i)
            if j < 0:
                return None
            inner = expr[i + 1 : j].strip()
            if inner == "*":
                out.append(None)
            elif inner.isdigit():
                out.append(int(inner))
            elif (
                len(inner) >= 2
                and inner[0] == inner[-1]
                and inner[0] in "'\""
                and inner[0] not in inner[1:-1]
            ):
                out.append(inner[1:-1])
            else:
                return None
            i = j + 1
        else:
            return None
    return tuple(out)


def dotted(path: Sequence[str | int | None] | str) -> str:
    """A claim path in dotted form (``credentialSubject.courses.*.title``); JSONPath is normalised."""
    if isinstance(path, str):
        cp = jsonpath_to_claim_path(path)
        if cp is None:
            return path
        path = cp
    return ".".join("*" if p is None else str(p) for p in path)


def validate_claims_path(path: Any, *, at: str) -> ClaimPath:
    """OpenID4VP 1.0 §7: a non-empty array of strings, non-negative integers and nulls."""
    if not isinstance(path, list) or not path:
        raise InvalidInput("claims path must be a non-empty array", code="dcql.path", at=at)
    if len(path) > MAX_CLAIMS_PATH_LEN:
        raise InvalidInput("claims path is too long", code="dcql.path", at=at)
    for i, p in enumerate(path):
        if p is None or isinstance(p, str):
            continue
        if isinstance(p, int) and not isinstance(p, bool) and p >= 0:
            continue
        raise InvalidInput(
            "claims path elements must be strings, non-negative integers or null",
            code="dcql.path",
            at=f"{at}/{i}",
        )
    return tuple(path)


def select_claims_path(document: Any, path: Sequence[str | int | None]) -> list[Any] | None:
    """OpenID4VP 1.0 §7.1 "Processing": the elements ``path`` selects, or ``None`` when it fails.

    Start with the root; a string selects that key of every selected object (elements without
    the key are dropped), an integer that index of every array, ``null`` every element of every
    array. A selected element of the wrong kind (a string component on a non-object, an index
    or ``null`` on a non-array) or an empty selection aborts processing: the claim does not exist.
    """
    selected: list[Any] = [document]
    for component in path:
        nxt: list[Any] = []
        for el in selected:
            if isinstance(component, str):
                if not isinstance(el, Mapping):
                    return None
                if component in el:
                    nxt.append(el[component])
            elif not isinstance(el, list):
                return None
            elif component is None:
                nxt.extend(el)
            elif 0 <= component < len(el):
                nxt.append(el[component])
        if not nxt:
            return None
        selected = nxt
    return selected
