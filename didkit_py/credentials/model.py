"""W3C Verifiable Credentials Data Model 2.0: validation of credentials and presentations.

Documents stay plain JSON dicts (that is what gets signed); :func:`parse_credential` and
:func:`parse_presentation` check them against the data model and return frozen views with the
fields a verifier needs already parsed (issuer id, validity period, subjects, ...).

What is checked, following VC DM 2.0 §4 (https://www.w3.org/TR/vc-data-model-2.0/#basic-concepts):

- ``@context``: an ordered set whose first item is ``https://www.w3.org/ns/credentials/v2``
  (§4.3). Documents whose first item is the v1 context ``https://www.w3.org/2018/credentials/v1``
  are accepted as VC Data Model 1.1 and flagged: ``data_model == "1.1"`` plus a warning.
- ``type`` includes ``VerifiableCredential`` / ``VerifiablePresentation`` (§4.5).
- ``id`` (§4.4), when present, is a URL; so are ``issuer`` or its ``id`` (§4.7), subject ids,
  status ids and schema ids.
- ``validFrom`` / ``validUntil`` (§4.9) are ``xsd:dateTimeStamp`` (a timezone is required) and
  ``validUntil`` is not before ``validFrom``. For 1.1 documents, ``issuanceDate`` (required) and
  ``expirationDate`` play these roles.
- ``credentialSubject`` (§4.8) is an object with at least one claim, or a non-empty array of them.
- ``credentialStatus`` (§4.10), ``credentialSchema`` (§4.11), ``termsOfUse``, ``evidence`` and
  ``refreshService``: objects (or arrays of objects) with a ``type``; schemas also need an ``id``.
- Presentations (§4.13): optional ``holder`` URL (or object with ``id``), and
  ``verifiableCredential`` entries that are credentials or ``EnvelopedVerifiableCredential``
  objects (VC-JOSE-COSE §3.3 / VC DM 2.0 §4.13.1) whose ``id`` is a ``data:`` URL.

Every error is :class:`~didkit_py.errors.InvalidInput` with a specific ``code`` (``credential.*``,
``presentation.*``, ``document.*``) and ``at``, the JSON pointer of the offending field. Inputs
are bounded (:class:`Limits`): too large or too deeply nested documents raise
:class:`~didkit_py.errors.LimitExceeded` before any other work.
"""

from __future__ import annotations

import copy
import json
import math
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from ..errors import InvalidInput, LimitExceeded, VerificationError

__all__ = [
    "BASE_CONTEXT_V1",
    "BASE_CONTEXT_V2",
    "DEFAULT_LIMITS",
    "Credential",
    "EnvelopedCredential",
    "Limits",
    "Presentation",
    "check_json_limits",
    "check_validity_period",
    "envelope",
    "json_pointer",
    "loads_json",
    "parse_credential",
    "parse_datetime",
    "parse_enveloped_credential",
    "parse_presentation",
]

BASE_CONTEXT_V2: Final = "https://www.w3.org/ns/credentials/v2"
BASE_CONTEXT_V1: Final = "https://www.w3.org/2018/credentials/v1"

DataModel = Literal["2.0", "1.1"]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on untrusted documents, checked before anything else looks at them."""

    #: Size of the document serialized as compact JSON, in bytes.
    max_bytes: int = 1024 * 1024
    #: Nesting of objects and arrays (the document itself is depth 1).
    max_depth: int = 32
    #: Credentials inside one presentation.
    max_credentials: int = 100


DEFAULT_LIMITS: Final = Limits()

# xsd:dateTimeStamp: xsd:dateTime with a mandatory timezone.
_DATETIME_RE: Final = re.compile(
    r"^(?P<year>-?\d{4,})-(?P<month>\d{2})-(?P<day>\d{2})T(?P<hour>\d{2}):(?P<minute>\d{2}):"
    r"(?P<second>\d{2})(?P<frac>\.\d+)?(?P<tz>Z|[+-]\d{2}:\d{2})$"
)
# An absolute URI (RFC 3986 §4.3): a scheme, a colon, no whitespace or control characters.
_URL_RE: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s\x00-\x1f\x7f<>\"{}|\\^`]*$")


def json_pointer(*parts: str | int) -> str:
    """RFC 6901 pointer from path segments (``~`` and ``/`` escaped)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _ptr(base: str, *parts: str | int) -> str:
    return base + json_pointer(*parts)


def check_json_limits(doc: Any, limits: Limits = DEFAULT_LIMITS, *, at: str = "") -> None:
    """Refuse documents that are too deep, too large or not plain JSON values.

    Walks iteratively (no recursion, so a hostile depth cannot exhaust the stack), then
    measures the compact serialization.
    """
    # Each entry carries its path as a parent link, (parent path, key); the JSON pointer text is
    # only built for an error (building it for every node cost most of the walk).
    stack: list[tuple[Any, int, Any]] = [(doc, 1, None)]

    def where(path: Any) -> str:
        parts: list[str | int] = []
        while path is not None:
            path, key = path
            parts.append(key)
        return _ptr(at, *reversed(parts))

    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, dict):
            if depth > limits.max_depth:
                raise LimitExceeded(
                    f"nested deeper than {limits.max_depth} levels", code="document.too_deep", at=where(path)
                )
            for key, item in value.items():
                if not isinstance(key, str):
                    raise InvalidInput(
                        "object keys must be strings", code="document.json_type", at=where(path)
                    )
                stack.append((item, depth + 1, (path, key)))
        elif isinstance(value, list | tuple):
            if depth > limits.max_depth:
                raise LimitExceeded(
                    f"nested deeper than {limits.max_depth} levels", code="document.too_deep", at=where(path)
                )
            for i, item in enumerate(value):
                stack.append((item, depth + 1, (path, i)))
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise InvalidInput("numbers must be finite", code="document.json_type", at=where(path))
        elif value is not None and not isinstance(value, str | int | bool):
            raise InvalidInput(
                f"not a JSON value ({type(value).__name__})", code="document.json_type", at=where(path)
            )
    try:
        size = len(json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidInput(
            "strings must be valid Unicode (no lone surrogates)", code="document.json_type"
        ) from None
    if size > limits.max_bytes:
        raise LimitExceeded(f"document is larger than {limits.max_bytes} bytes", code="document.too_large")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _DuplicateKey(Exception):
    pass


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_json(
    text: str | bytes, *, limits: Limits = DEFAULT_LIMITS, code: str = "document.json", what: str = "document"
) -> Any:
    """Strict JSON for untrusted input (RFC 8259 I-JSON subset, RFC 7493).

    Rejects duplicate member names (RFC 7515 §5.2 lets a JWS parser reject them, and two
    readers could otherwise disagree), ``NaN`` / ``Infinity``, invalid UTF-8 and anything
    larger or deeper than ``limits``.
    """
    if not isinstance(text, str | bytes | bytearray):
        raise InvalidInput(f"{what} must be JSON text", code=code)
    if len(text) > limits.max_bytes:
        raise LimitExceeded(f"{what} is larger than {limits.max_bytes} bytes", code="document.too_large")
    if isinstance(text, bytes | bytearray):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{what} is not UTF-8", code=code) from None
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except _DuplicateKey as exc:
        raise InvalidInput(f"{what} repeats the member name {str(exc)[:64]!r}", code=code) from None
    except RecursionError:
        raise LimitExceeded(f"{what} is nested too deeply", code="document.too_deep") from None
    except ValueError as exc:  # JSONDecodeError and our constant rejection
        raise InvalidInput(f"{what} is not valid JSON ({str(exc)[:80]})", code=code) from None
    check_json_limits(value, limits)
    return value


def parse_datetime(value: Any, *, at: str, code: str = "credential.datetime") -> datetime:
    """An ``xsd:dateTimeStamp`` (VC DM 2.0 §4.9): date, time and a required timezone."""
    if not isinstance(value, str):
        raise InvalidInput("must be a date-time string", code=code, at=at)
    m = _DATETIME_RE.match(value)
    if not m:
        raise InvalidInput(
            "must be an XML Schema dateTimeStamp with timezone, e.g. 2026-01-01T00:00:00Z", code=code, at=at
        )
    frac = m["frac"] or ""
    micro = int((frac[1:] + "000000")[:6]) if frac else 0
    tz = m["tz"]
    try:
        offset = timedelta(0) if tz == "Z" else _tz_offset(tz)
        if int(m["year"]) < 1 or int(m["year"]) > 9999:
            raise ValueError("year out of range")
        if m["hour"] == "24":  # 24:00:00 is the end of the day in XML Schema
            if m["minute"] != "00" or m["second"] != "00" or micro:
                raise ValueError("24:xx")
            base = datetime(int(m["year"]), int(m["month"]), int(m["day"]), tzinfo=UTC) + timedelta(days=1)
        else:
            base = datetime(
                int(m["year"]),
                int(m["month"]),
                int(m["day"]),
                int(m["hour"]),
                int(m["minute"]),
                int(m["second"]),
                micro,
                tzinfo=UTC,
            )
        return (base - offset).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput("not a valid date-time", code=code, at=at) from None


def _tz_offset(tz: str) -> timedelta:
    sign = 1 if tz[0] == "+" else -1
    hours, minutes = int(tz[1:3]), int(tz[4:6])
    if hours > 14 or minutes > 59 or (hours == 14 and minutes):
        raise ValueError("timezone out of range")
    return sign * timedelta(hours=hours, minutes=minutes)


def _check_url(value: Any, *, at: str, code: str, what: str = "value") -> str:
    if not isinstance(value, str) or not value or len(value) > 8192 or not _URL_RE.match(value):
        raise InvalidInput(f"{what} must be a URL", code=code, at=at)
    return value


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _check_context(doc: Mapping[str, Any], *, at: str, kind: str) -> DataModel:
    """VC DM 2.0 §4.3: the first item is the base context; JSON-LD allows a lone string."""
    if "@context" not in doc:
        raise InvalidInput("@context is missing", code=f"{kind}.context_missing", at=_ptr(at, "@context"))
    ctx = doc["@context"]
    items = _as_list(ctx)
    if not items:
        raise InvalidInput("@context is empty", code=f"{kind}.context_missing", at=_ptr(at, "@context"))
    for i, item in enumerate(items):
        where = _ptr(at, "@context", i) if isinstance(ctx, list) else _ptr(at, "@context")
        if isinstance(item, str):
            _check_url(item, at=where, code=f"{kind}.context_item", what="a context entry")
        elif not isinstance(item, dict):
            raise InvalidInput(
                "context entries must be URLs or objects", code=f"{kind}.context_item", at=where
            )
    first = items[0]
    first_at = _ptr(at, "@context", 0) if isinstance(ctx, list) else _ptr(at, "@context")
    if first == BASE_CONTEXT_V2:
        if BASE_CONTEXT_V1 in items:
            raise InvalidInput(
                "v1 and v2 base contexts cannot be mixed",
                code=f"{kind}.context_mixed",
                at=_ptr(at, "@context"),
            )
        return "2.0"
    if first == BASE_CONTEXT_V1:
        return "1.1"
    if BASE_CONTEXT_V2 in items or BASE_CONTEXT_V1 in items:
        raise InvalidInput(
            f"the first @context entry must be {BASE_CONTEXT_V2}", code=f"{kind}.context_order", at=first_at
        )
    raise InvalidInput(
        f"the first @context entry must be {BASE_CONTEXT_V2}", code=f"{kind}.context_first", at=first_at
    )


def _check_types(doc: Mapping[str, Any], *, at: str, kind: str, required: str) -> tuple[str, ...]:
    """VC DM 2.0 §4.5: ``type`` is a term or URL, or a set of them, including the base type."""
    where = _ptr(at, "type")
    if "type" not in doc:
        raise InvalidInput("type is missing", code=f"{kind}.type_missing", at=where)
    raw = doc["type"]
    items = _as_list(raw)
    if not items:
        raise InvalidInput("type is empty", code=f"{kind}.type_missing", at=where)
    for i, t in enumerate(items):
        if not isinstance(t, str) or not t.strip() or len(t) > 2048:
            raise InvalidInput(
                "type entries must be non-empty strings",
                code=f"{kind}.type_invalid",
                at=_ptr(at, "type", i) if isinstance(raw, list) else where,
            )
    if len(set(items)) != len(items):
        raise InvalidInput("type entries must be unique", code=f"{kind}.type_invalid", at=where)
    if required not in items:
        raise InvalidInput(f"type must include {required}", code=f"{kind}.type_base", at=where)
    return tuple(items)


def _check_typed_objects(
    doc: Mapping[str, Any], prop: str, *, at: str, kind: str, code: str, need_id: bool = False
) -> tuple[dict[str, Any], ...]:
    if prop not in doc:
        return ()
    raw = doc[prop]
    items = _as_list(raw)
    if not items:
        raise InvalidInput(f"{prop} must not be empty", code=f"{kind}.{code}", at=_ptr(at, prop))
    out: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        where = _ptr(at, prop, i) if isinstance(raw, list) else _ptr(at, prop)
        if not isinstance(item, dict):
            raise InvalidInput(f"{prop} entries must be objects", code=f"{kind}.{code}", at=where)
        if "type" not in item:
            raise InvalidInput(
                f"{prop} entries need a type", code=f"{kind}.{code}_type", at=_ptr(where, "type")
            )
        for j, t in enumerate(_as_list(item["type"])):
            if not isinstance(t, str) or not t:
                raise InvalidInput(
                    "type entries must be non-empty strings",
                    code=f"{kind}.{code}_type",
                    at=_ptr(where, "type", j),
                )
        if need_id and "id" not in item:
            raise InvalidInput(f"{prop} entries need an id", code=f"{kind}.{code}_id", at=_ptr(where, "id"))
        if "id" in item:
            _check_url(item["id"], at=_ptr(where, "id"), code=f"{kind}.{code}_id", what=f"{prop} id")
        out.append(item)
    return tuple(out)


def _check_language_value(doc: Mapping[str, Any], prop: str, *, at: str, kind: str) -> None:
    """``name`` / ``description`` (§4.6): a string, a language value object, or an array of them."""
    if prop not in doc:
        return
    raw = doc[prop]
    for i, item in enumerate(_as_list(raw)):
        where = _ptr(at, prop, i) if isinstance(raw, list) else _ptr(at, prop)
        if isinstance(item, str):
            continue
        if isinstance(item, dict) and isinstance(item.get("@value"), str):
            continue
        raise InvalidInput(
            f"{prop} must be a string or language value object", code=f"{kind}.{prop}", at=where
        )


@dataclass(frozen=True, slots=True)
class Credential:
    """A validated credential. ``document`` is a private deep copy of the input."""

    document: dict[str, Any] = field(repr=False)
    data_model: DataModel
    id: str | None
    types: tuple[str, ...]
    issuer: str
    valid_from: datetime | None
    valid_until: datetime | None
    subjects: tuple[dict[str, Any], ...] = field(repr=False)
    subject_ids: tuple[str, ...]
    status: tuple[dict[str, Any], ...] = field(repr=False)
    schemas: tuple[dict[str, Any], ...] = field(repr=False)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EnvelopedCredential:
    """An ``EnvelopedVerifiableCredential``: a secured credential carried in a ``data:`` URL."""

    media_type: str
    data: str = field(repr=False)
    document: dict[str, Any] = field(repr=False)


@dataclass(frozen=True, slots=True)
class Presentation:
    """A validated presentation; ``credentials`` keeps the order of ``verifiableCredential``."""

    document: dict[str, Any] = field(repr=False)
    data_model: DataModel
    id: str | None
    types: tuple[str, ...]
    holder: str | None
    credentials: tuple[Credential | EnvelopedCredential, ...]
    warnings: tuple[str, ...] = ()


def _require_object(doc: Any, *, at: str, kind: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise InvalidInput(f"a {kind} must be a JSON object", code=f"{kind}.not_object", at=at or None)
    return doc


def parse_credential(doc: Any, *, limits: Limits = DEFAULT_LIMITS, at: str = "") -> Credential:
    """Validate ``doc`` as a VC DM 2.0 (or, flagged, 1.1) credential and return its view."""
    doc = _require_object(doc, at=at, kind="credential")
    if not at:
        check_json_limits(doc, limits)
    doc = copy.deepcopy(doc)
    kind = "credential"
    data_model = _check_context(doc, at=at, kind=kind)
    warnings: list[str] = []
    if data_model == "1.1":
        warnings.append("VC Data Model 1.1 document (base context v1); accepted, v2.0 is current")
    types = _check_types(doc, at=at, kind=kind, required="VerifiableCredential")
    if "EnvelopedVerifiableCredential" in types:
        raise InvalidInput(
            "an enveloped credential is not a credential; unwrap its data: URL",
            code="credential.enveloped",
            at=_ptr(at, "type"),
        )
    cid = _check_url(doc["id"], at=_ptr(at, "id"), code="credential.id", what="id") if "id" in doc else None

    # Issuer (§4.7): a URL, or an object whose id is a URL.
    if "issuer" not in doc:
        raise InvalidInput("issuer is missing", code="credential.issuer_missing", at=_ptr(at, "issuer"))
    raw_issuer = doc["issuer"]
    if isinstance(raw_issuer, dict):
        if "id" not in raw_issuer:
            raise InvalidInput(
                "issuer object needs an id", code="credential.issuer_id", at=_ptr(at, "issuer", "id")
            )
        issuer = _check_url(
            raw_issuer["id"], at=_ptr(at, "issuer", "id"), code="credential.issuer_id", what="issuer id"
        )
        _check_language_value(raw_issuer, "name", at=_ptr(at, "issuer"), kind=kind)
        _check_language_value(raw_issuer, "description", at=_ptr(at, "issuer"), kind=kind)
    elif isinstance(raw_issuer, str):
        issuer = _check_url(raw_issuer, at=_ptr(at, "issuer"), code="credential.issuer_id", what="issuer")
    else:
        raise InvalidInput(
            "issuer must be a URL or an object with an id",
            code="credential.issuer_type",
            at=_ptr(at, "issuer"),
        )

    # Validity period (§4.9; 1.1 used issuanceDate / expirationDate).
    if data_model == "2.0":
        for legacy in ("issuanceDate", "expirationDate"):
            if legacy in doc:
                warnings.append(f"{legacy} is a VC 1.1 property; VC 2.0 uses validFrom/validUntil")
        from_key, until_key = "validFrom", "validUntil"
    else:
        if "issuanceDate" not in doc:
            raise InvalidInput(
                "issuanceDate is required in VC 1.1 documents",
                code="credential.issuance_date",
                at=_ptr(at, "issuanceDate"),
            )
        from_key, until_key = "issuanceDate", "expirationDate"
    valid_from = parse_datetime(doc[from_key], at=_ptr(at, from_key)) if from_key in doc else None
    valid_until = parse_datetime(doc[until_key], at=_ptr(at, until_key)) if until_key in doc else None
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        raise InvalidInput(
            f"{until_key} is before {from_key}", code="credential.validity_order", at=_ptr(at, until_key)
        )

    # Subjects (§4.8).
    if "credentialSubject" not in doc:
        raise InvalidInput(
            "credentialSubject is missing",
            code="credential.subject_missing",
            at=_ptr(at, "credentialSubject"),
        )
    raw_subject = doc["credentialSubject"]
    subjects = _as_list(raw_subject)
    if not subjects:
        raise InvalidInput(
            "credentialSubject is empty", code="credential.subject_missing", at=_ptr(at, "credentialSubject")
        )
    subject_ids: list[str] = []
    for i, subject in enumerate(subjects):
        where = (
            _ptr(at, "credentialSubject", i)
            if isinstance(raw_subject, list)
            else _ptr(at, "credentialSubject")
        )
        if not isinstance(subject, dict):
            raise InvalidInput(
                "credentialSubject must be an object", code="credential.subject_type", at=where
            )
        if not subject:
            raise InvalidInput(
                "credentialSubject needs at least one claim", code="credential.subject_empty", at=where
            )
        if "id" in subject:
            subject_ids.append(
                _check_url(
                    subject["id"], at=_ptr(where, "id"), code="credential.subject_id", what="subject id"
                )
            )

    status = _check_typed_objects(doc, "credentialStatus", at=at, kind=kind, code="status")
    schemas = _check_typed_objects(doc, "credentialSchema", at=at, kind=kind, code="schema", need_id=True)
    for prop, code in (
        ("termsOfUse", "terms_of_use"),
        ("evidence", "evidence"),
        ("refreshService", "refresh_service"),
    ):
        _check_typed_objects(doc, prop, at=at, kind=kind, code=code)
    _check_language_value(doc, "name", at=at, kind=kind)
    _check_language_value(doc, "description", at=at, kind=kind)

    return Credential(
        document=doc,
        data_model=data_model,
        id=cid,
        types=types,
        issuer=issuer,
        valid_from=valid_from,
        valid_until=valid_until,
        subjects=tuple(subjects),
        subject_ids=tuple(subject_ids),
        status=status,
        schemas=schemas,
        warnings=tuple(warnings),
    )


def parse_enveloped_credential(obj: Any, *, at: str = "") -> EnvelopedCredential:
    """VC DM 2.0 §4.13.1: an ``EnvelopedVerifiableCredential``, ``id`` = ``data:<media type>,<secured>``."""
    obj = _require_object(obj, at=at, kind="credential")
    if "@context" in obj:
        _check_context(obj, at=at, kind="enveloped")
    types = _check_types(obj, at=at, kind="enveloped", required="EnvelopedVerifiableCredential")
    del types
    url = obj.get("id")
    if not isinstance(url, str) or not url.startswith("data:") or "," not in url:
        raise InvalidInput(
            "an enveloped credential's id must be a data: URL", code="enveloped.id", at=_ptr(at, "id")
        )
    meta, _, data = url[5:].partition(",")
    media_type = meta.split(";", 1)[0].strip().lower()
    if not media_type or ";base64" in meta.lower():
        raise InvalidInput(
            "enveloped credential data: URL needs a media type and plain (not base64) data",
            code="enveloped.id",
            at=_ptr(at, "id"),
        )
    if "%" in data:
        try:
            data = urllib.parse.unquote(data, errors="strict")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                "enveloped credential data is not UTF-8", code="enveloped.id", at=_ptr(at, "id")
            ) from exc
    if not data:
        raise InvalidInput("enveloped credential is empty", code="enveloped.id", at=_ptr(at, "id"))
    return EnvelopedCredential(media_type=media_type, data=data, document=copy.deepcopy(obj))


def envelope(media_type: str, secured: str) -> dict[str, Any]:
    """Wrap a compact secured credential (e.g. a ``vc+jwt``) as an ``EnvelopedVerifiableCredential``."""
    return {
        "@context": BASE_CONTEXT_V2,
        "id": f"data:{media_type},{secured}",
        "type": "EnvelopedVerifiableCredential",
    }


def parse_presentation(doc: Any, *, limits: Limits = DEFAULT_LIMITS) -> Presentation:
    """Validate ``doc`` as a VC DM 2.0 (or, flagged, 1.1) presentation and return its view."""
    doc = _require_object(doc, at="", kind="presentation")
    check_json_limits(doc, limits)
    doc = copy.deepcopy(doc)
    kind = "presentation"
    data_model = _check_context(doc, at="", kind=kind)
    warnings: list[str] = []
    if data_model == "1.1":
        warnings.append("VC Data Model 1.1 presentation (base context v1); accepted, v2.0 is current")
    types = _check_types(doc, at="", kind=kind, required="VerifiablePresentation")
    pid = _check_url(doc["id"], at="/id", code="presentation.id", what="id") if "id" in doc else None
    holder: str | None = None
    if "holder" in doc:
        raw = doc["holder"]
        if isinstance(raw, dict):
            holder = _check_url(raw.get("id"), at="/holder/id", code="presentation.holder", what="holder id")
        else:
            holder = _check_url(raw, at="/holder", code="presentation.holder", what="holder")
    entries: list[Credential | EnvelopedCredential] = []
    if "verifiableCredential" in doc:
        raw_vcs = doc["verifiableCredential"]
        items: Sequence[Any] = _as_list(raw_vcs)
        if len(items) > limits.max_credentials:
            raise LimitExceeded(
                f"more than {limits.max_credentials} credentials",
                code="presentation.too_many",
                at="/verifiableCredential",
            )
        for i, item in enumerate(items):
            where = (
                json_pointer("verifiableCredential", i)
                if isinstance(raw_vcs, list)
                else "/verifiableCredential"
            )
            if not isinstance(item, dict):
                raise InvalidInput(
                    "verifiableCredential entries must be objects",
                    code="presentation.credential_type",
                    at=where,
                )
            item_types = _as_list(item.get("type"))
            if "EnvelopedVerifiableCredential" in item_types:
                entries.append(parse_enveloped_credential(item, at=where))
            else:
                entries.append(parse_credential(item, limits=limits, at=where))
    return Presentation(
        document=doc,
        data_model=data_model,
        id=pid,
        types=types,
        holder=holder,
        credentials=tuple(entries),
        warnings=tuple(warnings),
    )


def check_validity_period(
    credential: Credential, *, now: datetime, skew: timedelta = timedelta(seconds=0)
) -> None:
    """VC DM 2.0 §4.9: raise :class:`VerificationError` when ``now`` is outside the validity period.

    ``skew`` widens the period on both sides to tolerate clock drift between parties.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    v2 = credential.data_model == "2.0"
    if credential.valid_from is not None and now + skew < credential.valid_from:
        raise VerificationError(
            f"not valid before {credential.valid_from.isoformat()}",
            code="credential.not_yet_valid",
            at="/validFrom" if v2 else "/issuanceDate",
        )
    if credential.valid_until is not None and now - skew > credential.valid_until:
        raise VerificationError(
            f"expired at {credential.valid_until.isoformat()}",
            code="credential.expired",
            at="/validUntil" if v2 else "/expirationDate",
        )
