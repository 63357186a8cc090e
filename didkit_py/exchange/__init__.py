"""Deterministic evaluation of verifier requests: DIF Presentation Exchange v2 and OpenID4VP DCQL.

No AI here: :mod:`didkit_py.match` takes eligibility from this package and only ranks.
"""

from __future__ import annotations

from .credential import HeldCredential, credentials_from_json, parse_datetime
from .dcql import CredentialQueryResult, DcqlEvaluation, DcqlMatch, evaluate_dcql_query, parse_dcql_query
from .paths import ClaimPath, JsonPathCache, dotted, select_claims_path
from .pe import (
    DescriptorCandidate,
    PEEvaluation,
    PresentationExchange,
    build_presentation_submission,
    evaluate_presentation_definition,
)

__all__ = [
    "ClaimPath",
    "CredentialQueryResult",
    "DcqlEvaluation",
    "DcqlMatch",
    "DescriptorCandidate",
    "HeldCredential",
    "JsonPathCache",
    "PEEvaluation",
    "PresentationExchange",
    "build_presentation_submission",
    "credentials_from_json",
    "dotted",
    "evaluate_dcql_query",
    "evaluate_presentation_definition",
    "parse_datetime",
    "parse_dcql_query",
    "select_claims_path",
]
