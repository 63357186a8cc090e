"""Issue, present, derive and verify credentials in any registered securing format.

These are the entry points applications use; they dispatch to the formats listed in
:data:`didkit_py.credentials.formats.FORMAT_TABLE` by name (``format="vc+jwt"``) or, for
verification, by detecting the format of the input (a compact JWT, an SD-JWT with ``~``, a JSON
object with a ``proof``, or an ``EnvelopedVerifiableCredential``).

**Errors from** :func:`verify`. ``verify`` answers "is this authentic and valid?" with a
:class:`~didkit_py.credentials.results.VerificationResult` and does not raise for bad
credentials: every :class:`~didkit_py.errors.DidkitError` met while checking (bad signature,
expired, unknown key, malformed payload, unresolvable DID, ...) is captured in
``result.errors`` and as a failed check. It raises only when the input cannot be taken up at
all — not text or JSON, too large, or in no known format — as
:class:`~didkit_py.errors.InvalidInput` (or :class:`~didkit_py.errors.UnsupportedError` for an
unknown ``format`` name). The CLI maps a failed result to exit code 1 when the first error is a
:class:`~didkit_py.errors.VerificationError` (or DID ``notFound``) and 3 otherwise, and a raised
error to 3.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from ..errors import DidkitError, InvalidInput, LimitExceeded, UnsupportedError
from .formats import (
    DeriveOptions,
    DerivingFormat,
    FormatRegistry,
    IssueOptions,
    Secured,
    SecuringFormat,
    Signer,
    VerifyOptions,
    default_registry,
)
from .model import (
    BASE_CONTEXT_V2,
    DEFAULT_LIMITS,
    Limits,
    check_json_limits,
    envelope,
    loads_json,
    parse_enveloped_credential,
)
from .results import Checks, VerificationResult

if TYPE_CHECKING:
    from ..did import Resolver
    from ..keys import KeyPair

__all__ = [
    "build_presentation",
    "derive",
    "issue",
    "load_secured",
    "present",
    "signer_for_key",
    "verify",
    "verify_sync",
]

DEFAULT_SKEW = timedelta(seconds=60)


def signer_for_key(key: KeyPair, *, method: Literal["key", "jwk"] = "key") -> Signer:
    """A :class:`Signer` whose DID is derived from the key itself (did:key or did:jwk).

    did:key (https://w3c-ccg.github.io/did-key-spec/): ``did:key:<multikey>#<multikey>``;
    did:jwk (https://github.com/quartzjer/did-jwk): ``did:jwk:<base64url(JWK)>#0``.
    """
    from ..did import did_jwk_from_public, did_key_from_public

    if method == "key":
        did = did_key_from_public(key.key_type, key.public_key)
        return Signer(key, f"{did}#{did.removeprefix('did:key:')}")
    if method == "jwk":
        return Signer(key, f"{did_jwk_from_public(key.key_type, key.public_key)}#0")
    raise UnsupportedError(f"cannot derive a DID with method {method!r} from a key", code="did.method")


def load_secured(document: Any, *, limits: Limits = DEFAULT_LIMITS) -> tuple[Secured, str | None]:
    """Normalise an input into a secured document and, for an enveloped credential, its media type.

    Accepts a compact string (JWT, SD-JWT; surrounding whitespace is dropped), JSON text of an
    object (Data Integrity, enveloped credential) or of a string, bytes of either, or a mapping.
    """
    if isinstance(document, bytes | bytearray):
        if len(document) > limits.max_bytes * 2:
            raise LimitExceeded("input is too large", code="document.too_large")
        try:
            document = bytes(document).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("input is not UTF-8 text", code="document.encoding") from None
    if isinstance(document, str):
        text = document.strip()
        if len(text) > limits.max_bytes * 2:
            raise LimitExceeded("input is too large", code="document.too_large")
        if not text:
            raise InvalidInput("input is empty", code="document.empty")
        if text[0] in '{["':
            value = loads_json(text, limits=limits, what="input")
            if isinstance(value, str):
                return load_secured(value, limits=limits)
            document = value
        else:
            return text, None
    if isinstance(document, Mapping):
        doc = dict(document)
        check_json_limits(doc, limits)
        types = doc.get("type")
        if "EnvelopedVerifiableCredential" in (types if isinstance(types, list) else [types]):
            enveloped = parse_enveloped_credential(doc)
            return _enveloped_data(enveloped.data, limits), enveloped.media_type
        return doc, None
    raise InvalidInput("input must be a compact string or a JSON object", code="document.type")


def _enveloped_data(data: Secured, limits: Limits) -> Secured:
    """A ``data:`` URL carries text: JSON-LD media types (``application/vc``) carry JSON text."""
    if isinstance(data, str) and data.lstrip().startswith("{"):
        value = loads_json(data, limits=limits, what="enveloped credential")
        if not isinstance(value, dict):
            raise InvalidInput("an enveloped JSON credential must be an object", code="enveloped.id")
        return value
    return data


def _pick(
    registry: FormatRegistry, secured: Secured, media_type: str | None, format: str | None
) -> SecuringFormat:
    if format is not None:
        return registry.get(format)
    if media_type is not None:
        return registry.by_media_type(media_type)
    return registry.detect(secured)


def issue(
    document: Mapping[str, Any],
    *,
    signer: Signer,
    now: datetime,
    format: str = "vc+jwt",
    challenge: str | None = None,
    domain: str | None = None,
    lifetime: timedelta | None = None,
    extra: Mapping[str, Any] | None = None,
    registry: FormatRegistry | None = None,
) -> Secured:
    """Secure a credential (or a presentation, by its ``type``) in ``format``.

    Raises :class:`InvalidInput` for a document that is not valid VC DM 2.0 or a signer that
    does not match the issuer/holder, :class:`UnsupportedError` for an unknown format or a key
    the format cannot use.
    """
    registry = registry or default_registry()
    if not isinstance(document, Mapping):
        raise InvalidInput("the document to issue must be a JSON object", code="document.type")
    options = IssueOptions(now=now, challenge=challenge, domain=domain, lifetime=lifetime, extra=extra or {})
    return registry.get(format).issue(document, signer, options)


def build_presentation(
    credentials: Sequence[Secured | Mapping[str, Any]],
    *,
    holder: str,
    id: str | None = None,
    registry: FormatRegistry | None = None,
) -> dict[str, Any]:
    """An unsecured VC DM 2.0 presentation by ``holder`` of already-secured credentials.

    Compact credentials (``vc+jwt``, SD-JWT) become ``EnvelopedVerifiableCredential`` entries
    (VC DM 2.0 §4.13.1) with the format's first media type; JSON credentials with an embedded
    proof are included as they are.
    """
    registry = registry or default_registry()
    entries: list[dict[str, Any]] = []
    for i, credential in enumerate(credentials):
        secured, media_type = load_secured(credential)
        if isinstance(secured, str):
            fmt = _pick(registry, secured, media_type, None)
            entries.append(envelope(media_type or fmt.media_types[0], secured))
        else:
            if "proof" not in secured:
                raise InvalidInput(
                    "only secured credentials can be presented", code="presentation.unsecured", at=f"/{i}"
                )
            entries.append(secured)
    vp: dict[str, Any] = {"@context": [BASE_CONTEXT_V2], "type": ["VerifiablePresentation"]}
    if id is not None:
        vp["id"] = id
    vp["holder"] = holder
    vp["verifiableCredential"] = entries
    return vp


def present(
    credentials: Sequence[Secured | Mapping[str, Any]],
    *,
    signer: Signer,
    now: datetime,
    format: str = "vc+jwt",
    challenge: str | None = None,
    domain: str | None = None,
    id: str | None = None,
    lifetime: timedelta | None = None,
    registry: FormatRegistry | None = None,
) -> Secured:
    """Build a presentation of ``credentials`` held by ``signer`` and secure it in ``format``."""
    registry = registry or default_registry()
    vp = build_presentation(credentials, holder=signer.did, id=id, registry=registry)
    return issue(
        vp,
        signer=signer,
        now=now,
        format=format,
        challenge=challenge,
        domain=domain,
        lifetime=lifetime,
        registry=registry,
    )


def derive(
    document: Any,
    *,
    now: datetime,
    disclose: Sequence[str] = (),
    holder: Signer | None = None,
    challenge: str | None = None,
    domain: str | None = None,
    format: str | None = None,
    extra: Mapping[str, Any] | None = None,
    registry: FormatRegistry | None = None,
) -> Secured:
    """Derive a selectively disclosed copy (formats that support it: SD-JWT, ``bbs-2023``).

    ``disclose`` lists JSON pointers of the claims to reveal; mandatory claims are always kept.
    """
    registry = registry or default_registry()
    secured, media_type = load_secured(document)
    fmt = _pick(registry, secured, media_type, format)
    if not isinstance(fmt, DerivingFormat):
        raise UnsupportedError(f"{fmt.name} does not support deriving a disclosed copy", code="format.derive")
    options = DeriveOptions(
        now=now,
        disclose=tuple(disclose),
        holder=holder,
        challenge=challenge,
        domain=domain,
        extra=extra or {},
    )
    return fmt.derive(secured, options)


async def verify(
    document: Any,
    *,
    resolver: Resolver,
    now: datetime,
    skew: timedelta = DEFAULT_SKEW,
    challenge: str | None = None,
    domain: str | None = None,
    expect: Literal["credential", "presentation"] | None = None,
    format: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    document_loader: Any = None,
    extra: Mapping[str, Any] | None = None,
    registry: FormatRegistry | None = None,
) -> VerificationResult:
    """Verify a secured credential or presentation; see the module docstring for what raises.

    For a presentation, every credential inside it is verified too (with whichever format
    secures it), and the presentation is verified only if all of them are.
    """
    registry = registry or default_registry()
    secured, media_type = load_secured(document, limits=limits)
    fmt = _pick(registry, secured, media_type, format)
    options = VerifyOptions(
        resolver=resolver,
        now=now,
        skew=skew,
        challenge=challenge,
        domain=domain,
        limits=limits,
        document_loader=document_loader,
        expect=expect,
        extra=extra or {},
    )
    return await _verify_one(fmt, secured, options, registry)


async def _verify_one(
    fmt: SecuringFormat, secured: Secured, options: VerifyOptions, registry: FormatRegistry
) -> VerificationResult:
    checks = Checks()
    try:
        verified = await fmt.verify(secured, options, checks)
        if options.expect is not None and verified.kind != options.expect:
            exc = InvalidInput(f"expected a {options.expect}, got a {verified.kind}", code="format.kind")
            checks.failed("kind", exc)
            raise exc
    except DidkitError as exc:
        return VerificationResult(
            False, fmt.name, checks.items, document=checks.document, errors=(exc,), kind=options.expect
        )

    nested: list[VerificationResult] = []
    errors: list[DidkitError] = []
    inner_options = replace(options, challenge=None, domain=None, expect="credential")
    for item in verified.embedded:
        name = f"credential {item.pointer}"
        try:
            secured = _enveloped_data(item.secured, options.limits)
            inner_fmt = _pick(registry, secured, item.media_type, None)
        except DidkitError as exc:
            checks.failed(name, exc)
            errors.append(exc)
            continue
        inner = await _verify_one(inner_fmt, secured, inner_options, registry)
        nested.append(inner)
        if inner.verified:
            checks.passed(name, f"{inner_fmt.name} credential verified")
        else:
            checks.failed(name, inner.errors[0])
            errors.append(inner.errors[0])
    warnings = tuple(verified.warnings) + tuple(w for r in nested for w in r.warnings)
    return VerificationResult(
        verified=not errors and all(c.passed for c in checks.items),
        format=fmt.name,
        checks=checks.items,
        document=verified.document,
        errors=tuple(errors),
        credentials=tuple(nested),
        details=verified.details,
        warnings=warnings,
        kind=verified.kind,
        signer=verified.signer,
    )


def verify_sync(document: Any, **kwargs: Any) -> VerificationResult:
    """:func:`verify` for synchronous callers (not from inside a running event loop)."""
    return asyncio.run(verify(document, **kwargs))
