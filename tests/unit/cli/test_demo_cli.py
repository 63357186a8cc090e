"""`didkit demo`: the story runs offline, verifies what it claims, and rejects the forgeries."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from didkit_py.cli.main import app
from didkit_py.credentials import CheckResult, VerificationResult
from didkit_py.demo import CHAPTERS, Chapter, DemoContext, Narrator, run_demo, select_chapters
from didkit_py.did import default_resolver
from didkit_py.errors import InvalidInput, VerificationError


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the demo must not open network connections")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_demo_tells_the_story(no_network: None) -> None:
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    out = result.stdout
    assert "Chapter 1" in out and "did:key:z6Mk" in out
    assert out.count("✔ verified") == 1 and out.count("✘ rejected") == 2
    assert "jwt.signature" in out and "vp.challenge" in out


def test_demo_json_transcript(no_network: None) -> None:
    result = CliRunner().invoke(app, ["demo", "--json"])
    assert result.exit_code == 0, result.output
    transcript = json.loads(result.stdout)
    assert transcript["ok"] is True
    chapter = transcript["chapters"][0]
    assert chapter["slug"] == "vc-jwt"
    verifications = [e["verification"] for e in chapter["events"] if "verification" in e]
    assert [v["verified"] for v in verifications] == [True, False, False]
    assert [v["errors"][0]["code"] for v in verifications[1:]] == ["jwt.signature", "vp.challenge"]
    shown = {e["show"]["label"]: e["show"]["value"] for e in chapter["events"] if "show" in e}
    assert shown["vc+jwt"].count(".") == 2 and shown["JOSE header"]["typ"] == "vc+jwt"


def test_demo_list_and_unknown_chapter() -> None:
    listed = CliRunner().invoke(app, ["demo", "--list"])
    assert listed.exit_code == 0 and "vc-jwt" in listed.stdout
    unknown = CliRunner().invoke(app, ["demo", "--chapter", "nope"])
    assert unknown.exit_code == 3 and "demo.chapter" in unknown.stderr
    with pytest.raises(InvalidInput):
        select_chapters(["nope"])
    assert select_chapters(["vc-jwt"]) == CHAPTERS[:1]


async def test_narrator_refuses_an_unexpected_outcome() -> None:
    """A demo that 'accepts' a forgery must fail loudly, not print a happy story."""

    async def lying_chapter(ctx: DemoContext, narrator: Narrator) -> None:
        accepted = VerificationResult(True, "vc+jwt", (CheckResult("signature", True),))
        narrator.verification("forged copy", accepted, expect_verified=False)

    ctx = DemoContext(now=datetime.now(UTC), resolver=default_resolver())
    narrator = Narrator(collect=True)
    with pytest.raises(VerificationError) as info:
        await run_demo(ctx, narrator, [Chapter("lie", "A lie", lying_chapter)])
    assert info.value.code == "demo.unexpected"
    assert narrator.transcript(ok=False)["chapters"][0]["events"][0]["verification"]["verified"] is True


async def test_chapters_share_state() -> None:
    ctx = DemoContext(now=datetime.now(UTC), resolver=default_resolver())
    await run_demo(ctx, Narrator(collect=True), CHAPTERS)
    assert ctx.state["degree_vc_jwt"].count(".") == 2
