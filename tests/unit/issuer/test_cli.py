"""The ``issuer`` CLI: admin commands and ``audit verify`` against a SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from issuer.cli import app

from .conftest import new_kek


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIDKIT_ISSUER_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("DIDKIT_ISSUER_KEK", new_kek())


def test_admin_flow_and_audit_verify(env: None, tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["admin", "tenant-create", "acme", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["slug"] == "acme"
    r = runner.invoke(app, ["admin", "tenant-create", "acme"])
    assert r.exit_code == 3  # exists
    r = runner.invoke(app, ["admin", "key-create", "acme", "--scope", "issue", "--json"])
    assert r.exit_code == 0, r.output
    key = json.loads(r.stdout)
    assert key["token"].startswith("dki_")
    r = runner.invoke(app, ["admin", "keys", "acme", "--json"])
    listed = json.loads(r.stdout)
    assert [k["id"] for k in listed] == [key["id"]]
    assert key["token"] not in r.stdout  # shown once, never listed
    r = runner.invoke(app, ["admin", "key-create", "acme", "--scope", "root"])
    assert r.exit_code == 3
    r = runner.invoke(app, ["admin", "did-create", "acme", "--method", "key", "--key-type", "Ed25519"])
    assert r.exit_code == 0 and r.stdout.startswith("did:key:z6Mk")
    r = runner.invoke(app, ["admin", "key-revoke", key["id"]])
    assert r.exit_code == 0
    r = runner.invoke(app, ["admin", "key-revoke", "nope"])
    assert r.exit_code == 1  # not found
    r = runner.invoke(app, ["audit", "verify", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["verified"] and out["tenants"][0]["events"] == 4

    import sqlite3

    con = sqlite3.connect(tmp_path / "cli.db")
    con.execute("UPDATE audit_events SET action = 'x' WHERE seq = 2")
    con.commit()
    con.close()
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 1
