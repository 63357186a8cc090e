"""The didkit-py issuer service: tenants, issuer DIDs, templates, VC-API and OpenID4VCI issuance,
Bitstring Status Lists and a hash-chained audit log (FastAPI + SQLAlchemy 2).

>>> from issuer import IssuerSettings, create_app
>>> app = create_app(IssuerSettings(database_url="sqlite:///issuer.db"))  # doctest: +SKIP
"""

from __future__ import annotations

from .app import create_app
from .settings import IssuerSettings

__all__ = ["IssuerSettings", "create_app"]
