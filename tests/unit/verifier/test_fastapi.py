"""The FastAPI dependency and the example app, over a real ASGI round trip (no sockets)."""

from __future__ import annotations

import httpx
from vworld import World

from verifier.examples.app import create_app

ORIGIN = "http://rp.test"


async def _client(world: World, **kw: object) -> httpx.AsyncClient:
    app = create_app(world.make_verifier(), **kw)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)


async def test_enter_with_a_fresh_presentation_then_replay_is_refused(world: World) -> None:
    async with await _client(world, trusted=frozenset({world.issuer.did})) as client:
        nonce = (await client.get("/challenge")).json()["challenge"]
        vp = world.vp([world.jwt()], challenge=nonce, domain=ORIGIN)
        r = await client.post("/enter", json={"presentation": vp, "challenge": nonce})
        assert r.status_code == 200, r.text
        assert r.json()["welcome"] == "Alice"
        replay = await client.post("/enter", json={"presentation": vp, "challenge": nonce})
        assert replay.status_code == 403
        codes = {c["code"] for c in replay.json()["detail"]["checks"] if c["outcome"] == "failed"}
        assert "challenge.replayed" in codes
        # The bare body form, challenge in a header.
        nonce2 = (await client.get("/challenge")).json()["challenge"]
        vp2 = world.vp([world.jwt()], challenge=nonce2, domain=ORIGIN)
        r2 = await client.post("/enter", content=vp2, headers={"X-Challenge": nonce2})
        assert r2.status_code == 200, r2.text


async def test_untrusted_issuer_made_up_challenge_and_bad_bodies(world: World) -> None:
    async with await _client(world, trusted=frozenset({"did:key:z6MkSomeoneElse"})) as client:
        nonce = (await client.get("/challenge")).json()["challenge"]
        vp = world.vp([world.jwt()], challenge=nonce, domain=ORIGIN)
        r = await client.post("/enter", json={"presentation": vp, "challenge": nonce})
        assert r.status_code == 403
        assert any(c["code"] == "issuer_trust.untrusted" for c in r.json()["detail"]["checks"])
        vp3 = world.vp([world.jwt()], challenge="invented", domain=ORIGIN)
        r3 = await client.post("/enter", json={"presentation": vp3, "challenge": "invented"})
        assert r3.status_code == 403
        wrong_aud = world.vp([world.jwt()], challenge=nonce, domain="https://elsewhere.example")
        r4 = await client.post("/enter", json={"presentation": wrong_aud, "challenge": nonce})
        assert r4.status_code == 403
        assert (await client.post("/enter", content=b"")).status_code == 400
        assert (
            await client.post("/enter", content=b"{not json", headers={"X-Challenge": "x"})
        ).status_code == 400
        assert (await client.post("/enter", json={"presentation": vp})).status_code == 400
        assert (
            await client.post("/enter", content=b"x" * 2_000_000, headers={"X-Challenge": "x"})
        ).status_code == 413
        garbage = await client.post("/enter", json={"presentation": {"a": 1}, "challenge": nonce})
        assert garbage.status_code == 403


async def test_verify_credential_endpoint(world: World) -> None:
    async with await _client(world, trusted=frozenset({world.issuer.did})) as client:
        r = await client.post("/verify/credential", json=world.jwt())
        assert r.status_code == 200 and r.json()["verdict"] == "accepted"
