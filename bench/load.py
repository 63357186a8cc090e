"""Load the issuer and the verifier services with concurrent HTTP clients on loopback.

    python bench/load.py [--clients 16,32,64] [--seconds 60] [--warmup 5]
                         [--scenarios issue-vc-jwt,issue-bbs,verify-vc-jwt,verify-bbs,verify-vp-jwt]
                         [--issuer-db postgresql] [--issuer-workers 2] [--target-clients 32]
                         [--http-client lean|httpx] [--json]

Scenarios (each runs once per ``--clients`` value):

- ``issue-vc-jwt`` / ``issue-bbs``: ``issuer serve`` on a throwaway PostgreSQL cluster with two
  uvicorn workers (``--issuer-db``, ``--issuer-workers``); clients POST VC-API
  ``/credentials/issue`` (format ``vc+jwt`` signed with Ed25519, ``bbs-2023`` with BLS12-381),
  each credential with a Bitstring Status List entry, stored and audited in one transaction.
- ``verify-vc-jwt`` / ``verify-bbs``: ``verifier serve`` (one process, SQLite); clients POST
  VC-API ``/credentials/verify`` with valid credentials from a pool made before the clock starts
  (256 distinct vc+jwt Ed25519 credentials; 16 derived bbs-2023 disclosures), all default policies.
- ``verify-vp-jwt``: the same service, ``/presentations/verify`` with a vp+jwt holding one
  vc+jwt, a fresh challenge per request (challenges are single-use: the service records each
  one, so every presentation in the pool is distinct). The pool is sized from the warm-up rate;
  if it runs out before ``--seconds`` the row stops early and says so.

Each row: a warm-up of ``--warmup`` seconds at the same concurrency (not counted), then
``--clients`` closed-loop clients send requests for ``--seconds`` (and at most
``--max-requests``), each on its own HTTP/1.1 keep-alive connection opened before the clock
starts; ``--http-client`` picks the client: ``lean`` (``bench/_http.py``, about 0.2 ms of CPU
per request, the default) or ``httpx`` (about ten times that). Reported per row: requests,
throughput, p50/p95/p99 latency, errors (any status other than the endpoint's success status,
or a transport error; the first few bodies are shown), the server processes' peak resident
memory (sampled every 0.25 s, summed over uvicorn's supervisor and workers) and CPU, in total
and per process, and the driver's own CPU — the driver shares the machine with the servers,
so on a 2-core machine the figures are a floor for a dedicated server.

Exit status: 0 when every row at ``--target-clients`` (32, the issue's target) had no error
(or no row ran at that concurrency: "not checked"), 1 when one had errors, 2 on a usage
error, 3 when a service could not be set up. Progress goes to stderr; the table (or with
``--json`` one JSON document) to stdout. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from _http import Connection, HttpError
from _servers import (
    IssuerServer,
    VerifierServer,
    postgres_database,
    serve_issuer,
    serve_verifier,
    tree_cpu_by_process,
    tree_rss_bytes,
)

SCENARIOS = ("issue-vc-jwt", "issue-bbs", "verify-vc-jwt", "verify-bbs", "verify-vp-jwt")
CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]
DOMAIN = "https://rp.example"
MAX_CLIENTS = 512
ERROR_SAMPLES = 3
JSON_HEADERS = {"content-type": "application/json"}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- request bodies ---------------------------------------------------------------------------


class Pool:
    """Request bodies, made before the clock starts. ``cycle``: reused round-robin; otherwise
    each body is sent once and ``next()`` returns None when the pool is used up."""

    def __init__(self, bodies: list[bytes], *, cycle: bool) -> None:
        if not bodies:
            raise ValueError("empty pool")
        self._bodies, self._cycle, self._i = bodies, cycle, 0

    def next(self) -> bytes | None:
        if self._i >= len(self._bodies):
            if not self._cycle:
                return None
            self._i = 0
        body = self._bodies[self._i]
        self._i += 1
        return body

    def __len__(self) -> int:
        return len(self._bodies)


def _issue_body(fmt: str) -> bytes:
    options: dict[str, Any] = {"format": fmt}
    if fmt == "bbs-2023":
        options["mandatoryPointers"] = ["/issuer"]
    credential = {
        "@context": CONTEXT,
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:alice", "name": "Alice", "role": "engineer"},
    }
    return json.dumps({"credential": credential, "options": options}).encode()


class Material:
    """Keys and credentials for the verifier scenarios (did:key issuers and holder, no network)."""

    def __init__(self) -> None:
        from didkit_py.credentials import signer_for_key
        from didkit_py.keys import KeyType, generate_key

        self.now = datetime.now(UTC).replace(microsecond=0)
        self.ed = signer_for_key(generate_key(KeyType.ED25519))
        self.holder = signer_for_key(generate_key(KeyType.ED25519))
        self._bls: Any = None
        self._signer_for_key, self._generate_key, self._KeyType = signer_for_key, generate_key, KeyType
        self._vcs: list[Any] = []

    def _doc(self, issuer: str, i: int) -> dict[str, Any]:
        return {
            "@context": CONTEXT,
            "id": f"urn:uuid:{secrets.token_hex(4)}-0000-4000-8000-{i:012d}",
            "type": ["VerifiableCredential", "ExampleLoadCredential"],
            "issuer": issuer,
            "validFrom": (self.now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "credentialSubject": {"id": self.holder.did, "name": f"Holder {i}", "claim": f"value {i}"},
        }

    def vc_jwts(self, n: int = 256) -> list[Any]:
        from didkit_py.credentials import issue

        while len(self._vcs) < n:
            i = len(self._vcs)
            self._vcs.append(
                issue(self._doc(self.ed.did, i), signer=self.ed, now=self.now - timedelta(hours=1))
            )
        return self._vcs[:n]

    def verify_vc_jwt_pool(self) -> Pool:
        return Pool([json.dumps({"verifiableCredential": vc}).encode() for vc in self.vc_jwts()], cycle=True)

    def verify_bbs_pool(self, n: int = 16) -> Pool:
        from didkit_py.credentials import derive, issue

        if self._bls is None:
            self._bls = self._signer_for_key(self._generate_key(self._KeyType.BLS12381G2))
        base = issue(
            self._doc(self._bls.did, 0),
            signer=self._bls,
            now=self.now - timedelta(hours=1),
            format="bbs-2023",
            extra={"mandatory_pointers": ["/issuer", "/validFrom"]},
        )
        bodies = []
        for _ in range(n):  # each derivation is unlinkable: n distinct disclosures
            shown = derive(base, now=self.now, disclose=["/credentialSubject/name"])
            bodies.append(json.dumps({"verifiableCredential": shown}).encode())
        return Pool(bodies, cycle=True)

    def verify_vp_pool(self, n: int) -> Pool:
        from didkit_py.credentials import present

        vcs = self.vc_jwts()
        now = datetime.now(UTC)
        bodies = []
        for i in range(n):
            challenge = secrets.token_urlsafe(16)
            vp = present([vcs[i % len(vcs)]], signer=self.holder, now=now, challenge=challenge, domain=DOMAIN)
            body = {"verifiablePresentation": vp, "options": {"challenge": challenge, "domain": DOMAIN}}
            bodies.append(json.dumps(body).encode())
        return Pool(bodies, cycle=False)


# -- the driver --------------------------------------------------------------------------------


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    samples: list[str] = field(default_factory=list)
    exhausted: bool = False
    wall: float = 0.0
    rss_peak: int = 0
    server_cpu: float = 0.0
    #: CPU seconds per server process (supervisor, workers), busiest first.
    process_cpu: list[float] = field(default_factory=list)
    #: Server processes that were gone at the end (a worker that crashed or was killed).
    exited: int = 0
    driver_cpu: float = 0.0

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.samples) < ERROR_SAMPLES:
            self.samples.append(text[:400])


class _Client:
    """One simulated client: one keep-alive HTTP/1.1 connection, requests one after another."""

    async def open(self) -> None:
        """Connect before the clock starts (connection set-up is not what we measure)."""
        await self.post("/health", b"", {})

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class _LeanClient(_Client):
    """``bench/_http.py``: about a tenth of httpx's CPU per request, which on a shared 2-core
    machine is CPU the servers get back."""

    def __init__(self, base: str) -> None:
        self._conn = Connection(base, timeout=30.0)

    async def open(self) -> None:
        await self._conn.request("GET", "/health")

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        r = await self._conn.request("POST", path, body=body, headers=headers)
        return r.status, r.body.decode("utf-8", "replace")

    async def close(self) -> None:
        await self._conn.close()


class _HttpxClient(_Client):
    """An ``httpx.AsyncClient`` per simulated client: one client object shared by 64 tasks
    spends most of its time in its own connection pool (measured here: /health fell from
    ~300/s at 4 tasks to ~35/s at 64, the server nearly idle)."""

    def __init__(self, base: str) -> None:
        one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self._http = httpx.AsyncClient(base_url=base, timeout=30.0, limits=one)

    async def open(self) -> None:
        await self._http.get("/health")

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        r = await self._http.post(path, content=body, headers=headers)
        return r.status_code, r.text

    async def close(self) -> None:
        await self._http.aclose()


HTTP_CLIENTS: dict[str, Callable[[str], _Client]] = {"lean": _LeanClient, "httpx": _HttpxClient}
#: What a failed request raises: the protocol or the connection broke, or it timed out.
TRANSPORT_ERRORS = (HttpError, httpx.HTTPError, OSError, TimeoutError)


async def drive(
    base: str,
    path: str,
    headers: dict[str, str],
    expect: int,
    pool: Pool,
    *,
    clients: int,
    seconds: float,
    max_requests: int,
    server_pid: int,
    http_client: str = "lean",
) -> Phase:
    """``clients`` closed-loop clients for ``seconds`` (at most ``max_requests`` requests),
    each with its own connection (``http_client``: ``lean`` or ``httpx``)."""
    phase = Phase()
    sent = 0
    hdrs = {**JSON_HEADERS, **headers}
    conns = [HTTP_CLIENTS[http_client](base) for _ in range(clients)]
    try:
        await asyncio.gather(*(c.open() for c in conns), return_exceptions=True)
        stop = asyncio.Event()

        async def sample_rss() -> None:
            while not stop.is_set():
                phase.rss_peak = max(phase.rss_peak, tree_rss_bytes(server_pid))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.25)

        async def client(conn: _Client) -> None:
            nonlocal sent
            while time.perf_counter() < deadline and sent < max_requests:
                body = pool.next()
                if body is None:
                    phase.exhausted = True
                    return
                sent += 1
                t0 = time.perf_counter()
                try:
                    status, text = await conn.post(path, body, hdrs)
                except TRANSPORT_ERRORS as exc:
                    phase.latencies.append(time.perf_counter() - t0)
                    phase.error(f"transport: {exc.__class__.__name__}: {exc}")
                    continue
                phase.latencies.append(time.perf_counter() - t0)
                if status != expect:
                    phase.error(f"HTTP {status}: {text}")

        sampler = asyncio.create_task(sample_rss())
        cpu0, drv0 = tree_cpu_by_process(server_pid), time.process_time()
        start = time.perf_counter()
        deadline = start + seconds
        await asyncio.gather(*(client(c) for c in conns))
        phase.wall = time.perf_counter() - start
        cpu1 = tree_cpu_by_process(server_pid)
        per = [cpu1[p] - cpu0.get(p, 0.0) for p in cpu1]
        phase.process_cpu = sorted(per, reverse=True)
        phase.server_cpu = sum(per)
        phase.exited = len(set(cpu0) - set(cpu1))
        phase.driver_cpu = time.process_time() - drv0
        stop.set()
        await sampler
    finally:
        await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
    return phase


def _pct(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..1) of an ascending list, in milliseconds."""
    if not sorted_values:
        return None
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)] * 1000.0


@dataclass(frozen=True)
class Target:
    name: str
    service: str
    path: str
    expect: int
    #: Makes the pool for a phase; the argument is how many single-use bodies it may need.
    pool: Callable[[int], Pool]


def _reused(pool: Pool) -> Callable[[int], Pool]:
    """The same (cycling) pool for every phase."""

    def make(_need: int) -> Pool:
        return pool

    return make


def row(target: Target, clients: int, phase: Phase, workers: int) -> dict[str, Any]:
    lat = sorted(phase.latencies)
    n = len(lat)
    wall = phase.wall or float("inf")
    return {
        "scenario": target.name,
        "service": target.service,
        "endpoint": f"POST {target.path}",
        "server_workers": workers,
        "clients": clients,
        "seconds": round(phase.wall, 3),
        "requests": n,
        "ok": n - phase.errors,
        "errors": phase.errors,
        "error_rate": (phase.errors / n) if n else 0.0,
        "throughput_per_s": (n / phase.wall) if phase.wall > 0 else 0.0,
        "p50_ms": _pct(lat, 0.50),
        "p95_ms": _pct(lat, 0.95),
        "p99_ms": _pct(lat, 0.99),
        "max_ms": _pct(lat, 1.0),
        "server_rss_peak_mib": phase.rss_peak / 2**20,
        "server_cpu_pct": 100.0 * phase.server_cpu / phase.wall if phase.wall > 0 else 0.0,
        "server_process_cpu_pct": [round(100.0 * c / wall, 1) for c in phase.process_cpu],
        "server_processes_exited": phase.exited,
        "driver_cpu_pct": 100.0 * phase.driver_cpu / phase.wall if phase.wall > 0 else 0.0,
        "pool_exhausted": phase.exhausted,
        "error_samples": phase.samples,
    }


def run_rows(
    targets: list[Target],
    base: str,
    headers: dict[str, str],
    server_pid: int,
    workers: int,
    args: argparse.Namespace,
) -> Iterator[dict[str, Any]]:
    for target in targets:
        for clients in args.clients:
            warm_n = max(8 * clients, 200)
            if args.warmup > 0:
                log(f"  {target.name} @{clients}: warm-up {args.warmup:g} s")
                warm = asyncio.run(
                    drive(
                        base,
                        target.path,
                        headers,
                        target.expect,
                        target.pool(warm_n),
                        clients=clients,
                        seconds=args.warmup,
                        max_requests=args.max_requests,
                        server_pid=server_pid,
                        http_client=args.http_client,
                    )
                )
                if warm.errors:
                    log(f"    warm-up: {warm.errors} errors, first: {warm.samples[0]}")
                rate = len(warm.latencies) / warm.wall if warm.wall > 0 else 0.0
            else:
                rate = 0.0
            # Single-use pools: enough for the warm-up rate with room to spare (the warm-up ran
            # on cold caches), bounded by --max-requests.
            need = min(args.max_requests, max(warm_n, math.ceil(rate * args.seconds * 2.0) + 4 * clients))
            pool = target.pool(need)
            log(f"  {target.name} @{clients}: {args.seconds:g} s")
            phase = asyncio.run(
                drive(
                    base,
                    target.path,
                    headers,
                    target.expect,
                    pool,
                    clients=clients,
                    seconds=args.seconds,
                    max_requests=args.max_requests,
                    server_pid=server_pid,
                    http_client=args.http_client,
                )
            )
            out = row(target, clients, phase, workers)
            log(
                f"    {out['requests']} requests, {out['throughput_per_s']:.1f}/s, "
                f"p95 {out['p95_ms'] or 0:.1f} ms, {out['errors']} errors"
                + (" (input pool used up: row ended early)" if phase.exhausted else "")
            )
            yield out


def run_issuer(names: list[str], args: argparse.Namespace) -> list[dict[str, Any]]:
    formats = {"issue-vc-jwt": "vc+jwt", "issue-bbs": "bbs-2023"}
    targets = [
        Target(
            name,
            "issuer",
            "/credentials/issue",
            201,
            _reused(Pool([_issue_body(formats[name])], cycle=True)),
        )
        for name in names
    ]
    with contextlib.ExitStack() as stack:
        db_url: str | None = None
        if args.issuer_db == "postgresql":
            log("issuer: starting a throwaway PostgreSQL cluster")
            db_url = stack.enter_context(postgres_database())
            if db_url is None:
                raise RuntimeError(
                    "PostgreSQL server binaries are not installed (Debian: apt-get install postgresql); "
                    "use --issuer-db sqlite to load the issuer on SQLite instead"
                )
        log(f"issuer: starting issuer serve ({args.issuer_db}, {args.issuer_workers} workers)")
        server: IssuerServer = stack.enter_context(
            serve_issuer(db_url, args.issuer_workers, key_types=("Ed25519", "Bls12381G2"))
        )
        return list(run_rows(targets, server.base, server.headers, server.pid, server.workers, args))


def run_verifier(names: list[str], args: argparse.Namespace) -> list[dict[str, Any]]:
    log("verifier: making credentials")
    material = Material()
    pools: dict[str, Pool] = {}
    if "verify-vc-jwt" in names:
        pools["verify-vc-jwt"] = material.verify_vc_jwt_pool()
    if "verify-bbs" in names:
        pools["verify-bbs"] = material.verify_bbs_pool()
    targets = []
    for name in names:
        if name == "verify-vp-jwt":
            targets.append(Target(name, "verifier", "/presentations/verify", 200, material.verify_vp_pool))
        else:
            targets.append(Target(name, "verifier", "/credentials/verify", 200, _reused(pools[name])))
    log("verifier: starting verifier serve")
    with serve_verifier() as server:
        v: VerifierServer = server
        return list(run_rows(targets, v.base, {}, v.pid, 1, args))


# -- output ------------------------------------------------------------------------------------


def load_snapshot() -> dict[str, float | None]:
    """How busy the machine is: the 1-minute load average and the share of the last minute in
    which runnable tasks waited for a CPU (``/proc/pressure/cpu``, Linux; None elsewhere)."""
    load1: float | None = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    pressure: float | None = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0].split()
        pressure = float(dict(f.split("=") for f in some[1:])["avg60"])
    return {"loadavg_1m": load1, "cpu_pressure_avg60_pct": pressure}


def machine(start: dict[str, float | None] | None = None) -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "at_start": start,
        "at_end": load_snapshot(),
    }


def _per_worker(r: dict[str, Any]) -> str:
    """CPU % of the busiest ``server_workers`` processes, e.g. ``95+4``: how evenly the work spread."""
    return "+".join(f"{c:.0f}" for c in r["server_process_cpu_pct"][: r["server_workers"]]) or "-"


def print_table(result: dict[str, Any]) -> None:
    m, c = result["machine"], result["config"]
    start, end = m["at_start"] or {}, m["at_end"]
    print(
        f"load on loopback — {m['cpus']} CPUs ({m['cpu']}), Python {m['python']}; machine before/after: "
        f"load average {start.get('loadavg_1m')}/{end['loadavg_1m']}, CPU pressure (avg60 %) "
        f"{start.get('cpu_pressure_avg60_pct')}/{end['cpu_pressure_avg60_pct']}"
    )
    services = []
    if any(n.startswith("issue-") for n in c["scenarios"]):
        services.append(f"issuer on {c['issuer_db']} with {c['issuer_workers']} worker(s)")
    if any(n.startswith("verify-") for n in c["scenarios"]):
        services.append("verifier 1 process")
    print(
        f"{', '.join(services)}; {c['seconds']:g} s per row after {c['warmup']:g} s warm-up; "
        f"{c['http_client']} HTTP client"
    )
    print()
    head = (
        f"{'scenario':<14} {'clients':>7} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'errors':>6} {'err %':>6} {'RSS MiB':>8} {'srv CPU%':>8} {'per worker':>11} "
        f"{'drv CPU%':>8}"
    )
    print(head)
    print("-" * len(head))

    def ms(v: float | None) -> str:
        return f"{v:>8.1f}" if v is not None else f"{'-':>8}"

    for r in result["rows"]:
        print(
            f"{r['scenario']:<14} {r['clients']:>7} {r['requests']:>8} {r['throughput_per_s']:>8.1f} "
            f"{ms(r['p50_ms'])} {ms(r['p95_ms'])} {ms(r['p99_ms'])} {r['errors']:>6} "
            f"{100 * r['error_rate']:>6.2f} {r['server_rss_peak_mib']:>8.0f} {r['server_cpu_pct']:>8.0f} "
            f"{_per_worker(r):>11} {r['driver_cpu_pct']:>8.0f}"
            + ("  (pool used up)" if r["pool_exhausted"] else "")
        )
    for r in result["rows"]:
        for s in r["error_samples"]:
            print(f"  error in {r['scenario']} @{r['clients']}: {s}")
        if r["server_processes_exited"]:
            print(
                f"  note: {r['server_processes_exited']} server process(es) exited during {r['scenario']} "
                f"@{r['clients']} (uvicorn replaces a worker that dies or misses its 5 s health check)"
            )
    t = result["target"]
    print()
    if not t["checked"]:
        print(f"target (error rate 0 at {t['clients']} clients): not checked (no such row)")
    else:
        verdict = "PASS" if t["passed"] else "FAIL"
        print(f"target (error rate 0 at {t['clients']} clients): {verdict}")


def _clients(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError("a comma-separated list of integers, e.g. 16,32,64") from None
    if not values or any(not 1 <= v <= MAX_CLIENTS for v in values):
        raise argparse.ArgumentTypeError(f"each value must be between 1 and {MAX_CLIENTS}")
    return values


def _scenarios(text: str) -> list[str]:
    names = [x.strip() for x in text.split(",") if x.strip()]
    bad = [n for n in names if n not in SCENARIOS]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"unknown scenario {bad}; choose from {', '.join(SCENARIOS)}")
    return names


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError("between 0 and 3600 seconds")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=_clients, default=[16, 32, 64], help="concurrency levels (16,32,64)")
    ap.add_argument("--seconds", type=_seconds, default=60.0, help="measured time per row (60)")
    ap.add_argument("--warmup", type=float, default=5.0, help="warm-up per row, not counted (5; 0: none)")
    ap.add_argument("--max-requests", type=int, default=200_000, help="bound on requests per row (200000)")
    ap.add_argument("--scenarios", type=_scenarios, default=list(SCENARIOS), help=",".join(SCENARIOS))
    ap.add_argument("--issuer-db", choices=("postgresql", "sqlite"), default="postgresql")
    ap.add_argument("--issuer-workers", type=int, default=2)
    ap.add_argument("--target-clients", type=int, default=32, help="the error-rate target's concurrency (32)")
    ap.add_argument(
        "--http-client",
        choices=tuple(HTTP_CLIENTS),
        default="lean",
        help="load generator's HTTP client: lean (bench/_http.py, default) or httpx",
    )
    ap.add_argument("--json", action="store_true", help="one JSON document on stdout instead of the table")
    args = ap.parse_args(argv)
    if not 0 <= args.warmup <= 600:
        ap.error("--warmup must be between 0 and 600 seconds")
    if not 1 <= args.max_requests <= 10_000_000:
        ap.error("--max-requests must be between 1 and 10000000")
    if not 1 <= args.issuer_workers <= 16:
        ap.error("--issuer-workers must be between 1 and 16")
    return args


def build_result(
    rows: list[dict[str, Any]], args: argparse.Namespace, start: dict[str, float | None] | None = None
) -> dict[str, Any]:
    """The whole run as one JSON-able document; ``target`` holds the pass/fail verdict."""
    at_target = [r for r in rows if r["clients"] == args.target_clients]
    return {
        "bench": "load",
        "machine": machine(start),
        "config": {
            "clients": args.clients,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "max_requests": args.max_requests,
            "scenarios": args.scenarios,
            "issuer_db": args.issuer_db,
            "issuer_workers": args.issuer_workers,
            "http_client": args.http_client,
        },
        "rows": rows,
        "target": {
            "clients": args.target_clients,
            "max_error_rate": 0.0,
            "checked": bool(at_target),
            # None: no row ran at the target's concurrency, so there is no verdict.
            "passed": all(r["errors"] == 0 for r in at_target) if at_target else None,
        },
    }


def exit_status(result: dict[str, Any]) -> int:
    """1 when a row at the target concurrency had errors, else 0 (also when none ran there)."""
    target = result["target"]
    return 1 if target["passed"] is False else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = load_snapshot()
    rows: list[dict[str, Any]] = []
    try:
        issuer_names = [n for n in args.scenarios if n.startswith("issue-")]
        verifier_names = [n for n in args.scenarios if n.startswith("verify-")]
        if issuer_names:
            rows += run_issuer(issuer_names, args)
        if verifier_names:
            rows += run_verifier(verifier_names, args)
    except (RuntimeError, OSError) as exc:
        log(f"error: could not set up a service: {exc}")
        return 3
    result = build_result(rows, args, start)
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print_table(result)
    return exit_status(result)


if __name__ == "__main__":
    sys.exit(main())
