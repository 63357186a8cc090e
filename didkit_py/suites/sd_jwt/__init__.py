"""SD-JWT (RFC 9901) and SD-JWT VC (``dc+sd-jwt``) with Key Binding.

``issue_sd_jwt_vc`` → ``present_sd_jwt_vc`` (holder picks claims, adds a KB-JWT) →
``verify_sd_jwt_vc`` (issuer key from ``iss``: DID or JWT VC Issuer Metadata). The generic
SD-JWT layer (``issue_sd_jwt``, ``present_sd_jwt``, ``verify_sd_jwt``) is exposed too.
"""

from __future__ import annotations

from .core import (
    HASH_ALGORITHMS,
    KB_JWT_TYP,
    ClaimPath,
    Disclosure,
    Limits,
    SdJwt,
    VerifiedSdJwt,
    check_validity_claims,
    compute_sd_hash,
    create_kb_jwt,
    issue_sd_jwt,
    normalize_claim_path,
    parse_sd_jwt,
    pointer_of,
    present_sd_jwt,
    random_salt,
    sd_jwt_from_json,
    sd_jwt_payload,
    sd_jwt_to_json,
    unfold_sd_jwt,
    verify_sd_jwt,
)
from .vc import (
    LEGACY_TYP,
    NON_DISCLOSABLE_CLAIMS,
    SD_JWT_VC_TYP,
    DecodedSdJwtVc,
    IssuerKeyResolver,
    VerifiedSdJwtVc,
    decode_sd_jwt_vc,
    issue_sd_jwt_vc,
    issuer_metadata_url,
    present_sd_jwt_vc,
    resolve_issuer_key,
    verify_sd_jwt_vc,
)

__all__ = [
    "HASH_ALGORITHMS",
    "KB_JWT_TYP",
    "LEGACY_TYP",
    "NON_DISCLOSABLE_CLAIMS",
    "SD_JWT_VC_TYP",
    "ClaimPath",
    "DecodedSdJwtVc",
    "Disclosure",
    "IssuerKeyResolver",
    "Limits",
    "SdJwt",
    "VerifiedSdJwt",
    "VerifiedSdJwtVc",
    "check_validity_claims",
    "compute_sd_hash",
    "create_kb_jwt",
    "decode_sd_jwt_vc",
    "issue_sd_jwt",
    "issue_sd_jwt_vc",
    "issuer_metadata_url",
    "normalize_claim_path",
    "parse_sd_jwt",
    "pointer_of",
    "present_sd_jwt",
    "present_sd_jwt_vc",
    "random_salt",
    "resolve_issuer_key",
    "sd_jwt_from_json",
    "sd_jwt_payload",
    "sd_jwt_to_json",
    "unfold_sd_jwt",
    "verify_sd_jwt",
    "verify_sd_jwt_vc",
]
