"""The verification report: what an app (or a person) is told about a credential or presentation.

The JSON form is a stable, documented contract (``verifier/report.schema.json``, generated from
these models; ``docs/verifier.md`` explains each field). Add optional fields only; renaming or
removing one is a breaking change and bumps :data:`REPORT_VERSION`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "REPORT_VERSION",
    "CheckEntry",
    "CheckOutcome",
    "CredentialSummary",
    "DisclosedClaim",
    "RiskSignal",
    "VerificationReport",
    "report_json_schema",
]

REPORT_VERSION: Final = "1"


class CheckOutcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class CheckEntry(_Model):
    """One policy applied to one subject (the presentation, or one credential)."""

    policy: str = Field(
        description="Policy name: signature, did_resolution, validity_period, status, "
        "issuer_trust, challenge_domain, holder_binding, schema, disclosure."
    )
    subject: str = Field(
        description="What was checked: 'credential', 'presentation', or 'credential[N]' "
        "for the N-th credential inside a presentation."
    )
    outcome: CheckOutcome
    code: str | None = Field(
        default=None,
        description="Stable machine code: the error code when failed, why when skipped, null when passed.",
    )
    message: str = Field(default="", description="One human sentence.")
    duration_ms: float = Field(ge=0, description="Wall time spent on this check, in milliseconds.")
    details: dict[str, Any] | None = Field(
        default=None, description="Check-specific facts (e.g. status values)."
    )


class RiskSignal(_Model):
    """Information from the issuer's ledger history. It never changes the verdict by itself."""

    code: Literal[
        "key_rotated_after_issuance", "did_deactivated", "owner_changed_recently", "history_unavailable"
    ]
    severity: Literal["info", "warning", "high"]
    subject: str = Field(description="The DID the signal is about.")
    message: str
    observed_at: datetime | None = Field(
        default=None, description="When the ledger event happened (block time)."
    )
    evidence: dict[str, Any] = Field(
        default_factory=dict, description="Block numbers, keys, owners involved."
    )


class DisclosedClaim(_Model):
    """A claim the holder revealed (after selective disclosure), by JSON pointer into the credential."""

    credential: int = Field(ge=0, description="Index into 'credentials'.")
    pointer: str
    value: Any = None


class CredentialSummary(_Model):
    """Who issued what, as the verifier read it (only from documents whose proofs were checked)."""

    index: int = Field(ge=0)
    format: str | None
    issuer: str | None
    types: list[str] = Field(default_factory=list)
    id: str | None = None
    subject: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    status: list[dict[str, Any]] = Field(
        default_factory=list, description="One entry per credentialStatus read."
    )


class VerificationReport(_Model):
    """The verifier's answer: one verdict, every check, what was disclosed, and risk signals."""

    report_version: Literal["1"] = REPORT_VERSION
    verdict: Literal["accepted", "rejected"]
    kind: Literal["credential", "presentation"]
    format: str | None = Field(
        description="Securing format of the outer document (vc+jwt, eddsa-rdfc-2022, ...)."
    )
    checked_at: datetime
    holder: str | None = Field(default=None, description="The presentation's holder, when one was proven.")
    checks: list[CheckEntry]
    credentials: list[CredentialSummary] = Field(default_factory=list)
    disclosed_claims: list[DisclosedClaim] = Field(default_factory=list)
    risk_signals: list[RiskSignal] = Field(default_factory=list)
    duration_ms: float = Field(ge=0)

    @property
    def accepted(self) -> bool:
        return self.verdict == "accepted"

    def failed_checks(self) -> list[CheckEntry]:
        return [c for c in self.checks if c.outcome is CheckOutcome.FAILED]

    def to_json(self) -> dict[str, Any]:
        """The documented JSON form (``report.schema.json``)."""
        return self.model_dump(mode="json")


def report_json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`VerificationReport` as committed in ``report.schema.json``."""
    schema = VerificationReport.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://didkit-py.invalid/verifier/report.schema.json"
    return schema


def _write_schema() -> None:
    """``python -m verifier.report``: regenerate ``report.schema.json`` beside this module."""
    import json
    from pathlib import Path

    path = Path(__file__).with_name("report.schema.json")
    path.write_text(json.dumps(report_json_schema(), indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    _write_schema()
