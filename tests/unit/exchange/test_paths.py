# ruff: noqa: SIM105  (fixtures read best one per line; total-function tests use try/except)
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.errors import InvalidInput
from didkit_py.exchange import JsonPathCache, dotted, select_claims_path
from didkit_py.exchange.paths import jsonpath_to_claim_path, validate_claims_path

DOC = {"a": {"b": [{"c": 1}, {"c": 2}, {"d": 3}], "s": "x"}, "n": None}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (["a", "s"], ["x"]),
        (["a", "b", 0, "c"], [1]),
        (["a", "b", None, "c"], [1, 2]),  # elements without the key drop out
        (["a", "b", 9], None),  # index out of range: empty selection
        (["a", "s", 0], None),  # index on a non-array aborts
        (["a", "b", "c"], None),  # key on an array aborts
        (["a", "s", None], None),  # null on a non-array aborts
        (["zz"], None),
        (["n"], [None]),
    ],
)
def test_select_claims_path(path: list[Any], expected: list[Any] | None) -> None:
    assert select_claims_path(DOC, path) == expected


@pytest.mark.parametrize("bad", [[], "a", [True], [-1], [1.5], [{}], ["a"] * 65])
def test_validate_claims_path_rejects(bad: Any) -> None:
    with pytest.raises(InvalidInput):
        validate_claims_path(bad, at="/p")


def test_jsonpath_cache() -> None:
    c = JsonPathCache()
    assert c.find("$.a.b[*].c", DOC, at="/p") == [1, 2]
    assert c.find("$.a.zz", DOC, at="/p") == []
    assert c.find("$.a.b[?(@.c > 1)].c", DOC, at="/p") == [2]
    for bad in ["a.b", "$..[", "$.a[?(@.x ==)]", 5, "$" + ".a" * 600]:
        with pytest.raises(InvalidInput):
            c.compile(bad, at="/p")


@pytest.mark.parametrize(
    ("expr", "cp"),
    [
        ("$.a.b", ("a", "b")),
        ("$['a']['b c']", ("a", "b c")),
        ("$.a[*].t", ("a", None, "t")),
        ("$.a[2]", ("a", 2)),
        ("$..a", None),
        ("$.a[?(@.x)]", None),
    ],
)
def test_jsonpath_to_claim_path(expr: str, cp: tuple[Any, ...] | None) -> None:
    assert jsonpath_to_claim_path(expr) == cp


def test_dotted() -> None:
    assert dotted(["credentialSubject", "courses", None, "title"]) == "credentialSubject.courses.*.title"
    assert dotted("$.credentialSubject.x[0]") == "credentialSubject.x.0"


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_jsonpath_compile_total(expr: str) -> None:
    try:
        JsonPathCache().compile(expr, at="/p")
    except InvalidInput:
        pass


@settings(max_examples=200)
@given(st.lists(st.one_of(st.none(), st.text(max_size=3), st.integers(-2, 4), st.booleans()), max_size=5))
def test_claims_path_total(path: list[Any]) -> None:
    try:
        p = validate_claims_path(path, at="/p")
    except InvalidInput:
        return
    res = select_claims_path(DOC, p)
    assert res is None or len(res) >= 1


@pytest.mark.parametrize(
    "expr",
    ["$.a.b[*].c", "$.a.b[1]", "$.a.b[7]", "$.a.s", "$.a.*", "$['a']['s']", "$.zz.y", "$.n", "$.a.b[*]"],
)
def test_plain_path_fast_walk_matches_jsonpath_ng(expr: str) -> None:
    from jsonpath_ng.ext import parse

    assert JsonPathCache().find(expr, DOC, at="/p") == [m.value for m in parse(expr).find(DOC)]


def test_plain_paths_skip_the_grammar_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    # jsonpath-ng builds a PLY parser per compile (~0.1 s): plain paths must not pay it
    import jsonpath_ng.ext

    calls: list[str] = []
    real = jsonpath_ng.ext.parse
    monkeypatch.setattr(jsonpath_ng.ext, "parse", lambda e, *a, **k: calls.append(e) or real(e, *a, **k))
    c = JsonPathCache()
    for expr in ("$.a.b", "$['a']['s']", "$.a.b[*].c", "$.a.b[1]", "$"):
        c.compile(expr, at="/p")
    assert calls == []
    c.compile("$.a.b[?(@.c > 1)]", at="/p")
    assert calls == ["$.a.b[?(@.c > 1)]"]
    for bad in ("$.a b", "$.a.", "$['a]"):
        with pytest.raises(InvalidInput):
            c.compile(bad, at="/p")
