"""``didkit vc issue --format bbs-2023 --mandatory``, ``vc derive --reveal``, ``vc/vp verify`` for DI."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from didkit_py.cli.main import app

CRED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "type": ["VerifiableCredential"],
    "validFrom": "2025-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:h", "name": "Pat", "degree": "BSc", "age": 33},
}


def test_di_cli_flow(tmp_path: Path) -> None:
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, [str(a) for a in args])
        return result.exit_code, result.stdout

    cred = tmp_path / "cred.json"
    cred.write_text(json.dumps(CRED))
    bls, ed = tmp_path / "bls.json", tmp_path / "ed.json"
    assert run("key", "generate", "-t", "bls12381g2", "-o", bls)[0] == 0
    assert run("key", "generate", "-t", "ed25519", "-o", ed)[0] == 0
    base, derived, vp = tmp_path / "base.json", tmp_path / "derived.json", tmp_path / "vp.json"
    code, _ = run("vc", "issue", cred, "-k", bls, "-f", "bbs-2023", "--mandatory", "/issuer", "-o", base)
    assert code == 0
    assert json.loads(base.read_text())["proof"]["cryptosuite"] == "bbs-2023"
    assert run("vc", "verify", base)[0] == 1  # a base proof is not for verifiers
    assert run("vc", "derive", base, "--reveal", "/credentialSubject/degree", "-o", derived)[0] == 0
    assert json.loads(derived.read_text())["credentialSubject"] == {"id": "did:example:h", "degree": "BSc"}
    code, out = run("vc", "verify", derived, "--json")
    assert code == 0 and json.loads(out)["verified"] is True
    code, _ = run(
        "vp", "issue", "-k", ed, "-c", "n1", "-d", "v.example", "-f", "eddsa-rdfc-2022", derived, "-o", vp
    )
    assert code == 0
    assert run("vp", "verify", "-c", "n1", "-d", "v.example", vp)[0] == 0
    assert run("vp", "verify", "-c", "n2", "-d", "v.example", vp)[0] == 1
    # --mandatory is a bbs-2023 option: input error (3) for other suites.
    assert run("vc", "issue", cred, "-k", ed, "-f", "eddsa-rdfc-2022", "--mandatory", "/issuer")[0] == 3
