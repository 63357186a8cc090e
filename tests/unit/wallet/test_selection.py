"""Choosing what answers a request: DCQL credential sets (alternatives, optional sets), several
matching credentials, ``--select`` / ``--option`` and what ``--yes`` does without them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Cli, WriteFile
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cli import _holder, _holder_jwk
from wworld import DEGREE_QUERY, PID_QUERY, SECRET_NAME, Issuers, VerifierApp

from didkit_py.errors import InvalidInput
from wallet.core import OpenChoice, SelectionError, choose_dcql_queries, parse_option_flags

PID = PID_QUERY["credentials"][0]
DEGREE = DEGREE_QUERY["credentials"][0]


def _query(*sets: dict[str, Any]) -> dict[str, Any]:
    return {"credentials": [PID, DEGREE], "credential_sets": list(sets)}


EITHER = _query({"options": [["pid"], ["degree"]]})
PID_PLUS_OPTIONAL_DEGREE = _query({"options": [["pid"]]}, {"required": False, "options": [["degree"]]})


# --------------------------------------------------------------------------- the rules, in-process


def _choose(
    query: dict[str, Any],
    *,
    have: tuple[str, ...] = ("pid", "degree"),
    select: dict[str, str] | None = None,
    options: dict[str | None, int] | None = None,
    answer: str | None = "refuse",
) -> tuple[list[str], dict[str, int], list[OpenChoice]]:
    asked: list[OpenChoice] = []

    def decide(choice: OpenChoice) -> str | None:
        asked.append(choice)
        if answer == "refuse":
            raise SelectionError(choice.describe(), code="wallet.selection_needed")
        return answer

    used, chosen = choose_dcql_queries(
        query, lambda q: q in have, select=select or {}, options=options or {}, decide=decide
    )
    return used, chosen, asked


def test_without_sets_every_query_is_answered_without_asking() -> None:
    query = {"credentials": [PID, DEGREE]}
    assert _choose(query)[:2] == (["pid", "degree"], {"1": 1})


def test_alternatives_are_a_choice_unless_only_one_is_answerable() -> None:
    with pytest.raises(SelectionError) as e:
        _choose(EITHER)
    assert "--option 1=1 (pid)" in str(e.value) and "--option 1=2 (degree)" in str(e.value)
    assert _choose(EITHER, have=("degree",))[:2] == (["degree"], {"1": 2})  # only one answerable
    assert _choose(EITHER, options={None: 2})[:2] == (["degree"], {"1": 2})
    assert _choose(EITHER, options={"1": 1})[:2] == (["pid"], {"1": 1})
    assert _choose(EITHER, select={"degree": "ab12"})[:2] == (["degree"], {"1": 2})  # implied
    used, chosen, asked = _choose(EITHER, answer="2")
    assert (used, chosen) == (["degree"], {"1": 2})
    assert asked[0].kind == "option" and asked[0].default == "1" and asked[0].required


def test_optional_sets_are_left_out_unless_chosen() -> None:
    used, chosen, asked = _choose(PID_PLUS_OPTIONAL_DEGREE, answer=None)
    assert (used, chosen) == (["pid"], {"1": 1}) and not asked[0].required
    assert _choose(PID_PLUS_OPTIONAL_DEGREE, options={"2": 1})[:2] == (["pid", "degree"], {"1": 1, "2": 1})
    assert _choose(PID_PLUS_OPTIONAL_DEGREE, select={"degree": "ab12"})[0] == ["pid", "degree"]
    assert _choose(PID_PLUS_OPTIONAL_DEGREE, options={None: 1})[0] == ["pid", "degree"]  # the open set
    assert _choose(PID_PLUS_OPTIONAL_DEGREE, options={"2": 0}, answer="refuse")[0] == ["pid"]
    # An optional set the wallet cannot answer is simply not answered.
    assert _choose(PID_PLUS_OPTIONAL_DEGREE, have=("pid",), answer="refuse")[0] == ["pid"]


@pytest.mark.parametrize(
    ("query", "kw", "message"),
    [
        (EITHER, {"options": {"1": 3}}, "credential set 1 has 2 option(s)"),
        (EITHER, {"options": {"2": 1}}, "this request has 1 credential set(s)"),
        (EITHER, {"options": {"1": 0}}, "is required and cannot be left out"),
        (
            EITHER,
            {"options": {"1": 2}, "have": ("pid",)},
            "cannot answer option 2 (degree); answerable: 1 (pid)",
        ),
        (EITHER, {"options": {"1": 1}, "select": {"degree": "ab"}}, "not part of the options chosen"),
        (EITHER, {"select": {"pid": "a", "degree": "b"}}, "no answerable option of credential set 1"),
        (EITHER, {"select": {"mdl": "ab12"}}, "names no credential query of this request: mdl"),
        (
            _query({"options": [["pid"], ["degree"]]}, {"options": [["pid"], ["degree"]]}),
            {"options": {None: 1}},
            "say which with --option SET=N",
        ),
        (_query({"required": False, "options": [["pid"]]}), {"answer": None}, "nothing would be sent"),
    ],
)
def test_selections_that_do_not_fit_are_refused(
    query: dict[str, Any], kw: dict[str, Any], message: str
) -> None:
    with pytest.raises(SelectionError) as e:
        _choose(query, **kw)
    assert message in str(e.value)
    assert e.value.exit_code == 2 and isinstance(e.value, InvalidInput)


def test_parse_option_flags() -> None:
    assert parse_option_flags(["2"]) == {None: 2}
    assert parse_option_flags(["1=2", "3=0"]) == {"1": 2, "3": 0}
    for bad in (["x"], ["1=x"], ["a=1"], ["=1"], ["1", "2"], ["1=1", "1=2"], ["-1"]):
        with pytest.raises(SelectionError):
            parse_option_flags(bad)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=14), max_size=4))
def test_parse_option_flags_any_input(values: list[str]) -> None:
    try:
        out = parse_option_flags(values)
    except InvalidInput:
        return
    assert len(out) == len(values)
    assert all(isinstance(n, int) and n >= 0 for n in out.values())


# --------------------------------------------------------------------------- the CLI, to a verifier


def _wallet_with_pid_and_degree(cli: Cli, issuers: Issuers, write_file: WriteFile) -> tuple[str, str]:
    did = _holder(cli)["did"]
    pid = cli.json("import", str(write_file("s.txt", issuers.sd_jwt(_holder_jwk(cli)))))["id"]
    degree = cli.json("import", str(write_file("b.json", issuers.bbs_credential(did))))["id"]
    return pid, degree


def test_present_alternatives_with_yes(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, rp: VerifierApp
) -> None:
    cli = initialised
    pid, degree = _wallet_with_pid_and_degree(cli, issuers, write_file)
    r = cli("present", rp.new_request(EITHER), "--yes", code=2)
    assert "--option 1=1 (pid)" in r.stderr and "--option 1=2 (degree)" in r.stderr
    assert "Traceback" not in r.stderr and not rp.results

    out = cli.json("present", rp.new_request(EITHER), "--yes", "--option", "2")
    assert out["options"] == {"1": 2}
    assert [s["query"] for s in out["sent"]] == ["degree"] and out["sent"][0]["credential"] == degree
    assert list(rp.results[-1]["vp_token"]) == ["degree"]
    assert rp.results[-1]["verdicts"][0]["verdict"] == "accepted"

    out = cli.json("present", rp.new_request(EITHER), "--yes", "--select", f"pid={pid[:6]}")
    assert out["options"] == {"1": 1} and list(rp.results[-1]["vp_token"]) == ["pid"]
    assert rp.results[-1]["verdicts"][0]["verdict"] == "accepted"

    n = len(rp.results)
    r = cli(
        "present", rp.new_request(EITHER), "--yes", "--option", "1=1", "--select", f"degree={degree}", code=2
    )
    assert "not part of the options chosen" in r.stderr
    r = cli("present", rp.new_request(EITHER), "--yes", "--select", f"pid={degree[:8]}", code=2)
    assert f"names none of the credentials that answer query 'pid': {pid[:8]}" in r.stderr
    r = cli("present", rp.new_request(EITHER), "--yes", "--option", "7", code=2)
    assert "has 2 option(s)" in r.stderr
    assert len(rp.results) == n  # nothing was sent for any of those
    # Without credential_sets the whole query is one required set with one option.
    out = cli.json("present", rp.new_request(PID_QUERY), "--yes", "--option", "1")
    assert out["options"] == {"1": 1} and out["sent"][0]["credential"] == pid


def test_optional_set_is_sent_only_when_chosen(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, rp: VerifierApp
) -> None:
    cli = initialised
    _pid, degree = _wallet_with_pid_and_degree(cli, issuers, write_file)
    out = cli.json("present", rp.new_request(PID_PLUS_OPTIONAL_DEGREE), "--yes")
    assert [s["query"] for s in out["sent"]] == ["pid"] and list(rp.results[-1]["vp_token"]) == ["pid"]
    assert SECRET_NAME not in json.dumps(rp.results[-1]["vp_token"])
    out = cli.json("present", rp.new_request(PID_PLUS_OPTIONAL_DEGREE), "--yes", "--option", "2=1")
    assert [s["query"] for s in out["sent"]] == ["pid", "degree"]
    assert [v["verdict"] for v in rp.results[-1]["verdicts"]] == ["accepted", "accepted"]
    assert cli.json("history")[-1]["credentials"][1]["id"] == degree


def test_presentation_definition_with_two_candidates(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, rp: VerifierApp
) -> None:
    from wworld import PE_DEFINITION

    cli = initialised
    did = _holder(cli)["did"]
    a = cli.json("import", str(write_file("a.json", issuers.bbs_credential(did))))["id"]
    b = cli.json("import", str(write_file("b.json", issuers.bbs_credential(did))))["id"]
    r = cli("present", rp.new_request(PE_DEFINITION), "--yes", code=2)
    assert f"--select degree={a[:8]}" in r.stderr and f"--select degree={b[:8]}" in r.stderr
    r = cli("present", rp.new_request(PE_DEFINITION), "--yes", "--option", "1", code=2)
    assert "presentation definition" in r.stderr
    out = cli.json("present", rp.new_request(PE_DEFINITION), "--yes", "--select", f"degree={b}")
    assert out["sent"][0]["credential"] == b
    assert rp.results[-1]["verdicts"][0]["verdict"] == "accepted"


def test_interactive_choice_prompts_with_the_suggestion(monkeypatch: pytest.MonkeyPatch) -> None:
    import wallet.cli as wcli

    class Tty:
        def isatty(self) -> bool:
            return True

    asked: list[tuple[int, int, int]] = []
    answers = iter([2, 0])

    def prompt(text: str, *, default: int, type: Any, err: bool) -> int:
        asked.append((default, type.min, type.max))
        return next(answers)

    monkeypatch.setattr(wcli.sys, "stdin", Tty())
    monkeypatch.setattr(wcli.typer, "prompt", prompt)
    required = OpenChoice("option", "1", True, (("1", "pid"), ("2", "degree")), "1")
    assert wcli._decide(required, yes=False) == "2"
    optional = OpenChoice("option", "2", False, (("1", "degree"),), "1")
    assert wcli._decide(optional, yes=False) is None  # 0 leaves it out, and is the default
    assert asked == [(1, 1, 2), (0, 0, 1)]
    # --yes never asks: an optional set is left out, a required choice is a usage error.
    assert wcli._decide(optional, yes=True) is None
    with pytest.raises(SelectionError, match="--yes needs an explicit choice"):
        wcli._decide(required, yes=True)
