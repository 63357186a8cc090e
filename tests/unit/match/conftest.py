from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from didkit_py.exchange import HeldCredential, credentials_from_json, parse_datetime
from didkit_py.match import MiniLMEmbedder, ai_available

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT.parent / "shared" / "datasets" / "matcher-sample"
DEV = ROOT / "bench" / "data" / "matcher-dev"
OURS = [ROOT / "bench" / "data" / n for n in ("matcher-dev", "matcher-holdout", "matcher-holdout2")]


class Dataset:
    def __init__(self, d: Path) -> None:
        self.wallet_json: dict[str, Any] = json.loads((d / "wallet.json").read_text())
        self.requests: list[dict[str, Any]] = json.loads((d / "requests.json").read_text())["requests"]
        self.credentials, meta = credentials_from_json(self.wallet_json)
        self.trusted: list[str] = meta["trusted_issuers"]
        self.now: datetime = parse_datetime(self.wallet_json["now"], at="/now")

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["kind"] == kind]


@pytest.fixture(scope="session")
def sample() -> Dataset:
    if not SAMPLE.is_dir():
        pytest.skip("matcher sample not found")
    return Dataset(SAMPLE)


@pytest.fixture(scope="session")
def dev() -> Dataset:
    return Dataset(DEV)


@pytest.fixture(scope="session", params=OURS, ids=[p.name for p in OURS])
def ours(request: pytest.FixtureRequest) -> Dataset:
    """Our own evaluation sets (bench/data/README.md)."""
    return Dataset(request.param)


@pytest.fixture(scope="session")
def minilm() -> MiniLMEmbedder:
    """The model, loaded once per test session."""
    if not ai_available():
        pytest.skip("ai extra not installed")
    m = MiniLMEmbedder()
    m.load()
    return m


def nl_metrics(recs_by_id: dict[str, list[str]], requests: list[dict[str, Any]]) -> dict[str, float]:
    """The scorer's plain-language metrics (eval.py)."""
    p1 = r3 = 0.0
    answerable = noans = noans_ok = viol = 0
    for r in requests:
        ranked = recs_by_id.get(r["id"], [])
        viol += bool(set(ranked[:3]) & set(r["must_not"]))
        if not r["relevant"]:
            noans += 1
            noans_ok += not ranked
            continue
        answerable += 1
        p1 += bool(ranked) and ranked[0] in r["relevant"]
        r3 += len(set(ranked[:3]) & set(r["relevant"])) / min(3, len(r["relevant"]))
    return {
        "p_at_1": p1 / max(1, answerable),
        "recall_at_3": r3 / max(1, answerable),
        "no_answer_acc": noans_ok / noans if noans else 1.0,
        "must_not_top3": viol,
    }


def renamed(creds_json: dict[str, Any], old: tuple[str, ...], new: tuple[str, ...]) -> list[HeldCredential]:
    """The same wallet with the holder's name parts replaced everywhere."""
    text = json.dumps(creds_json, ensure_ascii=False)
    for o, n in zip(old, new, strict=True):
        text = text.replace(o, n)
    return credentials_from_json(json.loads(text))[0]
