"""did:ethr on the chain that the ``DIDKIT_CHAIN_*`` settings name, built on first use.

CLIs and apps add this to their resolver so that did:ethr DIDs resolve wherever DIDs do,
while commands that never meet one do not pay web3's import time (over a second).
"""

from __future__ import annotations

from ..did.types import DidMethod, ResolutionResult

__all__ = ["ConfiguredEthrMethod"]


class ConfiguredEthrMethod:
    """A :class:`~didkit_py.did.types.DidMethod` for ``ethr`` that reads the chain settings lazily."""

    name = "ethr"

    def __init__(self) -> None:
        self._method: DidMethod | None = None

    async def resolve(
        self, did: str, *, version_id: str | None = None, version_time: str | None = None
    ) -> ResolutionResult:
        if self._method is None:
            from ..did.ethr import EthrMethod
            from .settings import ChainSettings

            self._method = EthrMethod([ChainSettings().to_config().network()])
        return await self._method.resolve(did, version_id=version_id, version_time=version_time)
