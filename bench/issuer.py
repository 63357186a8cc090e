"""Benchmark the issuer service over HTTP: credentials issued per second, latency, CPU cost.

    python bench/issuer.py [--clients 16] [--n 400] [--formats vc+jwt,bbs-2023,eddsa-rdfc-2022]
                           [--backends sqlite,postgresql] [--pg-workers 2]

For each backend a real ``issuer serve`` runs on 127.0.0.1 (SQLite: one worker; PostgreSQL: a
throwaway local cluster from tests/pg.py and ``--pg-workers`` uvicorn workers). ``--clients``
concurrent HTTP/1.1 keep-alive clients (``bench/_http.py``, in this process) POST VC-API
``/credentials/issue`` requests with a Bitstring Status List entry (the default revocation
purpose), so every request signs, allocates a random status index, stores the credential and
appends to the audit chain in one transaction. The load generator shares the machine's cores
with the server, so the numbers are a floor for a dedicated server. Loopback only.

Besides rate and latency the table shows the CPU time per credential of the ``issuer serve``
process tree and of the load generator (the database server's own CPU is in neither): the
figure that does not depend on what else the machine is doing.
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

from _http import Connection, HttpError
from _servers import postgres_database, serve_issuer, tree_cpu_seconds

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
CRED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:alice", "name": "Alice", "role": "engineer"},
}


async def run_load(
    base: str, token: str, fmt: str, n: int, clients: int, server_pid: int
) -> dict[str, float]:
    body = {"credential": CRED, "options": {"format": fmt}}
    if fmt == "bbs-2023":
        body["options"]["mandatoryPointers"] = ["/issuer"]
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors = 0
    remaining = n
    conns = [Connection(base) for _ in range(clients)]
    # Warm-up on every connection: imports, key caches, the first status list, the pools.
    for conn in conns:
        await conn.post_json("/credentials/issue", body, headers)

    async def client(conn: Connection) -> None:
        nonlocal errors, remaining
        while remaining > 0:
            remaining -= 1
            t0 = time.perf_counter()
            try:
                r = await conn.post_json("/credentials/issue", body, headers)
                ok = r.status == 201
            except (HttpError, TimeoutError):
                ok = False
            latencies.append(time.perf_counter() - t0)
            errors += not ok

    cpu0, own0 = tree_cpu_seconds(server_pid), time.process_time()
    start = time.perf_counter()
    await asyncio.gather(*(client(c) for c in conns))
    wall = time.perf_counter() - start
    cpu1, own1 = tree_cpu_seconds(server_pid), time.process_time()
    for conn in conns:
        await conn.close()
    latencies.sort()
    return {
        "rate": n / wall,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        "p99": latencies[int(0.99 * (len(latencies) - 1))] * 1000,
        "server_cpu_ms": (cpu1 - cpu0) * 1000 / n,
        "client_cpu_ms": (own1 - own0) * 1000 / n,
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
                res = asyncio.run(run_load(server.base, server.token, fmt, args.n, args.clients, server.pid))
                rows.append((backend, workers, fmt, res))
                print(f"  {backend} {fmt}: {res['rate']:.0f}/s", file=sys.stderr)
    cpu = platform.processor() or platform.machine()
    py = platform.python_version()
    print(f"issuer VC-API issuance over HTTP — {os.cpu_count()} cores ({cpu}), Python {py},")
    print(f"{args.clients} concurrent clients, {args.n} requests per row, each with a status list entry")
    print()
    head = f"{'backend':<11} {'workers':>7} {'format':<16} {'cred/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
    print(f"{head} {'p99 ms':>8} {'server CPU ms':>13} {'client CPU ms':>13} {'errors':>6}")
    for backend, workers, fmt, r in rows:
        print(
            f"{backend:<11} {workers:>7} {fmt:<16} {r['rate']:>8.1f} {r['p50']:>8.1f} {r['p95']:>8.1f} "
            f"{r['p99']:>8.1f} {r['server_cpu_ms']:>13.2f} {r['client_cpu_ms']:>13.2f} {int(r['errors']):>6}"
        )


if __name__ == "__main__":
    main()
