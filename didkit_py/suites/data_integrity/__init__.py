"""W3C Data Integrity proofs: ``eddsa-rdfc-2022``, ``ecdsa-rdfc-2019`` and ``bbs-2023``.

Entry points: :func:`add_proof` (issuer or holder signs), :func:`verify_proof` (async: resolves
the verification method), :func:`derive` (holder derives a selectively disclosed ``bbs-2023``
credential). See ``docs/data-integrity.md``.
"""

from __future__ import annotations

from .proof import (
    DATA_INTEGRITY_PROOF,
    Cryptosuite,
    ProofCheck,
    VerifiedProofs,
    add_proof,
    get_proofs,
    resolve_verification_method,
    verify_proof,
)
from .registry import CRYPTOSUITES, get_cryptosuite

__all__ = [
    "CRYPTOSUITES",
    "DATA_INTEGRITY_PROOF",
    "Cryptosuite",
    "ProofCheck",
    "VerifiedProofs",
    "add_proof",
    "derive",
    "get_cryptosuite",
    "get_proofs",
    "resolve_verification_method",
    "verify_proof",
]


def __getattr__(name: str) -> object:
    # ``derive`` needs the BBS module; import it only when used.
    if name == "derive":
        from .bbs_2023 import derive

        return derive
    raise AttributeError(name)
