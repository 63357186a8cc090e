"""Secrets at rest: issuer private keys under the KEK (AES-256-GCM) and API keys (argon2id).

API keys look like ``dki_<key id>_<secret>``. Only an argon2id hash of the whole token is
stored; the token is shown once, when it is created. Verifying argon2id costs tens of
milliseconds by design, so a successful verification is remembered in-process for a short time
under an HMAC of the token (the cache key is useless without the process's random salt), and
revocation/expiry are re-read from the database on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from didkit_py.errors import InvalidInput, StorageError

__all__ = ["KEY_PREFIX", "ApiKeyHasher", "KeyWrapper", "new_api_key", "parse_api_key", "sha256_hex"]

KEY_PREFIX = "dki"


def sha256_hex(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


class KeyWrapper:
    """AES-256-GCM with the KEK; the associated data binds a ciphertext to its key row."""

    __slots__ = ("_aead",)

    def __init__(self, kek: bytes) -> None:
        if len(kek) != 32:
            raise InvalidInput("KEK must be 32 bytes", code="settings.kek")
        self._aead = AESGCM(kek)

    def __repr__(self) -> str:
        return "KeyWrapper(<redacted>)"

    def wrap(self, secret: bytes, *, aad: str) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, secret, aad.encode())

    def unwrap(self, blob: bytes, *, aad: str) -> bytes:
        try:
            return self._aead.decrypt(blob[:12], blob[12:], aad.encode())
        except (InvalidTag, ValueError):
            raise StorageError(
                "cannot decrypt an issuer key (wrong KEK or altered row)", code="kek.decrypt"
            ) from None


def new_api_key() -> tuple[str, str]:
    """A fresh ``(key id, token)``; the token is shown to the operator once."""
    key_id = secrets.token_hex(8)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


def parse_api_key(token: str) -> str | None:
    """The key id in a well-formed token, else ``None`` (the caller answers 401 either way)."""
    parts = token.split("_", 2)
    if len(parts) != 3 or not parts[2] or parts[0] != KEY_PREFIX or len(parts[1]) != 16 or len(token) > 120:
        return None
    if any(c not in "0123456789abcdef" for c in parts[1]):
        return None
    return parts[1]


@dataclass(frozen=True, slots=True)
class _Cached:
    key_id: str
    until: float


class ApiKeyHasher:
    """argon2id hashing (RFC 9106 / OWASP parameters) with a short verification cache."""

    def __init__(self, *, cache_seconds: float = 30.0, time_cost: int = 2, memory_cost: int = 19_456) -> None:
        self._ph = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)
        self._salt = os.urandom(32)
        self._cache: dict[bytes, _Cached] = {}
        self._lock = threading.Lock()
        self._ttl = cache_seconds
        #: A hash of a random token with the same parameters: an unknown key id is verified
        #: against it so it costs what a known id with a wrong secret costs (no timing oracle).
        self._dummy_hash = self._ph.hash(secrets.token_urlsafe(32))

    def hash(self, token: str) -> str:
        return self._ph.hash(token)

    def verify_unknown(self, token: str, key_id: str) -> bool:
        """Spend a full verification on a token whose key id does not exist; always ``False``."""
        self.verify(self._dummy_hash, token, key_id)
        return False

    def verify(self, stored_hash: str, token: str, key_id: str) -> bool:
        tag = hmac.new(self._salt, token.encode(), hashlib.sha256).digest()
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(tag)
        if hit is not None and hit.until > now and hmac.compare_digest(hit.key_id, key_id):
            return True
        try:
            self._ph.verify(stored_hash, token)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        if self._ttl > 0:
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[tag] = _Cached(key_id, now + self._ttl)
        return True
