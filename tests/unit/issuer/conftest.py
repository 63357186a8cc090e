"""Issuer fixtures: the same API suite on SQLite and on a real, throwaway PostgreSQL cluster."""

from __future__ import annotations

import base64
import importlib.util
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from issuer import IssuerSettings, create_app
from issuer.db import make_engine, migrate
from issuer.service import IssuerService

_spec = importlib.util.spec_from_file_location("didkit_tests_pg", Path(__file__).parents[2] / "pg.py")
assert _spec is not None and _spec.loader is not None
pg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pg)

BASE = "http://issuer.test"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    if pg.find_bindir() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL server binaries are missing (CI must install the postgresql package)")
        pytest.skip("PostgreSQL server binaries not installed")
    with pg.postgres_cluster() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once by Alembic; each test gets a copy (migrations are tested on it)."""
    path = tmp_path_factory.mktemp("issuer-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> str:
    url = str(pg.create_database(pg_server))
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, tmp_path / "issuer.db")
        return f"sqlite:///{tmp_path / 'issuer.db'}"
    server: str = request.getfixturevalue("pg_server")
    return str(pg.create_database(server, template=request.getfixturevalue("pg_template")))


def new_kek() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


@dataclass
class Tenant:
    slug: str
    admin: dict[str, str]
    issue: dict[str, str]
    revoke: dict[str, str]
    did_ed: dict[str, Any] = field(default_factory=dict)
    did_bls: dict[str, Any] = field(default_factory=dict)


@dataclass
class Api:
    client: TestClient
    service: IssuerService
    settings: IssuerSettings
    a: Tenant
    b: Tenant


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_tenant(client: TestClient, service: IssuerService, slug: str) -> Tenant:
    service.create_tenant(slug)
    _, admin = service.create_api_key(slug, name="admin", scopes=["admin"])
    _, issue = service.create_api_key(slug, name="issuer", scopes=["issue"])
    _, revoke = service.create_api_key(slug, name="revoker", scopes=["revoke"])
    t = Tenant(slug, _bearer(admin), _bearer(issue), _bearer(revoke))
    r = client.post("/dids", json={"method": "key", "key_types": ["Ed25519"]}, headers=t.admin)
    assert r.status_code == 201, r.text
    t.did_ed = r.json()
    r = client.post("/dids", json={"method": "key", "key_types": ["Bls12381G2"]}, headers=t.admin)
    assert r.status_code == 201, r.text
    t.did_bls = r.json()
    return t


@pytest.fixture
def api(db_url: str) -> Iterator[Api]:
    settings = IssuerSettings(
        database_url=db_url,
        kek=new_kek(),  # type: ignore[arg-type]
        public_url=BASE,
        max_body_bytes=64_000,
        status_cache_seconds=30,
        api_key_argon2_time_cost=1,
        auto_migrate=False,  # the template database was migrated once
        api_key_argon2_memory_kib=1024,  # cheap hashes keep the suite fast; production uses 19 MiB
    )
    app = create_app(settings)
    service: IssuerService = app.state.ctx.service
    with TestClient(app, base_url=BASE) as client:
        a = make_tenant(client, service, "acme")
        b = make_tenant(client, service, "globex")
        yield Api(client, service, settings, a, b)
    service.sessions.dispose()
    if db_url.startswith("postgresql"):
        pg.drop_database(db_url)
