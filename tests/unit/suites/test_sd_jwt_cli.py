"""``didkit vc issue --format sd-jwt --disclosable …`` → ``vc derive --reveal …`` → ``vc verify``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from didkit_py.cli.main import app
from didkit_py.credentials import signer_for_key
from didkit_py.keys import KeyType, generate_key, save_key_file

runner = CliRunner()


def test_issue_derive_verify(tmp_path: Path) -> None:
    issuer, holder = generate_key(KeyType.P256), generate_key(KeyType.P256)
    save_key_file(tmp_path / "issuer.json", issuer)
    save_key_file(tmp_path / "holder.json", holder)
    cred = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "IdentityCredential"],
        "credentialSubject": {"id": signer_for_key(holder).did, "name": "Erika", "birthdate": "1963-08-12"},
    }
    (tmp_path / "cred.json").write_text(json.dumps(cred))
    sd, pres = tmp_path / "sd.txt", tmp_path / "pres.txt"
    r = runner.invoke(
        app,
        [
            "vc", "issue", str(tmp_path / "cred.json"), "--key", str(tmp_path / "issuer.json"),
            "--format", "sd-jwt", "--disclosable", "/credentialSubject/birthdate",
            "--disclosable", "/credentialSubject/name", "-o", str(sd),
        ],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app,
        [
            "vc", "derive", str(sd), "--reveal", "/credentialSubject/birthdate",
            "--holder-key", str(tmp_path / "holder.json"), "--challenge", "n-1", "--domain", "https://v.example",
            "-o", str(pres),
        ],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app, ["vc", "verify", str(pres), "--challenge", "n-1", "--domain", "https://v.example", "--json"]
    )
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["verified"] and report["format"] == "dc+sd-jwt"
    r = runner.invoke(app, ["vc", "verify", str(pres), "--challenge", "n-2", "--domain", "https://v.example"])
    assert r.exit_code == 1
    r = runner.invoke(
        app,
        [
            "vc",
            "issue",
            str(tmp_path / "cred.json"),
            "--key",
            str(tmp_path / "issuer.json"),
            "--disclosable",
            "/x",
        ],
    )
    assert r.exit_code == 3
