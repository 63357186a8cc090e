"""Credential status: W3C Bitstring Status List v1.0 (and, for SD-JWT VC, the IETF Token Status List)."""

from __future__ import annotations

from . import token_status_list as token_status_list  # IETF Token Status List (SD-JWT VC)
from .bitstring import (
    BITSTRING_STATUS_LIST_CREDENTIAL,
    BITSTRING_STATUS_LIST_ENTRY,
    MIN_ENTRIES,
    PURPOSES,
    BitstringStatusList,
    BitstringStatusListEntry,
    ListCredentialVerifier,
    StatusListClient,
    StatusListLimits,
    StatusListManager,
    StatusMessage,
    StatusResult,
    VerifiedStatusList,
    bitstring_expansion,
    bitstring_generation,
    build_status_list_credential,
    credential_status_entries,
    parse_status_list_credential,
    random_below,
    validate,
)

__all__ = [
    "BITSTRING_STATUS_LIST_CREDENTIAL",
    "BITSTRING_STATUS_LIST_ENTRY",
    "MIN_ENTRIES",
    "PURPOSES",
    "BitstringStatusList",
    "BitstringStatusListEntry",
    "ListCredentialVerifier",
    "StatusListClient",
    "StatusListLimits",
    "StatusListManager",
    "StatusMessage",
    "StatusResult",
    "VerifiedStatusList",
    "bitstring_expansion",
    "bitstring_generation",
    "build_status_list_credential",
    "credential_status_entries",
    "parse_status_list_credential",
    "random_below",
    "validate",
]
