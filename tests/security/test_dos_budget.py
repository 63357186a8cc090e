"""Work a small hostile input can cause, counted in operations (tests never assert timings).

Found by the fuzzer's ``pe`` target (4 cases/s): jsonpath-ng builds its PLY parser on every
``parse`` call (~70-150 ms each), and a Presentation Exchange definition compiles every JSONPath
it names. A 1.8 KB definition with 64 distinct plain paths costs ~5-10 s of CPU in a wallet that
evaluates it (the limits allow 256 descriptors x 256 fields). Fixed by the exchange owner in
4bbe3e8 (plain paths never reach jsonpath-ng's grammar parser); these tests keep it so.
"""

from __future__ import annotations

from typing import Any

import pytest

from didkit_py.exchange import PresentationExchange


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import jsonpath_ng.ext

    calls: list[str] = []
    real = jsonpath_ng.ext.parse

    def parse(expr: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(expr)
        return real(expr, *args, **kwargs)

    monkeypatch.setattr(jsonpath_ng.ext, "parse", parse)
    return calls


def _definition(paths: list[str]) -> dict[str, Any]:
    return {"id": "x", "input_descriptors": [{"id": "a", "constraints": {"fields": [{"path": paths}]}}]}


def test_repeated_paths_compile_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_parses(monkeypatch)
    PresentationExchange().parse(_definition(["$.credentialSubject.name"] * 50))
    assert len(calls) <= 1


def test_plain_paths_need_no_grammar_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_parses(monkeypatch)
    PresentationExchange().parse(_definition([f"$.credentialSubject.p{i}" for i in range(8)]))
    assert calls == []
