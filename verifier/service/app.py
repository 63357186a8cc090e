"""The verifier HTTP service: ``create_app(settings)`` builds a FastAPI app with no global state.

Routes (OpenAPI at ``/docs``):

- W3C VC-API: ``POST /credentials/verify``, ``POST /presentations/verify``, ``POST /challenges``;
- OpenID4VP 1.0: ``POST /oid4vp/requests`` (create from a DCQL query, a presentation definition,
  a plain-language purpose or a template id), ``GET /oid4vp/request-objects/{state}`` (the signed
  Request Object, ``request_uri``), ``POST /oid4vp/response`` (``direct_post``),
  ``GET /oid4vp/transactions/{id}`` (the result), ``GET /oid4vp/transactions/{id}/qr.svg``;
- the page: ``/`` (pick a template), ``/ui/transactions/{id}`` (QR code, waits, shows the report);
- ``/health``, ``/relying-parties``, ``/templates``.

Errors are RFC 9457 problem documents (``application/problem+json``) with our stable ``code``:
400 for malformed input, 413 for bodies over ``max_body_bytes``, 422 for well-formed JSON of the
wrong shape, 404 for unknown ids; the OpenID4VP response endpoint answers with the OAuth error
form (``error``, ``error_description``) the wallet expects. Nothing raises a 500 on bad input.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import segno
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from didkit_py.credentials.model import loads_json
from didkit_py.did import Resolver, default_resolver
from didkit_py.errors import DidkitError, InvalidInput, LimitExceeded, NotFound, StorageError
from didkit_py.net import PublicAddressTransport
from didkit_py.status import StatusListLimits
from verifier import Policies, RiskSource, VerificationReport, Verifier

from .oid4vp import VerifierService, load_relying_parties
from .request_templates import load_templates
from .settings import VerifierSettings
from .storage import SqlNonceStore, Storage

__all__ = ["create_app"]

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_PROBLEM = "application/problem+json"
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _problem(status: int, code: str, detail: str, *, at: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://didkit-py.invalid/problems/{code}",
        "title": code,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if at:
        body["at"] = at
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=_PROBLEM)


class _Unauthorized(InvalidInput):
    """The caller did not present the service's API key (HTTP 401)."""


def _status_for(exc: DidkitError) -> int:
    if isinstance(exc, LimitExceeded):
        return 413
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, InvalidInput):
        return 400
    if isinstance(exc, StorageError):
        return 503
    return 400


class _BodyLimit:
    """Refuse bodies over ``limit`` bytes with 413 (by ``Content-Length`` or while reading)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                if not value.isdigit():
                    await _send_problem(send, 400, "request.content_length", "bad Content-Length")
                    return
                if int(value) > self.limit:
                    await _send_problem(
                        send, 413, "request.too_large", f"body larger than {self.limit} bytes"
                    )
                    return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _send_problem(send, 413, "request.too_large", f"body larger than {self.limit} bytes")
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _send_problem(send: Send, status: int, code: str, detail: str) -> None:
    resp = _problem(status, code, detail)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", _PROBLEM.encode()),
                (b"content-length", str(len(resp.body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": bytes(resp.body)})


def _json_body(raw: bytes, limit: int) -> Any:
    if not raw.strip():
        raise InvalidInput("the body is empty", code="request.empty")
    from didkit_py.credentials.model import Limits

    return loads_json(raw, limits=Limits(max_bytes=limit), code="request.json", what="request body")


def _vc_api_result(report: VerificationReport) -> tuple[int, dict[str, Any]]:
    """VC-API verify response (``checks``, ``warnings``, ``errors``) with our full report beside it."""
    body = {
        "verified": report.accepted,
        # VC-API names the signature check "proof"; our other policy names follow.
        "checks": sorted(
            {
                "proof" if c.policy == "signature" else c.policy
                for c in report.checks
                if c.outcome.value == "passed"
            }
        ),
        "warnings": [{"name": s.code, "message": s.message} for s in report.risk_signals],
        "errors": [
            {"name": c.code or c.policy, "message": c.message, "policy": c.policy, "subject": c.subject}
            for c in report.failed_checks()
        ],
        "report": report.to_json(),
    }
    return (200 if report.accepted else 400), body


def create_app(
    settings: VerifierSettings,
    *,
    resolver: Resolver | None = None,
    http: httpx.AsyncClient | None = None,
    document_loader: Any = None,
    clock: Callable[[], datetime] | None = None,
    risk: RiskSource | None = None,
) -> FastAPI:
    """Build the service. Everything it needs comes from ``settings`` or the keyword arguments
    (tests inject a resolver, an HTTP client for status lists, a clock and a ledger risk source;
    with ``settings.chain`` the did:ethr history of the registry chain is that source)."""
    now = clock or (lambda: datetime.now(UTC))
    storage = Storage(settings.resolved_database_url(), clock=lambda: now().timestamp())
    nonces = SqlNonceStore(storage)
    base_policies = Policies().with_options(settings.policies)
    if resolver is None:
        extra = []
        if settings.chain:
            from didkit_py.did.ethr import EthrMethod
            from didkit_py.registry.settings import ChainSettings

            extra.append(EthrMethod([ChainSettings().to_config().network()]))
        resolver = default_resolver(
            allow_loopback_http=settings.allow_loopback_http,
            extra_methods=extra,
            cache_ttl=settings.did_cache_seconds,
            timeout=settings.fetch_timeout,
        )
    if settings.chain and risk is None:
        from verifier import EthrHistoryRisk

        risk = EthrHistoryRisk(resolver)
    owned_http = http is None
    # Status list URLs come from the credentials: fetch them from public addresses only.
    http_client = http or httpx.AsyncClient(
        timeout=settings.fetch_timeout,
        follow_redirects=False,
        transport=PublicAddressTransport(allow_loopback=settings.allow_loopback_http),
    )
    status_limits = StatusListLimits(timeout=settings.fetch_timeout)
    if settings.status_cache_max_seconds is not None:
        cap = settings.status_cache_max_seconds
        status_limits = StatusListLimits(
            timeout=settings.fetch_timeout, ttl_floor=min(cap, 30.0), ttl_ceiling=cap
        )
    verifier = Verifier(
        resolver=resolver,
        status_limits=status_limits,
        policies=base_policies,
        document_loader=document_loader,
        http=http_client,
        nonce_store=nonces,
        risk=risk,
        clock=now,
        allow_loopback_http=settings.allow_loopback_http,
        did_state_ttl=min(30.0, settings.did_cache_seconds),
        key_cache_ttl=min(30.0, settings.did_cache_seconds),
    )
    service = VerifierService(
        settings=settings,
        storage=storage,
        verifier=verifier,
        nonces=nonces,
        relying_parties=load_relying_parties(settings, base_policies),
        templates=load_templates(settings.templates_file),
        clock=now,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        sweeper = asyncio.create_task(_sweep_forever(storage, settings.retention_days * 86_400.0))
        try:
            yield
        finally:
            sweeper.cancel()
            if owned_http:
                await http_client.aclose()
            storage.close()

    app = FastAPI(
        title="didkit-py verifier",
        version="0.1.0",
        lifespan=lifespan,
        description="W3C VC-API verify and an OpenID4VP 1.0 verifier on the didkit-py verifier SDK.",
    )
    app.state.service = service
    app.state.verifier = verifier
    app.state.settings = settings
    package = resources.files(__package__ or "verifier.service")
    templates = Jinja2Templates(directory=str(Path(str(package.joinpath("templates")))))
    app.mount("/static", StaticFiles(directory=str(Path(str(package.joinpath("static"))))), name="static")
    limit = settings.max_body_bytes
    api_key = settings.api_key.get_secret_value().encode() if settings.api_key is not None else None

    def authorize(request: Request) -> None:
        """The relying party's side needs the API key when one is configured."""
        if api_key is None:
            return
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), api_key):
            raise _Unauthorized("send Authorization: Bearer <api key>", code="auth.required")

    def page_allowed() -> None:
        if api_key is not None:
            raise NotFound("the web page is off when an API key is set", code="ui.disabled")

    # -- errors -----------------------------------------------------------------------------

    @app.exception_handler(DidkitError)
    async def _didkit_error(_request: Request, exc: DidkitError) -> JSONResponse:
        if isinstance(exc, _Unauthorized):
            resp = _problem(401, exc.code, exc.message)
            resp.headers["WWW-Authenticate"] = 'Bearer realm="verifier"'
            return resp
        return _problem(_status_for(exc), exc.code, exc.message, at=exc.at)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        loc = "/" + "/".join(str(x) for x in errs[0]["loc"]) if errs else None
        return _problem(422, "request.schema", errs[0]["msg"] if errs else "invalid request", at=loc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http")
        return _problem(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - last resort
        log.exception("unhandled error")
        return _problem(500, "internal", "internal error")

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for k, v in _SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    # -- service info --------------------------------------------------------------------------

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/relying-parties")
    async def relying_parties() -> list[dict[str, Any]]:
        return [
            {
                "id": rp.id,
                "name": rp.config.name,
                "client_id": rp.client_id,
                "formats": rp.config.formats,
                "trusted_issuers": sorted(rp.policies.issuer_trust.trusted_issuers),
                "trusted_owners": sorted(rp.policies.issuer_trust.trusted_owners),
                "policies": rp.policies.describe(),
                "templates": [t.id for t in service.templates_for(rp)],
            }
            for rp in service.relying_parties.values()
        ]

    @app.get("/templates")
    async def list_templates(relying_party: str | None = None) -> list[dict[str, Any]]:
        return [t.to_json() for t in service.templates_for(service.relying_party(relying_party))]

    # -- W3C VC-API -----------------------------------------------------------------------------

    @app.post("/credentials/verify")
    async def verify_credential(request: Request) -> JSONResponse:
        authorize(request)
        body = _json_body(await request.body(), limit)
        if not isinstance(body, dict) or "verifiableCredential" not in body:
            raise InvalidInput(
                "send {verifiableCredential, options}", code="request.schema", at="/verifiableCredential"
            )
        report = await verifier.verify_credential(body["verifiableCredential"])
        status, out = _vc_api_result(report)
        return JSONResponse(out, status_code=status)

    @app.post("/presentations/verify")
    async def verify_presentation(request: Request) -> JSONResponse:
        authorize(request)
        body = _json_body(await request.body(), limit)
        if not isinstance(body, dict) or "verifiablePresentation" not in body:
            raise InvalidInput(
                "send {verifiablePresentation, options}", code="request.schema", at="/verifiablePresentation"
            )
        options = body.get("options")
        options = {} if options is None else options
        if not isinstance(options, dict):
            raise InvalidInput("options must be an object", code="request.schema", at="/options")
        challenge, domain = options.get("challenge"), options.get("domain")
        for name, value in (("challenge", challenge), ("domain", domain)):
            if value is not None and not isinstance(value, str):
                raise InvalidInput(f"{name} must be a string", code="request.schema", at=f"/options/{name}")
        pol = base_policies
        if settings.require_issued_challenges:
            from dataclasses import replace

            pol = replace(pol, challenge_domain=replace(pol.challenge_domain, require_issued=True))
        report = await verifier.verify_presentation(
            body["verifiablePresentation"], challenge=challenge, domain=domain, policies=pol
        )
        status, out = _vc_api_result(report)
        return JSONResponse(out, status_code=status)

    @app.post("/challenges", status_code=201)
    async def challenges(request: Request) -> JSONResponse:
        authorize(request)
        ttl = float(settings.transaction_ttl_seconds)
        return JSONResponse(
            {"challenge": await verifier.issue_challenge(ttl), "expires_in": ttl}, status_code=201
        )

    # -- OpenID4VP ------------------------------------------------------------------------------

    @app.post("/oid4vp/requests", status_code=201)
    async def create_request(request: Request) -> JSONResponse:
        authorize(request)
        body = _json_body(await request.body(), limit)
        if not isinstance(body, dict):
            raise InvalidInput("the body must be a JSON object", code="request.schema")
        known = {"relying_party", "dcql_query", "presentation_definition", "purpose", "template"}
        unknown = sorted(set(body) - known)
        if unknown:
            raise InvalidInput(f"unknown member {unknown[0]!r}", code="request.schema", at=f"/{unknown[0]}")
        rp = body.get("relying_party")
        if rp is not None and not isinstance(rp, str):
            raise InvalidInput("relying_party must be a string", code="request.schema", at="/relying_party")
        for name in ("purpose", "template"):
            if body.get(name) is not None and not isinstance(body[name], str):
                raise InvalidInput(f"{name} must be a string", code="request.schema", at=f"/{name}")
        out = await service.create_request(
            rp_id=rp,
            dcql_query=body.get("dcql_query"),
            presentation_definition=body.get("presentation_definition"),
            purpose=body.get("purpose"),
            template=body.get("template"),
        )
        base = settings.base_url()
        out["status_uri"] = f"{base}/oid4vp/transactions/{out['transaction_id']}"
        out["qr_uri"] = f"{base}/oid4vp/transactions/{out['transaction_id']}/qr.svg"
        out["page_uri"] = f"{base}/ui/transactions/{out['transaction_id']}"
        return JSONResponse(out, status_code=201)

    @app.get(
        "/oid4vp/request-objects/{state}",
        response_class=Response,
        responses={200: {"content": {"application/oauth-authz-req+jwt": {"schema": {"type": "string"}}}}},
    )
    async def request_object(state: str) -> Response:
        jwt = await service.request_object(state)
        return Response(
            jwt, media_type="application/oauth-authz-req+jwt", headers={"Cache-Control": "no-store"}
        )

    @app.post("/oid4vp/response")
    async def direct_post(request: Request) -> JSONResponse:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        raw = await request.body()
        if ctype != "application/x-www-form-urlencoded":
            return JSONResponse(
                {
                    "error": "invalid_request",
                    "error_description": "direct_post is form-encoded",
                    "code": "request.media_type",
                },
                status_code=400,
            )
        try:
            pairs = parse_qsl(
                raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw), max_num_fields=16
            )
        except (UnicodeDecodeError, ValueError):
            return JSONResponse(
                {
                    "error": "invalid_request",
                    "error_description": "malformed form body",
                    "code": "request.form",
                },
                status_code=400,
            )
        form: dict[str, str] = {}
        for k, v in pairs:
            if k in form:
                return JSONResponse(
                    {
                        "error": "invalid_request",
                        "error_description": f"duplicate field {k}",
                        "code": "request.form",
                    },
                    status_code=400,
                )
            form[k] = v
        outcome = await service.handle_form(form)
        return JSONResponse(
            outcome.body, status_code=outcome.http_status, headers={"Cache-Control": "no-store"}
        )

    @app.get("/oid4vp/transactions/{tx_id}")
    async def transaction(request: Request, tx_id: str) -> JSONResponse:
        authorize(request)
        tx = await service.transaction(tx_id)
        return JSONResponse(service.result_json(tx), headers={"Cache-Control": "no-store"})

    @app.get(
        "/oid4vp/transactions/{tx_id}/qr.svg",
        response_class=Response,
        responses={200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}}},
    )
    async def qr(request: Request, tx_id: str) -> Response:
        authorize(request)
        tx = await service.transaction(tx_id)
        link = _deep_link(service, tx)
        return Response(_qr_svg(link), media_type="image/svg+xml")

    # -- the page ---------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    async def index(request: Request, relying_party: str | None = None) -> HTMLResponse:
        page_allowed()
        rp = service.relying_party(relying_party)
        return templates.TemplateResponse(
            request,
            "index.html",
            {
                "rp": rp,
                "rps": list(service.relying_parties.values()),
                "templates": service.templates_for(rp),
                "error": None,
            },
        )

    @app.post("/ui/requests", response_model=None)
    async def ui_create(request: Request) -> Response:
        page_allowed()
        raw = (await request.body()).decode("utf-8", errors="replace")
        form = dict(parse_qsl(raw, keep_blank_values=True, max_num_fields=8))
        rp_id = form.get("relying_party") or None
        template = form.get("template") or None
        purpose = (form.get("purpose") or "").strip() or None
        try:
            if purpose is not None:
                out = await service.create_request(rp_id=rp_id, purpose=purpose)
            else:
                out = await service.create_request(rp_id=rp_id, template=template or "")
        except DidkitError as exc:
            rp = (
                service.relying_party(rp_id)
                if rp_id in service.relying_parties
                else service.relying_party(None)
            )
            return templates.TemplateResponse(
                request,
                "index.html",
                {
                    "rp": rp,
                    "rps": list(service.relying_parties.values()),
                    "templates": service.templates_for(rp),
                    "error": exc.message,
                },
                status_code=400,
            )
        return RedirectResponse(f"/ui/transactions/{out['transaction_id']}", status_code=303)

    @app.get("/ui/transactions/{tx_id}", response_class=HTMLResponse)
    async def ui_transaction(request: Request, tx_id: str) -> HTMLResponse:
        page_allowed()
        tx = await service.transaction(tx_id)
        result = service.result_json(tx)
        link = _deep_link(service, tx)
        return templates.TemplateResponse(
            request,
            "transaction.html",
            {
                "tx": result,
                "link": link,
                "qr_svg": _qr_svg(link),
                "poll": result["status"] in ("pending", "processing"),
            },
        )

    @app.get("/ui/transactions/{tx_id}/report", response_class=HTMLResponse)
    async def ui_report(request: Request, tx_id: str) -> HTMLResponse:
        page_allowed()
        tx = await service.transaction(tx_id)
        result = service.result_json(tx)
        return templates.TemplateResponse(
            request,
            "_report.html",
            {"tx": result},
            headers={"Cache-Control": "no-store", "X-Transaction-Status": result["status"]},
        )

    app.add_middleware(_BodyLimit, limit=limit)
    return app


async def _sweep_forever(storage: Storage, retention: float, every: float = 60.0) -> None:
    """Once a minute: forget expired nonces, and transactions/history past the retention."""
    while True:
        await asyncio.sleep(every)
        try:
            await storage.run(storage.sweep, retention)
        except StorageError:
            log.warning("nonce sweep failed")


def _deep_link(service: VerifierService, tx: Any) -> str:
    del service
    return str(tx.request["authorization_request"])


def _qr_svg(link: str) -> str:
    qr = segno.make(link, error="m", micro=False)
    svg: str = qr.svg_inline(scale=4, dark="#000", light="#fff", omitsize=True)
    return svg
