"""HTTP edges: VC-API verify, malformed and oversized bodies, never a 500."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from svc_holder import NOW, degree_credential, holder
from vworld import World

from didkit_py.credentials import derive, issue, present

PROBLEM = "application/problem+json"


def test_vc_api_base_bbs_proof_rejected_derived_accepted(client: TestClient) -> None:
    base, _ = degree_credential(holder())
    r = client.post("/credentials/verify", json={"verifiableCredential": base})
    assert r.status_code == 400 and r.json()["verified"] is False and r.json()["errors"]
    derived = derive(base, now=NOW, disclose=["/credentialSubject/degree/type"])
    r = client.post("/credentials/verify", json={"verifiableCredential": derived, "options": {}})
    assert r.status_code == 200, r.json()["errors"]
    body = r.json()
    assert body["verified"] is True and "proof" in body["checks"] and body["errors"] == []
    assert body["report"]["format"] == "bbs-2023"


def test_vc_api_presentation_with_challenge(client: TestClient, world: World) -> None:
    jwt = issue(world.credential(), signer=world.issuer, now=NOW - timedelta(days=1))
    ch = client.post("/challenges").json()["challenge"]
    vp = present([jwt], signer=world.holder, now=NOW, challenge=ch, domain="https://rp.example")
    body = {"verifiablePresentation": vp, "options": {"challenge": ch, "domain": "https://rp.example"}}
    r = client.post("/presentations/verify", json=body)
    assert r.status_code == 200, r.json()["errors"]
    again = client.post("/presentations/verify", json=body)
    assert again.status_code == 400
    assert any(e["name"] == "challenge.replayed" for e in again.json()["errors"])
    r = client.post("/presentations/verify", json={"verifiablePresentation": vp})
    assert r.status_code == 400 and any(e["name"] == "challenge.missing" for e in r.json()["errors"])


def test_tampered_credential_is_400_with_the_failing_check(client: TestClient, world: World) -> None:
    jwt = issue(world.credential(), signer=world.issuer, now=NOW - timedelta(days=1))
    assert isinstance(jwt, str)
    head, payload, sig = jwt.split(".")
    forged = f"{head}.{payload}.{sig[:-4]}AAAA"
    r = client.post("/credentials/verify", json={"verifiableCredential": forged})
    assert r.status_code == 400 and r.json()["errors"][0]["policy"] == "signature"


def test_malformed_bodies_are_problems_not_500(client: TestClient) -> None:
    cases: list[tuple[str, Any, int, str]] = [
        ("/credentials/verify", b"{not json", 400, "request.json"),
        ("/credentials/verify", b"", 400, "request.empty"),
        ("/credentials/verify", b"[]", 400, "request.schema"),
        ("/credentials/verify", b'{"a": 1, "a": 2}', 400, "request.json"),
        ("/presentations/verify", b'{"verifiablePresentation": {}, "options": []}', 400, "request.schema"),
        (
            "/presentations/verify",
            b'{"verifiablePresentation": {}, "options": {"challenge": 5}}',
            400,
            "request.schema",
        ),
        ("/oid4vp/requests", b"{}", 400, "request.query"),
        ("/oid4vp/requests", b'{"template": "degree", "purpose": "x"}', 400, "request.query"),
        ("/oid4vp/requests", b'{"template": "nope"}', 404, "request.template"),
        ("/oid4vp/requests", b'{"purpose": "weather in Paris"}', 400, "request.purpose_unmatched"),
        ("/oid4vp/requests", b'{"dcql_query": {"credentials": []}}', 400, "dcql"),
        ("/oid4vp/requests", b'{"bogus": 1}', 400, "request.schema"),
        ("/oid4vp/requests", b'{"relying_party": "nobody", "template": "degree"}', 404, "rp.unknown"),
    ]
    for path, raw, status, code in cases:
        r = client.post(path, content=raw, headers={"content-type": "application/json"})
        assert r.status_code == status, (path, raw, r.text)
        assert r.headers["content-type"].startswith(PROBLEM), (path, raw)
        assert r.json()["code"].startswith(code), (path, raw, r.json())
    r = client.get("/credentials/verify")
    assert r.status_code == 405 and r.headers["content-type"].startswith(PROBLEM)
    r = client.get("/oid4vp/transactions/unknown")
    assert r.status_code == 404 and r.json()["code"] == "transaction.not_found"


def test_oversized_bodies_get_413(make_client: Any) -> None:
    client = make_client(max_body_bytes=4096)
    big = json.dumps({"verifiableCredential": "x" * 5000})
    r = client.post("/credentials/verify", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "request.too_large"

    def chunks() -> Any:
        for _ in range(10):
            yield b"a" * 1000

    r = client.post(
        "/oid4vp/response", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 413


def test_direct_post_malformed(client: TestClient) -> None:
    out = client.post("/oid4vp/requests", json={"template": "degree"}).json()
    state = out["request_uri"].rsplit("/", 1)[1]
    form = "application/x-www-form-urlencoded"
    cases: list[tuple[bytes, str, int, str]] = [
        (b"state=" + state.encode(), form, 400, "oid4vp.vp_token_missing"),
        (b"vp_token=%7Bnot&state=" + state.encode(), form, 400, "oid4vp.invalid_response"),
        (b'vp_token={"degree_ldp": []}&state=' + state.encode(), form, 400, "oid4vp.invalid_response"),
        (b"vp_token=abc&vp_token=def&state=" + state.encode(), form, 400, "request.form"),
        (b"vp_token=abc&state=unknown-state", form, 400, "state.unknown"),
        (b"vp_token=abc", form, 400, "state.missing"),
        (b'{"vp_token": "abc"}', "application/json", 400, "request.media_type"),
        (b"\xff\xfe=1", form, 400, "request.form"),
    ]
    for raw, ctype, status, code in cases:
        r = client.post("/oid4vp/response", content=raw, headers={"content-type": ctype})
        assert r.status_code == status, (raw, r.text)
        assert r.json()["code"] == code and r.json()["error"] == "invalid_request", (raw, r.json())
    # None of those touched the transaction.
    assert client.get(out["status_uri"].removeprefix("http://127.0.0.1:8800")).json()["status"] == "pending"
    # A garbage presentation in a well-formed response is answered and recorded as rejected.
    r = client.post(
        "/oid4vp/response", data={"vp_token": json.dumps({"degree_ldp": ["garbage"]}), "state": state}
    )
    assert r.status_code == 400
    res = client.get(out["status_uri"].removeprefix("http://127.0.0.1:8800")).json()
    assert res["verdict"] == "rejected" and res["error"]["policy"] == "signature"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.binary(max_size=300),
    st.sampled_from(["/oid4vp/response", "/credentials/verify", "/presentations/verify", "/oid4vp/requests"]),
)
def test_random_bodies_never_500(client: TestClient, raw: bytes, path: str) -> None:
    ctype = "application/x-www-form-urlencoded" if path == "/oid4vp/response" else "application/json"
    r = client.post(path, content=raw, headers={"content-type": ctype})
    assert 400 <= r.status_code < 500, (raw, r.status_code, r.text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.sampled_from(["vp_token", "state", "presentation_submission", "error", "x"]),
        st.one_of(st.text(max_size=50), st.just("{}"), st.just('{"degree_ldp": [{}]}'), st.just("[]")),
    )
)
def test_random_forms_never_500(client: TestClient, form: dict[str, str]) -> None:
    r = client.post("/oid4vp/response", data=form)
    assert r.status_code in (200, 400, 409, 413), (form, r.text)


def test_page_and_templates(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and 'lang="en"' in r.text and "University degree" in r.text
    assert "Content-Security-Policy" in r.headers
    r = client.post("/ui/requests", data={"template": "degree"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "openid4vp://" in page.text and "<svg" in page.text
    frag = client.get(r.headers["location"] + "/report")
    assert frag.headers["x-transaction-status"] == "pending" and "Waiting for the wallet" in frag.text
    bad = client.post("/ui/requests", data={"purpose": "the weather"})
    assert bad.status_code == 400 and "no reviewed request template" in bad.text
    assert {t["id"] for t in client.get("/templates").json()} >= {"degree", "birth_date"}
    rps = client.get("/relying-parties").json()
    assert rps[0]["id"] == "default" and rps[0]["client_id"].startswith("decentralized_identifier:")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=20,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(["dcql_query", "presentation_definition", "purpose", "template", "relying_party"]),
    _json,
)
def test_random_request_bodies_never_500(client: TestClient, member: str, value: Any) -> None:
    r = client.post("/oid4vp/requests", json={member: value})
    assert r.status_code in (201, 400, 404, 413), (member, value, r.text)
    assert r.status_code != 201 or member in ("dcql_query", "presentation_definition", "purpose", "template")
