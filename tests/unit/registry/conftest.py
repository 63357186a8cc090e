"""Chain fixtures: every registry test runs on the embedded dev chain AND on anvil.

Under ``CI=true`` a missing anvil is a failure, never a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from didkit_py.registry.client import EthrIdentity, RegistryClient, create_identity
from didkit_py.registry.testing import BackendUnavailable, TestChain, start_backend

NODE_DIR = Path(__file__).resolve().parents[2] / "interop" / "node"
BACKENDS = ["embedded", "anvil"]


def open_chain(name: str) -> TestChain:
    try:
        return start_backend(name, node_dir=NODE_DIR)
    except BackendUnavailable as exc:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"chain backend unavailable under CI: {exc}")
        pytest.skip(str(exc))


@pytest.fixture(scope="module", params=BACKENDS)
def chain(request: pytest.FixtureRequest) -> Iterator[TestChain]:
    ch = open_chain(request.param)
    try:
        yield ch
    finally:
        ch.stop()


@pytest.fixture
def client(chain: TestChain) -> RegistryClient:
    return chain.client()


@pytest.fixture
def identity(chain: TestChain, client: RegistryClient) -> EthrIdentity:
    """A fresh identity whose own key has gas money (sent by a dev account)."""
    ident = create_identity(chain.config.chain_id)
    chain.fund(ident.address, client=client)
    return ident
