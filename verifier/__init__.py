"""The didkit-py verifier SDK: verify credentials and presentations under named policies.

>>> from didkit_py.did import default_resolver
>>> from verifier import Policies, Verifier
>>> verifier = Verifier(resolver=default_resolver(), policies=Policies())        # doctest: +SKIP
>>> report = await verifier.verify_presentation(vp, challenge=nonce)            # doctest: +SKIP
>>> report.verdict, [c.policy for c in report.failed_checks()]                  # doctest: +SKIP

See ``docs/verifier.md`` for the policies, the report (``verifier/report.schema.json``) and the
FastAPI integration (:mod:`verifier.fastapi`).
"""

from __future__ import annotations

from .core import Verifier
from .nonces import InMemoryNonceStore, NonceStore
from .policies import (
    POLICY_NAMES,
    ChallengeDomainPolicy,
    DidResolutionPolicy,
    DisclosurePolicy,
    HolderBindingPolicy,
    IssuerTrustPolicy,
    Policies,
    SchemaPolicy,
    SignaturePolicy,
    StatusPolicy,
    ValidityPeriodPolicy,
)
from .report import (
    REPORT_VERSION,
    CheckEntry,
    CheckOutcome,
    CredentialSummary,
    DisclosedClaim,
    RiskSignal,
    VerificationReport,
    report_json_schema,
)
from .risk import EthrHistoryRisk, RiskSource
from .schema import HttpSchemaLoader, SchemaLoader

__all__ = [
    "POLICY_NAMES",
    "REPORT_VERSION",
    "ChallengeDomainPolicy",
    "CheckEntry",
    "CheckOutcome",
    "CredentialSummary",
    "DidResolutionPolicy",
    "DisclosedClaim",
    "DisclosurePolicy",
    "EthrHistoryRisk",
    "HolderBindingPolicy",
    "HttpSchemaLoader",
    "InMemoryNonceStore",
    "IssuerTrustPolicy",
    "NonceStore",
    "Policies",
    "RiskSignal",
    "RiskSource",
    "SchemaLoader",
    "SchemaPolicy",
    "SignaturePolicy",
    "StatusPolicy",
    "ValidityPeriodPolicy",
    "VerificationReport",
    "Verifier",
    "report_json_schema",
]
