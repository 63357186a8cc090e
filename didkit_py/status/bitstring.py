"""W3C Bitstring Status List v1.0: lists, entries, status list credentials, and the validate algorithm.

https://www.w3.org/TR/vc-bitstring-status-list/

An issuer publishes one *status list credential* per list: a credential whose subject's
``encodedList`` is the bitstring, GZIP-compressed and multibase-base64url-encoded (§2.1,
§3.1 "Bitstring Generation Algorithm"). Each issued credential carries a
``BitstringStatusListEntry`` naming the list and an index (§2.1). Indexes are allocated at random
(§6.1 "Herd privacy"): a sequential index would leak the order of issuance and let a verifier
correlate credentials issued together.

The verifier side fetches the list credential with an injected :class:`httpx.AsyncClient`
(timeouts, a size limit, a decompression limit, an HTTP cache honouring ``Cache-Control``
with a TTL floor), verifies it with an injected callable (the credentials entry point: the
list must be secured by a suite we support), and runs §3.2 "Validate Algorithm". Anything that
goes wrong raises; a status is never reported "clear" unless it was read from a verified list.

Nothing here keeps global state: the clock, the randomness, the HTTP client and the verifier of
the list credential are all passed in.
"""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import ipaddress
import json
import logging
import os
import re
import time
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from .._encoding import multibase_decode, multibase_encode
from ..errors import (
    InvalidInput,
    LimitExceeded,
    NetworkError,
    NotFound,
    ResolutionError,
    StatusError,
    VerificationError,
)

__all__ = [
    "BITSTRING_STATUS_LIST_CREDENTIAL",
    "BITSTRING_STATUS_LIST_ENTRY",
    "DEFAULT_MAX_LIST_BYTES",
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

log = logging.getLogger(__name__)

#: §2.1: "The uncompressed bitstring MUST be at least 16KB in size" — 131,072 entries.
MIN_ENTRIES: Final = 131_072
#: Clock difference tolerated on a list credential's own validity window.
DEFAULT_SKEW: Final = timedelta(seconds=60)
#: Largest expanded list we accept by default (128 Mi one-bit entries). A GZIP body that
#: expands past the limit is a decompression bomb and raises :class:`LimitExceeded`.
DEFAULT_MAX_LIST_BYTES: Final = 16 * 1024 * 1024
#: Largest ``statusSize`` we accept: ``statusMessage`` then has 256 entries.
MAX_STATUS_SIZE: Final = 8

BITSTRING_STATUS_LIST_ENTRY: Final = "BitstringStatusListEntry"
BITSTRING_STATUS_LIST_CREDENTIAL: Final = "BitstringStatusListCredential"
BITSTRING_STATUS_LIST: Final = "BitstringStatusList"
VC_V2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"

#: §2.1 statusPurpose values defined by the spec. Others are allowed by ecosystems and are
#: treated as informational (they are read, never turned into a failure by themselves).
PURPOSES: Final = frozenset({"refresh", "revocation", "suspension", "message"})

_INDEX_RE = re.compile(r"[0-9]{1,18}")
_HEX_STATUS_RE = re.compile(r"0x[0-9a-fA-F]{1,2}")

Rng = Callable[[int], bytes]
#: Verifies a secured status list credential (a JSON object with a proof, or a compact
#: ``vc+jwt``) and returns the credential document it secures; raises ``VerificationError``
#: (or any ``DidkitError``) when it does not verify. The verifier SDK passes the credentials
#: entry point here, with the same resolver and policies as for the credential itself.
ListCredentialVerifier = Callable[[Any], Awaitable[Mapping[str, Any]]]


# --------------------------------------------------------------------------------------------
# the bitstring


def bitstring_generation(bitstring: bytes) -> str:
    """§3.1 "Bitstring Generation Algorithm": GZIP the bits, then multibase base64url (``u``)."""
    # 1-2. Compress with GZIP (RFC 1952). mtime=0 keeps the output deterministic.
    compressed = gzip.compress(bytes(bitstring), compresslevel=9, mtime=0)
    # 3. Multibase-encode with base64url, no padding.
    return multibase_encode(compressed, "base64url")


def bitstring_expansion(
    encoded_list: str,
    *,
    max_bytes: int = DEFAULT_MAX_LIST_BYTES,
    at: str | None = "/credentialSubject/encodedList",
) -> bytes:
    """§3.2 "Bitstring Expansion Algorithm", bounded: a list expanding past ``max_bytes`` raises.

    The encoded list must be multibase base64url (``u``) of a GZIP stream; anything else is
    ``InvalidInput``; expansion beyond ``max_bytes`` is :class:`LimitExceeded`.
    """
    if not isinstance(encoded_list, str) or not encoded_list.startswith("u"):
        raise InvalidInput(
            "encodedList must be multibase base64url ('u' prefix)", code="status.malformed", at=at
        )
    # A base64 body can expand at most 3/4; GZIP at most ~1032:1. Refuse bodies that could only
    # be bombs before touching them.
    if len(encoded_list) > (max_bytes * 4) // 3 + 16:
        raise LimitExceeded("encodedList is larger than the list limit", code="status.limit", at=at)
    compressed = multibase_decode(encoded_list, at=at)
    return gunzip_bounded(compressed, max_bytes=max_bytes, at=at)


def gunzip_bounded(data: bytes, *, max_bytes: int, at: str | None = None) -> bytes:
    """Decompress GZIP (one or more members) without ever holding more than ``max_bytes + 1``."""
    out = bytearray()
    rest = data
    if not rest:
        raise InvalidInput("empty GZIP stream", code="status.malformed", at=at)
    while rest:
        d = zlib.decompressobj(wbits=31)
        try:
            chunk = d.decompress(rest, max_bytes - len(out) + 1)
        except zlib.error:
            raise InvalidInput("not a GZIP stream", code="status.malformed", at=at) from None
        out += chunk
        if len(out) > max_bytes or d.unconsumed_tail:
            raise LimitExceeded(
                f"status list expands past the {max_bytes}-byte limit", code="status.limit", at=at
            )
        if not d.eof:
            raise InvalidInput("truncated GZIP stream", code="status.malformed", at=at)
        rest = d.unused_data
    return bytes(out)


def random_below(n: int, rng: Rng = os.urandom) -> int:
    """A uniform integer in ``[0, n)`` by rejection sampling over ``rng`` bytes (no modulo bias)."""
    if n <= 0:
        raise ValueError("n must be positive")
    bits = (n - 1).bit_length()
    if bits == 0:
        return 0
    nbytes = (bits + 7) // 8
    mask = (1 << bits) - 1
    while True:
        raw = rng(nbytes)
        if not isinstance(raw, bytes | bytearray) or len(raw) != nbytes:
            raise ValueError("rng returned the wrong number of bytes")
        x = int.from_bytes(raw, "big") & mask
        if x < n:
            return x


class BitstringStatusList:
    """A list of ``length`` statuses of ``status_size`` bits each (§2.1, §3.1).

    Index 0 is the left-most bit of the first byte, as the spec requires; a multi-bit status is
    read most-significant bit first.
    """

    __slots__ = ("_bits", "length", "status_size")

    def __init__(self, length: int = MIN_ENTRIES, *, status_size: int = 1, bits: bytes | None = None) -> None:
        _check_status_size(status_size, at="statusSize")
        if not isinstance(length, int) or length <= 0:
            raise InvalidInput("length must be a positive integer", code="status.length", at="length")
        self.length = length
        self.status_size = status_size
        nbytes = (length * status_size + 7) // 8
        if bits is None:
            self._bits = bytearray(nbytes)
        else:
            if len(bits) != nbytes:
                raise InvalidInput("bitstring does not match the list length", code="status.length")
            self._bits = bytearray(bits)

    @classmethod
    def create(cls, length: int = MIN_ENTRIES, *, status_size: int = 1) -> BitstringStatusList:
        """A new all-zero list; §2.1 requires at least :data:`MIN_ENTRIES` entries."""
        if length < MIN_ENTRIES:
            raise InvalidInput(
                f"a status list has at least {MIN_ENTRIES} entries", code="status.list_length", at="length"
            )
        return cls(length, status_size=status_size)

    @classmethod
    def decode(
        cls,
        encoded_list: str,
        *,
        status_size: int = 1,
        min_entries: int = MIN_ENTRIES,
        max_bytes: int = DEFAULT_MAX_LIST_BYTES,
    ) -> BitstringStatusList:
        """Expand an ``encodedList``; fewer than ``min_entries`` entries is STATUS_LIST_LENGTH_ERROR."""
        _check_status_size(status_size, at="statusSize")
        raw = bitstring_expansion(encoded_list, max_bytes=max_bytes)
        length = (len(raw) * 8) // status_size
        if length < min_entries:
            raise VerificationError(
                f"status list has {length} entries, fewer than {min_entries}",
                code="status.list_length",
                at="/credentialSubject/encodedList",
            )
        return cls(length, status_size=status_size, bits=raw)

    def encode(self) -> str:
        return bitstring_generation(bytes(self._bits))

    def to_bytes(self) -> bytes:
        return bytes(self._bits)

    def _check_index(self, index: int) -> None:
        if not isinstance(index, int) or isinstance(index, bool) or index < 0 or index >= self.length:
            raise InvalidInput(
                f"index {index!r} is outside the list (0..{self.length - 1})", code="status.range", at="index"
            )

    def get(self, index: int) -> int:
        """The status value at ``index`` (§3.2 step 10)."""
        self._check_index(index)
        return _read_bits(self._bits, index * self.status_size, self.status_size)

    def set(self, index: int, value: int) -> None:
        self._check_index(index)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < (1 << self.status_size):
            raise InvalidInput(
                f"status value must be in 0..{(1 << self.status_size) - 1}", code="status.value", at="value"
            )
        pos = index * self.status_size
        for i in range(self.status_size):
            bit = (value >> (self.status_size - 1 - i)) & 1
            byte, off = divmod(pos + i, 8)
            mask = 0x80 >> off
            if bit:
                self._bits[byte] |= mask
            else:
                self._bits[byte] &= ~mask & 0xFF

    def count_set(self) -> int:
        """How many entries have a non-zero status."""
        if self.status_size == 1:
            return int.from_bytes(self._bits, "big").bit_count()
        return sum(1 for i in range(self.length) if self.get(i))


def _read_bits(buf: bytes | bytearray, pos: int, size: int) -> int:
    if size == 1:
        return (buf[pos >> 3] >> (7 - (pos & 7))) & 1
    value = 0
    for i in range(size):
        p = pos + i
        value = (value << 1) | ((buf[p >> 3] >> (7 - (p & 7))) & 1)
    return value


def _check_status_size(size: Any, *, at: str) -> None:
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise InvalidInput("statusSize must be an integer greater than zero", code="status.malformed", at=at)
    if size > MAX_STATUS_SIZE:
        raise LimitExceeded(f"statusSize larger than {MAX_STATUS_SIZE}", code="status.limit", at=at)


# --------------------------------------------------------------------------------------------
# entries


@dataclass(frozen=True, slots=True)
class StatusMessage:
    """One ``statusMessage`` element: a status value and what it means (§2.1)."""

    status: int
    message: str

    def to_json(self) -> dict[str, str]:
        return {"status": hex(self.status), "message": self.message}


@dataclass(frozen=True, slots=True)
class BitstringStatusListEntry:
    """A ``credentialStatus`` entry of type ``BitstringStatusListEntry`` (§2.1)."""

    status_list_credential: str
    status_list_index: int
    status_purpose: str
    status_size: int = 1
    status_message: tuple[StatusMessage, ...] = ()
    id: str | None = None
    status_reference: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, obj: Any, *, at: str = "/credentialStatus") -> BitstringStatusListEntry:
        """Parse and check every normative statement of §2.1 about the entry."""
        if not isinstance(obj, Mapping):
            raise InvalidInput("credentialStatus entry must be an object", code="status.malformed", at=at)
        types = obj.get("type")
        type_list = [types] if isinstance(types, str) else types
        if not isinstance(type_list, list) or BITSTRING_STATUS_LIST_ENTRY not in type_list:
            raise InvalidInput(
                "credentialStatus type must be BitstringStatusListEntry", code="status.type", at=f"{at}/type"
            )
        url = obj.get("statusListCredential")
        if not isinstance(url, str) or not _looks_like_url(url):
            raise InvalidInput(
                "statusListCredential must be a URL", code="status.malformed", at=f"{at}/statusListCredential"
            )
        entry_id = obj.get("id")
        if entry_id is not None:
            if not isinstance(entry_id, str) or not _looks_like_url(entry_id):
                raise InvalidInput("id must be a URL", code="status.malformed", at=f"{at}/id")
            if entry_id == url:
                raise InvalidInput(
                    "id must not be the URL of the status list", code="status.malformed", at=f"{at}/id"
                )
        purpose = obj.get("statusPurpose")
        if not isinstance(purpose, str) or not purpose:
            raise InvalidInput(
                "statusPurpose must be a string", code="status.malformed", at=f"{at}/statusPurpose"
            )
        index_s = obj.get("statusListIndex")
        if not isinstance(index_s, str) or not _INDEX_RE.fullmatch(index_s):
            raise InvalidInput(
                "statusListIndex must be a base-10 integer string",
                code="status.malformed",
                at=f"{at}/statusListIndex",
            )
        size = obj.get("statusSize", 1)
        _check_status_size(size, at=f"{at}/statusSize")
        messages: tuple[StatusMessage, ...] = ()
        raw_messages = obj.get("statusMessage")
        if raw_messages is None:
            if size > 1:
                raise InvalidInput(
                    "statusMessage must be present when statusSize > 1",
                    code="status.malformed",
                    at=f"{at}/statusMessage",
                )
        else:
            messages = _parse_status_messages(raw_messages, size, at=f"{at}/statusMessage")
        refs_raw = obj.get("statusReference")
        refs: tuple[str, ...] = ()
        if refs_raw is not None:
            refs_list = [refs_raw] if isinstance(refs_raw, str) else refs_raw
            if (
                not isinstance(refs_list, list)
                or not refs_list
                or not all(isinstance(r, str) and _looks_like_url(r) for r in refs_list)
            ):
                raise InvalidInput(
                    "statusReference must be a URL or an array of URLs",
                    code="status.malformed",
                    at=f"{at}/statusReference",
                )
            refs = tuple(refs_list)
        return cls(
            status_list_credential=url,
            status_list_index=int(index_s),
            status_purpose=purpose,
            status_size=size,
            status_message=messages,
            id=entry_id,
            status_reference=refs,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.id is not None:
            out["id"] = self.id
        out["type"] = BITSTRING_STATUS_LIST_ENTRY
        out["statusPurpose"] = self.status_purpose
        out["statusListIndex"] = str(self.status_list_index)
        out["statusListCredential"] = self.status_list_credential
        if self.status_size != 1:
            out["statusSize"] = self.status_size
        if self.status_message:
            out["statusMessage"] = [m.to_json() for m in self.status_message]
        if self.status_reference:
            out["statusReference"] = (
                self.status_reference[0] if len(self.status_reference) == 1 else list(self.status_reference)
            )
        return out

    def message_for(self, value: int) -> str | None:
        for m in self.status_message:
            if m.status == value:
                return m.message
        return None


def _parse_status_messages(raw: Any, size: int, *, at: str) -> tuple[StatusMessage, ...]:
    if not isinstance(raw, list):
        raise InvalidInput("statusMessage must be an array", code="status.malformed", at=at)
    expected = 1 << size
    if len(raw) != expected:
        raise InvalidInput(
            f"statusMessage must have {expected} entries for statusSize {size}",
            code="status.malformed",
            at=at,
        )
    seen: set[int] = set()
    out: list[StatusMessage] = []
    for i, m in enumerate(raw):
        if not isinstance(m, Mapping):
            raise InvalidInput(
                "statusMessage entry must be an object", code="status.malformed", at=f"{at}/{i}"
            )
        st, msg = m.get("status"), m.get("message")
        if not isinstance(st, str) or not _HEX_STATUS_RE.fullmatch(st):
            raise InvalidInput(
                "status must be a hex string such as 0x0", code="status.malformed", at=f"{at}/{i}/status"
            )
        if not isinstance(msg, str):
            raise InvalidInput("message must be a string", code="status.malformed", at=f"{at}/{i}/message")
        value = int(st, 16)
        if value >= expected or value in seen:
            raise InvalidInput(
                "status values must be distinct and fit statusSize",
                code="status.malformed",
                at=f"{at}/{i}/status",
            )
        seen.add(value)
        out.append(StatusMessage(value, msg))
    return tuple(out)


def _looks_like_url(s: str) -> bool:
    if len(s) > 4096 or any(c.isspace() for c in s):
        return False
    try:
        parts = urlsplit(s)
    except ValueError:  # e.g. "http://[x": not a URL
        return False
    return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme in {"did", "urn"})


def credential_status_entries(credential: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The ``credentialStatus`` entries of a credential with their JSON pointers (one or many)."""
    raw = credential.get("credentialStatus")
    if raw is None:
        return []
    if isinstance(raw, Mapping):
        return [("/credentialStatus", raw)]
    if isinstance(raw, list) and raw:
        return [(f"/credentialStatus/{i}", e) for i, e in enumerate(raw)]
    raise InvalidInput(
        "credentialStatus must be an object or a non-empty array",
        code="status.malformed",
        at="/credentialStatus",
    )


# --------------------------------------------------------------------------------------------
# the status list credential (issuer side)


def build_status_list_credential(
    *,
    id: str,
    issuer: str | Mapping[str, Any],
    status_list: BitstringStatusList,
    status_purpose: str | Sequence[str],
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    ttl_ms: int | None = None,
    context: Sequence[str] = (VC_V2_CONTEXT,),
) -> dict[str, Any]:
    """The unsecured ``BitstringStatusListCredential`` (§2.2); secure it with ``credentials.issue``.

    ``status_purpose`` may name several purposes (§2.2: "one or more strings"). The subject id
    is ``{id}#list`` as in the spec's examples.
    """
    if not _looks_like_url(id):
        raise InvalidInput("status list credential id must be a URL", code="status.malformed", at="id")
    purposes = [status_purpose] if isinstance(status_purpose, str) else list(status_purpose)
    if not purposes or not all(isinstance(p, str) and p for p in purposes):
        raise InvalidInput(
            "statusPurpose must be one or more strings", code="status.malformed", at="statusPurpose"
        )
    if status_list.length < MIN_ENTRIES:
        raise InvalidInput(
            f"a status list has at least {MIN_ENTRIES} entries", code="status.list_length", at="length"
        )
    subject: dict[str, Any] = {
        "id": f"{id}#list",
        "type": BITSTRING_STATUS_LIST,
        "statusPurpose": purposes[0] if len(purposes) == 1 else purposes,
        "encodedList": status_list.encode(),
    }
    if ttl_ms is not None:
        if not isinstance(ttl_ms, int) or ttl_ms < 0:
            raise InvalidInput(
                "ttl must be a non-negative integer (milliseconds)", code="status.malformed", at="ttl"
            )
        subject["ttl"] = ttl_ms
    cred: dict[str, Any] = {
        "@context": list(context),
        "id": id,
        "type": ["VerifiableCredential", BITSTRING_STATUS_LIST_CREDENTIAL],
        "issuer": issuer if isinstance(issuer, str) else dict(issuer),
    }
    if valid_from is not None:
        cred["validFrom"] = _iso(valid_from)
    if valid_until is not None:
        cred["validUntil"] = _iso(valid_until)
    cred["credentialSubject"] = subject
    return cred


def _iso(dt: datetime) -> str:
    if dt.tzinfo is None:
        raise InvalidInput("datetimes must be timezone-aware", code="status.malformed")
    return dt.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class StatusListManager:
    """The issuer's working copy of one list: statuses plus which indexes are already handed out.

    The allocation map never leaves the issuer. :meth:`allocate` picks a uniformly random free
    index (herd privacy, §6.1): never sequential, so an index says nothing about issuance order.
    """

    FILE_TYPE: Final = "didkit-py/BitstringStatusListState"

    def __init__(
        self,
        *,
        id: str,
        status_purpose: str | Sequence[str],
        status_list: BitstringStatusList,
        status_message: Sequence[StatusMessage] = (),
        allocated: bytes | None = None,
    ) -> None:
        if not _looks_like_url(id):
            raise InvalidInput("status list id must be a URL", code="status.malformed", at="id")
        self.id = id
        self.purposes: tuple[str, ...] = (
            (status_purpose,) if isinstance(status_purpose, str) else tuple(status_purpose)
        )
        if not self.purposes or not all(isinstance(p, str) and p for p in self.purposes):
            raise InvalidInput("statusPurpose must be one or more strings", code="status.malformed")
        self.list = status_list
        if status_list.status_size > 1 and not status_message:
            raise InvalidInput("statusMessage is required when statusSize > 1", code="status.malformed")
        if status_message and len(status_message) != 1 << status_list.status_size:
            raise InvalidInput("statusMessage must cover every status value", code="status.malformed")
        self.status_message = tuple(status_message)
        nbytes = (status_list.length + 7) // 8
        if allocated is None:
            self._allocated = bytearray(nbytes)
        else:
            if len(allocated) != nbytes:
                raise InvalidInput("allocation map does not match the list length", code="status.malformed")
            self._allocated = bytearray(allocated)
        self._n_allocated = int.from_bytes(self._allocated, "big").bit_count()

    @classmethod
    def create(
        cls,
        *,
        id: str,
        status_purpose: str | Sequence[str] = "revocation",
        length: int = MIN_ENTRIES,
        status_size: int = 1,
        status_message: Sequence[StatusMessage] = (),
    ) -> StatusListManager:
        return cls(
            id=id,
            status_purpose=status_purpose,
            status_list=BitstringStatusList.create(length, status_size=status_size),
            status_message=status_message,
        )

    @property
    def allocated_count(self) -> int:
        return self._n_allocated

    def is_allocated(self, index: int) -> bool:
        self.list._check_index(index)
        return bool(self._allocated[index >> 3] & (0x80 >> (index & 7)))

    def allocate(self, rng: Rng = os.urandom) -> int:
        """Hand out a uniformly random unused index; a full list raises :class:`LimitExceeded`."""
        n = self.list.length
        free = n - self._n_allocated
        if free <= 0:
            raise LimitExceeded("status list is full", code="status.list_full")
        # Rejection sampling is uniform over free indexes; fall back to picking the r-th free
        # index when the list is nearly full so the loop stays bounded.
        index = -1
        for _ in range(64):
            cand = random_below(n, rng)
            if not self._allocated[cand >> 3] & (0x80 >> (cand & 7)):
                index = cand
                break
        if index < 0:
            index = self._nth_free(random_below(free, rng))
        self._allocated[index >> 3] |= 0x80 >> (index & 7)
        self._n_allocated += 1
        return index

    def _nth_free(self, r: int) -> int:
        for byte_i, byte in enumerate(self._allocated):
            zeros = 8 - byte.bit_count()
            if byte_i * 8 + 8 > self.list.length:
                zeros = sum(
                    1 for b in range(8) if byte_i * 8 + b < self.list.length and not byte & (0x80 >> b)
                )
            if r < zeros:
                for b in range(8):
                    if byte_i * 8 + b < self.list.length and not byte & (0x80 >> b):
                        if r == 0:
                            return byte_i * 8 + b
                        r -= 1
            r -= zeros
        raise AssertionError("free count out of sync")  # pragma: no cover

    def entry(
        self, index: int, *, purpose: str | None = None, entry_id: str | None = None
    ) -> BitstringStatusListEntry:
        """The ``credentialStatus`` entry for an allocated index."""
        if not self.is_allocated(index):
            raise InvalidInput(f"index {index} was not allocated from this list", code="status.unallocated")
        p = purpose or self.purposes[0]
        if p not in self.purposes:
            raise InvalidInput(f"this list does not serve purpose {p!r}", code="status.purpose_mismatch")
        return BitstringStatusListEntry(
            status_list_credential=self.id,
            status_list_index=index,
            status_purpose=p,
            status_size=self.list.status_size,
            status_message=self.status_message,
            id=entry_id or f"{self.id}#{index}",
        )

    def set_status(self, index: int, value: int) -> None:
        self.list.set(index, value)

    def credential(self, *, issuer: str | Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        """The unsecured status list credential for the current state."""
        return build_status_list_credential(
            id=self.id, issuer=issuer, status_list=self.list, status_purpose=self.purposes, **kwargs
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON state file (issuer-private: it includes the allocation map)."""
        out: dict[str, Any] = {
            "type": self.FILE_TYPE,
            "version": 1,
            "id": self.id,
            "statusPurpose": list(self.purposes),
            "statusSize": self.list.status_size,
            "length": self.list.length,
            "encodedList": self.list.encode(),
            "allocated": bitstring_generation(bytes(self._allocated)),
        }
        if self.status_message:
            out["statusMessage"] = [m.to_json() for m in self.status_message]
        return out

    @classmethod
    def from_json(cls, obj: Any, *, max_bytes: int = DEFAULT_MAX_LIST_BYTES) -> StatusListManager:
        if not isinstance(obj, Mapping) or obj.get("type") != cls.FILE_TYPE:
            raise InvalidInput("not a didkit status list state file", code="status.malformed", at="/type")
        if obj.get("version") != 1:
            raise InvalidInput("unsupported state file version", code="status.version", at="/version")
        size = obj.get("statusSize", 1)
        _check_status_size(size, at="/statusSize")
        length = obj.get("length")
        if not isinstance(length, int) or isinstance(length, bool) or length <= 0:
            raise InvalidInput("length must be a positive integer", code="status.malformed", at="/length")
        if (length * size + 7) // 8 > max_bytes:
            raise LimitExceeded("status list larger than the limit", code="status.limit", at="/length")
        bits = bitstring_expansion(obj.get("encodedList"), max_bytes=max_bytes, at="/encodedList")  # type: ignore[arg-type]
        allocated = bitstring_expansion(obj.get("allocated"), max_bytes=max_bytes, at="/allocated")  # type: ignore[arg-type]
        messages: tuple[StatusMessage, ...] = ()
        if obj.get("statusMessage") is not None:
            messages = _parse_status_messages(obj["statusMessage"], size, at="/statusMessage")
        purposes = obj.get("statusPurpose")
        if isinstance(purposes, str):
            purposes = [purposes]
        if not isinstance(purposes, list):
            raise InvalidInput(
                "statusPurpose must be one or more strings", code="status.malformed", at="/statusPurpose"
            )
        ident = obj.get("id")
        if not isinstance(ident, str):
            raise InvalidInput("id must be a URL", code="status.malformed", at="/id")
        return cls(
            id=ident,
            status_purpose=purposes,
            status_list=BitstringStatusList(length, status_size=size, bits=bits),
            status_message=messages,
            allocated=allocated,
        )


# --------------------------------------------------------------------------------------------
# the verifier side: parse, validate


@dataclass(frozen=True, slots=True)
class VerifiedStatusList:
    """A status list credential whose proof verified, parsed and expanded."""

    url: str
    credential: Mapping[str, Any]
    issuer: str | None
    purposes: tuple[str, ...]
    bits: bytes
    valid_from: datetime | None
    valid_until: datetime | None
    ttl_ms: int | None


@dataclass(frozen=True, slots=True)
class StatusResult:
    """§3.2 step 11–14: the status read for one entry.

    ``value`` is the raw status (0 or 1 for one-bit lists). ``is_set`` means a revocation or
    suspension bit is on. For ``message`` purposes ``message`` carries the ``statusMessage``.
    """

    purpose: str
    value: int
    index: int
    list_url: str
    message: str | None = None
    status_size: int = 1

    @property
    def is_set(self) -> bool:
        return self.value != 0

    @property
    def label(self) -> str:
        """``revoked``/``suspended``/``valid`` for the spec's purposes; the message otherwise."""
        if self.purpose == "revocation":
            return "revoked" if self.value else "valid"
        if self.purpose == "suspension":
            return "suspended" if self.value else "valid"
        return self.message if self.message is not None else hex(self.value)

    def raise_for_status(self) -> None:
        """Raise :class:`StatusError` when the credential is revoked or suspended."""
        if self.value and self.purpose == "revocation":
            raise StatusError("credential is revoked", code="status.revoked")
        if self.value and self.purpose == "suspension":
            raise StatusError("credential is suspended", code="status.suspended")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "purpose": self.purpose,
            "status": hex(self.value),
            "label": self.label,
            "index": self.index,
            "statusListCredential": self.list_url,
        }
        if self.message is not None:
            out["message"] = self.message
        return out


def parse_status_list_credential(
    url: str, credential: Any, *, max_bytes: int = DEFAULT_MAX_LIST_BYTES
) -> VerifiedStatusList:
    """Check the shape of a (verified) status list credential (§2.2) and expand its list."""
    if not isinstance(credential, Mapping):
        raise InvalidInput("status list is not a credential", code="status.not_a_credential")
    types = credential.get("type")
    type_list = [types] if isinstance(types, str) else types
    if not isinstance(type_list, list) or "VerifiableCredential" not in type_list:
        raise InvalidInput("status list is not a credential", code="status.not_a_credential", at="/type")
    if BITSTRING_STATUS_LIST_CREDENTIAL not in type_list:
        raise InvalidInput(
            "status list credential type must include BitstringStatusListCredential",
            code="status.not_a_status_list",
            at="/type",
        )
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise InvalidInput(
            "credentialSubject must be the status list", code="status.malformed", at="/credentialSubject"
        )
    stype = subject.get("type")
    if stype != BITSTRING_STATUS_LIST and not (isinstance(stype, list) and BITSTRING_STATUS_LIST in stype):
        raise InvalidInput(
            "credentialSubject type must be BitstringStatusList",
            code="status.not_a_status_list",
            at="/credentialSubject/type",
        )
    purposes_raw = subject.get("statusPurpose")
    purposes = [purposes_raw] if isinstance(purposes_raw, str) else purposes_raw
    if not isinstance(purposes, list) or not purposes or not all(isinstance(p, str) and p for p in purposes):
        raise InvalidInput(
            "statusPurpose must be one or more strings",
            code="status.malformed",
            at="/credentialSubject/statusPurpose",
        )
    ttl = subject.get("ttl")
    if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 0):
        raise InvalidInput(
            "ttl must be a non-negative integer", code="status.malformed", at="/credentialSubject/ttl"
        )
    bits = bitstring_expansion(subject.get("encodedList"), max_bytes=max_bytes)  # type: ignore[arg-type]
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return VerifiedStatusList(
        url=url,
        credential=credential,
        issuer=issuer_id if isinstance(issuer_id, str) else None,
        purposes=tuple(purposes),
        bits=bits,
        valid_from=_parse_dt(credential.get("validFrom"), at="/validFrom"),
        valid_until=_parse_dt(credential.get("validUntil"), at="/validUntil"),
        ttl_ms=ttl,
    )


def _parse_dt(value: Any, *, at: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidInput("expected an XML Schema dateTimeStamp", code="status.malformed", at=at)
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput("expected an XML Schema dateTimeStamp", code="status.malformed", at=at) from None
    if dt.tzinfo is None:
        raise InvalidInput("dateTimeStamp needs a time zone", code="status.malformed", at=at)
    return dt


def validate(
    entry: BitstringStatusListEntry,
    status_list: VerifiedStatusList,
    *,
    now: datetime,
    credential_issuer: str | None = None,
    min_entries: int = MIN_ENTRIES,
    check_issuer: bool = True,
    skew: timedelta = DEFAULT_SKEW,
) -> StatusResult:
    """§3.2 "Validate Algorithm" on a list credential whose proofs have already verified.

    Step 4's proof check is the caller's (:class:`StatusListClient` does it before calling).
    Beyond the spec, a demanding relying party also refuses a list that is outside its own
    validity period or whose issuer differs from the credential's issuer (as Digital Bazaar's
    implementation does by default).
    """
    # The list credential's own validity window (a stale or future list proves nothing).
    # ``skew`` tolerates clocks a little apart: issuers re-sign a list the moment it changes,
    # so a verifier whose clock is a second behind would otherwise refuse every fresh list.
    if status_list.valid_from is not None and now + skew < status_list.valid_from:
        raise VerificationError("status list credential is not yet valid", code="status.list_not_yet_valid")
    if status_list.valid_until is not None and now - skew > status_list.valid_until:
        raise VerificationError("status list credential has expired", code="status.list_expired")
    if check_issuer and credential_issuer is not None and status_list.issuer != credential_issuer:
        raise VerificationError(
            "status list issuer differs from the credential issuer", code="status.issuer_mismatch"
        )
    # 5. The entry's purpose must be one the list serves.
    if entry.status_purpose not in status_list.purposes:
        raise VerificationError(
            f"status purpose {entry.status_purpose!r} does not match the list's {list(status_list.purposes)}",
            code="status.purpose_mismatch",
        )
    # 6-8. Expand; a list shorter than the minimum is STATUS_LIST_LENGTH_ERROR.
    size = entry.status_size
    nbits = len(status_list.bits) * 8
    if nbits // size < min_entries:
        raise VerificationError(
            f"status list has {nbits // size} entries, fewer than {min_entries}", code="status.list_length"
        )
    # 9. RANGE_ERROR when the index (times the size) falls outside the bitstring.
    index = entry.status_list_index
    if (index + 1) * size > nbits:
        raise InvalidInput(
            f"statusListIndex {index} is outside the status list", code="status.range", at="/statusListIndex"
        )
    # 10-13. Read the status; attach the message when one is defined.
    value = _read_bits(status_list.bits, index * size, size)
    message = entry.message_for(value)
    return StatusResult(
        purpose=entry.status_purpose,
        value=value,
        index=index,
        list_url=entry.status_list_credential,
        message=message,
        status_size=size,
    )


# --------------------------------------------------------------------------------------------
# fetching, with limits and an HTTP cache


@dataclass(frozen=True, slots=True)
class StatusListLimits:
    """Defences for fetching a list: time, body size, expanded size, and cache bounds."""

    timeout: float = 5.0
    max_response_bytes: int = 4 * 1024 * 1024
    max_list_bytes: int = DEFAULT_MAX_LIST_BYTES
    ttl_floor: float = 30.0
    ttl_ceiling: float = 86_400.0
    default_ttl: float = 300.0
    max_cache_entries: int = 1024


@dataclass(slots=True)
class _CacheEntry:
    expires: float
    value: VerifiedStatusList


@dataclass(slots=True)
class _Fetched:
    body: Any
    ttl: float | None
    no_store: bool


_ACCEPT = (
    "application/vc+jwt, application/vc, application/vc+ld+json, application/ld+json;q=0.9, "
    "application/json;q=0.8"
)


class StatusListClient:
    """Fetch, verify, cache and read status lists for the verifier.

    ``verify_list_credential`` is the credentials entry point (see :data:`ListCredentialVerifier`):
    a list whose proof does not verify fails the check, it is never read. The cache keeps
    *verified* lists for the HTTP freshness lifetime (``Cache-Control: max-age`` minus ``Age``,
    else ``Expires``, else the list's ``ttl``, else ``default_ttl``), clamped to
    ``[ttl_floor, ttl_ceiling]``; ``no-store`` is honoured. ``clock`` is monotonic seconds.
    """

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        verify_list_credential: ListCredentialVerifier,
        limits: StatusListLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        allow_loopback_http: bool = False,
        min_entries: int = MIN_ENTRIES,
        skew: timedelta = DEFAULT_SKEW,
    ) -> None:
        self._http = http
        self.skew = skew
        self._verify = verify_list_credential
        self.limits = limits or StatusListLimits()
        self._clock = clock
        self._allow_loopback_http = allow_loopback_http
        self.min_entries = min_entries
        self._cache: OrderedDict[str, _CacheEntry] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[VerifiedStatusList]] = {}
        self.fetch_count = 0

    def clear_cache(self) -> None:
        self._cache.clear()

    async def check(
        self,
        entry: BitstringStatusListEntry,
        *,
        now: datetime,
        credential_issuer: str | None = None,
        check_issuer: bool = True,
    ) -> StatusResult:
        """Fetch (or reuse) the entry's verified list and run §3.2 on it."""
        status_list = await self.get_list(entry.status_list_credential)
        return validate(
            entry,
            status_list,
            now=now,
            credential_issuer=credential_issuer,
            min_entries=self.min_entries,
            check_issuer=check_issuer,
            skew=self.skew,
        )

    async def get_list(self, url: str) -> VerifiedStatusList:
        """The verified list at ``url``, from the cache while fresh."""
        hit = self._cache.get(url)
        if hit is not None:
            if self._clock() < hit.expires:
                self._cache.move_to_end(url)
                return hit.value
            del self._cache[url]
        pending = self._inflight.get(url)
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not pending.cancelled() or (task is not None and task.cancelling()):
                    raise
                # The fetch we were sharing was cancelled by *its* caller, not us: fetch ourselves.
                return await self.get_list(url)
        fut: asyncio.Future[VerifiedStatusList] = asyncio.get_running_loop().create_future()
        self._inflight[url] = fut
        try:
            value = await self._load(url)
        except asyncio.CancelledError:
            fut.cancel()
            raise
        except BaseException as exc:
            fut.set_exception(exc)
            fut.exception()  # mark retrieved: waiters re-raise it, nobody else needs to
            raise
        else:
            fut.set_result(value)
            return value
        finally:
            if self._inflight.get(url) is fut:
                del self._inflight[url]

    async def _load(self, url: str) -> VerifiedStatusList:
        fetched = await self._fetch(url)
        # 4. "ensure that all proofs verify successfully", else STATUS_VERIFICATION_ERROR.
        try:
            document = await self._verify(fetched.body)
        except VerificationError as exc:
            raise VerificationError(
                f"status list credential does not verify: {exc.message}", code="status.list_verification"
            ) from exc
        except (InvalidInput, ResolutionError) as exc:
            raise VerificationError(
                f"status list credential could not be verified: {exc.message}",
                code="status.list_verification",
            ) from exc
        status_list = parse_status_list_credential(url, document, max_bytes=self.limits.max_list_bytes)
        if not fetched.no_store:
            ttl = fetched.ttl
            if ttl is None and status_list.ttl_ms is not None:
                ttl = status_list.ttl_ms / 1000.0
            if ttl is None:
                ttl = self.limits.default_ttl
            ttl = min(max(ttl, self.limits.ttl_floor), self.limits.ttl_ceiling)
            self._cache[url] = _CacheEntry(self._clock() + ttl, status_list)
            self._cache.move_to_end(url)
            while len(self._cache) > self.limits.max_cache_entries:
                self._cache.popitem(last=False)
        return status_list

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname:
            return
        if parts.scheme == "http" and self._allow_loopback_http and _is_loopback(parts.hostname):
            return
        raise InvalidInput(
            "statusListCredential must be an https URL",
            code="status.url",
            at="/credentialStatus/statusListCredential",
        )

    async def _fetch(self, url: str) -> _Fetched:
        self._check_url(url)
        limit = self.limits.max_response_bytes
        self.fetch_count += 1
        log.debug("fetching status list", extra={"status_list": url})
        try:
            async with self._http.stream(
                "GET",
                url,
                headers={"Accept": _ACCEPT, "Accept-Encoding": "gzip, identity"},
                timeout=self.limits.timeout,
                follow_redirects=False,
            ) as resp:
                if resp.status_code == 404 or resp.status_code == 410:
                    raise NotFound(
                        f"status list not found (HTTP {resp.status_code})", code="status.not_found"
                    )
                if resp.status_code != 200:
                    raise ResolutionError(
                        f"status list could not be retrieved (HTTP {resp.status_code})",
                        code="status.retrieval",
                    )
                declared = resp.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > limit:
                    raise LimitExceeded(
                        f"status list response larger than {limit} bytes", code="status.limit"
                    )
                body = bytearray()
                async for chunk in resp.aiter_raw():
                    body += chunk
                    if len(body) > limit:
                        raise LimitExceeded(
                            f"status list response larger than {limit} bytes", code="status.limit"
                        )
                headers = resp.headers
        except httpx.TimeoutException:
            raise NetworkError("status list request timed out", code="status.timeout") from None
        except httpx.HTTPError as exc:
            raise NetworkError(
                f"status list could not be retrieved: {type(exc).__name__}", code="status.retrieval"
            ) from None
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding == "gzip":
            raw = gunzip_bounded(bytes(body), max_bytes=limit)
        elif encoding in {"identity", ""}:
            raw = bytes(body)
        else:
            raise ResolutionError(f"unsupported Content-Encoding {encoding!r}", code="status.retrieval")
        ttl, no_store = _freshness(headers, wall_now=time.time())
        return _Fetched(_parse_body(raw, headers.get("content-type", "")), ttl, no_store)


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse_body(raw: bytes, content_type: str) -> Any:
    """A JSON credential (Data Integrity) or a compact JWS (``vc+jwt``), by content, not by label."""
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise InvalidInput("status list response is not UTF-8", code="status.not_a_credential") from None
    if text.startswith("{"):
        try:
            return json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            raise InvalidInput(
                "status list response is not valid JSON", code="status.not_a_credential"
            ) from None
    if text.count(".") == 2 and all(re.fullmatch(r"[A-Za-z0-9_-]+", p) for p in text.split(".")):
        return text
    raise InvalidInput(
        f"status list response is not a credential ({content_type.split(';')[0] or 'no content type'})",
        code="status.not_a_credential",
    )


def _freshness(headers: Mapping[str, str], *, wall_now: float) -> tuple[float | None, bool]:
    """HTTP freshness lifetime in seconds (RFC 9111 §4.2.1) and whether storing is forbidden."""
    cc = headers.get("cache-control", "")
    directives: dict[str, str | None] = {}
    for part in cc.split(","):
        name, _, value = part.strip().partition("=")
        if name:
            directives[name.lower()] = value.strip().strip('"') or None
    if "no-store" in directives:
        return None, True
    age = 0.0
    age_h = headers.get("age")
    if age_h and age_h.strip().isdigit():
        age = float(age_h.strip())
    if "no-cache" in directives:
        return 0.0, False
    max_age = directives.get("max-age")
    if max_age is not None and max_age.isdigit():
        return max(0.0, float(max_age) - age), False
    expires = headers.get("expires")
    if expires:
        try:
            exp = email.utils.parsedate_to_datetime(expires).timestamp()
        except (TypeError, ValueError):
            return 0.0, False  # RFC 9111: an invalid Expires means "already expired"
        date_h = headers.get("date")
        base = wall_now
        if date_h:
            try:
                base = email.utils.parsedate_to_datetime(date_h).timestamp()
            except (TypeError, ValueError):
                base = wall_now
        return max(0.0, exp - base), False
    return None, False
