"""Verifiable credentials: the VC Data Model 2.0 and securing formats behind one API.

- :mod:`.model` validates credentials and presentations (VC DM 2.0; 1.1 accepted, flagged).
- :mod:`.formats` is the registry of securing formats (``vc+jwt`` and those other modules add).
- :func:`issue`, :func:`present`, :func:`derive` and :func:`verify` dispatch to those formats;
  :func:`verify` returns a :class:`VerificationResult` listing every check.

>>> from didkit_py.keys import KeyType, generate_key
>>> signer = signer_for_key(generate_key(KeyType.ED25519))          # doctest: +SKIP
>>> jwt = issue(credential, signer=signer, now=now)                  # doctest: +SKIP
>>> result = await verify(jwt, resolver=default_resolver(), now=now)  # doctest: +SKIP
"""

from __future__ import annotations

from .api import build_presentation, derive, issue, load_secured, present, signer_for_key, verify, verify_sync
from .formats import (
    FORMAT_TABLE,
    DeriveOptions,
    DerivingFormat,
    Embedded,
    FormatRegistry,
    IssueOptions,
    Secured,
    SecuringFormat,
    Signer,
    Verified,
    VerifyOptions,
    default_registry,
)
from .model import (
    BASE_CONTEXT_V1,
    BASE_CONTEXT_V2,
    DEFAULT_LIMITS,
    Credential,
    EnvelopedCredential,
    Limits,
    Presentation,
    check_validity_period,
    envelope,
    parse_credential,
    parse_presentation,
)
from .results import CheckResult, Checks, VerificationResult

__all__ = [
    "BASE_CONTEXT_V1",
    "BASE_CONTEXT_V2",
    "DEFAULT_LIMITS",
    "FORMAT_TABLE",
    "CheckResult",
    "Checks",
    "Credential",
    "DeriveOptions",
    "DerivingFormat",
    "Embedded",
    "EnvelopedCredential",
    "FormatRegistry",
    "IssueOptions",
    "Limits",
    "Presentation",
    "Secured",
    "SecuringFormat",
    "Signer",
    "VerificationResult",
    "Verified",
    "VerifyOptions",
    "build_presentation",
    "check_validity_period",
    "default_registry",
    "derive",
    "envelope",
    "issue",
    "load_secured",
    "parse_credential",
    "parse_presentation",
    "present",
    "signer_for_key",
    "verify",
    "verify_sync",
]
