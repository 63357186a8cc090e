"""The verifier service: W3C VC-API verify, an OpenID4VP 1.0 verifier and a web page.

``verifier serve`` runs it (uvicorn on 127.0.0.1:8800 by default, SQLite in the data
directory); :func:`create_app` builds the FastAPI app for embedding and tests. See
``docs/verifier-service.md``.
"""

from __future__ import annotations

from .app import create_app
from .settings import RelyingPartyConfig, VerifierSettings

__all__ = ["RelyingPartyConfig", "VerifierSettings", "create_app"]
