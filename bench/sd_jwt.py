"""SD-JWT VC throughput: issue / present (with Key Binding) / verify, ours vs @sd-jwt/sd-jwt-vc.

A 20-claim credential, every claim selectively disclosable, ES256 issuer and holder keys; the
presentation reveals 5 claims. Both sides run the same inputs; each figure is the median of
``--rounds`` runs after a warm-up. Run: ``python bench/sd_jwt.py [--rounds 50]``.
Needs Node and the pinned peers in ``tests/interop/node`` (``npm ci`` there).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from didkit_py.keys import KeyType, generate_key
from didkit_py.suites.sd_jwt import issue_sd_jwt_vc, present_sd_jwt_vc, verify_sd_jwt_vc

NODE_DIR = Path(__file__).resolve().parent.parent / "tests" / "interop" / "node"
NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
AUD, NONCE = "https://verifier.example", "bench-nonce"
CLAIMS = {f"claim_{i:02d}": f"value number {i} of the benchmark credential" for i in range(20)}
REVEAL = [f"claim_{i:02d}" for i in (0, 4, 8, 12, 16)]
VCT = "https://credentials.example/bench"


def _median_ms(fn: Callable[[], Any], rounds: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def ours(rounds: int, warmup: int) -> dict[str, float]:
    issuer, holder = generate_key(KeyType.P256), generate_key(KeyType.P256)
    disclosable = ["/" + k for k in CLAIMS]

    def issue() -> str:
        return issue_sd_jwt_vc(
            CLAIMS,
            key=issuer,
            vct=VCT,
            issuer="https://issuer.example",
            holder_key=holder,
            disclosable=disclosable,
            iat=NOW,
            decoys=0,
        )

    token = issue()

    def present() -> str:
        return present_sd_jwt_vc(
            token, reveal=["/" + k for k in REVEAL], holder_key=holder, aud=AUD, nonce=NONCE, iat=NOW
        )

    pres = present()

    loop = asyncio.new_event_loop()

    def verify() -> Any:
        return loop.run_until_complete(
            verify_sd_jwt_vc(pres, now=NOW, issuer_key=issuer, aud=AUD, nonce=NONCE, vct=VCT)
        )

    try:
        assert len(verify().claims) >= 5
        return {
            "issue": _median_ms(issue, rounds, warmup),
            "present": _median_ms(present, rounds, warmup),
            "verify": _median_ms(verify, rounds, warmup),
        }
    finally:
        loop.close()


def theirs(rounds: int, warmup: int) -> dict[str, Any]:
    req = {
        "claims": CLAIMS,
        "disclose": list(CLAIMS),
        "reveal": REVEAL,
        "rounds": rounds,
        "warmup": warmup,
        "now": int(NOW.timestamp()),
        "aud": AUD,
        "nonce": NONCE,
    }
    proc = subprocess.run(
        ["node", "sdjwt_bench.mjs"],
        cwd=NODE_DIR,
        input=json.dumps(req),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        raise SystemExit(f"node peer failed: {proc.stderr[-2000:]}")
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu}, {os.cpu_count()} CPUs, {system}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args(argv)
    a = ours(args.rounds, args.warmup)
    b = theirs(args.rounds, args.warmup)
    print(f"machine: {_machine()}; node {b.get('node', '?')}")
    print(f"SD-JWT VC, 20 disclosable claims, reveal 5, ES256 + KB-JWT; median of {args.rounds}")
    print(f"{'operation':<10} {'didkit-py':>16} {'@sd-jwt/sd-jwt-vc':>20} {'ratio':>7}")
    for op in ("issue", "present", "verify"):
        ours_ops, their_ops = 1000 / a[op], 1000 / b[op]
        mine = f"{a[op]:7.3f} ms {ours_ops:6.0f}/s"
        peer = f"{b[op]:9.3f} ms {their_ops:6.0f}/s"
        print(f"{op:<10} {mine} {peer} {ours_ops / their_ops:7.2f}")
    print("ratio = our ops/s divided by theirs (> 1: we are faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
