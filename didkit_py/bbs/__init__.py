"""CFRG BBS signatures (draft-irtf-cfrg-bbs-signatures-06 … -09), both BLS12-381 ciphersuites.

Public interface (bytes in, bytes out; checks raise, never return ``False``)::

    sk = keygen(key_material, key_info=b"", key_dst=None, suite=BLS12381_SHA256)
    pk = sk_to_pk(sk)
    sig = sign(sk, pk, header, messages)
    verify(pk, sig, header, messages)                       # None, or VerificationError
    proof = proof_gen(pk, sig, header, ph, messages, disclosed_indexes)
    proof_verify(pk, proof, header, ph, disclosed_messages, disclosed_indexes)

Every function takes ``suite=`` (:data:`BLS12381_SHA256` or :data:`BLS12381_SHAKE256`) and,
except ``keygen``, ``backend=`` (``"native"``, ``"reference"`` or a backend object; see
:mod:`didkit_py.bbs.backends`) and ``max_messages=`` (default :data:`MAX_MESSAGES`). The
draft's inner steps live in :mod:`didkit_py.bbs.core`.

Side channels: neither backend is constant time (Python integers are not, and arkworks'
multi-scalar multiplication is variable time), so timing can in principle leak secret-derived
scalars (SK in ``sign``, the blinding scalars in ``proof_gen``) to an attacker who can time
many operations precisely. Comparisons of challenges and keys use ``hmac.compare_digest``.
"""

from __future__ import annotations

from .api import MAX_MESSAGES, keygen, proof_gen, proof_verify, sign, sk_to_pk, verify
from .backends import Backend, available_backends, get_backend
from .ciphersuites import BLS12381_SHA256, BLS12381_SHAKE256, CIPHERSUITES, Ciphersuite, get_ciphersuite

__all__ = [
    "BLS12381_SHA256",
    "BLS12381_SHAKE256",
    "CIPHERSUITES",
    "MAX_MESSAGES",
    "Backend",
    "Ciphersuite",
    "available_backends",
    "get_backend",
    "get_ciphersuite",
    "keygen",
    "proof_gen",
    "proof_verify",
    "sign",
    "sk_to_pk",
    "verify",
]
