"""The issuer's OpenID4VCI 1.0 pre-authorized code flow driven by an independent client library.

`@openid4vc/openid4vci` 0.4.6 (oid4vc-ts, with `@openid4vc/oauth2` and `@openid4vc/utils`),
pinned in ``tests/interop/node/package.json``, runs every protocol step from
``tests/interop/node/oid4vci_client.mjs`` against a live issuer on 127.0.0.1; the credentials it
receives are verified with didkit-py's verifier (and holder binding checked).
"""

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

from didkit_py.credentials import derive, verify
from didkit_py.did import default_resolver, did_key_from_public
from didkit_py.keys import KeyType, generate_key, private_jwk, public_jwk
from issuer import IssuerSettings, create_app

pytestmark = pytest.mark.interop

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    sock = socket.create_server(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
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
        yield base, {"Authorization": f"Bearer {token}"}
    finally:
        srv.should_exit = True
        t.join(timeout=10)


def _offer(base: str, h: dict[str, str], fmt: str, *, tx_code: bool) -> dict[str, Any]:
    with httpx.Client(base_url=base, timeout=30) as c:
        key_type = "Bls12381G2" if fmt == "bbs-2023" else "Ed25519"
        r = c.post("/dids", json={"method": "key", "key_types": [key_type]}, headers=h)
        assert r.status_code == 201, r.text
        r = c.post(
            "/templates",
            json={
                "name": "badge",
                "format": fmt,
                "types": ["ExampleAchievementCredential"],
                "contexts": [EXAMPLES],
                "subject_schema": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "degree": {"type": "string"}},
                    "required": ["name"],
                },
                "disclosable": ["/credentialSubject/name", "/credentialSubject/degree"]
                if fmt == "dc+sd-jwt"
                else [],
                "mandatory_pointers": ["/issuer"] if fmt == "bbs-2023" else [],
            },
            headers=h,
        )
        assert r.status_code == 201, r.text
        r = c.post(
            "/offers",
            json={"template": "badge", "claims": {"name": "Alice", "degree": "BSc"}, "tx_code": tx_code},
            headers=h,
        )
        assert r.status_code == 201, r.text
        return dict(r.json())


async def _check_subject(subject_id: str, holder_x: str, holder_did: str | None) -> None:
    """The subject is the holder: its did:key (kid proofs) or its key's did:jwk (jwk proofs)."""
    if holder_did is not None:
        assert subject_id == holder_did
        return
    assert subject_id.startswith("did:jwk:")
    doc = (await default_resolver().resolve(subject_id)).document
    assert doc["verificationMethod"][0]["publicKeyJwk"]["x"] == holder_x


def _jwt_payload(compact: str) -> dict[str, Any]:
    p64 = compact.split("~")[0].split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(p64 + "=" * (-len(p64) % 4))))


@pytest.mark.parametrize(
    ("fmt", "by_reference", "alg", "kid"),
    [
        ("vc+jwt", True, "EdDSA", False),
        ("dc+sd-jwt", False, "ES256", False),
        ("dc+sd-jwt", True, "EdDSA", True),
        ("bbs-2023", True, "EdDSA", False),
        ("eddsa-rdfc-2022", False, "ES256", False),
        ("eddsa-rdfc-2022", True, "ES256", True),
    ],
)
async def test_oid4vc_ts_client_completes_the_pre_authorized_flow(
    node: Any, server: tuple[str, dict[str, str]], fmt: str, by_reference: bool, alg: str, kid: bool
) -> None:
    base, h = server
    offer = _offer(base, h, fmt, tx_code=fmt in ("vc+jwt", "bbs-2023"))
    holder = generate_key(KeyType.ED25519 if alg == "EdDSA" else KeyType.P256)
    holder_did = did_key_from_public(holder.key_type, holder.public_key)
    request: dict[str, Any] = {
        "offer": offer["deep_link"] if by_reference else offer["deep_link_by_value"],
        "txCode": offer.get("tx_code"),
        "holderJwk": private_jwk(holder),
        "alg": alg,
        "batch": 2,
    }
    if kid:  # the proof names the key by a did:key URL instead of carrying the JWK
        request["holderKid"] = f"{holder_did}#{holder_did.removeprefix('did:key:')}"
    out = node("oid4vci_client.mjs", request)
    # Every request at the URL the spec names, first time, no error on the way (RFC 8414 §3.1 and
    # OpenID4VCI §12.2.2: the well-known suffix goes between host and the issuer's path).
    expected = [("GET", f"/acme/offers/{offer['offer_id']}")] if by_reference else []
    expected += [
        ("GET", "/.well-known/openid-credential-issuer/acme"),
        ("GET", "/.well-known/oauth-authorization-server/acme"),
        ("POST", "/acme/token"),
        ("POST", "/acme/nonce"),
        ("POST", "/acme/nonce"),
        ("POST", "/acme/credential"),
    ]
    assert [(r["method"], r["path"]) for r in out["requests"]] == expected
    assert all(r["status"] == 200 for r in out["requests"])
    assert out["version"] == "V1"  # the library recognised our metadata as OpenID4VCI 1.0
    assert out["offer"]["credential_issuer"] == f"{base}/acme"
    assert out["authorizationServer"] == f"{base}/acme"
    creds = out["credentials"]
    assert len(creds) == 2  # batch issuance: one credential per proof
    resolver = default_resolver()
    now = datetime.now(UTC)
    holder_x = public_jwk(holder)["x"]
    for cred in creds:
        if fmt == "bbs-2023":  # a base proof is for the holder: it derives a disclosed copy
            assert cred["credentialSubject"]["name"] == "Alice"
            cred = derive(cred, now=now, disclose=["/credentialSubject/id", "/credentialSubject/degree"])
            assert isinstance(cred, dict) and "name" not in cred["credentialSubject"]
        result = await verify(cred, resolver=resolver, now=now)
        assert result.verified, result.errors
        if fmt in ("vc+jwt", "dc+sd-jwt"):
            assert isinstance(cred, str)
            payload = _jwt_payload(cred)
            if fmt == "dc+sd-jwt":
                assert payload["cnf"]["jwk"]["x"] == holder_x  # bound to the wallet's key
            else:
                await _check_subject(
                    payload["credentialSubject"]["id"], holder_x, holder_did if kid else None
                )
        else:
            if fmt != "bbs-2023":
                assert cred["credentialSubject"]["name"] == "Alice"
            await _check_subject(cred["credentialSubject"]["id"], holder_x, holder_did if kid else None)


async def test_oid4vc_ts_client_reads_our_oauth_and_credential_errors(
    node: Any, server: tuple[str, dict[str, str]]
) -> None:
    """Error responses parse with the library's schemas: wrong tx_code, replayed proof."""
    base, h = server
    offer = _offer(base, h, "vc+jwt", tx_code=True)
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    out = node("oid4vci_client.mjs", {"offer": offer["deep_link"], "txCode": wrong})
    assert out["tokenError"]["status"] == 400
    assert out["tokenError"]["error"]["error"] == "invalid_grant"
    # The offer survives a few misses (it burns after five); the right code still works.
    out = node(
        "oid4vci_client.mjs", {"offer": offer["deep_link"], "txCode": offer["tx_code"], "replay": True}
    )
    assert len(out["credentials"]) == 1
    assert out["replay"]["status"] == 400
    assert out["replay"]["error"]["error"] == "invalid_nonce"
    assert out["tokenResponse"]["token_type"] == "Bearer"
