"""The verifier's memo of decoded verification methods: hits, expiry, no cached failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from vworld import NOW, World, ethr_document

from didkit_py.credentials import Signer
from didkit_py.errors import NotFound
from verifier._keycache import KeyCachingResolver


async def test_memo_hits_expires_and_never_caches_failures(world: World) -> None:
    did = "did:ethr:0x7a69:0x4444444444444444444444444444444444444444"
    world.ledger.versions[did] = [
        (NOW - timedelta(days=9), ethr_document(did, "0x" + "c" * 40, [("k", world.issuer_key)]), {})
    ]
    calls = []
    inner = world.resolver
    original = inner.resolve_verification_method

    async def counting(did_url: str, *, purpose: str | None = None):  # type: ignore[no-untyped-def]
        calls.append(did_url)
        return await original(did_url, purpose=purpose)

    inner.resolve_verification_method = counting  # type: ignore[method-assign]
    t = [0.0]
    memo = KeyCachingResolver(inner, ttl=10, clock=lambda: t[0])
    a = await memo.resolve_verification_method(f"{did}#k")
    b = await memo.resolve_verification_method(f"{did}#k")
    assert a is b and len(calls) == 1
    t[0] = 11
    await memo.resolve_verification_method(f"{did}#k")
    assert len(calls) == 2
    for _ in range(2):
        with pytest.raises(NotFound):
            await memo.resolve_verification_method(
                "did:ethr:0x7a69:0x5555555555555555555555555555555555555555#k"
            )
    assert len(calls) == 4  # failures are retried, not remembered
    assert memo.methods == inner.methods
    assert (await memo.resolve(did)).document["id"] == did


async def test_a_removed_key_is_seen_once_the_memo_expires(world: World) -> None:
    """Like the resolver's own document cache, the memo bounds how long a removed key is still
    accepted: ``min(key_cache_ttl, resolver cache_ttl)`` seconds."""
    did = "did:ethr:0x7a69:0x6666666666666666666666666666666666666666"
    doc = ethr_document(did, "0x" + "d" * 40, [("k", world.issuer_key)])
    world.ledger.versions[did] = [(NOW - timedelta(days=9), doc, {})]
    token = world.jwt(world.credential(issuer=did), Signer(world.issuer_key, f"{did}#k"))
    t = [0.0]
    verifier = world.make_verifier(monotonic=lambda: t[0], key_cache_ttl=60)
    assert (await verifier.verify_credential(token)).accepted
    world.ledger.versions[did] = [(NOW - timedelta(days=9), ethr_document(did, "0x" + "d" * 40, []), {})]
    world.resolver.clear_cache()  # the resolver's document TTL has run out
    t[0] = 59
    assert (await verifier.verify_credential(token)).accepted  # within the memo's lifetime
    t[0] = 61
    report = await verifier.verify_credential(token)
    assert not report.accepted
    assert [c.outcome.value for c in report.checks if c.policy == "did_resolution"] == ["failed"]
