"""Single-use nonces for presentation challenges: a replayed presentation is rejected.

A :class:`NonceStore` remembers challenges the verifier handed out (:meth:`issue`) and those it
has seen used (:meth:`consume`). The in-memory default suits one process; a service with several
workers injects a shared store (SQL, Redis) implementing the same two atomic operations.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from didkit_py._encoding import b64url_encode

__all__ = ["InMemoryNonceStore", "NonceStore"]


@runtime_checkable
class NonceStore(Protocol):
    async def issue(self, ttl: float) -> str:
        """A fresh unguessable nonce, valid for ``ttl`` seconds and usable once."""
        ...

    async def consume(self, nonce: str, *, ttl: float, require_issued: bool) -> bool:
        """Atomically mark ``nonce`` used. True exactly once; False when replayed, expired or
        (with ``require_issued``) never issued. ``ttl`` bounds how long a used nonce is remembered."""
        ...


class InMemoryNonceStore:
    """Process-local nonce store with expiry; bounded so a flood of nonces cannot exhaust memory."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[int], bytes] = os.urandom,
        max_entries: int = 1_000_000,
    ) -> None:
        self._clock = clock
        self._rng = rng
        self._max = max_entries
        self._issued: dict[str, float] = {}
        self._used: dict[str, float] = {}
        self._lock = asyncio.Lock()

    def _sweep(self, now: float) -> None:
        for table in (self._issued, self._used):
            if len(table) > self._max // 2:
                for k in [k for k, exp in table.items() if exp <= now]:
                    del table[k]

    async def issue(self, ttl: float) -> str:
        nonce = b64url_encode(self._rng(24))
        async with self._lock:
            now = self._clock()
            self._sweep(now)
            if len(self._issued) >= self._max:
                raise RuntimeError("nonce store is full")
            self._issued[nonce] = now + ttl
        return nonce

    async def consume(self, nonce: str, *, ttl: float, require_issued: bool) -> bool:
        async with self._lock:
            now = self._clock()
            self._sweep(now)
            used_until = self._used.get(nonce)
            if used_until is not None and used_until > now:
                return False
            issued_until = self._issued.pop(nonce, None)
            if require_issued and (issued_until is None or issued_until <= now):
                return False
            if len(self._used) >= self._max:
                return False  # refuse rather than forget: forgetting would allow a replay
            self._used[nonce] = now + max(ttl, (issued_until or now) - now)
            return True
