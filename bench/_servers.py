"""The services the benches start on loopback, and what they cost the machine.

Shared by ``bench/issuer.py`` and ``bench/load.py`` (imported as ``_servers``: a bench runs as
``python bench/<name>.py``, so ``bench/`` is first on ``sys.path``):

- :func:`postgres_database` — a throwaway PostgreSQL cluster and database (``tests/pg.py``);
- :func:`serve_issuer` — ``issuer serve`` with a fresh data directory, one tenant and an admin
  API key, on SQLite or PostgreSQL with N uvicorn workers;
- :func:`serve_verifier` — ``verifier serve`` as the e2e tests start it
  (``tests/e2e/_verifier_proc.py``);
- :func:`tree_rss_bytes` / :func:`tree_cpu_seconds` — resident memory and CPU time of a server
  process and all its descendants (uvicorn's supervisor and its workers), read from ``/proc``.

Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent

__all__ = [
    "ROOT",
    "IssuerServer",
    "VerifierServer",
    "free_port",
    "pg_module",
    "postgres_database",
    "process_tree",
    "serve_issuer",
    "serve_verifier",
    "tree_cpu_by_process",
    "tree_cpu_seconds",
    "tree_rss_bytes",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def pg_module() -> ModuleType:
    """``tests/pg.py``: ``find_bindir``, ``postgres_cluster``, ``create_database``."""
    return _load("didkit_tests_pg", ROOT / "tests" / "pg.py")


@contextlib.contextmanager
def postgres_database() -> Iterator[str | None]:
    """A fresh database on a throwaway local cluster (its SQLAlchemy URL); ``None`` when the
    PostgreSQL server binaries are not installed. The cluster runs with ``fsync=off`` (it is
    the test cluster): figures on it do not include the cost of durable commits."""
    pg = pg_module()
    if pg.find_bindir() is None:
        yield None
        return
    with pg.postgres_cluster() as server:
        yield str(pg.create_database(server))


def _issuer_cli(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "issuer.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return proc.stdout


@dataclass(frozen=True, slots=True)
class IssuerServer:
    base: str
    #: An admin-scoped API key of the ``bench`` tenant.
    token: str
    #: The ``issuer serve`` process (uvicorn's supervisor when there are several workers).
    pid: int
    workers: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@contextlib.contextmanager
def serve_issuer(
    db_url: str | None, workers: int, *, key_types: tuple[str, ...] = ()
) -> Iterator[IssuerServer]:
    """``issuer serve`` on a free loopback port with a new data directory (SQLite there when
    ``db_url`` is None), a ``bench`` tenant and an admin API key; with ``key_types`` the tenant
    gets one did:key per key type (``Ed25519`` signs vc+jwt, ``Bls12381G2`` bbs-2023)."""
    home = Path(tempfile.mkdtemp(prefix="issuer-bench-"))
    try:
        with _issuer_process(home, db_url, workers, key_types) as server:
            yield server
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextlib.contextmanager
def _issuer_process(
    home: Path, db_url: str | None, workers: int, key_types: tuple[str, ...]
) -> Iterator[IssuerServer]:
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "DIDKIT_HOME": str(home),
            "DIDKIT_ISSUER_KEK": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "DIDKIT_ISSUER_PORT": str(port),
            "DIDKIT_ISSUER_LOG_LEVEL": "WARNING",
        }
    )
    if db_url:
        env["DIDKIT_ISSUER_DATABASE_URL"] = db_url
    _issuer_cli(env, "admin", "tenant-create", "bench")
    token = json.loads(_issuer_cli(env, "admin", "key-create", "bench", "--scope", "admin", "--json"))[
        "token"
    ]
    log_path = home / "serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "issuer.cli", "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = IssuerServer(f"http://127.0.0.1:{port}", token, proc.pid, workers)
    try:
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{server.base}/ready", timeout=1).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"issuer serve did not start: {tail}")
            time.sleep(0.1)
        for kt in key_types:
            r = httpx.post(
                f"{server.base}/dids",
                json={"method": "key", "key_types": [kt]},
                headers=server.headers,
                timeout=30,
            )
            if r.status_code >= 300:
                raise RuntimeError(f"issuer: POST /dids ({kt}) answered {r.status_code}: {r.text[:300]}")
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@dataclass(frozen=True, slots=True)
class VerifierServer:
    base: str
    pid: int


@contextlib.contextmanager
def serve_verifier(**env_extra: str) -> Iterator[VerifierServer]:
    """``verifier serve`` (one process, SQLite in a new data directory) on a free loopback port,
    started exactly as the e2e tests start it."""
    procs = _load("didkit_tests_verifier_proc", ROOT / "tests" / "e2e" / "_verifier_proc.py")
    home = Path(tempfile.mkdtemp(prefix="verifier-bench-"))
    try:
        with procs.verifier_popen(home, **env_extra) as (url, proc):
            # Drain its pipes: a server blocked on a full stderr pipe would look like a slow one.
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    threading.Thread(target=_drain, args=(stream,), daemon=True).start()
            yield VerifierServer(str(url), int(proc.pid))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _drain(stream: IO[str]) -> None:
    with contextlib.suppress(OSError, ValueError):
        for _line in stream:
            pass


# -- /proc ---------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        with contextlib.suppress(OSError, ValueError):
            out += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
    return out


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its live descendants (Linux ``/proc``; empty when ``pid`` is gone)."""
    if not Path(f"/proc/{pid}").exists():
        return []
    seen, todo = [pid], [pid]
    while todo:
        for child in _children(todo.pop()):
            if child not in seen:
                seen.append(child)
                todo.append(child)
    return seen


def _rss(pid: int) -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants, summed (shared pages count once per
    process, as ``ps`` shows them)."""
    return sum(_rss(p) for p in process_tree(pid))


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu(pid: int) -> float:
    with contextlib.suppress(OSError, ValueError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
    return 0.0


def tree_cpu_by_process(pid: int) -> dict[int, float]:
    """User + system CPU seconds used so far by ``pid`` and each live descendant."""
    return {p: _cpu(p) for p in process_tree(pid)}


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by ``pid`` and its live descendants."""
    return sum(tree_cpu_by_process(pid).values())
