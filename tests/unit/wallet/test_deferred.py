"""`wallet receive` / `wallet pending` against the real issuer service: deferred issuance (202,
operator approval, polling at the issuer's interval) and notifications (OpenID4VCI §9, §11)."""

from __future__ import annotations

import base64
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from conftest import Cli
from fastapi.testclient import TestClient

from issuer import IssuerSettings, create_app


@dataclass
class RealIssuer:
    base: str
    api: TestClient
    admin: dict[str, str]
    issue: dict[str, str]
    server: Any = None
    thread: Any = None

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)

    def offer(self) -> str:
        r = self.api.post(
            "/offers", json={"template": "badge", "claims": {"name": "Alice"}}, headers=self.issue
        )
        assert r.status_code == 201, r.text
        return str(r.json()["deep_link"])

    def audit(self) -> list[dict[str, Any]]:
        return list(self.api.get("/audit", headers=self.admin).json())


@pytest.fixture
def real_issuer(tmp_path: Path) -> Iterator[RealIssuer]:
    sock = socket.create_server(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = IssuerSettings(
        database_url=f"sqlite:///{tmp_path / 'issuer.db'}",
        kek=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),  # type: ignore[arg-type]
        public_url=base,
        api_key_argon2_time_cost=1,
        api_key_argon2_memory_kib=1024,
        deferred_interval_seconds=1,
        audit_seal_seconds=0,
    )
    app = create_app(settings)
    service = app.state.ctx.service
    service.create_tenant("acme")
    _, admin_key = service.create_api_key("acme", name="admin", scopes=["admin"])
    _, issue_key = service.create_api_key("acme", name="issuer", scopes=["issue"])
    admin = {"Authorization": f"Bearer {admin_key}"}
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    t = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "issuer did not start"
        time.sleep(0.01)
    try:
        with TestClient(app, base_url=base) as api:
            r = api.post("/dids", json={"method": "key", "key_types": ["Ed25519"]}, headers=admin)
            assert r.status_code == 201, r.text
            r = api.post(
                "/templates",
                json={
                    "name": "badge",
                    "format": "vc+jwt",
                    "types": ["BadgeCredential"],
                    "approval": "manual",
                },
                headers=admin,
            )
            assert r.status_code == 201, r.text
            yield RealIssuer(base, api, admin, {"Authorization": f"Bearer {issue_key}"}, server, t)
    finally:
        server.should_exit = True
        t.join(5)
        service.sessions.dispose()


def test_receive_pending_then_approved_and_notified(initialised: Cli, real_issuer: RealIssuer) -> None:
    cli = initialised
    out = cli.json("receive", real_issuer.offer(), "--yes")
    [row] = out
    assert row["status"] == "pending" and row["credential"] == "badge"
    assert cli.json("list") == []
    # Too early: the issuer's interval has not passed, so nothing is asked.
    [early] = cli.json("pending")
    assert early["status"] == "pending"
    polls = [e for e in real_issuer.audit() if e["action"] == "deferred.deliver"]
    assert polls == []
    time.sleep(1.1)
    [still] = cli.json("pending")  # asked now: still pending at the issuer
    assert still["status"] == "pending" and still["next_check"] > early["next_check"]
    [item] = real_issuer.api.get("/deferred?status=pending", headers=real_issuer.admin).json()
    r = real_issuer.api.post(f"/deferred/{item['id']}/approve", headers=real_issuer.admin)
    assert r.status_code == 200, r.text
    [got] = cli.json("pending", "--wait")
    assert got["status"] == "received" and len(got["stored"]) == 1
    [cred] = cli.json("list")
    assert cred["format"] == "vc+jwt" and cred["status"] == "valid"
    assert cli.json("pending") == []
    events = real_issuer.audit()
    [note] = [e for e in events if e["action"] == "oid4vci.notification"]
    assert note["details"]["event"] == "credential_accepted"
    assert note["credential"] == r.json()["credentials"][0]
    # The human-readable output says what happens.
    text = cli("receive", real_issuer.offer(), "--yes").stderr
    assert "Pending approval" in text and "wallet pending" in text


def test_rejected_request_is_dropped(initialised: Cli, real_issuer: RealIssuer) -> None:
    cli = initialised
    cli.json("receive", real_issuer.offer(), "--yes")
    [item] = real_issuer.api.get("/deferred", headers=real_issuer.admin).json()
    assert (
        real_issuer.api.post(f"/deferred/{item['id']}/reject", headers=real_issuer.admin).status_code == 200
    )
    time.sleep(1.1)
    [row] = cli.json("pending")
    assert row["status"] == "denied"
    assert cli.json("pending") == [] and cli.json("list") == []


def test_unreachable_issuer_keeps_the_request(initialised: Cli, real_issuer: RealIssuer) -> None:
    cli = initialised
    cli.json("receive", real_issuer.offer(), "--yes")
    real_issuer.stop()
    time.sleep(1.1)
    [row] = json.loads(cli("pending", "--json", code=3).stdout)
    assert row["status"] == "unreachable" and row["error"] == "oid4vc.network"
    [again] = cli.json("pending")  # kept, and not asked again before the interval has passed
    assert again["status"] == "pending" and again["pending"] == row["pending"]
    time.sleep(1.1)
    assert "Could not reach the issuer" in cli("pending", code=3).stderr


def test_failed_verification_is_not_stored_and_notified(initialised: Cli, real_issuer: RealIssuer) -> None:
    cli = initialised
    cli.json("receive", real_issuer.offer(), "--yes")
    [item] = real_issuer.api.get("/deferred", headers=real_issuer.admin).json()
    approved = real_issuer.api.post(f"/deferred/{item['id']}/approve", headers=real_issuer.admin).json()
    # Revoked before the wallet fetches it: the wallet's status check refuses to store it.
    r = real_issuer.api.post(
        "/credentials/status",
        json={
            "credentialId": approved["credentials"][0],
            "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}],
        },
        headers=real_issuer.admin,
    )
    assert r.status_code == 200, r.text
    time.sleep(1.1)
    r = cli("pending", "--json", code=1)
    [row] = json.loads(r.stdout)
    assert row["status"] == "failed" and row["error"] == "wallet.credential_invalid"
    assert cli.json("list") == [] and cli.json("pending") == []
    [note] = [e for e in real_issuer.audit() if e["action"] == "oid4vci.notification"]
    assert note["details"]["event"] == "credential_failure"
