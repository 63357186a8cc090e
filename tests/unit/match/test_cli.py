from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from didkit_py.cli.main import app

from .conftest import SAMPLE

pytestmark = pytest.mark.skipif(not SAMPLE.is_dir(), reason="matcher sample not found")
runner = CliRunner()


def test_single_request_json(tmp_path: Path) -> None:
    req = tmp_path / "r.json"
    req.write_text(json.dumps({"purpose": "Prove that I am over 18"}))
    res = runner.invoke(
        app, ["match", "--wallet", str(SAMPLE / "wallet.json"), "--request", str(req), "--json", "--lexical"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["kind"] == "nl"
    first = out["recommendations"][0]
    assert set(first) >= {"credential", "score", "claims", "explanation"}
    assert first["claims"] == ["credentialSubject.age_over_18"]


def test_pe_request_and_top_k(tmp_path: Path) -> None:
    reqs = json.loads((SAMPLE / "requests.json").read_text())["requests"]
    pe09 = next(r for r in reqs if r["id"] == "pe-09")
    req = tmp_path / "pe.json"
    req.write_text(json.dumps(pe09["request"]))
    args = ["match", "-w", str(SAMPLE / "wallet.json"), "-r", str(req), "--json", "--lexical"]
    out = json.loads(runner.invoke(app, args).stdout)
    assert out["kind"] == "pe" and {r["credential"] for r in out["recommendations"]} == set(pe09["relevant"])
    out = json.loads(runner.invoke(app, [*args, "--top-k", "1"]).stdout)
    assert len(out["recommendations"]) == 1


def test_empty_answer_and_table(tmp_path: Path) -> None:
    req = tmp_path / "r.json"
    req.write_text(json.dumps({"purpose": "Book a table at a restaurant"}))
    res = runner.invoke(
        app, ["match", "-w", str(SAMPLE / "wallet.json"), "-r", str(req), "--lexical", "--json"]
    )
    assert json.loads(res.stdout)["recommendations"] == []
    res = runner.invoke(app, ["match", "-w", str(SAMPLE / "wallet.json"), "-r", str(req), "--lexical"])
    assert res.exit_code == 0 and "nothing in the wallet" in res.stdout


def test_batch_predictions_score_with_eval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    res = runner.invoke(
        app,
        [
            "match",
            "-w",
            str(SAMPLE / "wallet.json"),
            "--requests",
            str(SAMPLE / "requests.json"),
            "--lexical",
        ],
    )
    assert res.exit_code == 0, res.output
    preds = json.loads(res.stdout)
    assert len(preds) == 30 and all(set(p) == {"credentials", "claims"} for p in preds.values())
    pf = tmp_path / "preds.json"
    pf.write_text(res.stdout)
    argv = sys.argv
    sys.argv = ["eval.py", "--data", str(SAMPLE), "--predictions", str(pf), "--json"]
    try:
        runpy.run_path(str(SAMPLE / "eval.py"), run_name="__main__")
    finally:
        sys.argv = argv
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert summary["pe"]["exact_set_acc"] == 1.0 and summary["dcql"]["exact_set_acc"] == 1.0
    assert summary["nl"]["p_at_1"] >= 0.9


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("{not json", 3),
        (
            json.dumps(
                {
                    "input_descriptors": [{"id": "d", "constraints": {"fields": [{"path": ["bad"]}]}}],
                    "id": "x",
                }
            ),
            3,
        ),
        (json.dumps({"what": 1}), 3),
    ],
)
def test_bad_request_exit_codes(tmp_path: Path, content: str, code: int) -> None:
    req = tmp_path / "r.json"
    req.write_text(content)
    res = runner.invoke(app, ["match", "-w", str(SAMPLE / "wallet.json"), "-r", str(req), "--lexical"])
    assert res.exit_code == code
    assert "Traceback" not in res.output


def test_needs_exactly_one_request_option() -> None:
    res = runner.invoke(app, ["match", "-w", str(SAMPLE / "wallet.json")])
    assert res.exit_code == 2
