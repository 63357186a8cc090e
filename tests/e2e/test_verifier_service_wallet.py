"""Our verifier and our wallet, both as real processes on loopback: the relying party asks in plain
words, the wallet CLI checks the signed request, derives a bbs-2023 disclosure and posts it, and
the verifier accepts and the wallet records what it sent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _verifier_proc import verifier_process

from didkit_py.credentials import issue, signer_for_key
from didkit_py.keys import KeyType, generate_key

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def wallet(home: Path, *args: str) -> Any:
    env = dict(os.environ)
    env.update(
        {
            "DIDKIT_HOME": str(home),
            "DIDKIT_WALLET_PASSPHRASE": "correct horse battery staple",
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
    assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return json.loads(proc.stdout)


def test_our_wallet_answers_our_verifier(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    holder_did = wallet(tmp_path / "holder", "init")["did"]
    # The credential names the wallet's DID as its subject.
    issuer = signer_for_key(generate_key(KeyType.BLS12381G2))
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:7f1d3c8e-1111-4c2a-9d55-00000000beef",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer.did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": holder_did,
            "name": "Alice",
            "degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science"},
        },
    }
    secured = issue(doc, signer=issuer, now=now, format="bbs-2023", extra={"mandatory_pointers": ["/issuer"]})
    cred_file = tmp_path / "degree.json"
    cred_file.write_text(json.dumps(secured))
    stored = wallet(tmp_path / "holder", "import", str(cred_file))
    cred_id = stored["id"]
    rps = json.dumps([{"id": "uni", "name": "Example University admissions", "formats": ["ldp_vc"]}])
    with verifier_process(tmp_path / "verifier", DIDKIT_VERIFIER_RELYING_PARTIES=rps) as url:
        created = httpx.post(
            f"{url}/oid4vp/requests", json={"purpose": "Has the applicant graduated from university?"}
        ).json()
        assert created["request"]["template"] == "degree"
        sent = wallet(
            tmp_path / "holder",
            "present",
            created["authorization_request"],
            "--yes",
            "--select",
            f"degree_ldp={cred_id}",
        )
        assert sent["verifier"] == created["client_id"]
        res = httpx.get(created["status_uri"]).json()
        assert res["verdict"] == "accepted", res["error"]
        pointers = {d["pointer"] for d in res["disclosed_claims"]}
        assert "/credentialSubject/degree/type" in pointers and "/credentialSubject/name" not in pointers
        history = wallet(tmp_path / "holder", "history")
        assert history and history[0]["client_id"] == created["client_id"]
