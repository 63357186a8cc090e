"""Wallet settings: environment variables with the ``DIDKIT_WALLET_`` prefix (plus ``DIDKIT_HOME``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from didkit_py.paths import data_dir

__all__ = ["WalletSettings"]


class WalletSettings(BaseSettings):
    """Built once by the CLI and passed in; tests construct it directly."""

    model_config = SettingsConfigDict(env_prefix="DIDKIT_WALLET_", extra="ignore")

    #: The store file; default ``<data dir>/wallet/wallet.db``.
    path: Path | None = None
    #: Passphrase for scripts and tests (the CLI prompts when unset).
    passphrase: SecretStr | None = None
    #: Read the passphrase from the OS keyring when it holds one for this wallet (``wallet init
    #: --keyring``); ``DIDKIT_WALLET_KEYRING=0`` turns the lookup off.
    keyring: bool = True
    #: New passphrase for ``wallet passwd`` (the CLI prompts when unset).
    new_passphrase: SecretStr | None = None
    #: argon2id cost for new stores and re-encryption (RFC 9106 §4, second recommended option).
    kdf_time_cost: int = Field(default=3, ge=1, le=16)
    kdf_memory_kib: int = Field(default=65536, ge=8192, le=1048576)
    kdf_parallelism: int = Field(default=4, ge=1, le=16)
    #: Allow http:// to 127.0.0.1 (tests and local demos); https is required otherwise.
    allow_loopback_http: bool = False
    #: Network timeout in seconds for issuer/verifier requests.
    timeout: float = Field(default=20.0, gt=0, le=300)

    def store_path(self) -> Path:
        if self.path is not None:
            return self.path.expanduser()
        return data_dir() / "wallet" / "wallet.db"
