"""`didkit demo` as a user runs it: a real process, a fresh DIDKIT_HOME, no network at all.

Where the machine allows unprivileged network namespaces (``unshare -rn``), the demo runs in one
that has only a loopback interface, so any attempt to reach the network fails the run; otherwise
it runs normally (the unit tests refuse non-loopback connections in-process).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _offline_prefix() -> list[str]:
    unshare = shutil.which("unshare")
    ip = shutil.which("ip") or "/usr/sbin/ip"
    if unshare is None or not Path(ip).exists():
        return []
    probe = subprocess.run(
        [unshare, "-rn", "sh", "-c", f"{ip} link set lo up"], capture_output=True, timeout=10, check=False
    )
    if probe.returncode != 0:
        return []
    return [unshare, "-rn", "sh", "-c", f'{ip} link set lo up && exec "$@"', "sh"]


def test_demo_runs_offline_from_a_fresh_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIDKIT_")}
    env["DIDKIT_HOME"] = str(home)
    prefix = _offline_prefix()
    started = time.monotonic()
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "didkit_py.cli.main", "demo", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    assert "Traceback" not in proc.stderr
    transcript = json.loads(proc.stdout)
    assert transcript["ok"] is True
    assert [c["slug"] for c in transcript["chapters"]] == [
        "vc-jwt",
        "selective-disclosure",
        "registry-chain",
        "services",
    ]
    verdicts = [
        e.get("verification", e.get("report"))["verified"]
        for c in transcript["chapters"]
        for e in c["events"]
        if "verification" in e or "report" in e
    ]
    assert verdicts == [True, False, False, True, True, False, False, True, True, True, False, True, False]
    # The in-process chain's temporary directory is gone; nothing else was left behind.
    assert not list((home / "demo").glob("demo-chain-*"))
    assert not list((home / "demo").glob("demo-services-*"))
    assert elapsed < 60, f"the demo took {elapsed:.1f} s"
