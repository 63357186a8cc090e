"""A small world for the verifier tests (imported by conftest.py and the tests): issuer and
holder keys, a fake ledger DID method, an in-process HTTP peer (httpx.MockTransport) serving
status lists and schemas, and a fixed clock."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from didkit_py.credentials import Signer, issue, present, signer_for_key
from didkit_py.did import ResolutionResult, Resolver, default_resolver
from didkit_py.errors import NotFound
from didkit_py.keys import KeyPair, KeyType, generate_key, multikey_encode
from didkit_py.status import StatusListManager
from verifier import Policies, Verifier

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
BASE = "https://issuer.example"
V2 = "https://www.w3.org/ns/credentials/v2"


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class Web:
    """Routes for the mock HTTP peer; every request is counted."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes, dict[str, str]]] = {}
        self.hits: dict[str, int] = {}

    def put(self, url: str, body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> None:
        if isinstance(body, str):
            raw = body.encode()
        elif isinstance(body, bytes):
            raw = body
        else:
            raw = json.dumps(body).encode()
        self.routes[url] = (status, raw, headers or {})

    def handler(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.hits[url] = self.hits.get(url, 0) + 1
        if url not in self.routes:
            return httpx.Response(404, stream=httpx.ByteStream(b"not found"))
        status, raw, headers = self.routes[url]
        return httpx.Response(status, stream=httpx.ByteStream(raw), headers=headers)


@dataclass
class FakeLedger:
    """A did:ethr-like method: documents per DID with a history of versions (time -> document)."""

    name: str = "ethr"
    versions: dict[str, list[tuple[datetime, dict[str, Any], dict[str, Any]]]] = field(default_factory=dict)

    async def resolve(
        self, did: str, *, version_id: str | None = None, version_time: str | None = None
    ) -> ResolutionResult:
        history = self.versions.get(did)
        if not history:
            raise NotFound("no such DID", code="notFound")
        at = datetime.fromisoformat(version_time.replace("Z", "+00:00")) if version_time else None
        chosen = history[0]
        for when, doc, meta in history:
            if at is None or when <= at:
                chosen = (when, doc, meta)
        return ResolutionResult(document=copy.deepcopy(chosen[1]), document_metadata=dict(chosen[2]))


def ethr_document(did: str, owner: str, keys: list[tuple[str, KeyPair]]) -> dict[str, Any]:
    vms: list[dict[str, Any]] = [
        {
            "id": f"{did}#controller",
            # The owner logic reads only the id and blockchainAccountId; a registered VM type that
            # pydid does not model keeps this hand-made document clear of its per-type checks (the
            # real did:ethr documents are exercised in test_ethr_chain.py).
            "type": "BlockchainVerificationMethod2021",
            "controller": did,
            "blockchainAccountId": f"eip155:31337:{owner}",
        },
    ]
    for frag, kp in keys:
        vms.append(
            {
                "id": f"{did}#{frag}",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": multikey_encode(kp.key_type, kp.public_key),
            }
        )
    ids = [vm["id"] for vm in vms]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": vms,
        "assertionMethod": ids,
        "authentication": ids,
    }


@dataclass
class World:
    issuer_key: KeyPair
    issuer: Signer
    holder_key: KeyPair
    holder: Signer
    web: Web
    ledger: FakeLedger
    resolver: Resolver
    status: StatusListManager
    suspension: StatusListManager
    make_verifier: Callable[..., Verifier]

    def credential(self, **extra: Any) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "@context": [V2],
            "id": "urn:uuid:0b0e9a34-4b1c-4a5e-9c1f-1d1c8c1e0001",
            "type": ["VerifiableCredential", "ExampleDegreeCredential"],
            "issuer": self.issuer.did,
            "validFrom": iso(NOW - timedelta(days=10)),
            "credentialSubject": {
                "id": self.holder.did,
                "name": "Alice",
                "degree": {"type": "BachelorDegree"},
            },
        }
        doc.update(extra)
        return doc

    def jwt(self, doc: dict[str, Any] | None = None, signer: Signer | None = None) -> str:
        return issue(doc or self.credential(), signer=signer or self.issuer, now=NOW - timedelta(days=10))  # type: ignore[return-value]

    def vp(
        self,
        creds: list[Any],
        *,
        challenge: str | None = "n-1",
        domain: str | None = "https://rp.example",
        holder: Signer | None = None,
    ) -> Any:
        return present(creds, signer=holder or self.holder, now=NOW, challenge=challenge, domain=domain)

    def publish(self, manager: StatusListManager, *, headers: dict[str, str] | None = None) -> str:
        """Secure the list as vc+jwt with the issuer key and serve it."""
        doc = manager.credential(issuer=self.issuer.did, valid_from=NOW - timedelta(days=30))
        token = issue(doc, signer=self.issuer, now=NOW - timedelta(days=1))
        self.web.put(manager.id, token, headers={"Content-Type": "application/vc+jwt", **(headers or {})})
        return token  # type: ignore[return-value]


def make_world() -> World:
    issuer_key = generate_key(KeyType.ED25519)
    holder_key = generate_key(KeyType.ED25519)
    web = Web()
    ledger = FakeLedger()
    resolver = default_resolver(extra_methods=[ledger])
    status = StatusListManager.create(id=f"{BASE}/status/1", status_purpose="revocation")
    suspension = StatusListManager.create(id=f"{BASE}/status/2", status_purpose="suspension")

    def make_verifier(**kw: Any) -> Verifier:
        http = httpx.AsyncClient(transport=httpx.MockTransport(web.handler))
        kw.setdefault("policies", Policies())
        return Verifier(resolver=resolver, http=http, clock=lambda: NOW, **kw)

    w = World(
        issuer_key,
        signer_for_key(issuer_key),
        holder_key,
        signer_for_key(holder_key),
        web,
        ledger,
        resolver,
        status,
        suspension,
        make_verifier,
    )
    w.publish(status)
    w.publish(suspension)
    return w


def outcome(report: Any, policy: str, subject: str | None = None) -> tuple[str, str | None]:
    for c in report.checks:
        if c.policy == policy and (subject is None or c.subject == subject) and c.outcome.value == "failed":
            return c.outcome.value, c.code
    for c in report.checks:
        if c.policy == policy and (subject is None or c.subject == subject):
            return c.outcome.value, c.code
    raise AssertionError(f"no {policy} check for {subject}")
