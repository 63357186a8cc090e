"""A minimal operator page, rendered on the server (no JavaScript).

``GET /`` asks for an API key; ``POST /`` checks it and keeps it in an ``HttpOnly``,
``SameSite=Strict`` cookie that only these pages read (the JSON API never looks at cookies, so
it cannot be driven cross-site). The dashboard shows the tenant's DIDs, templates, issuance
counts for the last 24 hours and recent audit events, and creates an OpenID4VCI offer with its
QR code. Every value is HTML-escaped.
"""

import base64
import html
import io
import json
from typing import TYPE_CHECKING, Annotated, Any

import segno
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from didkit_py.errors import DidkitError

from .service import Principal

if TYPE_CHECKING:
    from .app import AppContext

__all__ = ["add_ui_routes"]

COOKIE = "issuer_key"
STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}"
    "td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;font-size:13px;word-break:break-all}"
    "code{font-size:12px}.muted{color:#777}input,select,textarea{font:inherit}"
    "textarea{width:100%;height:5rem}.err{color:#b00}"
)


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)}</title>"
        f"<meta name=viewport content='width=device-width'><style>{STYLE}</style><body>"
        f"<h1>{html.escape(title)}</h1>{body}</body></html>",
        headers={
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        },
    )


def _login(error: str = "") -> HTMLResponse:
    err = f"<p class=err>{html.escape(error)}</p>" if error else ""
    return _page(
        "didkit-py issuer",
        f"{err}<form method=post action='/'><label>API key <input type=password name=api_key size=60 "
        "autocomplete=off required></label> <button>Open dashboard</button></form>"
        "<p class=muted>API: <a href='/docs'>/docs</a> · <a href='/health'>/health</a> · "
        "<a href='/ready'>/ready</a> · <a href='/metrics'>/metrics</a></p>",
    )


def add_ui_routes(app: FastAPI, ctx: "AppContext") -> None:
    service = ctx.service

    def principal(request: Request) -> Principal | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        try:
            return service.authenticate(token, "read")
        except DidkitError:
            return None

    @app.get("/", include_in_schema=False)
    def home(request: Request) -> Response:
        p = principal(request)
        if p is None:
            return _login()
        return _dashboard(p)

    @app.post("/", include_in_schema=False)
    def login(api_key: Annotated[str, Form(max_length=200)]) -> Response:
        try:
            service.authenticate(api_key, "read")
        except DidkitError:
            return _login("That API key is not valid.")
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie(COOKIE, api_key, httponly=True, samesite="strict", max_age=3600)
        return resp

    @app.post("/ui/logout", include_in_schema=False)
    def logout() -> Response:
        resp = RedirectResponse("/", status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    @app.post("/ui/offer", include_in_schema=False)
    def offer(
        request: Request,
        template: Annotated[str, Form(max_length=200)],
        claims: Annotated[str, Form(max_length=20_000)] = "{}",
    ) -> Response:
        p = principal(request)
        if p is None:
            return _login()
        try:
            if "issue" not in p.scopes and "admin" not in p.scopes:
                raise DidkitError("this API key may not issue", code="auth.forbidden")
            parsed: Any = json.loads(claims or "{}")
            route = next(r for r in app.routes if getattr(r, "path", "") == "/offers")
            create = route.endpoint  # type: ignore[attr-defined]
            out = create(p, {"template": template, "claims": parsed, "tx_code": True})
        except (DidkitError, ValueError) as exc:
            msg = f"{getattr(exc, 'code', 'invalid')}: {exc}"
            return _dashboard(p, error=msg)
        qr = segno.make(out["deep_link"], error="m")
        buf = io.BytesIO()
        qr.save(buf, kind="svg", scale=4)
        svg_uri = "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()
        body = (
            f"<p><img alt='offer QR code' src='{svg_uri}'></p>"
            f"<p>Deep link: <code>{html.escape(out['deep_link'])}</code></p>"
            f"<p>Transaction code (send it on another channel): <b>{html.escape(out['tx_code'])}</b></p>"
            f"<p class=muted>Expires in {int(out['expires_in'])} s. <a href='/'>Back</a></p>"
        )
        return _page("Credential offer", body)

    def _dashboard(p: Principal, error: str = "") -> HTMLResponse:
        dids = service.dids(p)
        templates = service.templates(p)
        counts = service.stats(p.tenant_id)
        esc = html.escape
        rows_d = "".join(
            f"<tr><td><code>{esc(d['did'])}</code></td><td>{esc(d['method'])}</td>"
            f"<td>{esc(', '.join(k['type'] for k in d['keys']))}</td></tr>"
            for d in dids
        )
        rows_t = "".join(
            f"<tr><td>{esc(t['name'])}</td><td>{esc(t['format'])}</td><td>{esc(', '.join(t['types']))}</td>"
            f"<td>{esc(', '.join(t['status_purposes']))}</td></tr>"
            for t in templates
        )
        rows_c = "".join(f"<tr><td>{esc(f)}</td><td>{n}</td></tr>" for f, n in sorted(counts.items()))
        audit = ""
        if "admin" in p.scopes:
            events = service.audit_events(p, limit=10)
            head = "<tr><th>#</th><th>when</th><th>action</th><th>actor</th></tr>"
            rows_a = "".join(
                f"<tr><td>{e['seq']}</td><td>{esc(e['at'])}</td><td>{esc(e['action'])}</td>"
                f"<td>{esc(e['actor'])}</td></tr>"
                for e in events
            )
            audit = f"<h2>Recent audit events</h2><table>{head}{rows_a}</table>"
        options = "".join(f"<option>{esc(t['name'])}</option>" for t in templates)
        err = f"<p class=err>{esc(error)}</p>" if error else ""
        body = (
            f"{err}<p>Tenant <b>{esc(p.tenant_slug)}</b> · key <code>{esc(p.key_id)}</code> "
            f"({esc(', '.join(sorted(p.scopes)))}) "
            "<form method=post action='/ui/logout' style=display:inline>"
            "<button>Sign out</button></form></p>"
            f"<h2>Issuer DIDs</h2><table><tr><th>DID</th><th>method</th><th>keys</th></tr>{rows_d}</table>"
            "<h2>Templates</h2><table><tr><th>name</th><th>format</th><th>types</th><th>status</th></tr>"
            f"{rows_t}</table>"
            "<h2>Issued in the last 24 h</h2><table><tr><th>format</th><th>credentials</th></tr>"
            f"{rows_c}</table>"
            f"{audit}<h2>New credential offer</h2><form method=post action='/ui/offer'>"
            f"<p><select name=template>{options}</select></p>"
            "<p><textarea name=claims>{}</textarea></p><button>Create offer and QR code</button></form>"
        )
        return _page(f"Issuer — {p.tenant_slug}", body)
