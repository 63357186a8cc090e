"""What ``eddsa-rdfc-2022`` and ``ecdsa-rdfc-2019`` share: RDFC-1.0 transformation and hashing.

Both specs define the same three steps (vc-di-eddsa §3.3, vc-di-ecdsa §3.3):
Transformation = RDFC-1.0 canonical N-Quads of the unsecured document;
Proof Configuration = RDFC-1.0 of the proof options with the document's ``@context``;
Hashing = ``SHA-256(canonicalProofConfig) || SHA-256(transformedDocument)`` (proof hash first).
Serialization signs that 64-byte ``hashData``; ``proofValue`` is multibase base58btc.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from ..._encoding import multibase_decode, multibase_encode
from ...errors import InvalidInput, VerificationError
from ...jsonld import DocumentLoader, canonize_document
from ...keys import KeyPair, KeyType, sign, verify_signature
from .proof import DATA_INTEGRITY_PROOF, parse_datetime, proof_config

__all__ = ["RdfcSuite", "configure", "hash_data", "transform"]


def transform(unsecured: Mapping[str, Any], *, loader: DocumentLoader) -> str:
    """Transformation: canonical N-Quads of the unsecured document (safe-mode JSON-LD)."""
    return canonize_document(dict(unsecured), loader=loader)


def configure(config: Mapping[str, Any], suite: str, *, loader: DocumentLoader) -> str:
    """Proof Configuration: check type/cryptosuite/created, return canonical N-Quads."""
    if config.get("type") != DATA_INTEGRITY_PROOF or config.get("cryptosuite") != suite:
        raise VerificationError(
            f"proof is not a DataIntegrityProof with cryptosuite {suite}", code="proof.transformation"
        )
    if "created" in config:
        parse_datetime(config["created"], at="/proof/created")
    return canonize_document(dict(config), loader=loader)


def hash_data(canonical_config: str, transformed: str) -> bytes:
    """Hashing: SHA-256 of the proof configuration, then SHA-256 of the document (64 bytes)."""
    return (
        hashlib.sha256(canonical_config.encode("utf-8")).digest()
        + hashlib.sha256(transformed.encode("utf-8")).digest()
    )


class RdfcSuite:
    """A signature cryptosuite over RDFC-1.0 canonical N-Quads with SHA-256."""

    def __init__(self, name: str, key_types: frozenset[KeyType]) -> None:
        self.name = name
        self.key_types = key_types

    def create_proof_value(
        self,
        unsecured: Mapping[str, Any],
        proof_config: Mapping[str, Any],
        key: KeyPair,
        *,
        loader: DocumentLoader,
        options: Mapping[str, Any],
    ) -> str:
        if options.get("mandatory_pointers"):
            raise InvalidInput(f"{self.name} has no mandatory pointers", code="proof.option")
        data = hash_data(
            configure(proof_config, self.name, loader=loader), transform(unsecured, loader=loader)
        )
        return multibase_encode(sign(key, data), "base58btc")

    def verify_proof_value(
        self,
        unsecured: Mapping[str, Any],
        proof: Mapping[str, Any],
        key_type: KeyType,
        public_key: bytes,
        *,
        loader: DocumentLoader,
        options: Mapping[str, Any],
    ) -> None:
        value = proof.get("proofValue")
        if not isinstance(value, str) or not value.startswith("z"):
            raise VerificationError(
                f"{self.name} proofValue must be multibase base58btc", code="proof.encoding", at="proofValue"
            )
        try:
            signature = multibase_decode(value, at="proofValue")
        except InvalidInput as exc:
            raise VerificationError(str(exc), code="proof.encoding", at="proofValue") from exc
        config = proof_config(unsecured, proof)
        data = hash_data(configure(config, self.name, loader=loader), transform(unsecured, loader=loader))
        verify_signature(key_type, public_key, data, signature)
