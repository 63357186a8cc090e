"""The key types we handle and the key pair value they travel in."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["KeyPair", "KeyType"]


class KeyType(StrEnum):
    """Key types by the names the Multikey and JWK specs use for their curves."""

    ED25519 = "Ed25519"
    X25519 = "X25519"
    P256 = "P-256"
    SECP256K1 = "secp256k1"
    BLS12381G2 = "Bls12381G2"


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A public key and, when we hold it, the secret key.

    Public bytes: Ed25519/X25519 raw 32 bytes; P-256/secp256k1 SEC1 compressed 33 bytes;
    BLS12-381 G2 96 bytes compressed. Secret bytes: the Ed25519 32-byte seed (X25519: the
    32-byte private scalar as RFC 7748 stores it); P-256/secp256k1/BLS a 32-byte big-endian
    scalar. The secret is kept out of ``repr`` so that it never lands in a log line.
    """

    key_type: KeyType
    public_key: bytes
    secret_key: bytes | None = field(default=None, repr=False)
