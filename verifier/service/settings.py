"""Verifier service settings: environment variables with the ``DIDKIT_VERIFIER_`` prefix.

Build once at start-up and pass to :func:`verifier.service.app.create_app`; tests construct
``VerifierSettings(...)`` directly. Relying parties come from ``DIDKIT_VERIFIER_RELYING_PARTIES``
(a JSON array) or ``DIDKIT_VERIFIER_RELYING_PARTIES_FILE`` (a JSON file holding that array);
without either there is one relying party, ``default``, that trusts no issuer list (the
``issuer_trust`` check is then skipped) and accepts every format we verify.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from didkit_py.errors import InvalidInput
from didkit_py.paths import data_dir

__all__ = ["DCQL_FORMATS", "RelyingPartyConfig", "VerifierSettings"]

#: Credential formats (OpenID4VP 1.0 Appendix B identifiers) this service verifies.
FormatId = Literal["ldp_vc", "dc+sd-jwt", "jwt_vc_json"]
_ALL_FORMATS: tuple[FormatId, ...] = ("ldp_vc", "dc+sd-jwt", "jwt_vc_json")
DCQL_FORMATS: tuple[str, ...] = _ALL_FORMATS


class RelyingPartyConfig(BaseModel):
    """One relying party served by this verifier: who it is, whom it trusts, what it accepts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    name: str = Field(default="Verifier", min_length=1, max_length=200)
    #: OpenID4VP 1.0 §5.9 Client Identifier Prefix. ``decentralized_identifier``: the request is
    #: signed by this relying party's did:key (kept in the data directory); ``redirect_uri``:
    #: unsigned, identified by its response URI.
    client_id_prefix: Literal["decentralized_identifier", "redirect_uri"] = "decentralized_identifier"
    #: Issuer DIDs accepted (``issuer_trust`` policy). Empty: no allow-list.
    trusted_issuers: list[str] = Field(default_factory=list)
    #: Ethereum addresses whose did:ethr identities are trusted issuers.
    trusted_owners: list[str] = Field(default_factory=list)
    #: Formats accepted (OpenID4VP identifiers: ``ldp_vc``, ``dc+sd-jwt``, ``jwt_vc_json``).
    formats: list[FormatId] = Field(default_factory=lambda: list(_ALL_FORMATS), min_length=1)
    #: Policy options (``name=on|off``, ``name.setting=value``) on top of the service's own,
    #: e.g. ``["status.required=on", "holder_binding.allow_bearer=off"]``.
    policies: list[str] = Field(default_factory=list)
    #: Request templates this relying party offers (ids); ``None``: all reviewed templates.
    templates: list[str] | None = None


class VerifierSettings(BaseSettings):
    """Everything the verifier service reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="DIDKIT_VERIFIER_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8800, ge=0, le=65535)
    #: Base URL wallets reach this service at (``response_uri``, ``request_uri``).
    public_url: str | None = None
    #: SQLAlchemy URL; default ``sqlite:///$DIDKIT_HOME/verifier/verifier.db``.
    database_url: str | None = None
    #: Where relying-party keys live; default ``$DIDKIT_HOME/verifier``.
    key_dir: Path | None = None
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    #: How long a wallet has to answer a request.
    transaction_ttl_seconds: int = Field(default=600, ge=5, le=86_400)
    #: Policy options for every relying party (see :meth:`verifier.Policies.with_options`).
    policies: list[str] = Field(default_factory=list)
    relying_parties: list[RelyingPartyConfig] = Field(default_factory=list)
    relying_parties_file: Path | None = None
    #: Extra reviewed request templates (a JSON file in the format of ``request_templates.json``).
    templates_file: Path | None = None
    #: Accept http:// on 127.0.0.1 for status lists, schemas and did:web (tests, local demos).
    allow_loopback_http: bool = False
    #: Resolve did:ethr on the registry chain named by ``DIDKIT_CHAIN_*`` and add ledger risk signals.
    chain: bool = False
    #: Risk: the same credential presented more than ``rate_threshold`` times within
    #: ``rate_window_seconds`` is flagged.
    rate_window_seconds: int = Field(default=600, ge=1)
    rate_threshold: int = Field(default=5, ge=1)
    #: Require challenges given to ``POST /presentations/verify`` to come from ``POST /challenges``.
    require_issued_challenges: bool = False
    #: Request timeout for everything the verifier fetches (status lists, schemas, DIDs).
    fetch_timeout: float = Field(default=5.0, gt=0, le=60)
    #: When set, the relying party's side (creating requests, reading results, VC-API verify)
    #: needs ``Authorization: Bearer <api_key>`` and the web page is off; the wallet's side
    #: (request objects, the response endpoint) stays open, as OpenID4VP requires.
    api_key: SecretStr | None = None
    #: Transactions and the history behind risk signals are deleted after this many days.
    retention_days: int = Field(default=30, ge=1, le=3650)
    #: How long resolved DID documents are reused (seconds); registry changes (new owner, key
    #: revoked, DID deactivated) are seen after at most this long. 0 resolves every time.
    did_cache_seconds: float = Field(default=60.0, ge=0, le=86_400)
    #: Keep a fetched status list at most this long (seconds), whatever its ``Cache-Control``
    #: says; 0 fetches it for every presentation. Unset: the issuer's caching, 30 s to 1 day.
    status_cache_max_seconds: float | None = Field(default=None, ge=0, le=86_400)

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_key_dir() / 'verifier.db'}"

    def resolved_key_dir(self) -> Path:
        return (self.key_dir or data_dir() / "verifier").expanduser()

    def relying_party_configs(self) -> list[RelyingPartyConfig]:
        """The configured relying parties (inline, then from the file), or the ``default`` one."""
        out = list(self.relying_parties)
        if self.relying_parties_file is not None:
            try:
                raw = json.loads(self.relying_parties_file.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InvalidInput(
                    f"cannot read the relying parties file: {exc.__class__.__name__}",
                    code="settings.relying_parties",
                ) from None
            if not isinstance(raw, list):
                raise InvalidInput(
                    "the relying parties file must hold a JSON array", code="settings.relying_parties"
                )
            try:
                out += [RelyingPartyConfig.model_validate(item) for item in raw]
            except ValidationError as exc:
                raise InvalidInput(
                    f"invalid relying party: {exc.errors()[0]['msg']}", code="settings.relying_parties"
                ) from None
        if not out:
            out = [RelyingPartyConfig(id="default", name="didkit-py verifier")]
        ids = [rp.id for rp in out]
        if len(set(ids)) != len(ids):
            raise InvalidInput("relying party ids must be unique", code="settings.relying_parties")
        return out
