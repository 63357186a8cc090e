"""A holder built from library calls: read an OpenID4VP request, answer it.

It checks the request with the wallet's own :mod:`didkit_py.oid4vc.vp` (``typ``, signature by
the ``client_id``'s DID, prefixes), then derives a bbs-2023 disclosure wrapped in a Data
Integrity presentation, or an SD-JWT presentation with key binding, bound to the request's
nonce and ``client_id``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from didkit_py.credentials import Signer, derive, issue, present, signer_for_key
from didkit_py.did import default_resolver
from didkit_py.keys import KeyType, generate_key
from didkit_py.oid4vc import vp

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]


def parse_link(link: str) -> tuple[str, str | None]:
    parts = urlsplit(link)
    assert parts.scheme == "openid4vp"
    q = parse_qs(parts.query)
    return q["client_id"][0], q.get("request_uri", [None])[0]


def resolve(
    link: str, *, transport: httpx.AsyncBaseTransport | None = None, now: datetime = NOW
) -> dict[str, Any]:
    """Fetch and check the request as the wallet does (:func:`vp.resolve_authorization_request`:
    signature by the client_id's DID, prefixes, parameters)."""

    async def run() -> vp.AuthorizationRequest:
        async with httpx.AsyncClient(transport=transport) as http:
            return await vp.resolve_authorization_request(
                vp.parse_authorization_request_uri(link),
                http=http,
                resolver=default_resolver(),
                now=now,
                allow_loopback_http=True,
            )

    ar = asyncio.run(run())
    return {
        "client_id": ar.client_id,
        "nonce": ar.nonce,
        "state": ar.state,
        "response_uri": ar.response_uri,
        "dcql_query": ar.dcql_query,
        "presentation_definition": ar.presentation_definition,
        "signed": ar.signed,
        "client_metadata": ar.client_metadata,
    }


def degree_credential(
    holder: Signer, issuer: Signer | None = None, *, now: datetime = NOW, **subject: Any
) -> tuple[dict[str, Any], Signer]:
    issuer = issuer or signer_for_key(generate_key(KeyType.BLS12381G2))
    doc = {
        "@context": CONTEXT,
        "id": "urn:uuid:7f1d3c8e-1111-4c2a-9d55-000000000001",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer.did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": holder.did,
            "name": "Alice",
            "degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science"},
            **subject,
        },
    }
    base = issue(
        doc,
        signer=issuer,
        now=now - timedelta(days=1),
        format="bbs-2023",
        extra={"mandatory_pointers": ["/issuer"]},
    )
    return base, issuer  # type: ignore[return-value]


def bbs_vp_token(
    base: Any,
    holder: Signer,
    request: dict[str, Any],
    qid: str,
    disclose: list[str],
    *,
    now: datetime = NOW,
) -> dict[str, Any]:
    derived = derive(base, now=now, disclose=["/credentialSubject/id", *disclose])
    vp = present(
        [derived],
        signer=holder,
        now=now,
        format="eddsa-rdfc-2022",
        challenge=request["nonce"],
        domain=request["client_id"],
    )
    return {qid: [vp]}


def sd_jwt_vp_token(
    token: str,
    holder: Signer,
    request: dict[str, Any],
    qid: str,
    disclose: list[str],
    *,
    now: datetime = NOW,
) -> dict[str, Any]:
    shown = derive(
        token,
        now=now,
        disclose=disclose,
        holder=holder,
        challenge=request["nonce"],
        domain=request["client_id"],
    )
    return {qid: [shown]}


def holder() -> Signer:
    return signer_for_key(generate_key(KeyType.ED25519))
