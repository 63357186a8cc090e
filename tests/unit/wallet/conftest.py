"""Wallet test fixtures: a fast KDF, the passphrase in the environment, loopback HTTP allowed."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wworld import IssuerApp, Issuers, VerifierApp, serve

from wallet.cli import app

FAST_KDF = {
    "DIDKIT_WALLET_KDF_TIME_COST": "1",
    "DIDKIT_WALLET_KDF_MEMORY_KIB": "8192",
    "DIDKIT_WALLET_KDF_PARALLELISM": "1",
}


@pytest.fixture
def wallet_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        **FAST_KDF,
        "DIDKIT_WALLET_PASSPHRASE": "correct horse battery",
        "DIDKIT_WALLET_ALLOW_LOOPBACK_HTTP": "1",
        "COLUMNS": "200",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


class Cli:
    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0, env: dict[str, str] | None = None) -> Any:
        result = self.runner.invoke(app, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        return result

    def json(self, *args: str, env: dict[str, str] | None = None) -> Any:
        return json.loads(self(*args, "--json", env=env).stdout)


@pytest.fixture
def cli(wallet_env: dict[str, str]) -> Cli:
    return Cli()


@pytest.fixture
def initialised(cli: Cli) -> Cli:
    cli("init")
    return cli


@pytest.fixture
def issuers() -> Issuers:
    return Issuers()


@pytest.fixture
def rp() -> Iterator[VerifierApp]:
    v = VerifierApp()
    with serve(v.app()) as base:
        v.base = base
        yield v


@pytest.fixture
def issuer_app() -> Iterator[IssuerApp]:
    i = IssuerApp()
    with serve(i.app()) as base:
        i.base = base
        yield i


WriteFile = Callable[[str, Any], Path]


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    def _write(name: str, value: Any) -> Path:
        p = tmp_path / name
        p.write_text(value if isinstance(value, str) else json.dumps(value))
        return p

    return _write
