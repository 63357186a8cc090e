"""FastAPI integration: protect a route with a verified presentation in three lines.

::

    app.state.verifier = Verifier(resolver=default_resolver())        # once, at start-up
    @app.post("/members-only")
    async def members_only(report: VerificationReport = Depends(require_presentation(Policies()))): ...

The client first asks for a challenge (:func:`challenge_route` adds ``GET /challenge``), puts it in
its presentation, and sends ``{"presentation": <vp>, "challenge": "<nonce>"}`` as JSON (or the
bare presentation as the body with the challenge in the ``X-Challenge`` header). The nonce must
be one this verifier issued and is consumed on use, so a replayed presentation is refused.
Rejected presentations get HTTP 403 with the verification report as the body; malformed
requests get 400, oversized ones 413 — never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request

from .core import Verifier
from .policies import Policies
from .report import VerificationReport

__all__ = ["CHALLENGE_HEADER", "challenge_route", "require_presentation"]

CHALLENGE_HEADER = "X-Challenge"
DEFAULT_MAX_BODY = 1024 * 1024


def _verifier_of(request: Request, verifier: Verifier | None) -> Verifier:
    if verifier is not None:
        return verifier
    found = getattr(request.app.state, "verifier", None)
    if not isinstance(found, Verifier):
        raise RuntimeError("set app.state.verifier = Verifier(...) or pass verifier= to require_presentation")
    return found


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(
            413, detail={"code": "request.too_large", "message": f"body larger than {limit} bytes"}
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(
                413, detail={"code": "request.too_large", "message": f"body larger than {limit} bytes"}
            )
    return bytes(body)


def require_presentation(
    policies: Policies | None = None,
    *,
    verifier: Verifier | None = None,
    domain: str | None = None,
    max_body: int = DEFAULT_MAX_BODY,
) -> Callable[[Request], Awaitable[VerificationReport]]:
    """A dependency that verifies the request's presentation and returns the accepted report.

    ``policies`` default to the verifier's; the challenge policy is forced to *issued, single
    use* because the client states which challenge it answered. ``domain`` is this service's
    audience (the presentation's ``domain``/``aud`` must include it) — default: the request's
    origin (``scheme://host``).
    """

    async def dependency(request: Request) -> VerificationReport:
        v = _verifier_of(request, verifier)
        pol = policies or v.policies
        pol = replace(
            pol,
            challenge_domain=replace(pol.challenge_domain, enabled=True, required=True, require_issued=True),
        )
        raw = await _read_body(request, max_body)
        presentation: Any
        challenge = request.headers.get(CHALLENGE_HEADER)
        text = raw.decode("utf-8", errors="replace").strip()
        if not text:
            raise HTTPException(
                400, detail={"code": "request.empty", "message": "no presentation in the body"}
            )
        if text.startswith("{"):
            try:
                body = json.loads(text)
            except (json.JSONDecodeError, RecursionError):
                raise HTTPException(
                    400, detail={"code": "request.json", "message": "body is not JSON"}
                ) from None
            if isinstance(body, dict) and "presentation" in body:
                presentation = body["presentation"]
                if isinstance(body.get("challenge"), str):
                    challenge = body["challenge"]
            else:
                presentation = body
        else:
            presentation = text
        if not challenge:
            raise HTTPException(
                400, detail={"code": "challenge.missing", "message": "send the challenge you answered"}
            )
        audience = domain or f"{request.url.scheme}://{request.url.netloc}"
        report = await v.verify_presentation(presentation, challenge=challenge, domain=audience, policies=pol)
        if not report.accepted:
            raise HTTPException(403, detail=report.to_json())
        return report

    return dependency


def challenge_route(
    app: FastAPI | APIRouter,
    *,
    verifier: Verifier | None = None,
    path: str = "/challenge",
    ttl: float = 300.0,
) -> None:
    """Add ``GET {path}`` returning ``{"challenge": nonce, "expires_in": ttl}`` (single use)."""

    @app.get(path)
    async def _challenge(request: Request) -> dict[str, Any]:
        v = _verifier_of(request, verifier)
        return {"challenge": await v.issue_challenge(ttl), "expires_in": ttl}
