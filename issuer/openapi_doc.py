"""The issuer's served OpenAPI document, made precise (documentation only).

FastAPI derives the document from the routes, but the routes take their bodies as any JSON (the
service validates them itself, with its own error codes and ``at`` pointers) and return plain
dicts. :func:`install` replaces ``app.openapi`` with a function that builds FastAPI's document
and then, per operation in :data:`OPERATIONS`, states the request body schema (with an
example), every success response with its schema, and every error status the route can answer
with the shared ``Error`` (``{"error", "message", "at"?}``) or ``OAuthError``
(``{"error", "error_description"}``) schema; it also adds the OpenAPI links between operations
that describe real relations (a created DID → read, rotate, a template on it; a template → issue
from it, an offer for it; an issued credential → its status update; an offer → by reference).

Nothing here changes how a request is parsed or validated at runtime.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .service import FORMAT_KEY_TYPES, SCOPES, TemplateIn

__all__ = ["OPERATIONS", "install", "refine"]

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


STR = {"type": "string"}
KEY_TYPES = ["Ed25519", "P-256", "Bls12381G2"]
FORMATS = list(FORMAT_KEY_TYPES)

CREDENTIAL_EXAMPLE = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:alice", "name": "Alice"},
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "description": "An error of this API: a stable code, a message, and where the problem is.",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "stable code, e.g. request.invalid"},
            "message": {"type": "string"},
            "at": {"type": "string", "description": "JSON pointer into the request"},
        },
        "additionalProperties": True,
        "example": {"error": "request.invalid", "message": "credential is required", "at": "/credential"},
    },
    "OAuthError": {
        "type": "object",
        "description": "RFC 6749 §5.2 / OpenID4VCI §8.3.1.2 error response.",
        "required": ["error"],
        "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
        "additionalProperties": True,
        "example": {"error": "invalid_grant", "error_description": "the pre-authorized code is invalid"},
    },
    "HTTPError": {
        "type": "object",
        "description": "FastAPI's answer to a body it cannot decode (before the route runs).",
        "required": ["detail"],
        "properties": {"detail": {}},
        "example": {"detail": "There was an error parsing the body"},
    },
    "Did": {
        "type": "object",
        "required": ["id", "did", "method", "created", "keys"],
        "properties": {
            "id": {"type": "string", "description": "this service's id of the DID"},
            "did": {"type": "string"},
            "method": {"type": "string", "enum": ["key", "web", "ethr"]},
            "created": {"type": "string", "format": "date-time"},
            "keys": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "type"],
                    "properties": {"id": STR, "type": STR},
                },
            },
        },
        "example": {
            "id": "6f1c0d9e-3a35-4b8e-9c56-8f0d4b0d2a11",
            "did": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "method": "key",
            "created": "2026-01-01T00:00:00Z",
            "keys": [
                {
                    "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
                    "#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                    "type": "Ed25519",
                }
            ],
        },
    },
    "DidDocument": {
        "type": "object",
        "required": ["@context", "id", "verificationMethod"],
        "properties": {
            "@context": {"type": "array", "items": STR},
            "id": STR,
            "verificationMethod": {"type": "array", "items": {"type": "object"}},
            "assertionMethod": {"type": "array", "items": STR},
            "authentication": {"type": "array", "items": STR},
        },
    },
    "Template": {
        "type": "object",
        "required": ["id", "did_id", "created", "name", "format"],
        "properties": {
            "id": STR,
            "did_id": STR,
            "created": {"type": "string", "format": "date-time"},
            "name": STR,
            "format": {"type": "string", "enum": FORMATS},
            "types": {"type": "array", "items": STR},
            "contexts": {"type": "array", "items": STR},
            "subject_schema": {"type": "object"},
            "validity_seconds": _nullable({"type": "integer"}),
            "status_purposes": {"type": "array", "items": STR},
            "mandatory_pointers": {"type": "array", "items": STR},
            "disclosable": {"type": "array", "items": STR},
            "vct": _nullable(STR),
            "approval": {"type": "string", "enum": ["auto", "manual"]},
        },
        "example": {
            "id": "0b7c2f7e-6a4f-4d0e-8c61-1d2f3a4b5c6d",
            "did_id": "6f1c0d9e-3a35-4b8e-9c56-8f0d4b0d2a11",
            "created": "2026-01-01T00:00:00Z",
            "name": "employee",
            "format": "bbs-2023",
            "types": ["EmployeeCredential"],
            "contexts": ["https://www.w3.org/ns/credentials/examples/v2"],
            "subject_schema": {"type": "object", "required": ["name"]},
            "validity_seconds": 31536000,
            "status_purposes": ["revocation", "suspension"],
            "mandatory_pointers": ["/issuer"],
            "disclosable": [],
            "vct": None,
            "approval": "auto",
        },
    },
    "IssueResponse": {
        "type": "object",
        "required": ["verifiableCredential"],
        "properties": {
            "verifiableCredential": {
                "description": "a secured credential: a JSON-LD document with a proof, or a JWT / "
                "SD-JWT as a string",
                "anyOf": [{"type": "object"}, {"type": "string"}],
            }
        },
        "example": {
            "verifiableCredential": {
                **CREDENTIAL_EXAMPLE,
                "id": "urn:uuid:3f1c9e0a-0c1e-4d4a-9a51-2f1b3b4c5d6e",
                "issuer": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                "credentialStatus": {
                    "type": "BitstringStatusListEntry",
                    "statusPurpose": "revocation",
                    "statusListIndex": "94567",
                    "statusListCredential": "https://issuer.example/acme/status/1",
                },
                "proof": {
                    "type": "DataIntegrityProof",
                    "cryptosuite": "eddsa-rdfc-2022",
                    "proofValue": "z...",
                },
            }
        },
    },
    "StatusResponse": {
        "type": "object",
        "required": ["credentialId", "status"],
        "properties": {
            "credentialId": STR,
            "status": {
                "type": "object",
                "description": "status purpose → the value now set",
                "additionalProperties": {"type": "integer"},
            },
        },
        "example": {
            "credentialId": "urn:uuid:3f1c9e0a-0c1e-4d4a-9a51-2f1b3b4c5d6e",
            "status": {"revocation": 1},
        },
    },
    "ApiKeyCreated": {
        "type": "object",
        "required": ["id", "scopes", "token"],
        "properties": {
            "id": STR,
            "scopes": {"type": "array", "items": {"type": "string", "enum": list(SCOPES)}},
            "token": {"type": "string", "description": "shown once; send as Authorization: Bearer"},
        },
        "example": {"id": "k3J9x0aQ", "scopes": ["issue"], "token": "dki_k3J9x0aQ_..."},
    },
    "AuditEvent": {
        "type": "object",
        "required": ["tenant", "seq", "at", "actor", "action", "hash"],
        "properties": {
            "tenant": STR,
            "seq": _nullable({"type": "integer"}),
            "at": STR,
            "actor": STR,
            "action": STR,
            "template": _nullable(STR),
            "credential": _nullable(STR),
            "digest": _nullable(STR),
            "details": _nullable({"type": "object"}),
            "prev": _nullable(STR),
            "hash": _nullable(STR),
        },
    },
    "CredentialOffer": {
        "type": "object",
        "required": ["credential_issuer", "credential_configuration_ids", "grants"],
        "properties": {
            "credential_issuer": STR,
            "credential_configuration_ids": {"type": "array", "items": STR},
            "grants": {"type": "object"},
        },
    },
    "OfferCreated": {
        "type": "object",
        "required": [
            "offer_id",
            "credential_offer",
            "credential_offer_uri",
            "deep_link",
            "deep_link_by_value",
            "qr_svg",
            "qr_png",
            "expires_in",
        ],
        "properties": {
            "offer_id": STR,
            "credential_offer": _ref("CredentialOffer"),
            "credential_offer_uri": STR,
            "deep_link": STR,
            "deep_link_by_value": STR,
            "qr_svg": STR,
            "qr_png": STR,
            "expires_in": {"type": "integer"},
            "tx_code": {"type": "string", "description": "only when asked for; shown once"},
        },
        "example": {
            "offer_id": "5d1e7a0c-2b8f-4d33-9a6e-7c0f1e2d3b4a",
            "credential_offer": {
                "credential_issuer": "https://issuer.example/acme",
                "credential_configuration_ids": ["employee"],
                "grants": {
                    "urn:ietf:params:oauth:grant-type:pre-authorized_code": {
                        "pre-authorized_code": "SplxlOBeZQQYbYS6WxSbIA",
                        "tx_code": {
                            "input_mode": "numeric",
                            "length": 6,
                            "description": "PIN from the issuer",
                        },
                    }
                },
            },
            "credential_offer_uri": "https://issuer.example/acme/offers/5d1e7a0c-2b8f-4d33-9a6e-7c0f1e2d3b4a",
            "deep_link": "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fissuer.example%2F...",
            "deep_link_by_value": "openid-credential-offer://?credential_offer=%7B%22credential_issuer...",
            "qr_svg": "https://issuer.example/acme/offers/5d1e7a0c-2b8f-4d33-9a6e-7c0f1e2d3b4a/qr.svg",
            "qr_png": "https://issuer.example/acme/offers/5d1e7a0c-2b8f-4d33-9a6e-7c0f1e2d3b4a/qr.png",
            "expires_in": 600,
            "tx_code": "493536",
        },
    },
    "CredentialResponse": {
        "type": "object",
        "required": ["credentials", "notification_id"],
        "properties": {
            "credentials": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["credential"],
                    "properties": {"credential": {"anyOf": [{"type": "object"}, {"type": "string"}]}},
                },
            },
            "notification_id": STR,
        },
        "example": {
            "credentials": [{"credential": "eyJhbGciOiJFZERTQSJ9..."}],
            "notification_id": "3fwe98js",
        },
    },
    "DeferredPending": {
        "type": "object",
        "required": ["transaction_id", "interval"],
        "properties": {"transaction_id": STR, "interval": {"type": "integer"}},
        "example": {"transaction_id": "8xLOxBtZp8", "interval": 5},
    },
    "Deferred": {
        "type": "object",
        "required": ["id", "status", "template", "offer_id", "holders", "count", "credentials"],
        "properties": {
            "id": STR,
            "status": {
                "type": "string",
                "enum": ["pending", "expired", "approving", "approved", "delivered", "rejected"],
            },
            "template": STR,
            "offer_id": STR,
            "claims": {"type": "object"},
            "holders": {"type": "array", "items": STR},
            "count": {"type": "integer"},
            "credentials": {"type": "array", "items": STR},
            "created": STR,
            "expires": STR,
            "decided_by": _nullable(STR),
            "decided_at": _nullable(STR),
        },
    },
}


def _json(schema: dict[str, Any], description: str, example: Any = None) -> dict[str, Any]:
    content: dict[str, Any] = {"schema": schema}
    if example is not None:
        content["example"] = example
    return {"description": description, "content": {JSON: content}}


def _body(schema: dict[str, Any], example: Any, media: str = JSON) -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": schema, "example": example}}}


def _error(description: str, oauth: bool = False) -> dict[str, Any]:
    return _json(_ref("OAuthError" if oauth else "Error"), description)


NOT_FOUND = _error("Not found (another tenant's ids are not found either)")
CONFLICT = _error("Conflicts with the current state")
#: Our own 422 (``Error``) or FastAPI's for a body that is not JSON or a bad query parameter.
INVALID = _json(
    {"anyOf": [_ref("Error"), _ref("HTTPValidationError")]},
    "The request is invalid: the error names the field in `at`",
)
OAUTH_400 = _json(
    {"anyOf": [_ref("OAuthError"), _ref("HTTPError")]},
    "OAuth error (`error` names it), or a body that cannot be decoded",
)
UNDECODABLE = _json(_ref("HTTPError"), "The body cannot be decoded")
OAUTH_401 = _error("The access token is invalid or expired", oauth=True)
OAUTH_422 = _json(
    {"anyOf": [_ref("HTTPValidationError"), _ref("Error")]},
    "The body is not JSON, or a value holds a NUL character",
)

TEMPLATE_EXAMPLE = {
    "name": "employee",
    "format": "bbs-2023",
    "types": ["EmployeeCredential"],
    "contexts": ["https://www.w3.org/ns/credentials/examples/v2"],
    "subject_schema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
    "validity_seconds": 31_536_000,
    "status_purposes": ["revocation", "suspension"],
    "mandatory_pointers": ["/issuer"],
}


def _template_in() -> dict[str, Any]:
    schema = TemplateIn.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return schema


#: (method, path) → what to state: ``body`` (with ``example``, and ``media`` when not JSON),
#: ``responses``, ``auth`` (API key scope, or ``"token"`` for an OpenID4VCI access token),
#: ``params`` (parameter name → schema) and ``links`` (status → name → link).
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/health"): {"responses": {"200": _json({"type": "object"}, "Alive", {"status": "ok"})}},
    ("get", "/ready"): {
        "responses": {
            "200": _json(
                {"type": "object", "required": ["status"]}, "The database answers", {"status": "ready"}
            ),
            "503": _json({"type": "object", "required": ["status"]}, "Not ready", {"status": "unavailable"}),
        }
    },
    ("get", "/metrics"): {"responses": {}},
    ("post", "/credentials/issue"): {
        "auth": "issue",
        "body": {
            "type": "object",
            "required": ["credential"],
            "properties": {
                "credential": {"type": "object", "description": "the unsecured credential"},
                "options": {
                    "type": "object",
                    "properties": {
                        "template": {"type": "string", "description": "template name or id"},
                        "format": {"type": "string", "enum": FORMATS},
                        "mandatoryPointers": {"type": "array", "items": STR},
                        "statusPurposes": {
                            "type": "array",
                            "items": {"type": "string", "enum": ["revocation", "suspension"]},
                        },
                    },
                },
            },
        },
        "example": {
            "credential": CREDENTIAL_EXAMPLE,
            "options": {"template": "employee", "mandatoryPointers": ["/issuer"]},
        },
        "responses": {
            "201": _json(_ref("IssueResponse"), "Issued"),
            "200": _json(
                _ref("IssueResponse"),
                "Replayed: an earlier request with this Idempotency-Key issued this credential",
            ),
            "404": _error("No such template"),
            "409": _error("The Idempotency-Key was used for a different request"),
            "422": INVALID,
        },
        "links": {
            "201": {
                "UpdateStatus": {
                    "operationId": ("post", "/credentials/status"),
                    "requestBody": {"credentialId": "$response.body#/verifiableCredential/id"},
                }
            }
        },
    },
    ("post", "/credentials/status"): {
        "auth": "revoke",
        "body": {
            "type": "object",
            "required": ["credentialId", "credentialStatus"],
            "properties": {
                "credentialId": {"type": "string", "minLength": 1, "maxLength": 1000},
                "credentialStatus": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["status"],
                        "properties": {
                            "type": {"type": "string"},
                            "status": {
                                "type": "string",
                                "enum": ["revoked", "suspended", "active", "reinstated"],
                            },
                        },
                    },
                },
            },
        },
        "example": {
            "credentialId": "urn:uuid:3f1c9e0a-0c1e-4d4a-9a51-2f1b3b4c5d6e",
            "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked"}],
        },
        "responses": {
            "200": _json(_ref("StatusResponse"), "Status set"),
            "404": _error("No such credential"),
            "422": INVALID,
        },
    },
    ("post", "/dids"): {
        "auth": "admin",
        "body": {
            "type": "object",
            "properties": {
                "method": {"type": "string", "enum": ["key", "web", "ethr"], "default": "key"},
                "key_types": {
                    "type": "array",
                    "items": {"type": "string", "enum": KEY_TYPES},
                    "minItems": 1,
                    "maxItems": 4,
                    "default": ["Ed25519"],
                },
            },
        },
        "example": {"method": "web", "key_types": ["Ed25519", "Bls12381G2"]},
        "responses": {
            "201": _json(_ref("Did"), "Created"),
            "409": _error("This tenant already has its did:web"),
            "422": INVALID,
        },
        "links": {
            "201": {
                "GetDid": {
                    "operationId": ("get", "/dids/{did_id}"),
                    "parameters": {"path.did_id": "$response.body#/id"},
                },
                "RotateDid": {
                    "operationId": ("post", "/dids/{did_id}/rotate"),
                    "parameters": {"path.did_id": "$response.body#/id"},
                },
                "CreateTemplate": {
                    "operationId": ("post", "/templates"),
                    "requestBody": {"did_id": "$response.body#/id"},
                },
            }
        },
    },
    ("get", "/dids"): {
        "auth": "read",
        "responses": {
            "200": _json({"type": "array", "items": _ref("Did")}, "This tenant's DIDs"),
            "422": INVALID,
        },
    },
    ("get", "/dids/{did_id}"): {
        "auth": "read",
        "responses": {"200": _json(_ref("Did"), "The DID"), "404": NOT_FOUND, "422": INVALID},
    },
    ("post", "/dids/{did_id}/rotate"): {
        "auth": "admin",
        "body": {
            "type": "object",
            "required": ["key_type"],
            "properties": {"key_type": {"type": "string", "enum": KEY_TYPES}},
        },
        "example": {"key_type": "Ed25519"},
        "responses": {
            "200": _json(_ref("Did"), "Rotated: the DID with its current keys"),
            "404": NOT_FOUND,
            "422": INVALID,
        },
    },
    ("get", "/.well-known/did.json"): {
        "responses": {
            "200": {
                "description": "The host-level did:web document",
                "content": {"application/did+json": {"schema": _ref("DidDocument")}},
            },
            "404": NOT_FOUND,
        }
    },
    ("get", "/did.json"): {
        "responses": {
            "200": {
                "description": "The host-level did:web document",
                "content": {"application/did+json": {"schema": _ref("DidDocument")}},
            },
            "404": NOT_FOUND,
        }
    },
    ("get", "/{tenant}/did.json"): {
        "responses": {
            "200": {
                "description": "The tenant's did:web document",
                "content": {"application/did+json": {"schema": _ref("DidDocument")}},
            },
            "404": NOT_FOUND,
            "422": INVALID,
        }
    },
    ("post", "/templates"): {
        "auth": "admin",
        "body": "TemplateIn",
        "example": TEMPLATE_EXAMPLE,
        "responses": {
            "201": _json(_ref("Template"), "Created"),
            "404": _error("No such DID (did_id)"),
            "409": _error("A template of this name exists"),
            "422": INVALID,
        },
        "links": {
            "201": {
                "GetTemplate": {
                    "operationId": ("get", "/templates/{ident}"),
                    "parameters": {"path.ident": "$response.body#/name"},
                },
                "Issue": {
                    "operationId": ("post", "/credentials/issue"),
                    "requestBody": {"options": {"template": "$response.body#/name"}},
                },
                "Offer": {
                    "operationId": ("post", "/offers"),
                    "requestBody": {"template": "$response.body#/name"},
                },
            }
        },
    },
    ("get", "/templates"): {
        "auth": "read",
        "responses": {
            "200": _json({"type": "array", "items": _ref("Template")}, "This tenant's templates"),
            "422": INVALID,
        },
    },
    ("get", "/templates/{ident}"): {
        "auth": "read",
        "responses": {"200": _json(_ref("Template"), "The template"), "404": NOT_FOUND, "422": INVALID},
    },
    ("post", "/api-keys"): {
        "auth": "admin",
        "body": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "maxLength": 200},
                "scopes": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(SCOPES)},
                    "minItems": 1,
                    "default": ["issue"],
                },
            },
        },
        "example": {"name": "hr system", "scopes": ["issue"]},
        "responses": {
            "201": _json(_ref("ApiKeyCreated"), "Created (the token is shown once)"),
            "422": INVALID,
        },
    },
    ("delete", "/api-keys/{key_id}"): {
        "auth": "admin",
        "responses": {"204": {"description": "Revoked"}, "404": NOT_FOUND, "422": INVALID},
    },
    ("get", "/audit"): {
        "auth": "admin",
        "responses": {
            "200": _json({"type": "array", "items": _ref("AuditEvent")}, "Latest events, newest first"),
            "422": INVALID,
        },
    },
    ("get", "/{tenant}/status/{list_id}"): {
        "responses": {
            "200": {
                "description": "The signed status list (Bitstring Status List credential, or an IETF "
                "Token Status List JWT for SD-JWT VC)",
                "content": {
                    "application/vc+ld+json": {"schema": {"type": "object"}},
                    "application/statuslist+jwt": {"schema": {"type": "string"}},
                },
            },
            "304": {"description": "Not modified (If-None-Match / If-Modified-Since)"},
            "404": NOT_FOUND,
            "422": INVALID,
        }
    },
    ("get", "/.well-known/openid-credential-issuer/{tenant}"): {
        "responses": {
            "200": _json(
                {
                    "type": "object",
                    "required": [
                        "credential_issuer",
                        "credential_endpoint",
                        "credential_configurations_supported",
                    ],
                },
                "Credential Issuer metadata (OpenID4VCI §12.2)",
            ),
            "404": NOT_FOUND,
            "422": INVALID,
        }
    },
    ("get", "/.well-known/oauth-authorization-server/{tenant}"): {
        "responses": {
            "200": _json(
                {"type": "object", "required": ["issuer", "token_endpoint"]},
                "Authorization Server metadata (RFC 8414)",
            ),
            "404": NOT_FOUND,
            "422": INVALID,
        }
    },
    ("post", "/offers"): {
        "auth": "issue",
        "body": {
            "type": "object",
            "required": ["template"],
            "properties": {
                "template": {"type": "string", "description": "template name or id"},
                "claims": {"type": "object", "description": "the subject's claims (checked by the template)"},
                "tx_code": {"type": "boolean", "default": False},
            },
        },
        "example": {"template": "employee", "claims": {"name": "Alice"}, "tx_code": True},
        "responses": {
            "201": _json(_ref("OfferCreated"), "Created"),
            "404": _error("No such template"),
            "422": INVALID,
        },
        "links": {
            "201": {
                "GetOffer": {
                    "operationId": ("get", "/{tenant}/offers/{offer_id}"),
                    "parameters": {"path.offer_id": "$response.body#/offer_id"},
                },
                "GetOfferQr": {
                    "operationId": ("get", "/{tenant}/offers/{offer_id}/qr.{ext}"),
                    "parameters": {"path.offer_id": "$response.body#/offer_id"},
                },
            }
        },
    },
    ("get", "/{tenant}/offers/{offer_id}"): {
        "responses": {
            "200": _json(_ref("CredentialOffer"), "The credential offer (by reference)"),
            "404": _error("No such offer, or it expired or was used"),
            "422": INVALID,
        }
    },
    ("get", "/{tenant}/offers/{offer_id}/qr.{ext}"): {
        "params": {"ext": {"type": "string", "enum": ["svg", "png"]}},
        "responses": {
            "200": {
                "description": "The offer's deep link as a QR code",
                "content": {
                    "image/svg+xml": {"schema": {"type": "string"}},
                    "image/png": {"schema": {"type": "string", "format": "binary"}},
                },
            },
            "404": _error("No such offer, or not .svg / .png"),
            "422": INVALID,
        },
    },
    ("post", "/{tenant}/token"): {
        "body": {
            "type": "object",
            "required": ["grant_type", "pre-authorized_code"],
            "properties": {
                "grant_type": {
                    "type": "string",
                    "enum": ["urn:ietf:params:oauth:grant-type:pre-authorized_code"],
                },
                "pre-authorized_code": STR,
                "tx_code": STR,
                "resource": STR,
            },
        },
        "media": "application/x-www-form-urlencoded",
        "example": {
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": "SplxlOBeZQQYbYS6WxSbIA",
            "tx_code": "493536",
        },
        "responses": {
            "200": _json(
                {
                    "type": "object",
                    "required": ["access_token", "token_type", "expires_in"],
                    "properties": {
                        "access_token": STR,
                        "token_type": {"type": "string", "enum": ["Bearer"]},
                        "expires_in": {"type": "integer"},
                    },
                },
                "Access token (RFC 6749 §5.1)",
                {"access_token": "czZCaGRSa3F0MzpnWDFmQmF0M2JW", "token_type": "Bearer", "expires_in": 300},
            ),
            "400": OAUTH_400,
            "413": _error("Request body too large"),
            "422": OAUTH_422,
        },
    },
    ("post", "/{tenant}/nonce"): {
        "responses": {
            "200": _json(
                {"type": "object", "required": ["c_nonce"], "properties": {"c_nonce": STR}},
                "A fresh nonce (OpenID4VCI §7)",
                {"c_nonce": "wKI4LT17ac15ES9bw8ac4"},
            ),
            "404": _error("No such tenant"),
            "422": INVALID,
        }
    },
    ("post", "/{tenant}/credential"): {
        "auth": "token",
        "body": {
            "type": "object",
            "required": ["credential_configuration_id"],
            "properties": {
                "credential_configuration_id": {"type": "string", "minLength": 1},
                "proofs": {
                    "type": "object",
                    "required": ["jwt"],
                    "properties": {"jwt": {"type": "array", "items": STR, "minItems": 1, "maxItems": 16}},
                    "additionalProperties": False,
                },
            },
        },
        "example": {
            "credential_configuration_id": "employee",
            "proofs": {"jwt": ["eyJ0eXAiOiJvcGVuaWQ0dmNpLXByb29mK2p3dCJ9..."]},
        },
        "responses": {
            "200": _json(_ref("CredentialResponse"), "Issued (one credential per proof)"),
            "202": _json(
                _ref("DeferredPending"), "Deferred: fetch later at the deferred credential endpoint"
            ),
            "400": OAUTH_400,
            "422": OAUTH_422,
        },
    },
    ("get", "/deferred"): {
        "auth": "admin",
        "responses": {
            "200": _json({"type": "array", "items": _ref("Deferred")}, "Deferred requests, newest first"),
            "422": INVALID,
        },
    },
    ("get", "/deferred/{deferred_id}"): {
        "auth": "admin",
        "responses": {
            "200": _json(_ref("Deferred"), "The deferred request"),
            "404": NOT_FOUND,
            "422": INVALID,
        },
    },
    ("post", "/deferred/{deferred_id}/approve"): {
        "auth": "admin",
        "responses": {
            "200": _json(_ref("Deferred"), "Approved (again: unchanged)"),
            "404": NOT_FOUND,
            "409": _error("Rejected or expired"),
            "422": INVALID,
        },
    },
    ("post", "/deferred/{deferred_id}/reject"): {
        "auth": "admin",
        "responses": {
            "200": _json(_ref("Deferred"), "Rejected"),
            "404": NOT_FOUND,
            "409": _error("Approved, or an approval is under way"),
            "422": INVALID,
        },
    },
    ("post", "/{tenant}/deferred_credential"): {
        "auth": "token",
        "body": {"type": "object", "required": ["transaction_id"], "properties": {"transaction_id": STR}},
        "example": {"transaction_id": "8xLOxBtZp8"},
        "responses": {
            "200": _json(_ref("CredentialResponse"), "The deferred credentials (once)"),
            "202": _json(_ref("DeferredPending"), "Still pending"),
            "400": OAUTH_400,
            "422": OAUTH_422,
        },
    },
    ("post", "/{tenant}/notification"): {
        "auth": "token",
        "body": {
            "type": "object",
            "required": ["notification_id", "event"],
            "properties": {
                "notification_id": STR,
                "event": {
                    "type": "string",
                    "enum": ["credential_accepted", "credential_failure", "credential_deleted"],
                },
                "event_description": STR,
            },
        },
        "example": {"notification_id": "3fwe98js", "event": "credential_accepted"},
        "responses": {"204": {"description": "Recorded"}, "400": OAUTH_400, "422": OAUTH_422},
    },
}


def _operation_id(spec: dict[str, Any], target: tuple[str, str]) -> str:
    method, path = target
    return str(spec["paths"][path][method]["operationId"])


def refine(spec: dict[str, Any]) -> dict[str, Any]:
    """State bodies, responses, errors and links in FastAPI's ``spec`` (in place; returned)."""
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(copy.deepcopy(SCHEMAS))
    schemas["TemplateIn"] = _template_in()
    components["securitySchemes"] = {
        "ApiKey": {"type": "http", "scheme": "bearer", "description": "a tenant API key (dki_…)"},
        "AccessToken": {"type": "http", "scheme": "bearer", "description": "an OpenID4VCI access token"},
    }
    for (method, path), doc in OPERATIONS.items():
        op = spec["paths"].get(path, {}).get(method)
        if op is None:
            continue  # e.g. /did.json when the base URL has no path
        responses: dict[str, Any] = op.setdefault("responses", {})
        for status in [s for s in responses if s.startswith("2")]:
            if status not in doc["responses"] and doc["responses"]:
                del responses[status]  # FastAPI's default status, replaced by the stated ones
        for status, response in doc["responses"].items():
            responses[status] = copy.deepcopy(response)
        for param in op.get("parameters", []):
            if param["name"] in doc.get("params", {}):
                param["schema"] = copy.deepcopy(doc["params"][param["name"]])
        body = doc.get("body")
        if body is not None:
            schema = _ref("TemplateIn") if body == "TemplateIn" else copy.deepcopy(body)
            op["requestBody"] = _body(schema, copy.deepcopy(doc["example"]), doc.get("media", JSON))
            responses.setdefault("400", copy.deepcopy(UNDECODABLE))
            responses.setdefault("413", _error("Request body too large"))
        auth = doc.get("auth")
        if auth == "token":
            op["security"] = [{"AccessToken": []}]
            responses["401"] = copy.deepcopy(OAUTH_401)
        elif auth is not None:
            op["security"] = [{"ApiKey": []}]
            responses["401"] = _error("Invalid, expired, revoked or missing API key")
            if auth != "read":
                responses["403"] = _error(f"This API key lacks the {auth!r} scope")
        for status, links in doc.get("links", {}).items():
            responses[status]["links"] = {
                name: {
                    "operationId": _operation_id(spec, link["operationId"]),
                    **{k: copy.deepcopy(v) for k, v in link.items() if k != "operationId"},
                }
                for name, link in links.items()
            }
        op["responses"] = dict(sorted(responses.items()))
    return spec


def install(app: FastAPI) -> None:
    """Serve the refined document at ``/openapi.json`` (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=app.servers,
            )
            app.openapi_schema = refine(spec)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
