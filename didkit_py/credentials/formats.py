"""The securing formats :func:`didkit_py.credentials.issue` / ``verify`` / ``derive`` dispatch to.

A *securing format* turns an unsecured credential or presentation (a JSON object) into a
secured one — a compact string such as a ``vc+jwt``, or a JSON object with an embedded
``proof`` — and checks secured ones. Each format is one object implementing
:class:`SecuringFormat` (and :class:`DerivingFormat` when the holder can derive a selectively
disclosed copy). The table below lists them; adding a format is **one line** in
:data:`FORMAT_TABLE`, pointing at a module attribute that is imported on first use.

=====================  ==========================================  ===================================
name                   implementation                              detects
=====================  ==========================================  ===================================
``vc+jwt``             ``didkit_py.suites.jose:FORMAT``            a compact JWS string (no ``~``)
``dc+sd-jwt``          ``didkit_py.suites.sd_jwt.format:FORMAT``   a string with ``~`` (an SD-JWT)
``eddsa-rdfc-2022``    ``…data_integrity.format:EDDSA_…_FORMAT``   an object whose first proof has
``ecdsa-rdfc-2019``    ``…data_integrity.format:ECDSA_…_FORMAT``   this ``cryptosuite``
``bbs-2023``           ``…data_integrity.format:BBS_2023_FORMAT``  (``bbs-2023`` also derives)
=====================  ==========================================  ===================================

Rules for implementations:

- ``detect`` must be cheap, must not raise, and must be exclusive: a document is claimed by
  at most one format (a compact JWS has no ``~``; an SD-JWT has; a Data Integrity document is an
  object with ``proof``). Detection runs in table order; the first format that claims wins.
- ``issue`` validates the document with :mod:`didkit_py.credentials.model` and raises
  :class:`~didkit_py.errors.InvalidInput` for bad documents or signers.
- ``verify`` runs each check inside ``checks.step(name)`` and raises the first failure
  (:class:`~didkit_py.errors.VerificationError` for "checked, invalid"; ``InvalidInput`` /
  ``ResolutionError`` / ``UnsupportedError`` for "could not check"). It verifies only its own
  securing; credentials inside a presentation are returned in :attr:`Verified.embedded` and
  verified by the caller with whichever format secures each of them.
- Nothing global: keys, resolver, clock and document loader come in through the options.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, runtime_checkable

from ..errors import InvalidInput, UnsupportedError
from .model import DEFAULT_LIMITS, Limits
from .results import Checks

if TYPE_CHECKING:
    from ..did import Resolver
    from ..keys import KeyPair

__all__ = [
    "FORMAT_TABLE",
    "DeriveOptions",
    "DerivingFormat",
    "Embedded",
    "FormatRegistry",
    "IssueOptions",
    "Secured",
    "SecuringFormat",
    "Signer",
    "Verified",
    "VerifyOptions",
    "default_registry",
]

#: The registry of securing formats: ``(name, "module:attribute")``, in detection order.
#: Add a format with one line here; the attribute must implement :class:`SecuringFormat`.
FORMAT_TABLE: Final[tuple[tuple[str, str], ...]] = (
    ("vc+jwt", "didkit_py.suites.jose:FORMAT"),
    ("dc+sd-jwt", "didkit_py.suites.sd_jwt.format:FORMAT"),
    ("eddsa-rdfc-2022", "didkit_py.suites.data_integrity.format:EDDSA_RDFC_2022_FORMAT"),
    ("ecdsa-rdfc-2019", "didkit_py.suites.data_integrity.format:ECDSA_RDFC_2019_FORMAT"),
    ("bbs-2023", "didkit_py.suites.data_integrity.format:BBS_2023_FORMAT"),
)

#: A secured document: a compact serialization (JWT, SD-JWT) or a JSON object with a proof.
Secured = str | dict[str, Any]


@dataclass(frozen=True, slots=True)
class Signer:
    """A key pair with the DID URL of the verification method that publishes its public key."""

    key: KeyPair = field(repr=False)
    verification_method: str

    @property
    def did(self) -> str:
        """The DID (controller) part of :attr:`verification_method`."""
        return self.verification_method.split("#", 1)[0]


@dataclass(frozen=True, slots=True)
class IssueOptions:
    """What securing a document needs besides the document and the signer.

    ``challenge`` / ``domain`` bind a presentation to one verifier request (JWT ``nonce`` /
    ``aud``; Data Integrity ``challenge`` / ``domain``). ``lifetime`` bounds a presentation's
    validity. ``extra`` carries format-specific options (e.g. mandatory pointers for
    ``bbs-2023``, disclosable claims for SD-JWT), documented by each format.
    """

    now: datetime
    challenge: str | None = None
    domain: str | None = None
    lifetime: timedelta | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    """What checking a secured document needs: a resolver, the time, and the expected binding.

    ``skew`` tolerates clock drift on every time comparison. When ``challenge`` / ``domain``
    are set, a presentation must carry exactly them. ``expect`` restricts what is accepted
    (``"credential"`` or ``"presentation"``; ``None`` accepts either).
    """

    resolver: Resolver
    now: datetime
    skew: timedelta = timedelta(seconds=60)
    challenge: str | None = None
    domain: str | None = None
    limits: Limits = DEFAULT_LIMITS
    document_loader: Any = None
    expect: Literal["credential", "presentation"] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DeriveOptions:
    """Deriving a selectively disclosed copy: what to reveal, and holder binding when asked."""

    now: datetime
    disclose: Sequence[str] = ()
    holder: Signer | None = None
    challenge: str | None = None
    domain: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Embedded:
    """A secured credential found inside a presentation, at JSON pointer ``pointer``.

    ``media_type`` is set when the container names the format (an enveloped credential's
    ``data:`` URL); otherwise the caller detects it.
    """

    pointer: str
    secured: Secured = field(repr=False)
    media_type: str | None = None


@dataclass(frozen=True, slots=True)
class Verified:
    """What a format found while verifying: the unsecured document and who secured it.

    ``kind`` is ``"credential"`` or ``"presentation"``; ``signer`` is the issuer (credential) or
    holder (presentation) id; ``embedded`` are the secured credentials inside a presentation,
    with their JSON pointers, for the caller to verify; ``details`` is format-specific (it may
    offer ``to_dict()`` for reports).
    """

    document: dict[str, Any]
    kind: Literal["credential", "presentation"]
    signer: str
    verification_method: str | None = None
    embedded: tuple[Embedded, ...] = ()
    details: Any = None
    warnings: tuple[str, ...] = ()


@runtime_checkable
class SecuringFormat(Protocol):
    """One securing format. See the module docstring for the rules."""

    #: The name users pass as ``format`` (``vc+jwt``, ``dc+sd-jwt``, ``eddsa-rdfc-2022``, ...).
    name: str
    #: Media types that name this format inside ``data:`` URLs (enveloped credentials).
    media_types: tuple[str, ...]

    def detect(self, document: Secured) -> bool: ...

    def issue(self, document: Mapping[str, Any], signer: Signer, options: IssueOptions) -> Secured: ...

    async def verify(self, document: Secured, options: VerifyOptions, checks: Checks) -> Verified: ...


@runtime_checkable
class DerivingFormat(SecuringFormat, Protocol):
    """A format whose holder can derive a (selectively disclosed) copy without the issuer."""

    def derive(self, document: Secured, options: DeriveOptions) -> Secured: ...


class FormatRegistry:
    """The formats available to one caller, in detection order (see :data:`FORMAT_TABLE`)."""

    __slots__ = ("_formats",)

    def __init__(self, formats: Sequence[SecuringFormat]) -> None:
        self._formats = tuple(formats)

    @property
    def formats(self) -> tuple[SecuringFormat, ...]:
        return self._formats

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self._formats)

    def get(self, name: str) -> SecuringFormat:
        for fmt in self._formats:
            if fmt.name == name:
                return fmt
        raise UnsupportedError(
            f"unknown securing format {name!r} (known: {', '.join(self.names)})", code="format.unknown"
        )

    def by_media_type(self, media_type: str) -> SecuringFormat:
        for fmt in self._formats:
            if media_type in fmt.media_types:
                return fmt
        raise UnsupportedError(f"no securing format for media type {media_type!r}", code="format.media_type")

    def detect(self, document: Secured) -> SecuringFormat:
        for fmt in self._formats:
            if fmt.detect(document):
                return fmt
        raise InvalidInput(
            f"not a secured credential or presentation in any known format ({', '.join(self.names)})",
            code="format.unrecognized",
        )


def default_registry(table: Sequence[tuple[str, str]] = FORMAT_TABLE) -> FormatRegistry:
    """Import the formats listed in ``table`` (modules are imported once, by Python)."""
    formats: list[SecuringFormat] = []
    for name, target in table:
        module_name, _, attr = target.partition(":")
        fmt = getattr(importlib.import_module(module_name), attr)
        if getattr(fmt, "name", None) != name:
            raise RuntimeError(f"format table entry {name!r} points at a format named {fmt.name!r}")
        formats.append(fmt)
    return FormatRegistry(formats)
