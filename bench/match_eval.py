# ruff: noqa: E501  (report formatting)
"""Matcher evaluation: the sample scorer's metrics and latency, lexical (BM25) vs embedding (MiniLM).

usage: python bench/match_eval.py [--data DIR] [--extra DIR ...] [--runs N]

Prints, side by side for the lexical and the embedding matcher: the metrics of the sample's
``eval.py`` (PE/DCQL exact-set, plain-language P@1 / recall@3 / no-answer, claims precision /
recall) on ``../shared/datasets/matcher-sample`` and on each ``--extra`` set (default: our
``bench/data/matcher-dev`` and ``bench/data/matcher-holdout``); the bias audit (per language,
per holder-name group: does renaming the holder change any answer?); and latency — model load
(import + weights), embedding a 100-credential wallet, p50/p95 per request over 100 credentials
with cached embeddings — and the process's peak memory.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from didkit_py.exchange import credentials_from_json, parse_datetime  # noqa: E402
from didkit_py.match import Matcher, MiniLMEmbedder  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "matcher-sample"
NAME_GROUPS = {
    "sample": None,
    "west-african": ("Amara", "Okonkwo"),
    "arabic": ("Mohammed", "Al-Sayed"),
    "chinese": ("Wei", "Zhang"),
    "hispanic": ("María José", "Fernández"),
}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, load avg {load:.1f}"


def predict(
    m: Matcher, creds: list[Any], reqs: list[dict[str, Any]], now: Any, trusted: Any
) -> dict[str, Any]:
    out = {}
    for r in reqs:
        _, recs = m.recommend(r["request"], creds, now=now, trusted_issuers=trusted)
        out[r["id"]] = {
            "credentials": [x.credential_id for x in recs],
            "claims": {x.credential_id: list(x.claims) for x in recs},
        }
    return out


def score(data: Path, preds: dict[str, Any], eval_py: Path) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(preds, fh)
    try:
        res = subprocess.run(
            [sys.executable, str(eval_py), "--data", str(data), "--predictions", fh.name, "--json"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    finally:
        os.unlink(fh.name)
    return json.loads(res.stdout)


def renamed(wallet: dict[str, Any], old: tuple[str, str], new: tuple[str, str]) -> list[Any]:
    text = json.dumps(wallet, ensure_ascii=False)
    for o, n in zip(old, new, strict=True):
        text = text.replace(o, n)
    return credentials_from_json(json.loads(text))[0]


def holder_name(wallet: dict[str, Any]) -> tuple[str, str] | None:
    for c in wallet["credentials"]:
        s = c.get("credentialSubject", {})
        if isinstance(s.get("given_name"), str) and isinstance(s.get("family_name"), str):
            return s["given_name"], s["family_name"]
        if isinstance(s.get("givenName"), str) and isinstance(s.get("familyName"), str):
            return s["givenName"], s["familyName"]
    return None


def big_wallet(wallet: dict[str, Any], n: int) -> list[Any]:
    """``n`` distinct credentials: the sample's, then copies with other ids, titles and issuers."""
    base = wallet["credentials"]
    out = []
    for i in range(n):
        c = copy.deepcopy(base[i % len(base)])
        if i >= len(base):
            c["id"] = f"urn:uuid:00000000-0000-4000-8000-{i:012d}"
            c["name"] = f"{c.get('name', c['type'][-1])} ({i // len(base)})"
            c["issuer"] = {**c["issuer"], "name": f"{c['issuer'].get('name', '')} Branch {i}"}
        out.append(c)
    return credentials_from_json(out)[0]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))
    return xs[k]


def fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument(
        "--extra",
        type=Path,
        nargs="*",
        default=[
            ROOT / "bench/data/matcher-dev",
            ROOT / "bench/data/matcher-holdout",
            ROOT / "bench/data/matcher-holdout2",
        ],
    )
    ap.add_argument("--runs", type=int, default=3, help="timed passes over the requests at 100 credentials")
    a = ap.parse_args()
    eval_py = a.data / "eval.py"
    print(f"machine: {machine()}")

    # -- model load (import + weights), in this fresh process --------------------------------
    t0, c0 = time.perf_counter(), time.process_time()
    emb = MiniLMEmbedder()
    emb.load()
    load_s, load_cpu = time.perf_counter() - t0, time.process_time() - c0
    cache_dir = Path(tempfile.mkdtemp(prefix="didkit-match-bench-"))
    matchers = {"lexical": Matcher(None), "embedding": Matcher(emb, cache_dir=cache_dir)}

    # -- quality on every data set -------------------------------------------------------------
    sets = [a.data, *[d for d in a.extra if (d / "requests.json").is_file()]]
    quality: dict[str, dict[str, Any]] = {}
    per_lang: dict[str, dict[str, list[float]]] = {}
    bias: dict[str, dict[str, Any]] = {}
    for d in sets:
        wallet = json.loads((d / "wallet.json").read_text())
        reqs = json.loads((d / "requests.json").read_text())
        creds, meta = credentials_from_json(wallet)
        now = parse_datetime(reqs["now"], at="/now")
        trusted = meta.get("trusted_issuers")
        for mode, m in matchers.items():
            preds = predict(m, creds, reqs["requests"], now, trusted)
            res = score(d, preds, eval_py)
            quality[f"{d.name}/{mode}"] = res["summary"]
            for r in reqs["requests"]:
                if r["kind"] != "nl":
                    continue
                lang = r.get("lang", "en")
                pr = res["per_request"][r["id"]]
                ok = pr.get("p1", 1.0 if pr.get("no_answer_ok") else 0.0)
                per_lang.setdefault(f"{mode}", {}).setdefault(lang, []).append(ok)
            # bias audit: rename the holder, compare every answer
            old = holder_name(wallet)
            changed = 0
            if old:
                for new in NAME_GROUPS.values():
                    if new is None:
                        continue
                    other = renamed(wallet, old, new)
                    p2 = predict(m, other, reqs["requests"], now, trusted)
                    changed += sum(1 for k in preds if preds[k] != p2[k])
            bias[f"{d.name}/{mode}"] = {"groups": len(NAME_GROUPS) - 1, "changed_answers": changed}

    # -- latency at 100 credentials ------------------------------------------------------------
    sample_wallet = json.loads((a.data / "wallet.json").read_text())
    sample_reqs = json.loads((a.data / "requests.json").read_text())
    now = parse_datetime(sample_reqs["now"], at="/now")
    creds100 = big_wallet(sample_wallet, 100)
    trusted = sample_wallet.get("trusted_issuers")
    fresh = Matcher(emb, cache_dir=Path(tempfile.mkdtemp(prefix="didkit-match-bench-cold-")))
    t0, c0 = time.perf_counter(), time.process_time()
    fresh.warm_up(creds100)
    wallet_embed_s, wallet_embed_cpu = time.perf_counter() - t0, time.process_time() - c0
    lat: dict[str, dict[str, list[float]]] = {}
    for mode, m in (("lexical", matchers["lexical"]), ("embedding", fresh)):
        for r in sample_reqs["requests"][:3]:  # warm-up
            m.recommend(r["request"], creds100, now=now, trusted_issuers=trusted)
        for _ in range(a.runs):
            for r in sample_reqs["requests"]:
                t, c = time.perf_counter(), time.process_time()
                m.recommend(r["request"], creds100, now=now, trusted_issuers=trusted)
                wall, cpu = (time.perf_counter() - t) * 1000, (time.process_time() - c) * 1000
                for key in (r["kind"], "all"):
                    lat.setdefault(mode, {}).setdefault(key, []).append(wall)
                    lat.setdefault(mode + "-cpu", {}).setdefault(key, []).append(cpu)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # -- report --------------------------------------------------------------------------------
    rows = [
        ("pe exact_set_acc", "pe", "exact_set_acc"), ("pe must_not_violation", "pe", "must_not_violation_rate"),
        ("dcql exact_set_acc", "dcql", "exact_set_acc"), ("dcql must_not_violation", "dcql", "must_not_violation_rate"),
        ("nl P@1", "nl", "p_at_1"), ("nl recall@3", "nl", "recall_at_3"), ("nl MRR", "nl", "mrr"),
        ("nl no_answer_acc", "nl", "no_answer_acc"), ("nl must_not_in_top3", "nl", "must_not_in_top3_rate"),
        ("nl false_empty", "nl", "false_empty_rate"), ("claims precision", "claims", "precision"),
        ("claims recall", "claims", "recall"),
    ]  # fmt: skip
    for d in sets:
        print(f"\n== quality: {d.name} ({'the sample' if d == a.data else 'ours, see bench/data/README.md'})")
        print(f"{'metric':28s} {'lexical':>10s} {'embedding':>10s}")
        for label, sect, key in rows:
            vals = [quality[f"{d.name}/{m}"].get(sect, {}).get(key) for m in ("lexical", "embedding")]
            if all(v is None for v in vals):
                continue
            print(f"{label:28s} {fmt(vals[0]):>10s} {fmt(vals[1]):>10s}")
    print("\n== bias audit: plain-language P@1 (no-answer counted as hit when empty) per language, all sets")
    langs = sorted({lang for v in per_lang.values() for lang in v})
    print(f"{'language':10s} {'n':>4s} {'lexical':>10s} {'embedding':>10s}")
    for lang in langs:
        lx, em = per_lang["lexical"].get(lang, []), per_lang["embedding"].get(lang, [])
        print(f"{lang:10s} {len(em):4d} {statistics.mean(lx):10.3f} {statistics.mean(em):10.3f}")
    print(
        "holder-name groups "
        + ", ".join(k for k in NAME_GROUPS if k != "sample")
        + ": answers changed by renaming"
    )
    for k, v in bias.items():
        print(f"  {k:28s} {v['changed_answers']} of all requests x {v['groups']} groups")
    print("\n== latency (100 credentials, credential embeddings cached; ms per request;")
    print("   wall clock, and CPU time of this process, which a busy shared machine does not inflate)")
    print(
        f"{'kind':6s} {'lex p50':>8s} {'lex p95':>8s} {'emb p50':>8s} {'emb p95':>8s} | cpu: {'lex p95':>8s} {'emb p50':>8s} {'emb p95':>8s}"
    )
    for kind in ("pe", "dcql", "nl", "all"):
        lx, em = lat["lexical"][kind], lat["embedding"][kind]
        lxc, emc = lat["lexical-cpu"][kind], lat["embedding-cpu"][kind]
        print(
            f"{kind:6s} {pct(lx, 0.5):8.1f} {pct(lx, 0.95):8.1f} {pct(em, 0.5):8.1f} {pct(em, 0.95):8.1f} | "
            f"     {pct(lxc, 0.95):8.1f} {pct(emc, 0.5):8.1f} {pct(emc, 0.95):8.1f}"
        )
    st_load = subprocess.run(
        [sys.executable, "-c", "import time; t=time.perf_counter(); from didkit_py.match import MiniLMEmbedder; "
         "MiniLMEmbedder(backend='sentence-transformers').load(); print(time.perf_counter()-t)"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    print(f"model load, torch backend (import torch + weights):  {load_s:.2f} s wall, {load_cpu:.2f} s CPU")
    if st_load.returncode == 0:
        print(
            f"model load, sentence-transformers backend:          {float(st_load.stdout.strip().splitlines()[-1]):.2f} s"
        )
    print(
        f"embedding a 100-credential wallet (cold cache):     {wallet_embed_s:.2f} s wall, {wallet_embed_cpu:.2f} s CPU"
    )
    print(f"peak memory (max RSS of this process):              {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
