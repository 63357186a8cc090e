"""The wallet as a person uses it: tmux types the passphrase and the consent answers, and the test
reads the screen. Skipped locally without tmux; under CI=true a missing tmux is a failure."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "unit" / "wallet"))

from wworld import PID_QUERY, SECRET_NAME, Issuers, VerifierApp, serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASS = "tmux typed passphrase"


class Tmux:
    def __init__(self, home: Path, tmp: Path) -> None:
        self.socket = f"wallet-test-{uuid.uuid4().hex[:8]}"
        env = {
            "DIDKIT_HOME": str(home),
            "DIDKIT_WALLET_KDF_TIME_COST": "1",
            "DIDKIT_WALLET_KDF_MEMORY_KIB": "8192",
            "DIDKIT_WALLET_KDF_PARALLELISM": "1",
            "DIDKIT_WALLET_ALLOW_LOOPBACK_HTTP": "1",
            "PATH": os.environ.get("PATH", ""),
            "PS1": "$ ",
            "TERM": "xterm-256color",
        }
        rc = tmp / "shell.sh"
        rc.write_text(
            "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items())
            + "exec bash --norc --noprofile\n"
        )
        self._tmux("new-session", "-d", "-s", "w", "-x", "200", "-y", "60", f"bash {shlex.quote(str(rc))}")

    def _tmux(self, *args: str) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20)
        assert out.returncode == 0, out.stderr
        return out.stdout

    def type(self, text: str, *, enter: bool = True) -> None:
        self._tmux("send-keys", "-t", "w", "-l", text)
        if enter:
            self._tmux("send-keys", "-t", "w", "Enter")

    def type_secret(self, text: str) -> None:
        """Type at a hidden prompt. getpass flushes input typed before it turns echo off
        (TCSAFLUSH), so wait a moment after the prompt appears, as a person would."""
        time.sleep(0.5)
        self.type(text)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-J", "-t", "w")

    def clear(self) -> None:
        """Clear the screen and the scrollback, so later waits only see new output."""
        self.type("clear")
        self.wait_for_empty()
        self._tmux("clear-history", "-t", "w")

    def wait_for_empty(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.screen().strip() in ("$", ""):
                return
            time.sleep(0.05)

    def wait_for(self, text: str, timeout: float = 30.0, *, after: int = 0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen[after:]:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} did not appear; screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tmux is required under CI (see .ci/run)")
        pytest.skip("tmux is not installed")
    t = Tmux(Path(os.environ["DIDKIT_HOME"]), tmp_path)
    try:
        yield t
    finally:
        t.close()


def test_init_present_with_typed_passphrase_and_consent(tmux: Tmux, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from wallet.cli import app

    tmux.type("wallet init")
    tmux.wait_for("New wallet passphrase:")
    tmux.type_secret(PASS)
    tmux.wait_for("Repeat for confirmation:")
    tmux.type_secret(PASS)
    screen = tmux.wait_for("Holder DID: did:key:")
    assert PASS not in screen and "tmux typed" not in screen  # the passphrase is never echoed

    # Put a credential in (scripted, same store) so the person can present it.
    env = {
        "DIDKIT_WALLET_PASSPHRASE": PASS,
        "DIDKIT_WALLET_KDF_MEMORY_KIB": "8192",
        "DIDKIT_WALLET_KDF_TIME_COST": "1",
        "DIDKIT_WALLET_KDF_PARALLELISM": "1",
    }
    runner = CliRunner()
    ids = json.loads(runner.invoke(app, ["did", "list", "--json"], env=env).stdout)
    from didkit_py.keys import KeyPair, multikey_decode, public_jwk

    kt, pk = multikey_decode(ids[0]["did"].removeprefix("did:key:"))
    cred = tmp_path / "pid.txt"
    cred.write_text(Issuers().sd_jwt(public_jwk(KeyPair(kt, pk))))
    r = runner.invoke(app, ["import", str(cred)], env=env)
    assert r.exit_code == 0, r.stderr

    rp = VerifierApp()
    with serve(rp.app()) as base:
        rp.base = base
        # 1. The person declines: nothing is sent.
        tmux.clear()
        tmux.type(f"wallet present '{rp.new_request(PID_QUERY)}'")
        tmux.wait_for("Wallet passphrase:")
        tmux.type_secret(PASS)
        screen = tmux.wait_for("? [y/N]:")
        assert f"Send this to {rp.signer.did}?" in screen.replace("\n", "")
        assert "It calls itself: Example Bar (not verified)" in screen
        assert "claim that would be disclosed" in screen
        assert "/given_name" in screen and "/nationality" in screen and "Alice" in screen
        assert "/family_name" not in screen and SECRET_NAME not in screen
        assert "signed by did:key:" in screen
        tmux.type("n")
        tmux.wait_for("Nothing was sent.")
        assert rp.results == []

        # 2. The person agrees: the verifier accepts exactly what was shown.
        tmux.clear()
        tmux.type(f"wallet present '{rp.new_request(PID_QUERY)}'")
        tmux.wait_for("Wallet passphrase:")
        tmux.type_secret(PASS)
        tmux.wait_for("? [y/N]:")
        tmux.type("y")
        tmux.wait_for("Sent to decentralized_identifier:did:key:")
        assert len(rp.results) == 1 and rp.results[0]["verdicts"][0]["verdict"] == "accepted"
        assert SECRET_NAME not in json.dumps(rp.results[0]["vp_token"])

        # 3. The history shows when, to whom and which claims.
        tmux.clear()
        tmux.type("wallet history")
        tmux.wait_for("Wallet passphrase:")
        tmux.type_secret("a wrong passphrase")
        tmux.wait_for("error wallet.passphrase: wrong passphrase")
        tmux.clear()
        tmux.type("wallet history")
        tmux.wait_for("Wallet passphrase:")
        tmux.type_secret(PASS)
        screen = tmux.wait_for("What you have shared")
        assert "passphrase" not in screen.split("Wallet passphrase:", 1)[1].split("\n", 1)[0]
        assert "Example Bar" in screen and "/given_name" in screen


def test_receive_with_typed_consent_and_transaction_code(tmux: Tmux) -> None:
    from typer.testing import CliRunner
    from wworld import IssuerApp

    from wallet.cli import app

    env = {
        "DIDKIT_WALLET_PASSPHRASE": PASS,
        "DIDKIT_WALLET_KDF_MEMORY_KIB": "8192",
        "DIDKIT_WALLET_KDF_TIME_COST": "1",
        "DIDKIT_WALLET_KDF_PARALLELISM": "1",
    }
    assert CliRunner().invoke(app, ["init"], env=env).exit_code == 0
    issuer = IssuerApp()
    with serve(issuer.app()) as base:
        issuer.base = base
        # Declined: nothing is requested from the issuer.
        tmux.type(f"wallet receive '{issuer.new_offer('pid_sd_jwt', tx_code='271828')}'")
        tmux.wait_for("Wallet passphrase:")
        tmux.type_secret(PASS)
        screen = tmux.wait_for("Accept? [y/N]:")
        assert "Example University" in screen and "offers: Personal ID" in screen
        tmux.type("n")
        tmux.wait_for("Declined; nothing was requested.")
        assert issuer.issued == 0 and not issuer.tokens

        tmux.clear()
        tmux.type(f"wallet receive '{issuer.new_offer('pid_sd_jwt', tx_code='271828')}'")
        tmux.wait_for("Wallet passphrase:")
        tmux.type_secret(PASS)
        tmux.wait_for("Accept? [y/N]:")
        tmux.type("y")
        tmux.wait_for("PIN from the letter:")
        tmux.type_secret("271828")
        screen = tmux.wait_for("Stored Personal ID (dc+sd-jwt)")
        assert "271828" not in screen  # the transaction code is not echoed
        assert issuer.issued == 1

        tmux.clear()
        tmux.type("wallet list")
        tmux.wait_for("Wallet passphrase:")
        tmux.type_secret(PASS)
        screen = tmux.wait_for("1 credential(s)")
        assert "Personal ID" in screen and "Example University" in screen
