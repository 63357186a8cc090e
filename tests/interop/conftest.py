"""Node peers for interop tests.

The peers are pinned in ``tests/interop/node/package.json`` and its lock file. A session
fixture runs ``npm ci`` when ``node_modules`` is missing. Interop tests may skip only when Node
is absent and ``CI`` is unset; under ``CI=true`` a missing peer is a failure, never a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"

NodeRunner = Callable[..., Any]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"interop peer unavailable under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """Make sure the pinned Node peers are installed; return their ``node_modules``."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        _unavailable("node/npm not installed")
    modules = NODE_DIR / "node_modules"
    if not (modules / ".package-lock.json").exists():
        proc = subprocess.run(["npm", "ci"], cwd=NODE_DIR, capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            _unavailable(f"npm ci failed: {proc.stderr[-2000:]}")
    return modules


@pytest.fixture(scope="session")
def node(node_modules: Path) -> NodeRunner:
    """Run an ES-module script (a file in ``tests/interop/node/`` or inline code) with JSON in and out.

    ``node("script.mjs", {"a": 1})`` sends the object on stdin and returns the JSON the script
    prints on stdout. A non-zero exit raises ``RuntimeError`` with the script's stderr.
    """

    def run(script: str, payload: Any = None, *, timeout: float = 120) -> Any:
        if script.endswith(".mjs"):
            cmd = ["node", str(NODE_DIR / script)]
        else:
            cmd = ["node", "--input-type=module", "-e", script]
        proc = subprocess.run(
            cmd,
            cwd=NODE_DIR,
            input=json.dumps(payload if payload is not None else {}),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"node {script[:60]!r} failed: {proc.stderr[-4000:]}")
        out = proc.stdout.strip()
        return json.loads(out) if out else None

    return run
