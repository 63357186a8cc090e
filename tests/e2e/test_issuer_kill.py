"""``kill -9`` of ``issuer serve`` at random moments of concurrent issuance (issue #13).

A real process on loopback, once with the default SQLite database in a temporary
``DIDKIT_HOME`` and once on a throwaway PostgreSQL cluster (``tests/pg.py``; skipped without
the server binaries, failed under ``CI=true``). Each round starts the service, lets eight
clients issue credentials with fresh idempotency keys back to back (revoking about a third of
them right away, so status list writes race the issuance), and SIGKILLs the whole process
group at a random moment; every other round runs two uvicorn workers on the one database and
kills one of them first. After the last round the service restarts and every key of every
round is retried once. Then:

- every credential whose response reached a client is in the database, byte for byte, and the
  retry with its key returns exactly that credential (nothing committed is lost);
- each idempotency key has exactly one credential (nothing duplicated), also for requests the
  kill cut off after their commit;
- every credential holds one status entry, and no (status list, index) is used twice —
  checked both in ``status_entries`` and in the credentials' own ``credentialStatus``;
- the served status lists verify, and their bits show every acknowledged revocation and none
  that nobody asked for (a revocation cut off by the kill may be either way);
- the ``credential.issue`` audit events name exactly the stored credentials, and
  ``issuer audit verify`` recomputes the hash chain;
- ``PRAGMA integrity_check`` is ``ok`` on SQLite, amcheck's ``bt_index_check`` passes for
  every index on PostgreSQL (nothing half-written).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib.util
import json
import os
import random
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from didkit_py.credentials import verify
from didkit_py.did import default_resolver
from didkit_py.status import BitstringStatusList

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROUNDS = int(os.environ.get("DIDKIT_KILL_ROUNDS", "4"))
CLIENTS = 8
CRED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:alice", "name": "Alice"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path, port: int, db_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DIDKIT_HOME": str(home),
            "DIDKIT_ISSUER_KEK": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "DIDKIT_ISSUER_PORT": str(port),
            "DIDKIT_ISSUER_API_KEY_ARGON2_MEMORY_KIB": "4096",
        }
    )
    env.pop("DIDKIT_ISSUER_DATABASE_URL", None)  # None: the default, SQLite in DIDKIT_HOME
    if db_url is not None:
        env["DIDKIT_ISSUER_DATABASE_URL"] = db_url
    return env


def _load_pg() -> Any:
    spec = importlib.util.spec_from_file_location("didkit_tests_pg", Path(__file__).parents[1] / "pg.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """``None`` for the default SQLite file, or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        yield None
        return
    pg = _load_pg()
    if pg.find_bindir() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL server binaries are missing")
        pytest.skip("PostgreSQL server binaries not installed")
    with pg.postgres_cluster() as server:
        yield pg.create_database(server)


@contextlib.contextmanager
def _db(home: Path, db_url: str | None) -> Iterator[Callable[[str], list[tuple[Any, ...]]]]:
    """A query function on the issuer's database, after checking the database's integrity:
    SQLite's ``PRAGMA integrity_check``, or amcheck over every B-tree index on PostgreSQL."""
    if db_url is None:
        with contextlib.closing(sqlite3.connect(home / "issuer.db")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            yield lambda sql: conn.execute(sql).fetchall()
        return
    import psycopg

    with psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as pconn:
        pconn.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        indexes = pconn.execute(
            "SELECT c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE a.amname = 'btree' AND n.nspname = 'public'"
        ).fetchall()
        assert indexes
        for (oid,) in indexes:
            pconn.execute("SELECT bt_index_check(%s::regclass, true)", (oid,))  # raises if corrupt
        yield lambda sql: pconn.execute(sql).fetchall()  # type: ignore[arg-type]


def _cli(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "issuer.cli", *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _start(env: dict[str, str], port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "issuer.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"issuer serve exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return proc
        if time.monotonic() > deadline:
            _kill(proc)
            raise RuntimeError("issuer serve did not become ready in 60 s")
        time.sleep(0.1)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _workers(pid: int) -> list[int]:
    """uvicorn's worker processes under ``pid`` (multiprocessing spawn children, not its tracker)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for kid in task.read_text().split():
            with contextlib.suppress(OSError):
                if b"spawn_main" in Path(f"/proc/{kid}/cmdline").read_bytes():
                    found.append(int(kid))
    return found


@contextlib.contextmanager
def _serving(env: dict[str, str], port: int, workers: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    proc = _start(env, port, workers)
    try:
        yield proc
    finally:
        _kill(proc)


def _post(c: httpx.Client, token: str, key: str) -> httpx.Response:
    return c.post(
        "/credentials/issue",
        json={"credential": CRED, "options": {"format": "vc+jwt"}},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )


def _payload(vc: dict[str, Any]) -> dict[str, Any]:
    """The JWT payload of an enveloped ``vc+jwt`` credential."""
    jwt = vc["id"].split(",", 1)[1]
    p64 = jwt.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(p64 + "=" * (-len(p64) % 4))))


def _status_of(vc: dict[str, Any]) -> tuple[str, int]:
    """(status list URL, index) of a credential."""
    st = _payload(vc)["credentialStatus"]
    return st["statusListCredential"], int(st["statusListIndex"])


def _revoke(c: httpx.Client, token: str, vc: dict[str, Any]) -> httpx.Response:
    return c.post(
        "/credentials/status",
        json={
            "credentialId": _payload(vc)["id"],
            "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}],
        },
        headers={"Authorization": f"Bearer {token}"},
    )


def test_kill_9_during_concurrent_issuance(tmp_path: Path, db_url: str | None) -> None:
    port = _free_port()
    env = _env(tmp_path, port, db_url)
    _cli(env, "admin", "tenant-create", "acme")
    token = str(json.loads(_cli(env, "admin", "key-create", "acme", "--scope", "admin", "--json"))["token"])
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(13)
    received: dict[str, dict[str, Any]] = {}  # key → the credential a client got back
    sent: list[str] = []  # every key whose request left a client
    revoke_sent: set[str] = set()  # keys whose credential a client asked to revoke
    revoked: set[str] = set()  # ... and got the answer
    errors: list[str] = []  # anything a client met but the kill
    lock = threading.Lock()

    with _serving(env, port), httpx.Client(base_url=base, timeout=30) as c:
        r = c.post("/dids", json={"method": "key"}, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 201, r.text

    counter = iter(range(10**9))
    worker_kills = 0
    for rnd in range(ROUNDS):
        workers = 2 if rnd % 2 else 1  # odd rounds: two workers, one killed before the rest
        with _serving(env, port, workers) as proc:
            stop, killed = threading.Event(), threading.Event()

            def client(
                rnd: int = rnd,
                stop: threading.Event = stop,
                killed: threading.Event = killed,
                seed: float = rng.random(),
            ) -> None:
                pick = random.Random(seed)
                try:
                    with httpx.Client(base_url=base, timeout=30) as c:
                        while not stop.is_set():
                            with lock:
                                key = f"k{rnd}-{next(counter)}"
                                sent.append(key)
                            try:
                                r = _post(c, token, key)
                                assert r.status_code == 201, r.text
                                vc = r.json()["verifiableCredential"]
                                with lock:
                                    received[key] = vc
                                if pick.random() < 0.3:  # status list writes race the issuance
                                    with lock:
                                        revoke_sent.add(key)
                                    r = _revoke(c, token, vc)
                                    assert r.status_code == 200, r.text
                                    with lock:
                                        revoked.add(key)
                            except httpx.HTTPError as exc:
                                # Only a kill may cut a request off; after a worker's, go on
                                # with the next key (this one is settled after the restart).
                                if not killed.is_set():
                                    errors.append(f"{type(exc).__name__} before the kill: {exc}")
                                    return
                                time.sleep(0.05)
                except BaseException as exc:
                    errors.append(repr(exc))

            threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.3, 2.0))
            killed.set()
            if workers > 1:
                victims = _workers(proc.pid)
                assert len(victims) == workers, victims
                os.kill(rng.choice(victims), signal.SIGKILL)  # one worker dies mid-write
                worker_kills += 1
                time.sleep(rng.uniform(0.3, 1.5))  # the other (and any respawned) carry on
            os.killpg(proc.pid, signal.SIGKILL)  # mid-write: eight requests are in flight
            stop.set()
            for t in threads:
                t.join(timeout=60)
                assert not t.is_alive()
            assert not errors, errors

    with _db(tmp_path, db_url) as query:
        stored_before = {k for (k,) in query("SELECT idempotency_key FROM credentials")}
    cut_after_commit = (stored_before & set(sent)) - received.keys()
    lost = received.keys() - stored_before
    assert not lost, f"answered but not stored: {sorted(lost)[:5]}"

    # Restart and retry every key: answered keys return their credential, cut-off ones issue now.
    with _serving(env, port), httpx.Client(base_url=base, timeout=30) as c:
        again: dict[str, dict[str, Any]] = {}
        for key in sent:
            r = _post(c, token, key)
            # 200: a replay of the stored credential; 201: the kill came before the commit.
            assert r.status_code == (200 if key in stored_before else 201), (key, r.text)
            again[key] = r.json()["verifiableCredential"]
        # The served, signed status lists show every acknowledged revocation and no other.
        lists: dict[str, BitstringStatusList] = {}
        for url in {_status_of(vc)[0] for vc in again.values()}:
            r = c.get(url)
            assert r.status_code == 200, r.text
            doc = r.json()
            result = asyncio.run(verify(doc, resolver=default_resolver(), now=datetime.now(UTC)))
            assert result.verified, result.errors
            lists[url] = BitstringStatusList.decode(doc["credentialSubject"]["encodedList"])
    bits = {key: lists[_status_of(vc)[0]].get(_status_of(vc)[1]) for key, vc in again.items()}
    assert all(bits[k] == 1 for k in revoked), "an acknowledged revocation was lost"
    assert all(bits[k] == 0 for k in again.keys() - revoke_sent), "a revocation nobody asked for"
    for key, vc in received.items():
        assert again[key] == vc, key

    with _db(tmp_path, db_url) as query:
        rows = query("SELECT id, idempotency_key, credential FROM credentials")
        by_key: dict[str, list[tuple[str, str]]] = {}
        for cid, key, body in rows:
            by_key.setdefault(key, []).append((cid, body))
        assert set(by_key) == set(sent)
        assert all(len(v) == 1 for v in by_key.values()), "an idempotency key issued twice"
        for key, vc in again.items():
            assert json.loads(by_key[key][0][1]) == vc, key
        ids = {cid for cid, _, _ in rows}
        entries = query("SELECT list_id, idx, credential_id FROM status_entries")
        assert len({(lst, idx) for lst, idx, _ in entries}) == len(entries)
        assert sorted(cid for _, _, cid in entries) == sorted(ids)  # one entry each, none orphaned
        issue_events = "SELECT credential_id FROM audit_events WHERE action = 'credential.issue'"
        audited = [cid for (cid,) in query(issue_events)]
        assert sorted(audited) == sorted(ids)
    sizes: dict[str, int] = {}
    for lst, _, _ in entries:
        sizes[lst] = sizes.get(lst, 0) + 1
    positions = [_status_of(vc) for vc in again.values()]
    assert len(set(positions)) == len(positions), "a status index was handed out twice"

    out = json.loads(_cli(env, "audit", "verify", "--json"))
    assert out["verified"]
    print(
        f"{ROUNDS} kill -9 rounds ({worker_kills} with a worker killed first): {len(sent)} requests, "
        f"{len(received)} answered before the kill, "
        f"{len(cut_after_commit)} committed but cut off, {len(rows)} credentials checked, "
        f"{len(entries)} status entries; {len(revoked)} revocations answered, "
        f"{len(revoke_sent - revoked)} cut off ({sum(bits[k] for k in revoke_sent - revoked)} committed), "
        f"{len(lists)} signed status lists checked (entries {sorted(sizes.values())}); "
        f"audit events {out['tenants'][0]['events']}"
    )
