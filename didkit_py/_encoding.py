"""Text encodings of bytes: base64url, base58btc and multibase.

Crypto code takes and returns bytes; these helpers live at the edges (parsers, serializers,
vector loaders). Decoders raise :class:`InvalidInput` on anything malformed.
"""

from __future__ import annotations

import base64
import binascii
import re

import base58

from .errors import InvalidInput, LimitExceeded

__all__ = [
    "b58_decode",
    "b58_encode",
    "b64url_decode",
    "b64url_encode",
    "multibase_decode",
    "multibase_encode",
    "varint_decode",
    "varint_encode",
]


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes, *, at: str | None = None) -> bytes:
    """Strict base64url without padding: no padding, no other alphabet, no whitespace."""
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise InvalidInput("not base64url", code="encoding.base64url", at=at) from None
    if not isinstance(text, str):
        raise InvalidInput("expected a base64url string", code="encoding.base64url", at=at)
    if len(text) % 4 == 1 or _B64URL_RE.fullmatch(text) is None:
        raise InvalidInput("not base64url", code="encoding.base64url", at=at)
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput("not base64url", code="encoding.base64url", at=at) from None
    # Reject non-canonical encodings (unused trailing bits set): they would let two strings
    # stand for the same bytes.
    if b64url_encode(raw) != text:
        raise InvalidInput("non-canonical base64url", code="encoding.base64url", at=at)
    return raw


# The URL-safe alphabet only (ASCII; no padding, no whitespace). A regex scan instead of a
# per-character loop: decoding a 64 KiB status list no longer costs ~10 ms of Python.
_B64URL_RE = re.compile(r"[A-Za-z0-9_-]*")


def b58_encode(data: bytes) -> str:
    """Bitcoin-alphabet base58."""
    return base58.b58encode(data).decode("ascii")


#: Longest base58btc text we decode: ~750 bytes, far above any key or signature we read
#: (a BLS12-381 G2 key is 132 characters). Base58 decoding is quadratic in the length (a
#: 60,000-character proofValue cost 3 s of CPU, 1 MiB would cost minutes), so longer text is
#: refused before it is decoded.
MAX_B58_CHARS = 1024
_B58_RE = re.compile(r"[1-9A-HJ-NP-Za-km-z]*")


def b58_decode(text: str, *, at: str | None = None) -> bytes:
    if not isinstance(text, str):
        raise InvalidInput("expected a base58btc string", code="encoding.base58", at=at)
    if len(text) > MAX_B58_CHARS:
        raise LimitExceeded(
            f"base58btc text longer than {MAX_B58_CHARS} characters", code="encoding.base58", at=at
        )
    # The Bitcoin alphabet only: the base58 package strips trailing whitespace, which let a
    # proofValue with a trailing space verify as the original (two spellings of one signature).
    if _B58_RE.fullmatch(text) is None:
        raise InvalidInput("not base58btc", code="encoding.base58", at=at)
    try:
        return base58.b58decode(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise InvalidInput("not base58btc", code="encoding.base58", at=at) from None


def multibase_encode(data: bytes, base: str = "base58btc") -> str:
    """Multibase with the ``z`` (base58btc) or ``u`` (base64url, no padding) prefix."""
    if base == "base58btc":
        return "z" + b58_encode(data)
    if base == "base64url":
        return "u" + b64url_encode(data)
    raise ValueError(f"unsupported multibase {base!r}")


def multibase_decode(text: str, *, at: str | None = None) -> bytes:
    """Decode a ``z…`` or ``u…`` multibase string; other bases are refused."""
    if not isinstance(text, str) or not text:
        raise InvalidInput("expected a multibase string", code="encoding.multibase", at=at)
    prefix, body = text[0], text[1:]
    if prefix == "z":
        return b58_decode(body, at=at)
    if prefix == "u":
        return b64url_decode(body, at=at)
    raise InvalidInput(f"unsupported multibase prefix {prefix!r}", code="encoding.multibase", at=at)


def varint_encode(value: int) -> bytes:
    """Unsigned LEB128, as multicodec prefixes use."""
    if value < 0:
        raise ValueError("varint must be non-negative")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint_decode(data: bytes, *, at: str | None = None) -> tuple[int, int]:
    """Return ``(value, bytes consumed)``; at most 9 bytes, minimal encoding only."""
    value = 0
    for i, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if i > 0 and byte == 0:
                raise InvalidInput("non-minimal varint", code="encoding.varint", at=at)
            return value, i + 1
    raise InvalidInput("truncated varint", code="encoding.varint", at=at)
