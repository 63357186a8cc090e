"""Chains for tests and benchmarks: the embedded dev chain in a thread, or anvil as a process.

Both come with the registry deployed at :data:`~didkit_py.registry.client.DEV_REGISTRY_ADDRESS`
(the first dev account's first deployment; both use the well-known dev mnemonic) and the dev
accounts funded, so the same tests run against either.
"""

from __future__ import annotations

import glob
import os
import platform
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ChainError, NetworkError
from ..keys import KeyPair, KeyType, key_pair_from_secret
from .client import DEV_REGISTRY_ADDRESS, ChainConfig, RegistryClient
from .devchain import DevChain, serve_in_thread

__all__ = [
    "ANVIL_CHAIN_ID",
    "BackendUnavailable",
    "TestChain",
    "find_anvil",
    "start_anvil",
    "start_backend",
    "start_devchain",
]

ANVIL_CHAIN_ID = 31337  # 0x7a69, anvil's default


@dataclass
class TestChain:
    """A running chain with the registry deployed; ``stop()`` ends it."""

    __test__ = False  # not a pytest test class

    backend: str
    config: ChainConfig
    dev_keys: list[bytes] = field(repr=False)
    _stop: Any = field(repr=False, default=None)

    @property
    def url(self) -> str:
        return self.config.url

    def dev_key(self, index: int) -> KeyPair:
        """A funded dev account as a secp256k1 :class:`KeyPair` (public mnemonic: dev only)."""
        return key_pair_from_secret(KeyType.SECP256K1, self.dev_keys[index])

    def client(self) -> RegistryClient:
        return RegistryClient(self.config)

    def fund(self, address: str, wei: int = 10**18, *, client: RegistryClient | None = None) -> None:
        """Send gas money to ``address`` from the last dev account and wait for it."""
        from eth_account import Account

        acct = Account.from_key(self.dev_keys[-1])
        w3 = (client or self.client()).w3
        base = int(w3.eth.get_block("latest")["baseFeePerGas"])
        tx = acct.sign_transaction(
            {
                "type": 2,
                "chainId": self.config.chain_id,
                "nonce": w3.eth.get_transaction_count(acct.address, "pending"),
                "to": address,
                "value": wei,
                "gas": 21000,
                "maxFeePerGas": 2 * base + 10**9,
                "maxPriorityFeePerGas": 10**9,
            }
        )
        w3.eth.wait_for_transaction_receipt(
            w3.eth.send_raw_transaction(tx.raw_transaction), poll_latency=0.02
        )

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None


def start_devchain(data_dir: Path | None = None, *, chain_id: int = 1337) -> TestChain:
    """The embedded chain on a free loopback port (in memory when ``data_dir`` is None)."""
    chain = DevChain(data_dir, chain_id=chain_id)
    server = serve_in_thread(chain)
    cfg = ChainConfig(url=server.url, registry=chain.registry_address, chain_id=chain.chain_id)
    return TestChain("embedded", cfg, [chain.dev_private_key(i) for i in range(10)], server.stop)


def find_anvil(node_dir: Path) -> str | None:
    """The anvil binary shipped by ``@foundry-rs/anvil`` under ``node_dir/node_modules``, if any."""
    arch = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine(), platform.machine()
    )
    candidates = sorted(
        glob.glob(str(node_dir / "node_modules" / "@foundry-rs" / f"anvil-*{arch}*" / "bin" / "anvil"))
    )
    for c in candidates:
        if os.access(c, os.X_OK):
            return c
    return shutil.which("anvil")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_anvil(binary: str, *, chain_id: int = ANVIL_CHAIN_ID, timeout: float = 10.0) -> TestChain:
    """anvil on a free loopback port with the registry deployed by the first dev account."""
    from .devchain import DEV_MNEMONIC

    port = _free_port()
    proc = subprocess.Popen(  # noqa: S603 - a fixed binary and arguments
        [
            binary,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--chain-id",
            str(chain_id),
            "--silent",
            "--mnemonic",
            DEV_MNEMONIC,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    cfg = ChainConfig(url=f"http://127.0.0.1:{port}", registry=DEV_REGISTRY_ADDRESS, chain_id=chain_id)
    dev = DevChain._derive_keys(DEV_MNEMONIC, 10)
    chain = TestChain("anvil", cfg, dev, stop)
    deadline = time.monotonic() + timeout
    client = RegistryClient(cfg)
    while True:
        try:
            client.check_chain()
            break
        except NetworkError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop()
                raise NetworkError("anvil did not start", code="chain.unreachable") from None
            time.sleep(0.03)
    try:
        address = client.deploy(chain.dev_key(0))
        if address.lower() != DEV_REGISTRY_ADDRESS.lower():
            raise ChainError(
                f"registry landed at {address}, expected {DEV_REGISTRY_ADDRESS}", code="chain.deploy"
            )
    except Exception:
        stop()
        raise
    return chain


class BackendUnavailable(LookupError):
    """The requested chain backend (anvil) is not installed here."""


def start_backend(name: str, *, node_dir: Path, data_dir: Path | None = None) -> TestChain:
    """``"embedded"`` or ``"anvil"``; raises :class:`BackendUnavailable` when anvil is missing."""
    if name == "embedded":
        return start_devchain(data_dir)
    if name == "anvil":
        binary = find_anvil(node_dir)
        if binary is None:
            raise BackendUnavailable(f"anvil not found under {node_dir}/node_modules (npm ci there)")
        return start_anvil(binary)
    raise ValueError(f"unknown chain backend {name!r}")
