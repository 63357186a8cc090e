"""`didkit demo --chapter services`: chain, issuer, wallet and verifier as real loopback processes.

The chapter starts ``didkit chain serve``, ``issuer serve`` and ``verifier serve``, drives the
``wallet`` CLI through OpenID4VCI and OpenID4VP, revokes, and must leave no process behind —
neither when it succeeds nor when it is interrupted (Ctrl-C) halfway.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIDKIT_")}
    env["DIDKIT_HOME"] = str(home)
    return env


def _processes_under(home: Path) -> list[int]:
    """Live processes (other than ours) whose environment or command line names ``home``."""
    needle = str(home).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            blob = (entry / "environ").read_bytes() + (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in blob and state != "Z":
            found.append(int(entry.name))
    return found


def _wait_gone(home: Path, seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := _processes_under(home)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def test_services_chapter_accepts_then_refuses_the_revoked_credential(tmp_path: Path) -> None:
    home = tmp_path / "home"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "didkit_py.cli.main", "demo", "--chapter", "services", "--json", "--lexical"],
        env=_env(home),
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
    [chapter] = transcript["chapters"]
    assert chapter["slug"] == "services"
    reports = [e["report"] for e in chapter["events"] if "report" in e]
    assert [r["verdict"] for r in reports] == ["accepted", "rejected"]
    assert [r["verified"] for r in reports] == [True, False]
    accepted, refused = reports
    # The matcher's minimal claim, disclosed with bbs-2023; the holder's name never is.
    disclosed = {d["pointer"]: d["value"] for d in accepted["disclosed_claims"]}
    assert disclosed["/credentialSubject/degree/type"] == "ExampleBachelorDegree"
    assert "Alice Example" not in proc.stdout
    failed = [c for c in refused["checks"] if c["outcome"] == "failed"]
    assert [c["code"] for c in failed] == ["status.revoked"]
    shown = {e["show"]["label"]: e["show"]["value"] for e in chapter["events"] if "show" in e}
    assert shown["issuer DID"]["did"].startswith("did:ethr:0x539:0x")
    assert sorted(k["type"] for k in shown["issuer DID"]["keys"]) == ["Bls12381G2", "Ed25519", "secp256k1"]
    assert shown["suggestion"]["claims"] == ["credentialSubject.degree.type"]
    # Every process the chapter started is gone, and so is its temporary data directory.
    assert _wait_gone(home) == []
    assert not list((home / "demo").glob("demo-services-*"))
    assert elapsed < 60, f"the chapter took {elapsed:.1f} s"


def test_services_chapter_stops_its_processes_on_ctrl_c(tmp_path: Path) -> None:
    home = tmp_path / "home"
    proc = subprocess.Popen(
        [sys.executable, "-m", "didkit_py.cli.main", "demo", "--chapter", "services"],
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Interrupt once the services run (the issuer DID is provisioned on the chain).
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if "issuer DID" in line:
                break
        else:
            pytest.fail("the chapter ended before provisioning its issuer:\n" + "".join(seen)[-3000:])
        assert len(_processes_under(home)) >= 2  # the chain and the issuer at least
        proc.send_signal(signal.SIGINT)
        proc.stdout.read()
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code != 0
    assert _wait_gone(home) == []
    assert not list((home / "demo").glob("demo-services-*"))
