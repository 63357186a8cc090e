"""Key generation, and JOSE signatures: EdDSA (RFC 8037), ES256 and ES256K (RFC 7518 §3.4, RFC 8812).

EC signatures are JOSE raw ``r || s`` (32 bytes each, big-endian) over SHA-256. Verification
raises :class:`VerificationError` for any signature that does not verify, including malformed
ones; it never returns an ignorable ``False``.
"""

from __future__ import annotations

import importlib
import os

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, x25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from ..errors import InvalidInput, UnsupportedError, VerificationError
from ._curves import _ORDERS, check_public_key, check_secret_key, ec_curve, public_from_secret
from ._types import KeyPair, KeyType

__all__ = ["generate_key", "jws_alg", "sign", "verify_signature"]

_JWS_ALGS = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256", KeyType.SECP256K1: "ES256K"}


def jws_alg(key_type: KeyType) -> str:
    """The JWS ``alg`` for a signing key type."""
    try:
        return _JWS_ALGS[KeyType(key_type)]
    except (KeyError, ValueError):
        raise UnsupportedError(f"no JWS algorithm for {key_type} keys", code="key.alg") from None


def generate_key(key_type: KeyType) -> KeyPair:
    """A fresh key pair from the operating system's CSPRNG."""
    key_type = KeyType(key_type)
    if key_type is KeyType.ED25519:
        ed = ed25519.Ed25519PrivateKey.generate()
        return KeyPair(key_type, ed.public_key().public_bytes_raw(), ed.private_bytes_raw())
    if key_type is KeyType.X25519:
        xk = x25519.X25519PrivateKey.generate()
        return KeyPair(key_type, xk.public_key().public_bytes_raw(), xk.private_bytes_raw())
    if key_type is KeyType.BLS12381G2:
        return _generate_bls()
    priv = ec.generate_private_key(ec_curve(key_type))
    secret = priv.private_numbers().private_value.to_bytes(32, "big")
    public = priv.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    return KeyPair(key_type, public, secret)


def _generate_bls() -> KeyPair:
    """BBS ``KeyGen`` over 32 fresh random bytes, then ``SkToPk`` (CFRG BBS §4.2)."""
    try:
        bbs = importlib.import_module("didkit_py.bbs")
    except ImportError as exc:
        raise UnsupportedError(
            "BLS12-381 key generation needs didkit_py.bbs, which is not available", code="key.bls_keygen"
        ) from exc
    suite = bbs.BLS12381_SHA256
    sk = bbs.keygen(os.urandom(32), suite=suite)
    if isinstance(sk, int):
        sk = sk.to_bytes(32, "big")
    pk = bbs.sk_to_pk(sk, suite=suite)
    return KeyPair(KeyType.BLS12381G2, bytes(pk), bytes(sk))


def sign(key: KeyPair, data: bytes) -> bytes:
    """Sign ``data`` with the JWS algorithm of ``key`` (see :func:`jws_alg`)."""
    if not isinstance(data, bytes | bytearray):
        raise InvalidInput("data to sign must be bytes", code="key.type")
    if key.secret_key is None:
        raise InvalidInput("this key pair has no secret key", code="key.no_secret")
    key_type = KeyType(key.key_type)
    if key_type not in _JWS_ALGS:
        raise UnsupportedError(
            f"{key_type} keys do not make JWS signatures"
            + (" (use didkit_py.bbs)" if key_type is KeyType.BLS12381G2 else " (key agreement only)"),
            code="key.not_signing",
        )
    check_secret_key(key_type, key.secret_key)
    if key_type is KeyType.ED25519:
        return ed25519.Ed25519PrivateKey.from_private_bytes(bytes(key.secret_key)).sign(bytes(data))
    priv = ec.derive_private_key(int.from_bytes(key.secret_key, "big"), ec_curve(key_type))
    r, s = decode_dss_signature(priv.sign(bytes(data), ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify_signature(key_type: KeyType, public_key: bytes, data: bytes, signature: bytes) -> None:
    """Raise :class:`VerificationError` unless ``signature`` is valid over ``data``.

    A malformed public key is :class:`InvalidInput` (we could not check); a malformed or wrong
    signature is :class:`VerificationError` (checked: invalid).
    """
    key_type = KeyType(key_type)
    if key_type not in _JWS_ALGS:
        raise UnsupportedError(f"{key_type} keys do not verify JWS signatures", code="key.not_signing")
    if not isinstance(data, bytes | bytearray):
        raise InvalidInput("signed data must be bytes", code="key.type")
    if not isinstance(signature, bytes | bytearray):
        raise VerificationError("signature must be bytes", code="signature.malformed")
    check_public_key(key_type, public_key)
    if len(signature) != 64:
        raise VerificationError(
            f"{jws_alg(key_type)} signature must be 64 bytes, got {len(signature)}", code="signature.length"
        )
    try:
        if key_type is KeyType.ED25519:
            ed25519.Ed25519PublicKey.from_public_bytes(bytes(public_key)).verify(
                bytes(signature), bytes(data)
            )
            return
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        if not (0 < r < _ORDERS[key_type] and 0 < s < _ORDERS[key_type]):
            raise VerificationError("signature r or s out of range", code="signature.malformed")
        pub = ec.EllipticCurvePublicKey.from_encoded_point(ec_curve(key_type), bytes(public_key))
        pub.verify(encode_dss_signature(r, s), bytes(data), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise VerificationError("signature does not verify", code="signature.invalid") from None


def key_pair_from_secret(key_type: KeyType, secret_key: bytes) -> KeyPair:
    """Import a key pair from its secret alone (the public key is derived)."""
    key_type = KeyType(key_type)
    return KeyPair(key_type, public_from_secret(key_type, secret_key), bytes(secret_key))
