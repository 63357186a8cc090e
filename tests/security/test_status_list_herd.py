"""Herd privacy of the issuer's status lists under concurrency (issue #13; Bitstring Status List §6.1).

A status list protects the holder only while it holds many credentials: whoever fetches a list
with one entry learns which credential is being checked. Eight requests issue a tenant's first
credentials at once; they must share one list. On PostgreSQL each concurrent transaction used
to find no list and start its own, leaving lists with a single credential for good (found by
tests/e2e/test_issuer_kill.py). Runs on SQLite and on a throwaway PostgreSQL cluster
(``tests/pg.py``; skipped without the server binaries, failed under ``CI=true``).
"""

from __future__ import annotations

import base64
import importlib.util
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

pytestmark = [pytest.mark.slow]

CRED = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:alice"},
}
CLIENTS = 8
EACH = 3


def _load_pg() -> Any:
    spec = importlib.util.spec_from_file_location("didkit_tests_pg", Path(__file__).parents[1] / "pg.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def pg_server() -> Iterator[tuple[Any, str]]:
    pg = _load_pg()
    if pg.find_bindir() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL server binaries are missing")
        pytest.skip("PostgreSQL server binaries not installed")
    with pg.postgres_cluster() as server:
        yield pg, server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'issuer.db'}"
    pg, server = request.getfixturevalue("pg_server")
    return str(pg.create_database(server))


@pytest.mark.parametrize("trial", range(3))
def test_concurrent_first_issuance_shares_one_status_list(database_url: str, trial: int) -> None:
    from fastapi.testclient import TestClient

    from issuer import IssuerSettings, create_app
    from issuer.db import StatusEntry, StatusList

    app = create_app(
        IssuerSettings(
            database_url=database_url,
            kek=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),  # type: ignore[arg-type]
            public_url="http://issuer.test",
            api_key_argon2_time_cost=1,
            api_key_argon2_memory_kib=1024,
        )
    )
    service = app.state.ctx.service
    tenant = f"herd{trial}"
    service.create_tenant(tenant)
    _, token = service.create_api_key(tenant, name="admin", scopes=["admin", "issue", "revoke"])
    auth = {"Authorization": f"Bearer {token}"}
    errors: list[str] = []
    try:
        with TestClient(app) as client:
            assert client.post("/dids", json={"method": "key"}, headers=auth).status_code == 201
            start = threading.Barrier(CLIENTS)

            def issue() -> None:
                start.wait()
                for _ in range(EACH):
                    r = client.post(
                        "/credentials/issue",
                        json={"credential": CRED, "options": {"format": "vc+jwt"}},
                        headers=auth,
                    )
                    if r.status_code != 201:
                        errors.append(r.text)

            threads = [threading.Thread(target=issue) for _ in range(CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=120)
        assert not errors, errors
        with service.sessions() as s:
            sizes = s.execute(
                select(StatusList.id, func.count(StatusEntry.idx))
                .join(StatusEntry, StatusEntry.list_id == StatusList.id, isouter=True)
                .group_by(StatusList.id)
            ).all()
        assert [n for _, n in sizes] == [CLIENTS * EACH], f"credentials per status list: {sizes}"
    finally:
        service.sessions.kw["bind"].dispose()
