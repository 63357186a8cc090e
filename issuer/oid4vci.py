"""OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow (issuer side).

https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html

Each tenant is its own Credential Issuer (and Authorization Server) with identifier
``{base}/{tenant}``; its metadata lives at ``{base}/.well-known/openid-credential-issuer/{tenant}``
and ``{base}/.well-known/oauth-authorization-server/{tenant}`` (§12.2.2, RFC 8414 §3.1), and also
under ``{base}/{tenant}/.well-known/…`` for clients that append the suffix.

Secrets (pre-authorized codes, tx codes, access tokens, nonces) are stored as SHA-256 hashes;
the pre-authorized code is also kept under the KEK so an offer can be fetched by reference. Nonces
are single use: a proof is accepted only if deleting its nonce row affected exactly one row, so a
replayed proof JWT fails on every worker. Batch issuance: one credential per proof.

Deferred issuance (§9): a template with ``approval: "manual"`` answers a checked Credential
Request with HTTP 202, a random ``transaction_id`` (stored hashed) and an ``interval``; the
proof-bound holder keys wait with the request until an admin approves (``POST
/deferred/{id}/approve`` issues through :meth:`IssuerService.issue` with one idempotency key per
credential, so approving twice never issues twice) or rejects it. The Deferred Credential
Endpoint answers 202 while pending, the credentials once, then ``invalid_transaction_id``; a
rejected request gets ``credential_request_denied``. Its access token stays valid there (and at
the Notification Endpoint) for its own transactions until they expire.

Notifications (§11): every response with credentials carries a ``notification_id`` (stored
hashed); ``POST /{tenant}/notification`` records each event once per ``notification_id`` in the
audit log (event, offer, credential ids and digests; never the wallet's free-text description)
and answers 204.
"""

import io
import json
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import jsonschema
import segno
from fastapi import Body, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import case, delete, func, select, update
from starlette.concurrency import run_in_threadpool

from didkit_py._encoding import b64url_decode, b64url_encode
from didkit_py.did import default_resolver, did_jwk_from_jwk
from didkit_py.errors import DidkitError, InvalidInput, NotFound
from didkit_py.keys import KeyPair, KeyType, public_jwk
from didkit_py.oid4vc.vci import (
    PRE_AUTHORIZED_GRANT,
    ProofCheck,
    check_proof_jwt,
    credential_offer_uri,
    parse_credential_request,
    parse_deferred_request,
    parse_notification_request,
    parse_token_request,
)

from .db import DeferredRequest, IssuedCredential, Nonce, Notification, Offer, Template
from .secrets_ import sha256_hex
from .service import VC_V2, Conflict, Principal, _eq, canonical_json

if TYPE_CHECKING:
    from .app import AppContext

__all__ = ["OAuthError", "add_oid4vci_routes"]

NO_STORE = {"Cache-Control": "no-store"}
MAX_TX_ATTEMPTS = 5
PROOF_ALGS = ["EdDSA", "ES256", "ES256K"]
#: How ``notifications.last_event`` records the events seen for one ``notification_id``.
EVENT_CODES = {"credential_accepted": "a", "credential_failure": "f", "credential_deleted": "d"}


class OAuthError(Exception):
    """An OAuth / OpenID4VCI error response (RFC 6749 §5.2, OpenID4VCI §8.3.1.2)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def _credential_configuration(t: Template) -> dict[str, Any]:
    body = t.body
    types = ["VerifiableCredential", *[x for x in body.get("types", []) if x != "VerifiableCredential"]]
    common: dict[str, Any] = {
        "cryptographic_binding_methods_supported": ["did:key", "did:jwk", "jwk"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": PROOF_ALGS}},
        "credential_metadata": {"display": [{"name": t.name}]},
    }
    fmt = t.format
    if fmt == "vc+jwt":
        return {
            "format": "jwt_vc_json",
            "credential_signing_alg_values_supported": ["EdDSA", "ES256"],
            "credential_definition": {"type": types},
            **common,
        }
    if fmt == "dc+sd-jwt":
        return {
            "format": "dc+sd-jwt",
            "vct": body.get("vct") or types[-1],
            "credential_signing_alg_values_supported": ["EdDSA", "ES256"],
            **common,
        }
    return {
        "format": "ldp_vc",
        "credential_signing_alg_values_supported": [fmt],
        "credential_definition": {"@context": [VC_V2, *body.get("contexts", [])], "type": types},
        **common,
    }


def add_oid4vci_routes(app: FastAPI, ctx: "AppContext", principal_for: Callable[[str], Any]) -> None:
    """Register the OpenID4VCI endpoints and the authenticated offer API on ``app``."""
    service = ctx.service
    settings = ctx.settings
    base = service.base_url
    extra_methods = []
    if service.chain is not None:  # holders' did:ethr DIDs live on the issuer's registry chain
        from didkit_py.did.ethr import EthrMethod

        extra_methods.append(EthrMethod([service.chain[0].network()]))
    resolver = default_resolver(extra_methods=extra_methods)

    @app.exception_handler(OAuthError)
    async def _oauth_error(_request: Request, exc: OAuthError) -> JSONResponse:
        headers = dict(NO_STORE)
        if exc.status == 401:
            headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
        return JSONResponse(
            {"error": exc.error, "error_description": exc.description}, exc.status, headers=headers
        )

    def issuer_id(slug: str) -> str:
        return f"{base}/{slug}"

    def tenant_or_404(slug: str) -> Any:
        with service.sessions() as s:
            return service.tenant_by_slug(s, slug)

    # ------------------------------------------------------------------ metadata

    def issuer_metadata(tenant: str) -> JSONResponse:
        t = tenant_or_404(tenant)
        with service.sessions() as s:
            templates = list(
                s.scalars(select(Template).where(Template.tenant_id == t.id).order_by(Template.name))
            )
        ci = issuer_id(t.slug)
        return JSONResponse(
            {
                "credential_issuer": ci,
                "authorization_servers": [ci],
                "credential_endpoint": f"{ci}/credential",
                "nonce_endpoint": f"{ci}/nonce",
                "deferred_credential_endpoint": f"{ci}/deferred_credential",
                "notification_endpoint": f"{ci}/notification",
                "batch_credential_issuance": {"batch_size": settings.max_batch_size},
                "display": [{"name": t.name}],
                "credential_configurations_supported": {
                    tpl.name: _credential_configuration(tpl) for tpl in templates
                },
            },
            headers={"Cache-Control": "max-age=60"},
        )

    def as_metadata(tenant: str) -> JSONResponse:
        t = tenant_or_404(tenant)
        ci = issuer_id(t.slug)
        return JSONResponse(
            {
                "issuer": ci,
                "token_endpoint": f"{ci}/token",
                "grant_types_supported": [PRE_AUTHORIZED_GRANT],
                "pre-authorized_grant_anonymous_access_supported": True,
                "response_types_supported": [],
            },
            headers={"Cache-Control": "max-age=60"},
        )

    app.get("/.well-known/openid-credential-issuer/{tenant}", tags=["openid4vci"])(issuer_metadata)
    app.get("/{tenant}/.well-known/openid-credential-issuer", tags=["openid4vci"], include_in_schema=False)(
        issuer_metadata
    )
    app.get("/.well-known/oauth-authorization-server/{tenant}", tags=["openid4vci"])(as_metadata)
    app.get("/{tenant}/.well-known/oauth-authorization-server", tags=["openid4vci"], include_in_schema=False)(
        as_metadata
    )

    # ------------------------------------------------------------------ offers (API key)

    Issue = Annotated[Principal, Depends(principal_for("issue"))]

    @app.post("/offers", tags=["openid4vci"], status_code=201)
    def create_offer(principal: Issue, body: Annotated[Any, Body()]) -> dict[str, Any]:
        """A credential offer for one template and subject (claims validated now, issued later)."""
        if not isinstance(body, dict):
            raise InvalidInput("body must be a JSON object", code="request.invalid", at="/")
        ident = body.get("template")
        claims = body.get("claims", {})
        if not isinstance(ident, str):
            raise InvalidInput("template is required", code="request.invalid", at="/template")
        if not isinstance(claims, dict):
            raise InvalidInput("claims must be a JSON object", code="request.invalid", at="/claims")
        want_tx = body.get("tx_code", False)
        if not isinstance(want_tx, bool):
            raise InvalidInput("tx_code must be a boolean", code="request.invalid", at="/tx_code")
        now = service.clock()
        with service.sessions.begin() as s:
            tpl = service._find_template(s, principal.tenant_id, ident)
            validator = jsonschema.Draft202012Validator(tpl.body.get("subject_schema") or {})
            errors = sorted(validator.iter_errors(claims), key=lambda e: list(e.absolute_path))
            if errors:
                at = "/claims" + "".join(f"/{p}" for p in errors[0].absolute_path)
                raise InvalidInput(errors[0].message[:300], code="schema.invalid", at=at)
            offer_id = str(uuid.uuid4())
            code = secrets.token_urlsafe(32)
            tx_code = f"{secrets.randbelow(10**6):06d}" if want_tx else None
            s.add(
                Offer(
                    id=offer_id,
                    tenant_id=principal.tenant_id,
                    template_id=tpl.id,
                    code_hash=sha256_hex(code),
                    code_enc=service._wrapper.wrap(code.encode(), aad=offer_id),
                    tx_code_hash=sha256_hex(tx_code) if tx_code else None,
                    tx_code_length=6 if tx_code else None,
                    failed_attempts=0,
                    claims=claims,
                    token_hash=None,
                    token_expires_at=None,
                    expires_at=now + timedelta(seconds=settings.offer_ttl_seconds),
                    redeemed_at=None,
                    issued_count=0,
                    created_at=now,
                )
            )
            service._audit(
                s,
                principal.tenant_id,
                principal.key_id,
                "offer.create",
                template_id=tpl.id,
                details={"offer_id": offer_id},
            )
            offer = _offer_json(principal.tenant_slug, tpl.name, code, 6 if tx_code else None)
        by_ref = f"{issuer_id(principal.tenant_slug)}/offers/{offer_id}"
        out: dict[str, Any] = {
            "offer_id": offer_id,
            "credential_offer": offer,
            "credential_offer_uri": by_ref,
            "deep_link": credential_offer_uri(offer_uri=by_ref),
            "deep_link_by_value": credential_offer_uri(offer),
            "qr_svg": f"{by_ref}/qr.svg",
            "qr_png": f"{by_ref}/qr.png",
            "expires_in": settings.offer_ttl_seconds,
        }
        if tx_code:
            out["tx_code"] = tx_code  # shown once: the operator sends it on another channel
        return out

    def _offer_json(slug: str, config_id: str, code: str, tx_len: int | None) -> dict[str, Any]:
        grant: dict[str, Any] = {"pre-authorized_code": code}
        if tx_len:
            grant["tx_code"] = {
                "input_mode": "numeric",
                "length": tx_len,
                "description": "PIN from the issuer",
            }
        return {
            "credential_issuer": issuer_id(slug),
            "credential_configuration_ids": [config_id],
            "grants": {PRE_AUTHORIZED_GRANT: grant},
        }

    def _live_offer(tenant: str, offer_id: str) -> tuple[Any, Offer, Template]:
        t = tenant_or_404(tenant)
        with service.sessions() as s:
            o = s.get(Offer, offer_id) if len(offer_id) <= 64 else None
            if (
                o is None
                or o.tenant_id != t.id
                or o.redeemed_at is not None
                or o.expires_at <= service.clock()
            ):
                raise NotFound("no such offer (or it expired or was used)", code="offer.notFound")
            tpl = s.get(Template, o.template_id)
            assert tpl is not None
            return t, o, tpl

    @app.get("/{tenant}/offers/{offer_id}", tags=["openid4vci"])
    def offer_by_reference(tenant: str, offer_id: str) -> JSONResponse:
        t, o, tpl = _live_offer(tenant, offer_id)
        code = service._wrapper.unwrap(o.code_enc, aad=o.id).decode()
        return JSONResponse(_offer_json(t.slug, tpl.name, code, o.tx_code_length), headers=NO_STORE)

    @app.get("/{tenant}/offers/{offer_id}/qr.{ext}", tags=["openid4vci"])
    def offer_qr(tenant: str, offer_id: str, ext: str) -> Response:
        t, o, _ = _live_offer(tenant, offer_id)
        link = credential_offer_uri(offer_uri=f"{issuer_id(t.slug)}/offers/{o.id}")
        qr = segno.make(link, error="m")
        buf = io.BytesIO()
        if ext == "svg":
            qr.save(buf, kind="svg", scale=4)
            return Response(buf.getvalue(), media_type="image/svg+xml", headers=NO_STORE)
        if ext == "png":
            qr.save(buf, kind="png", scale=6)
            return Response(buf.getvalue(), media_type="image/png", headers=NO_STORE)
        raise NotFound("QR codes are .svg or .png", code="notFound")

    # ------------------------------------------------------------------ token, nonce

    @app.post("/{tenant}/token", tags=["openid4vci"])
    async def token(tenant: str, request: Request) -> JSONResponse:
        data = await request.form()
        form = {k: v for k, v in data.items() if isinstance(v, str)}
        try:
            code, tx = parse_token_request(form)
        except InvalidInput as exc:
            raise OAuthError(exc.code.removeprefix("oid4vci."), str(exc)) from None
        # RFC 8707 §2: a client may name the resource it wants a token for (oid4vc-ts sends the
        # Credential Issuer identifier); this server issues tokens for its own issuer only.
        if any(r != issuer_id(tenant) for r in data.getlist("resource")):
            raise OAuthError("invalid_target", "the resource is not this credential issuer")
        return JSONResponse(await run_in_threadpool(_redeem, tenant, code, tx), headers=NO_STORE)

    def _redeem(tenant: str, code: str, tx: str | None) -> dict[str, Any]:
        invalid = OAuthError("invalid_grant", "the pre-authorized code is invalid, expired or used")
        try:
            t = tenant_or_404(tenant)
        except NotFound:
            raise invalid from None
        now = service.clock()
        with service.sessions() as s:
            o = s.scalar(select(Offer).where(Offer.code_hash == sha256_hex(code), Offer.tenant_id == t.id))
            if o is None or o.redeemed_at is not None or o.expires_at <= now:
                raise invalid
        if o.tx_code_hash is not None:
            if tx is None or not _eq(o.tx_code_hash, sha256_hex(tx)):
                # Count the miss; the MAX_TX_ATTEMPTS-th miss burns the offer.
                with service.sessions.begin() as s:
                    s.execute(
                        update(Offer)
                        .where(Offer.id == o.id)
                        .values(
                            failed_attempts=Offer.failed_attempts + 1,
                            redeemed_at=case(
                                (Offer.failed_attempts + 1 >= MAX_TX_ATTEMPTS, now), else_=Offer.redeemed_at
                            ),
                        )
                    )
                raise OAuthError("invalid_grant", "the tx_code is wrong")
        elif tx is not None:
            raise OAuthError("invalid_request", "this offer has no tx_code")
        access = secrets.token_urlsafe(32)
        with service.sessions.begin() as s:
            done = s.execute(
                update(Offer)
                .where(Offer.id == o.id, Offer.redeemed_at.is_(None))
                .values(
                    redeemed_at=now,
                    token_hash=sha256_hex(access),
                    token_expires_at=now + timedelta(seconds=settings.access_token_ttl_seconds),
                )
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise invalid  # another worker redeemed it first
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": settings.access_token_ttl_seconds,
        }

    @app.post("/{tenant}/nonce", tags=["openid4vci"])
    def nonce(tenant: str) -> JSONResponse:
        t = tenant_or_404(tenant)
        value = secrets.token_urlsafe(24)
        now = service.clock()
        with service.sessions.begin() as s:
            s.execute(delete(Nonce).where(Nonce.expires_at <= now))
            s.add(
                Nonce(
                    value_hash=sha256_hex(value),
                    tenant_id=t.id,
                    expires_at=now + timedelta(seconds=settings.nonce_ttl_seconds),
                )
            )
        return JSONResponse({"c_nonce": value}, headers=NO_STORE)

    def _consume(tenant_id: str, value: str) -> bool:
        with service.sessions.begin() as s:
            res = s.execute(
                delete(Nonce).where(
                    Nonce.value_hash == sha256_hex(value),
                    Nonce.tenant_id == tenant_id,
                    Nonce.expires_at > service.clock(),
                )
            )
            return bool(res.rowcount == 1)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ credential

    @app.post("/{tenant}/credential", tags=["openid4vci"])
    async def credential(
        tenant: str, body: Annotated[Any, Body()], authorization: Annotated[str | None, Header()] = None
    ) -> JSONResponse:
        bad_token = OAuthError("invalid_token", "the access token is invalid or expired", 401)
        access = _bearer(authorization, bad_token)
        t, o, tpl = await run_in_threadpool(_offer_for_token, tenant, access, bad_token)
        try:
            config_id, jwts = parse_credential_request(body)
        except InvalidInput as exc:
            raise OAuthError(exc.code.removeprefix("oid4vci."), str(exc)) from None
        if config_id != tpl.name:
            raise OAuthError("unknown_credential_configuration", "this token is for another credential")
        if not jwts:
            raise OAuthError("invalid_proof", "a jwt proof of possession is required")
        if len(jwts) > settings.max_batch_size:
            raise OAuthError("invalid_proof", f"at most {settings.max_batch_size} proofs per request")
        audience = issuer_id(t.slug)

        async def consume(value: str) -> bool:
            return await run_in_threadpool(_consume, t.id, value)

        checks = []
        for jwt in jwts:
            try:
                checks.append(
                    await check_proof_jwt(
                        jwt, resolver=resolver, audience=audience, now=service.clock(), consume_nonce=consume
                    )
                )
            except DidkitError as exc:
                code = exc.code.removeprefix("oid4vci.")
                raise OAuthError(code if code == "invalid_nonce" else "invalid_proof", str(exc)) from None
        if tpl.body.get("approval") == "manual":
            transaction_id = await run_in_threadpool(_defer, t, o, tpl, checks)
            return JSONResponse(
                {"transaction_id": transaction_id, "interval": settings.deferred_interval_seconds},
                202,
                headers=NO_STORE,
            )
        out, notification_id = await run_in_threadpool(_issue_batch, t, o, tpl, checks)
        return JSONResponse(
            {"credentials": [{"credential": c} for c in out], "notification_id": notification_id},
            headers=NO_STORE,
        )

    def _bearer(authorization: str | None, bad: OAuthError) -> str:
        if not authorization or authorization[:7].lower() != "bearer " or len(authorization) > 200:
            raise bad
        return authorization[7:].strip()

    def _token_offer(tenant: str, access: str, bad: OAuthError) -> tuple[Any, Offer]:
        """The tenant and offer behind an access token, expired or not (the caller decides)."""
        try:
            t = tenant_or_404(tenant)
        except NotFound:
            raise bad from None
        with service.sessions() as s:
            o = s.scalar(select(Offer).where(Offer.token_hash == sha256_hex(access), Offer.tenant_id == t.id))
            if o is None:
                raise bad
            return t, o

    def _offer_for_token(tenant: str, access: str, bad: OAuthError) -> tuple[Any, Offer, Template]:
        """The tenant, offer and template behind an access token that has not expired."""
        t, o = _token_offer(tenant, access, bad)
        if o.token_expires_at is None or o.token_expires_at <= service.clock():
            raise bad
        with service.sessions() as s:
            tpl = s.get(Template, o.template_id)
        assert tpl is not None
        return t, o, tpl

    def _claim(s: Any, o: Offer, n: int) -> None:
        """Count ``n`` more credentials against the offer's batch limit (in ``s``'s transaction)."""
        done = s.execute(
            update(Offer)
            .where(Offer.id == o.id, Offer.issued_count + n <= settings.max_batch_size)
            .values(issued_count=Offer.issued_count + n)
        )
        if done.rowcount != 1:
            raise OAuthError("invalid_request", "this offer has issued all its credentials")

    def _issue_one(
        t: Any,
        o: Offer,
        tpl: Template,
        check: ProofCheck,
        *,
        actor: str | None = None,
        idempotency_key: str | None = None,
    ) -> tuple[Any, str]:
        """Issue one credential bound to ``check``'s key; returns it and its digest."""
        principal = Principal(t.id, t.slug, f"offer:{o.id[:8]}", frozenset({"issue"}))
        subject = dict(o.claims)
        holder_key = None
        if check.holder_did:
            subject["id"] = check.holder_did
        elif check.jwk is not None:  # a bare JWK proof: bind the subject to its did:jwk
            subject["id"] = did_jwk_from_jwk(check.jwk)
        if tpl.format == "dc+sd-jwt":
            holder_key = check.jwk or public_jwk(KeyPair(check.key_type, check.public_key))
        cred = {"@context": [VC_V2], "type": ["VerifiableCredential"], "credentialSubject": subject}
        secured, replayed, fmt = service.issue(
            principal,
            cred,
            {"template": tpl.id},
            idempotency_key=idempotency_key,
            actor=actor,
            holder_key=holder_key,
            via="oid4vci",
        )
        if not replayed:
            ctx.issued.labels(fmt, "oid4vci").inc()
        # The digest the service recorded (OpenID4VCI credentials are returned as secured).
        return secured, sha256_hex(secured if isinstance(secured, str) else canonical_json(secured))

    def _new_notification(s: Any, t: Any, o: Offer, creds: list[list[str | None]], now: datetime) -> str:
        notification_id = secrets.token_urlsafe(24)
        if secrets.randbelow(32) == 0:  # now and then, drop expired ones (indexed by expiry)
            s.execute(delete(Notification).where(Notification.expires_at <= now))
        s.add(
            Notification(
                id_hash=sha256_hex(notification_id),
                tenant_id=t.id,
                offer_id=o.id,
                credentials=creds,
                last_event=None,
                created_at=now,
                expires_at=now + timedelta(seconds=settings.deferred_ttl_seconds),
            )
        )
        return notification_id

    def _issue_batch(t: Any, o: Offer, tpl: Template, checks: list[ProofCheck]) -> tuple[list[Any], str]:
        with service.sessions.begin() as s:
            _claim(s, o, len(checks))
        out, creds = [], []
        for check in checks:
            secured, digest = _issue_one(t, o, tpl, check)
            out.append(secured)
            creds.append([None, digest])
        with service.sessions.begin() as s:
            notification_id = _new_notification(s, t, o, creds, service.clock())
        return out, notification_id

    # ------------------------------------------------------------------ deferred issuance (§9)

    def _defer(t: Any, o: Offer, tpl: Template, checks: list[ProofCheck]) -> str:
        """Store the request and its proof-bound holder keys; the transaction id is shown once."""
        transaction_id = secrets.token_urlsafe(32)  # 256 bits
        now = service.clock()
        holders = [
            {
                "key_type": str(c.key_type),
                "public_key": b64url_encode(c.public_key),
                "kid": c.kid,
                "jwk": c.jwk,
            }
            for c in checks
        ]
        with service.sessions.begin() as s:
            _claim(s, o, len(checks))
            d = DeferredRequest(
                id=str(uuid.uuid4()),
                tenant_id=t.id,
                offer_id=o.id,
                template_id=tpl.id,
                transaction_hash=sha256_hex(transaction_id),
                status="pending",
                holders=holders,
                credentials=None,
                decided_by=None,
                decided_at=None,
                created_at=now,
                expires_at=now + timedelta(seconds=settings.deferred_ttl_seconds),
            )
            s.add(d)
            service._audit(
                s,
                t.id,
                f"offer:{o.id[:8]}",
                "deferred.request",
                template_id=tpl.id,
                details={"deferred_id": d.id, "offer_id": o.id, "count": len(holders)},
            )
        return transaction_id

    def _holder_checks(d: DeferredRequest) -> list[ProofCheck]:
        return [
            ProofCheck(
                KeyType(h["key_type"]), b64url_decode(h["public_key"]), h.get("kid"), h.get("jwk"), None
            )
            for h in d.holders
        ]

    def _deferred_json(d: DeferredRequest, tpl: Template, o: Offer) -> dict[str, Any]:
        status = d.status
        if status == "pending" and d.expires_at <= service.clock():
            status = "expired"
        holders = [
            h["kid"].split("#", 1)[0] if h.get("kid") else did_jwk_from_jwk(h["jwk"]) for h in d.holders
        ]
        return {
            "id": d.id,
            "status": status,
            "template": tpl.name,
            "offer_id": d.offer_id,
            "claims": o.claims,
            "holders": holders,
            "count": len(d.holders),
            "credentials": [c[0] for c in d.credentials or []],
            "created": d.created_at.isoformat(),
            "expires": d.expires_at.isoformat(),
            "decided_by": d.decided_by,
            "decided_at": d.decided_at.isoformat() if d.decided_at else None,
        }

    def _own_deferred(s: Any, principal: Principal, deferred_id: str) -> DeferredRequest:
        d = s.get(DeferredRequest, deferred_id) if len(deferred_id) <= 64 else None
        if d is None or d.tenant_id != principal.tenant_id:
            raise NotFound("no such deferred request", code="deferred.notFound")
        return d  # type: ignore[no-any-return]

    def _deferred_view(principal: Principal, deferred_id: str) -> dict[str, Any]:
        with service.sessions() as s:
            d = _own_deferred(s, principal, deferred_id)
            tpl, o = s.get(Template, d.template_id), s.get(Offer, d.offer_id)
            assert tpl is not None and o is not None
            return _deferred_json(d, tpl, o)

    Admin = Annotated[Principal, Depends(principal_for("admin"))]

    @app.get("/deferred", tags=["openid4vci"])
    def list_deferred(principal: Admin, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """This tenant's deferred OpenID4VCI requests, newest first.

        ``?status=`` filters: ``pending`` (awaiting a decision), ``expired``, ``approving``,
        ``approved``, ``delivered``, ``rejected``.
        """
        with service.sessions() as s:
            q = (
                select(DeferredRequest, Template, Offer)
                .join(Template, Template.id == DeferredRequest.template_id)
                .join(Offer, Offer.id == DeferredRequest.offer_id)
                .where(DeferredRequest.tenant_id == principal.tenant_id)
            )
            if status in ("pending", "expired"):
                live = DeferredRequest.expires_at > service.clock()
                q = q.where(DeferredRequest.status == "pending", live if status == "pending" else ~live)
            elif status is not None:
                q = q.where(DeferredRequest.status == status[:16])
            rows = s.execute(q.order_by(DeferredRequest.created_at.desc()).limit(max(1, min(limit, 1000))))
            return [_deferred_json(d, tpl, o) for d, tpl, o in rows]

    @app.get("/deferred/{deferred_id}", tags=["openid4vci"])
    def get_deferred(principal: Admin, deferred_id: str) -> dict[str, Any]:
        return _deferred_view(principal, deferred_id)

    @app.post("/deferred/{deferred_id}/approve", tags=["openid4vci"])
    def approve_deferred(principal: Admin, deferred_id: str) -> dict[str, Any]:
        """Issue the request's credentials (once: approving again changes nothing)."""
        now = service.clock()
        with service.sessions.begin() as s:
            d = _own_deferred(s, principal, deferred_id)
            if d.status in ("approved", "delivered"):
                pass
            elif d.status == "rejected":
                raise Conflict("this request was rejected", code="deferred.rejected")
            elif d.status == "pending" and d.expires_at <= now:
                raise Conflict("this request expired", code="deferred.expired")
            else:  # pending, or approving (an approval that did not finish): take it on
                s.execute(
                    update(DeferredRequest)
                    .where(DeferredRequest.id == d.id, DeferredRequest.status.in_(("pending", "approving")))
                    .values(status="approving", decided_by=principal.key_id[:64], decided_at=now)
                )
            status = d.status
        if status in ("pending", "approving"):
            _complete_approval(principal, deferred_id)
        return _deferred_view(principal, deferred_id)

    def _complete_approval(principal: Principal, deferred_id: str) -> None:
        with service.sessions() as s:
            d = _own_deferred(s, principal, deferred_id)
            t = service.tenant_by_slug(s, principal.tenant_slug)
            o, tpl = s.get(Offer, d.offer_id), s.get(Template, d.template_id)
            assert o is not None and tpl is not None
        creds: list[list[str]] = []
        for i, check in enumerate(_holder_checks(d)):
            # One idempotency key per credential: a repeated or concurrent approval replays it.
            key = f"oid4vci-deferred:{d.id}:{i}"
            _secured, digest = _issue_one(t, o, tpl, check, actor=principal.key_id, idempotency_key=key)
            with service.sessions() as s:
                cred_id = s.scalar(
                    select(IssuedCredential.id).where(
                        IssuedCredential.tenant_id == t.id, IssuedCredential.idempotency_key == key
                    )
                )
            assert cred_id is not None
            creds.append([cred_id, digest])
        with service.sessions.begin() as s:
            done = s.execute(
                update(DeferredRequest)
                .where(DeferredRequest.id == d.id, DeferredRequest.status == "approving")
                .values(status="approved", credentials=creds)
            )
            if done.rowcount == 1:  # type: ignore[attr-defined]
                service._audit(
                    s,
                    t.id,
                    principal.key_id,
                    "deferred.approve",
                    template_id=tpl.id,
                    details={"deferred_id": d.id, "credentials": [c[0] for c in creds]},
                )

    @app.post("/deferred/{deferred_id}/reject", tags=["openid4vci"])
    def reject_deferred(principal: Admin, deferred_id: str) -> dict[str, Any]:
        """Refuse the request: the wallet gets ``credential_request_denied``; nothing is issued."""
        now = service.clock()
        with service.sessions.begin() as s:
            d = _own_deferred(s, principal, deferred_id)
            if d.status != "rejected":
                done = s.execute(
                    update(DeferredRequest)
                    .where(DeferredRequest.id == d.id, DeferredRequest.status == "pending")
                    .values(status="rejected", decided_by=principal.key_id[:64], decided_at=now)
                )
                if done.rowcount != 1:  # type: ignore[attr-defined]
                    if d.status == "approving":
                        raise Conflict(
                            "an approval of this request is under way (approve again to finish it)",
                            code="deferred.approving",
                        )
                    raise Conflict("this request was already approved", code="deferred.approved")
                service._audit(
                    s,
                    principal.tenant_id,
                    principal.key_id,
                    "deferred.reject",
                    template_id=d.template_id,
                    details={"deferred_id": d.id},
                )
        return _deferred_view(principal, deferred_id)

    def _token_live(o: Offer, item: Any, now: datetime) -> bool:
        """Valid now, or (at the deferred and notification endpoints) for its own unexpired items."""
        if o.token_expires_at is not None and o.token_expires_at > now:
            return True
        return item is not None and item.offer_id == o.id and item.expires_at > now

    @app.post("/{tenant}/deferred_credential", tags=["openid4vci"])
    async def deferred_credential(
        tenant: str, body: Annotated[Any, Body()], authorization: Annotated[str | None, Header()] = None
    ) -> JSONResponse:
        bad_token = OAuthError("invalid_token", "the access token is invalid or expired", 401)
        access = _bearer(authorization, bad_token)
        return await run_in_threadpool(_deferred, tenant, access, body, bad_token)

    def _deferred(tenant: str, access: str, body: Any, bad_token: OAuthError) -> JSONResponse:
        t, o = _token_offer(tenant, access, bad_token)  # an unknown token is 401 before anything
        try:
            transaction_id = parse_deferred_request(body)
        except InvalidInput as exc:
            raise OAuthError(exc.code.removeprefix("oid4vci."), str(exc)) from None
        now = service.clock()
        invalid = OAuthError("invalid_transaction_id", "the transaction_id is invalid, expired or used")
        with service.sessions() as s:
            d = s.scalar(
                select(DeferredRequest).where(
                    DeferredRequest.transaction_hash == sha256_hex(transaction_id),
                    DeferredRequest.tenant_id == t.id,
                )
            )
        if not _token_live(o, d, now):
            raise bad_token
        if d is None or d.offer_id != o.id:
            raise invalid
        if d.status in ("pending", "approving"):
            if d.status == "pending" and d.expires_at <= now:
                raise invalid
            return JSONResponse(
                {"transaction_id": transaction_id, "interval": settings.deferred_interval_seconds},
                202,
                headers=NO_STORE,
            )
        if d.status == "rejected":
            raise OAuthError("credential_request_denied", "the credential issuer refused this request")
        if d.status != "approved":
            raise invalid
        with service.sessions.begin() as s:
            done = s.execute(
                update(DeferredRequest)
                .where(DeferredRequest.id == d.id, DeferredRequest.status == "approved")
                .values(status="delivered")
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise invalid  # fetched by a concurrent request
            ids = [c[0] for c in d.credentials or []]
            rows = {
                r.id: r.credential
                for r in s.scalars(select(IssuedCredential).where(IssuedCredential.id.in_(ids)))
            }
            out = [json.loads(rows[i]) for i in ids]
            notification_id = _new_notification(s, t, o, [list(c) for c in d.credentials or []], now)
            service._audit(
                s,
                t.id,
                f"offer:{o.id[:8]}",
                "deferred.deliver",
                template_id=d.template_id,
                details={"deferred_id": d.id, "credentials": ids},
            )
        return JSONResponse(
            {"credentials": [{"credential": c} for c in out], "notification_id": notification_id},
            headers=NO_STORE,
        )

    # ------------------------------------------------------------------ notifications (§11)

    @app.post("/{tenant}/notification", tags=["openid4vci"], status_code=204)
    async def notification(
        tenant: str, body: Annotated[Any, Body()], authorization: Annotated[str | None, Header()] = None
    ) -> Response:
        bad_token = OAuthError("invalid_token", "the access token is invalid or expired", 401)
        access = _bearer(authorization, bad_token)
        await run_in_threadpool(_notify, tenant, access, body, bad_token)
        return Response(status_code=204, headers=NO_STORE)

    def _notify(tenant: str, access: str, body: Any, bad_token: OAuthError) -> None:
        t, o = _token_offer(tenant, access, bad_token)  # an unknown token is 401 before anything
        try:
            notification_id, event = parse_notification_request(body)
        except InvalidInput as exc:
            raise OAuthError("invalid_notification_request", str(exc)) from None
        now = service.clock()
        id_hash = sha256_hex(notification_id)
        with service.sessions() as s:
            n = s.get(Notification, id_hash)
            if n is not None and n.tenant_id != t.id:
                n = None
        if not _token_live(o, n, now):
            raise bad_token
        if n is None or n.offer_id != o.id or n.expires_at <= now:
            raise OAuthError("invalid_notification_id", "the notification_id is invalid or expired")
        # Each event is recorded once per notification_id: a repeat is a success (§11 says
        # notifications are idempotent) that writes nothing, so a token cannot flood the log.
        code = EVENT_CODES[event]
        seen = func.coalesce(Notification.last_event, "")
        with service.sessions.begin() as s:
            done = s.execute(
                update(Notification)
                .where(Notification.id_hash == id_hash, seen.not_like(f"%{code}%"))
                .values(last_event=seen + code)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                return
            for cred_id, digest in n.credentials:
                service._audit(
                    s,
                    t.id,
                    f"offer:{o.id[:8]}",
                    "oid4vci.notification",
                    credential_id=cred_id,
                    digest=digest,
                    details={"event": event, "offer_id": o.id},
                )
