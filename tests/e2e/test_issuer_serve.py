"""``issuer serve`` as real processes on loopback: VC-API, did:web, status, OpenID4VCI, workers.

- SQLite, one worker: admin CLI → did:web (resolved over HTTP from the running service) →
  template → VC-API issue → verify → revoke → the served status list shows it; the whole
  OpenID4VCI pre-authorized flow with our own wallet-side client (``PreAuthorizedClient``).
- PostgreSQL, two uvicorn workers: concurrent issuance with idempotency keys while one worker is
  killed with SIGKILL; retries return the committed credential, nothing is issued twice, and
  ``issuer audit verify`` proves the log intact.
"""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from didkit_py.credentials import signer_for_key, verify
from didkit_py.did import default_resolver
from didkit_py.keys import KeyType, generate_key
from didkit_py.oid4vc.vci import PreAuthorizedClient, build_proof_jwt
from didkit_py.status import BitstringStatusList

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
CRED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:alice", "name": "Alice"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path, port: int, db_url: str | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DIDKIT_HOME": str(home),
            "DIDKIT_ISSUER_KEK": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "DIDKIT_ISSUER_PORT": str(port),
            "DIDKIT_ISSUER_API_KEY_ARGON2_MEMORY_KIB": "4096",
        }
    )
    if db_url:
        env["DIDKIT_ISSUER_DATABASE_URL"] = db_url
    return env


def _cli(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "issuer.cli", *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@contextlib.contextmanager
def _serve(env: dict[str, str], port: int, *extra: str) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "issuer.cli", "serve", "--port", str(port), *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"issuer serve exited: {proc.stderr.read() if proc.stderr else ''}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("issuer serve did not become ready in 60 s")
            time.sleep(0.1)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _admin_token(env: dict[str, str]) -> str:
    _cli(env, "admin", "tenant-create", "acme")
    return str(json.loads(_cli(env, "admin", "key-create", "acme", "--scope", "admin", "--json"))["token"])


async def test_single_worker_vc_api_did_web_status_and_oid4vci(tmp_path: Path) -> None:
    port = _free_port()
    env = _env(tmp_path, port)
    token = _admin_token(env)
    base = f"http://127.0.0.1:{port}"
    h = {"Authorization": f"Bearer {token}"}
    with _serve(env, port) as proc:
        with httpx.Client(base_url=base, timeout=30) as c:
            did = c.post("/dids", json={"method": "web", "key_types": ["Ed25519"]}, headers=h).json()
            assert did["did"] == f"did:web:127.0.0.1%3A{port}:acme"
            r = c.post(
                "/templates",
                json={
                    "name": "employee",
                    "format": "eddsa-rdfc-2022",
                    "did_id": did["id"],
                    "contexts": [EXAMPLES],
                    "status_purposes": ["revocation"],
                },
                headers=h,
            )
            assert r.status_code == 201, r.text
            r = c.post(
                "/credentials/issue",
                json={"credential": CRED, "options": {"template": "employee"}},
                headers=h,
            )
            assert r.status_code == 201, r.text
            vc = r.json()["verifiableCredential"]

        resolver = default_resolver(allow_loopback_http=True)
        result = await verify(
            vc, resolver=resolver, now=datetime.now(UTC)
        )  # did:web fetched from the service
        assert result.verified, result.errors

        async with httpx.AsyncClient(timeout=30) as http:
            status = vc["credentialStatus"]
            idx = int(status["statusListIndex"])
            r = await http.get(status["statusListCredential"])
            assert r.headers["cache-control"].startswith("public, max-age=")
            lst = r.json()
            assert (await verify(lst, resolver=resolver, now=datetime.now(UTC))).verified
            assert BitstringStatusList.decode(lst["credentialSubject"]["encodedList"]).get(idx) == 0
            r = await http.post(
                f"{base}/credentials/status",
                json={
                    "credentialId": vc["id"],
                    "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}],
                },
                headers=h,
            )
            assert r.status_code == 200
            lst = (await http.get(status["statusListCredential"])).json()
            assert (await verify(lst, resolver=resolver, now=datetime.now(UTC))).verified
            assert BitstringStatusList.decode(lst["credentialSubject"]["encodedList"]).get(idx) == 1

            # SD-JWT VC with a Token Status List entry, checked by our verifier over HTTP.
            r = await http.post(f"{base}/dids", json={"method": "key"}, headers=h)
            r = await http.post(
                f"{base}/templates",
                json={
                    "name": "sd",
                    "format": "dc+sd-jwt",
                    "did_id": r.json()["id"],
                    "disclosable": ["/credentialSubject/name"],
                },
                headers=h,
            )
            assert r.status_code == 201, r.text
            r = await http.post(
                f"{base}/credentials/issue",
                json={"credential": CRED, "options": {"template": "sd"}},
                headers={**h, "Idempotency-Key": "sd-1"},
            )
            sd = r.json()["verifiableCredential"]
            extra = {"http": http, "allow_loopback_http": True}
            res = await verify(sd, resolver=resolver, now=datetime.now(UTC), extra=extra)
            assert res.verified, res.errors
            with httpx.Client(base_url=base) as c:
                sd_id = c.post(
                    "/credentials/issue",
                    json={"credential": CRED, "options": {"template": "sd"}},
                    headers={**h, "Idempotency-Key": "sd-1"},
                ).json()["verifiableCredential"]
            assert sd_id == sd  # idempotent retry
            import base64 as b64

            p64 = sd.split("~")[0].split(".")[1]
            claims = json.loads(b64.urlsafe_b64decode(p64 + "=" * (-len(p64) % 4)))
            r = await http.post(
                f"{base}/credentials/status",
                json={
                    "credentialId": claims.get("jti") or claims["id"],
                    "credentialStatus": [{"type": "TokenStatusList", "status": "revoked"}],
                },
                headers=h,
            )
            assert r.status_code == 200, r.text
            res = await verify(sd, resolver=resolver, now=datetime.now(UTC), extra=extra)
            assert not res.verified
            assert "status" in res.errors[0].code, res.errors

            # OpenID4VCI with our own wallet-side client, from the deep link on.
            r = await http.post(
                f"{base}/offers",
                json={"template": "employee", "claims": {"name": "Bob"}, "tx_code": True},
                headers=h,
            )
            offer = r.json()
            client = PreAuthorizedClient(http, allow_loopback_http=True)
            parsed = await client.resolve_offer(offer["deep_link"])
            meta = await client.issuer_metadata(parsed)
            endpoint = await client.token_endpoint(parsed, meta)
            tok = await client.token(endpoint, parsed, offer["tx_code"])
            nonce = await client.nonce(meta)
            holder = signer_for_key(generate_key(KeyType.ED25519))
            proof = build_proof_jwt(
                holder, audience=meta.credential_issuer, nonce=nonce, now=datetime.now(UTC)
            )
            [cred] = await client.credential(meta, tok, "employee", proof)
            assert isinstance(cred, dict) and cred["credentialSubject"]["id"] == holder.did
            assert (await verify(cred, resolver=resolver, now=datetime.now(UTC))).verified
            # The same proof again: its nonce is spent.
            with pytest.raises(Exception, match="invalid_nonce"):
                await client.credential(meta, tok, "employee", proof)

    stderr = proc.stderr.read() if proc.stderr else ""
    assert token not in stderr and env["DIDKIT_ISSUER_KEK"] not in stderr
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert any(rec.get("msg") == "credential issued" and rec.get("tenant") == "acme" for rec in lines)
    out = json.loads(_cli(env, "audit", "verify", "--json"))
    assert out["verified"] and out["tenants"][0]["events"] >= 8


def _load_pg() -> Any:
    spec = importlib.util.spec_from_file_location("didkit_tests_pg", Path(__file__).parents[1] / "pg.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _worker_pids(parent: int) -> list[int]:
    """uvicorn's worker processes: children of the supervisor (itself the child of our CLI)."""
    pids: list[int] = []
    todo = [parent]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            kids = [int(x) for x in task.read_text().split()]
            pids += kids
            todo += kids
    return pids


def test_two_workers_on_postgresql_survive_kill_9_without_duplicates(tmp_path: Path) -> None:
    pg = _load_pg()
    if pg.find_bindir() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL server binaries are missing")
        pytest.skip("PostgreSQL server binaries not installed")
    with pg.postgres_cluster() as server:
        db = pg.create_database(server)
        port = _free_port()
        env = _env(tmp_path, port, db)
        token = _admin_token(env)
        h = {"Authorization": f"Bearer {token}"}
        base = f"http://127.0.0.1:{port}"
        with _serve(env, port, "--workers", "2") as proc:
            with httpx.Client(base_url=base, timeout=30) as c:
                assert c.post("/dids", json={"method": "key"}, headers=h).status_code == 201

            keys = [f"order-{i}" for i in range(40)]
            results: dict[str, Any] = {}

            def issue(key: str) -> None:
                with httpx.Client(base_url=base, timeout=30) as c:
                    for _attempt in range(40):  # retry until a worker answers: same key each time
                        try:
                            r = c.post(
                                "/credentials/issue",
                                json={"credential": CRED, "options": {"format": "vc+jwt"}},
                                headers={**h, "Idempotency-Key": key},
                            )
                        except httpx.HTTPError:
                            time.sleep(0.25)
                            continue
                        if r.status_code in (200, 201):
                            results.setdefault(key, []).append(r.json()["verifiableCredential"])
                            return
                        time.sleep(0.25)
                raise AssertionError(f"{key} never succeeded")

            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                futures = [pool.submit(issue, k) for k in keys]
                time.sleep(0.5)
                workers = _worker_pids(proc.pid)
                assert len(workers) >= 2, workers
                os.kill(workers[-1], signal.SIGKILL)  # one worker dies mid-issuance
                for f in futures:
                    f.result(timeout=120)
                # Retrying every key once more returns the same credential, never a new one.
                again = list(pool.map(issue, keys))
            assert len(again) == len(keys)
            for k in keys:
                first, second = results[k]
                assert first == second, k

        import psycopg

        plain = db.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain) as conn:
            n, distinct = conn.execute(
                "SELECT count(*), count(DISTINCT idempotency_key) FROM credentials "
                "WHERE idempotency_key LIKE 'order-%'"
            ).fetchone()
        assert n == distinct == len(keys)
        out = json.loads(_cli(env, "audit", "verify", "--json"))
        assert out["verified"]
