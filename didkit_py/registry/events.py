"""ERC-1056 registry events: topics, decoding of raw JSON-RPC logs, and the ``changed`` call.

Shared by the did:ethr resolver (async, raw JSON-RPC) and the registry client (web3.py), so
that both read the chain the same way. Decoding follows ethr-did-resolver's ``logDecoder``:
``bytes32`` fields are read as UTF-8 with trailing NULs removed, and an event whose
``bytes32`` is not UTF-8 is kept for the linked-list walk but is not a DID event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from ..errors import ResolutionError

__all__ = [
    "ATTRIBUTE_CHANGED",
    "DELEGATE_CHANGED",
    "OWNER_CHANGED",
    "EventKind",
    "RegistryEvent",
    "bytes32_to_string",
    "changed_call_data",
    "decode_log",
    "identity_topic",
]

EventKind = Literal["DIDOwnerChanged", "DIDDelegateChanged", "DIDAttributeChanged"]

OWNER_CHANGED = keccak(b"DIDOwnerChanged(address,address,uint256)")
DELEGATE_CHANGED = keccak(b"DIDDelegateChanged(address,bytes32,address,uint256,uint256)")
ATTRIBUTE_CHANGED = keccak(b"DIDAttributeChanged(address,bytes32,bytes,uint256,uint256)")

_LAYOUT: dict[bytes, tuple[EventKind, list[str]]] = {
    OWNER_CHANGED: ("DIDOwnerChanged", ["address", "uint256"]),
    DELEGATE_CHANGED: ("DIDDelegateChanged", ["bytes32", "address", "uint256", "uint256"]),
    ATTRIBUTE_CHANGED: ("DIDAttributeChanged", ["bytes32", "bytes", "uint256", "uint256"]),
}
_CHANGED_SELECTOR = keccak(b"changed(address)")[:4]


@dataclass(frozen=True, slots=True)
class RegistryEvent:
    """One decoded registry event with where it happened.

    ``name``/``delegate_type`` are the raw ``bytes32``; ``name_text``/``delegate_type_text`` the
    UTF-8 reading (``None`` when not UTF-8: not a DID event, still part of the change list).
    """

    kind: EventKind
    identity: str
    block_number: int
    log_index: int
    transaction_hash: str
    previous_change: int
    owner: str | None = None
    delegate_type: bytes | None = None
    delegate: str | None = None
    name: bytes | None = None
    value: bytes | None = None
    valid_to: int | None = None
    block_timestamp: int | None = None

    @property
    def name_text(self) -> str | None:
        return None if self.name is None else bytes32_to_string(self.name)

    @property
    def delegate_type_text(self) -> str | None:
        return None if self.delegate_type is None else bytes32_to_string(self.delegate_type)

    @property
    def is_did_event(self) -> bool:
        """False when a ``bytes32`` field is not UTF-8 (ethr-did-resolver skips such events)."""
        if self.kind == "DIDDelegateChanged":
            return self.delegate_type_text is not None
        if self.kind == "DIDAttributeChanged":
            return self.name_text is not None
        return True

    def to_dict(self) -> dict[str, Any]:
        """A JSON view for history listings (hex for bytes, text where it is text)."""
        out: dict[str, Any] = {
            "event": self.kind,
            "identity": self.identity,
            "blockNumber": self.block_number,
            "logIndex": self.log_index,
            "transactionHash": self.transaction_hash,
            "previousChange": self.previous_change,
        }
        if self.block_timestamp is not None:
            out["blockTimestamp"] = self.block_timestamp
        if self.owner is not None:
            out["owner"] = self.owner
        if self.delegate_type is not None:
            out["delegateType"] = self.delegate_type_text or "0x" + self.delegate_type.hex()
        if self.delegate is not None:
            out["delegate"] = self.delegate
        if self.name is not None:
            out["name"] = self.name_text or "0x" + self.name.hex()
        if self.value is not None:
            out["value"] = "0x" + self.value.hex()
        if self.valid_to is not None:
            out["validTo"] = self.valid_to
        return out


def bytes32_to_string(raw: bytes) -> str | None:
    """ethr-did-resolver's ``bytes32toString``: UTF-8, trailing NULs removed; ``None`` if not UTF-8."""
    try:
        return raw.decode("utf-8").rstrip("\x00")
    except UnicodeDecodeError:
        return None


def identity_topic(address: str) -> str:
    """The indexed ``identity`` topic for an address."""
    return "0x" + "00" * 12 + address[2:].lower()


def changed_call_data(address: str) -> str:
    """Calldata of ``changed(address)``."""
    return "0x" + (_CHANGED_SELECTOR + abi_encode(["address"], [address])).hex()


def _hex_bytes(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ResolutionError(f"node returned a malformed log ({what})", code="registry.malformed_log")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise ResolutionError(
            f"node returned a malformed log ({what})", code="registry.malformed_log"
        ) from None


def _hex_int(value: Any, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ResolutionError(f"node returned a malformed log ({what})", code="registry.malformed_log")
    try:
        return int(value, 16)
    except ValueError:
        raise ResolutionError(
            f"node returned a malformed log ({what})", code="registry.malformed_log"
        ) from None


def decode_log(log: Any) -> RegistryEvent | None:
    """Decode one JSON-RPC log object; ``None`` for a log that is not a registry event.

    Raises :class:`ResolutionError` for a log that claims to be a registry event but whose
    data does not decode (as ethr-did-resolver fails the resolution then).
    """
    if not isinstance(log, dict):
        raise ResolutionError("node returned a malformed log", code="registry.malformed_log")
    topics = log.get("topics")
    if not isinstance(topics, list) or len(topics) != 2:
        return None
    topic0 = _hex_bytes(topics[0], "topic")
    layout = _LAYOUT.get(topic0)
    if layout is None:
        return None
    kind, types = layout
    identity_raw = _hex_bytes(topics[1], "topic")
    if len(identity_raw) != 32 or any(identity_raw[:12]):
        raise ResolutionError("registry event with a malformed identity topic", code="registry.malformed_log")
    data = _hex_bytes(log.get("data"), "data")
    try:
        values = abi_decode(types, data, strict=True)
    except Exception as exc:
        raise ResolutionError(f"cannot decode {kind} data", code="registry.malformed_log") from exc
    ts_raw = log.get("blockTimestamp")
    common: dict[str, Any] = {
        "kind": kind,
        "identity": to_checksum_address(identity_raw[12:]),
        "block_number": _hex_int(log.get("blockNumber"), "blockNumber"),
        "log_index": _hex_int(log.get("logIndex"), "logIndex"),
        "transaction_hash": str(log.get("transactionHash") or ""),
        "block_timestamp": _hex_int(ts_raw, "blockTimestamp") if ts_raw is not None else None,
    }
    if kind == "DIDOwnerChanged":
        owner, pc = values
        return RegistryEvent(owner=to_checksum_address(owner), previous_change=int(pc), **common)
    if kind == "DIDDelegateChanged":
        dtype, delegate, valid_to, pc = values
        return RegistryEvent(
            delegate_type=bytes(dtype),
            delegate=to_checksum_address(delegate),
            valid_to=int(valid_to),
            previous_change=int(pc),
            **common,
        )
    name, value, valid_to, pc = values
    return RegistryEvent(
        name=bytes(name), value=bytes(value), valid_to=int(valid_to), previous_change=int(pc), **common
    )
