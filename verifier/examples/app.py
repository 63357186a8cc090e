"""A relying party that lets in only holders of a trusted, unrevoked credential.

Run it::

    python -m verifier.examples.app                 # http://127.0.0.1:8000, did:key/jwk/web issuers
    DIDKIT_EXAMPLE_TRUSTED=did:key:z6Mk...,did:web:uni.example python -m verifier.examples.app

Then ``GET /challenge``, present a credential bound to that challenge with
``domain = http://127.0.0.1:8000``, and ``POST /enter`` ``{"presentation": ..., "challenge": ...}``.
``POST /verify/credential`` returns the full report for any credential.
"""

from __future__ import annotations

import os
from typing import Any

from fastapi import Body, Depends, FastAPI

from didkit_py.did import default_resolver
from verifier import IssuerTrustPolicy, Policies, VerificationReport, Verifier
from verifier.fastapi import challenge_route, require_presentation


def create_app(verifier: Verifier | None = None, *, trusted: frozenset[str] | None = None) -> FastAPI:
    """The example app; tests pass their own verifier (resolver, HTTP client, clock)."""
    if trusted is None:
        trusted = frozenset(t for t in os.environ.get("DIDKIT_EXAMPLE_TRUSTED", "").split(",") if t)
    app = FastAPI(title="didkit-py verifier example")
    app.state.verifier = verifier or Verifier(resolver=default_resolver())
    policies = Policies(issuer_trust=IssuerTrustPolicy(trusted_issuers=trusted))
    challenge_route(app)

    @app.post("/enter")
    async def enter(report: VerificationReport = Depends(require_presentation(policies))) -> dict[str, Any]:
        name = next(
            (c.value for c in report.disclosed_claims if c.pointer == "/credentialSubject/name"), None
        )
        return {"welcome": name or report.holder, "holder": report.holder}

    @app.post("/verify/credential")
    async def verify_credential(credential: Any = Body(...)) -> dict[str, Any]:
        v: Verifier = app.state.verifier
        report = await v.verify_credential(credential, policies=policies)
        return report.to_json()

    return app


def main() -> None:  # pragma: no cover - manual entry point
    import uvicorn

    uvicorn.run(create_app(), host="127.0.0.1", port=int(os.environ.get("PORT", "8000")))


if __name__ == "__main__":  # pragma: no cover
    main()
