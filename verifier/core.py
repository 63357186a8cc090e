"""The :class:`Verifier`: one call answers "may I trust this credential or presentation, and if
not, why not?" under named policies, as a :class:`~verifier.report.VerificationReport`.

Signature, key and format checks are the credentials entry point's
(:func:`didkit_py.credentials.verify`, which dispatches to every securing format we support);
the verifier runs it once, files its checks under the policies they belong to, and adds the
relying-party checks on top: DID state, status lists, trust, replay, holder binding, schema and
disclosure. The verdict is ``accepted`` only when no check failed; a check that could not be
done (a list not fetched, a DID not resolved) fails, it never passes.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

import httpx

from didkit_py.credentials import FormatRegistry, VerificationResult, default_registry
from didkit_py.credentials import verify as verify_secured
from didkit_py.credentials.model import check_validity_period, parse_credential
from didkit_py.did import Resolver
from didkit_py.errors import (
    DidkitError,
    InvalidInput,
    ResolutionError,
    StatusError,
    VerificationError,
)
from didkit_py.status import BitstringStatusListEntry, StatusListClient, StatusListLimits
from didkit_py.status.bitstring import credential_status_entries

from ._keycache import KeyCachingResolver
from .nonces import InMemoryNonceStore, NonceStore
from .policies import Policies
from .report import (
    CheckEntry,
    CheckOutcome,
    CredentialSummary,
    DisclosedClaim,
    RiskSignal,
    VerificationReport,
)
from .risk import RiskSource
from .schema import HttpSchemaLoader, SchemaLoader, credential_schemas, validate_against_schema

__all__ = ["Verifier"]

T = TypeVar("T")

#: With the validity policy off, time checks inside the formats are widened by this much.
_NO_TIME_CHECK = timedelta(days=365 * 200)
_MAX_DISCLOSED = 500
#: DID methods whose document is derived from the DID string alone (no registry to deactivate).
_STATELESS_METHODS = ("did:key:", "did:jwk:")


def _utcnow() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------------------------
# filing the format's checks under our policies

_VALIDITY_WORDS = (
    "validity",
    "expired",
    "not_yet_valid",
    "iat_future",
    "created_future",
    "valid_from",
    "valid_until",
)
_BINDING_WORDS = ("challenge", "domain", "nonce", ".aud")
_DID_WORDS = (
    "did.",
    "did_",
    "vm_",
    "verification_method",
    "kid",
    "controller",
    "notfound",
    "invaliddid",
    "methodnotsupported",
    "resolution",
    "key_type",
)


def _policy_of(name: str, error: DidkitError | None, code: str) -> str:
    return _classify(name, isinstance(error, ResolutionError), code)


@functools.lru_cache(maxsize=1024)
def _classify(name: str, resolution_error: bool, code: str) -> str:
    low_name = name.lower()
    low_code = code.lower()
    if low_name == "status" or low_code.startswith("status"):
        return "status"
    if "validity" in low_name or any(w in low_code for w in _VALIDITY_WORDS):
        return "validity_period"
    if low_name in {"challenge", "domain", "nonce", "audience"} or any(w in low_code for w in _BINDING_WORDS):
        return "challenge_domain"
    if (
        low_name.endswith(" key")
        or "resolve" in low_name
        or "verification method" in low_name
        or resolution_error
        or any(w in low_code for w in _DID_WORDS)
    ):
        return "did_resolution"
    return "signature"


@dataclass(slots=True)
class _Filed:
    """The format's checks for one document, grouped per policy (in order)."""

    passed: dict[str, list[str]] = field(default_factory=dict)
    failed: dict[str, tuple[str, str, DidkitError | None]] = field(default_factory=dict)


def _file_checks(result: VerificationResult) -> _Filed:
    filed = _Filed()
    errors = {e.code: e for e in result.errors}
    for c in result.checks:
        if c.name.startswith("credential "):
            continue  # nested credentials get their own entries
        err = errors.get(c.code) if not c.passed else None
        policy = _policy_of(c.name, err, "" if c.passed else c.code)
        if c.passed:
            filed.passed.setdefault(policy, []).append(c.message or c.name)
        elif policy not in filed.failed:
            filed.failed[policy] = (c.code, c.message or c.name, err)
    if not result.verified and not filed.failed and result.errors:
        e = result.errors[0]
        filed.failed[_policy_of("", e, e.code)] = (e.code, str(e), e)
    return filed


# --------------------------------------------------------------------------------------------
# the report under construction


class _Recorder:
    def __init__(self) -> None:
        self.checks: list[CheckEntry] = []

    def add(
        self,
        policy: str,
        subject: str,
        outcome: CheckOutcome,
        *,
        code: str | None = None,
        message: str = "",
        started: float | None = None,
        duration_ms: float | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        if duration_ms is None:
            duration_ms = (time.perf_counter() - started) * 1000.0 if started is not None else 0.0
        # Built without re-validation: every field is produced here with the right type (the
        # report as a whole is still checked against its schema in the tests).
        self.checks.append(
            CheckEntry.model_construct(
                policy=policy,
                subject=subject,
                outcome=outcome,
                code=code,
                message=message,
                duration_ms=round(max(duration_ms, 0.0), 3),
                details=details,
            )
        )

    def passed(self, policy: str, subject: str, message: str = "", **kw: Any) -> None:
        self.add(policy, subject, CheckOutcome.PASSED, message=message, **kw)

    def failed(self, policy: str, subject: str, code: str, message: str, **kw: Any) -> None:
        self.add(policy, subject, CheckOutcome.FAILED, code=code, message=message, **kw)

    def skipped(self, policy: str, subject: str, code: str, message: str, **kw: Any) -> None:
        self.add(policy, subject, CheckOutcome.SKIPPED, code=code, message=message, **kw)

    def error(self, policy: str, subject: str, exc: DidkitError, **kw: Any) -> None:
        self.failed(policy, subject, exc.code, str(exc), **kw)

    @property
    def any_failed(self) -> bool:
        return any(c.outcome is CheckOutcome.FAILED for c in self.checks)


def _issuer_of(doc: Mapping[str, Any]) -> str | None:
    issuer = doc.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _subject_ids(doc: Mapping[str, Any]) -> list[str | None]:
    subj = doc.get("credentialSubject")
    items = subj if isinstance(subj, list) else [subj]
    return [s.get("id") if isinstance(s, Mapping) and isinstance(s.get("id"), str) else None for s in items]


def _types(doc: Mapping[str, Any]) -> list[str]:
    t = doc.get("type")
    items = t if isinstance(t, list) else [t]
    return [x for x in items if isinstance(x, str)]


def _verification_method(result: VerificationResult) -> str | None:
    details = result.details
    for attr in ("kid", "verification_method", "verificationMethod"):
        v = getattr(details, attr, None)
        if isinstance(v, str):
            return v
    if isinstance(details, Mapping):  # Data Integrity: {"proofs": [{"verificationMethod": ...}]}
        for p in details.get("proofs") or ():
            if isinstance(p, Mapping) and isinstance(p.get("verificationMethod"), str):
                return str(p["verificationMethod"])
    proof = (result.document or {}).get("proof") if isinstance(result.document, Mapping) else None
    proofs = proof if isinstance(proof, list) else [proof]
    for p in proofs:
        if isinstance(p, Mapping) and isinstance(p.get("verificationMethod"), str):
            return str(p["verificationMethod"])
    return None


def _issued_at(doc: Mapping[str, Any], result: VerificationResult) -> datetime | None:
    claims = getattr(result.details, "claims", None)
    if isinstance(claims, Mapping) and isinstance(claims.get("iat"), int | float):
        return datetime.fromtimestamp(float(claims["iat"]), UTC)
    created: list[Any] = []
    if isinstance(result.details, Mapping):  # Data Integrity proofs' ``created``
        created = [p.get("created") for p in result.details.get("proofs") or () if isinstance(p, Mapping)]
    for v in [*created, doc.get("validFrom"), doc.get("issuanceDate")]:
        if isinstance(v, str):
            try:
                dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
            except ValueError:
                continue
            return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return None


def _flatten(value: Any, pointer: str, out: list[tuple[str, Any]]) -> None:
    if len(out) >= _MAX_DISCLOSED:
        return
    if isinstance(value, Mapping) and value:
        for k, v in value.items():
            _flatten(v, f"{pointer}/{str(k).replace('~', '~0').replace('/', '~1')}", out)
    else:
        out.append((pointer, value))


def _pointer_get(doc: Any, pointer: str) -> tuple[bool, Any]:
    if pointer == "":
        return True, doc
    if not pointer.startswith("/"):
        return False, None
    cur = doc
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, Mapping) and part in cur:
            cur = cur[part]
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return False, None
    return True, cur


# --------------------------------------------------------------------------------------------
# the verifier


class Verifier:
    """Verify credentials and presentations under :class:`Policies`, returning a report.

    Build one at start-up and share it (it is safe for concurrent use)::

        verifier = Verifier(resolver=default_resolver(), policies=Policies())
        report = await verifier.verify_presentation(vp, challenge=nonce, domain="https://rp.example")
        if not report.accepted: ...

    Everything is injected: the DID resolver, the JSON-LD document loader, the HTTP client
    for status lists and schemas (one is created and owned when not given), the nonce store,
    the clock, the format registry and an optional :class:`~verifier.risk.RiskSource`.
    """

    def __init__(
        self,
        *,
        resolver: Resolver,
        policies: Policies | None = None,
        document_loader: Any = None,
        http: httpx.AsyncClient | None = None,
        status_client: StatusListClient | None = None,
        status_limits: StatusListLimits | None = None,
        schema_loader: SchemaLoader | None = None,
        nonce_store: NonceStore | None = None,
        risk: RiskSource | None = None,
        registry: FormatRegistry | None = None,
        clock: Callable[[], datetime] = _utcnow,
        allow_loopback_http: bool = False,
        did_state_ttl: float = 30.0,
        key_cache_ttl: float = 30.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        #: Formats get the caller's resolver behind a short memo of decoded keys (``key_cache_ttl``
        #: seconds, 0 disables); ``self.resolver`` stays the caller's own.
        self.resolver = resolver
        # Never keep a key longer than the resolver keeps its documents (0 there disables the memo).
        key_ttl = min(key_cache_ttl, float(getattr(resolver, "_ttl", key_cache_ttl)))
        self._format_resolver: Resolver = (
            KeyCachingResolver(resolver, ttl=key_ttl, clock=monotonic) if key_ttl > 0 else resolver
        )
        self.policies = policies or Policies()
        # One offline loader for the verifier's lifetime: it memoizes context processing, so a
        # fresh loader per call made every Data Integrity verification redo it (~7 ms).
        if document_loader is None:
            from didkit_py.jsonld import DocumentLoader

            document_loader = DocumentLoader()
        self.document_loader = document_loader
        self._owns_http = http is None
        self._http = http
        self._allow_loopback_http = allow_loopback_http
        self._status_limits = status_limits
        self._status_client = status_client
        self._schema_loader = schema_loader
        self.nonces: NonceStore = nonce_store or InMemoryNonceStore()
        self.risk = risk
        self.registry = registry or default_registry()
        self._clock = clock
        self._loop_thread: _LoopThread | None = None
        #: DID -> (expires, deactivated): DID state for the did_resolution policy, kept briefly.
        self._did_states: OrderedDict[str, tuple[float, bool]] = OrderedDict()
        self._did_state_ttl = did_state_ttl
        self._monotonic = monotonic
        self._lock = threading.Lock()

    # -- lazily built collaborators --------------------------------------------------------

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=5.0, follow_redirects=False)
        return self._http

    @property
    def status_client(self) -> StatusListClient:
        if self._status_client is None:
            self._status_client = StatusListClient(
                http=self.http,
                verify_list_credential=self._verify_list_credential,
                limits=self._status_limits,
                allow_loopback_http=self._allow_loopback_http,
            )
        return self._status_client

    @property
    def schema_loader(self) -> SchemaLoader:
        if self._schema_loader is None:
            p = self.policies.schema
            self._schema_loader = HttpSchemaLoader(
                self.http,
                timeout=p.timeout,
                max_bytes=p.max_schema_bytes,
                allow_loopback_http=self._allow_loopback_http,
            )
        return self._schema_loader

    async def aclose(self) -> None:
        if self._owns_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    def close(self) -> None:
        """Release the owned HTTP client and the background loop used by the ``*_sync`` methods."""
        lt = self._loop_thread
        if lt is not None:
            lt.run(self.aclose())
            lt.stop()
            self._loop_thread = None

    async def issue_challenge(self, ttl: float = 300.0) -> str:
        """A single-use challenge (nonce) to put in a presentation request."""
        return await self.nonces.issue(ttl)

    # -- public API ----------------------------------------------------------------------------

    async def verify_credential(
        self,
        credential: Any,
        *,
        policies: Policies | None = None,
        now: datetime | None = None,
    ) -> VerificationReport:
        """Verify one secured credential (any supported format) under the policies."""
        pol = policies or self.policies
        now = now or self._clock()
        t0 = time.perf_counter()
        rec = _Recorder()
        result = await self._run_format(credential, rec, "credential", pol, now, expect="credential")
        summaries: list[CredentialSummary] = []
        disclosed: list[DisclosedClaim] = []
        risks: list[RiskSignal] = []
        fmt = result.format if result is not None else None
        if result is not None:
            await self._credential_policies(
                result, rec, "credential", 0, pol, now, summaries, disclosed, risks
            )
            if pol.disclosure.enabled:
                self._disclosure(rec, [result] if result.verified else [], pol, now, "credential")
            else:
                rec.skipped("disclosure", "credential", "policy.disabled", "disabled by policy")
        for name in ("challenge_domain", "holder_binding"):
            rec.skipped(name, "credential", "not_applicable", "applies to presentations")
        _never_accept_unverified(rec, result, "credential")
        return self._report("credential", fmt, now, t0, rec, summaries, disclosed, risks, holder=None)

    async def verify_presentation(
        self,
        presentation: Any,
        *,
        challenge: str | None = None,
        domain: str | None = None,
        policies: Policies | None = None,
        now: datetime | None = None,
    ) -> VerificationReport:
        """Verify a secured presentation and every credential in it under the policies.

        ``challenge`` (nonce) and ``domain`` (audience) are what this verifier asked for; with
        the ``challenge_domain`` policy on, the presentation must carry exactly them and the
        challenge is consumed: the same presentation verified again is a replay and fails.
        """
        pol = policies or self.policies
        now = now or self._clock()
        t0 = time.perf_counter()
        rec = _Recorder()
        subject = "presentation"
        cd = pol.challenge_domain
        result = await self._run_format(
            presentation,
            rec,
            subject,
            pol,
            now,
            expect=None,
            challenge=challenge if cd.enabled else None,
            domain=domain if cd.enabled else None,
        )
        summaries: list[CredentialSummary] = []
        disclosed: list[DisclosedClaim] = []
        risks: list[RiskSignal] = []
        holder: str | None = None
        fmt = result.format if result is not None else None
        nested: Sequence[VerificationResult] = ()
        presentation_ok = False
        if result is not None:
            presentation_ok = not any(
                c.subject == subject and c.outcome is CheckOutcome.FAILED for c in rec.checks
            )
            # An SD-JWT VC with key binding is its own presentation: the credential is the only
            # one presented and the holder is proven by the KB-JWT.
            nested = (result,) if result.kind == "credential" else result.credentials
            if result.kind == "credential" and result.verified and not _has_key_binding(result):
                # A bare credential proves neither a holder nor an answer to our challenge.
                rec.failed(
                    "challenge_domain",
                    subject,
                    "presentation.unbound",
                    "a credential without key binding is not a presentation: nothing binds it to "
                    "this request or to its holder",
                )
                presentation_ok = False
            if presentation_ok:
                holder = result.signer if result.kind == "presentation" else _kb_holder(result)
                if result.kind == "presentation" and holder is not None:
                    await self._did_state(rec, subject, pol, holder)
        await self._challenge_domain(rec, subject, pol, result, presentation_ok, challenge, domain)
        for i, inner in enumerate(nested):
            sub = f"credential[{i}]"
            if result is not None and result.kind == "credential":
                sub = "credential[0]"
            else:
                self._file_format_checks(inner, rec, sub, pol, now)
            await self._credential_policies(inner, rec, sub, i, pol, now, summaries, disclosed, risks)
            self._holder_binding(rec, sub, pol, inner, holder, presentation_ok)
        if not nested:
            rec.skipped("holder_binding", subject, "not_reached", "no verified credential to bind")
        _never_accept_unverified(rec, result, subject)
        if pol.disclosure.enabled:
            self._disclosure(rec, [r for r in nested if r.verified], pol, now, subject)
        else:
            rec.skipped("disclosure", subject, "policy.disabled", "disabled by policy")
        return self._report("presentation", fmt, now, t0, rec, summaries, disclosed, risks, holder=holder)

    # sync wrappers: a private event loop in a background thread keeps the (async) HTTP client
    # on one loop, and works whether or not the caller's thread already runs an event loop.

    def verify_credential_sync(self, credential: Any, **kwargs: Any) -> VerificationReport:
        return self._sync(self.verify_credential(credential, **kwargs))

    def verify_presentation_sync(self, presentation: Any, **kwargs: Any) -> VerificationReport:
        return self._sync(self.verify_presentation(presentation, **kwargs))

    def issue_challenge_sync(self, ttl: float = 300.0) -> str:
        return self._sync(self.issue_challenge(ttl))

    def _sync(self, coro: Coroutine[Any, Any, T]) -> T:
        with self._lock:
            if self._loop_thread is None:
                self._loop_thread = _LoopThread()
            lt = self._loop_thread
        return lt.run(coro)

    # -- steps ---------------------------------------------------------------------------------

    async def _run_format(
        self,
        document: Any,
        rec: _Recorder,
        subject: str,
        pol: Policies,
        now: datetime,
        *,
        expect: Literal["credential", "presentation"] | None,
        challenge: str | None = None,
        domain: str | None = None,
    ) -> VerificationResult | None:
        skew = pol.validity_period.skew if pol.validity_period.enabled else _NO_TIME_CHECK
        started = time.perf_counter()
        try:
            result = await verify_secured(
                document,
                resolver=self._format_resolver,
                now=now,
                skew=skew,
                challenge=challenge,
                domain=domain,
                expect=expect,
                document_loader=self.document_loader,
                registry=self.registry,
                extra={"http": self.http, "allow_loopback_http": self._allow_loopback_http},
            )
        except DidkitError as exc:
            rec.error("signature", subject, exc, started=started)
            for name in ("did_resolution", "validity_period"):
                rec.skipped(name, subject, "not_reached", "the document could not be read")
            return None
        elapsed = (time.perf_counter() - started) * 1000.0
        self._file_format_checks(result, rec, subject, pol, now, elapsed_ms=elapsed)
        return result

    def _file_format_checks(
        self,
        result: VerificationResult,
        rec: _Recorder,
        subject: str,
        pol: Policies,
        now: datetime,
        *,
        elapsed_ms: float = 0.0,
    ) -> None:
        filed = _file_checks(result)
        kind = result.kind or "credential"
        if "challenge_domain" in filed.failed:
            code, message, _ = filed.failed["challenge_domain"]
            rec.failed("challenge_domain", subject, code, message)
        # A format that checks status itself (SD-JWT VC: Token Status List) reports it here, under
        # the credential (an SD-JWT VC with key binding is presented as itself: credential[0]).
        status_subject = "credential[0]" if subject == "presentation" and kind == "credential" else subject
        if "status" in filed.failed and pol.status.enabled:
            code, message, _ = filed.failed["status"]
            rec.failed("status", status_subject, code, message)
        elif "status" in filed.passed and pol.status.enabled:
            rec.passed("status", status_subject, "; ".join(filed.passed["status"]))
        for policy in ("signature", "did_resolution", "validity_period"):
            enabled = getattr(pol, policy).enabled
            if policy in filed.failed:
                code, message, _ = filed.failed[policy]
                if policy == "validity_period" and not enabled:
                    rec.skipped(
                        policy, subject, "policy.disabled", f"disabled by policy (would fail: {message})"
                    )
                else:
                    rec.failed(
                        policy,
                        subject,
                        code,
                        message,
                        duration_ms=elapsed_ms if policy == "signature" else 0.0,
                    )
            elif not enabled:
                rec.skipped(policy, subject, "policy.disabled", "disabled by policy")
            elif policy in filed.passed:
                rec.passed(
                    policy,
                    subject,
                    "; ".join(filed.passed[policy])[:300],
                    duration_ms=elapsed_ms if policy == "signature" else 0.0,
                )
            elif policy == "validity_period" and result.verified and kind == "credential" and result.document:
                # The format had no time checks of its own: apply VC DM 2.0 validFrom/validUntil.
                started = time.perf_counter()
                try:
                    check_validity_period(
                        parse_credential(result.document), now=now, skew=pol.validity_period.skew
                    )
                except DidkitError as exc:
                    rec.error(policy, subject, exc, started=started)
                else:
                    rec.passed(policy, subject, "validFrom/validUntil hold", started=started)
            elif policy == "validity_period" and result.verified:
                rec.skipped(policy, subject, "validity.none", f"the {kind} states no validity period")
            else:
                rec.skipped(policy, subject, "not_reached", "verification stopped before this check")

    async def _credential_policies(
        self,
        result: VerificationResult,
        rec: _Recorder,
        subject: str,
        index: int,
        pol: Policies,
        now: datetime,
        summaries: list[CredentialSummary],
        disclosed: list[DisclosedClaim],
        risks: list[RiskSignal],
    ) -> None:
        doc = result.document if result.verified else None
        if doc is None:
            for name in ("status", "issuer_trust", "schema"):
                rec.skipped(name, subject, "not_reached", "the credential did not verify")
            return
        issuer = _issuer_of(doc)
        summaries.append(
            CredentialSummary(
                index=index,
                format=result.format,
                issuer=issuer,
                types=_types(doc),
                id=doc.get("id") if isinstance(doc.get("id"), str) else None,
                subject=_subject_ids(doc)[0],
                valid_from=_dt(doc.get("validFrom")),
                valid_until=_dt(doc.get("validUntil")),
            )
        )
        flat: list[tuple[str, Any]] = []
        _flatten(doc.get("credentialSubject"), "/credentialSubject", flat)
        disclosed.extend(
            DisclosedClaim.model_construct(credential=index, pointer=p, value=v) for p, v in flat
        )
        if issuer is not None:
            await self._did_state(rec, subject, pol, issuer)
        status_details = await self._status(rec, subject, pol, doc, issuer, now)
        if status_details:
            summaries[-1] = summaries[-1].model_copy(update={"status": status_details})
        await self._issuer_trust(rec, subject, pol, issuer)
        await self._schema(rec, subject, pol, doc)
        if self.risk is not None and issuer is not None:
            risks.extend(
                await self.risk.signals(
                    issuer,
                    issued_at=_issued_at(doc, result),
                    verification_method=_verification_method(result),
                    now=now,
                )
            )

    async def _did_state(self, rec: _Recorder, subject: str, pol: Policies, did: str) -> None:
        """DID Core: a deactivated DID's keys must not be trusted, even if the format resolved them."""
        p = pol.did_resolution
        if not p.enabled or not p.reject_deactivated or not did.startswith("did:"):
            return
        if did.startswith(_STATELESS_METHODS):
            return  # the document is computed from the DID itself: it cannot be deactivated
        started = time.perf_counter()
        hit = self._did_states.get(did)
        if hit is not None and hit[0] > self._monotonic():
            deactivated = hit[1]
        else:
            try:
                res = await self.resolver.resolve(did)
            except DidkitError as exc:
                rec.error("did_resolution", subject, exc, started=started)
                return
            deactivated = res.document_metadata.get("deactivated") is True
            self._did_states[did] = (self._monotonic() + self._did_state_ttl, deactivated)
            self._did_states.move_to_end(did)
            while len(self._did_states) > 4096:
                self._did_states.popitem(last=False)
        if deactivated:
            rec.failed("did_resolution", subject, "did.deactivated", f"{did} is deactivated", started=started)

    async def _status(
        self,
        rec: _Recorder,
        subject: str,
        pol: Policies,
        doc: Mapping[str, Any],
        issuer: str | None,
        now: datetime,
    ) -> list[dict[str, Any]]:
        p = pol.status
        if not p.enabled:
            rec.skipped("status", subject, "policy.disabled", "disabled by policy")
            return []
        if any(c.policy == "status" and c.subject == subject for c in rec.checks):
            return []  # the format already checked the credential's status (e.g. Token Status List)
        started = time.perf_counter()
        try:
            entries = credential_status_entries(doc)
        except DidkitError as exc:
            rec.error("status", subject, exc, started=started)
            return []
        if not entries:
            if p.required:
                rec.failed(
                    "status",
                    subject,
                    "status.missing",
                    "the credential has no credentialStatus",
                    started=started,
                )
            else:
                rec.skipped(
                    "status",
                    subject,
                    "status.none",
                    "the credential has no credentialStatus",
                    started=started,
                )
            return []
        details: list[dict[str, Any]] = []
        failure: DidkitError | None = None
        unknown: list[str] = []
        for at, raw in entries:
            t = raw.get("type") if isinstance(raw, Mapping) else None
            types = t if isinstance(t, list) else [t]
            if "BitstringStatusListEntry" not in types:
                unknown.append(str(t))
                continue
            try:
                entry = BitstringStatusListEntry.from_json(raw, at=at)
                result = await self.status_client.check(
                    entry, now=now, credential_issuer=issuer, check_issuer=p.check_issuer
                )
                details.append(result.to_json())
                result.raise_for_status()
            except DidkitError as exc:
                failure = failure or exc
                if not isinstance(exc, StatusError):
                    details.append(
                        {
                            "statusListCredential": raw.get("statusListCredential")
                            if isinstance(raw, Mapping)
                            else None,
                            "error": exc.to_dict(),
                        }
                    )
        if failure is None and unknown and p.reject_unknown_types:
            failure = VerificationError(
                f"cannot check credentialStatus of type {unknown[0]}", code="status.unsupported_type"
            )
        payload = {"entries": details} if details else None
        if failure is not None:
            rec.failed(
                "status", subject, failure.code, _status_message(failure), started=started, details=payload
            )
        elif not details:
            rec.skipped(
                "status",
                subject,
                "status.unsupported_type",
                f"status type {unknown[0]} not checked",
                started=started,
            )
        else:
            labels = ", ".join(f"{d['purpose']}: {d['label']}" for d in details)
            rec.passed("status", subject, labels, started=started, details=payload)
        return details

    async def _issuer_trust(self, rec: _Recorder, subject: str, pol: Policies, issuer: str | None) -> None:
        p = pol.issuer_trust
        if not p.enabled:
            rec.skipped("issuer_trust", subject, "policy.disabled", "disabled by policy")
            return
        if not p.configured:
            rec.skipped("issuer_trust", subject, "issuer_trust.unconfigured", "no trusted issuers configured")
            return
        started = time.perf_counter()
        if issuer is None:
            rec.failed(
                "issuer_trust",
                subject,
                "issuer_trust.no_issuer",
                "the credential names no issuer id",
                started=started,
            )
            return
        if issuer in p.trusted_issuers:
            rec.passed("issuer_trust", subject, f"{issuer} is a trusted issuer", started=started)
            return
        if p.trusted_owners and issuer.startswith("did:ethr:"):
            from .risk import _owner

            try:
                res = await self.resolver.resolve(issuer)
            except DidkitError as exc:
                rec.error("issuer_trust", subject, exc, started=started)
                return
            owner = _owner(res.document)
            owners = {o.lower() for o in p.trusted_owners}
            if owner is not None and owner in owners and res.document_metadata.get("deactivated") is not True:
                rec.passed("issuer_trust", subject, f"registry owner {owner} is trusted", started=started)
                return
        rec.failed(
            "issuer_trust",
            subject,
            "issuer_trust.untrusted",
            f"{issuer} is not a trusted issuer",
            started=started,
        )

    async def _schema(self, rec: _Recorder, subject: str, pol: Policies, doc: Mapping[str, Any]) -> None:
        p = pol.schema
        if not p.enabled:
            rec.skipped("schema", subject, "policy.disabled", "disabled by policy")
            return
        started = time.perf_counter()
        try:
            schemas = credential_schemas(doc)
            if not schemas:
                if p.required:
                    rec.failed(
                        "schema",
                        subject,
                        "schema.missing",
                        "the credential has no credentialSchema",
                        started=started,
                    )
                else:
                    rec.skipped(
                        "schema",
                        subject,
                        "schema.none",
                        "the credential has no credentialSchema",
                        started=started,
                    )
                return
            checked = []
            for at, url, typ in schemas:
                fetched = await self.schema_loader(url)
                if typ == "JsonSchema":
                    schema = fetched
                elif typ == "JsonSchemaCredential":
                    schema = await self._schema_from_credential(fetched, at)
                else:
                    raise VerificationError(
                        f"unsupported credentialSchema type {typ!r}", code="schema.unsupported_type", at=at
                    )
                validate_against_schema(dict(doc), schema, at=at)
                checked.append(url)
        except DidkitError as exc:
            rec.error("schema", subject, exc, started=started)
            return
        rec.passed("schema", subject, "conforms to " + ", ".join(checked), started=started)

    async def _schema_from_credential(self, fetched: Any, at: str) -> Any:
        """VC JSON Schema §2.2: the schema travels in a verified ``JsonSchemaCredential``."""
        result = await verify_secured(
            fetched,
            resolver=self._format_resolver,
            now=self._clock(),
            expect="credential",
            document_loader=self.document_loader,
            registry=self.registry,
        )
        if not result.verified or result.document is None:
            err = result.errors[0] if result.errors else None
            raise VerificationError(
                "the JsonSchemaCredential does not verify" + (f": {err}" if err else ""),
                code="schema.credential",
                at=at,
            )
        subj = result.document.get("credentialSubject")
        if not isinstance(subj, Mapping) or not isinstance(subj.get("jsonSchema"), Mapping):
            raise InvalidInput(
                "JsonSchemaCredential has no credentialSubject.jsonSchema", code="schema.credential", at=at
            )
        return subj["jsonSchema"]

    async def _challenge_domain(
        self,
        rec: _Recorder,
        subject: str,
        pol: Policies,
        result: VerificationResult | None,
        presentation_ok: bool,
        challenge: str | None,
        domain: str | None,
    ) -> None:
        p = pol.challenge_domain
        if not p.enabled:
            rec.skipped("challenge_domain", subject, "policy.disabled", "disabled by policy")
            return
        if any(c.policy == "challenge_domain" and c.outcome is CheckOutcome.FAILED for c in rec.checks):
            return  # the format already found the binding wrong
        started = time.perf_counter()
        if challenge is None:
            if p.required:
                rec.failed(
                    "challenge_domain",
                    subject,
                    "challenge.missing",
                    "no challenge was expected: a presentation without one can be replayed",
                    started=started,
                )
            else:
                rec.skipped(
                    "challenge_domain", subject, "challenge.none", "no challenge expected", started=started
                )
            return
        if result is None or not presentation_ok:
            rec.skipped(
                "challenge_domain", subject, "not_reached", "the presentation did not verify", started=started
            )
            return
        # The format checked that the presentation carries exactly this challenge (and domain).
        fresh = await self.nonces.consume(challenge, ttl=p.nonce_ttl, require_issued=p.require_issued)
        # Remove the format's own passed entry: ours supersedes it with the replay decision.
        rec.checks[:] = [
            c for c in rec.checks if not (c.policy == "challenge_domain" and c.subject == subject)
        ]
        if not fresh:
            rec.failed(
                "challenge_domain",
                subject,
                "challenge.replayed",
                "the challenge was already used, has expired, or was not issued by this verifier",
                started=started,
            )
            return
        msg = "challenge matches and was unused" + (f"; domain {domain}" if domain else "")
        rec.passed("challenge_domain", subject, msg, started=started)

    def _holder_binding(
        self,
        rec: _Recorder,
        subject: str,
        pol: Policies,
        inner: VerificationResult,
        holder: str | None,
        presentation_ok: bool,
    ) -> None:
        p = pol.holder_binding
        if not p.enabled:
            rec.skipped("holder_binding", subject, "policy.disabled", "disabled by policy")
            return
        if not inner.verified or inner.document is None or not presentation_ok or holder is None:
            rec.skipped(
                "holder_binding", subject, "not_reached", "the presentation or credential did not verify"
            )
            return
        kb = getattr(inner.details, "key_binding", None)
        if kb is None and isinstance(inner.details, Mapping):
            kb = inner.details.get("kb")
        if kb:
            rec.passed("holder_binding", subject, "key binding JWT proves the holder key (cnf)")
            return
        subjects = _subject_ids(inner.document)
        if holder in subjects:
            rec.passed("holder_binding", subject, f"the holder {holder} is the credential subject")
        elif all(s is None for s in subjects):
            if p.allow_bearer:
                rec.skipped(
                    "holder_binding", subject, "holder_binding.bearer", "bearer credential (no subject id)"
                )
            else:
                rec.failed(
                    "holder_binding", subject, "holder_binding.bearer", "bearer credentials are not accepted"
                )
        else:
            rec.failed(
                "holder_binding",
                subject,
                "holder_binding.mismatch",
                "the presentation's holder is not the subject of this credential",
            )

    def _disclosure(
        self,
        rec: _Recorder,
        verified: Sequence[VerificationResult],
        pol: Policies,
        now: datetime,
        subject: str,
    ) -> None:
        p = pol.disclosure
        if not p.configured:
            rec.skipped("disclosure", subject, "disclosure.unrequested", "no claims were requested")
            return
        started = time.perf_counter()
        docs = [r.document for r in verified if r.document is not None]
        missing = [ptr for ptr in p.required_claims if not any(_pointer_get(d, ptr)[0] for d in docs)]
        if missing:
            rec.failed(
                "disclosure",
                subject,
                "disclosure.missing",
                "not disclosed: " + ", ".join(missing[:10]),
                started=started,
            )
            return
        if p.request is not None:
            try:
                problem = _evaluate_request(p.request, verified, now)
            except DidkitError as exc:
                rec.error("disclosure", subject, exc, started=started)
                return
            if problem:
                rec.failed("disclosure", subject, "disclosure.unsatisfied", problem, started=started)
                return
        rec.passed("disclosure", subject, "the disclosed claims cover the request", started=started)

    async def _verify_list_credential(self, secured: Any) -> Mapping[str, Any]:
        """The status list credential must verify like any credential (same resolver, any suite)."""
        result = await verify_secured(
            secured,
            resolver=self._format_resolver,
            now=self._clock(),
            skew=self.policies.validity_period.skew,
            expect="credential",
            document_loader=self.document_loader,
            registry=self.registry,
        )
        if not result.verified or result.document is None:
            err = result.errors[0] if result.errors else VerificationError("does not verify")
            raise VerificationError(str(err), code=err.code)
        return result.document

    def _report(
        self,
        kind: Literal["credential", "presentation"],
        fmt: str | None,
        now: datetime,
        t0: float,
        rec: _Recorder,
        summaries: list[CredentialSummary],
        disclosed: list[DisclosedClaim],
        risks: list[RiskSignal],
        *,
        holder: str | None,
    ) -> VerificationReport:
        return VerificationReport(
            verdict="rejected" if rec.any_failed else "accepted",
            kind=kind,
            format=fmt,
            checked_at=now,
            holder=holder,
            checks=rec.checks,
            credentials=summaries,
            disclosed_claims=disclosed[:_MAX_DISCLOSED],
            risk_signals=risks,
            duration_ms=round((time.perf_counter() - t0) * 1000.0, 3),
        )


def _never_accept_unverified(rec: _Recorder, result: VerificationResult | None, subject: str) -> None:
    """A document the format did not verify can never yield an accepted report, whatever the
    filing of its checks says (defence in depth against a check name we do not recognise)."""
    if result is not None and not result.verified and not rec.any_failed:
        err = result.errors[0] if result.errors else VerificationError("the document did not verify")
        rec.error("signature", subject, err)


def _status_message(exc: DidkitError) -> str:
    if isinstance(exc, StatusError):
        return str(exc)
    return f"status could not be confirmed: {exc}"


def _has_key_binding(result: VerificationResult) -> bool:
    details = result.details
    kb = details.get("kb") if isinstance(details, Mapping) else getattr(details, "key_binding", None)
    return bool(kb)


def _kb_holder(result: VerificationResult) -> str | None:
    """The holder of a key-bound credential (SD-JWT VC + KB-JWT): its subject, else ``cnf``."""
    details = result.details
    kb = details.get("kb") if isinstance(details, Mapping) else getattr(details, "key_binding", None)
    if not kb:
        return None
    doc = result.document or {}
    ids = [s for s in _subject_ids(doc) if s]
    sub = doc.get("sub")
    return ids[0] if ids else (sub if isinstance(sub, str) else "cnf")


def _dt(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else None


def _evaluate_request(
    request: Mapping[str, Any], verified: Sequence[VerificationResult], now: datetime
) -> str | None:
    """Evaluate a DCQL query or a PE definition over the presented (verified) credentials."""
    from didkit_py.exchange import HeldCredential, evaluate_dcql_query, evaluate_presentation_definition

    held = []
    for i, r in enumerate(verified):
        if r.document is None:
            continue
        doc = dict(r.document)
        doc.setdefault("id", f"urn:presented:{i}")
        held.append(HeldCredential.from_vc(doc, format=_exchange_format(r.format), at=f"/{i}"))
    if "credentials" in request:
        ev = evaluate_dcql_query(request, held, now=now)
        return None if ev.satisfied else "; ".join(ev.problems) or "the DCQL query is not satisfied"
    pe = evaluate_presentation_definition(request, held, now=now)
    return None if pe.satisfied else "; ".join(pe.problems) or "the presentation definition is not satisfied"


def _exchange_format(fmt: str | None) -> str:
    if fmt == "vc+jwt":
        return "jwt_vc_json"
    if fmt is not None and "sd-jwt" in fmt:
        return "dc+sd-jwt"
    return "ldp_vc"


class _LoopThread:
    """A private event loop on a daemon thread for the synchronous wrappers."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="didkit-verifier", daemon=True)
        self._thread.start()

    def run(self, coro: Awaitable[T]) -> T:
        async def wrap() -> T:
            return await coro

        return asyncio.run_coroutine_threadsafe(wrap(), self._loop).result()

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
