"""Hostile input never yields an accepted report, and never escapes as anything but a report."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vworld import World, make_world

_WORLD: World | None = None


def _world() -> World:
    global _WORLD
    if _WORLD is None:
        _WORLD = make_world()
    return _WORLD


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutated_tokens_are_never_accepted(data: st.DataObject) -> None:
    world = _world()
    token = world.jwt()
    pos = data.draw(st.integers(0, len(token) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
    ch = data.draw(st.sampled_from(alphabet).filter(lambda c: c != token[pos]))
    mutated = token[:pos] + ch + token[pos + 1 :]
    report = asyncio.run(world.make_verifier().verify_credential(mutated))
    if report.accepted:
        # Base64url has slack in its last character: accept only byte-identical decodings.
        from didkit_py._encoding import b64url_decode

        def parts(t: str) -> list[bytes]:
            return [b64url_decode(p) for p in t.split(".")]

        assert parts(mutated) == parts(token)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_random_json_yields_a_rejected_report(value: Any) -> None:
    world = _world()
    for doc in (value, json.dumps(value)):
        report = asyncio.run(world.make_verifier().verify_credential(doc))
        assert report.verdict == "rejected"
        report = asyncio.run(world.make_verifier().verify_presentation(doc, challenge="c"))
        assert report.verdict == "rejected"
