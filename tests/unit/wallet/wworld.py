"""Test world for the wallet: credentials, and a small OpenID4VP verifier and OpenID4VCI issuer.

The verifier app uses the verifier SDK and :mod:`didkit_py.oid4vc.vp`; the issuer app follows
OpenID4VCI 1.0 (pre-authorized code, nonce endpoint, ``openid4vci-proof+jwt``) using
:mod:`didkit_py.oid4vc.vci`. Both run on 127.0.0.1 in a thread (CONVENTIONS "Servers in tests").
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from didkit_py.credentials import Signer, issue, signer_for_key
from didkit_py.did import default_resolver
from didkit_py.keys import KeyPair, KeyType, generate_key, key_pair_from_jwk, public_jwk
from didkit_py.oid4vc import vci, vp
from didkit_py.suites.sd_jwt import issue_sd_jwt_vc
from verifier import Policies, Verifier

CTX = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]
PID_VCT = "https://example.com/pid"
SECRET_NAME = "Zebulon-Quartermaine"  # a claim value the raw-bytes test looks for


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Issuers:
    ed: Signer = field(default_factory=lambda: signer_for_key(generate_key(KeyType.ED25519)))
    bbs: Signer = field(default_factory=lambda: signer_for_key(generate_key(KeyType.BLS12381G2)))

    def degree_doc(self, holder_did: str | None, issuer: str) -> dict[str, Any]:
        subject: dict[str, Any] = {"name": SECRET_NAME, "degree": {"type": "BachelorDegree", "name": "BSc"}}
        if holder_did:
            subject = {"id": holder_did, **subject}
        return {
            "@context": CTX,
            "type": ["VerifiableCredential", "ExampleDegreeCredential"],
            "issuer": issuer,
            "validFrom": iso(now() - timedelta(days=1)),
            "validUntil": "2031-01-01T00:00:00Z",
            "credentialSubject": subject,
        }

    def bbs_credential(self, holder_did: str | None = None) -> dict[str, Any]:
        doc = self.degree_doc(holder_did, self.bbs.did)
        out = issue(
            doc, signer=self.bbs, now=now(), format="bbs-2023", extra={"mandatory_pointers": ["/issuer"]}
        )
        assert isinstance(out, dict)
        return out

    def jwt_credential(self, holder_did: str | None = None) -> str:
        out = issue(self.degree_doc(holder_did, self.ed.did), signer=self.ed, now=now())
        assert isinstance(out, str)
        return out

    def sd_jwt(self, holder_jwk: dict[str, Any] | None = None) -> str:
        holder = key_pair_from_jwk(holder_jwk) if holder_jwk else None
        return issue_sd_jwt_vc(
            {
                "given_name": "Alice",
                "family_name": SECRET_NAME,
                "birthdate": "2000-01-01",
                "nationality": "DE",
            },
            key=self.ed.key,
            kid=self.ed.verification_method,
            issuer=self.ed.did,
            vct=PID_VCT,
            holder_key=holder,
            disclosable=["/given_name", "/family_name", "/birthdate", "/nationality"],
            iat=now() - timedelta(minutes=1),
        )


# --------------------------------------------------------------------------- servers


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    t = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        t.join(5)


PID_QUERY = {
    "credentials": [
        {
            "id": "pid",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [PID_VCT]},
            "claims": [{"path": ["given_name"]}, {"path": ["nationality"]}],
        }
    ]
}
PE_DEFINITION = {
    "id": "degree-check",
    "input_descriptors": [
        {
            "id": "degree",
            "constraints": {
                "limit_disclosure": "required",
                "fields": [
                    {
                        "path": ["$.type"],
                        "filter": {"type": "array", "contains": {"const": "ExampleDegreeCredential"}},
                    },
                    {"path": ["$.credentialSubject.degree.type"]},
                ],
            },
        }
    ],
}
DEGREE_QUERY = {
    "credentials": [
        {
            "id": "degree",
            "format": "ldp_vc",
            "meta": {"type_values": [["https://www.w3.org/ns/credentials/examples#ExampleDegreeCredential"]]},
            "claims": [{"path": ["credentialSubject", "degree", "type"]}],
        }
    ]
}


@dataclass
class VerifierApp:
    """A relying party: signs requests as ``decentralized_identifier`` (or sends ``redirect_uri``
    requests unsigned) and verifies ``direct_post`` responses with the verifier SDK."""

    signer: Signer = field(default_factory=lambda: signer_for_key(generate_key(KeyType.ED25519)))
    base: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    tamper: bool = False  # serve request objects with a broken signature
    refuse: bool = False  # answer every response with an error
    #: Extra DID methods for checking presentations (e.g. did:ethr on a test chain).
    did_methods: tuple[Any, ...] = ()

    def app(self) -> FastAPI:
        api = FastAPI()
        resolver = default_resolver(extra_methods=self.did_methods)

        @api.get("/request/{sid}")
        async def request_object(sid: str) -> PlainTextResponse:
            s = self.sessions[sid]
            pe = "input_descriptors" in s["query"]
            _, jwt = vp.build_request_object(
                self.signer,
                response_uri=f"{self.base}/response/{sid}",
                nonce=s["nonce"],
                state=sid,
                dcql_query=None if pe else s["query"],
                presentation_definition=s["query"] if pe else None,
                client_metadata={"client_name": "Example Bar", "purpose": "age and nationality check"},
                now=now(),
            )
            if self.tamper:
                head, payload, sig = jwt.split(".")
                jwt = f"{head}.{payload}.{sig[:-4]}AAAA"
            return PlainTextResponse(jwt, media_type="application/oauth-authz-req+jwt")

        @api.post("/response/{sid}")
        async def response(sid: str, request: Request) -> JSONResponse:
            s = self.sessions[sid]
            form = {k: str(v) for k, v in (await request.form()).items()}
            pe = "input_descriptors" in s["query"]
            token, state = vp.parse_direct_post(form, dcql=not pe)
            if pe:
                submission = json.loads(form["presentation_submission"])
                assert submission["definition_id"] == s["query"]["id"]
                token = {"": [token]}
            verdicts = []
            for qid, items in token.items():
                for item in items:
                    # Every presentation of one response carries the request's nonce (OpenID4VP
                    # §8.4): the single-use check is per response, so each gets a fresh store.
                    verifier = Verifier(resolver=resolver, policies=Policies())
                    rep = await verifier.verify_presentation(
                        item, challenge=s["nonce"], domain=s["client_id"]
                    )
                    verdicts.append(
                        {
                            "query": qid,
                            "verdict": rep.verdict,
                            "failed": [(c.policy, c.code) for c in rep.failed_checks()],
                            "claims": [c.pointer for c in rep.disclosed_claims],
                        }
                    )
            self.results.append(
                {
                    "state": state,
                    "verdicts": verdicts,
                    "vp_token": token,
                    "submission": form.get("presentation_submission"),
                }
            )
            if self.refuse or state != sid or not all(v["verdict"] == "accepted" for v in verdicts):
                return JSONResponse({"error": "invalid_presentation"}, status_code=400)
            return JSONResponse({"redirect_uri": f"{self.base}/done/{sid}"})

        return api

    def new_request(self, query: dict[str, Any], *, signed: bool = True) -> str:
        sid = secrets.token_urlsafe(8)
        nonce = secrets.token_urlsafe(16)
        key = "presentation_definition" if "input_descriptors" in query else "dcql_query"
        if signed:
            client_id = f"decentralized_identifier:{self.signer.did}"
            self.sessions[sid] = {"nonce": nonce, "query": query, "client_id": client_id}
            return vp.authorization_request_uri(client_id=client_id, request_uri=f"{self.base}/request/{sid}")
        response_uri = f"{self.base}/response/{sid}"
        client_id = f"redirect_uri:{response_uri}"
        self.sessions[sid] = {"nonce": nonce, "query": query, "client_id": client_id}
        return vp.authorization_request_uri(
            client_id=client_id,
            params={
                "response_type": "vp_token",
                "response_mode": "direct_post",
                "response_uri": response_uri,
                "nonce": nonce,
                "state": sid,
                key: query,
            },
        )


@dataclass
class IssuerApp:
    """An OpenID4VCI 1.0 issuer (pre-authorized code) built from the spec with :mod:`vci`."""

    issuers: Issuers = field(default_factory=Issuers)
    base: str = ""
    offers: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    nonces: set[str] = field(default_factory=set)
    issued: int = 0
    #: Extra DID methods for checking proofs (e.g. did:ethr on a test chain).
    did_methods: tuple[Any, ...] = ()
    #: What each checked proof's key and DID URL were (the tests look at them).
    proofs: list[vci.ProofCheck] = field(default_factory=list)

    def app(self) -> FastAPI:
        api = FastAPI()
        resolver = default_resolver(extra_methods=self.did_methods, cache_ttl=0)

        @api.get("/.well-known/openid-credential-issuer")
        async def metadata() -> dict[str, Any]:
            return {
                "credential_issuer": self.base,
                "credential_endpoint": f"{self.base}/credential",
                "nonce_endpoint": f"{self.base}/nonce",
                "display": [{"name": "Example University"}],
                "credential_configurations_supported": {
                    "pid_sd_jwt": {
                        "format": "dc+sd-jwt",
                        "vct": PID_VCT,
                        "cryptographic_binding_methods_supported": ["jwk", "did:key", "did:ethr"],
                        "proof_types_supported": {
                            "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256", "ES256K"]}
                        },
                        "credential_metadata": {"display": [{"name": "Personal ID"}]},
                    },
                    "degree_bbs": {
                        "format": "ldp_vc",
                        "cryptographic_binding_methods_supported": ["did:key", "did:ethr"],
                        "proof_types_supported": {
                            "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256", "ES256K"]}
                        },
                        "credential_metadata": {"display": [{"name": "University Degree"}]},
                    },
                },
            }

        @api.get("/.well-known/oauth-authorization-server")
        async def as_metadata() -> dict[str, Any]:
            return {
                "issuer": self.base,
                "token_endpoint": f"{self.base}/token",
                "pre-authorized_grant_anonymous_access_supported": True,
            }

        @api.get("/offers/{oid}")
        async def offer(oid: str) -> dict[str, Any]:
            return self.offers[oid]["offer"]

        @api.post("/token")
        async def token(request: Request) -> JSONResponse:
            form = {k: str(v) for k, v in (await request.form()).items()}
            try:
                code, tx = vci.parse_token_request(form)
            except Exception:
                return JSONResponse({"error": "invalid_request"}, status_code=400)
            entry = next((o for o in self.offers.values() if o["code"] == code and not o["used"]), None)
            if entry is None or entry["tx_code"] != tx:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            entry["used"] = True
            at = secrets.token_urlsafe(24)
            self.tokens[at] = entry["config"]
            return JSONResponse(
                {"access_token": at, "token_type": "Bearer", "expires_in": 300},
                headers={"cache-control": "no-store"},
            )

        @api.post("/nonce")
        async def nonce() -> JSONResponse:
            n = secrets.token_urlsafe(16)
            self.nonces.add(n)
            return JSONResponse({"c_nonce": n}, headers={"cache-control": "no-store"})

        async def consume(n: str) -> bool:
            if n in self.nonces:
                self.nonces.discard(n)
                return True
            return False

        @api.post("/credential")
        async def credential(request: Request) -> JSONResponse:
            auth = request.headers.get("authorization", "")
            config = self.tokens.get(auth.removeprefix("Bearer "))
            if config is None:
                return JSONResponse({"error": "invalid_token"}, status_code=401)
            try:
                cid, proofs = vci.parse_credential_request(await request.json())
                if cid != config or len(proofs) != 1:
                    raise ValueError("wrong configuration")
                check = await vci.check_proof_jwt(
                    proofs[0], resolver=resolver, audience=self.base, now=now(), consume_nonce=consume
                )
            except Exception as exc:
                return JSONResponse(
                    {"error": "invalid_proof", "error_description": str(exc)}, status_code=400
                )
            self.issued += 1
            self.proofs.append(check)
            if cid == "pid_sd_jwt":
                cred: Any = self.issuers.sd_jwt(public_jwk(KeyPair(check.key_type, check.public_key)))
            else:
                cred = self.issuers.bbs_credential(check.holder_did)
            return JSONResponse({"credentials": [{"credential": cred}]})

        return api

    def new_offer(self, config: str, *, tx_code: str | None = None, by_reference: bool = True) -> str:
        oid = secrets.token_urlsafe(8)
        grant: dict[str, Any] = {"pre-authorized_code": secrets.token_urlsafe(16)}
        if tx_code is not None:
            grant["tx_code"] = {
                "input_mode": "numeric",
                "length": len(tx_code),
                "description": "PIN from the letter",
            }
        offer = {
            "credential_issuer": self.base,
            "credential_configuration_ids": [config],
            "grants": {vci.PRE_AUTHORIZED_GRANT: grant},
        }
        self.offers[oid] = {
            "offer": offer,
            "code": grant["pre-authorized_code"],
            "tx_code": tx_code,
            "config": config,
            "used": False,
        }
        if by_reference:
            return vci.credential_offer_uri(offer_uri=f"{self.base}/offers/{oid}")
        return vci.credential_offer_uri(offer)


def run(coro: Any) -> Any:
    return asyncio.run(coro)
