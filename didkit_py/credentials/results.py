"""Structured verification results: what was checked, what passed, what failed and why.

A securing format runs its checks inside :meth:`Checks.step` blocks. A step that returns
records a passed :class:`CheckResult`; a step that raises a :class:`DidkitError` records a
failed one (with the error's ``code``) and lets the error propagate, so the format stops at
the first failure while the report still lists everything that was checked before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..errors import DidkitError

__all__ = ["CheckResult", "Checks", "VerificationResult"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One named check. ``code`` is the error code when it failed, ``"ok"`` when it passed."""

    name: str
    passed: bool
    code: str = "ok"
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "code": self.code, "message": self.message}


class Checks:
    """Collects :class:`CheckResult` entries in order while a document is verified."""

    __slots__ = ("_items", "_prefix", "document")

    def __init__(self, prefix: str = "") -> None:
        self._items: list[CheckResult] = []
        self._prefix = prefix
        #: The unsecured document, set by the format as soon as it could be read, so that a
        #: failed verification can still show what was presented.
        self.document: dict[str, Any] | None = None

    @property
    def items(self) -> tuple[CheckResult, ...]:
        return tuple(self._items)

    def child(self, prefix: str) -> Checks:
        """A collector whose check names are prefixed (e.g. ``credential[0].``) and land here."""
        sub = Checks(self._prefix + prefix)
        sub._items = self._items
        return sub

    def passed(self, name: str, message: str = "") -> None:
        self._items.append(CheckResult(self._prefix + name, True, "ok", message))

    def failed(self, name: str, error: DidkitError) -> None:
        self._items.append(CheckResult(self._prefix + name, False, error.code, str(error)))

    @contextmanager
    def step(self, name: str, message: str = "") -> Iterator[_StepNote]:
        """Run one check: passed when the block completes, failed (and re-raised) on our errors.

        The block may set ``note.message`` to describe what passed (e.g. the key that signed).
        """
        note = _StepNote(message)
        try:
            yield note
        except DidkitError as exc:
            self.failed(name, exc)
            raise
        self.passed(name, note.message)


@dataclass(slots=True)
class _StepNote:
    message: str = ""


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """The outcome of :func:`didkit_py.credentials.verify`.

    ``verified`` is true only when every check passed. ``errors`` holds the errors that stopped
    verification (normally one: checks stop at the first failure); ``document`` is the
    credential or presentation as far as it could be read (``None`` when it could not).
    ``credentials`` holds the nested results for the credentials inside a presentation, and
    ``details`` the securing format's own structured result (e.g. the JWS header and ``kid``).
    ``kind`` is ``"credential"`` or ``"presentation"`` and ``signer`` the issuer or holder, once
    known to be authentic.
    """

    verified: bool
    format: str | None
    checks: tuple[CheckResult, ...]
    document: dict[str, Any] | None = None
    errors: tuple[DidkitError, ...] = ()
    credentials: tuple[VerificationResult, ...] = ()
    details: Any = field(default=None, repr=False)
    warnings: tuple[str, ...] = ()
    kind: str | None = None
    signer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form for ``--json`` output and HTTP reports (never includes key material)."""
        out: dict[str, Any] = {
            "verified": self.verified,
            "format": self.format,
            "kind": self.kind,
            "signer": self.signer,
            "checks": [c.to_dict() for c in self.checks],
            "errors": [e.to_dict() for e in self.errors],
            "warnings": list(self.warnings),
            "document": self.document,
        }
        to_dict = getattr(self.details, "to_dict", None)
        if callable(to_dict):
            out["details"] = to_dict()
        if self.credentials:
            out["credentials"] = [c.to_dict() for c in self.credentials]
        return out
