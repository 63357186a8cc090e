"""Passphrase key derivation (argon2id, RFC 9106) and authenticated encryption (AES-256-GCM).

The wallet never writes a claim value or key byte in clear: every record is sealed with a random
data key (DEK), and the DEK is sealed with a key derived from the passphrase (KEK). Each sealed
blob is ``nonce (12 B) || ciphertext || tag``; the associated data binds it to where it lives
(record id and kind), so blobs cannot be swapped between records unnoticed.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from didkit_py.errors import InvalidInput, VerificationError

__all__ = ["KdfParams", "derive_key", "open_sealed", "seal"]

KEY_BYTES = 32
NONCE_BYTES = 12
SALT_BYTES = 16
#: Bounds on parameters read from a file, so a crafted store or backup cannot make us allocate
#: gigabytes or spin for minutes before the passphrase is even checked.
MAX_MEMORY_KIB = 1024 * 1024
MAX_TIME_COST = 16
MAX_PARALLELISM = 16


@dataclass(frozen=True, slots=True)
class KdfParams:
    """argon2id parameters and salt, stored next to what they protect."""

    salt: bytes
    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    @classmethod
    def new(
        cls, *, time_cost: int, memory_kib: int, parallelism: int, rng: Callable[[int], bytes] = os.urandom
    ) -> KdfParams:
        return cls(rng(SALT_BYTES), time_cost, memory_kib, parallelism)

    def to_json(self) -> dict[str, Any]:
        return {
            "alg": "argon2id",
            "v": 19,
            "salt": base64.urlsafe_b64encode(self.salt).decode().rstrip("="),
            "t": self.time_cost,
            "m": self.memory_kib,
            "p": self.parallelism,
        }

    @classmethod
    def from_json(cls, data: Any) -> KdfParams:
        if not isinstance(data, dict) or data.get("alg") != "argon2id" or data.get("v") != 19:
            raise InvalidInput("unknown key derivation parameters", code="wallet.kdf")
        try:
            salt_s = data["salt"]
            salt = base64.urlsafe_b64decode(salt_s + "=" * (-len(salt_s) % 4))
            t, m, p = data["t"], data["m"], data["p"]
        except (KeyError, TypeError, ValueError):
            raise InvalidInput("malformed key derivation parameters", code="wallet.kdf") from None
        for v in (t, m, p):
            if isinstance(v, bool) or not isinstance(v, int):
                raise InvalidInput("malformed key derivation parameters", code="wallet.kdf")
        if not (8 <= len(salt) <= 64 and 1 <= t <= MAX_TIME_COST and 1 <= p <= MAX_PARALLELISM):
            raise InvalidInput("key derivation parameters out of range", code="wallet.kdf")
        if not 8 * p <= m <= MAX_MEMORY_KIB:
            raise InvalidInput("key derivation parameters out of range", code="wallet.kdf")
        return cls(salt, t, m, p)


def derive_key(passphrase: str, params: KdfParams) -> bytes:
    """RFC 9106 argon2id: the 32-byte key-encryption key for ``passphrase``."""
    if not isinstance(passphrase, str) or not passphrase:
        raise InvalidInput("the passphrase must not be empty", code="wallet.passphrase_empty")
    return hash_secret_raw(
        passphrase.encode("utf-8"),
        params.salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def seal(key: bytes, plaintext: bytes, aad: bytes, *, rng: Callable[[int], bytes] = os.urandom) -> bytes:
    """AES-256-GCM with a fresh random 96-bit nonce (NIST SP 800-38D §8.2.2)."""
    nonce = rng(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, blob: bytes, aad: bytes, *, what: str = "record") -> bytes:
    """Decrypt and authenticate; a wrong key or any changed byte is a :class:`VerificationError`."""
    if not isinstance(blob, bytes) or len(blob) < NONCE_BYTES + 16:
        raise VerificationError(f"{what} is truncated", code="wallet.corrupt")
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag:
        raise VerificationError(f"{what} failed authentication", code="wallet.corrupt") from None
