"""Valid seeds: credentials and presentations in every format we make, and parser inputs.

Everything here is made fresh with real keys through the public API (``issue``, ``derive``,
``present``) and checked to verify before it is used as a seed, so a tamper target starts from
an input the verifier accepts. Verification runs fully offline: a did:key/did:jwk resolver, the
bundled JSON-LD contexts, and an HTTP client whose transport answers 404 to everything (so a
mutated ``iss`` URL or status list URL never reaches the network).
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import httpx

from didkit_py._encoding import b64url_encode, multibase_encode
from didkit_py.credentials import BASE_CONTEXT_V2, derive, issue, present, signer_for_key, verify
from didkit_py.did import JwkMethod, KeyMethod, Resolver
from didkit_py.keys import KeyType, generate_key, multikey_encode, public_jwk

__all__ = ["NOW", "Sample", "offline_http", "offline_resolver", "parser_seeds", "samples"]

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
CHALLENGE = "fuzz-challenge-0123456789"
DOMAIN = "https://verifier.example"
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"


@dataclass(frozen=True, slots=True)
class Sample:
    """A secured credential or presentation and how to verify it (``verify`` keyword arguments)."""

    format: str
    secured: str | dict[str, Any]
    verify_kwargs: Mapping[str, Any] = field(default_factory=dict)


def offline_resolver() -> Resolver:
    """did:key and did:jwk only: resolving anything else fails without touching the network."""
    return Resolver({"key": KeyMethod(), "jwk": JwkMethod()})


def offline_http() -> httpx.AsyncClient:
    """An HTTP client that never leaves the process: every request gets a 404."""
    return httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(404)))


def _credential(issuer: str, subject: str) -> dict[str, Any]:
    return {
        "@context": [BASE_CONTEXT_V2, EXAMPLES_CONTEXT],
        "id": "urn:uuid:0b9a2c8e-4d1f-4b7a-9e3c-1a2b3c4d5e6f",
        "type": ["VerifiableCredential", "ExampleIdentityCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "validUntil": "2030-01-01T00:00:00Z",
        "credentialSubject": {
            "id": subject,
            "type": "ExamplePerson",
            "name": "Alice Example",
            "birthDate": "1990-04-01",
            "over18": True,
            "over21": True,
        },
    }


@cache
def samples() -> dict[str, Sample]:
    """One valid sample per format (fresh keys per process); each is checked to verify."""
    ed = signer_for_key(generate_key(KeyType.ED25519))
    p256 = signer_for_key(generate_key(KeyType.P256))
    bls = signer_for_key(generate_key(KeyType.BLS12381G2))
    holder = signer_for_key(generate_key(KeyType.P256), method="jwk")
    holder_ed = signer_for_key(generate_key(KeyType.ED25519))

    out: dict[str, Sample] = {}
    vc_jwt = issue(_credential(ed.did, holder.did), signer=ed, now=NOW, format="vc+jwt")
    out["vc+jwt"] = Sample("vc+jwt", vc_jwt)
    vp_jwt = present([vc_jwt], signer=holder, now=NOW, challenge=CHALLENGE, domain=DOMAIN)
    out["vp+jwt"] = Sample("vp+jwt", vp_jwt, {"challenge": CHALLENGE, "domain": DOMAIN})
    out["eddsa-rdfc-2022"] = Sample(
        "eddsa-rdfc-2022",
        issue(_credential(ed.did, holder.did), signer=ed, now=NOW, format="eddsa-rdfc-2022"),
    )
    out["ecdsa-rdfc-2019"] = Sample(
        "ecdsa-rdfc-2019",
        issue(_credential(p256.did, holder.did), signer=p256, now=NOW, format="ecdsa-rdfc-2019"),
    )
    base = issue(
        _credential(bls.did, holder.did),
        signer=bls,
        now=NOW,
        format="bbs-2023",
        extra={"mandatory_pointers": ["/issuer", "/validFrom", "/credentialSubject/type"]},
    )
    derived = derive(base, now=NOW, disclose=["/credentialSubject/over21"])
    out["bbs-2023"] = Sample("bbs-2023", derived)
    sd = issue(
        _credential(p256.did, holder_ed.did),
        signer=p256,
        now=NOW,
        format="dc+sd-jwt",
        extra={"disclosable": ["/credentialSubject/name", "/credentialSubject/birthDate"]},
    )
    kb = derive(
        sd,
        now=NOW,
        disclose=["/credentialSubject/birthDate"],
        holder=holder_ed,
        challenge=CHALLENGE,
        domain=DOMAIN,
    )
    out["dc+sd-jwt"] = Sample("dc+sd-jwt", kb, {"challenge": CHALLENGE, "domain": DOMAIN})

    async def check_all() -> None:
        resolver = offline_resolver()
        async with offline_http() as http:
            for name, sample in out.items():
                result = await verify(
                    sample.secured, resolver=resolver, now=NOW, extra={"http": http}, **sample.verify_kwargs
                )
                if not result.verified:
                    raise RuntimeError(f"seed {name} does not verify: {result.to_dict()}")

    asyncio.run(check_all())
    return out


def _gzip_b64(data: bytes) -> str:
    return multibase_encode(gzip.compress(data, mtime=0), "base64url")


@cache
def parser_seeds() -> dict[str, list[Any]]:
    """Valid inputs for each parser target (what a mutation starts from)."""
    s = samples()
    ed_key = generate_key(KeyType.ED25519)
    ed_mk = multikey_encode(ed_key.key_type, ed_key.public_key)
    did_key = f"did:key:{ed_mk}"
    jwk = public_jwk(generate_key(KeyType.P256))
    did_jwk = "did:jwk:" + b64url_encode(json.dumps(jwk, separators=(",", ":")).encode())
    vc_jwt = s["vc+jwt"].secured
    sd = s["dc+sd-jwt"].secured
    di = s["eddsa-rdfc-2022"].secured
    bbs = s["bbs-2023"].secured
    assert isinstance(di, dict) and isinstance(bbs, dict) and isinstance(vc_jwt, str) and isinstance(sd, str)
    did_doc = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did_key,
        "verificationMethod": [
            {
                "id": f"{did_key}#{ed_mk}",
                "type": "Multikey",
                "controller": did_key,
                "publicKeyMultibase": ed_mk,
            }
        ],
        "authentication": [f"{did_key}#{ed_mk}"],
        "assertionMethod": [f"{did_key}#{ed_mk}"],
        "service": [{"id": "#linked", "type": "LinkedDomains", "serviceEndpoint": "https://example.com"}],
    }
    bitstring_vc = {
        "@context": [BASE_CONTEXT_V2],
        "id": "https://example.com/status/1",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did_key,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "https://example.com/status/1#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": _gzip_b64(bytes(16384)),
        },
    }
    # A compression bomb: 64 MiB of zeros gzip to ~64 KiB; the parsers must refuse to expand it.
    bomb = gzip.compress(bytes(64 * 1024 * 1024), compresslevel=9, mtime=0)
    import zlib

    tsl_claim = {"bits": 1, "lst": b64url_encode(zlib.compress(bytes(1024), 9))}
    tsl_bomb = {"bits": 1, "lst": b64url_encode(zlib.compress(bytes(64 * 1024 * 1024), 9))}
    pe = {
        "id": "pd-1",
        "input_descriptors": [
            {
                "id": "id-1",
                "format": {
                    "ldp_vc": {"proof_type": ["DataIntegrityProof"]},
                    "jwt_vc_json": {"alg": ["EdDSA"]},
                },
                "constraints": {
                    "limit_disclosure": "preferred",
                    "fields": [
                        {
                            "path": ["$.type", "$.vc.type"],
                            "filter": {"type": "array", "contains": {"const": "X"}},
                        },
                        {
                            "path": ["$.credentialSubject.birthDate"],
                            "filter": {"type": "string", "format": "date"},
                        },
                    ],
                },
            }
        ],
        "submission_requirements": [{"rule": "pick", "count": 1, "from": "A"}],
    }
    pe["input_descriptors"][0]["group"] = ["A"]
    dcql = {
        "credentials": [
            {
                "id": "pid",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": ["https://example.com/pid"]},
                "claims": [
                    {"id": "a", "path": ["credentialSubject", "name"]},
                    {"id": "b", "path": ["address", None, "street"], "values": ["Main St", 7]},
                ],
                "claim_sets": [["a", "b"], ["a"]],
            },
            {"id": "mdl", "format": "ldp_vc", "meta": {"type_values": [["ExampleIdentityCredential"]]}},
        ],
        "credential_sets": [{"options": [["pid"], ["mdl"]], "required": True}],
    }
    oid = _oid4vc_seeds(vc_jwt, sd)
    return {
        **oid,
        "did": [
            did_key,
            did_jwk,
            "did:web:example.com%3A8443:user:alice",
            "did:ethr:0x1:0xb9c5714089478a327f09197987f16f9e5d936e8a",
        ],
        "did_url": [
            f"{did_key}#{ed_mk}",
            "did:web:example.com/path/to?service=files&relativeRef=%2Fa#frag",
            "did:example:123;param=1?versionTime=2021-05-10T17:00:00Z#key-1",
        ],
        "did_document": [did_doc],
        "jws": [vc_jwt, s["vp+jwt"].secured],
        "sd_jwt": [sd],
        "disclosure": [d for d in sd.split("~")[1:-1] if d]
        + [b64url_encode(b'["salt", "name", {"a": [1, 2]}]')],
        "di_proof": [di, s["ecdsa-rdfc-2019"].secured, bbs],
        "bbs_base_proof_value": [_bbs_base_value()],
        "bbs_derived_proof_value": [bbs["proof"]["proofValue"]],
        "bbs_inputs": [_bbs_inputs()],
        "jsonld": [di, bbs, did_doc],
        "nquads": [
            '<did:ex:1> <http://schema.org/name> "Alice\\n\\u00e9"@en .\n'
            '_:b0 <http://schema.org/age> "42"^^<http://www.w3.org/2001/XMLSchema#integer> _:g1 .\n'
        ],
        "pe": [pe, {"presentation_definition": pe}],
        "dcql": [dcql],
        "bitstring": [bitstring_vc],
        "bitstring_bomb": [multibase_encode(bomb, "base64url")],
        "token_status_list": [tsl_claim, tsl_bomb],
        "credential_model": [_strip_proof(di), json.loads(json.dumps(_credential(did_key, did_jwk)))],
        "presentation_model": [
            {
                "@context": [BASE_CONTEXT_V2],
                "type": ["VerifiablePresentation"],
                "holder": did_jwk,
                "verifiableCredential": [
                    di,
                    {
                        "@context": [BASE_CONTEXT_V2],
                        "type": "EnvelopedVerifiableCredential",
                        "id": "data:application/vc+jwt," + vc_jwt,
                    },
                ],
            }
        ],
        "json_text": [json.dumps(di), json.dumps(bbs, indent=1)],
        "multikey": [ed_mk, multikey_encode(KeyType.BLS12381G2, generate_key(KeyType.BLS12381G2).public_key)],
        "jwk": [jwk, public_jwk(ed_key)],
    }


def _strip_proof(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "proof"}


def _bbs_base_value() -> str:
    from didkit_py.suites.data_integrity.bbs_2023 import serialize_base_proof_value

    return serialize_base_proof_value(
        bytes(80), bytes(64), bytes(96), bytes(32), ["/issuer", "/credentialSubject/type"]
    )


def _bbs_inputs() -> dict[str, Any]:
    """A valid (pk, signature, proof) triple with 3 messages, as hex for JSON mutation."""
    from didkit_py import bbs

    sk = bbs.keygen(b"k" * 32)
    pk = bbs.sk_to_pk(sk)
    msgs = [b"alpha", b"beta", b""]
    sig = bbs.sign(sk, pk, b"hdr", msgs)
    proof = bbs.proof_gen(pk, sig, b"hdr", b"ph", msgs, [0, 2])
    return {
        "pk": pk.hex(),
        "signature": sig.hex(),
        "header": b"hdr".hex(),
        "ph": b"ph".hex(),
        "messages": [m.hex() for m in msgs],
        "proof": proof.hex(),
        "disclosed_indexes": [0, 2],
    }


OID4VCI_ISSUER = "https://issuer.example/tenant"


def _oid4vc_seeds(vc_jwt: str, sd: str) -> dict[str, list[Any]]:
    """Valid OpenID4VCI / OpenID4VP messages (as the issuer, wallet and verifier exchange them)."""
    from didkit_py.oid4vc import vci, vp

    query = {"credentials": [{"id": "pid", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:x"]}}]}
    offer = {
        "credential_issuer": OID4VCI_ISSUER,
        "credential_configuration_ids": ["pid"],
        "grants": {vci.PRE_AUTHORIZED_GRANT: {"pre-authorized_code": "abc", "tx_code": {"length": 4}}},
    }
    meta = {
        "credential_issuer": OID4VCI_ISSUER,
        "credential_endpoint": f"{OID4VCI_ISSUER}/credential",
        "nonce_endpoint": f"{OID4VCI_ISSUER}/nonce",
        "credential_configurations_supported": {"pid": {"format": "dc+sd-jwt", "vct": "urn:x"}},
    }
    plain = {
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": "https://rp.example/cb",
        "nonce": "n-0123456789",
        "state": "s-1",
        "dcql_query": query,
    }
    holder = signer_for_key(generate_key(KeyType.ED25519))
    proof = vci.build_proof_jwt(holder, audience=OID4VCI_ISSUER, nonce="c-nonce-1", now=NOW)
    return {
        "oid4vci_offer": [offer],
        "oid4vci_offer_uri": [
            vci.credential_offer_uri(offer),
            vci.credential_offer_uri(offer_uri=f"{OID4VCI_ISSUER}/offers/1"),
        ],
        "oid4vci_metadata": [meta],
        "oid4vci_messages": [
            {
                "token_request": vci.token_request_form("abc", "1234"),
                "token_response": {"access_token": "at-1", "token_type": "Bearer", "expires_in": 300},
                "nonce_response": {"c_nonce": "c-nonce-1"},
                "credential_request": vci.credential_request_body("pid", [proof]),
                "credential_response": {"credentials": [{"credential": sd}]},
            }
        ],
        "oid4vci_proof_jwt": [proof],
        "oid4vp_request_uri": [
            vp.authorization_request_uri(client_id="redirect_uri:https://rp.example/cb", params=plain),
            vp.authorization_request_uri(
                client_id="decentralized_identifier:did:web:rp.example",
                request_uri="https://rp.example/req/1",
            ),
        ],
        "oid4vp_direct_post": [
            vp.direct_post_form({"pid": [sd]}, "s-1"),
            vp.direct_post_form({"pid": [vc_jwt]}, None),
            {"error": "access_denied", "error_description": "no", "state": "s-1"},
        ],
    }
