"""``didkit key generate`` and ``didkit key to-did`` through Typer's CliRunner."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from didkit_py.cli.main import app
from didkit_py.did import default_resolver
from didkit_py.keys import KeyType, load_key_file, multikey_encode

runner = CliRunner()


@pytest.mark.parametrize(
    ("choice", "kt"),
    [
        ("ed25519", KeyType.ED25519),
        ("p256", KeyType.P256),
        ("secp256k1", KeyType.SECP256K1),
        ("bls12381g2", KeyType.BLS12381G2),
    ],
)
def test_generate_to_file_and_to_did(tmp_path: Path, choice: str, kt: KeyType) -> None:
    path = tmp_path / "k.json"
    res = runner.invoke(app, ["key", "generate", "--type", choice, "--out", str(path), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    kp = load_key_file(path)
    assert kp.key_type is kt and kp.secret_key is not None
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert summary["publicKeyMultibase"] == multikey_encode(kt, kp.public_key)
    assert summary["did"] == "did:key:" + summary["publicKeyMultibase"]
    assert "secretKeyMultibase" not in res.stdout

    res = runner.invoke(app, ["key", "to-did", str(path)])
    assert res.exit_code == 0
    assert res.stdout.strip() == summary["did"]

    res = runner.invoke(app, ["key", "to-did", str(path), "--method", "jwk", "--json"])
    assert res.exit_code == 0
    out = json.loads(res.stdout)
    assert out["did"].startswith("did:jwk:") and out["verificationMethod"] == out["did"] + "#0"
    vm = default_resolver().resolve_verification_method_sync(out["verificationMethod"])
    assert vm.public_key == kp.public_key


def test_generate_to_stdout_warns_about_secret() -> None:
    res = runner.invoke(app, ["key", "generate"])
    assert res.exit_code == 0
    obj = json.loads(res.stdout)
    assert obj["type"] == "Multikey" and obj["keyType"] == "Ed25519" and "secretKeyMultibase" in obj
    assert "secret" in res.stderr


def test_generate_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    assert runner.invoke(app, ["key", "generate", "--out", str(path)]).exit_code == 0
    before = path.read_text()
    res = runner.invoke(app, ["key", "generate", "--out", str(path)])
    assert res.exit_code == 3 and "keyfile.exists" in res.stderr
    assert path.read_text() == before
    assert runner.invoke(app, ["key", "generate", "--out", str(path), "--force"]).exit_code == 0
    assert path.read_text() != before


def test_bad_inputs_exit_codes(tmp_path: Path) -> None:
    assert runner.invoke(app, ["key", "generate", "--type", "rsa"]).exit_code == 2
    res = runner.invoke(app, ["key", "to-did", str(tmp_path / "missing.json")])
    assert res.exit_code == 3 and "keyfile.not_found" in res.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "Multikey", "keyType": "Ed25519", "publicKeyMultibase": "zBAD0"}')
    res = runner.invoke(app, ["key", "to-did", str(bad), "--json"])
    assert res.exit_code == 3 and "Traceback" not in res.output
