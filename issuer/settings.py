"""Issuer settings: environment variables with the ``DIDKIT_ISSUER_`` prefix (pydantic-settings).

Build once at start-up and pass to :func:`issuer.app.create_app`; tests pass
``IssuerSettings(...)`` directly. Secrets are :class:`~pydantic.SecretStr` so they never show
in ``repr`` or logs.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from didkit_py.errors import InvalidInput
from didkit_py.paths import data_dir

__all__ = ["IssuerSettings"]


class IssuerSettings(BaseSettings):
    """Everything the issuer service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="DIDKIT_ISSUER_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8700
    workers: int = 1
    #: SQLAlchemy URL; default ``sqlite:///$DIDKIT_HOME/issuer.db``. PostgreSQL:
    #: ``postgresql+psycopg://user@host/db``.
    database_url: str | None = None
    #: Key-encryption key for issuer private keys: 32 bytes, base64url. When unset, a random
    #: key is created once in ``$DIDKIT_HOME/issuer.kek`` (mode 0600) — fine for one machine;
    #: production deployments set it from their secret store.
    kek: SecretStr | None = None
    #: Base URL the service is reached at (ids of status lists, did:web, OpenID4VCI issuer).
    public_url: str | None = None
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    api_key_cache_seconds: float = Field(default=30.0, ge=0)
    #: argon2id cost for API key hashes (defaults: OWASP's m=19 MiB, t=2, p=1).
    api_key_argon2_time_cost: int = Field(default=2, ge=1)
    api_key_argon2_memory_kib: int = Field(default=19_456, ge=1024)
    #: How long a worker keeps decrypted issuer keys and the current status list in memory; a key
    #: rotation through another worker takes effect here within this time.
    key_cache_seconds: float = Field(default=5.0, ge=0)
    offer_ttl_seconds: int = Field(default=900, ge=1)
    access_token_ttl_seconds: int = Field(default=300, ge=1)
    nonce_ttl_seconds: int = Field(default=300, ge=1)
    status_list_length: int = Field(default=131_072, ge=8)
    status_cache_seconds: int = Field(default=60, ge=0)
    #: How often each worker chains the audit events written since (IssuerService.seal_audit);
    #: 0 turns the background sealer off (events are then sealed by verify/anchor/listing).
    audit_seal_seconds: float = Field(default=1.0, ge=0)
    max_batch_size: int = Field(default=10, ge=1, le=100)
    #: OpenID4VCI deferred issuance: the ``interval`` (seconds) wallets wait between polls, and
    #: how long a pending transaction (and its access token, at the deferred and notification
    #: endpoints) stays valid.
    deferred_interval_seconds: int = Field(default=60, ge=1)
    deferred_ttl_seconds: int = Field(default=7 * 86400, ge=60)
    auto_migrate: bool = True
    #: The registry chain for did:ethr (JSON-RPC URL); did:ethr is off when unset.
    chain_url: str | None = None
    chain_registry: str = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    chain_id: int = Field(default=1337, gt=0)
    #: secp256k1 secret (hex) of the account that pays gas for the issuer's registry
    #: meta-transactions; the DIDs' controller keys sign, this account relays.
    chain_relayer_key: SecretStr | None = None
    #: The tenant whose did:web is the host's own: provisioning a did:web for it yields
    #: ``did:web:<host>`` (served at ``/.well-known/did.json``) instead of ``did:web:<host>:<tenant>``.
    host_tenant: str | None = None
    log_level: str = "INFO"
    log_json: bool = True

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{data_dir() / 'issuer.db'}"

    def chain(self) -> tuple[Any, Any] | None:
        """``(ChainConfig, relayer KeyPair)`` when did:ethr is configured, else ``None``."""
        if not self.chain_url:
            return None
        from didkit_py.keys import KeyType, key_pair_from_secret
        from didkit_py.registry.client import ChainConfig

        if self.chain_relayer_key is None:
            raise InvalidInput("did:ethr needs DIDKIT_ISSUER_CHAIN_RELAYER_KEY", code="settings.chain")
        raw = self.chain_relayer_key.get_secret_value().strip().removeprefix("0x")
        try:
            secret = bytes.fromhex(raw)
        except ValueError:
            raise InvalidInput("chain relayer key must be hex", code="settings.chain") from None
        config = ChainConfig(url=self.chain_url, registry=self.chain_registry, chain_id=self.chain_id)
        return config, key_pair_from_secret(KeyType.SECP256K1, secret)

    def kek_bytes(self) -> bytes:
        """The 32-byte KEK: from settings, or the per-data-dir key file (created on first use)."""
        if self.kek is not None:
            raw = self.kek.get_secret_value().strip()
            try:
                key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
            except ValueError:
                raise InvalidInput("KEK must be base64url", code="settings.kek") from None
            if len(key) != 32:
                raise InvalidInput("KEK must be 32 bytes", code="settings.kek")
            return key
        path = data_dir() / "issuer.kek"
        if not path.exists():
            _write_secret_file(path, base64.urlsafe_b64encode(secrets.token_bytes(32)))
        raw = path.read_bytes().strip().decode("ascii")
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        if len(key) != 32:
            raise InvalidInput("KEK file must hold 32 bytes, base64url", code="settings.kek")
        return key


def _write_secret_file(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # atomic, and never overwrites a key another process just wrote
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
