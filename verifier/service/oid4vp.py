"""The OpenID4VP 1.0 verifier behind the HTTP routes: relying parties, transactions, responses.

One *transaction* is one request published to one wallet: a fresh ``nonce`` and ``state``, a
Request Object (:func:`didkit_py.oid4vc.vp.build_request_object`; for a ``redirect_uri`` client
the parameters by value), and later the result. Answering it (:meth:`VerifierService.handle_form`)
is allowed once: the transaction moves
``pending → processing`` in one guarded SQL statement and the nonce is consumed, so a replayed
``vp_token`` meets a finished transaction (or, sent to another one, the wrong nonce).

Each presentation is checked by the verifier SDK with the relying party's policies, the
transaction's nonce as challenge and the ``client_id`` as audience (§8.6, Appendix B: the
KB-JWT ``aud`` / Data Integrity ``domain``). On top the service checks what only it knows: the
response answers this request (known Credential Query ids, every required credential set, the
requested claims disclosed, formats the relying party accepts), and it adds risk signals from
its own history (a presentation seen before; a credential presented unusually often).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from didkit_py._encoding import b64url_encode
from didkit_py.credentials import Signer, signer_for_key
from didkit_py.errors import DidkitError, InvalidInput, LimitExceeded, NotFound, StorageError
from didkit_py.exchange import HeldCredential, evaluate_dcql_query, evaluate_presentation_definition
from didkit_py.exchange.dcql import parse_dcql_query
from didkit_py.keys import KeyPair, KeyType, generate_key, load_key_file, save_key_file
from didkit_py.oid4vc import vp
from didkit_py.oid4vc.verifier import (
    AuthorizationResponse,
    parse_direct_post_response,
    peek_state,
    unsigned_request_params,
)
from verifier import Policies, VerificationReport, Verifier

from .request_templates import RequestTemplate, template_for_purpose
from .settings import RelyingPartyConfig, VerifierSettings
from .storage import SqlNonceStore, Storage, TransactionRow

__all__ = ["RelyingParty", "ResponseOutcome", "VerifierService", "format_of", "load_relying_parties"]

log = logging.getLogger(__name__)

#: What the report's ``format`` names, as OpenID4VP format identifiers.
_SD_JWT_FORMATS = ("dc+sd-jwt", "vc+sd-jwt")
_JWT_FORMATS = ("vc+jwt", "vp+jwt", "jwt")


def format_of(report_format: str | None) -> str | None:
    """The OpenID4VP format identifier of a report's securing format."""
    if report_format is None:
        return None
    if report_format in _SD_JWT_FORMATS or "sd-jwt" in report_format:
        return "dc+sd-jwt"
    if report_format in _JWT_FORMATS:
        return "jwt_vc_json"
    return "ldp_vc"


@dataclass(frozen=True, slots=True)
class RelyingParty:
    config: RelyingPartyConfig
    client_id: str
    policies: Policies
    #: The request signer of a ``decentralized_identifier`` client; None for ``redirect_uri``.
    signer: Signer | None = dataclasses.field(default=None, repr=False)

    @property
    def id(self) -> str:
        return self.config.id


def _rp_key(key_dir: Path, rp_id: str) -> KeyPair:
    path = key_dir / f"rp-{rp_id}.key.json"
    if path.exists():
        return load_key_file(path)
    key_dir.mkdir(parents=True, exist_ok=True)
    kp = generate_key(KeyType.ED25519)
    try:
        save_key_file(path, kp)
    except StorageError:
        return load_key_file(path)  # another worker created it first
    return load_key_file(path)


def load_relying_parties(settings: VerifierSettings, base: Policies) -> dict[str, RelyingParty]:
    """Relying parties from the settings, each with its signing key (created once) and policies."""
    out: dict[str, RelyingParty] = {}
    response_uri = f"{settings.base_url()}/oid4vp/response"
    for cfg in settings.relying_party_configs():
        pol = base.with_options(cfg.policies)
        pol = replace(
            pol,
            issuer_trust=replace(
                pol.issuer_trust,
                trusted_issuers=pol.issuer_trust.trusted_issuers | frozenset(cfg.trusted_issuers),
                trusted_owners=pol.issuer_trust.trusted_owners | frozenset(cfg.trusted_owners),
            ),
        )
        if cfg.client_id_prefix == "decentralized_identifier":
            signer = signer_for_key(_rp_key(settings.resolved_key_dir(), cfg.id))
            out[cfg.id] = RelyingParty(cfg, f"decentralized_identifier:{signer.did}", pol, signer)
        else:
            out[cfg.id] = RelyingParty(cfg, f"redirect_uri:{response_uri}", pol)
    return out


@dataclass(frozen=True, slots=True)
class ResponseOutcome:
    """What the response endpoint answers the wallet, and the transaction it concerned."""

    http_status: int
    body: dict[str, Any]
    transaction_id: str | None = None


def _check(
    policy: str, subject: str, outcome: str, code: str | None, message: str, **details: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "policy": policy,
        "subject": subject,
        "outcome": outcome,
        "code": code,
        "message": message,
        "duration_ms": 0.0,
    }
    if details:
        entry["details"] = details
    return entry


def _digest(value: Any) -> str:
    raw = value if isinstance(value, str) else json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z") if ts is not None else None


class VerifierService:
    """OpenID4VP transactions for the configured relying parties (HTTP-free; the app wraps it)."""

    def __init__(
        self,
        *,
        settings: VerifierSettings,
        storage: Storage,
        verifier: Verifier,
        nonces: SqlNonceStore,
        relying_parties: Mapping[str, RelyingParty],
        templates: Mapping[str, RequestTemplate],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.verifier = verifier
        self.nonces = nonces
        self.relying_parties = dict(relying_parties)
        self.templates = dict(templates)
        self._clock = clock

    # -- requests -------------------------------------------------------------------------------

    def relying_party(self, rp_id: str | None) -> RelyingParty:
        if rp_id is None:
            rp_id = next(iter(self.relying_parties))
        rp = self.relying_parties.get(rp_id)
        if rp is None:
            raise NotFound(f"no relying party {rp_id!r}", code="rp.unknown", at="/relying_party")
        return rp

    def templates_for(self, rp: RelyingParty) -> list[RequestTemplate]:
        allowed = rp.config.templates
        accepted = set(rp.config.formats)
        out = []
        for t in self.templates.values():
            if allowed is not None and t.id not in allowed:
                continue
            if not t.formats() & accepted:
                continue
            out.append(t)
        return out

    def _restrict_formats(self, rp: RelyingParty, query: Mapping[str, Any]) -> dict[str, Any]:
        """Drop credential queries (and credential-set options) in formats the RP does not accept."""
        accepted = set(rp.config.formats)
        creds = [q for q in query["credentials"] if q.get("format") in accepted]
        if not creds:
            raise InvalidInput(
                f"the relying party accepts only {', '.join(rp.config.formats)}",
                code="request.format_not_accepted",
                at="/dcql_query/credentials",
            )
        out = dict(query)
        out["credentials"] = creds
        if "credential_sets" in query:
            ids = {q["id"] for q in creds}
            sets = []
            for s in query["credential_sets"]:
                options = [o for o in s.get("options", []) if all(i in ids for i in o)]
                if not options:
                    if s.get("required", True):
                        raise InvalidInput(
                            "a required credential set needs a format the relying party does not accept",
                            code="request.format_not_accepted",
                            at="/dcql_query/credential_sets",
                        )
                    continue
                sets.append({**s, "options": options})
            if sets:
                out["credential_sets"] = sets
            else:
                out.pop("credential_sets", None)
        parse_dcql_query(out)
        return out

    async def create_request(
        self,
        *,
        rp_id: str | None = None,
        dcql_query: Mapping[str, Any] | None = None,
        presentation_definition: Mapping[str, Any] | None = None,
        purpose: str | None = None,
        template: str | None = None,
    ) -> dict[str, Any]:
        """Create a transaction from exactly one of a DCQL query, a PE definition, a purpose or a
        template id; return its handles (transaction id, deep link, request URI)."""
        given = [x for x in (dcql_query, presentation_definition, purpose, template) if x is not None]
        if len(given) != 1:
            raise InvalidInput(
                "give exactly one of dcql_query, presentation_definition, purpose, template",
                code="request.query",
            )
        rp = self.relying_party(rp_id)
        chosen: dict[str, Any] = {}
        query: dict[str, Any] | None = None
        pd: dict[str, Any] | None = None
        if template is not None:
            t = next((t for t in self.templates_for(rp) if t.id == template), None)
            if t is None:
                raise NotFound(f"no request template {template!r}", code="request.template", at="/template")
            query = self._restrict_formats(rp, t.dcql_query)
            chosen = {"template": t.id, "title": t.title, "description": t.description}
        elif purpose is not None:
            m = template_for_purpose(purpose, self.templates_for(rp))
            query = self._restrict_formats(rp, m.template.dcql_query)
            chosen = {
                "template": m.template.id,
                "title": m.template.title,
                "description": m.template.description,
                "purpose": purpose,
                "matched_words": list(m.matched),
            }
        elif dcql_query is not None:
            if not isinstance(dcql_query, Mapping):
                raise InvalidInput("dcql_query must be an object", code="dcql.type", at="/dcql_query")
            parse_dcql_query(dcql_query)
            query = self._restrict_formats(rp, dcql_query)
        else:
            if not isinstance(presentation_definition, Mapping) or not isinstance(
                presentation_definition.get("input_descriptors"), list
            ):
                raise InvalidInput(
                    "presentation_definition needs input_descriptors",
                    code="pe.definition",
                    at="/presentation_definition",
                )
            evaluate_presentation_definition(presentation_definition, [], now=self._clock())
            pd = dict(presentation_definition)
        ttl = self.settings.transaction_ttl_seconds
        nonce = await self.nonces.issue(float(ttl))
        tx_id = b64url_encode(os.urandom(18))
        state = b64url_encode(os.urandom(18))
        base = self.settings.base_url()
        response_uri = f"{base}/oid4vp/response"
        request_uri: str | None = f"{base}/oid4vp/request-objects/{state}"
        now = self._clock()
        metadata = self._client_metadata(rp)
        lifetime = timedelta(seconds=ttl)
        if rp.signer is not None:
            client_id, request_object = vp.build_request_object(
                rp.signer,
                response_uri=response_uri,
                nonce=nonce,
                now=now,
                dcql_query=query,
                presentation_definition=pd,
                state=state,
                client_metadata=metadata,
                lifetime=lifetime,
            )
            link = vp.authorization_request_uri(client_id=client_id, request_uri=request_uri)
        else:
            # §5.9.3: a redirect_uri client does not sign; its request travels by value.
            params = unsigned_request_params(
                response_uri=response_uri,
                nonce=nonce,
                state=state,
                now=now,
                dcql_query=query,
                presentation_definition=pd,
                client_metadata=metadata,
                lifetime=lifetime,
            )
            client_id = params.pop("client_id")
            request_object, request_uri = "", None
            link = vp.authorization_request_uri(client_id=client_id, params=params)
        if client_id != rp.client_id:
            raise RuntimeError("request object client_id differs from the relying party's")
        request = {
            "relying_party": rp.id,
            "client_id": rp.client_id,
            "dcql_query": query,
            "presentation_definition": pd,
            "authorization_request": link,
            **chosen,
        }
        await self.storage.run(
            lambda: self.storage.create_transaction(
                id=tx_id,
                rp_id=rp.id,
                state=state,
                nonce=nonce,
                ttl=float(ttl),
                request=request,
                request_object=request_object,
            )
        )
        log.info("openid4vp request created", extra={"transaction_id": tx_id, "relying_party": rp.id})
        return {
            "transaction_id": tx_id,
            "client_id": rp.client_id,
            "request_uri": request_uri,
            "authorization_request": link,
            "response_uri": response_uri,
            "expires_at": (now + timedelta(seconds=ttl)).isoformat().replace("+00:00", "Z"),
            "request": request,
        }

    def _client_metadata(self, rp: RelyingParty) -> dict[str, Any]:
        formats: dict[str, Any] = {}
        if "ldp_vc" in rp.config.formats:
            formats["ldp_vc"] = {
                "proof_type_values": ["DataIntegrityProof"],
                "cryptosuite_values": ["bbs-2023", "eddsa-rdfc-2022", "ecdsa-rdfc-2019"],
            }
        if "dc+sd-jwt" in rp.config.formats:
            formats["dc+sd-jwt"] = {
                "sd-jwt_alg_values": ["EdDSA", "ES256", "ES256K"],
                "kb-jwt_alg_values": ["EdDSA", "ES256", "ES256K"],
            }
        if "jwt_vc_json" in rp.config.formats:
            formats["jwt_vc_json"] = {"alg_values": ["EdDSA", "ES256", "ES256K"]}
        return {"client_name": rp.config.name, "vp_formats_supported": formats}

    async def request_object(self, state: str) -> str:
        tx = await self.storage.run(self.storage.transaction_by_state, state)
        if (
            tx is None
            or not tx.request_object
            or tx.status != "pending"
            or tx.expires_at <= self._clock().timestamp()
        ):
            raise NotFound("no open request here", code="request.not_found")
        return str(tx.request_object)

    # -- results -------------------------------------------------------------------------------

    async def transaction(self, tx_id: str) -> TransactionRow:
        if not tx_id or len(tx_id) > 64:
            raise NotFound("no such transaction", code="transaction.not_found")
        tx = await self.storage.run(self.storage.get_transaction, tx_id)
        if tx is None:
            raise NotFound("no such transaction", code="transaction.not_found")
        return tx  # type: ignore[no-any-return]

    def status_of(self, tx: TransactionRow) -> str:
        if tx.status == "pending" and tx.expires_at <= self._clock().timestamp():
            return "expired"
        return tx.status

    def result_json(self, tx: TransactionRow) -> dict[str, Any]:
        status = self.status_of(tx)
        out: dict[str, Any] = {
            "transaction_id": tx.id,
            "status": status,
            "relying_party": tx.rp_id,
            "created_at": _iso(tx.created_at),
            "expires_at": _iso(tx.expires_at),
            "completed_at": _iso(tx.completed_at),
            "request": tx.request,
            "verdict": None,
        }
        if tx.result is not None:
            out.update(tx.result)
        return out

    # -- the direct_post response ----------------------------------------------------------------

    async def handle_form(self, form: Mapping[str, str]) -> ResponseOutcome:
        """Check one wallet response end to end; see the module docstring for the order.

        A malformed body is refused (HTTP 400, 413 when too large) and leaves its transaction
        open; a well-formed answer closes it, accepted or not.
        """
        try:
            state = peek_state(form)
        except DidkitError as exc:
            return _oauth_error(_http_status(exc), "invalid_request", exc.message, exc.code)
        if state is None:
            return _oauth_error(400, "invalid_request", "the response has no state", "state.missing")
        tx = await self.storage.run(self.storage.transaction_by_state, state)
        if tx is None:
            return _oauth_error(400, "invalid_request", "no request has this state", "state.unknown")
        try:
            response = parse_direct_post_response(form, dcql=tx.request.get("dcql_query") is not None)
        except DidkitError as exc:
            return _oauth_error(_http_status(exc), "invalid_request", exc.message, exc.code, tx.id)
        claimed = await self.storage.run(self.storage.claim_transaction, tx.id)
        if not claimed:
            if self.status_of(tx) == "expired":
                return _oauth_error(
                    400, "invalid_request", "the request has expired", "transaction.expired", tx.id
                )
            # A second answer to the same request: the replay is refused and the result stays.
            for pres in (p for ps in response.vp_token.values() for p in ps):
                await self.storage.run(self.storage.record_presentation, _digest(pres), tx.id)
            return _oauth_error(
                409,
                "invalid_request",
                "this request was already answered",
                "transaction.answered",
                tx.id,
            )
        try:
            result = await self._process(tx, response)
        except DidkitError as exc:
            # Could not check (e.g. the relying party is no longer configured): refuse, recorded.
            failure = {"code": exc.code, "message": exc.message, "policy": "request"}
            await self.storage.run(
                self.storage.finish_transaction,
                tx.id,
                "failed",
                {
                    "verdict": "rejected",
                    "error": failure,
                    "checks": [],
                    "presentations": [],
                    "disclosed_claims": [],
                    "risk_signals": [],
                },
            )
            return _oauth_error(400, "invalid_request", exc.message, exc.code, tx.id)
        except Exception:
            # Never leave a transaction stuck in `processing`; the app turns this into a 500 problem.
            await self.storage.run(
                self.storage.finish_transaction,
                tx.id,
                "failed",
                {"verdict": "rejected", "error": {"code": "internal", "message": "internal error"}},
            )
            raise
        status = "completed" if response.error is None else "failed"
        await self.storage.run(self.storage.finish_transaction, tx.id, status, result)
        log.info(
            "openid4vp response checked",
            extra={"transaction_id": tx.id, "verdict": result.get("verdict")},
        )
        if response.error is not None:
            return ResponseOutcome(200, {}, tx.id)
        if result["verdict"] == "accepted":
            return ResponseOutcome(200, {}, tx.id)
        first = result.get("error") or {}
        return _oauth_error(
            400,
            "invalid_request",
            first.get("message", "the presentation was not accepted"),
            first.get("code", "presentation.rejected"),
            tx.id,
        )

    async def _process(self, tx: TransactionRow, response: AuthorizationResponse) -> dict[str, Any]:
        if response.error is not None:
            return {
                "verdict": "rejected",
                "error": {
                    "code": f"wallet.{response.error}",
                    "message": response.error_description or f"the wallet answered {response.error}",
                },
                "checks": [],
                "presentations": [],
                "disclosed_claims": [],
                "risk_signals": [],
            }
        rp = self.relying_party(tx.rp_id)
        nonce_fresh = await self.storage.run(
            self.storage.consume_nonce, tx.nonce, float(rp.policies.challenge_domain.nonce_ttl), True
        )
        service_checks: list[dict[str, Any]] = []
        if not nonce_fresh:
            service_checks.append(
                _check(
                    "challenge_domain",
                    "response",
                    "failed",
                    "challenge.replayed",
                    "the nonce was already used",
                )
            )
        pol = replace(
            rp.policies,
            challenge_domain=replace(
                rp.policies.challenge_domain, enabled=True, required=True, require_issued=True
            ),
            disclosure=replace(rp.policies.disclosure, request=None),
        )
        dcql = tx.request.get("dcql_query")
        pd = tx.request.get("presentation_definition")
        query_ids = {q["id"]: q for q in dcql["credentials"]} if dcql else {}
        reports: list[dict[str, Any]] = []
        verified: list[tuple[str, Any, VerificationReport, list[Mapping[str, Any]]]] = []
        service_checks += self._response_shape(response, query_ids, dcql is not None)
        history: list[dict[str, Any]] = []
        with self.nonces.allow(tx.nonce):
            for qid, items in response.vp_token.items():
                if dcql is not None and qid not in query_ids:
                    continue
                for i, pres in enumerate(items):
                    subject = f"vp_token/{qid}/{i}" if qid else f"vp_token/{i}"
                    history += await self._history(pres, tx.id, subject)
                    report, docs = await self._verify_one(pres, tx, rp, pol)
                    reports.append({"query_id": qid or None, "index": i, "report": report.to_json()})
                    verified.append((qid, pres, report, docs))
        service_checks += self._formats(rp, verified, query_ids)
        service_checks.append(self._disclosure(dcql, pd, verified))
        for _qid, _pres, report, _docs in verified:
            history += await self._credential_history(report, _pres, tx.id)
        failed_service = [c for c in service_checks if c["outcome"] == "failed"]
        failed_reports = [r for r in reports if r["report"]["verdict"] != "accepted"]
        verdict = "accepted" if reports and not failed_service and not failed_reports else "rejected"
        # The first reason, most fundamental first: the response's shape, then the presentations'
        # own checks, then what only the service decides (formats, disclosure).
        shape = [c for c in failed_service if c["policy"] in ("request", "challenge_domain")]
        error: dict[str, Any] | None = None
        if shape:
            error = {k: shape[0][k] for k in ("code", "message", "policy")}
        elif failed_reports:
            first = next(c for c in failed_reports[0]["report"]["checks"] if c["outcome"] == "failed")
            error = {k: first[k] for k in ("code", "message", "policy")}
        elif failed_service:
            error = {k: failed_service[0][k] for k in ("code", "message", "policy")}
        elif not reports:
            error = {
                "code": "oid4vp.vp_token",
                "message": "no presentation answers the request",
                "policy": "request",
            }
        disclosed = [
            {"query_id": r["query_id"], **d} for r in reports for d in r["report"]["disclosed_claims"]
        ]
        ledger = [{"source": "ledger", **s} for r in reports for s in r["report"]["risk_signals"]]
        return {
            "verdict": verdict,
            "error": error,
            "checks": service_checks,
            "presentations": reports,
            "disclosed_claims": disclosed,
            "risk_signals": ledger + history,
        }

    def _response_shape(
        self, response: AuthorizationResponse, query_ids: Mapping[str, Any], is_dcql: bool
    ) -> list[dict[str, Any]]:
        if not is_dcql:
            if response.dcql:
                return [
                    _check(
                        "request",
                        "response",
                        "failed",
                        "oid4vp.vp_token",
                        "a presentation_definition request is answered with presentations and a "
                        "presentation_submission",
                    )
                ]
            return [_check("request", "response", "passed", None, "the response answers this request")]
        if not response.dcql:
            return [
                _check(
                    "request",
                    "response",
                    "failed",
                    "oid4vp.vp_token",
                    "a DCQL request is answered with a JSON object keyed by credential query id",
                )
            ]
        unknown = sorted(k for k in response.vp_token if k not in query_ids)
        if unknown:
            return [
                _check(
                    "request",
                    "response",
                    "failed",
                    "oid4vp.unknown_query",
                    f"presentations for credential queries that were not asked: {', '.join(unknown[:5])}",
                )
            ]
        for qid, items in response.vp_token.items():
            if len(items) > 1 and not query_ids[qid].get("multiple", False):
                return [
                    _check(
                        "request",
                        "response",
                        "failed",
                        "oid4vp.multiple",
                        f"several presentations for {qid}, which did not allow multiple",
                    )
                ]
        return [_check("request", "response", "passed", None, "the response answers this request")]

    async def _verify_one(
        self, pres: Any, tx: TransactionRow, rp: RelyingParty, pol: Policies
    ) -> tuple[VerificationReport, list[Mapping[str, Any]]]:
        report = await self.verifier.verify_presentation(
            pres, challenge=tx.nonce, domain=rp.client_id, policies=pol
        )
        docs: list[Mapping[str, Any]] = []
        if report.accepted:
            docs = await self._documents(pres)
        return report, docs

    async def _documents(self, pres: Any) -> list[Mapping[str, Any]]:
        """The credentials a presentation disclosed, as the formats read them (already verified)."""
        from didkit_py.credentials import verify as verify_secured

        # Run the format again only to read the documents; the verdict is the report's.
        try:
            result = await verify_secured(
                pres,
                resolver=self.verifier.resolver,
                now=self._clock(),
                skew=timedelta(days=365 * 200),
                challenge=None,
                domain=None,
                document_loader=self.verifier.document_loader,
                registry=self.verifier.registry,
            )
        except DidkitError:
            return []
        nested = (result,) if result.kind == "credential" else result.credentials
        return [{"format": r.format, "document": r.document} for r in nested if r.document is not None]

    def _formats(
        self,
        rp: RelyingParty,
        verified: Sequence[tuple[str, Any, VerificationReport, list[Mapping[str, Any]]]],
        query_ids: Mapping[str, Any],
    ) -> list[dict[str, Any]]:
        out = []
        for qid, _pres, report, _docs in verified:
            for cred in report.credentials:
                fmt = format_of(cred.format)
                subject = f"{qid or 'vp_token'}/credential[{cred.index}]"
                if fmt not in rp.config.formats:
                    out.append(
                        _check(
                            "format",
                            subject,
                            "failed",
                            "format.not_accepted",
                            f"{cred.format} is not a format this relying party accepts",
                        )
                    )
                elif qid and query_ids.get(qid, {}).get("format") not in (None, fmt):
                    out.append(
                        _check(
                            "format",
                            subject,
                            "failed",
                            "format.mismatch",
                            f"the query {qid} asked for {query_ids[qid]['format']}, not {fmt}",
                        )
                    )
                else:
                    out.append(
                        _check("format", subject, "passed", None, f"{fmt} ({cred.format}) is accepted")
                    )
        return out

    def _disclosure(
        self,
        dcql: Mapping[str, Any] | None,
        pd: Mapping[str, Any] | None,
        verified: Sequence[tuple[str, Any, VerificationReport, list[Mapping[str, Any]]]],
    ) -> dict[str, Any]:
        """The accepted presentations' credentials satisfy the request (DCQL §6.4 / PE)."""
        now = self._clock()
        if any(not report.accepted for _q, _p, report, _d in verified):
            return _check("disclosure", "response", "skipped", "not_reached", "a presentation did not verify")
        try:
            if dcql is not None:
                held_by_query: dict[str, list[HeldCredential]] = {}
                for qid, _pres, report, docs in verified:
                    if not report.accepted:
                        continue
                    for j, d in enumerate(docs):
                        held_by_query.setdefault(qid, []).append(_held(d, f"/{qid}/{j}"))
                satisfied_ids = set()
                problems: list[str] = []
                for q in dcql["credentials"]:
                    creds = held_by_query.get(q["id"], [])
                    if not creds:
                        continue
                    ev = evaluate_dcql_query({"credentials": [q]}, creds, now=now)
                    if ev.satisfied:
                        satisfied_ids.add(q["id"])
                    else:
                        problems += list(ev.problems) or [
                            f"{q['id']}: the presented credential does not match"
                        ]
                missing = _unsatisfied_sets(dcql, satisfied_ids)
                if missing:
                    msg = "; ".join(problems[:3]) or f"nothing presented for {missing}"
                    return _check(
                        "disclosure",
                        "response",
                        "failed",
                        "disclosure.unsatisfied",
                        f"the request is not satisfied: {msg}",
                    )
                return _check(
                    "disclosure",
                    "response",
                    "passed",
                    None,
                    "the disclosed claims cover the request",
                    satisfied=sorted(satisfied_ids),
                )
            if pd is not None:
                held = [
                    _held(d, f"/{k}/{j}")
                    for k, (_q, _p, report, docs) in enumerate(verified)
                    if report.accepted
                    for j, d in enumerate(docs)
                ]
                pe = evaluate_presentation_definition(pd, held, now=now)
                if not pe.satisfied:
                    return _check(
                        "disclosure",
                        "response",
                        "failed",
                        "disclosure.unsatisfied",
                        "; ".join(pe.problems[:3]) or "the presentation definition is not satisfied",
                    )
                return _check(
                    "disclosure", "response", "passed", None, "the presentation definition is satisfied"
                )
        except DidkitError as exc:
            return _check("disclosure", "response", "failed", exc.code, str(exc))
        return _check("disclosure", "response", "skipped", "disclosure.unrequested", "no query")

    # -- the service's own risk signals ----------------------------------------------------------

    async def _history(self, pres: Any, tx_id: str, subject: str) -> list[dict[str, Any]]:
        before = await self.storage.run(self.storage.record_presentation, _digest(pres), tx_id)
        if not before:
            return []
        return [
            {
                "source": "verifier_history",
                "code": "presentation_replayed",
                "severity": "high",
                "subject": subject,
                "message": f"this exact presentation was received before ({len(before)} time(s)); "
                "a wallet makes a fresh one for every request, so this is a copy",
                "evidence": {"previous_transactions": before[:10]},
            }
        ]

    async def _credential_history(
        self, report: VerificationReport, pres: Any, tx_id: str
    ) -> list[dict[str, Any]]:
        out = []
        window = float(self.settings.rate_window_seconds)
        for key, label in _credential_keys(report, pres):
            count = await self.storage.run(self.storage.record_credential, key, tx_id, window)
            if count > self.settings.rate_threshold:
                out.append(
                    {
                        "source": "verifier_history",
                        "code": "credential_rate",
                        "severity": "warning",
                        "subject": label,
                        "message": f"this credential was presented {count} times in the last "
                        f"{int(window)} s (more than {self.settings.rate_threshold}); shared or "
                        "copied credentials are presented unusually often",
                        "evidence": {"count": count, "window_seconds": int(window)},
                    }
                )
        return out


def _held(entry: Mapping[str, Any], at: str) -> HeldCredential:
    doc = entry["document"]
    fmt = format_of(entry.get("format"))
    held = HeldCredential.from_vc(doc, format=fmt or "ldp_vc", at=at)
    # The verified document carries no proof any more; its securing format says whether the
    # holder could disclose selectively (PE ``limit_disclosure: required``).
    suite = str(entry.get("format") or "")
    if suite == "bbs-2023" or fmt == "dc+sd-jwt":
        held = dataclasses.replace(held, selective_disclosure=True, cryptosuites=(suite,))
    vct = doc.get("vct") if isinstance(doc, Mapping) else None
    if fmt == "dc+sd-jwt" and isinstance(vct, str):
        held = dataclasses.replace(held, vct=vct, expanded_types=(*held.expanded_types, vct))
    return held


def _unsatisfied_sets(dcql: Mapping[str, Any], satisfied: set[str]) -> list[str]:
    sets = dcql.get("credential_sets")
    if not sets:
        return sorted(q["id"] for q in dcql["credentials"] if q["id"] not in satisfied)
    missing = []
    for s in sets:
        if not s.get("required", True):
            continue
        if not any(all(i in satisfied for i in option) for option in s["options"]):
            missing.append(" or ".join("+".join(o) for o in s["options"]))
    return missing


def _credential_keys(report: VerificationReport, pres: Any) -> list[tuple[str, str]]:
    """Stable identifiers of presented credentials, as digests (nothing personal is stored).

    A credential with an ``id`` is known by issuer and id; an SD-JWT VC by its issuer-signed JWT
    (identical in every presentation of it). A bbs-2023 derived proof without an id is unlinkable
    by design and gives no key.
    """
    out = []
    for cred in report.credentials:
        if cred.id:
            out.append((_digest(f"{cred.issuer}|{cred.id}"), cred.id))
        elif isinstance(pres, str) and "~" in pres and format_of(cred.format) == "dc+sd-jwt":
            out.append((_digest(pres.split("~", 1)[0]), f"SD-JWT VC from {cred.issuer}"))
    return out


def _http_status(exc: DidkitError) -> int:
    return 413 if isinstance(exc, LimitExceeded) else 400


def _oauth_error(
    status: int, error: str, description: str, code: str, tx_id: str | None = None
) -> ResponseOutcome:
    """OpenID4VP §8.2 / RFC 6749 §5.2 error body, with our stable ``code`` beside it."""
    return ResponseOutcome(status, {"error": error, "error_description": description, "code": code}, tx_id)
