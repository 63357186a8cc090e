"""``didkit chain serve`` as a real process: ready, serving, and keeping every DID across restarts.

A ``kill -9`` right after a transaction's receipt must lose nothing (the journal is fsync-ed
before the answer); a clean stop and restart keeps block hashes and times.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from didkit_py.did.ethr import EthrMethod
from didkit_py.keys import KeyType, generate_key, load_key_file
from didkit_py.registry.client import ChainConfig, RegistryClient

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {"DIDKIT_HOME": str(home), "DIDKIT_CHAIN_URL": f"http://127.0.0.1:{port}", "DIDKIT_CHAIN_ID": "1337"}
    )
    return env


class Server:
    def __init__(self, home: Path, port: int) -> None:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "didkit_py.cli.main", "chain", "serve", "--port", str(port), "--json"],
            env=_env(home, port),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(
                    f"chain serve exited: {self.proc.stderr.read() if self.proc.stderr else ''}"
                )
            lines.append(line)
            if line.startswith("}"):
                break
        self.info = json.loads("".join(lines))
        self.ready_after = time.monotonic() - self.started

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "home"


def _cli(home: Path, port: int, *args: str) -> str:
    cmd = [sys.executable, "-m", "didkit_py.cli.main", *args]
    proc = subprocess.run(cmd, env=_env(home, port), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _resolve(url: str, did: str) -> tuple[dict, dict]:
    m = EthrMethod([ChainConfig(url=url).network()])
    r = asyncio.run(m.resolve(did))
    return r.document, r.document_metadata


def test_restart_and_kill_keep_every_did(home: Path) -> None:
    port = _free_port()
    srv = Server(home, port)
    try:
        info = srv.info
        assert info["chainId"] == 1337 and info["registry"] == "0x5FbDB2315678afecb367f032d93F642f64180aa3"
        assert info["exampleDid"].startswith("did:ethr:0x539:0x") and len(info["accounts"]) == 10
        url = info["url"]
        # Through the CLI: create a DID, publish a service (relayed by the dev account).
        created = json.loads(_cli(home, port, "did", "create", "--method", "ethr", "--json"))
        did = created["did"]
        _cli(
            home,
            port,
            "did",
            "add-service",
            did,
            "--type",
            "LinkedDomains",
            "--endpoint",
            "https://e2e.example",
        )
        # Through the library: more changes, the last one right before a kill -9.
        owner = load_key_file(created["keyFile"])
        client = RegistryClient(ChainConfig(url=url))
        from didkit_py.keys import key_pair_from_secret
        from didkit_py.registry.devchain import DEV_MNEMONIC, DevChain

        dev = key_pair_from_secret(KeyType.SECP256K1, DevChain._derive_keys(DEV_MNEMONIC, 2)[1])
        ed = generate_key(KeyType.ED25519).public_key
        # The owner signs, a dev account relays (as the CLI did for the service).
        sig = client.sign_set_attribute(did, owner, "did/pub/Ed25519/veriKey/base58", ed)
        client.set_attribute_signed(did, sig, "did/pub/Ed25519/veriKey/base58", ed, dev)
        before = _resolve(url, did)
    finally:
        srv.stop(signal.SIGKILL)
    srv2 = Server(home, port)
    try:
        assert srv2.info["blockNumber"] == 3  # deployment, service, key
        assert _resolve(srv2.info["url"], did) == before
        history = json.loads(_cli(home, port, "did", "history", did, "--json"))["changes"]
        assert [c["event"] for c in history] == ["DIDAttributeChanged", "DIDAttributeChanged"]
        head = RegistryClient(ChainConfig(url=srv2.info["url"])).w3.eth.get_block("latest")
    finally:
        srv2.stop()
    srv3 = Server(home, port)
    try:
        again = RegistryClient(ChainConfig(url=srv3.info["url"])).w3.eth.get_block("latest")
        assert again["hash"] == head["hash"] and again["timestamp"] == head["timestamp"]
        assert _resolve(srv3.info["url"], did) == before
        print(f"chain serve ready after {srv3.ready_after:.2f}s (process start to ready line)")
    finally:
        srv3.stop()
