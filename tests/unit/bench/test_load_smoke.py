"""``bench/load.py``: its arithmetic and verdict, its error counting, and a tiny real run.

The real run starts ``issuer serve`` on a throwaway PostgreSQL cluster with two workers and
``verifier serve``, drives every scenario for about a second with two clients, and checks the
JSON and table output and that no request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "bench"
ROW_KEYS = {
    "scenario",
    "service",
    "endpoint",
    "server_workers",
    "clients",
    "seconds",
    "requests",
    "ok",
    "errors",
    "error_rate",
    "throughput_per_s",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "max_ms",
    "server_rss_peak_mib",
    "server_cpu_pct",
    "server_process_cpu_pct",
    "server_processes_exited",
    "driver_cpu_pct",
    "pool_exhausted",
    "error_samples",
}


@pytest.fixture(scope="module")
def load() -> ModuleType:
    sys.path.insert(0, str(BENCH))  # bench/load.py imports its sibling _servers
    try:
        spec = importlib.util.spec_from_file_location("didkit_bench_load", BENCH / "load.py")
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod  # dataclasses look their module up there
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(BENCH))


def test_percentiles_are_nearest_rank(load: ModuleType) -> None:
    values = [i / 1000 for i in range(1, 101)]  # 1..100 ms
    assert load._pct(values, 0.50) == pytest.approx(50.0)
    assert load._pct(values, 0.95) == pytest.approx(95.0)
    assert load._pct(values, 0.99) == pytest.approx(99.0)
    assert load._pct(values, 1.0) == pytest.approx(100.0)
    assert load._pct([0.007], 0.99) == pytest.approx(7.0)
    assert load._pct([], 0.5) is None


def test_single_use_pool_runs_out_and_cycling_pool_does_not(load: ModuleType) -> None:
    once = load.Pool([b"a", b"b"], cycle=False)
    assert [once.next(), once.next(), once.next()] == [b"a", b"b", None]
    again = load.Pool([b"a", b"b"], cycle=True)
    assert [again.next() for _ in range(5)] == [b"a", b"b", b"a", b"b", b"a"]
    with pytest.raises(ValueError):
        load.Pool([], cycle=True)


def _args(load: ModuleType, *argv: str) -> argparse.Namespace:
    ns: argparse.Namespace = load.parse_args(list(argv))
    return ns


def _row(clients: int, errors: int) -> dict[str, Any]:
    return {"clients": clients, "errors": errors, "requests": 10}


def test_verdict_only_counts_rows_at_the_target_concurrency(load: ModuleType) -> None:
    args = _args(load, "--clients", "16,32,64")
    failed = load.build_result([_row(16, 0), _row(32, 1), _row(64, 0)], args)
    assert failed["target"] == {"clients": 32, "max_error_rate": 0.0, "checked": True, "passed": False}
    assert load.exit_status(failed) == 1
    passed = load.build_result([_row(16, 3), _row(32, 0), _row(64, 9)], args)
    assert passed["target"]["passed"] is True and load.exit_status(passed) == 0
    unchecked = load.build_result([_row(4, 5)], _args(load, "--clients", "4"))
    assert unchecked["target"]["checked"] is False and unchecked["target"]["passed"] is None
    assert load.exit_status(unchecked) == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["--clients", "0"],
        ["--clients", "x"],
        ["--clients", "100000"],
        ["--seconds", "0"],
        ["--seconds", "-1"],
        ["--scenarios", "issue-everything"],
        ["--warmup", "-1"],
        ["--max-requests", "0"],
        ["--issuer-db", "mysql"],
    ],
)
def test_bad_options_are_usage_errors(load: ModuleType, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        load.parse_args(argv)
    assert exc.value.code == 2


@pytest.mark.parametrize(("client", "error"), [("lean", "ConnectionRefusedError"), ("httpx", "ConnectError")])
def test_transport_errors_are_counted_with_samples(load: ModuleType, client: str, error: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    phase = asyncio.run(
        load.drive(
            f"http://127.0.0.1:{port}",
            "/credentials/verify",
            {},
            200,
            load.Pool([b"{}"], cycle=True),
            clients=2,
            seconds=0.3,
            max_requests=25,
            server_pid=os.getpid(),
            http_client=client,
        )
    )
    assert 0 < len(phase.latencies) <= 25
    assert phase.errors == len(phase.latencies)
    assert len(phase.samples) == load.ERROR_SAMPLES
    assert all(s.startswith(f"transport: {error}") for s in phase.samples), phase.samples
    row = load.row(
        load.Target("x", "verifier", "/p", 200, load._reused(load.Pool([b"{}"], cycle=True))), 2, phase, 1
    )
    assert set(row) == ROW_KEYS
    assert row["error_rate"] == 1.0 and row["ok"] == 0


def _pg_or_skip() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import pg
    finally:
        sys.path.remove(str(ROOT / "tests"))
    if pg.find_bindir() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL server binaries are missing (CI must install the postgresql package)")
        pytest.skip("PostgreSQL server binaries not installed")


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH / "load.py"), *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.e2e
def test_every_scenario_runs_without_errors_json() -> None:
    _pg_or_skip()
    proc = _run("--seconds", "1", "--warmup", "0.5", "--clients", "2", "--target-clients", "2", "--json")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    assert result["target"] == {"clients": 2, "max_error_rate": 0.0, "checked": True, "passed": True}
    assert result["config"]["issuer_db"] == "postgresql" and result["config"]["issuer_workers"] == 2
    rows = result["rows"]
    assert [r["scenario"] for r in rows] == [
        "issue-vc-jwt",
        "issue-bbs",
        "verify-vc-jwt",
        "verify-bbs",
        "verify-vp-jwt",
    ]
    for r in rows:
        assert set(r) == ROW_KEYS
        assert r["errors"] == 0 and r["error_samples"] == [], r
        assert r["requests"] > 0 and r["ok"] == r["requests"]
        assert r["p50_ms"] <= r["p95_ms"] <= r["p99_ms"] <= r["max_ms"]
        assert r["throughput_per_s"] > 0 and r["server_rss_peak_mib"] > 10
        assert not r["pool_exhausted"]
        assert r["server_processes_exited"] == 0
        assert r["server_process_cpu_pct"] == sorted(r["server_process_cpu_pct"], reverse=True)
        assert sum(r["server_process_cpu_pct"]) == pytest.approx(r["server_cpu_pct"], abs=1.0)
    assert {r["server_workers"] for r in rows if r["service"] == "issuer"} == {2}
    # The issuer runs as uvicorn's supervisor plus two workers: more memory than one verifier.
    issuer_rss = min(r["server_rss_peak_mib"] for r in rows if r["service"] == "issuer")
    verifier_rss = max(r["server_rss_peak_mib"] for r in rows if r["service"] == "verifier")
    assert issuer_rss > verifier_rss


@pytest.mark.slow
@pytest.mark.e2e
def test_table_output_states_the_verdict() -> None:
    proc = _run("--seconds", "1", "--warmup", "0", "--clients", "1,2", "--scenarios", "verify-vc-jwt")
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    header = next(line for line in lines if line.startswith("scenario"))
    for col in ("clients", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "err %", "RSS MiB"):
        assert col in header
    data = [line.split() for line in lines if line.startswith("verify-vc-jwt")]
    assert [d[1] for d in data] == ["1", "2"] and all(d[7] == "0" for d in data)
    assert lines[-1] == "target (error rate 0 at 32 clients): not checked (no such row)"
    assert "verify-vc-jwt @2" in proc.stderr  # progress goes to stderr


@pytest.mark.slow
@pytest.mark.e2e
def test_a_replayed_presentation_counts_as_an_error(load: ModuleType) -> None:
    """Against the real verifier: one presentation sent over and over is accepted once, then
    refused as a replay, and every refusal is counted with its body."""
    sys.path.insert(0, str(BENCH))
    try:
        from _servers import serve_verifier
    finally:
        sys.path.remove(str(BENCH))
    body = load.Material().verify_vp_pool(1).next()
    with serve_verifier() as v:
        phase = asyncio.run(
            load.drive(
                v.base,
                "/presentations/verify",
                {},
                200,
                load.Pool([body], cycle=True),
                clients=2,
                seconds=5,
                max_requests=12,
                server_pid=v.pid,
            )
        )
    assert len(phase.latencies) == 12 and phase.errors == 11
    assert phase.samples[0].startswith("HTTP 400: ") and "challenge.replayed" in phase.samples[0]
