"""`didkit vc verify --policy …` and `didkit vp verify --policy …` print the verifier report."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from didkit_py.cli.main import app
from didkit_py.credentials import issue, present, signer_for_key
from didkit_py.keys import KeyType, generate_key

runner = CliRunner()


def _setup(tmp_path: Path) -> tuple[Path, Path, str]:
    now = datetime.now(UTC)
    issuer = signer_for_key(generate_key(KeyType.ED25519))
    holder = signer_for_key(generate_key(KeyType.ED25519))
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer.did,
        "validFrom": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {"id": holder.did, "name": "Alice"},
    }
    vc = issue(doc, signer=issuer, now=now)
    vp = present([vc], signer=holder, now=now, challenge="c-1", domain="https://rp.example")
    (tmp_path / "vc.jwt").write_text(str(vc))
    (tmp_path / "vp.jwt").write_text(str(vp))
    return tmp_path / "vc.jwt", tmp_path / "vp.jwt", issuer.did


def test_vc_verify_with_policies(tmp_path: Path) -> None:
    vc, _, issuer = _setup(tmp_path)
    r = runner.invoke(app, ["vc", "verify", str(vc), "--policy", "defaults", "--json"])
    assert r.exit_code == 0, r.stdout
    report = json.loads(r.stdout)
    assert report["verdict"] == "accepted" and report["report_version"] == "1"
    r = runner.invoke(
        app, ["vc", "verify", str(vc), "--policy", "issuer_trust.trusted_issuers=did:key:zOther", "--json"]
    )
    assert r.exit_code == 1
    assert any(c["code"] == "issuer_trust.untrusted" for c in json.loads(r.stdout)["checks"])
    r = runner.invoke(app, ["vc", "verify", str(vc), "-p", f"issuer_trust.trusted_issuers={issuer}"])
    assert r.exit_code == 0 and "ACCEPTED" in r.stdout and "issuer_trust" in r.stdout
    r = runner.invoke(app, ["vc", "verify", str(vc), "--policy", "bogus=on"])
    assert r.exit_code == 3


def test_vp_verify_with_policies(tmp_path: Path) -> None:
    _, vp, _ = _setup(tmp_path)
    r = runner.invoke(
        app, ["vp", "verify", str(vp), "-c", "c-1", "-d", "https://rp.example", "-p", "defaults", "--json"]
    )
    assert r.exit_code == 0, r.stdout
    report = json.loads(r.stdout)
    assert report["kind"] == "presentation" and report["holder"]
    r = runner.invoke(
        app, ["vp", "verify", str(vp), "-c", "wrong", "-d", "https://rp.example", "-p", "defaults"]
    )
    assert r.exit_code == 1 and "REJECTED" in r.stdout
    r = runner.invoke(app, ["vp", "verify", str(vp), "-p", "challenge_domain=off", "--json"])
    assert r.exit_code == 0
