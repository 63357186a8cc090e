"""One exception hierarchy for everything didkit-py raises.

Every error carries a stable machine ``code`` (dotted, e.g. ``jwt.alg_none``), a human message
and, where it applies, ``at``: the JSON pointer (or argument name) of the offending field.
Messages never contain secrets or whole inputs. Each class also subclasses the matching builtin
so that callers who only know Python's own exceptions still catch them sensibly.

::

    DidkitError
    ├── InvalidInput (ValueError)          outside input we cannot parse: the sender is at fault
    │   └── LimitExceeded                  input too large or too costly to process
    ├── VerificationError                  checked, and found invalid (signature, proof, expiry, ...)
    │   └── StatusError                    valid but revoked / suspended
    ├── ResolutionError (LookupError)      could not check: a DID, key or document was not obtained
    │   └── NotFound                       the thing asked for does not exist (DID ``notFound``)
    ├── UnsupportedError (NotImplementedError)  a method, algorithm or format we do not implement
    ├── NetworkError (ConnectionError)     a remote peer or node was unreachable or answered badly
    ├── ChainError                         the registry chain refused or reverted a transaction
    └── StorageError (OSError)             a local file or database could not be read or written

Keep "checked: invalid" (:class:`VerificationError`) apart from "could not check"
(:class:`ResolutionError`, :class:`InvalidInput`): a verifier reports them differently.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ChainError",
    "DidkitError",
    "InvalidInput",
    "LimitExceeded",
    "NetworkError",
    "NotFound",
    "ResolutionError",
    "StatusError",
    "StorageError",
    "UnsupportedError",
    "VerificationError",
]


class DidkitError(Exception):
    """Base of every error didkit-py raises on purpose."""

    default_code = "error"

    def __init__(self, message: str, *, code: str | None = None, at: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.at = at

    def __str__(self) -> str:
        return f"{self.message} (at {self.at})" if self.at else self.message

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by reports, HTTP problem bodies and ``--json`` output."""
        out: dict[str, Any] = {"type": type(self).__name__, "code": self.code, "message": self.message}
        if self.at:
            out["at"] = self.at
        return out


class InvalidInput(DidkitError, ValueError):
    """Outside input we cannot parse: the sender is at fault, not us."""

    default_code = "invalid_input"


class LimitExceeded(InvalidInput):
    """Input larger, deeper or costlier than the configured limit (a defence, not a bug)."""

    default_code = "limit_exceeded"


class VerificationError(DidkitError):
    """The input was understood and checked, and the check failed."""

    default_code = "verification_failed"


class StatusError(VerificationError):
    """The credential is authentic but its status says it must not be accepted (revoked, suspended)."""

    default_code = "status"


class ResolutionError(DidkitError, LookupError):
    """Something needed for a check (DID document, key, status list, context) was not obtained."""

    default_code = "resolution_failed"


class NotFound(ResolutionError):
    """The DID, key or record asked for does not exist (DID Resolution ``notFound``)."""

    default_code = "not_found"


class UnsupportedError(DidkitError, NotImplementedError):
    """A method, algorithm, suite or format we recognise but do not implement."""

    default_code = "unsupported"


class NetworkError(DidkitError, ConnectionError):
    """A remote peer or node was unreachable, timed out, or answered outside the protocol."""

    default_code = "network"


class ChainError(DidkitError):
    """The registry chain refused a transaction: revert, out of gas, wrong chain, bad nonce."""

    default_code = "chain"


class StorageError(DidkitError, OSError):
    """A local file or database could not be read or written."""

    default_code = "storage"
