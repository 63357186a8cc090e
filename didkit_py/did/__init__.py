"""Decentralized Identifiers: syntax, resolution, dereferencing, and the key/jwk/web methods.

Build one resolver at start-up and pass it in::

    resolver = default_resolver()                       # did:key, did:jwk, did:web
    resolver = default_resolver(extra_methods=[EthrMethod(...)])   # plus did:ethr
    vm = await resolver.resolve_verification_method(kid, purpose="assertionMethod")
"""

from __future__ import annotations

from .document import find_node, relationship_ids, validate_did_document
from .jwk import JwkMethod, did_jwk_document, did_jwk_from_jwk, did_jwk_from_public
from .key import KeyMethod, did_key_document
from .resolver import SUPPORTED_REPRESENTATIONS, Resolver, default_resolver, error_result
from .syntax import DID, DIDURL, MAX_DID_URL_LENGTH, absolute_did_url, parse_did, parse_did_url
from .types import (
    DID_CONTEXT,
    DID_RESOLUTION_CONTEXT,
    JWK_CONTEXT,
    MULTIKEY_CONTEXT,
    RELATIONSHIPS,
    DidMethod,
    ResolutionResult,
    VerificationMethod,
)
from .vm import did_key_from_public, public_key_from_vm
from .web import WebMethod, check_fetch_url, did_web_url

__all__ = [
    "DID",
    "DIDURL",
    "DID_CONTEXT",
    "DID_RESOLUTION_CONTEXT",
    "JWK_CONTEXT",
    "MAX_DID_URL_LENGTH",
    "MULTIKEY_CONTEXT",
    "RELATIONSHIPS",
    "SUPPORTED_REPRESENTATIONS",
    "DidMethod",
    "JwkMethod",
    "KeyMethod",
    "ResolutionResult",
    "Resolver",
    "VerificationMethod",
    "WebMethod",
    "absolute_did_url",
    "check_fetch_url",
    "default_resolver",
    "did_jwk_document",
    "did_jwk_from_jwk",
    "did_jwk_from_public",
    "did_key_document",
    "did_key_from_public",
    "did_web_url",
    "error_result",
    "find_node",
    "parse_did",
    "parse_did_url",
    "public_key_from_vm",
    "relationship_ids",
    "validate_did_document",
]
