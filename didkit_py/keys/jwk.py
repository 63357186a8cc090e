"""JWK ⇄ :class:`KeyPair` (RFC 7517, RFC 7518 §6.2 EC, RFC 8037 OKP).

BLS12-381 G2 public keys travel as ``{"kty": "OKP", "crv": "BLS12381G2", "x": b64url(96-byte
compressed point)}``, the Digital Bazaar / Transmute convention; on input the older
``"kty": "EC", "crv": "BLS12381_G2"`` spelling is accepted too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._encoding import b64url_decode, b64url_encode
from ..errors import InvalidInput, UnsupportedError
from ._curves import (
    check_public_key,
    check_secret_key,
    ec_public_from_xy,
    ec_public_xy,
    public_matches_secret,
)
from ._types import KeyPair, KeyType

__all__ = ["key_pair_from_jwk", "key_type_from_jwk", "private_jwk", "public_jwk"]

_CRV: dict[KeyType, tuple[str, str]] = {
    KeyType.ED25519: ("OKP", "Ed25519"),
    KeyType.X25519: ("OKP", "X25519"),
    KeyType.P256: ("EC", "P-256"),
    KeyType.SECP256K1: ("EC", "secp256k1"),
    KeyType.BLS12381G2: ("OKP", "BLS12381G2"),
}
_FROM_CRV: dict[tuple[str, str], KeyType] = {v: k for k, v in _CRV.items()}
_FROM_CRV |= {("EC", "BLS12381_G2"): KeyType.BLS12381G2, ("OKP", "Bls12381G2"): KeyType.BLS12381G2}
_ALG_FOR = {KeyType.ED25519: {"EdDSA", "Ed25519"}, KeyType.P256: {"ES256"}, KeyType.SECP256K1: {"ES256K"}}
_SIGNATURE_ALGS = frozenset(
    {"EdDSA", "Ed25519", "Ed448", "ES256", "ES256K", "ES384", "ES512"}
    | {f"{p}{n}" for p in ("RS", "PS", "HS") for n in (256, 384, 512)}
    | {"none"}
)
_UNSUPPORTED_CRV = {"P-384", "P-521", "Ed448", "X448", "BLS12381_G1", "BLS12381G1"}


def public_jwk(kp: KeyPair) -> dict[str, str]:
    """The public JWK of a key pair (members in RFC 7638 thumbprint order)."""
    key_type = KeyType(kp.key_type)
    check_public_key(key_type, kp.public_key)
    kty, crv = _CRV[key_type]
    if kty == "EC":
        x, y = ec_public_xy(key_type, kp.public_key)
        return {"crv": crv, "kty": kty, "x": b64url_encode(x), "y": b64url_encode(y)}
    return {"crv": crv, "kty": kty, "x": b64url_encode(kp.public_key)}


def private_jwk(kp: KeyPair) -> dict[str, str]:
    """The private JWK (public members plus ``d``). Handle as a secret."""
    if kp.secret_key is None:
        raise InvalidInput("this key pair has no secret key", code="key.no_secret")
    check_secret_key(kp.key_type, kp.secret_key)
    return {**public_jwk(kp), "d": b64url_encode(kp.secret_key)}


def _member(jwk: Mapping[str, Any], name: str, at: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise InvalidInput(
            f"JWK member {name!r} must be a base64url string", code="jwk.member", at=f"{at}/{name}"
        )
    return b64url_decode(value, at=f"{at}/{name}")


def key_type_from_jwk(jwk: Mapping[str, Any], *, at: str = "") -> KeyType:
    """The key type a JWK names, or :class:`InvalidInput` / :class:`UnsupportedError`."""
    if not isinstance(jwk, Mapping):
        raise InvalidInput("JWK must be a JSON object", code="jwk.type", at=at or None)
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if not isinstance(kty, str):
        raise InvalidInput("JWK has no 'kty'", code="jwk.kty", at=f"{at}/kty")
    if kty == "RSA" or (isinstance(crv, str) and crv in _UNSUPPORTED_CRV):
        raise UnsupportedError(
            f"JWK key type {kty}/{crv} is not supported", code="jwk.unsupported", at=at or None
        )
    if not isinstance(crv, str) or (kty, crv) not in _FROM_CRV:
        raise InvalidInput(f"unknown JWK kty/crv {kty!r}/{crv!r}", code="jwk.crv", at=f"{at}/crv")
    return _FROM_CRV[(kty, crv)]


def key_pair_from_jwk(jwk: Mapping[str, Any], *, at: str = "") -> KeyPair:
    """Import a public or private JWK, checking lengths, curve membership and the alg."""
    key_type = key_type_from_jwk(jwk, at=at)
    # A signature alg must be the one for this key; other algs (ECDH-ES for key agreement,
    # BBS for BLS keys) say how the key is used, not what it is, and are left to the caller.
    alg = jwk.get("alg")
    if alg is not None and (
        not isinstance(alg, str) or (alg in _SIGNATURE_ALGS and alg not in _ALG_FOR.get(key_type, set()))
    ):
        raise InvalidInput(f"JWK alg {alg!r} does not fit a {key_type} key", code="jwk.alg", at=f"{at}/alg")
    kty = jwk["kty"]
    x = _member(jwk, "x", at)
    if kty == "EC" and key_type is not KeyType.BLS12381G2:
        y = _member(jwk, "y", at)
        public = ec_public_from_xy(key_type, x, y, at=at or None)
    else:
        if "y" in jwk:
            raise InvalidInput(f"{key_type} JWK must not have 'y'", code="jwk.member", at=f"{at}/y")
        check_public_key(key_type, x, at=f"{at}/x")
        public = x
    secret: bytes | None = None
    if "d" in jwk:
        secret = _member(jwk, "d", at)
        check_secret_key(key_type, secret, at=f"{at}/d")
        if not public_matches_secret(key_type, public, secret):
            raise InvalidInput("JWK 'd' does not belong to its public key", code="jwk.mismatch", at=f"{at}/d")
    return KeyPair(key_type, public, secret)
