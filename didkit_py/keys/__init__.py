"""Key pairs: generate, import/export (JWK, Multikey, key files), sign and verify.

Supported: Ed25519 (EdDSA), X25519 (key agreement only), P-256 (ES256), secp256k1 (ES256K),
and BLS12-381 G2 public keys (BBS; keys are generated through :mod:`didkit_py.bbs`).
"""

from __future__ import annotations

from ._curves import check_public_key, check_secret_key, ed25519_to_x25519_public, public_from_secret
from ._types import KeyPair, KeyType
from .files import MAX_KEY_FILE_BYTES, key_file_json, load_key_file, parse_key_file, save_key_file
from .jwk import key_pair_from_jwk, key_type_from_jwk, private_jwk, public_jwk
from .multikey import (
    PRIVATE_CODECS,
    PUBLIC_CODECS,
    multikey_decode,
    multikey_encode,
    secret_multikey_decode,
    secret_multikey_encode,
)
from .signing import generate_key, jws_alg, key_pair_from_secret, sign, verify_signature

__all__ = [
    "MAX_KEY_FILE_BYTES",
    "PRIVATE_CODECS",
    "PUBLIC_CODECS",
    "KeyPair",
    "KeyType",
    "check_public_key",
    "check_secret_key",
    "ed25519_to_x25519_public",
    "generate_key",
    "jws_alg",
    "key_file_json",
    "key_pair_from_jwk",
    "key_pair_from_secret",
    "key_type_from_jwk",
    "load_key_file",
    "multikey_decode",
    "multikey_encode",
    "parse_key_file",
    "private_jwk",
    "public_from_secret",
    "public_jwk",
    "save_key_file",
    "secret_multikey_decode",
    "secret_multikey_encode",
    "sign",
    "verify_signature",
]
