"""The did:jwk method (github.com/quartzjer/did-jwk, spec v1): the DID is a base64url JWK.

Resolution (§2.2): decode the method-specific id as base64url, parse the JSON JWK, and render
a document with one verification method ``#0`` of type ``JsonWebKey``. The relationships follow
the JWK's ``use``: ``"sig"`` → not keyAgreement, ``"enc"`` → keyAgreement only, absent → all.
A JWK with private members is an invalid DID.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .._encoding import b64url_decode, b64url_encode
from ..errors import DidkitError, InvalidInput, UnsupportedError
from ..keys import KeyPair, KeyType, key_pair_from_jwk, public_jwk
from .syntax import parse_did
from .types import DID_CONTEXT, JWK_CONTEXT, ResolutionResult

__all__ = ["JwkMethod", "did_jwk_document", "did_jwk_from_jwk", "did_jwk_from_public"]

_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
_SIGNING = ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation")


def did_jwk_from_jwk(jwk: Mapping[str, Any]) -> str:
    """did:jwk for a public JWK: compact JSON, sorted members, UTF-8, base64url."""
    if any(m in jwk for m in _PRIVATE_MEMBERS):
        raise InvalidInput("did:jwk must not contain private key members", code="invalidDid")
    key_pair_from_jwk(jwk)  # validate before minting a DID from it
    text = json.dumps(dict(jwk), separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return "did:jwk:" + b64url_encode(text.encode("utf-8"))


def did_jwk_from_public(key_type: KeyType, public_key: bytes) -> str:
    """did:jwk of a public key (its minimal public JWK)."""
    return did_jwk_from_jwk(public_jwk(KeyPair(key_type, public_key)))


def _decode(did: str) -> dict[str, Any]:
    parsed = parse_did(did)
    if parsed.method != "jwk":
        raise InvalidInput("not a did:jwk", code="invalidDid")
    raw = b64url_decode(parsed.method_specific_id) if ":" not in parsed.method_specific_id else None
    if raw is None:
        raise InvalidInput("did:jwk id must be base64url", code="invalidDid")
    try:
        jwk = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise InvalidInput("did:jwk id is not a base64url JSON JWK", code="invalidDid") from None
    if not isinstance(jwk, dict):
        raise InvalidInput("did:jwk JWK must be a JSON object", code="invalidDid")
    if any(m in jwk for m in _PRIVATE_MEMBERS):
        raise InvalidInput("did:jwk must not contain private key members", code="invalidDid")
    use = jwk.get("use")
    if use is not None and use not in ("sig", "enc"):
        raise InvalidInput("did:jwk JWK 'use' must be 'sig' or 'enc'", code="invalidDid")
    try:
        key_pair_from_jwk(jwk)
    except UnsupportedError as exc:
        raise UnsupportedError(exc.message, code="invalidPublicKeyType") from exc
    except DidkitError as exc:
        raise InvalidInput(f"did:jwk JWK: {exc.message}", code="invalidDid") from exc
    return jwk


def did_jwk_document(did: str) -> dict[str, Any]:
    """The DID document of a did:jwk."""
    jwk = _decode(did)
    vm_id = f"{did}#0"
    doc: dict[str, Any] = {
        "@context": [DID_CONTEXT, JWK_CONTEXT],
        "id": did,
        "verificationMethod": [{"id": vm_id, "type": "JsonWebKey", "controller": did, "publicKeyJwk": jwk}],
    }
    use = jwk.get("use")
    x25519 = jwk.get("crv") == "X25519"
    if use != "enc" and not x25519:
        for rel in _SIGNING:
            doc[rel] = [vm_id]
    if use != "sig":
        doc["keyAgreement"] = [vm_id]
    return doc


class JwkMethod:
    """did:jwk resolution: pure computation, no I/O."""

    name = "jwk"

    async def resolve(
        self, did: str, *, version_id: str | None = None, version_time: str | None = None
    ) -> ResolutionResult:
        if version_id is not None or version_time is not None:
            _decode(did)
            raise UnsupportedError("did:jwk documents have no versions", code="versionNotSupported")
        return ResolutionResult(
            document=did_jwk_document(did),
            document_metadata={},
            resolution_metadata={"contentType": "application/did+ld+json"},
        )
