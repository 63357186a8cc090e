"""The wallet CLI as real processes against the real issuer service (``issuer serve``) on loopback:
receive over OpenID4VCI (tx_code, proof of possession), list, match, and present over OpenID4VP to
a relying party built on the verifier SDK, which accepts — for a bbs-2023 credential and for an
SD-JWT VC. Then the store is grepped for what it received."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "unit" / "wallet"))

from wworld import VerifierApp, serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
VCT = "https://example.com/pid"
SECRET = "Quillfeather-Oyelaran"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _issuer_env(home: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DIDKIT_HOME": str(home),
            "DIDKIT_ISSUER_KEK": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
            "DIDKIT_ISSUER_PORT": str(port),
            "DIDKIT_ISSUER_API_KEY_ARGON2_MEMORY_KIB": "4096",
        }
    )
    return env


def _issuer_cli(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "issuer.cli", *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@contextlib.contextmanager
def _issuer(home: Path, extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, dict[str, str]]]:
    port = _free_port()
    env = {**_issuer_env(home, port), **(extra_env or {})}
    _issuer_cli(env, "admin", "tenant-create", "acme")
    token = json.loads(_issuer_cli(env, "admin", "key-create", "acme", "--scope", "admin", "--json"))["token"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "issuer.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "issuer serve exited"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, "issuer serve did not become ready"
            time.sleep(0.1)
        yield base, {"Authorization": f"Bearer {token}"}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _wallet(home: Path, *args: str, code: int = 0, extra_env: dict[str, str] | None = None) -> Any:
    env = dict(os.environ)
    env.update(
        {
            **(extra_env or {}),
            "DIDKIT_HOME": str(home),
            "DIDKIT_WALLET_PASSPHRASE": "e2e passphrase",
            "DIDKIT_WALLET_KDF_TIME_COST": "1",
            "DIDKIT_WALLET_KDF_MEMORY_KIB": "8192",
            "DIDKIT_WALLET_KDF_PARALLELISM": "1",
            "DIDKIT_WALLET_ALLOW_LOOPBACK_HTTP": "true",
        }
    )
    proc = subprocess.run(
        [sys.executable, "-c", "from wallet.cli import main; main()", *args, "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == code, (args, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout) if code == 0 else proc


def test_receive_from_the_issuer_service_and_present(tmp_path: Path) -> None:
    wallet_home = tmp_path / "holder"
    holder = _wallet(wallet_home, "init")["did"]
    with _issuer(tmp_path / "issuer") as (base, h), httpx.Client(base_url=base, timeout=30) as c:
        ed = c.post("/dids", json={"method": "key", "key_types": ["Ed25519"]}, headers=h)
        bbs = c.post("/dids", json={"method": "key", "key_types": ["Bls12381G2"]}, headers=h)
        assert ed.status_code == 201 and bbs.status_code == 201, (ed.text, bbs.text)
        for tpl in (
            {
                "name": "degree",
                "format": "bbs-2023",
                "did_id": bbs.json()["id"],
                "contexts": [EXAMPLES],
                "types": ["ExampleDegreeCredential"],
                "mandatory_pointers": ["/issuer"],
                "status_purposes": [],
            },
            {
                "name": "pid",
                "format": "dc+sd-jwt",
                "did_id": ed.json()["id"],
                "vct": VCT,
                "disclosable": [
                    f"/credentialSubject/{k}" for k in ("given_name", "family_name", "nationality")
                ],
                "status_purposes": [],
            },
        ):
            r = c.post("/templates", json=tpl, headers=h)
            assert r.status_code == 201, r.text
        degree = c.post(
            "/offers",
            json={
                "template": "degree",
                "claims": {"name": SECRET, "degree": {"type": "BachelorDegree"}},
                "tx_code": True,
            },
            headers=h,
        ).json()
        pid = c.post(
            "/offers",
            json={
                "template": "pid",
                "claims": {"given_name": "Ada", "family_name": SECRET, "nationality": "NL"},
            },
            headers=h,
        ).json()

        # A wrong transaction code is refused by the issuer; nothing is stored.
        r = _wallet(wallet_home, "receive", degree["deep_link"], "--yes", "--tx-code", "999999x", code=3)
        assert "invalid_grant" in r.stderr
        [got_degree] = _wallet(
            wallet_home, "receive", degree["deep_link"], "--yes", "--tx-code", degree["tx_code"]
        )
        [got_pid] = _wallet(wallet_home, "receive", pid["deep_link_by_value"], "--yes")

    assert got_degree["format"] == "bbs-2023" and got_pid["format"] == "dc+sd-jwt"
    listed = {r["id"]: r for r in _wallet(wallet_home, "list")}
    assert set(listed) == {got_degree["id"], got_pid["id"]}
    shown = {c["pointer"]: c["value"] for c in _wallet(wallet_home, "show", got_degree["id"])["claims"]}
    assert shown["/credentialSubject/id"] == holder and shown["/credentialSubject/name"] == SECRET

    degree_type = next(t for t in listed[got_degree["id"]]["types"] if t != "VerifiableCredential")
    degree_query = {
        "credentials": [
            {
                "id": "degree",
                "format": "ldp_vc",
                "meta": {"type_values": [["https://www.w3.org/ns/credentials/examples#" + degree_type]]},
                "claims": [{"path": ["credentialSubject", "degree", "type"]}],
            }
        ]
    }
    pid_query = {
        "credentials": [
            {
                "id": "pid",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [VCT]},
                "claims": [
                    {"path": ["credentialSubject", "given_name"]},
                    {"path": ["credentialSubject", "nationality"]},
                ],
            }
        ]
    }

    rp = VerifierApp()
    with serve(rp.app()) as rp_base:
        rp.base = rp_base
        out = _wallet(
            wallet_home,
            "present",
            rp.new_request(degree_query),
            "--yes",
            "--select",
            f"degree={got_degree['id']}",
        )
        assert rp.results[-1]["verdicts"][0]["verdict"] == "accepted", rp.results[-1]
        assert "/credentialSubject/degree/type" in out["sent"][0]["claims"]
        out = _wallet(
            wallet_home, "present", rp.new_request(pid_query), "--yes", "--select", f"pid={got_pid['id']}"
        )
        assert rp.results[-1]["verdicts"][0]["verdict"] == "accepted", rp.results[-1]
        sent = out["sent"][0]["claims"]
        assert "/credentialSubject/given_name" in sent and "/credentialSubject/family_name" not in sent
    assert all(SECRET not in json.dumps(r["vp_token"]) for r in rp.results)
    assert len(_wallet(wallet_home, "history")) == 2

    for f in (wallet_home / "wallet").iterdir():
        raw = f.read_bytes()
        assert SECRET.encode() not in raw and holder.encode() not in raw, f.name


def test_did_ethr_holder_receives_from_the_issuer_service(tmp_path: Path) -> None:
    """A did:ethr holder (anchored on the embedded dev chain) receives an SD-JWT VC from
    ``issuer serve``: the proof of possession's kid is the did:ethr DID URL, which the issuer
    must resolve on the chain; the credential is bound to the secp256k1 key and presents."""
    from didkit_py.registry.testing import start_devchain

    chain = start_devchain()
    try:
        relayer = "0x" + chain.dev_keys[1].hex()
        chain_env = {
            "DIDKIT_CHAIN_URL": chain.url,
            "DIDKIT_CHAIN_REGISTRY": chain.config.registry,
            "DIDKIT_CHAIN_ID": str(chain.config.chain_id),
        }
        issuer_env = {
            **chain_env,
            "DIDKIT_ISSUER_CHAIN_URL": chain.url,
            "DIDKIT_ISSUER_CHAIN_REGISTRY": chain.config.registry,
            "DIDKIT_ISSUER_CHAIN_ID": str(chain.config.chain_id),
            "DIDKIT_ISSUER_CHAIN_RELAYER_KEY": relayer,
        }
        home = tmp_path / "holder"
        _wallet(home, "init", extra_env=chain_env)
        holder = _wallet(home, "did", "new", "--method", "ethr", "--anchor", "--default", extra_env=chain_env)
        assert holder["did"].startswith("did:ethr:0x539:") and holder["transaction"] is not None
        with (
            _issuer(tmp_path / "issuer", issuer_env) as (base, h),
            httpx.Client(base_url=base, timeout=30) as c,
        ):
            ed = c.post("/dids", json={"method": "key", "key_types": ["Ed25519"]}, headers=h)
            assert ed.status_code == 201, ed.text
            r = c.post(
                "/templates",
                json={
                    "name": "pid",
                    "format": "dc+sd-jwt",
                    "did_id": ed.json()["id"],
                    "vct": VCT,
                    "disclosable": [f"/credentialSubject/{k}" for k in ("given_name", "family_name")],
                    "status_purposes": [],
                },
                headers=h,
            )
            assert r.status_code == 201, r.text
            offer = c.post(
                "/offers",
                json={"template": "pid", "claims": {"given_name": "Ada", "family_name": SECRET}},
                headers=h,
            ).json()
            [got] = _wallet(home, "receive", offer["deep_link"], "--yes", extra_env=chain_env)
        shown = {
            x["pointer"]: x["value"] for x in _wallet(home, "show", got["id"], extra_env=chain_env)["claims"]
        }
        assert shown["/cnf/jwk/crv"] == "secp256k1"
        assert shown.get("/credentialSubject/id", holder["did"]) == holder["did"]
        pid_query = {
            "credentials": [
                {
                    "id": "pid",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": [VCT]},
                    "claims": [{"path": ["credentialSubject", "given_name"]}],
                }
            ]
        }
        rp = VerifierApp()
        with serve(rp.app()) as rp_base:
            rp.base = rp_base
            out = _wallet(home, "present", rp.new_request(pid_query), "--yes", extra_env=chain_env)
        assert rp.results[-1]["verdicts"][0]["verdict"] == "accepted", rp.results[-1]
        assert out["sent"][0]["credential"] == got["id"]
        assert SECRET not in json.dumps(rp.results[-1]["vp_token"])
    finally:
        chain.stop()
