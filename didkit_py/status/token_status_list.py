"""IETF Token Status List (draft-ietf-oauth-status-list): the status mechanism of SD-JWT VC.

A Referenced Token (e.g. an SD-JWT VC) carries ``"status": {"status_list": {"idx": i, "uri": u}}``.
The Status List Token at ``u`` is a JWT typed ``statuslist+jwt`` whose ``sub`` is ``u`` and whose
``status_list`` claim is ``{"bits": 1|2|4|8, "lst": base64url(zlib(DEFLATE(bytes)))}``.
Status ``i`` sits in byte ``i*bits // 8`` at bit offset ``i*bits % 8`` counted from the least
significant bit. Values: 0 VALID, 1 INVALID, 2 SUSPENDED, 3 and above application-specific.

Decompression is bounded: a list that inflates past ``max_bytes`` raises :class:`LimitExceeded`
(a compression bomb is refused, not expanded).
"""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from .._encoding import b64url_decode, b64url_encode
from ..errors import InvalidInput, LimitExceeded, StatusError, VerificationError
from ..suites.sd_jwt._http import fetch_bytes
from ..suites.sd_jwt._jws import JwsParts, PublicKeyLike, SigningKeyLike, decode_jws, sign_jws, verify_jws
from ..suites.sd_jwt.core import _timestamp, check_validity_claims

__all__ = [
    "STATUS_INVALID",
    "STATUS_LIST_TYP",
    "STATUS_SUSPENDED",
    "STATUS_VALID",
    "TokenStatusList",
    "TokenStatusListClient",
    "VerifiedStatusListToken",
    "create_status_list_token",
    "fetch_status_list_token",
    "parse_status_reference",
    "verify_status_list_token",
]

STATUS_LIST_TYP = "statuslist+jwt"
STATUS_VALID = 0x00
STATUS_INVALID = 0x01
STATUS_SUSPENDED = 0x02
_BITS = (1, 2, 4, 8)
#: Default bound on the decompressed list: 16 MiB is 134 million 1-bit statuses.
DEFAULT_MAX_LIST_BYTES = 16 * 1024 * 1024
#: Default bound on a fetched Status List Token.
DEFAULT_MAX_TOKEN_BYTES = 4 * 1024 * 1024


def _check_bits(bits: Any, at: str = "/status_list/bits") -> int:
    if isinstance(bits, bool) or bits not in _BITS:
        raise InvalidInput("bits must be 1, 2, 4 or 8", code="status_list.bits", at=at)
    return int(bits)


@dataclass(slots=True)
class TokenStatusList:
    """A mutable list of ``bits``-bit statuses over packed bytes (Token Status List §4.1)."""

    bits: int
    data: bytearray = field(repr=False)

    @classmethod
    def create(cls, size: int, bits: int = 1) -> TokenStatusList:
        """``size`` statuses, all VALID."""
        _check_bits(bits)
        if size <= 0:
            raise ValueError("size must be positive")
        return cls(bits, bytearray((size * bits + 7) // 8))

    @property
    def size(self) -> int:
        return len(self.data) * 8 // self.bits

    def _locate(self, idx: int) -> tuple[int, int]:
        if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0 or idx >= self.size:
            raise InvalidInput(
                "status index out of range", code="status_list.idx", at="/status/status_list/idx"
            )
        pos = idx * self.bits
        return pos // 8, pos % 8

    def get(self, idx: int) -> int:
        byte, shift = self._locate(idx)
        return (self.data[byte] >> shift) & ((1 << self.bits) - 1)

    def set(self, idx: int, value: int) -> None:
        if isinstance(value, bool) or not 0 <= value < (1 << self.bits):
            raise ValueError(f"status value does not fit in {self.bits} bits")
        byte, shift = self._locate(idx)
        mask = ((1 << self.bits) - 1) << shift
        self.data[byte] = (self.data[byte] & ~mask) | (value << shift)

    def compress(self) -> str:
        """``lst``: base64url of the ZLIB-wrapped DEFLATE of the packed bytes (best compression)."""
        return b64url_encode(zlib.compress(bytes(self.data), 9))

    def to_claim(self) -> dict[str, Any]:
        return {"bits": self.bits, "lst": self.compress()}

    @classmethod
    def decompress(cls, lst: str, bits: int, *, max_bytes: int = DEFAULT_MAX_LIST_BYTES) -> TokenStatusList:
        """Inflate ``lst`` with a hard output bound; bad or oversized data raise our errors."""
        _check_bits(bits)
        raw = b64url_decode(lst, at="/status_list/lst")
        d = zlib.decompressobj()
        try:
            out = d.decompress(raw, max_bytes + 1)
        except zlib.error:
            raise InvalidInput(
                "status list is not ZLIB/DEFLATE data", code="status_list.compression"
            ) from None
        if len(out) > max_bytes or d.unconsumed_tail:
            raise LimitExceeded(
                f"status list inflates past {max_bytes} bytes",
                code="status_list.too_large",
                at="/status_list/lst",
            )
        if not d.eof or d.unused_data:
            raise InvalidInput(
                "status list compression stream is truncated or padded", code="status_list.compression"
            )
        if not out:
            raise InvalidInput("status list is empty", code="status_list.empty")
        return cls(bits, bytearray(out))

    @classmethod
    def from_claim(cls, claim: Any, *, max_bytes: int = DEFAULT_MAX_LIST_BYTES) -> TokenStatusList:
        if not isinstance(claim, dict):
            raise InvalidInput("status_list must be an object", code="status_list.claim", at="/status_list")
        lst = claim.get("lst")
        if not isinstance(lst, str):
            raise InvalidInput(
                "status_list.lst must be a string", code="status_list.claim", at="/status_list/lst"
            )
        return cls.decompress(lst, _check_bits(claim.get("bits")), max_bytes=max_bytes)


def parse_status_reference(status: Any) -> tuple[int, str]:
    """``(idx, uri)`` from a Referenced Token's ``status`` claim (Token Status List §6.1)."""
    ref = status.get("status_list") if isinstance(status, dict) else None
    if not isinstance(ref, dict):
        raise InvalidInput("status has no status_list reference", code="status_list.reference", at="/status")
    idx, uri = ref.get("idx"), ref.get("uri")
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0:
        raise InvalidInput(
            "status_list.idx must be a non-negative integer",
            code="status_list.reference",
            at="/status/status_list/idx",
        )
    if not isinstance(uri, str) or not uri:
        raise InvalidInput(
            "status_list.uri must be a string", code="status_list.reference", at="/status/status_list/uri"
        )
    return idx, uri


def create_status_list_token(
    status_list: TokenStatusList,
    *,
    key: SigningKeyLike,
    uri: str,
    iat: datetime | int,
    exp: datetime | int | None = None,
    ttl: int | None = None,
    issuer: str | None = None,
    kid: str | None = None,
) -> str:
    """Sign a Status List Token (§5.1): header ``typ: statuslist+jwt``; ``sub`` is its own URI."""
    payload: dict[str, Any] = {"sub": uri, "iat": _timestamp(iat, "iat")}
    if issuer is not None:
        payload["iss"] = issuer
    if exp is not None:
        payload["exp"] = _timestamp(exp, "exp")
    if ttl is not None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        payload["ttl"] = ttl
    payload["status_list"] = status_list.to_claim()
    header: dict[str, Any] = {"typ": STATUS_LIST_TYP}
    if kid is not None:
        header["kid"] = kid
    return sign_jws(header, payload, key)


@dataclass(frozen=True, slots=True)
class VerifiedStatusListToken:
    status_list: TokenStatusList = field(repr=False)
    payload: dict[str, Any] = field(repr=False)
    ttl: int | None = None


def verify_status_list_token(
    token: str,
    *,
    key: PublicKeyLike | Callable[[JwsParts], PublicKeyLike],
    uri: str | None,
    now: datetime,
    skew: float = 60.0,
    max_bytes: int = DEFAULT_MAX_LIST_BYTES,
) -> VerifiedStatusListToken:
    """Check typ, signature, ``sub`` == the referenced ``uri``, ``iat``/``exp``, and decode the list."""
    jws = decode_jws(token, what="Status List Token")
    if jws.header.get("typ") != STATUS_LIST_TYP:
        raise VerificationError(
            "Status List Token typ must be statuslist+jwt", code="status_list.typ", at="/typ"
        )
    verify_jws(jws, key(jws) if callable(key) else key, what="Status List Token")
    p = jws.payload
    if uri is not None and p.get("sub") != uri:
        raise VerificationError(
            "Status List Token is for another URI (sub)", code="status_list.sub", at="/sub"
        )
    if "iat" not in p:
        raise VerificationError("Status List Token lacks iat", code="status_list.iat", at="/iat")
    check_validity_claims(p, now=now, skew=skew)
    ttl = p.get("ttl")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0):
        raise InvalidInput("ttl must be a positive integer", code="status_list.ttl", at="/ttl")
    return VerifiedStatusListToken(
        TokenStatusList.from_claim(p.get("status_list"), max_bytes=max_bytes), p, ttl
    )


async def fetch_status_list_token(
    uri: str,
    *,
    http: httpx.AsyncClient,
    timeout: float = 10.0,
    max_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
    allow_loopback_http: bool = False,
) -> str:
    """GET the Status List Token (``Accept: application/statuslist+jwt``, §8.1)."""
    body, ctype = await fetch_bytes(
        http,
        uri,
        accept="application/statuslist+jwt",
        max_bytes=max_bytes,
        timeout=timeout,
        allow_loopback_http=allow_loopback_http,
        what="status list token",
    )
    if ctype.split(";")[0].strip().lower() != "application/statuslist+jwt":
        raise InvalidInput("status list token has the wrong content type", code="status_list.content_type")
    try:
        return body.decode("ascii").strip()
    except UnicodeDecodeError:
        raise InvalidInput("status list token is not ASCII", code="status_list.encoding") from None


class TokenStatusListClient:
    """Resolves a Referenced Token's status: fetch, verify, read (usable as ``status_checker``).

    ``key_resolver`` returns the key that signs the Status List Token (often the credential
    issuer's, found the same way as for the credential).
    """

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        key_resolver: Callable[[JwsParts], Awaitable[PublicKeyLike]],
        now: Callable[[], datetime],
        allow_loopback_http: bool = False,
        timeout: float = 10.0,
        max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES,
        max_list_bytes: int = DEFAULT_MAX_LIST_BYTES,
    ) -> None:
        self._http = http
        self._key_resolver = key_resolver
        self._now = now
        self._allow_loopback_http = allow_loopback_http
        self._timeout = timeout
        self._max_token_bytes = max_token_bytes
        self._max_list_bytes = max_list_bytes

    async def status_of(self, status: Mapping[str, Any]) -> int:
        idx, uri = parse_status_reference(dict(status))
        token = await fetch_status_list_token(
            uri,
            http=self._http,
            timeout=self._timeout,
            max_bytes=self._max_token_bytes,
            allow_loopback_http=self._allow_loopback_http,
        )
        jws = decode_jws(token, what="Status List Token")
        key = await self._key_resolver(jws)
        verified = verify_status_list_token(
            token, key=key, uri=uri, now=self._now(), max_bytes=self._max_list_bytes
        )
        if idx >= verified.status_list.size:
            raise VerificationError("status index beyond the status list", code="status_list.idx")
        return verified.status_list.get(idx)

    async def __call__(self, status: Mapping[str, Any]) -> int:
        return await self.status_of(status)

    async def check(self, status: Mapping[str, Any]) -> None:
        """Raise :class:`StatusError` unless the status is VALID."""
        value = await self.status_of(status)
        if value == STATUS_INVALID:
            raise StatusError("token is revoked (INVALID)", code="status.invalid")
        if value == STATUS_SUSPENDED:
            raise StatusError("token is suspended", code="status.suspended")
        if value != STATUS_VALID:
            raise StatusError(f"token status is {value:#x}", code="status.not_valid")
