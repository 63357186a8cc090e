"""A short memo of decoded verification methods in front of the caller's resolver.

Verifying the same issuer's credentials over and over (the common case for a relying party)
asks the resolver for the same verification method each time; the resolver's own cache keeps
the *document*, but every call still copies it and re-decodes (and re-validates) the key. This
memo keeps the decoded, frozen :class:`~didkit_py.did.VerificationMethod` for at most the
resolver's own TTL, so a warm verification skips both. Documents (``resolve``) still go through
the resolver unchanged; failures are never cached.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from didkit_py.did import ResolutionResult, Resolver, VerificationMethod

__all__ = ["KeyCachingResolver"]


class KeyCachingResolver(Resolver):
    """Delegates everything to ``inner``; memoizes :meth:`resolve_verification_method`."""

    def __init__(
        self, inner: Resolver, *, ttl: float, size: int = 1024, clock: Callable[[], float] = time.monotonic
    ) -> None:
        # Deliberately not calling Resolver.__init__: all state lives in ``inner``.
        self.inner = inner
        self._vm_ttl = ttl
        self._vm_size = size
        self._vm_clock = clock
        self._vms: OrderedDict[tuple[str, str | None], tuple[float, VerificationMethod]] = OrderedDict()

    @property
    def methods(self) -> tuple[str, ...]:
        return self.inner.methods

    def clear_cache(self) -> None:
        self._vms.clear()
        self.inner.clear_cache()

    async def resolve(
        self,
        did: str,
        *,
        version_id: str | None = None,
        version_time: str | None = None,
        accept: str | None = None,
    ) -> ResolutionResult:
        return await self.inner.resolve(did, version_id=version_id, version_time=version_time, accept=accept)

    def resolve_sync(self, did: str, **options: Any) -> ResolutionResult:
        return self.inner.resolve_sync(did, **options)

    async def dereference(self, did_url: str) -> dict[str, Any]:
        return await self.inner.dereference(did_url)

    async def resolve_verification_method(
        self, did_url: str, *, purpose: str | None = None
    ) -> VerificationMethod:
        key = (did_url, purpose)
        now = self._vm_clock()
        hit = self._vms.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        vm = await self.inner.resolve_verification_method(did_url, purpose=purpose)
        if self._vm_ttl > 0:
            self._vms[key] = (now + self._vm_ttl, vm)
            self._vms.move_to_end(key)
            while len(self._vms) > self._vm_size:
                self._vms.popitem(last=False)
        return vm

    def resolve_verification_method_sync(
        self, did_url: str, *, purpose: str | None = None
    ) -> VerificationMethod:
        return self.inner.resolve_verification_method_sync(did_url, purpose=purpose)
