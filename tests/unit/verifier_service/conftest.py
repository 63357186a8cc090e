"""Fixtures for the verifier service tests: the verifier SDK's test world plus the app."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "verifier"))

from svc_holder import NOW
from vworld import World, make_world

from verifier.service import VerifierSettings, create_app


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def make_client(tmp_path: Path, world: World) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(**settings: Any) -> TestClient:
        settings.setdefault("database_url", f"sqlite:///{tmp_path / 'verifier.db'}")
        settings.setdefault("key_dir", tmp_path / "keys")
        settings.setdefault("public_url", "http://127.0.0.1:8800")
        clock = settings.pop("clock", lambda: NOW)
        risk = settings.pop("risk", None)
        app = create_app(
            VerifierSettings(**settings),
            resolver=world.resolver,
            http=httpx.AsyncClient(transport=httpx.MockTransport(world.web.handler)),
            clock=clock,
            risk=risk,
        )
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()
