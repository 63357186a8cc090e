"""``issuer`` command: ``serve``, ``migrate``, ``admin`` (tenants, API keys, DIDs) and ``audit``.

Exit codes as the rest of didkit-py: 0 ok, 1 check failed (audit chain broken), 2 usage,
3 input/IO. Results on stdout (``--json`` for one JSON document), messages on stderr.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from didkit_py.cli._common import JsonOpt, err_console, handle_errors, print_json

from .db import make_engine, make_sessionmaker, migrate
from .secrets_ import ApiKeyHasher, KeyWrapper
from .service import IssuerService, Principal
from .settings import IssuerSettings

__all__ = ["app", "main"]

app = typer.Typer(help="didkit-py issuer service.", no_args_is_help=True, add_completion=False)
admin_app = typer.Typer(help="Tenants, API keys and issuer DIDs.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
app.add_typer(audit_app, name="audit")


@app.callback()
def _root(
    ctx: typer.Context, debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False
) -> None:
    ctx.obj = {"debug": debug}


def _service(settings: IssuerSettings | None = None) -> IssuerService:
    settings = settings or IssuerSettings()
    engine = make_engine(settings.resolved_database_url())
    migrate(engine)
    return IssuerService(
        make_sessionmaker(engine),
        wrapper=KeyWrapper(settings.kek_bytes()),
        hasher=ApiKeyHasher(
            cache_seconds=0,
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


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``extra`` fields (ids only, by convention) are included."""

    _skip = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for k, v in record.__dict__.items():
            if k not in self._skip and not k.startswith("_"):
                out[k] = v if isinstance(v, str | int | float | bool) or v is None else str(v)
        if record.exc_info and record.exc_info[0] is not None:
            out["exc_type"] = record.exc_info[0].__name__
        return json.dumps(out)


def _log_config(settings: IssuerSettings) -> dict[str, Any]:
    fmt = (
        {"()": "issuer.cli.JsonFormatter"}
        if settings.log_json
        else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": fmt},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["stderr"], "level": settings.log_level.upper()},
        "loggers": {
            "uvicorn.access": {"level": "WARNING"},
        },
    }


def app_factory() -> Any:
    """For ``uvicorn --factory issuer.cli:app_factory`` (workers build their own app)."""
    from .app import create_app

    settings = IssuerSettings()
    settings = settings.model_copy(update={"auto_migrate": False})
    return create_app(settings)


@app.command()
@handle_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings: 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8700).")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
) -> None:
    """Run the service with uvicorn (migrates the database first)."""
    import os
    import shutil
    import tempfile

    import uvicorn

    settings = IssuerSettings()
    updates: dict[str, Any] = {}
    if host is not None:
        updates["host"] = host
        os.environ["DIDKIT_ISSUER_HOST"] = host
    if port is not None:
        updates["port"] = port
        os.environ["DIDKIT_ISSUER_PORT"] = str(port)
    if workers is not None:
        updates["workers"] = workers
    settings = settings.model_copy(update=updates)
    migrate(make_engine(settings.resolved_database_url()))
    settings.kek_bytes()  # create the KEK file once, before workers race for it
    err_console.print(f"issuer listening on http://{settings.host}:{settings.port}", highlight=False)
    metrics_dir = None
    if settings.workers > 1:
        # Each worker counts in its own files here and /metrics sums them all: without it a
        # scrape shows whichever worker answered (prometheus_client's multiprocess mode, read
        # when the workers import it).
        metrics_dir = tempfile.mkdtemp(prefix="issuer-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        uvicorn.run(
            "issuer.cli:app_factory",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers if settings.workers > 1 else None,
            log_config=_log_config(settings),
            access_log=False,
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


@app.command("migrate")
@handle_errors
def migrate_cmd() -> None:
    """Bring the database schema up to date."""
    settings = IssuerSettings()
    migrate(make_engine(settings.resolved_database_url()))
    err_console.print("database is at the latest schema")


@admin_app.command("tenant-create")
@handle_errors
def tenant_create(
    slug: str,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Create a tenant (an organisation)."""
    t = _service().create_tenant(slug, name)
    if json_:
        print_json({"id": t.id, "slug": t.slug, "name": t.name})
    else:
        print(t.slug)


@admin_app.command("tenants")
@handle_errors
def tenants(json_: JsonOpt = False) -> None:
    """List tenants."""
    rows = [{"id": t.id, "slug": t.slug, "name": t.name} for t in _service().tenants()]
    if json_:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['slug']}\t{r['name']}")


@admin_app.command("key-create")
@handle_errors
def key_create(
    tenant: str,
    scope: Annotated[list[str], typer.Option("--scope", help="issue, revoke or admin (repeatable).")],
    name: Annotated[str, typer.Option(help="What the key is for.")] = "api key",
    expires_days: Annotated[int | None, typer.Option(help="Expire after this many days.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Create an API key; its token is printed once and never stored."""
    expires = datetime.now(UTC) + timedelta(days=expires_days) if expires_days else None
    row, token = _service().create_api_key(tenant, name=name, scopes=scope, expires_at=expires)
    if json_:
        print_json({"id": row.id, "scopes": row.scopes.split(","), "token": token})
    else:
        err_console.print("store this token now; it is not shown again", highlight=False)
        print(token)


@admin_app.command("keys")
@handle_errors
def keys(tenant: str, json_: JsonOpt = False) -> None:
    """List a tenant's API keys (ids and scopes only)."""
    rows: list[dict[str, Any]] = [
        {
            "id": k.id,
            "name": k.name,
            "scopes": k.scopes.split(","),
            "created": k.created_at.isoformat(),
            "expires": k.expires_at.isoformat() if k.expires_at else None,
            "revoked": k.revoked_at.isoformat() if k.revoked_at else None,
        }
        for k in _service().api_keys(tenant)
    ]
    if json_:
        print_json(rows)
    else:
        for r in rows:
            print(
                f"{r['id']}\t{','.join(r['scopes'])}\t{'revoked' if r['revoked'] else 'active'}\t{r['name']}"
            )


@admin_app.command("key-revoke")
@handle_errors
def key_revoke(key_id: str) -> None:
    """Revoke an API key (takes effect on the next request)."""
    _service().revoke_api_key(key_id)
    err_console.print(f"revoked {key_id}", highlight=False)


@admin_app.command("did-create")
@handle_errors
def did_create(
    tenant: str,
    method: Annotated[str, typer.Option(help="key or web.")] = "key",
    key_type: Annotated[
        list[str] | None, typer.Option("--key-type", help="Ed25519, P-256, Bls12381G2.")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Provision an issuer DID for a tenant (private keys encrypted under the KEK)."""
    svc = _service()
    with svc.sessions() as s:
        t = svc.tenant_by_slug(s, tenant)
    principal = Principal(t.id, t.slug, "admin", frozenset({"admin"}))
    row = svc.create_did(principal, method, key_type or ["Ed25519"], actor="admin")
    out = svc.did(principal, row.id)
    if json_:
        print_json(out)
    else:
        print(out["did"])


@audit_app.command("verify")
@handle_errors
def audit_verify(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant.")] = None,
    anchors: Annotated[bool, typer.Option("--anchors", help="Also check the anchors on the chain.")] = False,
    json_: JsonOpt = False,
) -> None:
    """Recompute the hash chain of every tenant's audit log; exit 1 if it was altered."""
    svc = _service()
    heads = svc.verify_audit(tenant)
    checked = svc.verify_anchors() if anchors else []
    if json_:
        print_json({"verified": True, "tenants": heads, "anchors": checked})
    else:
        for h in heads:
            print(f"{h['tenant']}\t{h['events']} events\thead {h['head']}")
        for a in checked:
            print(f"{a['tenant']}\tevent {a['seq']} anchored in block {a['block']}")
        err_console.print("audit log verified", highlight=False)


@audit_app.command("anchor")
@handle_errors
def audit_anchor(json_: JsonOpt = False) -> None:
    """Anchor every tenant's audit head on the registry chain (run it periodically, e.g. cron)."""
    out = _service().anchor_audit()
    if json_:
        print_json(out)
    else:
        for a in out:
            print(f"{a['tenant']}\tevent {a['events']}\tblock {a['block']}\ttx {a['transaction']}")


def main() -> None:
    app(prog_name="issuer")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())  # type: ignore[func-returns-value]
