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
import contextlib
import os
import platform
import statistics
import sys
import time

import httpx
from _servers import postgres_database, serve_issuer

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
CRED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:alice", "name": "Alice", "role": "engineer"},
}


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
                db_url = stack.enter_context(postgres_database())
                if db_url is None:
                    print("postgresql: server binaries not installed, skipped", file=sys.stderr)
                    continue
                workers = args.pg_workers
            else:
                db_url, workers = None, 1
            server = stack.enter_context(serve_issuer(db_url, workers, key_types=("Ed25519", "Bls12381G2")))
            for fmt in formats:
                res = asyncio.run(run_load(server.base, server.token, fmt, args.n, args.clients))
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
