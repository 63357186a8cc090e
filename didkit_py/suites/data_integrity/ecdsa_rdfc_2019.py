"""The ``ecdsa-rdfc-2019`` cryptosuite: ECDSA P-256 / SHA-256 over RDFC-1.0 (W3C vc-di-ecdsa §3.3).

https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-rdfc-2019

The 64-byte ``hashData`` (proof-config hash ‖ document hash) is signed with ES256 (which hashes
it once more with SHA-256); the signature is IEEE P1363 ``r || s``, multibase base58btc.
P-384 (SHA-384 throughout) is not supported: ``didkit_py.keys`` has no P-384 keys.
"""

from __future__ import annotations

from ...keys import KeyType
from ._rdfc import RdfcSuite

__all__ = ["ECDSA_RDFC_2019"]

#: The suite object registered under ``ecdsa-rdfc-2019``.
ECDSA_RDFC_2019 = RdfcSuite("ecdsa-rdfc-2019", frozenset({KeyType.P256}))
