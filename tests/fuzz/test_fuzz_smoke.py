"""A short budget of every fuzz target (the long run is ``python fuzz/run.py --minutes N``).

Each parser target gets mutated seeds (hypothesis drives the mutation engine's RNG, so a
failure shrinks) and inputs generated from scratch; each tamper target gets mutated VALID
credentials. A case fails on any exception outside DidkitError, and a tamper case fails if
``verify`` reports a non-neutral change verified (see ``fuzz.targets``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from fuzz.corpus import samples
from fuzz.strategies import cases, raw_inputs
from fuzz.targets import TARGETS, is_ecdsa_malleation, is_neutral, run_case

SLOW = {"bitstring_bomb": 8, "token_status_list": 8, "pe": 10, "bbs_inputs": 8, "tamper:bbs-2023": 12}
PARSERS = [n for n, t in TARGETS.items() if t.tamper is None]
TAMPER = [n for n, t in TARGETS.items() if t.tamper is not None]
SETTINGS: dict[str, Any] = {"deadline": None, "suppress_health_check": list(HealthCheck), "database": None}


def _check(name: str, case: Any) -> None:
    outcome = run_case(TARGETS[name], case)
    if outcome.kind == "malleable":
        return  # ECDSA (r, n - s): counted apart, see test_ecdsa_malleability_is_classified
    assert outcome.kind == "ok", f"{name}: {outcome.kind}: {outcome.detail}"


@pytest.mark.parametrize("name", PARSERS + TAMPER)
def test_mutated_seeds(name: str) -> None:
    @settings(max_examples=SLOW.get(name, 40), **SETTINGS)
    @given(cases(name))
    def run(case: Any) -> None:
        _check(name, case)

    run()


@pytest.mark.parametrize("name", PARSERS)
def test_generated_inputs(name: str) -> None:
    @settings(max_examples=SLOW.get(name, 40) // 2, **SETTINGS)
    @given(raw_inputs())
    def run(case: Any) -> None:
        _check(name, case)

    run()


@pytest.mark.parametrize("fmt", [t.tamper for t in TARGETS.values() if t.tamper])
def test_neutral_spellings_verify_and_are_neutral(fmt: str) -> None:
    """The neutral changes the definition allows do verify (so the oracle is not vacuous)."""
    sample = samples()[fmt]
    original = sample.secured
    if isinstance(original, str):
        variants: list[Any] = [f"  {original}\n", json.dumps(original)]
    else:
        variants = [json.dumps(original, indent=2), dict(reversed(list(original.items())))]
    for v in variants:
        assert is_neutral(fmt, original, v)
        assert run_case(TARGETS[f"tamper:{fmt}"], v).kind == "ok"
        result = TARGETS[f"tamper:{fmt}"].call(v)
        assert result.verified, result.to_dict()


@pytest.mark.parametrize("fmt", [t.tamper for t in TARGETS.values() if t.tamper])
def test_one_changed_claim_is_not_neutral_and_fails(fmt: str) -> None:
    original = samples()[fmt].secured
    if isinstance(original, str):
        i = len(original) // 3
        changed: Any = original[:i] + ("A" if original[i] != "A" else "B") + original[i + 1 :]
    else:
        changed = json.loads(json.dumps(original))
        changed["credentialSubject"]["over21"] = False
    assert not is_neutral(fmt, original, changed)
    assert run_case(TARGETS[f"tamper:{fmt}"], changed).kind == "ok"


def test_run_py_short_budget() -> None:
    """The long-run driver itself works end to end (two cheap targets, a few cases)."""
    proc = subprocess.run(
        [
            sys.executable,
            "fuzz/run.py",
            "--minutes",
            "0.02",
            "--workers",
            "1",
            "--seed",
            "7",
            "--target",
            "did",
            "--target",
            "jws",
            "--max-cases",
            "300",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "did.parse_did" in proc.stdout and "total" in proc.stdout


def test_ecdsa_malleability_is_classified() -> None:
    """(r, n - s) of an ES256 vp+jwt still verifies (ECDSA is malleable); it is flagged apart."""
    from didkit_py._encoding import b64url_decode, b64url_encode
    from fuzz.mutate import P256_ORDER

    vp = samples()["vp+jwt"].secured
    assert isinstance(vp, str)
    h, p, s = vp.split(".")
    sig = b64url_decode(s)
    flipped = sig[:32] + (P256_ORDER - int.from_bytes(sig[32:], "big")).to_bytes(32, "big")
    mutated = f"{h}.{p}.{b64url_encode(flipped)}"
    assert not is_neutral("vp+jwt", vp, mutated) and is_ecdsa_malleation(vp, mutated)
    assert run_case(TARGETS["tamper:vp+jwt"], mutated).kind == "malleable"


def test_run_py_fill_runs_each_target_to_max_cases() -> None:
    """``--fill``: no equal time split; each target stops at ``--max-cases`` (the run's minutes
    are only the cap). The table names the seed and the code revision."""
    proc = subprocess.run(
        [
            sys.executable,
            *("fuzz/run.py", "--minutes", "1", "--workers", "1", "--seed", "7", "--fill", "--json"),
            *("--target", "did", "--target", "disclosure", "--max-cases", "500"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [(r["target"], r["cases"]) for r in rows] == [("did", 500), ("disclosure", 500)]
    assert "seed 7, started " in proc.stdout and ", code " in proc.stdout
