"""The passphrase from the OS keyring: an in-memory backend stands in for the platform's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Cli

keyring = pytest.importorskip("keyring")
from keyring.backend import KeyringBackend  # noqa: E402
from keyring.backends import fail  # noqa: E402
from keyring.errors import PasswordDeleteError  # noqa: E402

from wallet import keychain  # noqa: E402

PASS = "correct horse battery"


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("locked")


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    kr = MemoryKeyring()
    keyring.set_keyring(kr)
    try:
        yield kr
    finally:
        keyring.set_keyring(before)


@pytest.fixture
def no_backend() -> Iterator[None]:
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(before)


def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIDKIT_WALLET_PASSPHRASE")


def test_init_keyring_then_commands_need_no_passphrase(
    cli: Cli, memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = cli.json("init", "--keyring")
    assert out["keyring"] is True
    [(service, user)] = memory.entries
    assert service == keychain.SERVICE and user == str(Path(out["path"]).resolve())
    assert memory.entries[(service, user)] == PASS
    _no_env(monkeypatch)
    assert cli.json("did", "list")[0]["did"] == out["did"]  # unlocked from the keyring
    # `passwd` keeps the keyring in step: the old passphrase is never left there.
    monkeypatch.setenv("DIDKIT_WALLET_NEW_PASSPHRASE", "a brand new passphrase")
    assert cli.json("passwd") == {"changed": True, "keyring": True}
    assert memory.entries[(service, user)] == "a brand new passphrase"
    assert cli.json("did", "list")[0]["did"] == out["did"]
    # The environment wins over the keyring.
    r = cli("list", env={"DIDKIT_WALLET_PASSPHRASE": "wrong passphrase"}, code=1)
    assert "wrong passphrase" in r.stderr and "keyring" not in r.stderr
    # Lookups can be switched off; then (no TTY) the passphrase is missing.
    r = cli("list", env={"DIDKIT_WALLET_KEYRING": "0"}, code=3)
    assert "passphrase_missing" in r.stderr
    assert cli.json("keyring", "forget") == {"path": out["path"], "removed": True}
    assert memory.entries == {}
    assert cli.json("keyring", "forget")["removed"] is False
    r = cli("list", code=3)
    assert "passphrase_missing" in r.stderr


def test_stale_keyring_entry_is_named_and_replaced(
    cli: Cli, memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = Path(cli.json("init", "--keyring")["path"])
    key = (keychain.SERVICE, str(path.resolve()))
    memory.entries[key] = "not the passphrase"
    before = path.read_bytes()
    _no_env(monkeypatch)
    r = cli("list", code=1)
    assert "keyring" in r.stderr and "wallet keyring store" in r.stderr and "Traceback" not in r.stderr
    assert "not the passphrase" not in r.stdout + r.stderr  # never repeated
    assert path.read_bytes() == before
    # `keyring store` checks the passphrase it is given before saving it.
    r = cli("keyring", "store", env={"DIDKIT_WALLET_PASSPHRASE": "still wrong"}, code=1)
    assert memory.entries[key] == "not the passphrase"
    cli("keyring", "store", env={"DIDKIT_WALLET_PASSPHRASE": PASS})
    assert memory.entries[key] == PASS
    assert cli.json("list") == []


def test_no_backend_degrades_cleanly(cli: Cli, no_backend: None, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not keychain.available()
    assert keychain.get_passphrase(Path("/nowhere")) is None
    r = cli("init", "--keyring", code=3)
    assert "wallet.keyring_unavailable" in r.stderr and "no OS keyring" in r.stderr
    assert "Traceback" not in r.stderr
    cli("list", code=1)  # nothing was created
    cli("init")  # without --keyring all is as before
    r = cli("keyring", "store", code=3)
    assert "keyring_unavailable" in r.stderr
    assert cli.json("keyring", "forget")["removed"] is False
    _no_env(monkeypatch)
    r = cli("list", code=3)
    assert "passphrase_missing" in r.stderr


def test_missing_package_is_explained(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_keyring(name: str, *args: object, **kwargs: object) -> object:
        if name == "keyring" or name.startswith("keyring."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_keyring)
    r = cli("init", "--keyring", code=3)
    assert "didkit-py[keyring]" in r.stderr
    assert keychain.get_passphrase(Path("/nowhere")) is None


def test_locked_keyring_falls_back_and_refusals_are_reported(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(LockedKeyring())
    try:
        r = cli("init", "--keyring", code=3)
        assert "wallet.keyring" in r.stderr and "wallet keyring store" in r.stderr
        assert cli.json("list") == []  # the wallet exists and opens with the passphrase
        _no_env(monkeypatch)
        r = cli("list", code=3)  # an unreadable keyring means: prompt (no TTY here)
        assert "passphrase_missing" in r.stderr
    finally:
        keyring.set_keyring(before)
