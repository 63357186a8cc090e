"""The README's CLI tour runs exactly as written, in a fresh directory (a real shell, real processes)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[3] / "README.md"


def tour_script() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## A two-minute tour of the CLI", 1)[1]
    return section.split("```bash\n", 1)[1].split("\n```", 1)[0]


@pytest.mark.slow
def test_readme_tour(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        pytest.skip("bash not installed")
    # `didkit` as the README user has it, even when the console script is not on PATH here.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "didkit"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m didkit_py.cli.main "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + tour_script()],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "rejected: exit 1" in proc.stdout
    assert json.loads((work / "report.json").read_text())["verified"] is True
    assert (work / "university.json").stat().st_mode & 0o077 == 0  # secret key file is private
    # Selective disclosure: only the asked claim left the holder.
    assert json.loads((work / "id-over21.json").read_text())["credentialSubject"] == {"over21": True}
    assert "over21" in proc.stdout
