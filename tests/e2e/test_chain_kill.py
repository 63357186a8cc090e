"""``kill -9`` of ``didkit chain serve`` during a stream of registry transactions (issue #13).

The dev chain promises (``didkit_py/registry/devchain.py``): each mined transaction is appended
to ``journal.jsonl`` and fsync-ed *before* the RPC answers, so a ``kill -9`` loses at most a
transaction whose answer was never sent; a torn last journal line is dropped on start.

Four writers (one identity each, relayed by their own funded dev account) send a stream of
``setAttributeSigned`` (a fresh Ed25519 key) and ``changeOwnerSigned`` (a fresh owner) through
:class:`RegistryClient`; the process is SIGKILLed at a random moment, several rounds, and
restarted on the same data directory. After each restart:

- every change whose receipt was returned is reflected in resolution: the DID document names
  the acknowledged owner and lists every acknowledged key; the one change in flight at the
  kill is either wholly there or absent, and nothing else appears;
- the chain's block number equals its journal's lines, every journal line is whole (a torn
  tail was cut), no ``*.tmp`` file is left, and the chain keeps accepting transactions.

Then two more kills land somewhere in a clean stop (SIGTERM, then SIGKILL before, during or
after the snapshot write), one with a torn ``snapshot.bin.tmp`` planted: the same checks hold.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import base58
import pytest

from didkit_py.did.ethr import EthrMethod
from didkit_py.keys import KeyPair, KeyType, generate_key, key_pair_from_secret
from didkit_py.registry.client import ChainConfig, RegistryClient, address_from_public_key, did_for
from didkit_py.registry.devchain import DEV_MNEMONIC, DevChain

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROUNDS = int(os.environ.get("DIDKIT_KILL_ROUNDS", "3"))
SHUTDOWN_ROUNDS = 2
WRITERS = 4
ATTR = "did/pub/Ed25519/veriKey/base58"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, home: Path, port: int) -> None:
        env = dict(os.environ, DIDKIT_HOME=str(home))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "didkit_py.cli.main", "chain", "serve", "--port", str(port), "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"chain serve exited with {self.proc.wait(10)}")
            lines.append(line)
            if line.startswith("}"):
                break
        self.info: dict[str, Any] = json.loads("".join(lines))

    def kill(self, after_sigterm: float | None = None) -> None:
        """SIGKILL; with ``after_sigterm``, that long into a clean stop (journal close, snapshot)."""
        if after_sigterm is not None:
            self.proc.send_signal(signal.SIGTERM)
            time.sleep(after_sigterm)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


def _address(kp: KeyPair) -> str:
    return address_from_public_key(kp.public_key)


@dataclass
class Identity:
    did: str
    owner: KeyPair
    keys: list[bytes] = field(default_factory=list)  # acknowledged Ed25519 keys
    #: The change in flight when the chain died: ("owner", KeyPair) or ("key", bytes).
    pending: tuple[str, Any] | None = None
    acked: int = 0
    error: str | None = None  # what the writer met before the kill (nothing, we check)


def _writer(
    url: str,
    ident: Identity,
    relayer: KeyPair,
    rng: random.Random,
    stop: threading.Event,
    ready: threading.Semaphore,
    killed: threading.Event,
) -> None:
    client = RegistryClient(ChainConfig(url=url, timeout=5.0))
    try:
        client.nonce(_address(ident.owner))  # warm up (web3 contract objects) outside the stream
        ready.release()
        while not stop.is_set():
            if rng.random() < 0.25:
                new = generate_key(KeyType.SECP256K1)
                ident.pending = ("owner", new)
                try:
                    sig = client.sign_change_owner(ident.did, ident.owner, _address(new))
                    client.change_owner_signed(ident.did, sig, _address(new), relayer)
                except Exception as exc:
                    # The chain died under this change: it may or may not be mined.
                    if not killed.is_set():
                        ident.error = repr(exc)
                    return
                ident.owner = new
            else:
                ed = generate_key(KeyType.ED25519).public_key
                ident.pending = ("key", ed)
                try:
                    sig = client.sign_set_attribute(ident.did, ident.owner, ATTR, ed)
                    client.set_attribute_signed(ident.did, sig, ATTR, ed, relayer)
                except Exception as exc:
                    if not killed.is_set():
                        ident.error = repr(exc)
                    return
                ident.keys.append(ed)
            ident.pending = None
            ident.acked += 1
    finally:
        client.close()


def _check_resolution(url: str, ident: Identity) -> bool:
    """The document shows every acknowledged change; settle the in-flight one either way.

    Returns whether the in-flight change had been mined (journaled, answer lost).
    """
    doc = asyncio.run(EthrMethod([ChainConfig(url=url).network()]).resolve(ident.did)).document
    vms = doc["verificationMethod"]
    [ctrl] = [vm for vm in vms if vm["id"].endswith("#controller")]
    owner = ctrl["blockchainAccountId"].rsplit(":", 1)[1].lower()
    keys = [base58.b58decode(vm["publicKeyBase58"]) for vm in vms if "publicKeyBase58" in vm]
    pending = ident.pending
    if pending is not None and pending[0] == "owner" and owner == _address(pending[1]).lower():
        ident.owner = pending[1]  # mined and journaled before the kill; only the answer was lost
        pending = None
    if pending is not None and pending[0] == "key" and pending[1] in keys:
        ident.keys.append(pending[1])
        pending = None
    mined = ident.pending is not None and pending is None
    ident.pending = None
    assert owner == _address(ident.owner).lower(), ident.did
    assert keys == ident.keys, ident.did  # all acknowledged keys, in order, nothing else
    return mined


def _check_files(state: Path, block_number: int) -> int:
    assert not list(state.glob("*.tmp")), list(state.iterdir())
    json.loads((state / "genesis.json").read_text())
    data = (state / "journal.jsonl").read_bytes()
    assert data.endswith(b"\n")
    lines = [json.loads(line) for line in data.splitlines()]
    assert [e["n"] for e in lines] == list(range(1, block_number + 1))
    return len(lines)


def test_kill_9_during_transaction_stream_loses_nothing_acknowledged(tmp_path: Path) -> None:
    home = tmp_path / "home"
    port = _free_port()
    rng = random.Random(1337)
    dev = DevChain._derive_keys(DEV_MNEMONIC, WRITERS + 2)
    relayers = [key_pair_from_secret(KeyType.SECP256K1, dev[i + 1]) for i in range(WRITERS)]
    idents = []
    for _ in range(WRITERS):
        owner = generate_key(KeyType.SECP256K1)
        idents.append(Identity(did_for(_address(owner), 1337), owner))

    srv = Server(home, port)
    state = Path(srv.info["dataDir"])
    torn_tails = 0
    in_flight = in_flight_mined = 0
    for _round in range(ROUNDS):
        url = srv.info["url"]
        stop = threading.Event()
        ready = threading.Semaphore(0)
        killed = threading.Event()
        threads = [
            threading.Thread(
                target=_writer, args=(url, ident, rel, random.Random(rng.random()), stop, ready, killed)
            )
            for ident, rel in zip(idents, relayers, strict=True)
        ]
        for t in threads:
            t.start()
        for _ in threads:
            assert ready.acquire(timeout=60)
        # Kill after a random number of acknowledged changes, plus a random sliver of time.
        target = sum(i.acked for i in idents) + rng.randint(4, 16)
        deadline = time.monotonic() + 60
        while sum(i.acked for i in idents) < target and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sum(i.acked for i in idents) >= target, [i.error for i in idents]
        time.sleep(rng.uniform(0, 0.3))
        killed.set()
        srv.kill()  # mid-stream: four transactions in some stage of sign/send/mine/journal/answer
        stop.set()
        for t in threads:
            t.join(timeout=60)
            assert not t.is_alive()
        assert not [i.error for i in idents if i.error], [i.error for i in idents]
        tail = (state / "journal.jsonl").read_bytes()
        torn_tails += not tail.endswith(b"\n")
        in_flight += sum(i.pending is not None for i in idents)

        srv = Server(home, port)
        for ident in idents:
            in_flight_mined += _check_resolution(srv.info["url"], ident)
        _check_files(state, int(srv.info["blockNumber"]))

    # The restarted chain keeps working: one more change per identity, then a kill somewhere in
    # a clean stop (SIGTERM, then SIGKILL before, during or after the snapshot write); once with
    # a torn snapshot.bin.tmp left behind as by a kill in the middle of that write.
    for stop_round in range(SHUTDOWN_ROUNDS):
        url = srv.info["url"]
        with RegistryClient(ChainConfig(url=url)) as client:
            for ident, rel in zip(idents, relayers, strict=True):
                ed = generate_key(KeyType.ED25519).public_key
                sig = client.sign_set_attribute(ident.did, ident.owner, ATTR, ed)
                client.set_attribute_signed(ident.did, sig, ATTR, ed, rel)
                ident.keys.append(ed)
                _check_resolution(url, ident)
            head = client.w3.eth.block_number
        srv.kill(after_sigterm=rng.uniform(0, 0.7))
        if stop_round == 0:
            (state / "snapshot.bin.tmp").write_bytes(b"DIDKIT-DEVCHAIN-SNAPSHOT/1\n\x00\x01")
        srv = Server(home, port)
        assert srv.info["blockNumber"] == head
        for ident in idents:
            _check_resolution(srv.info["url"], ident)
        journal = _check_files(state, head)
    srv.kill()
    acked = sum(i.acked for i in idents)
    print(
        f"{ROUNDS} kill -9 rounds in a stream and {SHUTDOWN_ROUNDS} in a clean stop: "
        f"{acked} acknowledged registry changes, "
        f"{sum(len(i.keys) for i in idents)} keys and {WRITERS} owners checked by resolution, "
        f"{journal} journal lines; {in_flight} changes in flight at a kill, {in_flight_mined} of them "
        f"mined (answer lost); {torn_tails} torn journal tails"
    )
