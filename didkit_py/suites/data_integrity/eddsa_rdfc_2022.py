"""The ``eddsa-rdfc-2022`` cryptosuite: Ed25519 over RDFC-1.0 (W3C vc-di-eddsa §3.3).

https://www.w3.org/TR/vc-di-eddsa/#eddsa-rdfc-2022

Ed25519 is deterministic, so signing the vector input with the vector key reproduces the
vector's ``proofValue`` byte for byte (``tests/vectors/test_di_vectors.py``).
"""

from __future__ import annotations

from ...keys import KeyType
from ._rdfc import RdfcSuite

__all__ = ["EDDSA_RDFC_2022"]

#: The suite object registered under ``eddsa-rdfc-2022``.
EDDSA_RDFC_2022 = RdfcSuite("eddsa-rdfc-2022", frozenset({KeyType.ED25519}))
