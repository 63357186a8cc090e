"""DID document checks (DID Core §4-§5, via pydid) and finding nodes inside a document."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from pydid import DIDDocument

from ..errors import InvalidInput
from .syntax import absolute_did_url
from .types import RELATIONSHIPS

__all__ = ["find_node", "iter_nodes", "relationship_ids", "validate_did_document"]


def _pointer(loc: tuple[Any, ...]) -> str:
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in loc)


# pydid 0.5.3 under pydantic >= 2.12 crashes (AssertionError) on these two types: their
# ``required_group`` "after" validator returns a dict. We check that rule ourselves and let
# pydid validate the rest of the method (id, controller, one key material) under a neutral type.
_PYDID_REQUIRED_GROUPS: dict[str, frozenset[str]] = {
    "EcdsaSecp256k1VerificationKey2019": frozenset(
        {"publicKeyJwk", "publicKeyHex", "publicKeyBase58", "publicKeyMultibase"}
    ),
    "EcdsaSecp256k1RecoveryMethod2020": frozenset(
        {"publicKeyJwk", "publicKeyHex", "ethereumAddress", "blockchainAccountId"}
    ),
}
_NEUTRAL_TYPE = "DidkitCheckedVerificationMethod"


def _for_pydid(doc: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` that pydid can validate (see ``_PYDID_REQUIRED_GROUPS``)."""
    out: dict[str, Any] | None = None
    for member in ("verificationMethod", *RELATIONSHIPS):
        entries = doc.get(member)
        if not isinstance(entries, list):
            continue
        for i, vm in enumerate(entries):
            if (
                not isinstance(vm, dict)
                or not isinstance(vm.get("type"), str)
                or vm["type"] not in _PYDID_REQUIRED_GROUPS
            ):
                continue
            group = _PYDID_REQUIRED_GROUPS[vm["type"]]
            if not any(vm.get(prop) is not None for prop in group):
                raise InvalidInput(
                    f"{vm['type']} needs one of {', '.join(sorted(group))}",
                    code="invalidDidDocument",
                    at=f"/{member}/{i}",
                )
            if out is None:
                out = copy.deepcopy(doc)
            out[member][i]["type"] = _NEUTRAL_TYPE
    return doc if out is None else out


def validate_did_document(doc: Any, did: str) -> dict[str, Any]:
    """Check a document obtained for ``did``: a DID Core document whose ``id`` is ``did``.

    Raises ``InvalidInput(code="invalidDidDocument")`` naming the first offending member.
    """
    code = "invalidDidDocument"
    if not isinstance(doc, dict):
        raise InvalidInput("DID document must be a JSON object", code=code)
    if doc.get("id") != did:
        raise InvalidInput("DID document id does not match the DID resolved", code=code, at="/id")
    checkable = _for_pydid(doc)
    try:
        DIDDocument.deserialize(checkable)
    except RecursionError:
        raise InvalidInput("DID document is nested too deeply", code=code) from None
    except Exception as exc:  # pydid is foreign code: any failure of its validation is our InvalidInput
        cause = exc.__cause__
        errors = getattr(cause, "errors", None)
        at: str | None = None
        detail = "does not conform to DID Core"
        if callable(errors):
            try:
                first = errors()[0]
                at = _pointer(tuple(first.get("loc", ())))
                detail = str(first.get("msg", detail))[:200]
            except (IndexError, TypeError, AttributeError):
                pass
        raise InvalidInput(f"invalid DID document: {detail}", code=code, at=at) from None
    return doc


def iter_nodes(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every verification method (listed or embedded in a relationship) and service."""
    for vm in doc.get("verificationMethod") or ():
        if isinstance(vm, dict):
            yield vm
    for rel in RELATIONSHIPS:
        for entry in doc.get(rel) or ():
            if isinstance(entry, dict):
                yield entry
    for svc in doc.get("service") or ():
        if isinstance(svc, dict):
            yield svc


def find_node(doc: dict[str, Any], target: str) -> dict[str, Any] | None:
    """The node whose (absolutized) id equals ``target``, as an absolutized copy."""
    did = doc["id"]
    for node in iter_nodes(doc):
        node_id = node.get("id")
        if isinstance(node_id, str) and node_id and absolute_did_url(node_id, did) == target:
            out = copy.deepcopy(node)
            out["id"] = target
            controller = out.get("controller")
            if isinstance(controller, str) and controller:
                out["controller"] = absolute_did_url(controller, did)
            return out
    return None


def relationship_ids(doc: dict[str, Any], relationship: str) -> set[str]:
    """Absolute ids of the methods a document lists under ``relationship``."""
    did = doc["id"]
    out: set[str] = set()
    for entry in doc.get(relationship) or ():
        ref = entry.get("id") if isinstance(entry, dict) else entry
        if isinstance(ref, str) and ref:
            out.add(absolute_did_url(ref, did))
    return out
