"""Host-level did:web: ``DIDKIT_ISSUER_HOST_TENANT`` names the tenant whose DID is ``did:web:<host>``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from didkit_py.credentials import verify
from didkit_py.did import default_resolver
from issuer import IssuerSettings, create_app
from issuer.service import IssuerService

from .conftest import new_kek, pg

CRED = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:alice"},
}


@pytest.fixture
def db(db_url: str) -> Iterator[str]:
    yield db_url
    if db_url.startswith("postgresql"):
        pg.drop_database(db_url)


@contextmanager
def _app(db_url: str, kek: str, **kw: Any) -> Iterator[tuple[FastAPI, TestClient, dict[str, str]]]:
    settings = IssuerSettings(
        database_url=db_url,
        kek=kek,  # type: ignore[arg-type]
        auto_migrate=False,
        api_key_argon2_memory_kib=1024,
        api_key_argon2_time_cost=1,
        **kw,
    )
    app = create_app(settings)
    service: IssuerService = app.state.ctx.service
    scheme, rest = settings.base_url().split("://", 1)
    base = f"{scheme}://{rest.split('/', 1)[0]}"  # a base path is stripped by the reverse proxy
    with TestClient(app, base_url=base) as client:
        if not service.tenants():
            service.create_tenant("acme")
            service.create_tenant("globex")
        _, token = service.create_api_key("acme", name="a", scopes=["admin"])
        _, other = service.create_api_key("globex", name="g", scopes=["admin"])
        client.headers["X-Other"] = other  # the second tenant's key, for the tests below
        yield app, client, {"Authorization": f"Bearer {token}"}
    service.sessions.dispose()


def _did_web(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    r = client.post("/dids", json={"method": "web", "key_types": ["Ed25519"]}, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_host_tenant_gets_did_web_of_the_host(db: str) -> None:
    with _app(db, new_kek(), public_url="https://issuer.test", host_tenant="acme") as (app, c, h):
        did = _did_web(c, h)
        assert did["did"] == "did:web:issuer.test"
        assert did["keys"] == [{"id": "did:web:issuer.test#key-1", "type": "Ed25519"}]
        r = c.get("/.well-known/did.json")
        assert r.status_code == 200 and r.headers["content-type"] == "application/did+json"
        doc = r.json()
        assert doc["id"] == "did:web:issuer.test"
        assert doc["assertionMethod"] == ["did:web:issuer.test#key-1"]
        assert c.get("/acme/did.json").status_code == 404  # not also under the tenant path
        # Other tenants keep the path form, served under their slug.
        other = _did_web(c, {"Authorization": f"Bearer {c.headers['X-Other']}"})
        assert other["did"] == "did:web:issuer.test:globex"
        assert c.get("/globex/did.json").json()["id"] == "did:web:issuer.test:globex"
        assert c.get("/.well-known/did.json").json()["id"] == "did:web:issuer.test"
        # One host DID: a second did:web for the host tenant is a conflict.
        r = c.post("/dids", json={"method": "web"}, headers=h)
        assert r.status_code == 409
        # Issue with it, and resolve did:web:issuer.test through the service itself.
        r = c.post("/templates", json={"name": "t", "format": "vc+jwt", "did_id": did["id"]}, headers=h)
        assert r.status_code == 201, r.text
        _, issue = app.state.ctx.service.create_api_key("acme", name="i", scopes=["issue"])
        body = {"credential": CRED, "options": {"template": "t", "statusPurposes": []}}
        r = c.post("/credentials/issue", json=body, headers={"Authorization": f"Bearer {issue}"})
        assert r.status_code == 201, r.text
        vc = r.json()["verifiableCredential"]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport) as http:
            resolver = default_resolver(http=http)
            assert (await resolver.resolve("did:web:issuer.test")).document == doc
            result = await verify(vc, resolver=resolver, now=datetime.now(UTC))
        assert result.verified, result.errors
        # Key rotation shows in the host document.
        r = c.post(f"/dids/{did['id']}/rotate", json={"key_type": "Ed25519"}, headers=h)
        assert r.status_code == 200, r.text
        assert c.get("/.well-known/did.json").json()["assertionMethod"] == ["did:web:issuer.test#key-2"]


def test_without_a_host_tenant_there_is_no_host_document(db: str) -> None:
    with _app(db, new_kek(), public_url="https://issuer.test") as (_a, c, h):
        assert _did_web(c, h)["did"] == "did:web:issuer.test:acme"
        assert c.get("/.well-known/did.json").status_code == 404
        assert c.get("/acme/did.json").json()["id"] == "did:web:issuer.test:acme"


def test_a_base_path_puts_the_host_document_at_base_did_json(db: str) -> None:
    with _app(db, new_kek(), public_url="https://example.org/issuer/", host_tenant="acme") as (_a, c, h):
        assert _did_web(c, h)["did"] == "did:web:example.org:issuer"
        # did:web:example.org:issuer → https://example.org/issuer/did.json; the app sits at /issuer.
        assert c.get("/did.json").json()["id"] == "did:web:example.org:issuer"
        assert c.get("/.well-known/did.json").status_code == 404


def test_a_path_did_web_made_before_the_setting_still_resolves(db: str) -> None:
    kek = new_kek()
    with _app(db, kek, public_url="https://issuer.test") as (_a, c, h):
        assert _did_web(c, h)["did"] == "did:web:issuer.test:acme"
    with _app(db, kek, public_url="https://issuer.test", host_tenant="acme") as (_a, c, h):
        assert c.get("/acme/did.json").json()["id"] == "did:web:issuer.test:acme"
        assert c.get("/.well-known/did.json").status_code == 404  # not provisioned yet
        assert _did_web(c, h)["did"] == "did:web:issuer.test"
        assert c.get("/.well-known/did.json").json()["id"] == "did:web:issuer.test"
        assert c.get("/acme/did.json").json()["id"] == "did:web:issuer.test:acme"


def test_host_tenant_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIDKIT_ISSUER_HOST_TENANT", "acme")
    assert IssuerSettings().host_tenant == "acme"


def test_admin_cli_provisions_the_host_did(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from issuer.cli import app as cli

    monkeypatch.setenv("DIDKIT_ISSUER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("DIDKIT_ISSUER_KEK", new_kek())
    monkeypatch.setenv("DIDKIT_ISSUER_PUBLIC_URL", "https://issuer.test")
    monkeypatch.setenv("DIDKIT_ISSUER_HOST_TENANT", "acme")
    runner = CliRunner()
    for slug in ("acme", "globex"):
        assert runner.invoke(cli, ["admin", "tenant-create", slug]).exit_code == 0
    r = runner.invoke(cli, ["admin", "did-create", "acme", "--method", "web"])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == "did:web:issuer.test"
    r = runner.invoke(cli, ["admin", "did-create", "globex", "--method", "web"])
    assert r.stdout.strip() == "did:web:issuer.test:globex"
