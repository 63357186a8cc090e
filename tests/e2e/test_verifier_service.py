"""``verifier serve`` as a real process: an OpenID4VP round trip with a holder built from our
library over loopback HTTP, the single-use rule, and bad input answered without a 500."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "verifier_service"))

from _verifier_proc import verifier_process
from svc_holder import (
    bbs_vp_token,
    degree_credential,
    holder,
    resolve,
    sd_jwt_vp_token,
)

from didkit_py.credentials import issue, signer_for_key
from didkit_py.keys import KeyType, generate_key

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_openid4vp_round_trip_over_loopback(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with verifier_process(tmp_path) as url, httpx.Client(base_url=url, timeout=30) as http:
        # 1. The relying party asks, in plain words.
        r = http.post("/oid4vp/requests", json={"purpose": "Did the applicant graduate from university?"})
        assert r.status_code == 201, r.text
        created = r.json()
        assert created["authorization_request"].startswith("openid4vp://?client_id=decentralized_identifier")
        assert http.get(created["qr_uri"]).headers["content-type"].startswith("image/svg+xml")
        # 2. The holder fetches and checks the signed request, derives a bbs-2023 disclosure.
        req = resolve(created["authorization_request"], now=now)
        h = holder()
        base, _ = degree_credential(h, now=now)
        token = bbs_vp_token(base, h, req, "degree_ldp", ["/credentialSubject/degree/type"], now=now)
        r = http.post(req["response_uri"], data={"vp_token": json.dumps(token), "state": req["state"]})
        assert r.status_code == 200, r.text
        res = http.get(created["status_uri"]).json()
        assert res["verdict"] == "accepted" and res["status"] == "completed"
        assert {d["pointer"] for d in res["disclosed_claims"]} == {
            "/credentialSubject/id",
            "/credentialSubject/degree/type",
        }
        # 3. Replay: refused, the first result stands.
        r = http.post(req["response_uri"], data={"vp_token": json.dumps(token), "state": req["state"]})
        assert r.status_code == 409
        # 4. SD-JWT VC with key binding, issuer and holder keys of our own.
        created = http.post("/oid4vp/requests", json={"template": "degree"}).json()
        req = resolve(created["authorization_request"], now=now)
        issuer = signer_for_key(generate_key(KeyType.ED25519))
        hk = signer_for_key(generate_key(KeyType.P256))
        doc = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential", "ExampleDegreeCredential"],
            "issuer": issuer.did,
            "validFrom": (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "credentialSubject": {"id": hk.did, "name": "Alice", "degree": {"type": "BSc"}},
        }
        sd = issue(
            doc,
            signer=issuer,
            now=now - timedelta(days=1),
            format="dc+sd-jwt",
            extra={"disclosable": ["/credentialSubject/name", "/credentialSubject/degree/type"]},
        )
        assert isinstance(sd, str)
        vp = sd_jwt_vp_token(sd, hk, req, "degree_sd_jwt", ["/credentialSubject/degree/type"], now=now)
        r = http.post(req["response_uri"], data={"vp_token": json.dumps(vp), "state": req["state"]})
        assert r.status_code == 200, r.text
        assert http.get(created["status_uri"]).json()["verdict"] == "accepted"
        # 5. Bad input over the wire: never a 500.
        for raw in (b"{", b"\x00" * 10, b'{"verifiableCredential": 1}'):
            r = http.post("/credentials/verify", content=raw, headers={"content-type": "application/json"})
            assert r.status_code == 400, r.text
        r = http.post(
            "/credentials/verify", content=b"x" * 1_100_000, headers={"content-type": "application/json"}
        )
        assert r.status_code == 413


def test_verifier_request_command_waits_for_the_wallet(tmp_path: Path) -> None:
    import os
    import subprocess

    now = datetime.now(UTC)
    with verifier_process(tmp_path) as url:
        cmd = [sys.executable, "-c", "from verifier.service.cli import main; main()", "request"]
        env = {**os.environ, "DIDKIT_HOME": str(tmp_path), "COLUMNS": "80"}
        proc = subprocess.Popen(
            [
                *cmd,
                "--url",
                url,
                "--purpose",
                "Did the applicant graduate from university?",
                "--timeout",
                "60",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        link = proc.stdout.readline().strip()
        assert link.startswith("openid4vp://"), (link, proc.stderr.read() if proc.stderr else "")
        req = resolve(link, now=now)
        h = holder()
        base, _ = degree_credential(h, now=now)
        token = bbs_vp_token(base, h, req, "degree_ldp", ["/credentialSubject/degree/type"], now=now)
        httpx.post(req["response_uri"], data={"vp_token": json.dumps(token), "state": req["state"]})
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert "verdict: accepted" in out and "/credentialSubject/degree/type" in out
        # Rejected → exit code 1 (a presentation without the asked claim).
        proc = subprocess.Popen(
            [*cmd, "--url", url, "--template", "degree", "--timeout", "60"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        req = resolve(proc.stdout.readline().strip(), now=now)
        token = bbs_vp_token(base, h, req, "degree_ldp", ["/credentialSubject/name"], now=now)
        httpx.post(req["response_uri"], data={"vp_token": json.dumps(token), "state": req["state"]})
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 1 and "disclosure.unsatisfied" in out + err
