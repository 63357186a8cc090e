"""Start ``verifier serve`` as a real process on loopback and stop it (shared by the e2e tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


@contextmanager
def verifier_process(home: Path, **env_extra: str) -> Iterator[str]:
    with verifier_popen(home, **env_extra) as (url, _proc):
        yield url


@contextmanager
def verifier_popen(home: Path, **env_extra: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """As :func:`verifier_process`, with the process too (``bench/load.py`` reads its memory)."""
    env = dict(os.environ)
    env["DIDKIT_HOME"] = str(home)
    env.update(env_extra)
    proc = subprocess.Popen(
        [sys.executable, "-m", "verifier.service.cli", "serve", "--port", "0", "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            err = proc.stderr.read() if proc.stderr else ""
            raise RuntimeError(f"verifier serve exited: {err[-2000:]}")
        url = json.loads(line)["url"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise RuntimeError("verifier serve did not become healthy")
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
