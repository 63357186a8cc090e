"""The issuer HTTP service: ``create_app(settings)`` builds a FastAPI app with no global state.

Routes (OpenAPI at ``/docs``):

- public: ``/health``, ``/ready``, ``/metrics``, ``/`` (operator page), ``/{tenant}/did.json``,
  ``/{tenant}/status/{list}`` (status list credentials), OpenID4VCI metadata/token/nonce/credential;
- API key (``Authorization: Bearer dki_…``): VC-API ``POST /credentials/issue`` and
  ``POST /credentials/status``; ``/dids``, ``/templates``, ``/api-keys``, ``/audit``, ``/offers``.
"""

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from datetime import UTC
from email.utils import format_datetime
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Body, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import text
from sqlalchemy.exc import DataError

from didkit_py.errors import DidkitError, InvalidInput, LimitExceeded, NotFound, UnsupportedError

from .db import make_engine, make_sessionmaker, migrate
from .secrets_ import ApiKeyHasher, KeyWrapper
from .service import AuthError, Conflict, IssuerService, Principal
from .settings import IssuerSettings
from .status_publish import not_modified

__all__ = ["AppContext", "create_app"]

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class AppContext:
    """What the routes share: settings, the service and the metrics registry."""

    def __init__(self, settings: IssuerSettings, service: IssuerService) -> None:
        self.settings = settings
        self.service = service
        self.metrics = CollectorRegistry(auto_describe=True)
        self.requests = Histogram(
            "issuer_http_request_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            registry=self.metrics,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.issued = Counter(
            "issuer_credentials_issued", "Credentials issued", ["format", "via"], registry=self.metrics
        )
        self.status_changes = Counter(
            "issuer_status_changes", "Credential status changes", ["purpose"], registry=self.metrics
        )

    def exposition(self) -> CollectorRegistry:
        """What ``/metrics`` shows: this process's metrics, or with several workers
        (``PROMETHEUS_MULTIPROC_DIR``, set by ``issuer serve --workers N``) all workers' summed."""
        directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if not directory:
            return self.metrics
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        return registry


class BodyLimit:
    """Refuse bodies larger than ``limit`` bytes with 413, by header or while streaming."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = True
                if too_big:
                    await _send_json(
                        send, 413, {"error": "request.too_large", "message": "request body too large"}
                    )
                    return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await _send_json(
                    send, 413, {"error": "request.too_large", "message": "request body too large"}
                )
                return
            chunks.append(body)
            more = message.get("more_body", False)
        data = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": data, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class RequestMetrics:
    """Observe every HTTP request's latency by method, route template and status.

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` (``@app.middleware``) costs
    about a millisecond of CPU per request in extra tasks and streams.
    """

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            # The router leaves the matched route in the scope; the template keeps labels bounded.
            path = getattr(scope.get("route"), "path", "unmatched")
            self.histogram.labels(scope["method"], path, str(status)).observe(time.perf_counter() - start)


_TOO_LARGE = {"error": "request.too_large", "message": "request body too large"}


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": raw})


def _error_response(exc: DidkitError) -> JSONResponse:
    if isinstance(exc, AuthError):
        if exc.code == "auth.forbidden":
            return JSONResponse({"error": "forbidden", "message": "this API key may not do that"}, 403)
        return JSONResponse(
            {"error": "unauthorized", "message": "invalid or missing API key"},
            401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    body: dict[str, Any] = {"error": exc.code, "message": str(exc)}
    at = getattr(exc, "at", None)
    if at:
        body["at"] = at
    if isinstance(exc, NotFound):
        return JSONResponse(body, 404)
    if isinstance(exc, Conflict):
        return JSONResponse(body, 409)
    if isinstance(exc, LimitExceeded):
        return JSONResponse(body, 413)
    if isinstance(exc, InvalidInput | UnsupportedError):
        return JSONResponse(body, 422)
    log.error("internal error", extra={"code": exc.code})
    return JSONResponse({"error": "internal", "message": "internal error"}, 500)


def create_app(settings: IssuerSettings, *, service: IssuerService | None = None) -> FastAPI:
    """Build the service for ``settings`` (migrating the database first when ``auto_migrate``)."""
    if service is None:
        engine = make_engine(settings.resolved_database_url())
        if settings.auto_migrate:
            migrate(engine)
        service = IssuerService(
            make_sessionmaker(engine),
            wrapper=KeyWrapper(settings.kek_bytes()),
            hasher=ApiKeyHasher(
                cache_seconds=settings.api_key_cache_seconds,
                time_cost=settings.api_key_argon2_time_cost,
                memory_cost=settings.api_key_argon2_memory_kib,
            ),
            base_url=settings.base_url(),
            status_list_length=settings.status_list_length,
            chain=settings.chain(),
            key_cache_seconds=settings.key_cache_seconds,
            status_cache_seconds=settings.status_cache_seconds,
            host_tenant=settings.host_tenant,
        )
    ctx = AppContext(settings, service)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Each worker seals its tenants' new audit events in the background; on shutdown it
        # seals once more, so a clean stop leaves nothing unchained.
        stop = threading.Event()
        sealer = None
        if settings.audit_seal_seconds > 0:
            sealer = threading.Thread(
                target=service.run_sealer,
                args=(stop, settings.audit_seal_seconds),
                name="audit-sealer",
                daemon=True,
            )
            sealer.start()
        try:
            yield
        finally:
            stop.set()
            if sealer is not None:
                await anyio.to_thread.run_sync(sealer.join, 30.0)

    app = FastAPI(
        title="didkit-py issuer",
        version="0.1.0",
        description="Issue W3C Verifiable Credentials over VC-API and OpenID4VCI, per tenant.",
        lifespan=lifespan,
    )
    app.state.ctx = ctx

    @app.exception_handler(DidkitError)
    async def _didkit_error(_request: Request, exc: DidkitError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(DataError)
    async def _data_error(_request: Request, exc: DataError) -> JSONResponse:
        # PostgreSQL refuses text with NUL characters (SQLite stores them): such an identifier
        # or value in a request is the caller's error, not the server's.
        if "NUL (0x00)" in str(exc.orig):
            return _error_response(
                InvalidInput("text may not contain NUL characters", code="request.invalid")
            )
        raise exc

    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)  # type: ignore[arg-type]
    app.add_middleware(RequestMetrics, histogram=ctx.requests)  # type: ignore[arg-type]

    def principal_for(scope: str) -> Callable[..., Principal]:
        def dep(authorization: Annotated[str | None, Header()] = None) -> Principal:
            token = None
            if authorization and authorization[:7].lower() == "bearer ":
                token = authorization[7:].strip()
            return service.authenticate(token, scope)

        return dep

    Issue = Annotated[Principal, Depends(principal_for("issue"))]
    Revoke = Annotated[Principal, Depends(principal_for("revoke"))]
    Admin = Annotated[Principal, Depends(principal_for("admin"))]
    Any_ = Annotated[Principal, Depends(principal_for("read"))]
    JsonBody = Annotated[Any, Body()]

    # ------------------------------------------------------------------ operations

    @app.get("/health", tags=["ops"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", tags=["ops"])
    def ready() -> JSONResponse:
        try:
            with service.sessions() as s:
                s.execute(text("SELECT 1"))
        except Exception:  # the database is down: not ready, and say nothing more
            return JSONResponse({"status": "unavailable"}, 503)
        return JSONResponse({"status": "ready"})

    @app.get(
        "/metrics",
        tags=["ops"],
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
    )
    def metrics() -> Response:
        return Response(generate_latest(ctx.exposition()), media_type=CONTENT_TYPE_LATEST)

    # ------------------------------------------------------------------ VC-API

    @app.post(
        "/credentials/issue",
        tags=["vc-api"],
        status_code=201,
        openapi_extra={
            "requestBody": {
                "content": {
                    "application/json": {
                        "example": {
                            "credential": {
                                "@context": ["https://www.w3.org/ns/credentials/v2"],
                                "type": ["VerifiableCredential"],
                                "credentialSubject": {"id": "did:example:alice", "name": "Alice"},
                            },
                            "options": {"template": "employee", "mandatoryPointers": ["/issuer"]},
                        }
                    }
                }
            }
        },
    )
    def credentials_issue(
        principal: Issue,
        body: JsonBody,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        if not isinstance(body, dict):
            raise InvalidInput("body must be a JSON object", code="request.invalid", at="/")
        if "credential" not in body:
            raise InvalidInput("credential is required", code="request.invalid", at="/credential")
        options = body.get("options")
        secured, replayed, fmt = service.issue(
            principal, body["credential"], options, idempotency_key=idempotency_key, via="vc-api"
        )
        if not replayed:
            ctx.issued.labels(fmt, "vc-api").inc()
        return JSONResponse({"verifiableCredential": secured}, 200 if replayed else 201)

    @app.post("/credentials/status", tags=["vc-api"])
    def credentials_status(principal: Revoke, body: JsonBody) -> dict[str, Any]:
        out = service.update_status(principal, body)
        for purpose in out["status"]:
            ctx.status_changes.labels(purpose).inc()
        return out

    # ------------------------------------------------------------------ tenant resources

    @app.post("/dids", tags=["dids"], status_code=201)
    def create_did(principal: Admin, body: JsonBody) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise InvalidInput("body must be a JSON object", code="request.invalid", at="/")
        method = body.get("method", "key")
        key_types = body.get("key_types", ["Ed25519"])
        if not isinstance(method, str):
            raise InvalidInput("method must be a string", code="request.invalid", at="/method")
        if not isinstance(key_types, list) or not all(isinstance(k, str) for k in key_types):
            raise InvalidInput("key_types must be a list of strings", code="request.invalid", at="/key_types")
        row = service.create_did(principal, method, key_types)
        return service.did(principal, row.id)

    @app.get("/dids", tags=["dids"])
    def list_dids(principal: Any_) -> list[dict[str, Any]]:
        return service.dids(principal)

    @app.get("/dids/{did_id}", tags=["dids"])
    def get_did(principal: Any_, did_id: str) -> dict[str, Any]:
        return service.did(principal, did_id)

    @app.post("/dids/{did_id}/rotate", tags=["dids"])
    def rotate(principal: Admin, did_id: str, body: JsonBody) -> dict[str, Any]:
        kt = body.get("key_type") if isinstance(body, dict) else None
        if not isinstance(kt, str):
            raise InvalidInput("key_type is required", code="request.invalid", at="/key_type")
        service.rotate_key(principal, did_id, kt)
        return service.did(principal, did_id)

    # did:web:<host>[:<base path>] of DIDKIT_ISSUER_HOST_TENANT, registered before
    # /{tenant}/did.json (which would take "/.well-known/did.json" for a tenant's).
    host_did_path = "/did.json" if "/" in service.base_url.split("://", 1)[1] else "/.well-known/did.json"

    @app.get(host_did_path, tags=["dids"], summary="Host-level did:web document")
    def did_web_host() -> JSONResponse:
        doc = service.did_web_document(None)
        return JSONResponse(doc, media_type="application/did+json", headers={"Cache-Control": "max-age=300"})

    @app.get("/{tenant}/did.json", tags=["dids"])
    def did_web(tenant: str) -> JSONResponse:
        doc = service.did_web_document(tenant)
        return JSONResponse(doc, media_type="application/did+json", headers={"Cache-Control": "max-age=300"})

    @app.post("/templates", tags=["templates"], status_code=201)
    def create_template(principal: Admin, body: JsonBody) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise InvalidInput("body must be a JSON object", code="request.invalid", at="/")
        return service.create_template(principal, body)

    @app.get("/templates", tags=["templates"])
    def list_templates(principal: Any_) -> list[dict[str, Any]]:
        return service.templates(principal)

    @app.get("/templates/{ident}", tags=["templates"])
    def get_template(principal: Any_, ident: str) -> dict[str, Any]:
        return service.template(principal, ident)

    @app.post("/api-keys", tags=["api keys"], status_code=201)
    def create_key(principal: Admin, body: JsonBody) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise InvalidInput("body must be a JSON object", code="request.invalid", at="/")
        scopes = body.get("scopes", ["issue"])
        if not isinstance(scopes, list) or not all(isinstance(x, str) for x in scopes):
            raise InvalidInput("scopes must be a list of strings", code="request.invalid", at="/scopes")
        row, token = service.create_api_key(
            principal.tenant_slug,
            name=str(body.get("name", "api key")),
            scopes=scopes,
            actor=principal.key_id,
        )
        return {"id": row.id, "scopes": row.scopes.split(","), "token": token}

    @app.delete("/api-keys/{key_id}", tags=["api keys"], status_code=204)
    def revoke_key(principal: Admin, key_id: str) -> Response:
        service.revoke_api_key(key_id, tenant_id=principal.tenant_id, actor=principal.key_id)
        return Response(status_code=204)

    @app.get("/audit", tags=["audit"])
    def audit(principal: Admin, limit: int = 100) -> list[dict[str, Any]]:
        return service.audit_events(principal, limit=limit)

    # ------------------------------------------------------------------ status lists

    @app.get("/{tenant}/status/{list_id}", tags=["status"])
    def status_list(
        tenant: str,
        list_id: str,
        if_none_match: Annotated[str | None, Header()] = None,
        if_modified_since: Annotated[str | None, Header()] = None,
    ) -> Response:
        cred, updated = service.status_list_credential(tenant, list_id)
        if isinstance(cred, str):  # IETF Token Status List (SD-JWT VC)
            raw, media_type = cred.encode("ascii"), "application/statuslist+jwt"
        else:
            raw, media_type = json.dumps(cred, separators=(",", ":")).encode(), "application/vc+ld+json"
        etag = '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'
        headers = {
            "Cache-Control": f"public, max-age={settings.status_cache_seconds}",
            "ETag": etag,
            "Last-Modified": format_datetime(updated.astimezone(UTC), usegmt=True),
        }
        if not_modified(if_none_match, if_modified_since, etag, updated):
            return Response(status_code=304, headers=headers)
        return Response(raw, media_type=media_type, headers=headers)

    from .oid4vci import add_oid4vci_routes
    from .ui import add_ui_routes

    add_oid4vci_routes(app, ctx, principal_for)
    add_ui_routes(app, ctx)
    from .openapi_doc import install as document_openapi

    document_openapi(app)  # the served OpenAPI: bodies, responses, errors, links (docs only)
    return app
