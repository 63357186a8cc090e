"""Named verification policies and their settings.

Each policy can be switched on or off and configured. A relying party builds one
:class:`Policies` at start-up (in code, or from ``name=on|off`` / ``name.setting=value`` strings
with :meth:`Policies.with_options`, which is what ``didkit vc verify --policy`` uses) and may
override it per call.

==================  ===========================================================================
policy              what it decides
==================  ===========================================================================
signature           the proof or JWS verifies with a key the issuer (holder) controls. Cannot
                    be switched off.
did_resolution      the signer's DID resolves, is not deactivated, and its key was found
validity_period     ``validFrom``/``validUntil`` (and JWT ``nbf``/``exp``) hold, with clock skew
status              every ``credentialStatus`` entry reads "not revoked / not suspended" from a
                    list credential that itself verifies (Bitstring Status List v1.0)
issuer_trust        the issuer is in an allow-list of DIDs, or is a did:ethr whose current
                    registry owner is in a list of owner addresses
challenge_domain    the presentation carries the expected challenge (nonce) and domain
                    (audience), and the nonce is used only once
holder_binding      the presentation's holder is the subject of each credential it presents
schema              the credential validates against its ``credentialSchema`` (JSON Schema)
disclosure          the revealed claims cover what the request asked (claim pointers, a DCQL
                    query or a Presentation Exchange definition)
==================  ===========================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from typing import Any, Literal

from didkit_py.errors import InvalidInput

__all__ = [
    "POLICY_NAMES",
    "ChallengeDomainPolicy",
    "DidResolutionPolicy",
    "DisclosurePolicy",
    "HolderBindingPolicy",
    "IssuerTrustPolicy",
    "Policies",
    "SchemaPolicy",
    "SignaturePolicy",
    "StatusPolicy",
    "ValidityPeriodPolicy",
]


@dataclass(frozen=True, slots=True)
class SignaturePolicy:
    enabled: bool = True

    def __post_init__(self) -> None:
        if not self.enabled:
            raise InvalidInput("the signature policy cannot be switched off", code="policy.signature")


@dataclass(frozen=True, slots=True)
class DidResolutionPolicy:
    enabled: bool = True
    #: A deactivated issuer or holder DID fails the check (DID Core ``deactivated`` metadata).
    reject_deactivated: bool = True


@dataclass(frozen=True, slots=True)
class ValidityPeriodPolicy:
    enabled: bool = True
    skew: timedelta = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class StatusPolicy:
    enabled: bool = True
    #: A credential without ``credentialStatus`` fails (otherwise the check is skipped).
    required: bool = False
    #: The status list credential must have the credential's issuer.
    check_issuer: bool = True
    #: A ``credentialStatus`` type we cannot check fails (otherwise it is skipped).
    reject_unknown_types: bool = True


@dataclass(frozen=True, slots=True)
class IssuerTrustPolicy:
    enabled: bool = True
    #: Issuer DIDs accepted as they are.
    trusted_issuers: frozenset[str] = frozenset()
    #: Ethereum addresses (``0x…``) whose did:ethr identities are trusted: an issuer
    #: ``did:ethr:…`` is accepted when its current registry owner is one of them.
    trusted_owners: frozenset[str] = frozenset()

    @property
    def configured(self) -> bool:
        return bool(self.trusted_issuers or self.trusted_owners)


@dataclass(frozen=True, slots=True)
class ChallengeDomainPolicy:
    enabled: bool = True
    #: Fail a presentation verified without an expected challenge (it could be replayed).
    required: bool = True
    #: Accept only challenges the verifier issued with :meth:`Verifier.issue_challenge`.
    require_issued: bool = False
    #: How long a used nonce is remembered (seconds); it should exceed the presentation lifetime.
    nonce_ttl: float = 3600.0


@dataclass(frozen=True, slots=True)
class HolderBindingPolicy:
    enabled: bool = True
    #: Credentials without a subject id ("bearer credentials", VC DM 2.0 §5.x) are accepted
    #: with a skipped check; set False to reject them.
    allow_bearer: bool = True


@dataclass(frozen=True, slots=True)
class SchemaPolicy:
    enabled: bool = True
    #: A credential without ``credentialSchema`` fails (otherwise the check is skipped).
    required: bool = False
    max_schema_bytes: int = 512 * 1024
    timeout: float = 5.0


@dataclass(frozen=True, slots=True)
class DisclosurePolicy:
    enabled: bool = True
    #: JSON pointers (``/credentialSubject/birthDate``) that some presented credential must reveal.
    required_claims: tuple[str, ...] = ()
    #: A DCQL query (``{"credentials": [...]}``) or a PE ``presentation_definition``.
    request: Mapping[str, Any] | None = None

    @property
    def configured(self) -> bool:
        return bool(self.required_claims) or self.request is not None


_POLICY_TYPES: dict[str, type[Any]] = {
    "signature": SignaturePolicy,
    "did_resolution": DidResolutionPolicy,
    "validity_period": ValidityPeriodPolicy,
    "status": StatusPolicy,
    "issuer_trust": IssuerTrustPolicy,
    "challenge_domain": ChallengeDomainPolicy,
    "holder_binding": HolderBindingPolicy,
    "schema": SchemaPolicy,
    "disclosure": DisclosurePolicy,
}
POLICY_NAMES: tuple[str, ...] = tuple(_POLICY_TYPES)


@dataclass(frozen=True, slots=True)
class Policies:
    """All policies with their settings; the defaults are what a careful relying party wants."""

    signature: SignaturePolicy = field(default_factory=SignaturePolicy)
    did_resolution: DidResolutionPolicy = field(default_factory=DidResolutionPolicy)
    validity_period: ValidityPeriodPolicy = field(default_factory=ValidityPeriodPolicy)
    status: StatusPolicy = field(default_factory=StatusPolicy)
    issuer_trust: IssuerTrustPolicy = field(default_factory=IssuerTrustPolicy)
    challenge_domain: ChallengeDomainPolicy = field(default_factory=ChallengeDomainPolicy)
    holder_binding: HolderBindingPolicy = field(default_factory=HolderBindingPolicy)
    schema: SchemaPolicy = field(default_factory=SchemaPolicy)
    disclosure: DisclosurePolicy = field(default_factory=DisclosurePolicy)

    def with_options(self, options: Iterable[str]) -> Policies:
        """Apply ``name=on|off`` and ``name.setting=value`` strings (the CLI's ``--policy``).

        Values: booleans ``on/off/true/false/yes/no``; ``skew`` in seconds; lists
        (``trusted_issuers``, ``trusted_owners``, ``required_claims``) comma-separated and
        *added* to what is configured.
        """
        out = self
        for raw in options:
            name, sep, value = raw.partition("=")
            name, value = name.strip(), value.strip()
            if not sep or not name:
                raise InvalidInput(f"policy option {raw!r} is not name=value", code="policy.syntax")
            policy, _, setting = name.partition(".")
            if policy not in _POLICY_TYPES:
                raise InvalidInput(
                    f"unknown policy {policy!r} (known: {', '.join(POLICY_NAMES)})", code="policy.unknown"
                )
            current = getattr(out, policy)
            setting = setting or "enabled"
            names = {f.name: f for f in fields(current)}
            if setting not in names:
                raise InvalidInput(
                    f"policy {policy} has no setting {setting!r} (settings: {', '.join(names)})",
                    code="policy.unknown_setting",
                )
            new_value = _convert(current, setting, value, raw)
            out = replace(out, **{policy: replace(current, **{setting: new_value})})
        return out

    def describe(self) -> dict[str, dict[str, Any]]:
        """The settings as JSON-friendly values (for ``--json`` output and logs)."""
        out: dict[str, dict[str, Any]] = {}
        for name in POLICY_NAMES:
            p = getattr(self, name)
            item: dict[str, Any] = {}
            for f in fields(p):
                v = getattr(p, f.name)
                if isinstance(v, timedelta):
                    v = v.total_seconds()
                elif isinstance(v, frozenset | tuple):
                    v = sorted(v) if isinstance(v, frozenset) else list(v)
                item[f.name] = v
            out[name] = item
        return out


_TRUE = {"on", "true", "yes", "1"}
_FALSE = {"off", "false", "no", "0"}


def _convert(policy: Any, setting: str, value: str, raw: str) -> Any:
    current = getattr(policy, setting)
    if isinstance(current, bool):
        low = value.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise InvalidInput(f"{raw!r}: expected on or off", code="policy.value")
    if isinstance(current, timedelta):
        try:
            seconds = float(value)
        except ValueError:
            raise InvalidInput(f"{raw!r}: expected seconds", code="policy.value") from None
        if not 0 <= seconds <= 10 * 365 * 86400:
            raise InvalidInput(f"{raw!r}: out of range", code="policy.value")
        return timedelta(seconds=seconds)
    if isinstance(current, int | float) and not isinstance(current, bool):
        try:
            number = type(current)(value)
        except ValueError:
            raise InvalidInput(f"{raw!r}: expected a number", code="policy.value") from None
        if number < 0:
            raise InvalidInput(f"{raw!r}: must not be negative", code="policy.value")
        return number
    if isinstance(current, frozenset | tuple):
        items = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(current, frozenset):
            return current | frozenset(items)
        return tuple(dict.fromkeys([*current, *items]))
    raise InvalidInput(f"{raw!r}: this setting cannot be given as text", code="policy.value")


Mode = Literal["credential", "presentation"]
