"""`didkit demo`: the story runs offline, verifies what it claims, and rejects the forgeries."""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from didkit_py.cli.main import app
from didkit_py.credentials import CheckResult, VerificationResult
from didkit_py.demo import CHAPTERS, Chapter, DemoContext, Narrator, run_demo, select_chapters
from didkit_py.demo._core import expect
from didkit_py.demo.ch02_selective_disclosure import claim_pointer, shared_windows
from didkit_py.did import default_resolver
from didkit_py.errors import InvalidInput, VerificationError


def _loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Any connection that is not to loopback fails the test; loopback ones are recorded."""
    seen: list[Any] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family == socket.AF_UNIX or _loopback(address):
            seen.append(address)
            return real_connect(self, address)
        raise AssertionError(f"the demo must not open network connections ({address!r})")

    real_create = socket.create_connection

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        if not _loopback(address):
            raise AssertionError(f"the demo must not open network connections ({address!r})")
        seen.append(address)
        return real_create(address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    yield seen


def _events(chapter: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e[kind] for e in chapter["events"] if kind in e]


def _shown(chapter: dict[str, Any]) -> dict[str, Any]:
    return {e["show"]["label"]: e["show"]["value"] for e in chapter["events"] if "show" in e}


@pytest.mark.slow
def test_demo_tells_the_story(no_network: list[Any], tmp_path: Path) -> None:
    """The rich story, whole, with the MiniLM matcher; only loopback connections (the dev chain)."""
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    out = result.stdout
    for n in (1, 2, 3, 4):
        assert f"Chapter {n}" in out
    assert "did:key:z6Mk" in out and "did:ethr:0x539:0x" in out
    # ch1: 1 verified + 2 rejected; ch2: 2 verified + 2 rejected; ch3: 3 accepted + 1 rejected;
    # ch4 (services as processes): 1 accepted + 1 rejected (revoked).
    assert out.count("✔ verified") == 3 and out.count("✘ rejected") == 6
    assert out.count("✔ accepted") == 4
    assert "status.revoked" in out and "All 3 processes are stopped" in out
    assert "jwt.signature" in out and "vp.challenge" in out and "bbs.base_proof" in out
    assert "proof.vm_not_found" in out and "risk [high] key_rotated_after_issuance" in out
    assert "embedding ranking" in out  # the ai extra is installed here: MiniLM ranks the purpose
    assert no_network and all(_loopback(a) for a in no_network)


@pytest.mark.slow
def test_demo_json_transcript(no_network: list[Any]) -> None:
    result = CliRunner().invoke(app, ["demo", "--json", "--lexical"])
    assert result.exit_code == 0, result.output
    transcript = json.loads(result.stdout)
    assert transcript["ok"] is True
    ch1, ch2, ch3, ch4 = transcript["chapters"]
    assert ch4["slug"] == "services"
    assert [r["verified"] for r in _events(ch4, "report")] == [True, False]
    assert [c["slug"] for c in (ch1, ch2, ch3)] == ["vc-jwt", "selective-disclosure", "registry-chain"]

    verifications = _events(ch1, "verification")
    assert [v["verified"] for v in verifications] == [True, False, False]
    assert [v["errors"][0]["code"] for v in verifications[1:]] == ["jwt.signature", "vp.challenge"]
    shown = _shown(ch1)
    assert shown["vc+jwt"].count(".") == 2 and shown["JOSE header"]["typ"] == "vc+jwt"

    # Chapter 2: the matcher chose the ID credential and only over21; nothing else leaked.
    shown = _shown(ch2)
    assert shown["suggestions"][0]["claims"] == ["credentialSubject.over21"]
    assert shown["suggestions"][0]["answers"] == "age_check"
    assert shown["Alice confirms"] == ["/credentialSubject/over21"]
    assert shown["revealed"] == {"type": "ExamplePerson", "over21": True}
    assert shown["proof #1"] != shown["proof #2"]
    verifications = _events(ch2, "verification")
    assert [v["verified"] for v in verifications] == [True, True, False, False]
    assert [v["errors"][0]["code"] for v in verifications[2:]] == ["bbs.proof_invalid", "bbs.base_proof"]
    said = " ".join(_events(ch2, "say"))
    assert "none of the undisclosed claims" in said and "no 8-byte window" in said

    # Chapter 3: did:ethr issuer, BLS key anchored by a relayed meta-transaction, rotate, revoke.
    shown = _shown(ch3)
    assert shown["issuer"].startswith("did:ethr:0x539:0x")
    assert shown["verification method"]["type"] == "Bls12381G2Key2020"
    assert shown["setAttributeSigned"]["relayer"] != shown["setAttributeSigned"]["signedBy"]
    assert [h["change"] for h in shown["history"]] == ["added", "added", "revoked"]
    reports = _events(ch3, "report")
    assert [r["verdict"] for r in reports] == ["accepted", "accepted", "accepted", "rejected"]
    assert reports[0]["risk_signals"] == []
    assert [(s["code"], s["severity"]) for s in reports[1]["risk_signals"]] == [
        ("key_rotated_after_issuance", "info")
    ]
    assert ("key_rotated_after_issuance", "high") in [
        (s["code"], s["severity"]) for s in reports[2]["risk_signals"]
    ]
    failed = [c for c in reports[3]["checks"] if c["outcome"] == "failed"]
    assert [(c["policy"], c["code"]) for c in failed] == [("did_resolution", "proof.vm_not_found")]
    disclosed = {d["pointer"]: d["value"] for d in reports[0]["disclosed_claims"]}
    assert disclosed["/credentialSubject/jobTitle"] == "Software Engineer"
    assert "/credentialSubject/salary" not in disclosed and "/credentialSubject/name" not in disclosed


def test_demo_list_and_unknown_chapter() -> None:
    listed = CliRunner().invoke(app, ["demo", "--list"])
    assert listed.exit_code == 0
    for slug in ("vc-jwt", "selective-disclosure", "registry-chain"):
        assert slug in listed.stdout
    listed_json = CliRunner().invoke(app, ["demo", "--list", "--json"])
    assert [c["slug"] for c in json.loads(listed_json.stdout)] == [c.slug for c in CHAPTERS]
    unknown = CliRunner().invoke(app, ["demo", "--chapter", "nope"])
    assert unknown.exit_code == 3 and "demo.chapter" in unknown.stderr
    with pytest.raises(InvalidInput):
        select_chapters(["nope"])
    assert select_chapters(["vc-jwt"]) == CHAPTERS[:1]
    assert select_chapters(["registry-chain", "vc-jwt"]) == (CHAPTERS[0], CHAPTERS[2])


def test_demo_one_chapter(no_network: list[Any]) -> None:
    result = CliRunner().invoke(app, ["demo", "--chapter", "vc-jwt", "--json"])
    assert result.exit_code == 0, result.output
    transcript = json.loads(result.stdout)
    assert [c["slug"] for c in transcript["chapters"]] == ["vc-jwt"]
    assert not no_network  # chapter 1 opens no socket at all


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


def test_narrator_report_checks_verdict_and_signals() -> None:
    narrator = Narrator(collect=True)
    accepted = {
        "verdict": "accepted",
        "checks": [{"policy": "signature", "subject": "credential", "outcome": "passed"}],
        "risk_signals": [{"code": "key_rotated_after_issuance", "severity": "info", "message": "m"}],
    }
    narrator.report("ok", accepted, expect_accepted=True, expect_signals=["key_rotated_after_issuance"])
    with pytest.raises(VerificationError) as info:
        narrator.report("forgery", accepted, expect_accepted=False)
    assert info.value.code == "demo.unexpected"
    with pytest.raises(VerificationError, match="did_deactivated"):
        narrator.report("no signal", accepted, expect_accepted=True, expect_signals=["did_deactivated"])
    # Rendered with rich as well (not only collected).
    Narrator().report("shown", {**accepted, "verdict": "rejected"}, expect_accepted=False)
    recorded = narrator.transcript(ok=True)["chapters"][0]["events"][0]["report"]
    assert recorded["verified"] is True and recorded["risk_signals"][0]["severity"] == "info"


def test_story_facts_are_checked() -> None:
    expect(True, "fine")
    with pytest.raises(VerificationError) as info:
        expect(False, "a hidden value leaked")
    assert info.value.code == "demo.unexpected"
    assert claim_pointer("credentialSubject.over21") == "/credentialSubject/over21"
    assert claim_pointer("credentialSubject.a/b~c") == "/credentialSubject/a~1b~0c"
    with pytest.raises(VerificationError):
        claim_pointer("credentialSubject.items.*")
    assert shared_windows(b"0123456789", b"xx23456789yy") == {b"23456789"}
    assert shared_windows(b"01234567", b"1234567x") == set()


async def test_chapters_share_state() -> None:
    ctx = DemoContext(now=datetime.now(UTC), resolver=default_resolver(), lexical=True)
    await run_demo(ctx, Narrator(collect=True), CHAPTERS[:2])
    assert ctx.state["degree_vc_jwt"].count(".") == 2
    assert ctx.state["bbs_base"]["proof"]["cryptosuite"] == "bbs-2023"


async def test_chain_chapter_stops_the_chain_when_a_step_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Whatever goes wrong mid-story, the chain stops and its temporary directory goes away."""
    from didkit_py.demo import ch03_registry_chain as ch03
    from didkit_py.registry.devchain import RunningServer, serve_in_thread

    servers: list[RunningServer] = []

    def recording_serve(chain: Any, **kwargs: Any) -> RunningServer:
        servers.append(serve_in_thread(chain, **kwargs))
        return servers[-1]

    def failing_issue(*args: Any, **kwargs: Any) -> Any:
        raise InvalidInput("the issuer's template is broken", code="demo.test")

    monkeypatch.setattr(ch03, "serve_in_thread", recording_serve)
    monkeypatch.setattr(ch03, "issue", failing_issue)
    ctx = DemoContext(now=datetime.now(UTC), resolver=default_resolver(), data_dir=tmp_path / "demo")
    narrator = Narrator(collect=True)
    with pytest.raises(InvalidInput, match="template is broken"):
        await run_demo(ctx, narrator, [ch03.CHAPTER])
    assert len(servers) == 1
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", servers[0].port), timeout=1).close()
    assert not list((tmp_path / "demo").glob("demo-chain-*"))
    shown = _shown(narrator.transcript(ok=False)["chapters"][0])
    assert shown["setAttributeSigned"]["block"] == 2  # it got as far as anchoring the key
