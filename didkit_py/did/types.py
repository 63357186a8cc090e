"""The values DID resolution passes around, and the protocol a DID method implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..keys import KeyType

__all__ = [
    "DID_CONTEXT",
    "DID_RESOLUTION_CONTEXT",
    "JWK_CONTEXT",
    "MULTIKEY_CONTEXT",
    "RELATIONSHIPS",
    "DidMethod",
    "ResolutionResult",
    "VerificationMethod",
]

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
JWK_CONTEXT = "https://w3id.org/security/jwk/v1"
DID_RESOLUTION_CONTEXT = "https://w3id.org/did-resolution/v1"

#: Verification relationships of DID Core §5.3.
RELATIONSHIPS: tuple[str, ...] = (
    "authentication",
    "assertionMethod",
    "keyAgreement",
    "capabilityInvocation",
    "capabilityDelegation",
)


@dataclass(frozen=True, slots=True)
class ResolutionResult:
    """DID Resolution §4 output: the document and both metadata objects.

    The dicts are the caller's own copies (the resolver's cache keeps its own).
    """

    document: dict[str, Any]
    document_metadata: dict[str, Any] = field(default_factory=dict)
    resolution_metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The DID Resolution result as JSON (``application/ld+json;profile=…did-resolution``)."""
        return {
            "@context": DID_RESOLUTION_CONTEXT,
            "didDocument": self.document,
            "didDocumentMetadata": self.document_metadata,
            "didResolutionMetadata": self.resolution_metadata,
        }


@dataclass(frozen=True, slots=True)
class VerificationMethod:
    """A verification method with its key decoded; ``raw`` is the JSON it came from."""

    id: str
    type: str
    controller: str
    key_type: KeyType
    public_key: bytes
    raw: dict[str, Any] = field(repr=False)


@runtime_checkable
class DidMethod(Protocol):
    """One DID method: ``name`` is the method name (``"key"``, ``"web"``, ``"ethr"``, …).

    ``resolve`` returns the document for a DID of this method or raises our errors:
    ``InvalidInput(code="invalidDid")`` for a malformed DID, ``NotFound(code="notFound")``,
    ``NetworkError`` / ``ResolutionError`` when the source could not be read.
    ``version_time`` is an XML Schema ``dateTime`` string as in DID Core §3.2.1.
    """

    name: str

    async def resolve(
        self, did: str, *, version_id: str | None = None, version_time: str | None = None
    ) -> ResolutionResult: ...
