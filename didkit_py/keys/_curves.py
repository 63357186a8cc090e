"""Curve arithmetic at the edges: point validation, public-from-secret, X25519 derivation.

Everything here takes and returns bytes in the layouts :class:`~didkit_py.keys.KeyPair`
documents and raises :class:`InvalidInput` for anything that is not a valid key of its type.
The EC work is done by pyca/cryptography; BLS12-381 by the native arkworks backend when it is
installed (the ``fast`` extra), else by py_ecc, whose decompression also checks the subgroup.
"""

from __future__ import annotations

import functools
import hmac

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519

from ..errors import InvalidInput
from ._types import KeyType

__all__ = [
    "PUBLIC_KEY_LENGTHS",
    "SECRET_KEY_LENGTH",
    "bls_sk_to_pk",
    "check_public_key",
    "check_secret_key",
    "ec_curve",
    "ec_public_from_xy",
    "ec_public_xy",
    "ed25519_to_x25519_public",
    "public_from_secret",
]

PUBLIC_KEY_LENGTHS: dict[KeyType, int] = {
    KeyType.ED25519: 32,
    KeyType.X25519: 32,
    KeyType.P256: 33,
    KeyType.SECP256K1: 33,
    KeyType.BLS12381G2: 96,
}
SECRET_KEY_LENGTH = 32

# Group orders, for range checks of secret scalars.
_ORDERS: dict[KeyType, int] = {
    KeyType.P256: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    KeyType.SECP256K1: 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
    KeyType.BLS12381G2: 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001,
}

# Curve25519 / edwards25519 field prime and the twisted Edwards constant d (RFC 8032 §5.1).
_P25519 = 2**255 - 19
_D25519 = (-121665 * pow(121666, -1, _P25519)) % _P25519
_SQRT_M1 = pow(2, (_P25519 - 1) // 4, _P25519)


def ec_curve(key_type: KeyType) -> ec.EllipticCurve:
    if key_type is KeyType.P256:
        return ec.SECP256R1()
    if key_type is KeyType.SECP256K1:
        return ec.SECP256K1()
    raise ValueError(f"{key_type} is not a short-Weierstrass curve")


def _length(key_type: KeyType, data: bytes, expected: int, what: str, at: str | None) -> None:
    if not isinstance(data, bytes | bytearray):
        raise InvalidInput(f"{what} must be bytes", code="key.type", at=at)
    if len(data) != expected:
        raise InvalidInput(
            f"{key_type} {what} must be {expected} bytes, got {len(data)}", code="key.length", at=at
        )


@functools.lru_cache(maxsize=4096)
def _ed25519_decompress_ok(pk: bytes) -> bool:
    """RFC 8032 §5.1.3 decoding: is ``pk`` the canonical encoding of a curve point?

    Pure and costly (~150 µs of big-integer powers), and a verifier sees the same few issuer
    keys over and over: the answer is cached per key (a bounded, process-wide memo of a pure
    function, not state).
    """
    y = int.from_bytes(pk, "little") & ((1 << 255) - 1)
    sign = pk[31] >> 7
    if y >= _P25519:
        return False
    u = (y * y - 1) % _P25519
    v = (_D25519 * y * y + 1) % _P25519
    x = (u * pow(v, 3, _P25519) * pow(u * pow(v, 7, _P25519), (_P25519 - 5) // 8, _P25519)) % _P25519
    vx2 = (v * x * x) % _P25519
    if vx2 == u:
        pass
    elif vx2 == (-u) % _P25519:
        x = (x * _SQRT_M1) % _P25519
    else:
        return False
    return not (x == 0 and sign == 1)


def _bls_g2_check_py_ecc(pk: bytes, at: str | None) -> None:
    from py_ecc.bls.g2_primitives import signature_to_G2
    from py_ecc.optimized_bls12_381 import is_inf  # type: ignore[attr-defined]

    try:
        point = signature_to_G2(pk)  # type: ignore[arg-type]  # decompresses, checks the subgroup
    except (ValueError, AssertionError, TypeError) as exc:
        raise InvalidInput("not a BLS12-381 G2 point", code="key.point", at=at) from exc
    if is_inf(point):
        raise InvalidInput("BLS12-381 public key is the identity", code="key.point", at=at)


def _bls_g2_check(pk: bytes, at: str | None) -> None:
    try:
        import py_arkworks_bls12381 as ark
    except ImportError:  # the reference backend: slower, equally strict
        _bls_g2_check_py_ecc(pk, at)
        return
    try:
        point = ark.G2Point.from_compressed_bytes(pk)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("not a BLS12-381 G2 point", code="key.point", at=at) from exc
    if point == ark.G2Point.identity():
        raise InvalidInput("BLS12-381 public key is the identity", code="key.point", at=at)


def check_public_key(key_type: KeyType, public_key: bytes, *, at: str | None = None) -> None:
    """Raise :class:`InvalidInput` unless ``public_key`` is a valid key of ``key_type``."""
    key_type = KeyType(key_type)
    _length(key_type, public_key, PUBLIC_KEY_LENGTHS[key_type], "public key", at)
    public_key = bytes(public_key)
    if key_type is KeyType.ED25519:
        if not _ed25519_decompress_ok(bytes(public_key)):
            raise InvalidInput("not an Ed25519 point", code="key.point", at=at)
    elif key_type is KeyType.X25519:
        return  # every 32-byte string is a u-coordinate (RFC 7748 §5)
    elif key_type in (KeyType.P256, KeyType.SECP256K1):
        if public_key[0] not in (2, 3):
            raise InvalidInput("EC public key must be SEC1 compressed", code="key.point", at=at)
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec_curve(key_type), public_key)
        except ValueError as exc:
            raise InvalidInput(f"not a {key_type} point", code="key.point", at=at) from exc
    else:
        _bls_g2_check(public_key, at)


def check_secret_key(key_type: KeyType, secret_key: bytes, *, at: str | None = None) -> None:
    """Raise :class:`InvalidInput` unless ``secret_key`` is a usable secret of ``key_type``."""
    key_type = KeyType(key_type)
    _length(key_type, secret_key, SECRET_KEY_LENGTH, "secret key", at)
    order = _ORDERS.get(key_type)
    if order is not None and not 0 < int.from_bytes(secret_key, "big") < order:
        # Deliberately vague: the message must not describe the secret.
        raise InvalidInput(f"{key_type} secret key is out of range", code="key.secret", at=at)


def bls_sk_to_pk(secret_key: bytes) -> bytes:
    """``SK * P2``, compressed: the CFRG BBS ``SkToPk`` (same for both ciphersuites)."""
    check_secret_key(KeyType.BLS12381G2, secret_key)
    try:
        from py_arkworks_bls12381 import G2Point, Scalar
    except ImportError:
        from py_ecc.bls.g2_primitives import G2_to_signature
        from py_ecc.optimized_bls12_381 import G2, multiply  # type: ignore[attr-defined]

        return bytes(G2_to_signature(multiply(G2, int.from_bytes(secret_key, "big"))))
    return bytes((G2Point() * Scalar.from_be_bytes(bytes(secret_key))).to_compressed_bytes())


def public_from_secret(key_type: KeyType, secret_key: bytes) -> bytes:
    """Derive the public key bytes from the secret key bytes."""
    key_type = KeyType(key_type)
    check_secret_key(key_type, secret_key)
    secret_key = bytes(secret_key)
    if key_type is KeyType.ED25519:
        return ed25519.Ed25519PrivateKey.from_private_bytes(secret_key).public_key().public_bytes_raw()
    if key_type is KeyType.X25519:
        return x25519.X25519PrivateKey.from_private_bytes(secret_key).public_key().public_bytes_raw()
    if key_type is KeyType.BLS12381G2:
        return bls_sk_to_pk(secret_key)
    priv = ec.derive_private_key(int.from_bytes(secret_key, "big"), ec_curve(key_type))
    return priv.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )


def public_matches_secret(key_type: KeyType, public_key: bytes, secret_key: bytes) -> bool:
    """Constant-time check that ``public_key`` belongs to ``secret_key``."""
    return hmac.compare_digest(public_from_secret(key_type, secret_key), bytes(public_key))


def ec_public_xy(key_type: KeyType, public_key: bytes) -> tuple[bytes, bytes]:
    """The affine (x, y) of a compressed EC public key, 32 bytes each (for JWK)."""
    check_public_key(key_type, public_key)
    pub = ec.EllipticCurvePublicKey.from_encoded_point(ec_curve(key_type), bytes(public_key))
    nums = pub.public_numbers()
    return nums.x.to_bytes(32, "big"), nums.y.to_bytes(32, "big")


def ec_public_from_xy(key_type: KeyType, x: bytes, y: bytes, *, at: str | None = None) -> bytes:
    """Compressed SEC1 bytes from JWK coordinates; rejects points that are not on the curve."""
    if len(x) != 32 or len(y) != 32:
        raise InvalidInput(f"{key_type} JWK coordinates must be 32 bytes each", code="key.length", at=at)
    try:
        pub = ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec_curve(key_type)
        ).public_key()
    except ValueError as exc:
        raise InvalidInput(f"JWK point is not on {key_type}", code="key.point", at=at) from exc
    return pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)


def ed25519_to_x25519_public(public_key: bytes) -> bytes:
    """The birational map edwards25519 → curve25519, u = (1 + y) / (1 - y) (RFC 7748 §4.1).

    did:key derives its keyAgreement key this way from an Ed25519 key.
    """
    check_public_key(KeyType.ED25519, public_key)
    y = int.from_bytes(public_key, "little") & ((1 << 255) - 1)
    if y == 1:
        raise InvalidInput("Ed25519 identity point has no X25519 counterpart", code="key.point")
    u = ((1 + y) * pow(1 - y, -1, _P25519)) % _P25519
    return u.to_bytes(32, "little")
