"""Chain settings from the environment: ``DIDKIT_CHAIN_URL``, ``DIDKIT_CHAIN_REGISTRY``, ``DIDKIT_CHAIN_ID``.

Defaults point at ``didkit chain serve`` on 127.0.0.1:8545. Point them at anvil, geth/Besu or an
L2 to use another network; nothing else changes.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .client import DEV_REGISTRY_ADDRESS, ChainConfig
from .devchain import DEFAULT_CHAIN_ID, DEFAULT_PORT

__all__ = ["ChainSettings"]


class ChainSettings(BaseSettings):
    """Where the registry chain is (one node URL, one registry, one chain id)."""

    model_config = SettingsConfigDict(env_prefix="DIDKIT_CHAIN_", extra="ignore")

    url: str = f"http://127.0.0.1:{DEFAULT_PORT}"
    registry: str = DEV_REGISTRY_ADDRESS
    id: int = Field(default=DEFAULT_CHAIN_ID, gt=0)
    #: Optional network name usable in DIDs besides the hex chain id (``did:ethr:<name>:0x…``).
    name: str | None = None
    timeout: float = Field(default=10.0, gt=0)

    def to_config(self) -> ChainConfig:
        return ChainConfig(
            url=self.url, registry=self.registry, chain_id=self.id, name=self.name, timeout=self.timeout
        )
