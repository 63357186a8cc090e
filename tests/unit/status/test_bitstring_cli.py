"""`didkit status create|allocate|set|credential|check` on files, with exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from didkit_py.cli.main import app

runner = CliRunner()
URL = "https://issuer.example/status/7"


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_create_allocate_set_check_cycle(tmp_path: Path) -> None:
    f = tmp_path / "list.json"
    code, _ = _run("status", "create", "--url", URL, "--purpose", "suspension", "--out", str(f))
    assert code == 0 and f.exists()
    assert (f.stat().st_mode & 0o777) == 0o600
    code, out = _run("status", "create", "--url", URL, "--out", str(f))
    assert code == 3  # refuses to overwrite
    code, out = _run("status", "allocate", str(f), "--json")
    entry = json.loads(out)
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "suspension"
    idx = entry["statusListIndex"]
    assert _run("status", "check", str(f), idx)[0] == 0
    assert _run("status", "set", str(f), idx)[0] == 0
    code, out = _run("status", "check", str(f), idx, "--json")
    assert code == 1 and json.loads(out)["label"] == "suspended"
    assert _run("status", "set", str(f), idx, "--clear")[0] == 0
    assert _run("status", "check", str(f), idx)[0] == 0  # suspension lifted
    assert _run("status", "check", str(f), "131072")[0] == 3  # out of range
    assert _run("status", "check", str(f), idx, "--purpose", "revocation")[0] == 1  # wrong purpose


def test_signed_list_credential_is_verified_by_check(tmp_path: Path) -> None:
    f, key, out = tmp_path / "list.json", tmp_path / "k.json", tmp_path / "sl.jwt"
    _run("status", "create", "--url", URL, "--out", str(f))
    idx = json.loads(_run("status", "allocate", str(f), "--json")[1])["statusListIndex"]
    _run("status", "set", str(f), idx)
    assert _run("key", "generate", "--type", "ed25519", "--out", str(key))[0] == 0
    did = json.loads(_run("key", "to-did", str(key), "--json")[1])["did"]
    assert _run("status", "credential", str(f), "--issuer", did, "--key", str(key), "--out", str(out))[0] == 0
    code, text = _run("status", "check", str(out), idx, "--json")
    assert code == 1 and json.loads(text)["label"] == "revoked"
    token = out.read_text().strip()
    head, payload, sig = token.split(".")
    tampered = tmp_path / "t.jwt"
    tampered.write_text(f"{head}.{payload}.{sig[:-4]}AAAA")
    assert _run("status", "check", str(tampered), idx)[0] == 1  # does not verify: check failed
    unsigned = tmp_path / "u.json"
    _run("status", "credential", str(f), "--issuer", did, "--out", str(unsigned))
    assert _run("status", "check", str(unsigned), idx)[0] != 0
    assert _run("status", "check", str(unsigned), idx, "--no-verify")[0] == 1


def test_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "something"}')
    assert _run("status", "set", str(bad), "1")[0] == 3
    assert _run("status", "set", str(tmp_path / "missing.json"), "1")[0] == 3
    bad.write_text("{not json")
    assert _run("status", "check", str(bad), "1")[0] == 3
    assert _run("status", "create", "--url", "not a url", "--out", str(tmp_path / "x.json"))[0] == 3
