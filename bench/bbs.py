"""Benchmark didkit_py.bbs (reference and native backends) against @digitalbazaar/bbs-signatures.

    python bench/bbs.py [--n 25] [--ref-n 5] [--js-n 9] [--no-js]

One run measures, on the same inputs, the median CPU time (of this process, or of the Node
process; so other load on a shared machine does not count) of sign, verify, proof_gen and
proof_verify for: our reference backend (pure Python), our native backend (arkworks) and the JS
peer (Node, from tests/interop/node). The main table is L = 10 messages with R = 5 disclosed,
for both ciphersuites; the scaling rows are L = 1, 10, 100 (R = L // 2) for BLS12-381-SHA-256.

"native floor" is the sum of the primitive operations each step needs, each timed on its own
on the native backend (through the backend interface, so scalar conversions count): hashing
the messages, the domain and the challenge, point decodings and encodings, every multi-scalar
multiplication at its size, the G2 multiplication of Sign's key check, the multi-pairing and
the random scalars. "native/floor" near 1 means little time goes anywhere else. Generators are
cached (ours) and excluded from the floor; the JS peer recomputes them on every call.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from didkit_py import bbs  # noqa: E402
from didkit_py.bbs import core  # noqa: E402
from didkit_py.bbs.backends import get_backend  # noqa: E402
from didkit_py.bbs.ciphersuites import Ciphersuite  # noqa: E402

NODE_DIR = ROOT / "tests" / "interop" / "node"
OPS = ("sign", "verify", "proof_gen", "proof_verify")


def once_ms(fn: Callable[[], object]) -> float:
    """CPU time of one call: other processes on a shared machine do not inflate it."""
    t0 = time.process_time_ns()
    fn()
    return (time.process_time_ns() - t0) / 1e6


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    node = "absent"
    if shutil.which("node"):
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, Node {node}, load avg {load}"
    )


class Inputs:
    """One key, header, presentation header and L messages, shared by every implementation."""

    def __init__(self, suite: Ciphersuite, length: int, seed: str) -> None:
        rnd = random.Random(seed)
        self.suite = suite
        self.sk = bbs.keygen(rnd.randbytes(32), suite=suite)
        self.pk = bbs.sk_to_pk(self.sk, suite=suite)
        self.header = rnd.randbytes(32)
        self.ph = rnd.randbytes(32)
        self.messages = [rnd.randbytes(rnd.randrange(16, 64)) for _ in range(length)]
        self.disclosed = list(range(0, length, 2))[: length // 2]
        self.sig = bbs.sign(self.sk, self.pk, self.header, self.messages, suite=suite)
        self.proof = bbs.proof_gen(
            self.pk, self.sig, self.header, self.ph, self.messages, self.disclosed, suite=suite
        )
        self.disclosed_msgs = [self.messages[i] for i in self.disclosed]

    @property
    def label(self) -> str:
        return f"{len(self.messages)}/{len(self.disclosed)}"


def ours(inp: Inputs, backend: str) -> dict[str, Callable[[], object]]:
    s, be = inp.suite, get_backend(backend)
    return {
        "sign": lambda: bbs.sign(inp.sk, inp.pk, inp.header, inp.messages, suite=s, backend=be),
        "verify": lambda: bbs.verify(inp.pk, inp.sig, inp.header, inp.messages, suite=s, backend=be),
        "proof_gen": lambda: bbs.proof_gen(
            inp.pk, inp.sig, inp.header, inp.ph, inp.messages, inp.disclosed, suite=s, backend=be
        ),
        "proof_verify": lambda: bbs.proof_verify(
            inp.pk, inp.proof, inp.header, inp.ph, inp.disclosed_msgs, inp.disclosed, suite=s, backend=be
        ),
    }


def floor_parts(inp: Inputs) -> dict[str, list[Callable[[], object]]]:
    """The primitive operations of each step on the native backend, one callable per operation."""
    s, be, api = inp.suite, get_backend("native"), inp.suite.api_id
    length = len(inp.messages)
    u = length - len(inp.disclosed)
    gens = core.generators_for(length + 1, api, s, be)
    scalars = core.messages_to_scalars(inp.messages, api, s)
    a, _ = core.octets_to_signature(inp.sig, be)
    pts = [a, *gens]
    ks = [random.Random(k).randrange(1, core.R) for k in range(length + 3)]
    init = core.InitResult(a, a, a, a, a, 1)

    def msm(k: int) -> Callable[[], object]:
        return lambda: be.g1_msm(pts[:k], ks[:k])

    h_msgs_l = lambda: core.messages_to_scalars(inp.messages, api, s)  # noqa: E731
    h_msgs_r = lambda: core.messages_to_scalars(inp.disclosed_msgs, api, s)  # noqa: E731
    h_dom = lambda: core.calculate_domain(inp.pk, gens[0], gens[1:], inp.header, api, s, be)  # noqa: E731
    h_e = lambda: core.hash_to_scalar(bytes(32 * (length + 2)), api + b"H2S_", s)  # noqa: E731
    h_chal = lambda: core.proof_challenge_calculate(  # noqa: E731
        init, inp.disclosed, [scalars[i] for i in inp.disclosed], inp.ph, api, s, be
    )
    g1_dec = lambda: be.g1_from_bytes(inp.sig[:48])  # noqa: E731
    g1_dec3 = lambda: [be.g1_from_bytes(inp.proof[i : i + 48]) for i in (0, 48, 96)]  # noqa: E731
    g1_enc = lambda: be.g1_to_bytes(a)  # noqa: E731
    g2_dec = lambda: be.g2_from_bytes(inp.pk)  # noqa: E731
    g2_mul_enc = lambda: be.g2_to_bytes(be.g2_generator_mul(ks[0]))  # noqa: E731
    pairing2 = lambda: be.pairing_check([a, a], [be.g2_generator(), be.g2_neg_generator()])  # noqa: E731
    rand = lambda: core.calculate_random_scalars(5 + u, os.urandom)  # noqa: E731
    return {
        "sign": [h_msgs_l, h_dom, h_e, g2_mul_enc, msm(length + 2), g1_enc],
        "verify": [h_msgs_l, h_dom, g2_dec, g1_dec, msm(length + 3), pairing2],
        "proof_gen": [
            h_msgs_l,
            h_dom,
            g2_dec,
            g1_dec,
            rand,
            msm(length + 2),
            msm(1),
            msm(2),
            msm(2),
            msm(u + 1),
            h_chal,
            g1_enc,
            g1_enc,
            g1_enc,
        ],
        "proof_verify": [h_msgs_r, h_dom, g2_dec, g1_dec3, msm(3), msm(length + 3), h_chal, pairing2],
    }


class JsPeer:
    """The Node timing peer (tests/interop/node/bbs_bench.mjs), one process for the whole run."""

    def __init__(self, inputs: list[Inputs]) -> None:
        self.proc = subprocess.Popen(
            ["node", str(NODE_DIR / "bbs_bench.mjs")],
            cwd=NODE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        setup = [
            {
                "ciphersuite": inp.suite.name,
                "secretKey": inp.sk.hex(),
                "publicKey": inp.pk.hex(),
                "header": inp.header.hex(),
                "ph": inp.ph.hex(),
                "messages": [m.hex() for m in inp.messages],
                "disclosed": inp.disclosed,
            }
            for inp in inputs
        ]
        reply = self._ask({"setup": setup})
        for inp, sig, ok in zip(inputs, reply["signatures"], reply["ok"], strict=True):
            if sig != inp.sig.hex() or not ok:
                raise SystemExit(f"JS peer disagrees on {inp.suite.name} L={len(inp.messages)}")

    def _ask(self, req: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("JS peer exited")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def times(self, config: int, op: str, n: int) -> list[float]:
        return list(self._ask({"config": config, "op": op, "n": n})["times"])

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def measure(
    inp: Inputs, index: int, op: str, js: JsPeer | None, n: int, ref_n: int, js_n: int
) -> dict[str, float]:
    """Medians for one op, the implementations interleaved round by round (same load for all)."""
    nat_fn, ref_fn, parts = ours(inp, "native")[op], ours(inp, "reference")[op], floor_parts(inp)[op]
    nat_fn(), ref_fn(), [p() for p in parts]  # warm-up: generator caches, first-call costs
    if js:
        js.times(index, op, 1)
    samples: dict[str, list[float]] = {"native": [], "floor": [], "reference": [], "js": []}
    ratios: dict[str, list[float]] = {"nat/floor": [], "js/nat": [], "js/ref": []}
    for rnd in range(max(n, ref_n, js_n)):
        j = js.times(index, op, 1)[0] if js and rnd < js_n else None
        nat = once_ms(nat_fn) if rnd < n else None
        flo = sum(once_ms(p) for p in parts) if rnd < n else None
        ref = once_ms(ref_fn) if rnd < ref_n else None
        for key, value in (("js", j), ("native", nat), ("floor", flo), ("reference", ref)):
            if value is not None:
                samples[key].append(value)
        # Ratios from the same round: load that changes slower than a round cancels out.
        if nat is not None and flo is not None:
            ratios["nat/floor"].append(nat / flo)
        if j is not None and nat is not None:
            ratios["js/nat"].append(j / nat)
        if j is not None and ref is not None:
            ratios["js/ref"].append(j / ref)
    out = {k: statistics.median(v) for k, v in samples.items() if v}
    out.update({k: statistics.median(v) for k, v in ratios.items() if v})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=31, help="native runs per operation (median)")
    ap.add_argument("--ref-n", type=int, default=7, help="reference runs per operation")
    ap.add_argument("--js-n", type=int, default=11, help="JS runs per operation (a third of it at L=100)")
    ap.add_argument("--no-js", action="store_true", help="skip the Node peer")
    args = ap.parse_args()

    print(f"machine: {machine()}")
    main_inputs = [Inputs(s, 10, f"main-{s.name}") for s in (bbs.BLS12381_SHA256, bbs.BLS12381_SHAKE256)]
    scale_inputs = [Inputs(bbs.BLS12381_SHA256, n, f"scale-{n}") for n in (1, 100)]
    all_inputs = [*main_inputs, *scale_inputs]
    have_node = shutil.which("node") is not None and (NODE_DIR / "node_modules").is_dir()
    js = JsPeer(all_inputs) if have_node and not args.no_js else None
    results: dict[int, dict[str, dict[str, float]]] = {}
    try:
        for index, inp in enumerate(all_inputs):
            big = len(inp.messages) >= 100
            results[id(inp)] = {
                op: measure(
                    inp, index, op, js, args.n, args.ref_n, max(3, args.js_n // 3) if big else args.js_n
                )
                for op in OPS
            }
    finally:
        if js:
            js.close()
    js_big = max(3, args.js_n // 3)
    print(
        "median CPU ms per call (process CPU time: load from other processes does not count);\n"
        f"native N={args.n}, reference N={args.ref_n}, JS N={args.js_n} ({js_big} at L=100), "
        "implementations interleaved round by round; ratios are medians of same-round ratios.\n"
        "JS = @digitalbazaar/bbs-signatures 3.0.0 on identical inputs (its signatures equal ours byte for "
        "byte); floor = the native primitive operations of the step, summed"
    )
    header = (
        f"{'operation':<13}{'suite':<11}{'L/R':>7}{'reference':>11}{'native':>9}{'floor':>8}"
        f"{'nat/floor':>10}{'JS':>9}{'JS/native':>10}{'JS/ref':>8}"
    )
    order = [main_inputs[0], main_inputs[1], scale_inputs[0], main_inputs[0], scale_inputs[1]]
    titles = {0: "L = 10 messages, 5 disclosed", 2: "scaling, BLS12-381-SHA-256 (L = 1, 10, 100; R = L // 2)"}
    verdicts = {
        "native >= 10x JS at L=10": True,
        "native <= 1.5x floor": True,
        "reference <= 3x JS at L=10": True,
    }
    for pos, inp in enumerate(order):
        if pos in titles:
            print(f"\n{titles[pos]}\n{header}")
        for op in OPS:
            m = results[id(inp)][op]
            nat, ref, flo, j, nf = m["native"], m["reference"], m["floor"], m.get("js"), m["nat/floor"]
            jcol = f"{j:9.1f}{m['js/nat']:9.1f}x{m['js/ref']:7.2f}x" if j else f"{'-':>9}{'-':>10}{'-':>8}"
            suite = inp.suite.name.replace("BLS12-381-", "")
            print(f"{op:<13}{suite:<11}{inp.label:>7}{ref:11.1f}{nat:9.2f}{flo:8.2f}{nf:9.2f}x{jcol}")
            verdicts["native <= 1.5x floor"] &= nf <= 1.5
            if inp in main_inputs and j:
                verdicts["native >= 10x JS at L=10"] &= m["js/nat"] >= 10
                verdicts["reference <= 3x JS at L=10"] &= m["js/ref"] >= 1 / 3
    print()
    for name, ok in verdicts.items():
        note = " (no JS run)" if js is None and "JS" in name else ""
        print(f"target {name}: {'met' if ok and not note else 'NOT met' if not ok else 'unknown'}{note}")
    print(f"load avg at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
