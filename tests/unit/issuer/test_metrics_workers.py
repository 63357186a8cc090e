"""``/metrics`` with several workers sums them all (prometheus_client's multiprocess mode).

Each "worker" here is a separate Python process issuing through its own app, as uvicorn's
workers do; a third process answers the scrape. Without the multiprocess directory each
process would only report its own count.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import new_kek

WORKER = textwrap.dedent(
    """
    import sys
    from fastapi.testclient import TestClient
    from issuer import IssuerSettings, create_app

    settings = IssuerSettings(
        database_url=sys.argv[1], kek=sys.argv[2], public_url="http://issuer.test",
        api_key_argon2_time_cost=1, api_key_argon2_memory_kib=1024, audit_seal_seconds=0,
    )
    app = create_app(settings)
    svc = app.state.ctx.service
    client = TestClient(app, base_url="http://issuer.test")
    if sys.argv[3] == "setup":
        svc.create_tenant("acme")
        _, token = svc.create_api_key("acme", name="a", scopes=["admin"])
        h = {"Authorization": f"Bearer {token}"}
        assert client.post("/dids", json={"method": "key"}, headers=h).status_code == 201
        print(token)
    elif sys.argv[3] == "issue":
        h = {"Authorization": f"Bearer {sys.argv[4]}"}
        cred = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
                "credentialSubject": {"id": "did:example:alice"}}
        for _ in range(int(sys.argv[5])):
            body = {"credential": cred, "options": {"format": "vc+jwt"}}
            r = client.post("/credentials/issue", json=body, headers=h)
            assert r.status_code == 201, r.text
    else:
        print(client.get("/metrics").text)
    """
)


@pytest.mark.slow
def test_metrics_sum_every_worker(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'issuer.db'}"
    kek = new_kek()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "DIDKIT_HOME": str(tmp_path)}

    def run(*args: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-c", WORKER, db, kek, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout

    token = run("setup").strip().splitlines()[-1]
    run("issue", token, "2")
    run("issue", token, "3")
    scrape = run("scrape")
    assert 'issuer_credentials_issued_total{format="vc+jwt",via="vc-api"} 5.0' in scrape
    assert "issuer_http_request_seconds_bucket" in scrape
