"""A holder built from library calls (no wallet): read an OpenID4VP request, answer it.

It checks the Request Object like a careful wallet (``typ``, signature by the ``client_id``'s
DID), then derives a bbs-2023 disclosure wrapped in a Data Integrity presentation, or an SD-JWT
presentation with key binding, bound to the request's nonce and ``client_id``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from didkit_py._encoding import b64url_decode
from didkit_py.credentials import Signer, derive, issue, present, signer_for_key
from didkit_py.did import default_resolver
from didkit_py.keys import KeyType, generate_key, verify_signature

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]


def parse_link(link: str) -> tuple[str, str]:
    parts = urlsplit(link)
    assert parts.scheme == "openid4vp"
    q = parse_qs(parts.query)
    return q["client_id"][0], q["request_uri"][0]


def read_request_object(jwt: str, client_id: str) -> dict[str, Any]:
    h64, p64, s64 = jwt.split(".")
    header = json.loads(b64url_decode(h64))
    payload = json.loads(b64url_decode(p64))
    assert header["typ"] == "oauth-authz-req+jwt"
    assert payload["client_id"] == client_id
    if client_id.startswith("decentralized_identifier:"):
        did = client_id.removeprefix("decentralized_identifier:")
        assert header["kid"].split("#")[0] == did
        vm = default_resolver().resolve_sync(did).document["verificationMethod"][0]
        from didkit_py.did import public_key_from_vm

        kt, pk = public_key_from_vm(vm)
        verify_signature(kt, pk, f"{h64}.{p64}".encode(), b64url_decode(s64))
    else:
        assert header["alg"] == "none" and s64 == ""
    return payload  # type: ignore[no-any-return]


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
