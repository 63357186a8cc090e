"""The selective-disclosure demo chapter (bbs-2023), run on its own and after chapter 1."""

from __future__ import annotations

from datetime import UTC, datetime

from didkit_py.demo import CHAPTERS, DemoContext, Narrator, run_demo
from didkit_py.demo.ch02_selective_disclosure import CHAPTER
from didkit_py.did import default_resolver


async def test_selective_disclosure_chapter() -> None:
    ctx = DemoContext(now=datetime.now(UTC), resolver=default_resolver())
    narrator = Narrator(collect=True)
    await run_demo(ctx, narrator, [*CHAPTERS[:1], CHAPTER])
    chapter = narrator.transcript(ok=True)["chapters"][-1]
    assert chapter["slug"] == "selective-disclosure"
    verifications = [e["verification"] for e in chapter["events"] if "verification" in e]
    assert [v["verified"] for v in verifications] == [True, True, False, False]
    assert verifications[-1]["errors"][0]["code"] == "bbs.base_proof"
    shown = {e["show"]["label"]: e["show"]["value"] for e in chapter["events"] if "show" in e}
    assert shown["revealed"] == {"type": "ExamplePerson", "over21": True}
    assert shown["proof #1"] != shown["proof #2"]
