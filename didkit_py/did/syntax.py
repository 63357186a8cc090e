"""DID and DID URL syntax (DID Core 1.0 §3.1 and §3.2).

::

    did                = "did:" method-name ":" method-specific-id
    method-name        = 1*method-char
    method-char        = %x61-7A / DIGIT
    method-specific-id = *( *idchar ":" ) 1*idchar
    idchar             = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
    did-url            = did path-abempty [ "?" query ] [ "#" fragment ]

``path-abempty``, ``query`` and ``fragment`` are RFC 3986's. The parser splits at the first
``#``, then the first ``?``, then the first ``/``, and checks each piece with a regular
expression whose alternatives are disjoint, so it runs in linear time on hostile input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from ..errors import InvalidInput, LimitExceeded

__all__ = [
    "DID",
    "DIDURL",
    "MAX_DID_URL_LENGTH",
    "absolute_did_url",
    "parse_did",
    "parse_did_url",
]

#: Longer DIDs and DID URLs are refused before parsing (a did:jwk of a BLS key is ~250 chars).
MAX_DID_URL_LENGTH = 4096

_PCT = r"%[0-9A-Fa-f]{2}"
_METHOD_RE = re.compile(r"[a-z0-9]+")
_MSID_RE = re.compile(rf"(?:[A-Za-z0-9._:\-]|{_PCT})*(?:[A-Za-z0-9._\-]|{_PCT})")
_PCHAR = rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|{_PCT})"
_PATH_RE = re.compile(rf"(?:/{_PCHAR}*)*")
_QUERY_RE = re.compile(rf"(?:{_PCHAR}|[/?])*")


@dataclass(frozen=True, slots=True)
class DID:
    """A parsed DID; ``str()`` gives it back unchanged."""

    method: str
    method_specific_id: str

    def __str__(self) -> str:
        return f"did:{self.method}:{self.method_specific_id}"


@dataclass(frozen=True, slots=True)
class DIDURL:
    """A parsed DID URL; ``str()`` gives it back unchanged."""

    did: DID
    path: str = ""
    query: str | None = None
    fragment: str | None = None

    def __str__(self) -> str:
        out = str(self.did) + self.path
        if self.query is not None:
            out += "?" + self.query
        if self.fragment is not None:
            out += "#" + self.fragment
        return out

    @property
    def params(self) -> dict[str, str]:
        """Query parameters (DID Core §3.2.1: ``service``, ``versionId``, ``versionTime``, …)."""
        if not self.query:
            return {}
        out: dict[str, str] = {}
        for name, value in parse_qsl(self.query, keep_blank_values=True):
            if name in out:
                raise InvalidInput(f"DID URL parameter {name!r} is repeated", code="invalidDidUrl")
            out[name] = value
        return out

    @property
    def decoded_fragment(self) -> str | None:
        return None if self.fragment is None else unquote(self.fragment)


def _check_text(text: object, code: str) -> str:
    if not isinstance(text, str):
        raise InvalidInput("a DID must be a string", code=code)
    if len(text) > MAX_DID_URL_LENGTH:
        raise LimitExceeded(f"longer than {MAX_DID_URL_LENGTH} characters", code=code)
    return text


def _parse_did_part(text: str, code: str) -> DID:
    if not text.startswith("did:"):
        raise InvalidInput("a DID starts with 'did:'", code=code)
    method, sep, msid = text[4:].partition(":")
    if not sep:
        raise InvalidInput("a DID is did:<method>:<method-specific-id>", code=code)
    if not _METHOD_RE.fullmatch(method):
        raise InvalidInput("DID method names are lower-case letters and digits", code=code)
    if not _MSID_RE.fullmatch(msid):
        raise InvalidInput("malformed method-specific id", code=code)
    return DID(method, msid)


def parse_did(text: str) -> DID:
    """Parse a DID (no path, query or fragment). Errors are ``InvalidInput(code="invalidDid")``."""
    return _parse_did_part(_check_text(text, "invalidDid"), "invalidDid")


def parse_did_url(text: str) -> DIDURL:
    """Parse a DID URL. Errors are ``InvalidInput(code="invalidDidUrl")``."""
    code = "invalidDidUrl"
    text = _check_text(text, code)
    rest, hash_sign, fragment = text.partition("#")
    rest, qmark, query = rest.partition("?")
    slash = rest.find("/")
    did_part, path = (rest, "") if slash < 0 else (rest[:slash], rest[slash:])
    did = _parse_did_part(did_part, code)
    if not _PATH_RE.fullmatch(path):
        raise InvalidInput("malformed DID URL path", code=code)
    if qmark and not _QUERY_RE.fullmatch(query):
        raise InvalidInput("malformed DID URL query", code=code)
    if hash_sign and not _QUERY_RE.fullmatch(fragment):
        raise InvalidInput("malformed DID URL fragment", code=code)
    return DIDURL(did, path, query if qmark else None, fragment if hash_sign else None)


def absolute_did_url(reference: str, base_did: str) -> str:
    """Resolve a relative DID URL (``#key-1``, ``?service=x``, ``/path``) against ``base_did``.

    DID Core §3.2.2: relative references in a DID document are resolved against its ``id``.
    """
    if not isinstance(reference, str) or not reference:
        raise InvalidInput("a DID URL reference must be a non-empty string", code="invalidDidUrl")
    if reference.startswith("did:"):
        return reference
    if reference[0] in "#?/":
        return base_did + reference
    raise InvalidInput("not a DID URL or relative DID URL", code="invalidDidUrl")
