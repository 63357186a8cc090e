"""Protocol messages shared by the issuer, the wallet and the verifier.

- :mod:`.vci` — OpenID4VCI 1.0 pre-authorized code flow: offers, metadata, token, nonce,
  credential request/response, and the ``openid4vci-proof+jwt`` proof of possession.
- :mod:`.vp` — OpenID4VP 1.0: request URIs, signed request objects, ``client_id`` prefixes
  (``redirect_uri``, ``decentralized_identifier``), ``direct_post`` responses.

Pure functions and pydantic models at the boundary; HTTP goes through an injected
``httpx.AsyncClient``.
"""

from __future__ import annotations

from . import vci as vci
from . import vp as vp

__all__ = ["vci", "vp"]
