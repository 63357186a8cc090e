"""The issuer's OpenID4VCI endpoints driven by a wallet written with `jose` (Node), over loopback."""

from __future__ import annotations

import base64
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from didkit_py.credentials import verify
from didkit_py.did import default_resolver
from issuer import IssuerSettings, create_app

pytestmark = pytest.mark.interop

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    settings = IssuerSettings(
        database_url=f"sqlite:///{tmp_path / 'i.db'}",
        kek=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),  # type: ignore[arg-type]
        public_url=base,
        api_key_argon2_memory_kib=1024,
        api_key_argon2_time_cost=1,
    )
    app = create_app(settings)
    service = app.state.ctx.service
    service.create_tenant("acme")
    _, token = service.create_api_key("acme", name="t", scopes=["admin"])
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    t = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    t.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield base, token
    finally:
        srv.should_exit = True
        t.join(timeout=10)


@pytest.mark.parametrize("fmt", ["dc+sd-jwt", "eddsa-rdfc-2022"])
async def test_jose_wallet_completes_the_pre_authorized_flow(
    node: Any, server: tuple[str, str], fmt: str
) -> None:
    base, token = server
    h = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=30) as c:
        assert c.post("/dids", json={"method": "key"}, headers=h).status_code == 201
        r = c.post(
            "/templates",
            json={
                "name": "badge",
                "format": fmt,
                "contexts": [EXAMPLES],
                "disclosable": ["/credentialSubject/name"] if fmt == "dc+sd-jwt" else [],
            },
            headers=h,
        )
        assert r.status_code == 201, r.text
        offer = c.post(
            "/offers", json={"template": "badge", "claims": {"name": "Alice"}, "tx_code": True}, headers=h
        ).json()
    out = node("issuer_wallet.mjs", {"deepLink": offer["deep_link"], "txCode": offer["tx_code"]})
    assert out["replay"]["status"] == 400 and out["replay"]["body"]["error"] == "invalid_nonce"
    [cred] = out["credentials"]
    result = await verify(cred, resolver=default_resolver(), now=datetime.now(UTC))
    assert result.verified, result.errors
    if fmt == "dc+sd-jwt":
        p64 = cred.split("~")[0].split(".")[1]
        payload = json.loads(base64.urlsafe_b64decode(p64 + "=" * (-len(p64) % 4)))
        assert payload["cnf"]["jwk"]["x"] == out["jwk"]["x"]  # bound to the wallet's key
    else:
        assert cred["credentialSubject"]["name"] == "Alice"
        # A bare-JWK proof binds the subject to that key's did:jwk.
        did_jwk = cred["credentialSubject"]["id"]
        assert did_jwk.startswith("did:jwk:")
        doc = (await default_resolver().resolve(did_jwk)).document
        assert doc["verificationMethod"][0]["publicKeyJwk"]["x"] == out["jwk"]["x"]
