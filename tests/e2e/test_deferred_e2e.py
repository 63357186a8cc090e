"""Deferred OpenID4VCI issuance as real processes on loopback: ``issuer serve`` and the ``wallet``
CLI. The wallet receives an offer for a manual-approval template (HTTP 202, kept as pending),
an operator approves it over the admin API, ``wallet pending --wait`` fetches and stores the
credential, and the issuer's audit log shows the delivery and the wallet's credential_accepted."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(env: dict[str, str], *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(list(args), env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == code, (args, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    return proc


def test_deferred_issuance_between_real_processes(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    ienv = {
        **os.environ,
        "DIDKIT_HOME": str(tmp_path / "issuer"),
        "DIDKIT_ISSUER_KEK": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DIDKIT_ISSUER_PORT": str(port),
        "DIDKIT_ISSUER_API_KEY_ARGON2_MEMORY_KIB": "4096",
        "DIDKIT_ISSUER_DEFERRED_INTERVAL_SECONDS": "1",
    }
    wenv = {
        **os.environ,
        "DIDKIT_HOME": str(tmp_path / "wallet"),
        "DIDKIT_WALLET_PASSPHRASE": "e2e passphrase",
        "DIDKIT_WALLET_KDF_TIME_COST": "1",
        "DIDKIT_WALLET_KDF_MEMORY_KIB": "8192",
        "DIDKIT_WALLET_KDF_PARALLELISM": "1",
        "DIDKIT_WALLET_ALLOW_LOOPBACK_HTTP": "true",
    }
    issuer = [sys.executable, "-m", "issuer.cli"]
    _run(ienv, *issuer, "admin", "tenant-create", "acme")
    out = _run(ienv, *issuer, "admin", "key-create", "acme", "--scope", "admin", "--json").stdout
    h = {"Authorization": f"Bearer {json.loads(out)['token']}"}

    def wallet(*args: str, code: int = 0) -> Any:
        proc = _run(
            wenv, sys.executable, "-c", "from wallet.cli import main; main()", *args, "--json", code=code
        )
        return json.loads(proc.stdout)

    wallet("init")
    proc = subprocess.Popen(
        [*issuer, "serve", "--port", str(port)],
        env=ienv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "issuer serve exited"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, "issuer serve did not become ready"
            time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=30) as c:
            assert (
                c.post("/dids", json={"method": "key", "key_types": ["Ed25519"]}, headers=h).status_code
                == 201
            )
            r = c.post(
                "/templates",
                json={
                    "name": "permit",
                    "format": "vc+jwt",
                    "types": ["PermitCredential"],
                    "approval": "manual",
                },
                headers=h,
            )
            assert r.status_code == 201, r.text
            offer = c.post(
                "/offers", json={"template": "permit", "claims": {"name": "Alice"}}, headers=h
            ).json()

            [pending] = wallet("receive", offer["deep_link"], "--yes")
            assert pending["status"] == "pending"
            assert wallet("list") == []
            [item] = c.get("/deferred?status=pending", headers=h).json()
            assert c.post(f"/deferred/{item['id']}/approve", headers=h).status_code == 200

            [got] = wallet("pending", "--wait")
            assert got["status"] == "received"
            [cred] = wallet("list")
            assert cred["id"] == got["stored"][0] and cred["status"] == "valid"
            events = c.get("/audit", headers=h).json()
            actions = [e["action"] for e in events]
            assert "deferred.deliver" in actions
            [note] = [e for e in events if e["action"] == "oid4vci.notification"]
            assert note["details"]["event"] == "credential_accepted"
            assert "Alice" not in json.dumps(events)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
