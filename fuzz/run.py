"""Long fuzzing run: ``python fuzz/run.py --minutes N [--target T ...] [--workers W] [--seed S]``.

Every target gets an equal share of ``N`` minutes × ``W`` worker processes. Each case is a
mutation of a seed (or of an earlier mutant that parsed, so the run walks deeper into valid
structure). Prints one table: cases per target, crashes (exceptions outside
:class:`~didkit_py.errors.DidkitError`, hangs over ``--case-timeout`` seconds), and acceptances
of mutated credentials. Each new crash signature (exception type + innermost ``didkit_py``
frame) is minimized and saved as ``fuzz/crashes/<target>-<hash>.json``; acceptances are saved
the same way. Exit status 1 if anything was found, 0 otherwise.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import platform
import random
import signal
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fuzz.mutate import Mutator  # noqa: E402
from fuzz.targets import TARGETS, Outcome, Target, run_case  # noqa: E402

CRASH_DIR = ROOT / "fuzz" / "crashes"
POOL_SIZE = 256


class _Timeout(BaseException):
    """Raised by SIGALRM inside a case: a hang (not an Exception, so parsers cannot swallow it)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def encode_case(case: Any) -> dict[str, Any]:
    """A JSON-safe, lossless form of a case (text and bytes as base64, JSON values as they are)."""
    if isinstance(case, bytes | bytearray):
        return {"bytes_b64": base64.b64encode(bytes(case)).decode()}
    if isinstance(case, str):
        raw = case.encode("utf-8", "surrogatepass")
        return {"str_b64": base64.b64encode(raw).decode(), "preview": case[:300]}
    try:
        json.dumps(case, allow_nan=True)
        return {"json": case}
    except (TypeError, ValueError, RecursionError):
        return {"repr": repr(case)[:100000]}


def decode_case(obj: dict[str, Any]) -> Any:
    """The case back from :func:`encode_case`."""
    if "bytes_b64" in obj:
        return base64.b64decode(obj["bytes_b64"])
    if "str_b64" in obj:
        return base64.b64decode(obj["str_b64"]).decode("utf-8", "surrogatepass")
    if "json" in obj:
        return obj["json"]
    raise ValueError("case cannot be replayed (not JSON-representable)")


def signature(outcome: Outcome) -> str:
    """Exception type and the innermost frame in our code: one bug, one signature."""
    exc = outcome.exc
    if exc is None:
        return outcome.kind
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "didkit_py" in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{outcome.kind}:{type(exc).__name__}@{where}"


def _run_timed(target: Target, case: Any, timeout: float) -> tuple[Outcome, float]:
    t0 = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        outcome = run_case(target, case)
    except _Timeout:
        outcome = Outcome("crash", f"hang: case took more than {timeout:g} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return outcome, time.perf_counter() - t0


# ----------------------------------------------------------------------------- minimizing
def _smaller(case: Any) -> list[Any]:
    """Candidate reductions of a case, roughly largest cut first."""
    out: list[Any] = []
    if isinstance(case, str | bytes):
        n = len(case)
        chunk = n // 2
        while chunk >= 1:
            for i in range(0, n, chunk):
                out.append(case[:i] + case[i + chunk :])
            if len(out) > 64:
                break
            chunk //= 2
    elif isinstance(case, dict):
        for k in case:
            out.append({kk: v for kk, v in case.items() if kk != k})
        for k, v in case.items():
            for sub in _smaller(v)[:8]:
                out.append({**case, k: sub})
    elif isinstance(case, list):
        for i in range(len(case)):
            out.append(case[:i] + case[i + 1 :])
        for i, v in enumerate(case):
            for sub in _smaller(v)[:8]:
                out.append([*case[:i], sub, *case[i + 1 :]])
    return out


def minimize(target: Target, case: Any, sig: str, *, budget: float, timeout: float) -> Any:
    """Greedy reduction keeping the same crash signature, for at most ``budget`` seconds."""
    deadline = time.monotonic() + budget
    progress = True
    while progress and time.monotonic() < deadline:
        progress = False
        for cand in _smaller(case):
            if time.monotonic() >= deadline:
                break
            outcome, _ = _run_timed(target, cand, timeout)
            if outcome.kind != "ok" and signature(outcome) == sig:
                case, progress = cand, True
                break
    return case


def save_finding(target: Target, case: Any, outcome: Outcome, sig: str, seed: int) -> Path:
    CRASH_DIR.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(f"{target.name}|{sig}".encode()).hexdigest()[:12]
    path = CRASH_DIR / f"{target.name.replace(':', '_').replace('+', '_')}-{digest}.json"
    record = {
        "target": target.name,
        "kind": outcome.kind,
        "signature": sig,
        "detail": outcome.detail,
        "seed": seed,
        "traceback": "".join(traceback.format_exception(outcome.exc))[-4000:] if outcome.exc else "",
        "case": encode_case(case),
    }
    if target.tamper:
        from fuzz.corpus import samples

        record["original"] = encode_case(samples()[target.tamper].secured)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1, ensure_ascii=True) + "\n")
    os.replace(tmp, path)
    return path


# ----------------------------------------------------------------------------- one target
def fuzz_target(
    name: str,
    seconds: float,
    seed: int,
    case_timeout: float,
    max_cases: int | None,
    until: float | None = None,
) -> dict[str, Any]:
    """Run ``name`` for ``seconds`` (or ``max_cases``, or until the wall-clock time ``until``,
    seconds since the epoch, whichever comes first); returns the stats row."""
    signal.signal(signal.SIGALRM, _on_alarm)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))
    target = TARGETS[name]
    seeds = list(target.seeds())
    pool: list[Any] = []
    rng = random.Random(seed)
    stats: dict[str, Any] = {
        "target": name,
        "parser": target.parser,
        "cases": 0,
        "parsed": 0,
        "crashes": 0,
        "accepted": 0,
        "malleable": 0,
        "signatures": {},
        "slowest": 0.0,
        "seconds": 0.0,
    }
    t_start = time.monotonic()
    deadline = t_start + seconds
    if until is not None:
        deadline = min(deadline, t_start + (until - time.time()))
    while time.monotonic() < deadline and (max_cases is None or stats["cases"] < max_cases):
        case_seed = rng.getrandbits(64)
        m = Mutator(random.Random(case_seed))
        base = m.rng.choice(pool) if pool and m.rng.random() < 0.3 else m.rng.choice(seeds)
        try:
            case = target.mutate(m, base)
        except Exception:  # a bug in a mutator must not end the run; counted, not hidden
            stats["mutator_errors"] = stats.get("mutator_errors", 0) + 1
            continue
        outcome, took = _run_timed(target, case, case_timeout)
        stats["cases"] += 1
        stats["slowest"] = max(stats["slowest"], took)
        if outcome.kind == "ok":
            if outcome.detail != "rejected":
                stats["parsed"] += 1
            if outcome.detail != "rejected" and len(pool) < POOL_SIZE and not target.tamper:
                # It parsed: a good base for deeper mutations (tamper targets stay on the seed).
                pool.append(case)
            continue
        stats[{"crash": "crashes", "accepted": "accepted", "malleable": "malleable"}[outcome.kind]] += 1
        sig = signature(outcome)
        if sig not in stats["signatures"]:
            small = (
                minimize(target, case, sig, budget=30.0, timeout=case_timeout)
                if outcome.kind == "crash" and outcome.exc is not None
                else case
            )
            path = save_finding(target, small, outcome, sig, case_seed)
            stats["signatures"][sig] = {
                "file": str(path.relative_to(ROOT)),
                "detail": outcome.detail,
                "count": 0,
            }
        stats["signatures"][sig]["count"] += 1
    stats["seconds"] = time.monotonic() - t_start
    return stats


def _revision() -> str:
    """The code under test: ``git describe``-like commit, ``+dirty`` if the tree has changes."""
    import shutil
    import subprocess

    git = shutil.which("git")
    if git is None:
        return "unknown"
    try:
        head = subprocess.run(  # noqa: S603 (fixed argv, git from PATH)
            [git, "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(  # noqa: S603
            [git, "status", "--porcelain", "--untracked-files=no", "--", "didkit_py", "fuzz/*.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def print_table(
    rows: list[dict[str, Any]],
    *,
    minutes: float,
    workers: int,
    seed: int | None = None,
    started: str = "",
    revision: str = "",
) -> None:
    """One row per target. ``parsed``: cases the parser accepted (the rest were rejected with a
    DidkitError, crashed, or were accepted/malleable tamperings)."""
    print(
        f"fuzz run: {minutes:g} min x {workers} workers, {os.cpu_count()} CPUs, "
        f"{platform.platform()}, Python {platform.python_version()}"
    )
    if seed is not None:
        print(f"seed {seed}, started {started}, code {revision or _revision()}")
    header = (
        f"{'target':<24} {'parser / check':<50} {'cases':>8} {'/s':>6} {'parsed':>7} "
        f"{'crashes':>7} {'accepted':>8} {'malleable':>9} {'max ms':>7}"
    )
    print(header)
    print("-" * len(header))
    total = {"cases": 0, "parsed": 0, "crashes": 0, "accepted": 0, "malleable": 0}
    for r in rows:
        rate = r["cases"] / r["seconds"] if r["seconds"] else 0.0
        print(
            f"{r['target']:<24} {r['parser'][:50]:<50} {r['cases']:>8} {rate:>6.0f} {r['parsed']:>7} "
            f"{r['crashes']:>7} {r['accepted']:>8} {r['malleable']:>9} {r['slowest'] * 1000:>7.0f}"
        )
        for k in total:
            total[k] += r[k]
    print("-" * len(header))
    print(
        f"{'total':<24} {'':<50} {total['cases']:>8} {'':>6} {total['parsed']:>7} {total['crashes']:>7} "
        f"{total['accepted']:>8} {total['malleable']:>9}"
    )
    for r in rows:
        if r.get("mutator_errors"):
            print(f"  {r['target']}: {r['mutator_errors']} mutator errors (harness bugs, cases skipped)")
        for sig, info in r["signatures"].items():
            print(f"  {r['target']}: {sig} x{info['count']} -> {info['file']}\n      {info['detail'][:200]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=1.0, help="wall-clock budget for the whole run")
    ap.add_argument("--target", action="append", help="target name (repeatable); default: all")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--case-timeout", type=float, default=10.0, help="seconds before a case counts as a hang")
    ap.add_argument("--max-cases", type=int, default=None, help="stop each target after this many cases")
    ap.add_argument(
        "--fill",
        action="store_true",
        help="with --max-cases: no equal time split; each target runs until it has --max-cases "
        "cases or the run's --minutes are over (targets start in the order given, so put "
        "the slowest first)",
    )
    ap.add_argument("--list", action="store_true", help="list the targets and exit")
    ap.add_argument("--json", action="store_true", help="also write the rows as JSON to stdout's last line")
    args = ap.parse_args(argv)
    if args.list:
        for t in TARGETS.values():
            print(f"{t.name:<26} {t.parser}")
        return 0
    names = args.target or list(TARGETS)
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        ap.error(f"unknown target(s): {', '.join(unknown)} (see --list)")
    if args.fill and args.max_cases is None:
        ap.error("--fill needs --max-cases")
    seed = args.seed if args.seed is not None else random.SystemRandom().getrandbits(32)
    per_target = args.minutes * 60 * args.workers / len(names)
    until = time.time() + args.minutes * 60 if args.fill else None
    if until is not None:
        per_target = args.minutes * 60
        print(
            f"seed {seed}; {len(names)} targets, each until {args.max_cases} cases or the end",
            file=sys.stderr,
        )
    else:
        print(f"seed {seed}; {len(names)} targets, {per_target:.1f} s each", file=sys.stderr)
    rows: list[dict[str, Any]] = []
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    revision = _revision()  # at the start: the workers import the code as it is now
    with ProcessPoolExecutor(max_workers=args.workers) as ex:
        futures = [
            ex.submit(fuzz_target, n, per_target, seed + i, args.case_timeout, args.max_cases, until)
            for i, n in enumerate(names)
        ]
        for fut in as_completed(futures):
            row = fut.result()
            print(f"  done {row['target']}: {row['cases']} cases", file=sys.stderr)
            rows.append(row)
    rows.sort(key=lambda r: names.index(r["target"]))
    print_table(
        rows, minutes=args.minutes, workers=args.workers, seed=seed, started=started, revision=revision
    )
    if args.json:
        print(json.dumps(rows))
    return 1 if any(r["crashes"] or r["accepted"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
