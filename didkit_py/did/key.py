"""The did:key method (W3C CCG did:key v0.9): the DID is the public key, resolution is local.

Documents are rendered in the current form: ``Multikey`` verification methods with
``publicKeyMultibase``, contexts DID v1 + Multikey v1. An Ed25519 key gets a derived X25519
keyAgreement method (§3.1.4 "Encryption Method Creation", ``enableEncryptionKeyDerivation``
defaults to true); an X25519 key is a keyAgreement key only; other keys sign.
"""

from __future__ import annotations

from typing import Any

from ..errors import DidkitError, InvalidInput, UnsupportedError
from ..keys import KeyType, ed25519_to_x25519_public, multikey_decode, multikey_encode
from .syntax import parse_did
from .types import DID_CONTEXT, MULTIKEY_CONTEXT, ResolutionResult

__all__ = ["KeyMethod", "did_key_document"]

_SIGNING_RELATIONSHIPS = ("authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation")

# The did:key spec's own error names (§3.1.3 "Signature Method Creation" and §3.1.2).
_CODES = {
    "key.length": "invalidPublicKeyLength",
    "key.point": "invalidPublicKey",
    "key.codec": "invalidPublicKeyType",
}


def _decode_did_key(did: str) -> tuple[KeyType, bytes, str]:
    parsed = parse_did(did)
    if parsed.method != "key":
        raise InvalidInput("not a did:key", code="invalidDid")
    msid = parsed.method_specific_id
    # §3.1.2: did-key-format := did:key:<mb-value>, and the value is base58btc ('z').
    if not msid.startswith("z") or ":" in msid:
        raise InvalidInput("did:key values are base58btc multibase ('z…')", code="invalidDid")
    try:
        key_type, public = multikey_decode(msid)
    except UnsupportedError as exc:
        raise UnsupportedError(exc.message, code="invalidPublicKeyType") from exc
    except DidkitError as exc:
        raise InvalidInput(exc.message, code=_CODES.get(exc.code, "invalidDid")) from exc
    return key_type, public, msid


def _multikey_vm(did: str, key_type: KeyType, public: bytes) -> dict[str, Any]:
    mb = multikey_encode(key_type, public)
    return {"id": f"{did}#{mb}", "type": "Multikey", "controller": did, "publicKeyMultibase": mb}


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of a did:key (DID Core JSON-LD representation)."""
    key_type, public, _ = _decode_did_key(did)
    vms: list[dict[str, Any]] = []
    doc: dict[str, Any] = {"@context": [DID_CONTEXT, MULTIKEY_CONTEXT], "id": did}
    if key_type is KeyType.X25519:
        vm = _multikey_vm(did, key_type, public)
        doc["verificationMethod"] = [vm]
        doc["keyAgreement"] = [vm["id"]]
        return doc
    vm = _multikey_vm(did, key_type, public)
    vms.append(vm)
    for rel in _SIGNING_RELATIONSHIPS:
        doc[rel] = [vm["id"]]
    if key_type is KeyType.ED25519:
        ka = _multikey_vm(did, KeyType.X25519, ed25519_to_x25519_public(public))
        vms.append(ka)
        doc["keyAgreement"] = [ka["id"]]
    doc["verificationMethod"] = vms
    # Keep DID Core's usual member order: verificationMethod before the relationships.
    ordered = {k: doc[k] for k in ("@context", "id", "verificationMethod")}
    ordered.update({k: v for k, v in doc.items() if k not in ordered})
    return ordered


class KeyMethod:
    """did:key resolution: pure computation, no I/O."""

    name = "key"

    async def resolve(
        self, did: str, *, version_id: str | None = None, version_time: str | None = None
    ) -> ResolutionResult:
        if version_id is not None or version_time is not None:
            _decode_did_key(did)
            raise UnsupportedError("did:key documents have no versions", code="versionNotSupported")
        return ResolutionResult(
            document=did_key_document(did),
            document_metadata={},
            resolution_metadata={"contentType": "application/did+ld+json"},
        )
