"""Chapter 4 · The whole story on real processes: chain, issuer, wallet, verifier, over loopback.

The demo starts ``didkit chain serve``, ``issuer serve`` and ``verifier serve`` as separate
processes on free 127.0.0.1 ports (each with its own data directory under a temporary one), and
drives the ``wallet`` CLI as the holder would:

1. the issuer's operator creates a tenant and an admin API key (``issuer admin``), provisions a
   did:ethr issuer whose BLS12-381 (bbs-2023) and Ed25519 (status lists) keys are anchored on the
   chain by relayed meta-transactions, and a ``bbs-2023`` degree template with revocation status;
2. the issuer makes an OpenID4VCI offer; ``wallet receive`` takes it (pre-authorized code, proof
   of possession) and verifies the credential before storing it;
3. a relying party that trusts only that issuer asks in plain words; the verifier turns the
   purpose into a reviewed DCQL request, signs it and shows an ``openid4vp://`` link;
   ``wallet match`` says which credential and which claims answer it, the holder confirms,
   ``wallet present`` derives a bbs-2023 disclosure and posts it; the verifier accepts;
4. the issuer revokes the credential; the holder answers a new request; the verifier refuses
   (``status.revoked``).

Every process is stopped when the chapter ends, whatever happens. Nothing leaves loopback.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from ..errors import DidkitError, NetworkError
from ..registry.devchain import DEFAULT_CHAIN_ID, DEV_MNEMONIC, DevChain
from ._core import Chapter, DemoContext, Narrator, expect

__all__ = ["CHAPTER"]

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
PURPOSE = "Has the applicant graduated from university?"
HOLDER_NAME = "Alice Example"
#: Slow machines: how long one process may take to start or one CLI command to finish.
START_TIMEOUT = 90.0
STEP_TIMEOUT = 120.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Processes:
    """The services the chapter starts; :meth:`stop_all` ends each one by its process group."""

    def __init__(self) -> None:
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], log: Path
    ) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            proc = subprocess.Popen(  # noqa: S603 - our own interpreter and modules
                [sys.executable, *argv],
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._procs.append((name, proc))
        return proc

    def stop_all(self) -> list[str]:
        stopped = []
        for _name, proc in reversed(self._procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for name, proc in reversed(self._procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            stopped.append(name)
        self._procs.clear()
        return stopped


async def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with httpx.AsyncClient(timeout=2.0) as http:
        while True:
            if proc.poll() is not None:
                tail = log.read_text(errors="replace")[-1500:]
                raise NetworkError(f"{what} exited while starting: {tail}", code="demo.service")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(url)).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise NetworkError(f"{what} did not become ready", code="demo.service")
            await asyncio.sleep(0.1)


async def _wait_chain(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    async with httpx.AsyncClient(timeout=2.0) as http:
        while True:
            if proc.poll() is not None:
                raise NetworkError(
                    f"didkit chain serve exited: {log.read_text()[-1500:]}", code="demo.service"
                )
            with contextlib.suppress(httpx.HTTPError):
                if (await http.post(url, json=body)).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise NetworkError("didkit chain serve did not become ready", code="demo.service")
            await asyncio.sleep(0.1)


async def _cli(argv: Sequence[str], env: Mapping[str, str], *, code: int = 0) -> str:
    """Run one CLI command to completion; its stdout (``--json``) is the answer."""
    returncode, stdout, stderr = await _cli_any(argv, env)
    if returncode != code:
        raise NetworkError(f"{' '.join(argv[:4])} exited {returncode}: {stderr[-1500:]}", code="demo.service")
    return stdout


async def _cli_any(argv: Sequence[str], env: Mapping[str, str]) -> tuple[int, str, str]:
    """Run one CLI command to completion: its exit code, stdout and stderr."""

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own interpreter and modules
            [sys.executable, *argv],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )

    done = await asyncio.to_thread(run)
    return done.returncode, done.stdout, done.stderr


def _ok(r: httpx.Response, what: str) -> Any:
    if r.status_code >= 300:
        raise NetworkError(f"{what}: HTTP {r.status_code} {r.text[:500]}", code="demo.service")
    return r.json()


async def run(ctx: DemoContext, narrator: Narrator) -> None:
    parent = ctx.data_dir
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    procs = _Processes()
    with tempfile.TemporaryDirectory(prefix="demo-services-", dir=parent) as tmp:
        root = Path(tmp)
        for d in ("chain", "issuer", "verifier", "wallet"):
            (root / d).mkdir()
        try:
            await _story(ctx, narrator, root, procs)
        finally:
            stopped = procs.stop_all()  # synchronous: runs even when the task is cancelled (Ctrl-C)
        narrator.say(
            f"All {len(stopped)} processes are stopped ({', '.join(reversed(stopped))}); the chapter took "
            f"{time.monotonic() - started:.1f} s."
        )


async def _story(ctx: DemoContext, narrator: Narrator, root: Path, procs: _Processes) -> None:
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("DIDKIT_")}
    chain_port, issuer_port = _free_port(), _free_port()
    chain_url = f"http://127.0.0.1:{chain_port}"
    issuer_url = f"http://127.0.0.1:{issuer_port}"
    # The dev chain's first funded account relays meta-transactions (a public dev key).
    relayer_key = DevChain._derive_keys(DEV_MNEMONIC, 1)[0].hex()
    chain_env = {
        "DIDKIT_CHAIN_URL": chain_url,
        "DIDKIT_CHAIN_ID": str(DEFAULT_CHAIN_ID),
    }
    issuer_env = {
        **base_env,
        "DIDKIT_HOME": str(root / "issuer"),
        "DIDKIT_ISSUER_KEK": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("="),
        "DIDKIT_ISSUER_PORT": str(issuer_port),
        "DIDKIT_ISSUER_CHAIN_URL": chain_url,
        "DIDKIT_ISSUER_CHAIN_ID": str(DEFAULT_CHAIN_ID),
        "DIDKIT_ISSUER_CHAIN_RELAYER_KEY": relayer_key,
        "DIDKIT_ISSUER_LOG_LEVEL": "WARNING",
    }
    wallet_env = {
        **base_env,
        **chain_env,  # the wallet resolves the issuer's did:ethr on the chain
        "DIDKIT_HOME": str(root / "wallet"),
        # A demo wallet: a throwaway passphrase and a cheap KDF (real stores use the defaults).
        "DIDKIT_WALLET_PASSPHRASE": secrets.token_urlsafe(12),
        "DIDKIT_WALLET_KDF_TIME_COST": "1",
        "DIDKIT_WALLET_KDF_MEMORY_KIB": "8192",
        "DIDKIT_WALLET_KDF_PARALLELISM": "1",
        "DIDKIT_WALLET_ALLOW_LOOPBACK_HTTP": "true",
    }
    wallet = ["-c", "from wallet.cli import main; main()"]

    # 1. Start the chain and the issuer; set up the issuer's tenant and the wallet meanwhile.
    narrator.say("Starting the services as separate processes on loopback (each its own data directory):")
    chain_log = root / "chain.log"
    chain_proc = procs.start(
        "didkit chain serve",
        ["-m", "didkit_py.cli.main", "chain", "serve", "--port", str(chain_port), "--json"],
        {**base_env, "DIDKIT_HOME": str(root / "chain")},
        chain_log,
    )

    async def issuer_ready() -> str:
        await _cli(["-m", "issuer.cli", "admin", "tenant-create", "university"], issuer_env)
        out = await _cli(
            ["-m", "issuer.cli", "admin", "key-create", "university", "--scope", "admin", "--json"],
            issuer_env,
        )
        token = str(json.loads(out)["token"])
        log = root / "issuer.log"
        proc = procs.start(
            "issuer serve", ["-m", "issuer.cli", "serve", "--port", str(issuer_port)], issuer_env, log
        )
        await _wait_http(f"{issuer_url}/ready", proc, log, "issuer serve")
        return token

    token, _, holder_out = await asyncio.gather(
        issuer_ready(),
        _wait_chain(chain_url, chain_proc, chain_log),
        _cli([*wallet, "init", "--json"], wallet_env),
    )
    holder = json.loads(holder_out)["did"]
    narrator.show(
        "processes",
        {"didkit chain serve": chain_url, "issuer serve": issuer_url, "wallet": "CLI, encrypted store"},
    )
    narrator.say("Alice's wallet is initialised with a holder DID:")
    narrator.show("holder", holder)
    auth = {"Authorization": f"Bearer {token}"}

    async with httpx.AsyncClient(base_url=issuer_url, timeout=STEP_TIMEOUT, headers=auth) as issuer:
        # 2. A did:ethr issuer with keys anchored on the chain, and a bbs-2023 template.
        # Asked for a BLS key, the service also anchors an Ed25519 one to sign the DID's status lists.
        did = _ok(
            await issuer.post("/dids", json={"method": "ethr", "key_types": ["Bls12381G2"]}),
            "create the issuer DID",
        )
        narrator.say(
            "The university's tenant provisions a did:ethr issuer: the service anchors a BLS12-381 key "
            "(bbs-2023) and an Ed25519 key (status lists) on the chain through a relayer."
        )
        narrator.show("issuer DID", did)

        # The relying party trusts exactly this issuer; the verifier starts while the offer runs.
        rps = [
            {
                "id": "employer",
                "name": "Example Employer",
                "trusted_issuers": [did["did"]],
                "formats": ["ldp_vc"],
                "policies": ["status.required=on"],
            }
        ]
        verifier_env = {
            **base_env,
            **chain_env,
            "DIDKIT_HOME": str(root / "verifier"),
            "DIDKIT_VERIFIER_CHAIN": "true",
            "DIDKIT_VERIFIER_ALLOW_LOOPBACK_HTTP": "true",
            "DIDKIT_VERIFIER_DID_CACHE_SECONDS": "0",
            "DIDKIT_VERIFIER_STATUS_CACHE_MAX_SECONDS": "0",
            "DIDKIT_VERIFIER_RELYING_PARTIES": json.dumps(rps),
        }
        verifier_port = _free_port()
        verifier_url = f"http://127.0.0.1:{verifier_port}"
        verifier_log = root / "verifier.log"
        verifier_proc = procs.start(
            "verifier serve",
            ["-m", "verifier.service.cli", "serve", "--port", str(verifier_port), "--log-level", "warning"],
            verifier_env,
            verifier_log,
        )
        verifier_up = asyncio.create_task(
            _wait_http(f"{verifier_url}/health", verifier_proc, verifier_log, "verifier serve")
        )
        try:
            template = {
                "name": "degree",
                "format": "bbs-2023",
                "did_id": did["id"],
                "contexts": [EXAMPLES],
                "types": ["ExampleDegreeCredential"],
                "mandatory_pointers": ["/issuer", "/credentialStatus"],
                "status_purposes": ["revocation"],
            }
            _ok(await issuer.post("/templates", json=template), "create the template")
            narrator.show("template", template)

            # 3. OpenID4VCI: an offer, received by the wallet.
            offer = _ok(
                await issuer.post(
                    "/offers",
                    json={
                        "template": "degree",
                        "claims": {
                            "name": HOLDER_NAME,
                            "degree": {
                                "type": "ExampleBachelorDegree",
                                "name": "Bachelor of Science and Arts",
                            },
                        },
                    },
                ),
                "create the offer",
            )
            narrator.say("The university offers Alice her degree over OpenID4VCI (pre-authorized code):")
            narrator.show("offer", offer["deep_link"])
            [received] = json.loads(
                await _cli([*wallet, "receive", offer["deep_link"], "--yes", "--json"], wallet_env)
            )
            narrator.say(
                "Alice's wallet fetches the offer and the issuer's metadata, proves possession of her key, "
                "receives the credential, verifies it (signature via did:ethr on the chain, status) "
                "and stores it."
            )
            narrator.show("received", received)
            audit = _ok(await issuer.get("/audit", params={"limit": 20}), "read the audit log")
            issued = [
                e["credential"] for e in audit if e.get("credential") and "issue" in str(e.get("action"))
            ]
            expect(bool(issued), "the issuer's audit log shows no issued credential")
            await verifier_up
        finally:
            if not verifier_up.done():
                verifier_up.cancel()

        async with httpx.AsyncClient(base_url=verifier_url, timeout=STEP_TIMEOUT) as verifier:

            async def ask_and_answer(
                label: str, *, expect_accepted: bool, show_match: bool
            ) -> dict[str, Any]:
                created = _ok(
                    await verifier.post(
                        "/oid4vp/requests", json={"purpose": PURPOSE, "relying_party": "employer"}
                    ),
                    "create the request",
                )
                link = created["authorization_request"]
                if show_match:
                    narrator.say(f"An employer's verifier ({verifier_url}) asks, in plain words:")
                    narrator.show("purpose", PURPOSE, full=True)
                    narrator.say(
                        "It turns the purpose into a reviewed DCQL request, signs it, and shows a link/QR:"
                    )
                    narrator.show("request", created["request"])
                    narrator.show("openid4vp link", link)
                suggestions = json.loads(await _cli([*wallet, "match", link, "--json"], wallet_env))
                recs = (
                    suggestions.get("recommendations", suggestions)
                    if isinstance(suggestions, dict)
                    else suggestions
                )
                expect(bool(recs), "the wallet's matcher found nothing for the request")
                top = recs[0]
                expect(top["credential"] == received["id"], "the matcher did not pick the degree")
                if show_match:
                    narrator.say(
                        "Alice's wallet checks the signed request; its matcher picks the credential and "
                        "the fewest claims that answer it (nothing is sent yet):"
                    )
                    narrator.show("suggestion", top)
                    narrator.say(
                        "Alice confirms; the wallet derives a bbs-2023 disclosure of just those claims "
                        "and posts it."
                    )
                query = str(top["answers"])
                returncode, out, _err = await _cli_any(
                    [*wallet, "present", link, "--yes", "--select", f"{query}={top['credential']}", "--json"],
                    wallet_env,
                )
                sent: Any = None
                with contextlib.suppress(json.JSONDecodeError):
                    sent = json.loads(out or "{}")
                result = _ok(await verifier.get(created["status_uri"]), "read the result")
                if show_match and isinstance(sent, dict):
                    narrator.show("sent", sent.get("sent", sent))
                reports = [p["report"] for p in result.get("presentations", [])]
                report = dict(reports[0]) if reports else {"verdict": result.get("verdict"), "checks": []}
                report["verdict"] = result.get("verdict")
                report["disclosed_claims"] = result.get("disclosed_claims", [])
                report["risk_signals"] = result.get("risk_signals", [])
                narrator.report(label, report, expect_accepted=expect_accepted)
                # The wallet agrees: exit 0 when the verifier accepted, 1 when it refused.
                expect(
                    returncode == (0 if expect_accepted else 1),
                    f"wallet present exited {returncode}; the verifier's verdict is {result.get('verdict')}",
                )
                return dict(result)

            result = await ask_and_answer(
                "the employer's verifier checks Alice's answer", expect_accepted=True, show_match=True
            )
            disclosed = {d["pointer"]: d["value"] for d in result.get("disclosed_claims", [])}
            expect("/credentialSubject/degree/type" in disclosed, "the degree type was not disclosed")
            expect(
                all(HOLDER_NAME not in json.dumps(v) for v in disclosed.values()),
                "Alice's name was disclosed though the request did not ask for it",
            )
            narrator.say(
                "The verifier saw the degree type (and what the issuer made mandatory), not Alice's name."
            )

            # 4. Revocation.
            _ok(
                await issuer.post(
                    "/credentials/status",
                    json={
                        "credentialId": issued[0],
                        "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}],
                    },
                ),
                "revoke the credential",
            )
            narrator.say("The university revokes the degree (a bit flips in its signed status list).")
            narrator.say("The employer asks again; Alice's wallet answers the new request the same way:")
            result = await ask_and_answer(
                "the employer's verifier checks the revoked credential",
                expect_accepted=False,
                show_match=False,
            )
            expect(
                (result.get("error") or {}).get("code") == "status.revoked",
                f"the refusal is {(result.get('error') or {}).get('code')!r}, not status.revoked",
            )


async def _run_guarded(ctx: DemoContext, narrator: Narrator) -> None:
    try:
        await run(ctx, narrator)
    except DidkitError:
        raise
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        # A service answered something the story cannot read: say what, never a traceback.
        raise NetworkError(f"demo services: {type(exc).__name__}: {exc}", code="demo.service") from exc


CHAPTER = Chapter(
    slug="services",
    title="Chain, issuer, wallet and verifier as processes: OpenID4VCI, OpenID4VP, revocation",
    run=_run_guarded,
)
