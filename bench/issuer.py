"""Benchmark the issuer service over HTTP: credentials issued per second, p50/p95 latency.

    python bench/issuer.py [--clients 16] [--n 400] [--formats vc+jwt,bbs-2023,eddsa-rdfc-2022]
                           [--backends sqlite,postgresql] [--pg-workers 2]

For each backend a real ``issuer serve`` runs on 127.0.0.1 (SQLite: one worker; PostgreSQL: a
throwaway local cluster from tests/pg.py and ``--pg-workers`` uvicorn workers). ``--clients``
concurrent HTTP/1.1 keep-alive clients (httpx, in this process) POST VC-API
``/credentials/issue`` requests with a Bitstring Status List entry (the default revocation
purpose), so every request signs, allocates a random status index, stores the credential and
appends to the audit chain in one transaction. The load generator shares the machine's cores
with the server, so the numbers are a floor for a dedicated server. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import importlib.util
import json
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
CRED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:alice", "name": "Alice", "role": "engineer"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg() -> Any:
    spec = importlib.util.spec_from_file_location("didkit_tests_pg", ROOT / "tests" / "pg.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _cli(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "issuer.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return proc.stdout


@contextlib.contextmanager
def serve(db_url: str | None, workers: int) -> Iterator[tuple[str, str]]:
    home = Path(tempfile.mkdtemp(prefix="issuer-bench-"))
    port = _free_port()
    env = dict(os.environ)
    env.update(
        {
            "DIDKIT_HOME": str(home),
            "DIDKIT_ISSUER_KEK": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "DIDKIT_ISSUER_PORT": str(port),
            "DIDKIT_ISSUER_LOG_LEVEL": "WARNING",
        }
    )
    if db_url:
        env["DIDKIT_ISSUER_DATABASE_URL"] = db_url
    _cli(env, "admin", "tenant-create", "bench")
    token = json.loads(_cli(env, "admin", "key-create", "bench", "--scope", "admin", "--json"))["token"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "issuer.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("issuer serve did not start")
            time.sleep(0.1)
        yield base, token
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


async def run_load(base: str, token: str, fmt: str, n: int, clients: int) -> dict[str, float]:
    body = {"credential": CRED, "options": {"format": fmt}}
    if fmt == "bbs-2023":
        body["options"]["mandatoryPointers"] = ["/issuer"]
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        headers = {"Authorization": f"Bearer {token}"}
        # Warm-up: imports, key caches, the first status list.
        for _ in range(3):
            await http.post("/credentials/issue", json=body, headers=headers)

        async def worker() -> None:
            nonlocal errors
            while True:
                try:
                    queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                r = await http.post("/credentials/issue", json=body, headers=headers)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 201:
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - start
    latencies.sort()
    return {
        "rate": n / wall,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        "errors": errors,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--n", type=int, default=400, help="requests per format and backend")
    ap.add_argument("--formats", default="vc+jwt,bbs-2023,eddsa-rdfc-2022")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--pg-workers", type=int, default=2)
    args = ap.parse_args()
    formats = args.formats.split(",")
    rows = []
    for backend in args.backends.split(","):
        stack = contextlib.ExitStack()
        with stack:
            if backend == "postgresql":
                pg = _pg()
                if pg.find_bindir() is None:
                    print("postgresql: server binaries not installed, skipped", file=sys.stderr)
                    continue
                server = stack.enter_context(pg.postgres_cluster())
                db_url, workers = pg.create_database(server), args.pg_workers
            else:
                db_url, workers = None, 1
            base, token = stack.enter_context(serve(db_url, workers))
            h = {"Authorization": f"Bearer {token}"}
            for kt in ("Ed25519", "Bls12381G2"):
                httpx.post(f"{base}/dids", json={"method": "key", "key_types": [kt]}, headers=h, timeout=30)
            for fmt in formats:
                res = asyncio.run(run_load(base, token, fmt, args.n, args.clients))
                rows.append((backend, workers, fmt, res))
                print(f"  {backend} {fmt}: {res['rate']:.0f}/s", file=sys.stderr)
    cpu = platform.processor() or platform.machine()
    py = platform.python_version()
    print(f"issuer VC-API issuance over HTTP — {os.cpu_count()} cores ({cpu}), Python {py},")
    print(f"{args.clients} concurrent clients, {args.n} requests per row, each with a status list entry")
    print()
    head = f"{'backend':<11} {'workers':>7} {'format':<16} {'cred/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
    print(f"{head} {'errors':>6}")
    for backend, workers, fmt, r in rows:
        print(
            f"{backend:<11} {workers:>7} {fmt:<16} {r['rate']:>8.1f} {r['p50']:>8.1f} {r['p95']:>8.1f} "
            f"{int(r['errors']):>6}"
        )


if __name__ == "__main__":
    main()
