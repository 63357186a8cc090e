"""The served OpenAPI document states bodies, every response and the links (issue #10 item 8,
issue #13 item 2); schemathesis checks the service against it (tests/security)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from issuer.openapi_doc import OPERATIONS

from .conftest import Api

#: Operations anyone may call; every other one takes an API key or an access token.
PUBLIC = {
    ("get", "/health"),
    ("get", "/ready"),
    ("get", "/metrics"),
    ("get", "/.well-known/did.json"),
    ("get", "/{tenant}/did.json"),
    ("get", "/{tenant}/status/{list_id}"),
    ("get", "/.well-known/openid-credential-issuer/{tenant}"),
    ("get", "/.well-known/oauth-authorization-server/{tenant}"),
    ("get", "/{tenant}/offers/{offer_id}"),
    ("get", "/{tenant}/offers/{offer_id}/qr.{ext}"),
    ("post", "/{tenant}/token"),
    ("post", "/{tenant}/nonce"),
}
ERROR_SCHEMAS = {"Error", "OAuthError", "HTTPError", "HTTPValidationError"}


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def _refs(schema: Any) -> set[str]:
    if isinstance(schema, dict):
        out = {schema["$ref"].rsplit("/", 1)[1]} if "$ref" in schema else set()
        for v in schema.values():
            out |= _refs(v)
        return out
    if isinstance(schema, list):
        return set().union(*map(_refs, schema)) if schema else set()
    return set()


@pytest.fixture
def spec(api: Api) -> dict[str, Any]:
    r = api.client.get("/openapi.json")
    assert r.status_code == 200
    return dict(r.json())


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_operation_documents_success_auth_and_errors(spec: dict[str, Any]) -> None:
    ops = _operations(spec)
    assert len(ops) >= 30
    for method, path, op in ops:
        label = f"{method.upper()} {path}"
        assert (method, path) in OPERATIONS, f"{label} is not described in issuer/openapi_doc.py"
        responses = op["responses"]
        assert any(s.startswith("2") for s in responses), label
        if (method, path) not in PUBLIC:
            assert "401" in responses, label
            assert op.get("security"), label
        if op.get("parameters") or op.get("requestBody"):
            assert "422" in responses, label
        if op.get("requestBody"):
            assert {"400", "413"} <= set(responses), label
            body = next(iter(op["requestBody"]["content"].values()))
            assert body["schema"] and "example" in body, label
        for status, response in responses.items():
            content = response.get("content", {})
            if status.startswith(("4", "5")) and status != "503":
                refs = set().union(*(_refs(c["schema"]) for c in content.values()))
                assert refs and refs <= ERROR_SCHEMAS, f"{label} {status}: {refs}"
            for media, c in content.items():
                if media == "application/json":  # no bare "any JSON" left
                    assert c["schema"] not in ({}, {"type": "object", "additionalProperties": True}), (
                        f"{label} {status}"
                    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_issue_documents_body_replay_and_errors(spec: dict[str, Any]) -> None:
    op = spec["paths"]["/credentials/issue"]["post"]
    body = op["requestBody"]["content"]["application/json"]
    assert op["requestBody"]["required"] is True
    assert "credential" in body["schema"]["required"]
    assert body["schema"]["properties"]["credential"]["type"] == "object"
    assert "mandatoryPointers" in body["schema"]["properties"]["options"]["properties"]
    assert body["example"]["options"]["mandatoryPointers"] == ["/issuer"]  # the example is kept
    responses = op["responses"]
    assert {"200", "201", "401", "403", "404", "409", "413", "422"} <= set(responses)
    assert "Idempotency-Key" in responses["200"]["description"]
    assert responses["200"]["content"] == responses["201"]["content"]
    assert "idempotency-key" in {p["name"] for p in op["parameters"]}
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "message"] and "at" in error["properties"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_links_name_real_operations(spec: dict[str, Any]) -> None:
    ids = {op["operationId"]: (m, p) for m, p, op in _operations(spec)}
    links = {
        (m, p, status, name): link
        for m, p, op in _operations(spec)
        for status, r in op["responses"].items()
        for name, link in r.get("links", {}).items()
    }
    assert ids[links["post", "/dids", "201", "GetDid"]["operationId"]] == ("get", "/dids/{did_id}")
    assert links["post", "/dids", "201", "GetDid"]["parameters"] == {"path.did_id": "$response.body#/id"}
    assert ids[links["post", "/templates", "201", "Issue"]["operationId"]] == ("post", "/credentials/issue")
    assert ids[links["post", "/credentials/issue", "201", "UpdateStatus"]["operationId"]] == (
        "post",
        "/credentials/status",
    )
    assert ids[links["post", "/offers", "201", "GetOffer"]["operationId"]] == (
        "get",
        "/{tenant}/offers/{offer_id}",
    )
    for (m, p, status, _name), link in links.items():
        assert link["operationId"] in ids
        assert status in spec["paths"][p][m]["responses"]


def test_served_responses_match_documented_statuses(api: Api) -> None:
    """A few real answers, each under a documented status with its documented schema's fields."""
    spec = api.client.get("/openapi.json").json()
    did = api.client.post("/dids", json={"method": "key"}, headers=api.a.admin)
    assert did.status_code == 201
    assert set(spec["components"]["schemas"]["Did"]["required"]) <= set(did.json())
    cred = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"id": "did:example:alice"},
    }
    headers = {**api.a.issue, "Idempotency-Key": "k-1"}
    first = api.client.post("/credentials/issue", json={"credential": cred}, headers=headers)
    again = api.client.post("/credentials/issue", json={"credential": cred}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    unauth = api.client.get("/dids")
    assert unauth.status_code == 401 and set(unauth.json()) == {"error", "message"}


def test_status_update_refuses_a_non_string_status(api: Api) -> None:
    """Found by schemathesis: a status that is a JSON object crashed the lookup (500); now 422."""
    r = api.client.post(
        "/credentials/status",
        json={"credentialId": "urn:uuid:x", "credentialStatus": [{"status": {"a": 1}}]},
        headers=api.a.revoke,
    )
    assert r.status_code == 422
    assert r.json()["at"] == "/credentialStatus/0/status"


def test_nul_in_an_identifier_is_not_a_server_error(api: Api) -> None:
    """Found by schemathesis on PostgreSQL (text cannot hold NUL): a 500; now 422 there, and
    SQLite, which stores NUL, simply finds nothing."""
    want = 422 if str(api.settings.database_url).startswith("postgresql") else 404
    r = api.client.post("/offers", json={"template": "\x00"}, headers=api.a.issue)
    assert r.status_code == want, r.text
    assert r.json()["error"] == ("request.invalid" if want == 422 else "template.notFound")
    assert api.client.get("/dids/a%00b", headers=api.a.admin).status_code == want
    assert api.client.get("/acme%00/did.json").status_code == want


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_examples_match_their_schemas(spec: dict[str, Any]) -> None:
    """Every example in the document (component, request body, response) fits its schema."""
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    registry: Registry[Any] = Registry().with_resource("urn:openapi", Resource(spec, DRAFT202012))

    def check(schema: dict[str, Any], example: Any, where: str) -> None:
        text = json.dumps(schema).replace('"#/components/', '"urn:openapi#/components/')
        validator = jsonschema.Draft202012Validator(json.loads(text), registry=registry)
        errors = [e.message for e in validator.iter_errors(example)]
        assert not errors, f"{where}: {errors[:3]}"

    n = 0
    for name, schema in spec["components"]["schemas"].items():
        if "example" in schema:
            check(schema, schema["example"], f"components/{name}")
            n += 1
    for method, path, op in _operations(spec):
        places = [("request", op.get("requestBody", {}).get("content", {}))]
        places += [(status, r.get("content", {})) for status, r in op["responses"].items()]
        for where, content in places:
            for c in content.values():
                if "example" in c:
                    check(c["schema"], c["example"], f"{method.upper()} {path} {where}")
                    n += 1
    assert n >= 25


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_document_is_valid_openapi(spec: dict[str, Any]) -> None:
    import openapi_spec_validator as validator  # in the test extra: never skipped

    validator.validate(spec)
    assert spec["openapi"].startswith("3.1")
