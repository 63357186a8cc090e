"""Public keys out of verification methods, in the current and the older forms.

Current: ``Multikey`` (``publicKeyMultibase``) and ``JsonWebKey`` (``publicKeyJwk``).
Older forms still met in documents and test vectors: ``JsonWebKey2020``,
``Ed25519VerificationKey2018`` (``publicKeyBase58``), ``Ed25519VerificationKey2020``
(``publicKeyMultibase``), ``X25519KeyAgreementKey2019/2020``, ``Bls12381G2Key2020``
(``publicKeyBase58`` or ``publicKeyHex``), ``EcdsaSecp256k1VerificationKey2019`` (base58, hex
or JWK; compressed or uncompressed) and ``P256Key2021``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .._encoding import b58_decode
from ..errors import InvalidInput, UnsupportedError
from ..keys import KeyType, check_public_key, key_pair_from_jwk, multikey_decode, multikey_encode
from ..keys._curves import ec_curve

__all__ = ["did_key_from_public", "public_key_from_vm"]

# type → (key type it must hold, raw-byte fields it may use)
_RAW_TYPES: dict[str, KeyType] = {
    "Ed25519VerificationKey2018": KeyType.ED25519,
    "X25519KeyAgreementKey2019": KeyType.X25519,
    "Bls12381G2Key2020": KeyType.BLS12381G2,
    "EcdsaSecp256k1VerificationKey2019": KeyType.SECP256K1,
    "P256Key2021": KeyType.P256,
}
_MULTIKEY_TYPES: dict[str, KeyType | None] = {
    "Multikey": None,
    "Ed25519VerificationKey2020": KeyType.ED25519,
    "X25519KeyAgreementKey2020": KeyType.X25519,
}
_JWK_TYPES = {"JsonWebKey", "JsonWebKey2020", "EcdsaSecp256k1VerificationKey2019"}


def _normalize_ec(key_type: KeyType, raw: bytes, at: str) -> bytes:
    """Accept SEC1 uncompressed (65 bytes) as older documents carry it; return compressed."""
    if key_type in (KeyType.P256, KeyType.SECP256K1) and len(raw) == 65 and raw[0] == 4:
        try:
            pub = ec.EllipticCurvePublicKey.from_encoded_point(ec_curve(key_type), raw)
        except ValueError as exc:
            raise InvalidInput(f"not a {key_type} point", code="invalidPublicKey", at=at) from exc
        return pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    return raw


def _raw_field(vm: Mapping[str, Any], key_type: KeyType) -> bytes:
    if "publicKeyBase58" in vm:
        value = vm["publicKeyBase58"]
        raw = b58_decode(value, at="/publicKeyBase58") if isinstance(value, str) and value else None
        at = "/publicKeyBase58"
    elif "publicKeyHex" in vm:
        value = vm["publicKeyHex"]
        at = "/publicKeyHex"
        try:
            raw = bytes.fromhex(value) if isinstance(value, str) and value else None
        except ValueError:
            raw = None
    else:
        raise InvalidInput("verification method has no public key", code="invalidPublicKey")
    if raw is None:
        raise InvalidInput("malformed public key value", code="invalidPublicKey", at=at)
    raw = _normalize_ec(key_type, raw, at)
    check_public_key(key_type, raw, at=at)
    return raw


def public_key_from_vm(vm: Mapping[str, Any]) -> tuple[KeyType, bytes]:
    """The key type and public key bytes of a verification method (see the module docstring).

    Raises :class:`InvalidInput` for malformed or contradictory key material (including a
    private key inside the document) and :class:`UnsupportedError` for types we do not know.
    """
    if not isinstance(vm, Mapping):
        raise InvalidInput("verification method must be an object", code="invalidPublicKey")
    vm_type = vm.get("type")
    if not isinstance(vm_type, str):
        raise InvalidInput("verification method has no type", code="invalidPublicKey", at="/type")
    for secret_field in ("privateKeyJwk", "privateKeyBase58", "privateKeyMultibase", "secretKeyMultibase"):
        if secret_field in vm:
            raise InvalidInput(
                "a verification method must not carry a private key",
                code="invalidPublicKey",
                at=f"/{secret_field}",
            )
    if vm_type in _MULTIKEY_TYPES and "publicKeyMultibase" in vm:
        key_type, raw = multikey_decode(vm["publicKeyMultibase"], at="/publicKeyMultibase")
        expected = _MULTIKEY_TYPES[vm_type]
        if expected is not None and key_type is not expected:
            raise InvalidInput(
                f"{vm_type} must hold an {expected} key, not {key_type}",
                code="invalidPublicKeyType",
                at="/publicKeyMultibase",
            )
        return key_type, raw
    if vm_type in _JWK_TYPES and "publicKeyJwk" in vm:
        jwk = vm["publicKeyJwk"]
        if isinstance(jwk, Mapping) and "d" in jwk:
            raise InvalidInput(
                "publicKeyJwk must not hold 'd'", code="invalidPublicKey", at="/publicKeyJwk/d"
            )
        kp = key_pair_from_jwk(jwk, at="/publicKeyJwk")
        expected_jwk = _RAW_TYPES.get(vm_type)
        if expected_jwk is not None and kp.key_type is not expected_jwk:
            raise InvalidInput(
                f"{vm_type} must hold a {expected_jwk} key", code="invalidPublicKeyType", at="/publicKeyJwk"
            )
        return kp.key_type, kp.public_key
    if vm_type in _RAW_TYPES:
        return _RAW_TYPES[vm_type], _raw_field(vm, _RAW_TYPES[vm_type])
    if vm_type in _MULTIKEY_TYPES or vm_type in _JWK_TYPES:
        raise InvalidInput(f"{vm_type} has no public key", code="invalidPublicKey")
    raise UnsupportedError(
        f"verification method type {vm_type!r} is not supported", code="unsupportedPublicKeyType"
    )


def did_key_from_public(key_type: KeyType, public_key: bytes) -> str:
    """``did:key:`` + the Multikey value of a public key (did:key §3.1.1)."""
    return "did:key:" + multikey_encode(key_type, public_key)
