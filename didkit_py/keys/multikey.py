"""Multikey: ``publicKeyMultibase`` / ``secretKeyMultibase`` (W3C Controlled Identifiers §2.2.2).

A Multikey value is ``"z"`` + base58btc(varint(multicodec) + key bytes). The multicodec codes
come from the multiformats table (multicodec/table.csv).
"""

from __future__ import annotations

from .._encoding import b58_decode, b58_encode, varint_decode, varint_encode
from ..errors import InvalidInput, UnsupportedError
from ._curves import check_public_key, check_secret_key
from ._types import KeyType

__all__ = [
    "PRIVATE_CODECS",
    "PUBLIC_CODECS",
    "multikey_decode",
    "multikey_encode",
    "secret_multikey_decode",
    "secret_multikey_encode",
]

PUBLIC_CODECS: dict[KeyType, int] = {
    KeyType.ED25519: 0xED,  # ed25519-pub
    KeyType.X25519: 0xEC,  # x25519-pub
    KeyType.SECP256K1: 0xE7,  # secp256k1-pub
    KeyType.P256: 0x1200,  # p256-pub
    KeyType.BLS12381G2: 0xEB,  # bls12_381-g2-pub
}
PRIVATE_CODECS: dict[KeyType, int] = {
    KeyType.ED25519: 0x1300,  # ed25519-priv
    KeyType.SECP256K1: 0x1301,  # secp256k1-priv
    KeyType.X25519: 0x1302,  # x25519-priv
    KeyType.P256: 0x1306,  # p256-priv
    KeyType.BLS12381G2: 0x130A,  # bls12_381-g2-priv
}
_PUBLIC_BY_CODE = {code: kt for kt, code in PUBLIC_CODECS.items()}
_PRIVATE_BY_CODE = {code: kt for kt, code in PRIVATE_CODECS.items()}

# Key codecs from the table that we recognise but do not implement: a clear "unsupported"
# rather than "garbage".
_KNOWN_UNSUPPORTED = {
    0xE8: "bls12_381-g1-pub",
    0xEE: "bls12_381-g1g2-pub",
    0x1201: "p384-pub",
    0x1202: "p521-pub",
    0x1203: "ed448-pub",
    0x1204: "x448-pub",
    0x1205: "rsa-pub",
    0x1307: "p384-priv",
    0x1308: "p521-priv",
    0x1305: "rsa-priv",
}


def _encode(code: int, data: bytes) -> str:
    return "z" + b58_encode(varint_encode(code) + bytes(data))


def _decode(text: str, at: str | None) -> tuple[int, bytes]:
    if not isinstance(text, str):
        raise InvalidInput("Multikey value must be a string", code="key.multibase", at=at)
    if not text.startswith("z") or len(text) < 3:
        raise InvalidInput("Multikey value must be base58btc multibase ('z…')", code="key.multibase", at=at)
    raw = b58_decode(text[1:], at=at)
    if b58_encode(raw) != text[1:]:  # leading-'1' games would give two strings for one key
        raise InvalidInput("non-canonical base58btc", code="key.multibase", at=at)
    code, used = varint_decode(raw, at=at)
    return code, raw[used:]


def _unknown(code: int, at: str | None) -> Exception:
    name = _KNOWN_UNSUPPORTED.get(code)
    if name:
        return UnsupportedError(f"multicodec {name} (0x{code:x}) is not supported", code="key.codec", at=at)
    return InvalidInput(f"multicodec 0x{code:x} is not a key type we know", code="key.codec", at=at)


def multikey_encode(key_type: KeyType, public_key: bytes) -> str:
    """``publicKeyMultibase`` for a public key (validated first)."""
    key_type = KeyType(key_type)
    check_public_key(key_type, public_key)
    return _encode(PUBLIC_CODECS[key_type], public_key)


def multikey_decode(text: str, *, at: str | None = None) -> tuple[KeyType, bytes]:
    """Parse ``publicKeyMultibase``: the key type from its multicodec and the validated key bytes."""
    code, data = _decode(text, at)
    key_type = _PUBLIC_BY_CODE.get(code)
    if key_type is None:
        if code in _PRIVATE_BY_CODE:
            raise InvalidInput("a secret key where a public key belongs", code="key.codec", at=at)
        raise _unknown(code, at)
    check_public_key(key_type, data, at=at)
    return key_type, data


def secret_multikey_encode(key_type: KeyType, secret: bytes) -> str:
    """``secretKeyMultibase`` for a secret key."""
    key_type = KeyType(key_type)
    check_secret_key(key_type, secret)
    return _encode(PRIVATE_CODECS[key_type], secret)


def secret_multikey_decode(text: str, *, at: str | None = None) -> tuple[KeyType, bytes]:
    """Parse ``secretKeyMultibase``. Errors never quote the value."""
    code, data = _decode(text, at)
    key_type = _PRIVATE_BY_CODE.get(code)
    if key_type is None:
        if code in _PUBLIC_BY_CODE:
            raise InvalidInput("a public key where a secret key belongs", code="key.codec", at=at)
        raise _unknown(code, at)
    check_secret_key(key_type, data, at=at)
    return key_type, data
