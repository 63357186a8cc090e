"""``kill -9`` at random moments of ``wallet receive`` (a real process): afterwards the store always
opens with the passphrase, passes SQLite's integrity check, and every credential in it is whole
and verified; the wallet keeps working."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "unit" / "wallet"))

from wworld import IssuerApp, serve

from wallet.store import WalletStore

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASS = "kill test passphrase"


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DIDKIT_HOME": str(home),
            "DIDKIT_WALLET_PASSPHRASE": PASS,
            "DIDKIT_WALLET_KDF_TIME_COST": "1",
            "DIDKIT_WALLET_KDF_MEMORY_KIB": "8192",
            "DIDKIT_WALLET_KDF_PARALLELISM": "1",
            "DIDKIT_WALLET_ALLOW_LOOPBACK_HTTP": "true",
        }
    )
    return env


def _wallet(home: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from wallet.cli import main; main()", *args],
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _check(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    with WalletStore.open(path, PASS) as store:
        creds = store.records("credential")  # each record decrypts and authenticates
        assert len(store.records("identity")) == 1
    for rec in creds:
        assert rec.data["format"] == "dc+sd-jwt" and rec.data["secured"] and rec.data["document"]["vct"]
    return len(creds)


def test_kill_9_during_receive(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert _wallet(home, "init").wait(60) == 0
    path = home / "wallet" / "wallet.db"
    issuer = IssuerApp()
    rng = random.Random(11)
    with serve(issuer.app()) as base:
        issuer.base = base
        # How long a full receive takes here, to spread the kills over it.
        t0 = time.monotonic()
        assert _wallet(home, "receive", issuer.new_offer("pid_sd_jwt"), "--yes").wait(60) == 0
        full = time.monotonic() - t0
        stored = _check(path)
        assert stored == 1
        for _ in range(4):
            proc = _wallet(home, "receive", issuer.new_offer("pid_sd_jwt"), "--yes")
            time.sleep(rng.uniform(0.3, 1.1) * full)
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
            now = _check(path)
            assert now in (stored, stored + 1)  # the credential is stored whole, or not at all
            stored = now
        assert _wallet(home, "receive", issuer.new_offer("pid_sd_jwt"), "--yes").wait(60) == 0
        assert _check(path) == stored + 1
